r"""Boltzmann equations of the scalar-decay model: the singlet S is produced from (or annihilates into)
the plasma through the Higgs portal and decays S → NN; the output is the sterile-neutrino yield
Y_N, Ω_N h² and the momentum distribution f_N(q) today (issue 4, seed 003).

References: König, Merle & Totzauer, JCAP 1611 (2016) 038, arXiv:1609.01289 (KMT); Merle &
Totzauer, JCAP 1506 (2015) 011, arXiv:1502.01011; the rates are those of
``jaxbsm.cosmology.higgs_portal`` (widths) and ``jaxbsm.cosmology.portal_rates`` (⟨σv⟩; its
docstring states the conventions, T_EW = 160 GeV and the smooth bridge of the regimes).

Equations (derived here; Maxwell–Boltzmann S, one d.o.f., in kinetic equilibrium with the plasma,
f_S = (n_S/n_S,eq) e^{−E/T}; N with g_N = 2 helicities, f_N ≪ 1 so no Pauli blocking and no inverse
decays NN → S). With Y = n/s and the variable u = ln(T_start/T), dt/du = (1 + ⅓ d ln g_s/d ln T)/H::

    dY_S/dt = −s ⟨σv⟩ (Y_S² − Y_eq²) + (2γ_D/s)(1 − Y_S²/Y_eq²) − Γ_S (K₁/K₂)(x) Y_S,
    dY_N/dt = 2 Γ_S (K₁/K₂)(x) Y_S,              x = m_S/T, Γ_S = Γ(S → NN),

with ⟨σv⟩ and γ_D (h → SS, m_S < m_h/2) as in ``portal_rates.production_rates`` (the on-shell part
of the resonance moved into γ_D, so nothing is counted twice; the phases weighted by
``broken_fraction``), here evaluated in logarithms so that nothing overflows late on. K₁/K₂ is the thermal average of the
time dilation m_S/E.

Momentum distribution. A scalar of energy E and momentum P decaying isotropically into two massless
fermions gives each a lab energy uniformly distributed in [(E − P)/2, (E + P)/2]. Summing over a
Maxwell–Boltzmann S (E ≥ p + m_S²/4p for an N of momentum p)::

    ∂f_N/∂t − H p ∂f_N/∂p = (2 Γ_S m_S / g_N p²) ∫_{p + m_S²/4p}^∞ f_S(E) dE
                          = (4π² Γ_S s Y_S / (g_N m_S K₂e(x) p²)) exp[−(p − m_S/2)²/(p T)],

(K_νe = K_ν eˣ). The comoving momentum q = (p/T)(g_ref/g_s(T))^{1/3} is constant under expansion
(a T g_s^{1/3} = const by entropy conservation), so df_N(q)/dt is the right-hand side at
p = qT(g_s/g_ref)^{1/3}. g_ref = g_s above the table (104.43, Saikawa–Shirai), or the constant
``g``: q is p/T at production before any g*s dilution. Today's p/T_γ0 is q (g_s0/g_ref)^{1/3}
(``q_today``). The integrals over p of pⁿ times the source are Bessel functions,
∫₀^∞ pⁿ exp[−p/T − m_S²/(4pT)] dp = 2(m_S/2)^{n+1} K_{n+1}(x), so

    Y_N = C_N M₀,   C_N = g_N·45/(4π⁴ g_ref),   M_n = ∫ q^{2+n} f_N dq,
    dM_n/dt = 2 (m_S/2)^{n+1} A K_{n+1}e(x) / (Tκ)^{3+n},    A = 4π²Γ_S s Y_S/(g_N m_S K₂e(x)),

κ = (g_s/g_ref)^{1/3}: the moments ⟨q⟩ = M₁/M₀ and ⟨q²⟩ = M₂/M₀ are integrated exactly (no
momentum grid). The shape f_N(q) is carried as weighted bin integrals G_i = ∫_{bin i} q^{3/2} f_N dq
over logarithmic bins, because their sources are elementary: with w = (p/T)^{1/2} and c = x/2,

    dG_i/dt = A · 2√T/(Tκ)^{5/2} · ∫_{w_a}^{w_b} e^{−(w − c/w)²} dw,
    ∫ e^{−(w − c/w)²} dw = (√π/4)[erf(w − c/w) − e^{−(w − c/w)²} erfcx(w + c/w)].

Bin integrals, unlike point values of f, stay smooth in time even when the source is much narrower
than a bin (a non-relativistic S decaying at rest feeds p = m_S/2 with width √(m_S T)), so the solver
needs no step control by hand. f̄_i = G_i/∫_bin q^{3/2} dq is the bin average of f_N.

Solvers (diffrax): the stiff part [Y_S, Y_N, M₁, M₂] by Kvaerno5 (L-stable ESDIRK) with a PID step
controller; the bins, which do not feed back, by Tsit5 along the first solution's dense output.
Gradients: diffrax's RecursiveCheckpointAdjoint, i.e. reverse mode through the solver steps with
checkpointing (the discretise-then-optimise adjoint; a backsolve adjoint is unstable for the stiff
freeze-out). The ⟨σv⟩ of each phase is tabulated on ``n_table`` temperatures per parameter point
from T_start down to 20 keV and interpolated by a natural cubic spline in u (``portal_rates`` evaluates
one ⟨σv⟩ in ~0.25 ms; ``_sigma_v_tables``).

Initial and final temperature. T_start = 100 max(m_S, T_EW). Production above T_start (SS ↔ ΦΦ,
whose yield grows like 1/T down to T_EW) is added as the exact massless-limit tail
Y_tail = 45λ²/(8π⁷ g_s h₀ T_start) (h₀ = H/T²; n_eq²⟨σv⟩ = λ²T⁴/(4π⁵)), i.e. the reheating
temperature is assumed ≫ T_start; Y_S(T_start) = Y_tail Y_eq/(Y_tail + Y_eq) (S in equilibrium if
the tail exceeds it). The solve ends when production is over and S has decayed,
T_end = max(20 keV, min(m_S/40, T with Γ_S = 40H)) (e^{−Γ_S t} = e^{−20}). A stable or long-lived S
(y → 0) is followed down to 20 keV, the bottom of the g* table: a frozen-out S keeps annihilating
(for s-wave the depletion after x falls only like 1/x, so stopping at x = 40 would overstate Y_S by
~40%); below 20 keV, where g* is constant, s⟨σv⟩/H ∝ T integrates in closed form,
1/Y_∞ = 1/Y_end + s⟨σv⟩(dt/du) at T_end (for T_end above 20 keV the remaining S is ~e^{−20} anyway).
``FreezeInResult.Y_S`` reports what S is left undecayed.

Units: GeV (m_N too); Ω_N h² = m_N Y_N s₀/(ρ_c/h²) with s₀ from the table's g_s today and
T₀ = 2.7255 K (Fixsen 2009), ρ_c/h² = 1.05368e-5 GeV cm⁻³ (PDG 2024).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

import diffrax
import interpax
import jax
import jax.numpy as jnp
import numpy as np

from jaxbsm.checks import is_concrete, require
from jaxbsm.constants import BOLTZMANN_EV_PER_K, HBAR_GEV_PS, M_H, SPEED_OF_LIGHT
from jaxbsm.cosmology import higgs_portal, portal_rates
from jaxbsm.cosmology.bessel import k1e, k2e, kve
from jaxbsm.cosmology.thermal import dln_g_s_dlnT, entropy_density, g_rho, g_s, gstar_table, hubble_rate
from jaxbsm.status import Status, first_failure, from_diffrax, where_failed

__all__ = [
    "G_N",
    "T_CMB",
    "RHO_CRIT_H2",
    "FreezeInSettings",
    "FreezeInResult",
    "FreezeInHistory",
    "T_FLOOR",
    "end_temperature",
    "solve_freeze_in",
    "freeze_in_history",
    "omega_h2",
    "q_today",
    "g_ref",
]

G_N = 2
"""Helicity states of the Majorana N."""

T_CMB = 2.7255 * BOLTZMANN_EV_PER_K.value * 1e-9
"""Photon temperature today (GeV): 2.7255 K (Fixsen, ApJ 707 (2009) 916) × k_B."""

RHO_CRIT_H2 = 1.05368e-5
"""Critical density over h² (GeV cm⁻³), PDG 2024 (Astrophysical constants)."""

_HBARC_GEV_CM = HBAR_GEV_PS.value * 1e-12 * SPEED_OF_LIGHT.value * 1e5  # ħc in GeV cm
_G_S_TODAY = float(gstar_table()[2][0])
_G_S_TOP = float(gstar_table()[2][-1])
_T_TABLE_MIN = float(gstar_table()[0][0])
_S0_CM3 = 2.0 * np.pi**2 / 45.0 * _G_S_TODAY * (T_CMB / _HBARC_GEV_CM) ** 3
_MH = M_H.value
T_FLOOR = 2.0 * _T_TABLE_MIN
"""Lowest end temperature of a solve (GeV), 20 keV: g* is constant below, where the annihilation
tail of S is added analytically (module docstring)."""
_X_END = 40.0  # production over: e^{-40} Boltzmann suppression
_DECAY_END = 40.0  # Γ_S/H at the end: e^{-Γt} = e^{-20}


@dataclass(frozen=True)
class FreezeInSettings:
    """Numerical settings (hashable, static under jit).

    q_min, q_max, bins_per_decade: logarithmic bins of comoving q for f_N (the moments do not depend
    on them); rtol/atol: PID controller of both solves (atol on states scaled to O(1));
    n_table: temperatures of the ⟨σv⟩ tables; max_steps: per solve.
    """

    q_min: float = 1e-3
    q_max: float = 3e4
    bins_per_decade: int = 20
    rtol: float = 1e-8
    atol: float = 1e-14
    atol_log: float = 1e-8
    newton_rtol: float = 1e-3
    newton_atol: float = 1e-6
    n_table: int = 128
    max_steps: int = 4096

    @property
    def q_edges(self) -> np.ndarray:
        n = int(round(np.log10(self.q_max / self.q_min) * self.bins_per_decade))
        return np.geomspace(self.q_min, self.q_max, n + 1)


DEFAULT_SETTINGS = FreezeInSettings()


class FreezeInResult(NamedTuple):
    """Solution at T_end (arrays with the batch shape of the inputs; ``q``, ``f`` add a last axis).

    Y_N, Y_S: yields n/s (Y_S: S not yet decayed at T_end); omega_h2: Ω_N h² with S → NN complete
    (2 Y_S added); mean_q, mean_q2: ⟨q⟩ and ⟨q²⟩ of N in comoving q (module docstring); q: bin
    centres (geometric); f: bin averages of the occupation f_N(q) per helicity (zeros if the
    spectrum was not requested); T_end (GeV); occupancy: Y_N over the yield of a thermal
    (Fermi–Dirac) N, 135ζ(3)g_N/(8π⁴g_ref): the equations assume f_N ≪ 1 (no Pauli blocking, no
    NN → S), so results with occupancy ≳ 0.1 are outside their validity (such points overclose the
    universe by orders of magnitude for keV N); status: int32 solver status (``jaxbsm.status``):
    OK, MAX_STEPS (a diffrax solve failed: the stiff one, or the spectrum's) or NONFINITE (the
    solver state at T_end is not finite). Where status is not OK, Y_N, Y_S, omega_h2, mean_q,
    mean_q2 and f are 0 (finite placeholders with zero gradients), never a silent number.
    mean_q and mean_q2 are 0 where no N is produced (Y_N = 0, e.g. y = 0).
    """

    Y_N: jax.Array
    Y_S: jax.Array
    omega_h2: jax.Array
    mean_q: jax.Array
    mean_q2: jax.Array
    q: jax.Array
    f: jax.Array
    T_end: jax.Array
    occupancy: jax.Array
    status: jax.Array


class FreezeInHistory(NamedTuple):
    """(T [GeV], Y_S, Y_N) at the output temperatures of ``freeze_in_history`` and the int32 solver
    status of the solve (``jaxbsm.status``: OK or MAX_STEPS; the yields at temperatures the solver
    did not reach are 0)."""

    T: jax.Array
    Y_S: jax.Array
    Y_N: jax.Array
    status: jax.Array


def g_ref(g=None) -> float:
    """g_s at which q = p/T: the table's top value 104.43 (None) or the constant ``g``."""
    return _G_S_TOP if g is None else float(g)


def q_today(q, g=None):
    """p/T_γ0 today of comoving momentum q (``g`` as in ``solve_freeze_in``): q (g_s0/g_ref)^{1/3}."""
    return jnp.asarray(q) * (_G_S_TODAY / g_ref(g)) ** (1.0 / 3.0)


def omega_h2(Y_N, m_N):
    """Ω_N h² = m_N Y_N s₀/(ρ_c/h²), m_N in GeV; s₀ = 2907.4 cm⁻³ from g_s0 = 3.931 (table; PDG quotes 2891.2 for g_s0 = 3.909)."""
    return jnp.asarray(m_N) * jnp.asarray(Y_N) * (_S0_CM3 / RHO_CRIT_H2)


# --- thermodynamics at T (table or constant g) ---------------------------------------------------
class _Thermo(NamedTuple):
    s: jax.Array
    H: jax.Array
    dtdu: jax.Array
    kappa: jax.Array  # (g_s/g_ref)^{1/3}


def _thermo(T, g):
    if g is None:
        g_r, g_e = g_rho(T), g_s(T)
        dlng_s = dln_g_s_dlnT(T)
        gr = _G_S_TOP
    else:
        g_r = g_e = jnp.asarray(g, dtype=float)
        dlng_s = 0.0
        gr = g
    s = entropy_density(T, g_e)
    H = hubble_rate(T, g_r)
    return _Thermo(s, H, (1.0 + dlng_s / 3.0) / H, (g_e / gr) ** (1.0 / 3.0))


def _ln_y_eq(x, T, s):
    """ln Y_eq, Y_eq = n_eq/s of S (Maxwell–Boltzmann, one d.o.f.), n_eq = m² T K₂(x)/(2π²)."""
    return jnp.log((x * T) ** 2 * T * k2e(x) / (2.0 * jnp.pi**2 * s)) - x


# --- the rate tables --------------------------------------------------------------------------------
class _Params(NamedTuple):
    m_S: jax.Array
    lam: jax.Array
    gamma_s: jax.Array  # Γ(S → NN)
    gamma_hss: jax.Array  # Γ(h → SS)
    T_start: jax.Array
    Y_sc: jax.Array
    sv: interpax.Interpolator1D  # (⟨σv⟩_ΦΦ, ⟨σv⟩_broken, on-shell part subtracted) vs u
    u_tab: jax.Array


def _sigma_v_tables(m_S, lam, T_start, T_low, n):
    """Natural cubic splines in u of ⟨σv⟩ (1 + T²/m_S²) for the two phases, on n nodes from T_start to
    T_low. The factor makes both ends flat (⟨σv⟩ ∝ 1/T² at T ≫ m_S, constant at T ≪ m_S), where the
    natural end condition is then harmless: the interpolation error is ≤ 1e-4 of the total ⟨σv⟩
    (including the on-shell part) for n = 128 (test_freeze_in.py::test_rate_table_interpolation)."""
    u = jnp.linspace(0.0, jnp.log(T_start / T_low), n)
    T = T_start * jnp.exp(-u)
    sym = portal_rates.sigma_v_thermal(T, m_S, lam, "symmetric", False)
    brk = portal_rates.sigma_v_thermal(T, m_S, lam, "broken", True)
    weight = 1.0 + (T / m_S) ** 2
    return interpax.Interpolator1D(u, jnp.stack([sym, brk], axis=-1) * weight[:, None], method="cubic2"), u[-1]


def _sigma_v(u, p):
    """(⟨σv⟩_ΦΦ, ⟨σv⟩_broken − on-shell) at u from the tables (constant beyond their ends)."""
    T = p.T_start * jnp.exp(-u)
    return p.sv(jnp.clip(u, 0.0, p.u_tab)) / (1.0 + (T / p.m_S) ** 2)[..., None]


def end_temperature(m_S, gamma_s, g=None):
    """End temperature of the solve (GeV) for m_S and Γ(S → NN) = gamma_s in GeV (g as in
    ``solve_freeze_in``): T_end = max(20 keV, min(m_S/40, T with Γ_S = 40 H)), the T at Γ_S = 40 H by
    fixed-point iteration in g_rho(T) (module docstring)."""
    T = jnp.full_like(m_S, 1.0)
    for _ in range(4):
        T_c = jnp.clip(T, _T_TABLE_MIN, None)
        T = jnp.sqrt(gamma_s / (_DECAY_END * _thermo(T_c, g).H / T_c**2))
    return jnp.clip(jnp.minimum(m_S / _X_END, T), T_FLOOR, None)


# --- right-hand sides -------------------------------------------------------------------------------
def _rates(u, W, p: _Params, g, s_equilibrium):
    """Common pieces at u for W = ln(Y_S/Y_sc): (T, thermo, x, Y_S, dW/dt, A of the module docstring).

    The S equation is solved for ln Y_S: in the freeze-out regime Y_S tracks Y_eq ∝ e^{−x} with a
    relative lag ~H/(sσvY) down to 1e-10, which a linear variable turns into a badly conditioned
    stiff problem, while ln Y_S stays smooth and its error control is relative.
    """
    T = p.T_start * jnp.exp(-u)
    th = _thermo(T, g)
    x = p.m_S / T
    if s_equilibrium:
        Y_S = jnp.exp(_ln_y_eq(x, T, th.s))
        dW = jnp.zeros_like(Y_S)
    else:
        # in logarithms: late on, Y_S and Y_eq underflow while Y_eq²/Y_S (inverse annihilation
        # balancing the decays) stays finite
        ln_Y = jnp.log(p.Y_sc) + W
        Y_S = jnp.exp(ln_Y)
        ln_Y_eq = _ln_y_eq(x, T, th.s)
        w_b = portal_rates.broken_fraction(T)
        sv_sym, sv_brk = _sigma_v(u, p).T
        sv = (1.0 - w_b) * sv_sym + w_b * sv_brk
        # h <-> SS: 2γ_D/s (1 − Y_S²/Y_eq²), γ_D = n_h,eq Γ(h → SS) K₁/K₂ (portal_rates), in logarithms
        y_h = _MH / T
        has_h = p.gamma_hss > 0.0
        ln_gam = jnp.log(jnp.where(has_h, p.gamma_hss, 1.0) * _MH**2 * T * k1e(y_h) / (2.0 * jnp.pi**2)) - y_h
        ln_gam_s = jnp.where(has_h, ln_gam - jnp.log(th.s), -jnp.inf)  # −inf: no h term, no overflow
        h_term = 2.0 * w_b * (jnp.exp(ln_gam_s - ln_Y) - jnp.exp(ln_gam_s + ln_Y - 2.0 * ln_Y_eq))
        dW = (
            -th.s * sv * (Y_S - jnp.exp(2.0 * ln_Y_eq - ln_Y))
            + h_term
            - p.gamma_s * (k1e(x) / k2e(x))
        )
    A = 4.0 * jnp.pi**2 * p.gamma_s * th.s * Y_S / (G_N * p.m_S * k2e(x))
    return T, th, x, Y_S, dW, A


def _stiff_rhs(u, z, args):
    p, g, s_eq, gref = args
    T, th, x, Y_S, dW, A = _rates(u, z[0], p, g, s_eq)
    dYN = 2.0 * p.gamma_s * (k1e(x) / k2e(x)) * Y_S
    c_n = G_N * 45.0 / (4.0 * jnp.pi**4 * gref)
    dM = jnp.stack([2.0 * (p.m_S / 2) ** (n + 1) * A * kve(n + 1.0, x) / (T * th.kappa) ** (3 + n) for n in (1, 2)])
    return th.dtdu * jnp.concatenate([jnp.stack([dW, dYN / p.Y_sc]), c_n * dM / p.Y_sc])


def _w_integral(wa, wb, c):
    """∫_{wa}^{wb} exp[−(w − c/w)²] dw, cancellation-free (module docstring): erf(d_b) − erf(d_a) is
    taken as a difference of erfc where both d = w − c/w have the same sign."""
    erf, erfc, erfcx = jax.scipy.special.erf, jax.scipy.special.erfc, jax.scipy.special.erfcx
    da, db = wa - c / wa, wb - c / wb
    derf = jnp.where(
        da > 0, erfc(da) - erfc(db), jnp.where(db < 0, erfc(-db) - erfc(-da), erf(db) - erf(da))
    )
    tail = jnp.exp(-(da**2)) * erfcx(wa + c / wa) - jnp.exp(-(db**2)) * erfcx(wb + c / wb)
    return 0.25 * jnp.sqrt(jnp.pi) * (derf + tail)


def _bins_rhs(u, z, args):
    p, g, s_eq, gref, sol, q_edges, rho = args
    T, th, x, _, _, A = _rates(u, sol.evaluate(u)[0], p, g, s_eq)
    w = jnp.sqrt(q_edges * th.kappa)
    dG = A * 2.0 * jnp.sqrt(T) / (T * th.kappa) ** 2.5 * _w_integral(w[:-1], w[1:], 0.5 * x)
    c_n = G_N * 45.0 / (4.0 * jnp.pi**4 * gref)
    return th.dtdu * c_n * rho * dG / p.Y_sc


# --- the solve --------------------------------------------------------------------------------------
def _controller(settings, n):
    """PID control; the first of the n components (ln Y_S) gets atol_log, the scaled yields atol."""
    atol = jnp.full(n, settings.atol).at[0].set(settings.atol_log)
    return diffrax.PIDController(rtol=settings.rtol, atol=atol, pcoeff=0.3, icoeff=0.4)


def _stiff_solver(settings):
    """Kvaerno5 with a chord Newton whose tolerances sit above the round-off of the stiff ln Y_S
    equation: its right-hand side has an absolute noise ~1e-16 × (rate/H) ~ 1e-9, which the root
    finder cannot resolve; tighter settings make it report divergence and reject steps."""
    return diffrax.Kvaerno5(root_finder=diffrax.VeryChord(rtol=settings.newton_rtol, atol=settings.newton_atol))


def _stiff_solve(m_S, lam, y, m_N, g, s_equilibrium, settings, saveat):
    """Set up the point and run the stiff solve: (solution, params, u_end, T_end)."""
    gamma_s = higgs_portal.gamma_s_to_nn(m_S, y, m_N)
    gamma_hss = higgs_portal.gamma_h_to_ss(m_S, lam)
    T_start = 100.0 * jnp.maximum(m_S, portal_rates.T_EW)
    T_end = end_temperature(m_S, gamma_s, g)
    u_end = jnp.log(T_start / T_end)
    th0 = _thermo(T_start, g)
    Y_eq0 = jnp.exp(_ln_y_eq(m_S / T_start, T_start, th0.s))
    h0 = th0.H / T_start**2
    g_s0 = th0.s / (2.0 * jnp.pi**2 / 45.0 * T_start**3)
    Y_tail = 45.0 * lam**2 / (8.0 * jnp.pi**7 * g_s0 * h0 * T_start)
    Y_0 = Y_tail * Y_eq0 / (Y_tail + Y_eq0)
    Y_sc = Y_eq0 if s_equilibrium else Y_0  # scale of the yields in the solver
    sv, u_tab = _sigma_v_tables(m_S, lam, T_start, T_FLOOR, settings.n_table)
    p = _Params(m_S, lam, gamma_s, gamma_hss, T_start, Y_sc, sv, u_tab)
    z0 = jnp.zeros(4) * Y_sc  # W = ln(Y_S/Y_sc) = 0: Y_S(T_start) = Y_0 = Y_sc
    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(_stiff_rhs),
        _stiff_solver(settings),
        0.0,
        u_end,
        1e-3,
        z0,
        args=(p, g, s_equilibrium, g_ref(g)),
        saveat=saveat(u_end),
        stepsize_controller=_controller(settings, 4),
        max_steps=settings.max_steps,
        throw=False,
    )
    return sol, p, u_end, T_end


def _solve_point(m_S, lam, y, m_N, g, s_equilibrium, spectrum, settings):
    sol, p, u_end, T_end = _stiff_solve(
        m_S, lam, y, m_N, g, s_equilibrium, settings, lambda u_end: diffrax.SaveAt(t1=True, dense=spectrum)
    )
    Y_sc, gref = p.Y_sc, g_ref(g)
    # the status first, and the state replaced by zeros where the solve failed (before any arithmetic,
    # so that a failed point has finite values and zero, not NaN, gradients)
    state = sol.ys[-1]
    status = where_failed(~jnp.all(jnp.isfinite(state)), Status.NONFINITE, from_diffrax(sol.result))
    state = jnp.where(status == Status.OK, state, 0.0)
    W, Y_N, M1, M2 = state * jnp.array([1.0, Y_sc, Y_sc, Y_sc])
    if s_equilibrium:
        Y_S = 0.0
    else:
        # annihilations below T_end at constant g and ⟨σv⟩: dY/du = −k Y² with k = s⟨σv⟩ dt/du ∝ T,
        # so ∫_{u_end}^∞ k du = k(u_end) and 1/Y_∞ = 1/Y_end + k(u_end)
        Y_end = Y_sc * jnp.exp(W)
        th = _thermo(T_end, g)
        k_end = th.s * _sigma_v(u_end, p)[1] * th.dtdu
        Y_S = Y_end / (1.0 + k_end * Y_end)
    c_n = G_N * 45.0 / (4.0 * jnp.pi**4 * gref)
    q_edges = jnp.asarray(settings.q_edges)
    q = jnp.sqrt(q_edges[:-1] * q_edges[1:])
    w32 = (q_edges[1:] ** 2.5 - q_edges[:-1] ** 2.5) / 2.5  # ∫_bin q^{3/2} dq
    rho = (q_edges[1:] ** 3 - q_edges[:-1] ** 3) / 3.0 / w32  # ∫_bin q² dq / ∫_bin q^{3/2} dq
    if spectrum:
        bins = diffrax.diffeqsolve(
            diffrax.ODETerm(_bins_rhs),
            diffrax.Tsit5(),
            0.0,
            u_end,
            1e-3,
            jnp.zeros(q.shape),
            args=(p, g, s_equilibrium, gref, sol, q_edges, rho),
            saveat=diffrax.SaveAt(t1=True),
            stepsize_controller=diffrax.PIDController(rtol=settings.rtol, atol=settings.atol),
            max_steps=settings.max_steps,
            throw=False,
        )
        G = bins.ys[-1]
        bins_status = where_failed(~jnp.all(jnp.isfinite(G)), Status.NONFINITE, from_diffrax(bins.result))
        status = first_failure(status, bins_status)
        f = jnp.where(bins_status == Status.OK, G, 0.0) * Y_sc / (c_n * rho * w32)
    else:
        f = jnp.zeros(q.shape)
    ok = status == Status.OK
    has_n = ok & (Y_N > 0.0)
    Y_N_safe = jnp.where(has_n, Y_N, 1.0)
    return FreezeInResult(
        Y_N=jnp.where(ok, Y_N, 0.0),
        Y_S=jnp.where(ok, Y_S, 0.0),
        omega_h2=jnp.where(ok, omega_h2(Y_N + 2.0 * Y_S, m_N), 0.0),
        mean_q=jnp.where(has_n, M1 / Y_N_safe, 0.0),
        mean_q2=jnp.where(has_n, M2 / Y_N_safe, 0.0),
        q=q,
        f=jnp.where(ok, f, 0.0),
        T_end=T_end,
        occupancy=Y_N / (135.0 * 1.2020569031595942 * G_N / (8.0 * jnp.pi**4 * gref)),
        status=status,
    )


@functools.partial(jax.jit, static_argnames=("g", "s_equilibrium", "spectrum", "settings"))
def _solve(m_S, lam, y, m_N, g, s_equilibrium, spectrum, settings):
    point = functools.partial(
        _solve_point, g=g, s_equilibrium=s_equilibrium, spectrum=spectrum, settings=settings
    )
    # FreezeInResult(*...): jnp.vectorize returns a plain tuple for a batch axis of length 1
    return FreezeInResult(*jnp.vectorize(point, signature="(),(),(),()->(),(),(),(),(),(n),(n),(),(),()")(m_S, lam, y, m_N))


def solve_freeze_in(m_S, lam, y, m_N, *, g=None, s_equilibrium=False, spectrum=True, settings=DEFAULT_SETTINGS):
    """Solve the Boltzmann equations of the module docstring for S and N; returns a FreezeInResult.

    m_S (GeV, > 2 m_N), lam (portal λ of 2λ Φ†Φ S², ≥ 0), y (Yukawa of (y/2) S N̄ᶜN, ≥ 0), m_N (GeV)
    broadcast against each other (vmapped). g: None for the SM g*(T), g*s(T) of Saikawa–Shirai, or a
    constant g* = g*s (e.g. 106.75). s_equilibrium: hold S at Y_eq (the Hall et al. freeze-in-from-
    decay setting) instead of solving for it. spectrum: also compute the binned f_N(q) (the yields
    and moments do not need it). A failed solve is flagged per point by ``status`` (``jaxbsm.status``:
    MAX_STEPS, NONFINITE) with finite placeholder values (FreezeInResult), never a silent number.
    """
    where = "solve_freeze_in"
    require(where, "positive", "(GeV)", m_S=m_S, m_N=m_N)
    require(where, "nonnegative", "", lam=lam, y=y)
    if is_concrete(m_S) and is_concrete(m_N) and np.any(np.asarray(m_S) <= 2.0 * np.asarray(m_N)):
        raise ValueError(f"{where}: m_S must exceed 2 m_N (S -> NN open), got m_S = {m_S!r}, m_N = {m_N!r} GeV")
    if g is not None and not (isinstance(g, (int, float)) and g > 0):
        raise ValueError(f"{where}: g must be None or a positive number, got {g!r}")
    args = (jnp.asarray(v, dtype=float) for v in (m_S, lam, y, m_N))
    return _solve(*args, None if g is None else float(g), bool(s_equilibrium), bool(spectrum), settings)


def freeze_in_history(m_S, lam, y, m_N, *, n=200, g=None, settings=DEFAULT_SETTINGS) -> FreezeInHistory:
    """FreezeInHistory (T, Y_S, Y_N, status) at n temperatures from T_start = 100 max(m_S, T_EW) to T_end
    (module docstring), for plots of the evolution; scalar inputs (GeV), S solved (not held in
    equilibrium)."""
    require("freeze_in_history", "positive", "(GeV)", m_S=m_S, m_N=m_N)
    require("freeze_in_history", "nonnegative", "", lam=lam, y=y)
    return _history(*(jnp.asarray(v, dtype=float) for v in (m_S, lam, y, m_N)), int(n), g, settings)


@functools.partial(jax.jit, static_argnames=("n", "g", "settings"))
def _history(m_S, lam, y, m_N, n, g, settings):
    sol, p, u_end, _ = _stiff_solve(
        m_S, lam, y, m_N, g, False, settings, lambda u_end: diffrax.SaveAt(ts=jnp.linspace(0.0, u_end, n))
    )
    # times the solver did not reach are saved as inf by diffrax: T there is T_end's grid value anyway
    ts = jnp.linspace(0.0, u_end, n)
    reached = jnp.all(jnp.isfinite(sol.ys), axis=-1)
    ys = jnp.where(reached[:, None], sol.ys, 0.0)
    Y_S = jnp.where(reached, p.Y_sc * jnp.exp(ys[:, 0]), 0.0)
    return FreezeInHistory(p.T_start * jnp.exp(-ts), Y_S, p.Y_sc * ys[:, 1], from_diffrax(sol.result))
