"""Three-flavour neutrino oscillation probabilities in vacuum, constant-density matter and layers.

Units: energies in GeV, baselines and layer lengths in km, densities in g/cm^3, Delta m^2 in eV^2,
Hamiltonians in eV; probabilities dimensionless, returned as (..., 3, 3) arrays P[..., alpha, beta]
= P(nu_alpha -> nu_beta), alpha, beta in (e, mu, tau).

Conventions. nu_alpha = V_{alpha i} nu_i with V from ``jaxbsm.neutrino.pmns`` (rows e, mu, tau).
dm3l is NuFIT's Delta m^2_{3l} (Esteban et al., arXiv:2410.05380, sec. 2): Delta m^2_31 > 0 for
normal ordering, Delta m^2_32 < 0 for inverted ordering, so Delta m^2_31 = dm3l (NO) and
dm3l + dm21 (IO). The flavour-basis Hamiltonian of a neutrino of energy E in matter of electron
density N_e is (Wolfenstein, Phys. Rev. D 17 (1978) 2369; PDG 2024 review 14, eq. 14.57)

    H = V diag(0, Delta m^2_21, Delta m^2_31) V^dagger / (2E) + diag(V_CC, 0, 0),
    V_CC = sqrt(2) G_F N_e,

and for antineutrinos V -> V^* and V_CC -> -V_CC. A state evolves as psi(L) = S psi(0) with
S = exp(-i H L), so P(nu_alpha -> nu_beta) = |S_{beta alpha}|^2.

Constants (derived below from jaxbsm.constants, not typed in):
  hbar c = 1.97326980e-10 eV km (hbar from HBAR_GEV_PS, c = 299 792 458 m/s exactly), so the vacuum
  phase Delta m^2 L / (4E) = 1.2669327 Delta m^2[eV^2] L[km] / E[GeV];
  V_CC = sqrt(2) G_F (hbar c)^3 N_A Y_e rho = 7.6324e-14 eV x Y_e x rho[g/cm^3], with G_F = G_FERMI,
  N_A = 6.02214076e23 /mol exactly (SI 2019) and one nucleon per atomic mass unit (N_e = N_A Y_e rho
  per gram).

Method (constant density). exp(-i H L) is evaluated in closed form, without an eigensolver, after
Ohlsson & Snellman, J. Math. Phys. 41 (2000) 2768, arXiv:hep-ph/9910546. With T = H - tr(H)/3 the
traceless part, s^2 = tr(T^2)/6, the eigenvalues of T are 2 s c with 4 c^3 - 3 c = det T / (2 s^3)
and det T = tr(T^3)/3 (their eqs. 8-11: the trigonometric solution c = cos(theta - 2 pi k/3),
cos 3 theta = det T / (2 s^3)). Their Lagrange (Sylvester) formula, eq. 19, divides by eigenvalue
differences, which vanish at degeneracies and lose digits near them; instead only the eigenvalue
l farthest from the other two is used (|l| >= sqrt(3) s, and it is well conditioned even when the
other two nearly coincide). With its spectral projector P = (T^2 + l T + (l^2 - 3 s^2)) / (3 (l^2 - s^2))
the remaining plane is a two-level system, T (1 - P) = -l/2 (1 - P) + M with M = T + l/2 - 3 l P / 2
of eigenvalues +-g, g^2 = sum |M_ij|^2 / 2, so

    S = exp(-i tr(H) L/3) [exp(-i l L) P + exp(i l L/2) (cos(g L) (1 - P) - i L sinc(g L) M)],

the three-level analogue of the two-flavour formula. Nothing divides by a small gap, so unitarity
holds to ~1e-15 even for phases of O(100), and values and gradients stay finite at and near
degenerate eigenvalues (MSW resonances, zero density): l is differentiated implicitly (d c / d r =
1 / (12 c^2 - 3), never singular for the isolated root) and S depends on g only through cos(gL) and
sinc(gL), even in g.

Input checks. The public functions raise ValueError for non-positive energies, negative baselines,
lengths, densities or electron fractions, dm21 <= 0, dm3l = 0, an "inverted" dm3l with
|dm3l| <= dm21 (not a spectrum with m3 lightest), and a mixing matrix not of shape (..., 3, 3).
Inside jit the values are tracers and cannot be checked: they are evaluated formally (a negative
baseline gives S(-L) = S(L)^dagger, a negative density an antineutrino-like potential; E = 0 gives
non-finite output), so validate before tracing.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from jaxbsm.checks import is_concrete, require, require_float64
from jaxbsm.constants import AVOGADRO, G_FERMI, HBAR_GEV_PS, SPEED_OF_LIGHT

#: hbar c in eV km = 1.97326980e-10, from HBAR_GEV_PS (GeV ps) and c.
HBARC_EV_KM = HBAR_GEV_PS.value * 1e9 * 1e-12 * SPEED_OF_LIGHT.value
#: Delta m^2 L / (4E) = OSCILLATION_PHASE * Delta m^2[eV^2] L[km] / E[GeV]; 1.2669327 = 1e-9 / (4 hbar c).
OSCILLATION_PHASE = 1.0 / (4.0 * 1e9 * HBARC_EV_KM)
#: V_CC in eV per unit Y_e rho[g/cm^3]: sqrt(2) G_F (hbar c)^3 N_A = 7.6324e-14 eV.
MATTER_POTENTIAL_EV = math.sqrt(2.0) * G_FERMI.value * (HBARC_EV_KM * 1e5 * 1e-9) ** 3 * AVOGADRO.value * 1e9


#: Largest |V V† − 1| accepted: a PMNS matrix built in float64 is unitary to ~1e-15; a matrix
#: typed in with rounded entries (e.g. NuFIT's |U| table to 3 digits) is not a mixing matrix.
UNITARITY_TOL = 1e-8


def _check_common(v, dm21, dm3l, energy_gev):
    require_float64("oscillation")
    if jnp.ndim(v) < 2 or jnp.shape(v)[-2:] != (3, 3):
        raise ValueError(f"the mixing matrix v must have shape (..., 3, 3); got shape {jnp.shape(v)}")
    if is_concrete(v):
        vv = np.asarray(v)
        defect = np.max(np.abs(vv @ np.conj(np.swapaxes(vv, -1, -2)) - np.eye(3)))
        if not defect <= UNITARITY_TOL:  # NaN fails too
            raise ValueError(
                f"oscillation: the mixing matrix v must be unitary, max |V V^dagger - 1| <= {UNITARITY_TOL:g}; "
                f"got {defect:.3g} (build it with jaxbsm.neutrino.pmns)"
            )
    require("oscillation", "positive", "(GeV)", energy_gev=energy_gev)
    require("oscillation", "positive", "(eV^2)", dm21=dm21)
    require("oscillation", "nonzero", "(its sign is the ordering: NuFIT Delta m^2_3l, eV^2)", dm3l=dm3l)
    if is_concrete(dm21, dm3l) and np.any((np.asarray(dm3l) < 0) & (np.asarray(dm3l) + np.asarray(dm21) >= 0)):
        raise ValueError(
            "dm3l < 0 means inverted ordering with dm3l = Delta m^2_32, which needs dm3l + dm21 = "
            f"Delta m^2_31 < 0 (m3 lightest); got dm3l={dm3l!r}, dm21={dm21!r}"
        )


def _check_electron_fraction(**named):
    """Y_e = N_e/(N_p + N_n), electrons per nucleon, in [0, 1] (0.5 for isoscalar rock, ~0.47 in the core)."""
    require("oscillation", "nonnegative", **named)
    for name, x in named.items():
        if is_concrete(x) and np.any(np.asarray(x) > 1.0):
            raise ValueError(f"oscillation: {name} (Y_e, electrons per nucleon) must lie in [0, 1], got {np.asarray(x)!r}")


def mass_squared_splittings(dm21, dm3l):
    """(Delta m^2_21, Delta m^2_31) in eV^2 from dm21 and NuFIT's dm3l (eV^2; > 0 NO, = dm32 < 0 IO)."""
    dm21, dm3l = jnp.asarray(dm21, dtype=float), jnp.asarray(dm3l, dtype=float)
    return dm21, jnp.where(dm3l > 0, dm3l, dm3l + dm21)


def matter_potential(density_gcm3, electron_fraction=0.5):
    """Charged-current potential V_CC = sqrt(2) G_F N_e in eV for rho in g/cm^3 and Y_e (module doc)."""
    return MATTER_POTENTIAL_EV * jnp.asarray(electron_fraction) * jnp.asarray(density_gcm3)


def _mixing(v, antineutrino):
    v = jnp.asarray(v)
    return jnp.conj(v) if antineutrino else v


def _vacuum_mass_matrix(v, dm21, dm3l):
    """V diag(0, dm21, dm31) V^dagger in eV^2, shape (..., 3, 3)."""
    dm21, dm31 = mass_squared_splittings(dm21, dm3l)
    d = jnp.stack([jnp.zeros_like(dm21 + dm31), dm21 + 0.0 * dm31, dm31 + 0.0 * dm21], axis=-1)
    return jnp.einsum("...ai,...i,...bi->...ab", v, d + 0j, jnp.conj(v))


def _hamiltonian(v, dm21, dm3l, energy_gev, potential_ev):
    """H in eV (module doc) from the (conjugated for nu-bar) V and the signed potential."""
    m2 = _vacuum_mass_matrix(v, dm21, dm3l)
    ee = jnp.zeros((3, 3)).at[0, 0].set(1.0)
    e_ev = 1e9 * jnp.asarray(energy_gev, dtype=float)
    return m2 / (2.0 * e_ev)[..., None, None] + jnp.asarray(potential_ev)[..., None, None] * ee


def hamiltonian(v, dm21, dm3l, energy_gev, density_gcm3=0.0, electron_fraction=0.5, antineutrino=False):
    """Flavour-basis Hamiltonian H in eV, shape (..., 3, 3), for E in GeV, rho in g/cm^3 (module doc).

    H = V diag(0, dm21, dm31) V^dagger / (2E) + diag(V_CC, 0, 0) (Wolfenstein 1978; PDG 2024 eq.
    14.57); for ``antineutrino`` V -> V^* and V_CC -> -V_CC. dm3l follows NuFIT (sign = ordering).
    """
    _check_common(v, dm21, dm3l, energy_gev)
    require("oscillation", "nonnegative", "(g/cm^3)", density_gcm3=density_gcm3)
    _check_electron_fraction(electron_fraction=electron_fraction)
    sign = -1.0 if antineutrino else 1.0
    return _hamiltonian(_mixing(v, antineutrino), dm21, dm3l, energy_gev,
                        sign * matter_potential(density_gcm3, electron_fraction))


def _abs2(z):
    """|z|^2 without the square root of jnp.abs."""
    return z.real**2 + z.imag**2


@jax.custom_jvp
def _isolated_root(r):
    """Root c of 4 c^3 - 3 c = r (|r| <= 1) farthest from the other two: cos(theta) for r > 0, else
    cos(theta + 2 pi / 3), with theta = arccos(r) / 3. Its derivative 1 / (12 c^2 - 3) <= 1/6 is
    implicit (c^2 >= 3/4), so it stays finite where arccos' does not (r = +-1, a degenerate pair)."""
    theta = jnp.arccos(jnp.clip(r, -1.0, 1.0)) / 3.0
    return jnp.where(r > 0, jnp.cos(theta), jnp.cos(theta + 2.0 * jnp.pi / 3.0))


@_isolated_root.defjvp
def _isolated_root_jvp(primals, tangents):
    c = _isolated_root(primals[0])
    return c, tangents[0] / (12.0 * c**2 - 3.0)


def exp_hermitian(h, length):
    """exp(-i h length) of Hermitian 3x3 ``h`` (..., 3, 3), any units with h * length dimensionless.

    Analytic, no eigensolver (Ohlsson & Snellman 2000, eqs. 8-11 for the eigenvalue; module doc for
    the isolated-eigenvalue form): exact for any Hermitian h, with finite gradients at degenerate
    eigenvalues. ``length`` broadcasts against the leading axes of ``h``.
    """
    h = jnp.asarray(h)
    length = jnp.asarray(length, dtype=float)[..., None, None]
    eye = jnp.eye(3)
    shift = jnp.trace(h, axis1=-2, axis2=-1).real[..., None, None] / 3.0
    t = h - shift * eye
    t2 = jnp.sum(t[..., :, :, None] * t[..., None, :, :], axis=-2)  # T @ T, elementwise so that XLA fuses it
    s2 = jnp.trace(t2, axis1=-2, axis2=-1).real[..., None, None] / 6.0
    s = jnp.sqrt(s2)
    # det T = tr(T^3) / 3 for traceless T (Cayley-Hamilton); eigenvalues 2 s c with 4 c^3 - 3 c = det T / (2 s^3)
    r = jnp.sum(t2 * jnp.swapaxes(t, -1, -2), axis=(-2, -1)).real[..., None, None] / (6.0 * s2 * s)
    iso = 2.0 * s * _isolated_root(r)
    # projector on iso: (T - a)(T - b) / ((iso - a)(iso - b)) with a + b = -iso, a b = iso^2 - 3 s^2
    proj = (t2 + iso * t + (iso**2 - 3.0 * s2) * eye) / (3.0 * (iso**2 - s2))
    # on the complementary plane T = -iso/2 + M, M = (T + iso/2)(1 - P) with eigenvalues +-g
    m = t + 0.5 * iso * eye - 1.5 * iso * proj
    g = jnp.sqrt(jnp.maximum(0.5 * jnp.sum(_abs2(m), axis=(-2, -1), keepdims=True), jnp.finfo(s.dtype).tiny))
    pair = jnp.cos(length * g) * (eye - proj) - 1j * length * jnp.sinc(length * g / jnp.pi) * m
    u = jnp.exp(-1j * length * iso) * proj + jnp.exp(0.5j * length * iso) * pair
    return jnp.exp(-1j * length * shift) * u


def evolution_operator(v, dm21, dm3l, energy_gev, baseline_km, density_gcm3=0.0, electron_fraction=0.5,
                       antineutrino=False):
    """S = exp(-i H L) (dimensionless, (..., 3, 3), S[beta, alpha] = amplitude nu_alpha -> nu_beta)
    for E in GeV, L in km, constant rho in g/cm^3 (module doc; Ohlsson & Snellman 2000)."""
    require("oscillation", "nonnegative", "(km)", baseline_km=baseline_km)
    h = hamiltonian(v, dm21, dm3l, energy_gev, density_gcm3, electron_fraction, antineutrino)
    return exp_hermitian(h / HBARC_EV_KM, baseline_km)


def _probabilities_from_operator(s):
    """P[..., alpha, beta] = |S[..., beta, alpha]|^2."""
    return jnp.swapaxes(_abs2(s), -1, -2)


def probabilities(v, dm21, dm3l, energy_gev, baseline_km, density_gcm3=0.0, electron_fraction=0.5,
                  antineutrino=False):
    """P(nu_alpha -> nu_beta) (dimensionless, (..., 3, 3) [alpha, beta]) for E in GeV, L in km and a
    constant density rho in g/cm^3 with electron fraction Y_e; dm21, dm3l in eV^2 (NuFIT sign).

    Exact in matter (Ohlsson & Snellman 2000, see module doc); equals ``vacuum_probabilities`` at
    rho = 0. ``antineutrino`` gives P(nu-bar_alpha -> nu-bar_beta). All arguments broadcast.
    """
    s = evolution_operator(v, dm21, dm3l, energy_gev, baseline_km, density_gcm3, electron_fraction, antineutrino)
    return _probabilities_from_operator(s)


def vacuum_probabilities(v, dm21, dm3l, energy_gev, baseline_km, antineutrino=False):
    """Vacuum P(nu_alpha -> nu_beta), (..., 3, 3) [alpha, beta], E in GeV, L in km, Delta m^2 in eV^2.

    P = |sum_i V*_{alpha i} V_{beta i} exp(-2 i Delta_i1)|^2 with Delta_i1 = 1.2669327 Delta m^2_i1 L / E
    (PDG 2024 review 14, eqs. 14.7-14.8, exact; V -> V^* for antineutrinos).
    """
    _check_common(v, dm21, dm3l, energy_gev)
    require("oscillation", "nonnegative", "(km)", baseline_km=baseline_km)
    v = _mixing(v, antineutrino)
    dm21, dm31 = mass_squared_splittings(dm21, dm3l)
    scale = (OSCILLATION_PHASE * jnp.asarray(baseline_km) / jnp.asarray(energy_gev))[..., None]
    phases = jnp.exp(-2j * scale * jnp.stack([jnp.zeros_like(dm21 + dm31), dm21 + 0.0 * dm31, dm31 + 0.0 * dm21], -1))
    amplitude = jnp.einsum("...ai,...i,...bi->...ab", jnp.conj(v), phases, v)
    return _abs2(amplitude)


def _ordered_product(s):
    """s[..., n-1, :, :] @ ... @ s[..., 0, :, :] by pairwise (log-depth) reduction over axis -3."""
    while s.shape[-3] > 1:
        if s.shape[-3] % 2:
            s = jnp.concatenate([s, jnp.broadcast_to(jnp.eye(3, dtype=s.dtype), s[..., :1, :, :].shape)], axis=-3)
        s = s[..., 1::2, :, :] @ s[..., 0::2, :, :]
    return s[..., 0, :, :]


def evolution_operator_layers(v, dm21, dm3l, energy_gev, densities_gcm3, lengths_km, electron_fractions=0.5,
                              antineutrino=False):
    """S = S_n ... S_1 (dimensionless, (..., 3, 3)) through piecewise-constant matter, E in GeV.

    ``densities_gcm3`` (g/cm^3), ``lengths_km`` (km) and ``electron_fractions`` have the layers on
    their last axis, in the order the neutrino crosses them (an Earth-crossing path lists every
    layer it traverses, e.g. mantle, core, mantle); the other arguments broadcast against the leading
    axes. Each S_k = exp(-i H(rho_k) L_k) as in ``evolution_operator``.
    """
    require("oscillation", "nonnegative", "(g/cm^3)", densities_gcm3=densities_gcm3)
    require("oscillation", "nonnegative", "(km)", lengths_km=lengths_km)
    _check_electron_fraction(electron_fractions=electron_fractions)
    if jnp.ndim(densities_gcm3) < 1 or jnp.ndim(lengths_km) < 1:
        raise ValueError("densities_gcm3 and lengths_km need a layer axis (last)")
    _check_common(v, dm21, dm3l, energy_gev)
    sign = -1.0 if antineutrino else 1.0
    potential = sign * matter_potential(densities_gcm3, electron_fractions)
    expand = lambda x: jnp.asarray(x, dtype=float)[..., None]  # noqa: E731  (leading axes -> layer axis)
    h = _hamiltonian(_mixing(v, antineutrino)[..., None, :, :], expand(dm21), expand(dm3l), expand(energy_gev),
                     potential)
    return _ordered_product(exp_hermitian(h / HBARC_EV_KM, lengths_km))


def probabilities_layers(v, dm21, dm3l, energy_gev, densities_gcm3, lengths_km, electron_fractions=0.5,
                         antineutrino=False):
    """P(nu_alpha -> nu_beta) ((..., 3, 3) [alpha, beta]) through layers of density rho_k (g/cm^3) and
    length L_k (km) crossed in order (last axis), E in GeV; see ``evolution_operator_layers``."""
    return _probabilities_from_operator(
        evolution_operator_layers(v, dm21, dm3l, energy_gev, densities_gcm3, lengths_km, electron_fractions,
                                  antineutrino)
    )
