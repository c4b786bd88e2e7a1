r"""RECFAST-style rate equations of recombination (hydrogen, helium, baryon temperature), Saha
equilibria and the tanh reionisation: the physics that ``jaxbsm.cosmology.recombination`` integrates
into the thermal history of the linear Einstein-Boltzmann solver.

References: Seager, Sasselov & Scott, ApJ 523 (1999) L1, astro-ph/9909275 and ApJS 128 (2000) 407,
astro-ph/9912182 (RECFAST); Wong, Moss & Scott, MNRAS 386 (2008) 1023, arXiv:0711.1357 (RECFAST 1.4:
helium Sobolev escape, continuum opacity of H, triplets; RECFAST 1.5: hydrogen fudge 1.125 with a
Gaussian K correction, the 1.5.2 values); Peebles, ApJ 153 (1968) 1 (effective three-level atom);
Pequignot, Petitjean & Boisson, A&A 251 (1991) 680 (case-B alpha_H); Verner & Ferland, ApJS 103
(1996) 467 (He I recombination); Lewis, PRD 78 (2008) 023002, arXiv:0804.3865 (the tanh
reionisation in y = (1+z)^{3/2}, CLASS's ``reio_camb``); Lesgourgues, arXiv:1104.2932 and the CLASS
v3 sources (``external/RecfastCLASS/wrap_recfast.c``, ``source/thermodynamics.c``), which this module
follows formula for formula so that it can be checked against CLASS run with
``recombination = RECFAST``.

Species (per hydrogen nucleus): x_H = n_HII/n_H, x_He = n_HeII/n_He (He II + He III counted once,
as in RECFAST), f_He = n_He/n_H = Y_He/(not4 (1 - Y_He)), not4 = m_He/m_H = 3.9715 (CLASS), and
n_H = (1 - Y_He) rho_b/m_H = n_H0/a^3. The free-electron fraction before reionisation is

    x_rec = x_H + f_He x_He + f_He y_III,

with y_III = n_HeIII/n_He from Saha at T_gamma (zero to < 1e-11 below z = 3500, so it does not
double count the He II term).

Hydrogen stays in Saha equilibrium down to z = 1800 (``recombination.Z_H_START``): along the Saha
root its derivative is that of the root (``recfast_rhs``), below it the Peebles equation.

Hydrogen (Peebles with the RECFAST fudge)::

    dx_H/dln a = -(x_rec x_H n_H alpha_B(T_b) - beta_B(T_gamma) (1-x_H) e^{-h nu_alpha/k T_b}) C / H,
    C = (1 + K Lambda_2s n_H (1-x_H)) / (1/F + K Lambda_2s n_H (1-x_H)/F + K beta_B n_H (1-x_H)),
    K = lambda_alpha^3/(8 pi H) [1 + A_1 e^{-((ln(1+z)-z_1)/w_1)^2} + A_2 e^{-((ln(1+z)-z_2)/w_2)^2}],

F = 1.125 (1.14 - 0.015, RECFAST 1.5.2), (A_1, z_1, w_1) = (-0.14, 7.28, 0.18),
(A_2, z_2, w_2) = (0.079, 6.73, 0.33); alpha_B = 1e-19 a t^b/(1 + c t^d) m^3/s, t = T/1e4 K
(Pequignot fit with RECFAST's a = 4.309, b = -0.6166, c = 0.6703, d = 0.53); the photoionisation
coefficient from the 2s level by detailed balance at the radiation temperature (RECFAST 1.5.2, CLASS's
default), beta_B = alpha_B(T_gamma) (2 pi m_e k T_gamma/h^2)^{3/2} e^{-B_2/k T_gamma}, B_2 = 3.4 eV;
Lambda_2s = 8.2245809 /s.

Helium (He II -> He I): the RECFAST 1.4 helium ODE in CLASS's most complete setting
(``recfast_Heswitch = 6``: Sobolev escape of the singlet 2^1P line, its Doppler-broadened continuum
absorption by neutral H (Kholupenko et al.; Switzer & Hirata, fit p = 0.36, q = 0.86) and the
triplet 2^3P channel with its continuum correction (p = 0.66, q = 0.9)), Verner-Ferland rates. CLASS
switches between simplified flags by thresholds (x_He > 0.995, x_H > 0.9999999, z < 800); here the
complete expressions are used throughout, which have the simplified ones as their limits (e.g.
K_He -> lambda_2p^3/(8 pi H) when the line is optically thick), so the right-hand side is smooth.
He III -> He II is Saha throughout (exact enough: it is over by z ~ 5000, long before anything
the CMB sees).

Baryon temperature (Compton heating, Weymann 1965)::

    dT_b/dln a = -2 T_b + (8 sigma_T a_rad T_gamma^4/(3 m_e c H)) x_e/(1 + f_He + x_e) (T_gamma - T_b),

evolved as theta = T_b/T_gamma (dtheta/dln a = -theta + Gamma/H (1 - theta)), T_b = T_gamma for
z > 3500; x_e here includes reionisation (CLASS does the same), which reheats the gas a little at
z < 10. No photo-heating by the reionising sources (as in CLASS without energy injection).

Reionisation (CLASS ``reio_camb``, exponent 3/2, helium second reionisation at z = 3.5, width 0.5)::

    x_e = x_rec + (1 + f_He - x_rec) s_1 + f_He s_2,
    s_1 = [1 + tanh(((1+z_re)^{3/2} - (1+z)^{3/2}) / (3/2 (1+z_re)^{1/2} dz_re))]/2,
    s_2 = [1 + tanh((3.5 - z)/0.5)]/2.

CLASS applies the tanh below z_start = z_re + 8 dz_re only, with x_rec frozen at its z_start value
(``xe_before``); here the running x_rec is used at all z. The two differ by < 1e-7 absolute (s_1 is
4e-8 at z_start and x_rec changes by < 1% of 2e-4 below it). Plateaus: x_e = 1 + f_He after hydrogen
reionisation, 1 + 2 f_He after He II reionisation.

Units: SI inside the rates (K for temperatures, m^-3 for densities, 1/s for rates); the rate
equations are per ln a. Constants CODATA 2018 (module constants below); the background H from
``background.conformal_hubble_lcdm`` (H = H_conf/a x c).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from jaxbsm.cosmology.background import Cosmology, conformal_hubble_lcdm

__all__ = [
    "C_LIGHT",
    "K_BOLTZMANN",
    "MPC_M",
    "M_HYDROGEN_KG",
    "NOT4",
    "SIGMA_THOMSON",
    "compton_over_h",
    "f_helium",
    "hydrogen_density_today",
    "recfast_rhs",
    "reionisation",
    "saha_he3",
    "saha_states",
]

# --- constants (SI, CODATA 2018 unless stated) ---------------------------------------------------
C_LIGHT = 299_792_458.0  # m/s, exact
H_PLANCK = 6.62607015e-34  # J s, exact
K_BOLTZMANN = 1.380649e-23  # J/K, exact
M_ELECTRON_KG = 9.1093837015e-31  # kg, CODATA 2018
M_HYDROGEN_KG = 1.00782503223 * 1.66053906660e-27  # kg, 1H atom: AME2016 mass x CODATA 2018 u
SIGMA_THOMSON = 6.6524587321e-29  # m^2, CODATA 2018
G_NEWTON = 6.67430e-11  # m^3/(kg s^2), CODATA 2018
A_RADIATION = 7.565733250e-16  # J/(m^3 K^4), 4 sigma_SB/c with sigma_SB = 5.670374419e-8 (exact)
MPC_M = 3.0856775814913673e22  # m, IAU 2015 (pc = 648000/pi au)
NOT4 = 3.9715  # m_He/m_H as in RECFAST/CLASS (_not4_)

# Atomic data (RECFAST 1.5 / CLASS wrap_recfast.h; wavenumbers in 1/m).
_L_H_ION = 1.096787737e7  # H I ionisation
_L_H_ALPHA = 8.225916453e6  # H Lyman alpha
_L_HE1_ION = 1.98310772e7  # He I ionisation
_L_HE2_ION = 4.389088863e7  # He II ionisation
_L_HE_2S = 1.66277434e7  # He I 2^1S
_L_HE_2P = 1.71134891e7  # He I 2^1P
_L_HE_2PT = 1.690871466e7  # He I 2^3P
_L_HE_2ST = 1.5985597526e7  # He I 2^3S
_L_HE2ST_ION = 3.8454693845e6  # He I 2^3S ionisation
_A2P_S = 1.798287e9  # 1/s, He I 2^1P -> 1^1S
_A2P_T = 177.58  # 1/s, He I 2^3P -> 1^1S
_SIGMA_HE_2PS = 1.436289e-22  # m^2, H photoionisation cross-section at the He 2^1P line
_SIGMA_HE_2PT = 1.484872e-22  # m^2, same at 2^3P
_LAMBDA_H = 8.2245809  # 1/s, H 2s -> 1s two-photon
_LAMBDA_HE = 51.3  # 1/s, He I 2^1S -> 1^1S two-photon
# Recombination fits: Pequignot et al. (H, case B) and Verner & Ferland (He I singlets, triplets).
_A_PPB, _B_PPB, _C_PPB, _D_PPB = 4.309, -0.6166, 0.6703, 0.5300
_A_VF, _B_VF = 10.0**-16.744, 0.711
_A_TRIP, _B_TRIP = 10.0**-16.306, 0.761
_T_0, _T_1 = 10.0**0.477121, 10.0**5.114
# RECFAST 1.5.2 fudges (CLASS defaults: recfast_fudge_H + recfast_delta_fudge_H, Gaussians, fudge_He).
FUDGE_H = 1.14 - 0.015
_AGAUSS1, _ZGAUSS1, _WGAUSS1 = -0.14, 7.28, 0.18
_AGAUSS2, _ZGAUSS2, _WGAUSS2 = 0.079, 6.73, 0.33
_FUDGE_HE = 0.86

_HC_K = H_PLANCK * C_LIGHT / K_BOLTZMANN  # m K
_CR = 2.0 * math.pi * (M_ELECTRON_KG / H_PLANCK) * (K_BOLTZMANN / H_PLANCK)  # 1/(m^2 K)
_CDB = _HC_K * (_L_H_ION - _L_H_ALPHA)  # K, n=2 ionisation
_CDB_HE = _HC_K * (_L_HE1_ION - _L_HE_2S)
_CB1 = _HC_K * _L_H_ION
_CB1_HE1 = _HC_K * _L_HE1_ION
_CB1_HE2 = _HC_K * _L_HE2_ION
_CK = (1.0 / _L_H_ALPHA) ** 3 / (8.0 * math.pi)  # m^3
_CK_HE = (1.0 / _L_HE_2P) ** 3 / (8.0 * math.pi)
_CL = _HC_K * _L_H_ALPHA
_CL_HE = _HC_K * _L_HE_2S
_CL_HET = _HC_K * _L_HE_2ST
_CDB_HE2S2P = _HC_K * (_L_HE_2P - _L_HE_2S)
_CL_PST = _HC_K * (_L_HE_2PT - _L_HE_2ST)
_H100_SI = 1.0e5 / MPC_M  # 100 km/s/Mpc in 1/s
_RHO_CRIT100 = 3.0 * _H100_SI**2 / (8.0 * math.pi * G_NEWTON)  # kg/m^3 for h = 1
_COMPTON = 8.0 * SIGMA_THOMSON * A_RADIATION / (3.0 * M_ELECTRON_KG * C_LIGHT)  # 1/(s K^4)

_REIO_EXPONENT = 1.5
_HE_REIO_Z, _HE_REIO_WIDTH = 3.5, 0.5


def f_helium(Y_He):
    """n_He/n_H (dimensionless) for the helium mass fraction Y_He: Y_He/(not4 (1 - Y_He)), not4 = 3.9715 (CLASS)."""
    return Y_He / (NOT4 * (1.0 - Y_He))


def hydrogen_density_today(cosmo: Cosmology):
    """Hydrogen nuclei per m^3 today, (1 - Y_He) rho_b/m_H."""
    return (1.0 - cosmo.Y_He) * cosmo.omega_b * _RHO_CRIT100 / M_HYDROGEN_KG


def _hubble_si(a, cosmo: Cosmology):
    """H = (a'/a)/a in 1/s."""
    return conformal_hubble_lcdm(a, cosmo) / a * C_LIGHT / MPC_M


def _saha_fraction(rhs, x_other):
    """Root in (0, 1] of (x_other + x) x/(1 - x) = rhs, x_other >= 0 (electrons from other species
    fixed); for x_other = 0: x^2/(1 - x) = rhs. Cancellation-free form."""
    b = x_other + rhs
    return 2.0 * rhs / (b + jnp.sqrt(b * b + 4.0 * rhs))


def saha_he3(a, cosmo: Cosmology):
    """n_HeIII/n_He at scale factor a from Saha at T_gamma with the H and He II electrons fixed at 1 + f_He:
    (1 + f + f y) y/(1 - y) = (2 pi m_e k T/h^2)^{3/2} e^{-54.4 eV/kT}/n_H."""
    T = cosmo.T_cmb / a
    f = f_helium(cosmo.Y_He)
    rhs3 = (_CR * T) ** 1.5 * a**3 / hydrogen_density_today(cosmo) * jnp.exp(-_CB1_HE2 / T)
    return _saha_fraction(rhs3 / f, (1.0 + f) / f)


def saha_states(a, cosmo: Cosmology):
    """(x_H, x_He, y_III) (ionised fractions) in Saha equilibrium at T = T_gamma at scale factor a
    (see the module docstring)."""
    T = cosmo.T_cmb / a
    n_h = hydrogen_density_today(cosmo) / a**3
    f = f_helium(cosmo.Y_He)
    pref = (_CR * T) ** 1.5 / n_h
    y3 = saha_he3(a, cosmo)
    # He I <-> He II (statistical weight 4) with electrons 1 from H: (1 + f x) x/(1 - x) = 4 rhs.
    rhs2 = 4.0 * pref * jnp.exp(-_CB1_HE1 / T)
    x_he = _saha_fraction(rhs2 / f, 1.0 / f)
    # H I <-> H II with the helium electrons f x_He.
    rhs1 = pref * jnp.exp(-_CB1 / T)
    x_h = _saha_fraction(rhs1, f * x_he)
    return x_h, x_he, y3


def reionisation(x_rec, z, cosmo: Cosmology):
    """x_e (per H nucleus) with reionisation at redshift z from the recombination fraction x_rec: the
    CLASS reio_camb blend (module docstring), x_rec + (1 + f - x_rec) s_1 + f s_2."""
    f = f_helium(cosmo.Y_He)
    zr = cosmo.z_reio
    p = _REIO_EXPONENT
    arg1 = ((1.0 + zr) ** p - (1.0 + z) ** p) / (p * (1.0 + zr) ** (p - 1.0)) / cosmo.delta_z_reio
    s1 = 0.5 * (1.0 + jnp.tanh(arg1))
    s2 = 0.5 * (1.0 + jnp.tanh((_HE_REIO_Z - z) / _HE_REIO_WIDTH))
    return x_rec + (1.0 + f - x_rec) * s1 + f * s2


def recfast_rhs(ln_a, y, args):
    """d/dln a of the state y = (x_H, x_He, T_b/T_gamma) (dimensionless), args = (cosmo, ln a_H).

    The ODE that ``recombination.thermal_history`` integrates: for ln a < ln a_H (z > Z_H_START) x_H follows Saha, i.e. its
    derivative is that of the Saha root (implicit differentiation of (c + x) x = r (1 - x), c =
    f_He x_He, dln r/dln a = 3/2 - B_1/kT_gamma); below, the Peebles equation. The switch is passed
    to the step controller as a jump time."""
    cosmo, ln_a_h = args
    dxh, dxhe, dtheta = _rates(ln_a, y[0], y[1], y[2], cosmo)
    a = jnp.exp(ln_a)
    T = cosmo.T_cmb / a
    r = (_CR * T) ** 1.5 * a**3 / hydrogen_density_today(cosmo) * jnp.exp(-_CB1 / T)
    c = f_helium(cosmo.Y_He) * y[1]
    x = y[0]
    dxh_saha = ((1.0 - x) * r * (1.5 - _CB1 / T) - x * f_helium(cosmo.Y_He) * dxhe) / (c + 2.0 * x + r)
    return jnp.stack([jnp.where(ln_a < ln_a_h, dxh_saha, dxh), dxhe, dtheta])


def _rates(ln_a, x_h, x_he, theta, cosmo: Cosmology):
    a = jnp.exp(ln_a)
    z = 1.0 / a - 1.0
    f = f_helium(cosmo.Y_He)
    t_rad = cosmo.T_cmb / a
    t_mat = theta * t_rad
    n_h = hydrogen_density_today(cosmo) / a**3
    n_he = f * n_h
    hz = _hubble_si(a, cosmo)
    x = x_h + f * x_he  # recombination electrons (no reionisation) in the rate equations
    one_m_xh = jnp.maximum(1.0 - x_h, 1e-30)
    one_m_xhe = jnp.maximum(1.0 - x_he, 1e-30)

    # Hydrogen.
    def alpha_h(T):
        t4 = T / 1.0e4
        return 1.0e-19 * _A_PPB * t4**_B_PPB / (1.0 + _C_PPB * t4**_D_PPB)

    r_down = alpha_h(t_mat)
    r_up = alpha_h(t_rad) * (_CR * t_rad) ** 1.5 * jnp.exp(-_CDB / t_rad)
    lz = jnp.log1p(z)
    k = _CK / hz * (
        1.0
        + _AGAUSS1 * jnp.exp(-(((lz - _ZGAUSS1) / _WGAUSS1) ** 2))
        + _AGAUSS2 * jnp.exp(-(((lz - _ZGAUSS2) / _WGAUSS2) ** 2))
    )
    kn = k * n_h * one_m_xh
    c_peebles = (1.0 + kn * _LAMBDA_H) / ((1.0 + kn * _LAMBDA_H) / FUDGE_H + kn * r_up)
    dxh = -(x * x_h * n_h * r_down - r_up * (1.0 - x_h) * jnp.exp(-_CL / t_mat)) * c_peebles / hz

    # Helium singlets: Sobolev escape plus continuum absorption by H (Heswitch 6, smooth form).
    def alpha_he(T, a_fit, b_fit):
        s0, s1 = jnp.sqrt(T / _T_0), jnp.sqrt(T / _T_1)
        return a_fit / (s0 * (1.0 + s0) ** (1.0 - b_fit) * (1.0 + s1) ** (1.0 + b_fit))

    r_down_he = alpha_he(t_mat, _A_VF, _B_VF)
    r_up_he = 4.0 * alpha_he(t_rad, _A_VF, _B_VF) * (_CR * t_rad) ** 1.5 * jnp.exp(-_CDB_HE / t_rad)
    tau_s = jnp.maximum(_A2P_S * _CK_HE * 3.0 * n_he * one_m_xhe / hz, 1e-30)
    p_s = -jnp.expm1(-tau_s) / tau_s
    doppler = C_LIGHT * _L_HE_2P * jnp.sqrt(2.0 * K_BOLTZMANN * t_mat / (M_HYDROGEN_KG * NOT4 * C_LIGHT**2))
    gamma_2ps = (
        3.0 * _A2P_S * f * one_m_xhe * C_LIGHT**2
        / (math.sqrt(math.pi) * _SIGMA_HE_2PS * 8.0 * math.pi * doppler * one_m_xh)
        / (C_LIGHT * _L_HE_2P) ** 2
    )
    a_hcon = _A2P_S / (1.0 + 0.36 * gamma_2ps**_FUDGE_HE)
    kn_he = 1.0 / ((_A2P_S * p_s + a_hcon) * 3.0)  # K_He n_He (1 - x_He), finite as x_He -> 1
    inv_boltz = jnp.exp(-_CDB_HE2S2P / t_mat)
    c_he = (inv_boltz + kn_he * _LAMBDA_HE) / (inv_boltz + kn_he * (_LAMBDA_HE + r_up_he))
    dxhe = (x * x_he * n_h * r_down_he - r_up_he * (1.0 - x_he) * jnp.exp(-_CL_HE / t_mat)) * c_he

    # Helium triplets (2^3P -> 1^1S intercombination line), with its continuum correction.
    r_down_t = alpha_he(t_mat, _A_TRIP, _B_TRIP)
    r_up_t_pre = alpha_he(t_rad, _A_TRIP, _B_TRIP) * (_CR * t_rad) ** 1.5 * 4.0 / 3.0
    r_up_t = r_up_t_pre * jnp.exp(-_HC_K * _L_HE2ST_ION / t_rad)
    tau_t = jnp.maximum(_A2P_T * n_he * one_m_xhe * 3.0 / (8.0 * math.pi * hz * _L_HE_2PT**3), 1e-30)
    p_t = -jnp.expm1(-tau_t) / tau_t
    doppler_t = C_LIGHT * _L_HE_2PT * jnp.sqrt(2.0 * K_BOLTZMANN * t_mat / (M_HYDROGEN_KG * NOT4 * C_LIGHT**2))
    gamma_2pt = (
        3.0 * _A2P_T * f * one_m_xhe * C_LIGHT**2
        / (math.sqrt(math.pi) * _SIGMA_HE_2PT * 8.0 * math.pi * doppler_t * one_m_xh)
        / (C_LIGHT * _L_HE_2PT) ** 2
    )
    a_hcon_t = _A2P_T / (1.0 + 0.66 * gamma_2pt**0.9) / 3.0
    # CfHe_t = A e^{-E/kT_b}/(Rup_t + A e^{-E/kT_b}), A = A2P_t p_t + AHcon_t, in a form that does not
    # give 0/0 once both exponentials underflow (z < 30): 1/(1 + Rup_t e^{E/kT_b}/A) as a logistic.
    ln_ratio = jnp.log(r_up_t_pre / (_A2P_T * p_t + a_hcon_t)) - _HC_K * _L_HE2ST_ION / t_rad + _CL_PST / t_mat
    cf_t = jax.nn.sigmoid(-ln_ratio)
    dxhe = dxhe + (x * x_he * n_h * r_down_t - (1.0 - x_he) * 3.0 * r_up_t * jnp.exp(-_CL_HET / t_mat)) * cf_t
    dxhe = -dxhe / hz

    # Baryon temperature, Compton coupling with the total (reionised) electron fraction.
    g = compton_over_h(ln_a, x, cosmo)
    dtheta = -theta + g * (1.0 - theta)
    return dxh, dxhe, dtheta


def compton_over_h(ln_a, x_rec, cosmo: Cosmology):
    """Compton coupling rate over the Hubble rate (dimensionless) at ln a for the recombination
    fraction x_rec: Gamma_C/H = 8 sigma_T a_rad T_gamma^4 x_e/(3 m_e c H (1 + f_He + x_e)), x_e with
    reionisation."""
    a = jnp.exp(ln_a)
    f = f_helium(cosmo.Y_He)
    x_tot = reionisation(x_rec, 1.0 / a - 1.0, cosmo)
    return _COMPTON * (cosmo.T_cmb / a) ** 4 * x_tot / (1.0 + f + x_tot) / _hubble_si(a, cosmo)
