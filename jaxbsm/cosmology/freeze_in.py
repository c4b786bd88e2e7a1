r"""Boltzmann equations of the scalar-decay model: the singlet S is produced from (or annihilates into)
the plasma through the Higgs portal and decays S → NN; the output is the sterile-neutrino yield
Y_N, Ω_N h² and the momentum distribution f_N(q) today (issues 4 and 18, seed 003).

References: König, Merle & Totzauer, JCAP 1611 (2016) 038, arXiv:1609.01289 (KMT); Merle &
Totzauer, JCAP 1506 (2015) 011, arXiv:1502.01011; the rates are those of
``jaxbsm.cosmology.higgs_portal`` (widths) and ``jaxbsm.cosmology.portal_rates`` (⟨σv⟩; its
docstring states the conventions, T_EW = 160 GeV and the smooth bridge of the regimes).

Units: GeV throughout (m_S, m_N, T, rates); yields Y = n/s; q = p/T (comoving, dimensionless).

Equations (derived here; Maxwell–Boltzmann S, one d.o.f., in kinetic equilibrium with the plasma,
f_S = (n_S/n_S,eq) e^{−E/T}; N with g_N = 2 helicities, f_N ≪ 1 so no Pauli blocking and no inverse
decays NN → S). With Y = n/s and the variable u = ln(T_start/T), dt/du = (1 + ⅓ d ln g_s/d ln T)/H::

    dY_S/dt = −s ⟨σv⟩_eff (Y_S² − Y_eq²) − Γ_S (K₁/K₂)(x) Y_S,
    dY_N/dt = 2 Γ_S (K₁/K₂)(x) Y_S,              x = m_S/T, Γ_S = Γ(S → NN),

with ⟨σv⟩_eff = ⟨σv⟩ + 2γ_D/n_eq² (``portal_rates.effective_sigma_v``): SS ↔ SM scattering with the
on-shell SS → h part of the resonance replaced by the exact h ↔ SS term γ_D (h → SS, m_S < m_h/2),
both ∝ (Y_S² − Y_eq²) by detailed balance, the phases weighted by ``broken_fraction``. K₁/K₂ is the
thermal average of the time dilation m_S/E. The S equation is solved for W = ln(Y_S/Y_sc) (Y_sc the
start value): in the freeze-out regime Y_S tracks Y_eq ∝ e^{−x} with a relative lag ~H/(s⟨σv⟩Y)
down to 1e-10, which a linear variable turns into a badly conditioned stiff problem::

    dW/du = exp(α − W) − exp(β + W) − δ,   α = ln(s⟨σv⟩_eff dt/du Y_eq²/Y_sc),
                                           β = ln(s⟨σv⟩_eff dt/du Y_sc),  δ = Γ_S (K₁/K₂) dt/du.

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
∫₀^∞ pⁿ exp[−p/T − m_S²/(4pT)] dp = 2(m_S/2)^{n+1} K_{n+1}(x), so with κ = (g_s/g_ref)^{1/3}

    Y_N = ∫ (dY_N/du) du,   Y_N ⟨qⁿ⟩ = ∫ (dY_N/du) (x/2κ)ⁿ K_{n+1}(x)/K₁(x) du :

the moments ⟨q⟩ and ⟨q²⟩ are integrated exactly (no momentum grid). The shape f_N(q) is carried as
weighted bin integrals G_i = ∫_{bin i} q^{3/2} f_N dq over logarithmic bins, because their sources
are elementary: with w = (qκ)^{1/2} and c = x/2,

    dG_i/du = F(u) J_i(u),   F = (dt/du) A 2√T/(Tκ)^{5/2},   A = 4π²Γ_S s Y_S/(g_N m_S K₂e(x)),
    J_i = ∫_{w_a}^{w_b} e^{−(w − c/w)²} dw = Q(w_a) − Q(w_b) (+ √π/2 if d(w_a) < 0 ≤ d(w_b)),
    Q(w) = (√π/4)[sgn(d) erfc(|d|) + e^{−d²} erfcx(w + c/w)],   d = w − c/w,

free of cancellation in both tails. f̄_i = G_i/∫_bin q^{3/2} dq is the bin average of f_N.

Solver (issue 18). One stiff scalar equation (W) and quadratures; all u-dependence of the
coefficients is explicit, so the solve is laid out on a fixed grid and vectorised:

* grid: uniform in u on three segments, [T_start, T_EW + 6ΔT] (``steps_hot``), the crossover
  T_EW ± 6ΔT, where the phase weight changes over ΔT = 2 GeV, Δu ≈ 0.0125 (``steps_crossover``), and
  [T_EW − 6ΔT, T_end] (``steps_cold``); every point has the same number of steps, so a batch runs
  without lockstep waste and nothing in it can fail to terminate;
* rates: α, β, δ and the quadrature weights at all stage nodes in one vectorised pass (g* spline,
  Bessel functions, ⟨σv⟩_eff from a table of m_S alone — ``portal_rates.rate_table``, λ factored out
  as λ²(·) + λ³(·) + λ⁴(·), shared by all points of a batch with one m_S);
* time stepping: Radau IIA with three stages (order 5, L-stable, stiffly accurate; Hairer & Wanner,
  Solving ODEs II, §IV.5) in a ``lax.scan``: per step a 3×3 Newton system (exact derivative of the
  stages, Cramer's rule), ``newton_iterations`` iterations from the previous step's collocation
  polynomial (Hairer & Wanner IV.8); the Newton step of exp(a − W) − exp(b + W) is a tanh of the error,
  bounded by 1, and is clipped at ±2. A last Newton correction above ``newton_tol`` flags the point
  MAX_STEPS. diffrax has no Radau method; its adaptive Kvaerno5 at rtol 1e-8 (the solver before
  issue 18) cost 45 ms a point, 3/4 of it in its step control under vmap (lockstep with the slowest
  point, ~1400 steps against a median of ~470, Newton rejections where h → SS equilibrates);
* quadratures: Y_N, Y_N⟨q⟩, Y_N⟨q²⟩ with the Radau weights on the stage values (order 5);
* spectrum: W between stages from the collocation polynomials. Where x = m_S/T < 100 the bins are
  summed by Gauss–Legendre panels (``spectrum_panels`` × ``spectrum_nodes``) placed by a node density
  ∝ (significance of the source)/(0.35 × the kernel width √(2/x) in ln q, ≤ 0.15, ≤ the step in the
  crossover window). Above x = 100 the kernel is a narrow peak at q* = x/2κ, and each bin is
  J_i = √π/2 · 1[q* in bin] + C_{i+1} − C_i, where C_e, the kernel mass below edge e minus its step at
  the time u_e when q* crosses e, is confined to |u − u_e| ≲ 7√(2/x): the box integral by 6-node
  Gauss–Legendre per bin and each C_e by 4 panels of 4 nodes on each side of u_e. A late decay of a
  non-relativistic S (q_τ ~ 10³, kernel width ~0.01 in ln q) needs no more nodes than a hot one;
* gradients: a custom JVP rule evaluates the derivatives along the four inputs (m_S, λ, y, m_N) as
  one batched forward-mode JVP and contracts them with the input tangents; reverse mode
  (``jax.grad``) transposes only the contraction, so any gradient costs one four-tangent forward
  pass (no checkpointed reverse pass through the solver). Outputs are smooth functions of the inputs
  (the grid moves smoothly with them): finite differences need no tight settings.

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

Accuracy (measured; tests/cosmology/test_freeze_in.py). Against the diffrax solver this one replaced
(data/freeze_in_reference.json; m_S = 60, 62.5, 65, 100, 300 GeV on a 12 × 9 (λ, y) grid of the seed's
plane, λ 1e-12…1e-4, y 1e-10…1e-6, m_N = 10 keV): Ω h² within 3.1e-6, ⟨q⟩ 7.9e-6, ⟨q²⟩ 1.8e-5;
against a 4× finer grid and 2× finer rate table at 12 masses from 20 GeV to 1 TeV (incl. 62.5–62.7
around m_h/2): Ω h² 3.8e-6, ⟨q⟩ 7.5e-6; 120 random points with m_S 1 GeV–5 TeV, λ 1e-13–1e-2,
y 0 or 1e-11–1e-5, m_N 1–100 keV: Ω h² within 8e-5 (worst below m_S = 5 GeV, where the fermion
thresholds inside the ⟨σv⟩ quadrature panels limit ⟨σv⟩; 1e-5 above 10 GeV), ⟨q⟩ 8e-6. Spectra,
against that solver at rtol 1e-10 with erfcx fixed (jax 0.10's erfcx is 0 on 26.54 ≤ z ≤ 26.64;
``_erfcx``): the L1 distance of q³f_N is ≤ 3e-5 of its integral, bins holding ≥ 1e-4 of the peak of
q³f_N agree to ≤ 4e-4 (median over points 1.4e-5), bins down to 1e-6 of the peak to 1e-3. Against the
analytic templates: equilibrium decay bins to 1e-5, late decay to 1e-3, ⟨q⟩ = 5/2 to 1e-8.
Cost on one CPU core (2-core host at load ~1.6–2.8): ≈ 1.1 ms a point for the yields and moments
with its own m_S (0.7 ms of it the ⟨σv⟩ table), 0.4 ms with a shared m_S, +2.3 ms for f_N(q); the
Jacobian of (Ω h², ⟨q⟩) in the four inputs ≈ 6 ms a point batched, 10 ms alone (the diffrax solver:
42 ms, 150 ms and 170–300 ms; benchmarks/freeze_in.py).

Units: GeV (m_N too); Ω_N h² = m_N Y_N s₀/(ρ_c/h²) with s₀ from the table's g_s today and
T₀ = 2.7255 K (Fixsen 2009), ρ_c/h² = 1.05368e-5 GeV cm⁻³ (PDG 2024).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxbsm.checks import is_concrete, require, require_float64
from jaxbsm.constants import BOLTZMANN_EV_PER_K, HBAR_GEV_PS, SPEED_OF_LIGHT
from jaxbsm.cosmology import higgs_portal, portal_rates
from jaxbsm.cosmology.bessel import k012e
from jaxbsm.cosmology.thermal import dln_g_s_dlnT, entropy_density, g_rho, g_s, gstar_table, hubble_rate
from jaxbsm.status import Status, where_failed

__all__ = [
    "G_N",
    "T_CMB",
    "RHO_CRIT_H2",
    "FreezeInSettings",
    "FreezeInResult",
    "FreezeInHistory",
    "T_FLOOR",
    "T_TABLE_TOP",
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
T_FLOOR = 2.0 * _T_TABLE_MIN
"""Lowest end temperature of a solve (GeV), 20 keV: g* is constant below, where the annihilation
tail of S is added analytically (module docstring)."""
T_TABLE_TOP = 400.0
"""Highest temperature (GeV) of the broken-phase rate table: the broken phase weighs e^{−2(T − T_EW)/ΔT}
above T_EW, < 1e-50 here."""
_X_END = 40.0  # production over: e^{-40} Boltzmann suppression
_DECAY_END = 40.0  # Γ_S/H at the end: e^{-Γt} = e^{-20}
_EW_WINDOW = 6.0 * portal_rates.DELTA_T_EW  # the crossover grid covers T_EW ± 6ΔT
_X_NR = 100.0  # the spectrum's kernel is treated as a narrow peak above x = m_S/T = _X_NR
_NR_BOX_NODES = 6  # Gauss–Legendre nodes per bin of the non-relativistic box integral
#: Sub-panels (4 Gauss–Legendre nodes each) of an edge correction, in units of √(2/x) from u_e
_NR_WINDOW = (0.0, 0.7, 1.8, 3.5, 7.0)

# Radau IIA, three stages, order 5 (Hairer & Wanner, Solving ODEs II, §IV.5, Table 5.6)
_S6 = np.sqrt(6.0)
_RC = np.array([(4.0 - _S6) / 10.0, (4.0 + _S6) / 10.0, 1.0])
_RA = np.array(
    [
        [(88.0 - 7.0 * _S6) / 360.0, (296.0 - 169.0 * _S6) / 1800.0, (-2.0 + 3.0 * _S6) / 225.0],
        [(296.0 + 169.0 * _S6) / 1800.0, (88.0 + 7.0 * _S6) / 360.0, (-2.0 - 3.0 * _S6) / 225.0],
        [(16.0 - _S6) / 36.0, (16.0 + _S6) / 36.0, 1.0 / 9.0],
    ]
)
_RB = _RA[2]
_TAU = np.concatenate([[0.0], _RC])  # the collocation polynomial's nodes in a step, τ = (u − u_n)/h_n


@dataclass(frozen=True)
class FreezeInSettings:
    """Numerical settings (hashable, static under jit).

    q_min, q_max, bins_per_decade: logarithmic bins of comoving q for f_N (the moments do not depend
    on them). n_table: temperatures of the broken-phase ⟨σv⟩ table (``portal_rates.rate_table``).
    steps_hot, steps_crossover, steps_cold: Radau IIA steps on [T_start, T_EW + 6ΔT], across the
    crossover T_EW ± 6ΔT and on [T_EW − 6ΔT, T_end] (uniform in u = ln(T_start/T) on each).
    newton_iterations, newton_tol: Newton iterations per step and the largest last Newton correction
    (in ln Y_S) accepted as converged (else status MAX_STEPS). spectrum_panels × spectrum_nodes:
    Gauss–Legendre panels and nodes of the f_N(q) time integral (module docstring).
    """

    q_min: float = 1e-3
    q_max: float = 3e4
    bins_per_decade: int = 20
    n_table: int = 96
    steps_hot: int = 128
    steps_crossover: int = 24
    steps_cold: int = 192
    newton_iterations: int = 8
    newton_tol: float = 1e-7
    spectrum_panels: int = 96
    spectrum_nodes: int = 4

    @property
    def q_edges(self) -> np.ndarray:
        n = int(round(np.log10(self.q_max / self.q_min) * self.bins_per_decade))
        return np.geomspace(self.q_min, self.q_max, n + 1)

    @property
    def n_steps(self) -> int:
        return self.steps_hot + self.steps_crossover + self.steps_cold


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
    OK, MAX_STEPS (Newton did not converge in a step), NONFINITE (a non-finite state or output) or
    OUT_OF_DOMAIN (a traced input outside m_S > 2 m_N > 0, λ, y ≥ 0, or not finite). Where status
    is not OK, Y_N, Y_S, omega_h2, mean_q, mean_q2 and f are 0 (finite placeholders with zero
    gradients), never a silent number. mean_q and mean_q2 are 0 where no N is produced (Y_N = 0,
    e.g. y = 0); at λ = 0 (S solved) nothing is produced and every yield is 0 with status OK.
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
    status of the solve (``jaxbsm.status``: OK, MAX_STEPS or NONFINITE; the yields are 0 where it
    failed)."""

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
    return _Thermo(s, H, (1.0 + dlng_s / 3.0) / H, jnp.broadcast_to((g_e / gr) ** (1.0 / 3.0), jnp.shape(T)))


def _ln_y_eq(x, T, s, k2):
    """ln Y_eq, Y_eq = n_eq/s of S (Maxwell–Boltzmann, one d.o.f.), n_eq = m² T K₂(x)/(2π²); k2 = K₂(x)eˣ."""
    return jnp.log((x * T) ** 2 * T * k2 / (2.0 * jnp.pi**2 * s)) - x


def end_temperature(m_S, gamma_s, g=None):
    """End temperature of the solve (GeV) for m_S and Γ(S → NN) = gamma_s in GeV (g as in
    ``solve_freeze_in``): T_end = max(20 keV, min(m_S/40, T with Γ_S = 40 H)), the T at Γ_S = 40 H by
    fixed-point iteration in g_rho(T) (module docstring)."""
    T = jnp.full_like(m_S, 1.0)
    for _ in range(4):
        T_c = jnp.clip(T, _T_TABLE_MIN, None)
        T = jnp.sqrt(gamma_s / (_DECAY_END * _thermo(T_c, g).H / T_c**2))
    return jnp.clip(jnp.minimum(m_S / _X_END, T), T_FLOOR, None)


# --- the point: setup, grid, rates at the nodes ----------------------------------------------------
class _Point(NamedTuple):
    m_S: jax.Array
    lam: jax.Array
    gamma_s: jax.Array
    T_start: jax.Array
    T_end: jax.Array
    u_end: jax.Array
    Y_sc: jax.Array  # scale of Y_S: W = ln(Y_S/Y_sc), W(0) = 0


def _setup(m_S, lam, y, m_N, g, s_equilibrium):
    gamma_s = higgs_portal.gamma_s_to_nn(m_S, y, m_N)
    T_start = 100.0 * jnp.maximum(m_S, portal_rates.T_EW)
    T_end = end_temperature(m_S, gamma_s, g)
    th0 = _thermo(T_start, g)
    x0 = m_S / T_start
    ln_y_eq0 = _ln_y_eq(x0, T_start, th0.s, k012e(x0)[2])
    h0 = th0.H / T_start**2
    g_s0 = th0.s / (2.0 * jnp.pi**2 / 45.0 * T_start**3)
    # production above T_start (SS ↔ ΦΦ, massless limit): Y_tail = 45λ²/(8π⁷ g_s h₀ T_start);
    # S starts at Y_tail Y_eq/(Y_tail + Y_eq) (module docstring), in logarithms
    ln_tail = jnp.log(45.0 / (8.0 * jnp.pi**7 * g_s0 * h0 * T_start)) + 2.0 * jnp.log(lam)
    ln_y0 = ln_tail + ln_y_eq0 - jnp.logaddexp(ln_tail, ln_y_eq0)
    Y_sc = jnp.exp(ln_y_eq0 if s_equilibrium else ln_y0)
    return _Point(m_S, lam, gamma_s, T_start, T_end, jnp.log(T_start / T_end), Y_sc)


def _grid(p, settings):
    """Starts and sizes (N,) of the steps: uniform in u on [0, u_a], [u_a, u_b], [u_b, u_end], with
    [u_a, u_b] the crossover T_EW ± 6ΔT (clipped to [0, u_end])."""
    u_a = jnp.clip(jnp.log(p.T_start / (portal_rates.T_EW + _EW_WINDOW)), 0.0, p.u_end)
    u_b = jnp.clip(jnp.log(p.T_start / (portal_rates.T_EW - _EW_WINDOW)), 0.0, p.u_end)
    starts, sizes = [], []
    for lo, hi, n in ((0.0, u_a, settings.steps_hot), (u_a, u_b, settings.steps_crossover), (u_b, p.u_end, settings.steps_cold)):
        h = (hi - lo) / n
        starts.append(lo + h * jnp.arange(n))
        sizes.append(jnp.full(n, h))
    return jnp.concatenate(starts), jnp.concatenate(sizes)


class _Rates(NamedTuple):
    """Coefficients at nodes u of dW/du = exp(alpha − W) − exp(beta + W) − delta, W = ln(Y_S/Y_sc), and
    the sources of Y_N (dY_N/du = yn e^W), Y_N⟨q⟩ (q1 e^W) and Y_N⟨q²⟩ (q2 e^W)."""

    alpha: jax.Array
    beta: jax.Array
    delta: jax.Array
    w_eq: jax.Array  # ln(Y_eq/Y_sc)
    yn: jax.Array
    q1: jax.Array
    q2: jax.Array


def _rates(u, p, table, g):
    T = p.T_start * jnp.exp(-u)
    th = _thermo(T, g)
    x = p.m_S / T
    k0, k1, k2 = k012e(x)
    ln_y_eq = _ln_y_eq(x, T, th.s, k2)
    sv = portal_rates.effective_sigma_v(table, jnp.clip(T, T_FLOOR, None), p.lam)
    ln_rate = jnp.log(th.dtdu * th.s * jnp.maximum(sv, 1e-300))  # dtdu s ⟨σv⟩_eff
    ln_sc = jnp.log(p.Y_sc)
    decay = th.dtdu * p.gamma_s * k1 / k2  # dtdu Γ_S K₁/K₂
    yn = 2.0 * decay * p.Y_sc
    r = x / (2.0 * th.kappa)  # ⟨q^n⟩ of the decays at u: r^n K_{n+1}/K₁ (module docstring)
    k3 = k1 + 4.0 * k2 / x
    return _Rates(ln_rate + 2.0 * ln_y_eq - ln_sc, ln_rate + ln_sc, decay, ln_y_eq - ln_sc,
                  yn, yn * r * k2 / k1, yn * r**2 * k3 / k1)


# --- Radau IIA on the fixed grid --------------------------------------------------------------------
def _solve3(J, b):
    """x with J x = b for 3×3 J (Cramer's rule; J = I + h A |F'| is well conditioned)."""
    c0 = jnp.cross(J[1], J[2])
    c1 = jnp.cross(J[2], J[0])
    c2 = jnp.cross(J[0], J[1])
    det = jnp.dot(J[0], c0)
    return (b[0] * c0 + b[1] * c1 + b[2] * c2) / det


def _lagrange(tau):
    """Values at τ of the Lagrange basis on the collocation nodes _TAU = (0, c₁, c₂, 1): shape τ.shape + (4,)."""
    tau = jnp.asarray(tau)[..., None]
    out = []
    for k in range(4):
        term = jnp.ones_like(tau)
        for m in range(4):
            if m != k:
                term = term * (tau - _TAU[m]) / (_TAU[k] - _TAU[m])
        out.append(term)
    return jnp.concatenate(out, axis=-1)


def _radau(h, rates, settings):
    """W at the stages (N, 3) of all steps and the largest last Newton correction (module docstring)."""
    A = jnp.asarray(_RA)
    eye = jnp.eye(3)

    def step(carry, inp):
        W0, W_prev0, stages_prev, h_prev = carry
        h_n, al, be, de = inp
        # predictor: the previous step's collocation polynomial, extrapolated (Hairer–Wanner IV.8)
        ratio = h_n / jnp.where(h_prev > 0.0, h_prev, 1.0)
        basis = _lagrange(1.0 + _RC * ratio)  # (3, 4)
        extrap = basis @ jnp.concatenate([W_prev0[None], stages_prev])
        usable = (h_prev > 0.0) & (ratio <= 2.0) & jnp.all(jnp.isfinite(extrap))
        Z = jnp.where(usable, extrap - W0, 0.0)
        def newton(_, state):
            Z, _ = state
            W = W0 + Z
            ea, eb = jnp.exp(al - W), jnp.exp(be + W)
            R = Z - h_n * (A @ (ea - eb - de))
            J = eye + h_n * A * (ea + eb)[None, :]
            dZ = jnp.clip(_solve3(J, -R), -2.0, 2.0)
            return Z + dZ, dZ

        Z, dZ = jax.lax.fori_loop(0, settings.newton_iterations, newton, (Z, jnp.zeros(3)))
        stages = W0 + Z
        return (stages[2], W0, stages, h_n), (stages, jnp.max(jnp.abs(dZ)))

    N = h.shape[0]
    init = (jnp.zeros(()), jnp.zeros(()), jnp.zeros(3), jnp.zeros(()))
    _, (stages, corr) = jax.lax.scan(step, init, (h, rates.alpha.reshape(N, 3), rates.beta.reshape(N, 3), rates.delta.reshape(N, 3)))
    return stages, jnp.max(corr)


def _dense(u, starts, sizes, W_start, stages):
    """W at u from the collocation polynomials of the steps (degree 3, through W_n and the stages)."""
    n = jnp.clip(jnp.searchsorted(starts, u, side="right") - 1, 0, starts.shape[0] - 1)
    h = sizes[n]
    tau = jnp.where(h > 0.0, (u - starts[n]) / jnp.where(h > 0.0, h, 1.0), 1.0)
    values = jnp.concatenate([W_start[n][..., None], stages[n]], axis=-1)
    return jnp.sum(_lagrange(jnp.clip(tau, 0.0, 1.0)) * values, axis=-1)


class _Solution(NamedTuple):
    starts: jax.Array
    sizes: jax.Array
    u_nodes: jax.Array  # (N, 3)
    W: jax.Array  # (N, 3) at the stages
    W_start: jax.Array  # (N,) at the step starts
    rates: _Rates  # at the stages, (N, 3) each
    status: jax.Array


def _integrate(m_S, lam, y, m_N, table, g, s_equilibrium, settings):
    p = _setup(m_S, lam, y, m_N, g, s_equilibrium)
    starts, sizes = _grid(p, settings)
    u_nodes = starts[:, None] + sizes[:, None] * _RC
    rates = _rates(u_nodes, p, table, g)
    if s_equilibrium:
        W = rates.w_eq
        corr = jnp.zeros(())
    else:
        W, corr = _radau(sizes, rates, settings)
    status = where_failed(~(corr <= settings.newton_tol), Status.MAX_STEPS)
    status = where_failed(~jnp.all(jnp.isfinite(W)), Status.NONFINITE, status)
    # a failed point continues with W = 0 (finite values; zero tangents, which forward mode selects)
    W = jnp.where(status == Status.OK, W, 0.0)
    W_start = jnp.concatenate([jnp.zeros(1), W[:-1, 2]])
    return p, _Solution(starts, sizes, u_nodes, W, W_start, rates, status)


# --- the spectrum ------------------------------------------------------------------------------------
def _erfcx(z):
    """erfcx(z) = e^{z²} erfc(z) for z > 0: jax.scipy.special.erfcx below 20, the asymptotic series
    (six terms, relative error < 1e-15) above. jax 0.10's erfcx returns 0 for 26.5433 ≤ z ≤ 26.6417
    (where e^{z²} overflows), which put 1% jumps into single bins of f_N."""
    small = z < 20.0
    r = 0.5 / jnp.where(small, 20.0, z) ** 2
    series = 1.0 - r * (1.0 - 3.0 * r * (1.0 - 5.0 * r * (1.0 - 7.0 * r * (1.0 - 9.0 * r * (1.0 - 11.0 * r)))))
    return jnp.where(small, jax.scipy.special.erfcx(jnp.where(small, z, 1.0)), series / (jnp.sqrt(jnp.pi) * z))


def _edge_values(w, c):
    """Q(w) = sgn(d) erfc(|d|) + e^{−d²} erfcx(w + c/w) (times √π/4), d = w − c/w, and d < 0: a bin's
    integral ∫_a^b exp[−(v − c/v)²] dv is Q(a) − Q(b), plus √π/2 when d(a) < 0 ≤ d(b) (module
    docstring), free of cancellation in both tails."""
    d = w - c / w
    tail = jnp.exp(-(d**2)) * _erfcx(w + c / w)
    left = d < 0.0
    return 0.25 * jnp.sqrt(jnp.pi) * (jnp.where(left, -1.0, 1.0) * jax.scipy.special.erfc(jnp.abs(d)) + tail), left


def _gauss_panels(a, b, n):
    """Nodes and weights (..., k·n) of n-point Gauss–Legendre on each panel [a, b] (arrays (..., k))."""
    gl_x, gl_w = np.polynomial.legendre.leggauss(n)
    mid, half = 0.5 * (b + a), 0.5 * (b - a)
    shape = (*mid.shape[:-1], -1)
    return (mid[..., None] + half[..., None] * gl_x).reshape(shape), (half[..., None] * gl_w).reshape(shape)


def _source(u, p, sol, g, s_equilibrium):
    """F(u) of dG_i/du = F(u) J_i(u) (module docstring), T, the c = x/2 and κ of the kernel, at nodes u."""
    T = p.T_start * jnp.exp(-u)
    th = _thermo(T, g)
    x = p.m_S / T
    k2 = k012e(x)[2]
    if s_equilibrium:
        Y_S = jnp.exp(_ln_y_eq(x, T, th.s, k2))
    else:
        Y_S = p.Y_sc * jnp.exp(_dense(u, sol.starts, sol.sizes, sol.W_start, sol.W))
    # A = 4π²Γ s Y_S/(g_N m K₂e(x)), F = dt/du A 2√T/(Tκ)^{5/2}
    A = 4.0 * jnp.pi**2 * p.gamma_s * th.s * Y_S / (G_N * p.m_S * k2)
    return th.dtdu * A * 2.0 * jnp.sqrt(T) / (T * th.kappa) ** 2.5, 0.5 * x, th.kappa


def _spectrum(p, sol, g, s_equilibrium, settings):
    """Bin averages f_i of f_N on the q bins (module docstring: direct quadrature where x < _X_NR, the
    box-plus-edge-correction form of the non-relativistic kernel above)."""
    q_edges = jnp.asarray(settings.q_edges)
    w32 = (q_edges[1:] ** 2.5 - q_edges[:-1] ** 2.5) / 2.5  # ∫_bin q^{3/2} dq
    total = 0.5 * jnp.sqrt(jnp.pi)  # ∫₀^∞ exp[−(w − c/w)²] dw for every c
    # where decays happen: the support of dY_N/du on the stage nodes, widened by a step
    u = sol.u_nodes.ravel()
    src = (sol.rates.yn * jnp.exp(sol.W)).ravel()
    inside = src > 1e-13 * jnp.max(src)
    h_node = jnp.repeat(sol.sizes, 3)
    u_a = jnp.clip(jnp.min(jnp.where(inside, u - h_node, jnp.inf)), 0.0, p.u_end)
    u_b = jnp.clip(jnp.max(jnp.where(inside, u + h_node, -jnp.inf)), 0.0, p.u_end)
    u_b = jnp.maximum(u_b, u_a)
    u_nr = jnp.clip(jnp.log(_X_NR * p.T_start / p.m_S), u_a, u_b)  # x = _X_NR
    # 1. u_a .. u_nr: Gauss–Legendre panels with node density ∝ significance/spacing, the spacing 0.35
    # of the kernel width √(2/x) in ln q (at most 0.15, at most the step inside the crossover window),
    # the significance rising from 0 where the source is 1e-8 of its maximum to 1 above 1e-6
    x = p.m_S / (p.T_start * jnp.exp(-u))
    in_ew = jnp.abs(p.T_start * jnp.exp(-u) - portal_rates.T_EW) < _EW_WINDOW
    spacing = jnp.minimum(0.15, 0.35 * jnp.sqrt(2.0 / x))
    spacing = jnp.where(in_ew, jnp.minimum(spacing, jnp.maximum(h_node, 1e-6)), spacing)
    significance = jnp.clip((jnp.log10(jnp.maximum(src, 1e-300) / jnp.max(src)) + 8.0) / 2.0, 0.3, 1.0)
    density = jnp.where((u >= u_a) & (u <= u_nr), significance / spacing, 0.0) + 1e-3
    cum = jnp.concatenate([jnp.zeros(1), jnp.cumsum(0.5 * (density[1:] + density[:-1]) * jnp.diff(u))])
    edges = jnp.clip(jnp.interp(jnp.linspace(0.0, cum[-1], settings.spectrum_panels + 1), cum, u), u_a, u_nr)
    edges = edges.at[0].set(u_a).at[-1].set(u_nr)  # the stage nodes start after u = 0
    ub, wb = _gauss_panels(edges[:-1], edges[1:], settings.spectrum_nodes)
    F, c, kappa = _source(ub, p, sol, g, s_equilibrium)
    Q, left = _edge_values(jnp.sqrt(q_edges[None, :] * kappa[:, None]), c[:, None])
    # Σ_nodes weight × (bin integrals), summed over the nodes before the edges are differenced: each
    # Q is then used once (differencing first made XLA evaluate the special functions twice)
    weight = wb * F
    V = weight @ Q
    straddle = weight @ (left[:, :-1] & ~left[:, 1:]).astype(Q.dtype)
    direct = V[:-1] - V[1:] + total * straddle
    # 2. u_nr .. u_b: the kernel is a narrow peak at q* = x/(2κ): J_i = total 1[u_i ≤ u < u_{i+1}] +
    # C_{i+1} − C_i, u_e the time q* crosses edge e and C_e (mass below edge e minus its step) confined
    # to |u − u_e| ≲ 7√(2/x)
    zeta = jnp.log(0.5 * x / jnp.ravel(_thermo(p.T_start * jnp.exp(-u), g).kappa))  # ln q*, increasing
    u_e = jnp.clip(jnp.interp(jnp.log(q_edges), zeta, u), u_nr, u_b)
    ub, wb = _gauss_panels(u_e[:-1], u_e[1:], _NR_BOX_NODES)  # (150·n,)
    F, _, _ = _source(ub, p, sol, g, s_equilibrium)
    box = total * jnp.sum((wb * F).reshape(-1, _NR_BOX_NODES), axis=-1)
    width = jnp.sqrt(2.0 * p.T_start * jnp.exp(-u_e) / p.m_S)  # √(2/x) at u_e
    steps = jnp.asarray(_NR_WINDOW)
    lo = jnp.clip(u_e[:, None] - width[:, None] * steps[::-1], u_nr, u_b)  # left side, increasing
    hi = jnp.clip(u_e[:, None] + width[:, None] * steps, u_nr, u_b)
    nodes_l, w_l = _gauss_panels(lo[:, :-1], lo[:, 1:], 4)
    nodes_r, w_r = _gauss_panels(hi[:, :-1], hi[:, 1:], 4)
    un = jnp.concatenate([nodes_l, nodes_r], axis=-1)  # (151, m)
    wn = jnp.concatenate([w_l, w_r], axis=-1)
    F, c, kappa = _source(un, p, sol, g, s_equilibrium)
    w = jnp.sqrt(q_edges[:, None] * kappa)
    d = w - c / w
    tail = jnp.exp(-(d**2)) * _erfcx(w + c / w)
    k = 0.25 * jnp.sqrt(jnp.pi)
    side = jnp.arange(un.shape[-1]) < nodes_l.shape[-1]
    # left of u_e: (mass below the edge) − total = −(mass above); right: the mass below
    C = jnp.where(side, -k * (jax.scipy.special.erfc(d) + tail), k * (jax.scipy.special.erfc(-d) - tail))
    E = jnp.sum(wn * F * C, axis=-1)
    return (direct + box + E[1:] - E[:-1]) / w32


# --- the solve --------------------------------------------------------------------------------------
def _solve_point(m_S, lam, y, m_N, table_values, table_second, g, s_equilibrium, spectrum, settings):
    table = _table(m_S, table_values, table_second, settings)
    p, sol = _integrate(m_S, lam, y, m_N, table, g, s_equilibrium, settings)
    gref = g_ref(g)
    omega = jnp.asarray(_RB)[None, :] * sol.sizes[:, None]
    eW = jnp.exp(sol.W)
    Y_N = jnp.sum(omega * sol.rates.yn * eW)
    M1 = jnp.sum(omega * sol.rates.q1 * eW)
    M2 = jnp.sum(omega * sol.rates.q2 * eW)
    if s_equilibrium:
        Y_S = jnp.zeros(())
    else:
        # annihilations below T_end at constant g and ⟨σv⟩: dY/du = −k Y² with k = s⟨σv⟩ dt/du ∝ T,
        # so ∫_{u_end}^∞ k du = k(u_end) and 1/Y_∞ = 1/Y_end + k(u_end)
        Y_end = p.Y_sc * jnp.exp(sol.W[-1, 2])
        th = _thermo(p.T_end, g)
        k_end = th.s * portal_rates.effective_sigma_v(table, p.T_end, lam) * th.dtdu
        Y_S = Y_end / (1.0 + k_end * Y_end)
    status = sol.status
    q_edges = jnp.asarray(settings.q_edges)
    q = jnp.sqrt(q_edges[:-1] * q_edges[1:])
    f = _spectrum(p, sol, g, s_equilibrium, settings) if spectrum else jnp.zeros(q.shape)
    status = where_failed(~(jnp.isfinite(Y_N) & jnp.isfinite(Y_S) & jnp.isfinite(M1) & jnp.isfinite(M2)), Status.NONFINITE, status)
    status = where_failed(~jnp.all(jnp.isfinite(f)), Status.NONFINITE, status)
    ok = status == Status.OK
    Y_N, Y_S, M1, M2 = (jnp.where(ok, v, 0.0) for v in (Y_N, Y_S, M1, M2))
    has_n = ok & (Y_N > 0.0)
    Y_N_safe = jnp.where(has_n, Y_N, 1.0)
    return FreezeInResult(
        Y_N=Y_N,
        Y_S=Y_S,
        omega_h2=omega_h2(Y_N + 2.0 * Y_S, m_N),
        mean_q=jnp.where(has_n, M1 / Y_N_safe, 0.0),
        mean_q2=jnp.where(has_n, M2 / Y_N_safe, 0.0),
        q=q,
        f=jnp.where(ok, f, 0.0),
        T_end=p.T_end,
        occupancy=Y_N / (135.0 * 1.2020569031595942 * G_N / (8.0 * jnp.pi**4 * gref)),
        status=status,
    )


def _table_arrays(m_S, settings):
    """(values, second derivatives) of the rate table of one m_S (``portal_rates.rate_table``)."""
    t = portal_rates.rate_table(m_S, settings.n_table, T_FLOOR, T_TABLE_TOP)
    return t.values, t.second


def _table(m_S, values, second, settings):
    du = np.log(T_TABLE_TOP / T_FLOOR) / (settings.n_table - 1)
    return portal_rates.RateTable(m_S, jnp.log(T_TABLE_TOP), jnp.asarray(du), values, second)


def _solve_impl(m_S, lam, y, m_N, g, s_equilibrium, spectrum, settings):
    # traced inputs outside the domain (eager ones were refused by solve_freeze_in): each such point
    # is solved at a harmless stand-in and flagged OUT_OF_DOMAIN, so it cannot spoil its batch
    m_S_ok = jnp.isfinite(m_S) & (m_S > 0.0)
    m_S = jnp.where(m_S_ok, m_S, 100.0)
    valid = m_S_ok & (lam >= 0.0) & jnp.isfinite(lam) & (y >= 0.0) & jnp.isfinite(y) & (m_N > 0.0) & (2.0 * m_N < m_S)
    # λ = 0 with S solved: S is never produced, every yield is exactly 0 (ln Y_S, the solver's
    # variable, would start at -inf); solved at the stand-in too, then zeroed with status OK
    unproduced = valid & (lam == 0.0) & (not s_equilibrium)
    stand_in = ~valid | unproduced
    lam, y = jnp.where(stand_in, 1e-8, lam), jnp.where(valid, y, 1e-8)
    m_N = jnp.where(valid, m_N, 1e-3 * m_S)
    # the rate table depends on m_S only: computed at m_S's own shape, shared by all (λ, y, m_N)
    values, second = jnp.vectorize(functools.partial(_table_arrays, settings=settings), signature="()->(n,k),(n,k)")(m_S)
    point = functools.partial(
        _solve_point, g=g, s_equilibrium=s_equilibrium, spectrum=spectrum, settings=settings
    )
    signature = "(),(),(),(),(n,k),(n,k)->(),(),(),(),(),(b),(b),(),(),()"
    # FreezeInResult(*...): jnp.vectorize returns a plain tuple for a batch axis of length 1
    r = FreezeInResult(*jnp.vectorize(point, signature=signature)(m_S, lam, y, m_N, values, second))
    zeroed = jnp.broadcast_to(stand_in, r.status.shape)
    zero = {k: jnp.where(zeroed, 0.0, getattr(r, k)) for k in ("Y_N", "Y_S", "omega_h2", "mean_q", "mean_q2", "occupancy")}
    status = jnp.where(valid, jnp.where(unproduced, jnp.int32(Status.OK), r.status), jnp.int32(Status.OUT_OF_DOMAIN))
    return r._replace(**zero, f=jnp.where(zeroed[..., None], 0.0, r.f), status=jnp.broadcast_to(status, r.status.shape))


@functools.partial(jax.custom_jvp, nondiff_argnums=(4, 5, 6, 7))
def _solve_ad(m_S, lam, y, m_N, g, s_equilibrium, spectrum, settings):
    return _solve_impl(m_S, lam, y, m_N, g, s_equilibrium, spectrum, settings)


@_solve_ad.defjvp
def _solve_ad_jvp(g, s_equilibrium, spectrum, settings, primals, tangents):
    """Forward mode in the four inputs, whatever the caller's mode: the derivatives of every output
    along each input (four tangents of one batched JVP; points are independent, so a tangent of ones
    gives each point's own partial derivative), then contracted with the input tangents. Reverse mode
    transposes the contraction only, so jax.grad costs one forward-mode Jacobian (module docstring)."""
    args = jnp.broadcast_arrays(*primals)
    fn = functools.partial(_solve_impl, g=g, s_equilibrium=s_equilibrium, spectrum=spectrum, settings=settings)

    def along(k):
        return jax.jvp(fn, tuple(args), tuple(jnp.where(k == i, 1.0, 0.0) * jnp.ones_like(a) for i, a in enumerate(args)))

    outs, derivs = jax.vmap(along)(jnp.arange(4))
    primal_out = jax.tree_util.tree_map(lambda o: o[0], outs)
    t_in = [jnp.broadcast_to(t, args[0].shape) for t in tangents]

    def contract(d, o):
        if not jnp.issubdtype(o.dtype, jnp.floating):
            return np.zeros(o.shape, dtype=jax.dtypes.float0)
        extra = (None,) * (d.ndim - 1 - len(args[0].shape))
        return sum(d[k] * t_in[k][(..., *extra)] for k in range(4))

    return primal_out, jax.tree_util.tree_map(contract, derivs, primal_out)


@functools.partial(jax.jit, static_argnames=("g", "s_equilibrium", "spectrum", "settings"))
def _solve(m_S, lam, y, m_N, g, s_equilibrium, spectrum, settings):
    return _solve_ad(m_S, lam, y, m_N, g, s_equilibrium, spectrum, settings)


def solve_freeze_in(m_S, lam, y, m_N, *, g=None, s_equilibrium=False, spectrum=True, settings=DEFAULT_SETTINGS):
    """Solve the Boltzmann equations of the module docstring for S and N; returns a FreezeInResult.

    m_S (GeV, > 2 m_N), lam (portal λ of 2λ Φ†Φ S², ≥ 0), y (Yukawa of (y/2) S N̄ᶜN, ≥ 0), m_N (GeV)
    broadcast against each other (vmapped; the ⟨σv⟩ table is computed once per distinct m_S entry,
    so a scalar m_S with arrays of λ, y is cheaper per point). g: None for the SM g*(T), g*s(T) of
    Saikawa–Shirai, or a constant g* = g*s (e.g. 106.75). s_equilibrium: hold S at Y_eq (the Hall
    et al. freeze-in-from-decay setting) instead of solving for it. spectrum: also compute the
    binned f_N(q) (the yields and moments do not need it). A failed solve is flagged per point by
    ``status`` (``jaxbsm.status``: MAX_STEPS, NONFINITE) with finite placeholder values
    (FreezeInResult), never a silent number.
    """
    where = "solve_freeze_in"
    require_float64(where)
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
    equilibrium). Y_S from the collocation polynomials, Y_N interpolated linearly in u between the
    step ends."""
    require("freeze_in_history", "positive", "(GeV)", m_S=m_S, m_N=m_N)
    require("freeze_in_history", "nonnegative", "", lam=lam, y=y)
    return _history(*(jnp.asarray(v, dtype=float) for v in (m_S, lam, y, m_N)), int(n), g, settings)


@functools.partial(jax.jit, static_argnames=("n", "g", "settings"))
def _history(m_S, lam, y, m_N, n, g, settings):
    table = _table(m_S, *_table_arrays(m_S, settings), settings)
    p, sol = _integrate(m_S, lam, y, m_N, table, g, False, settings)
    ts = jnp.linspace(0.0, p.u_end, n)
    Y_S = p.Y_sc * jnp.exp(_dense(ts, sol.starts, sol.sizes, sol.W_start, sol.W))
    per_step = jnp.sum(jnp.asarray(_RB) * sol.sizes[:, None] * sol.rates.yn * jnp.exp(sol.W), axis=-1)
    u_ends = jnp.concatenate([sol.starts[:1], sol.starts + sol.sizes])
    Y_N = jnp.interp(ts, u_ends, jnp.concatenate([jnp.zeros(1), jnp.cumsum(per_step)]))
    ok = sol.status == Status.OK
    return FreezeInHistory(p.T_start * jnp.exp(-ts), jnp.where(ok, Y_S, 0.0), jnp.where(ok, Y_N, 0.0), sol.status)
