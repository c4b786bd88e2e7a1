r"""Higgs-portal SS ↔ SM cross sections of the scalar-decay model, their Gondolo–Gelmini thermal averages
above and below the electroweak crossover, and the production rates of S (issue 4).

Model, couplings (g_hSS = 4λv, g_hhSS = 4λ, −4iλ per real Higgs component above the crossover),
the widths Γ(h → SS) and Γ_h^SM(M) and their conventions: ``jaxbsm.cosmology.higgs_portal``
(seed 003; König, Merle, Totzauer, JCAP 1611 (2016) 038, arXiv:1609.01289, §2; Cline,
Kainulainen, Scott & Weniger (CKSW), PRD 88 (2013) 055025, arXiv:1306.4710, λ_hs = 4λ).

Cross sections, written as σ v_rel with v_rel = 2β_S = 2(1 − 4m_S²/s)^{1/2} the relative velocity
in the CM frame (CKSW convention; σ(s) = σv_rel / (2β_S)):

* s-channel h into everything a Higgs of mass √s decays to (f f̄, W W, Z Z incl. off-shell, gg,
  γγ, Zγ), as in CKSW with λ_hs → 4λ::

      σv_rel = 2 g_hSS² |D_h(s)|² Γ_h^SM(√s) / √s,    D_h = 1/(s − m_h² + i m_h Γ_h),

  exact at tree level because the amplitude factorises, M = g_hSS D_h(s) M(h* → X);
* S S → h h: contact + s-channel h + t- and u-channel S (derived here; at threshold it reduces to
  CKSW's s-wave hh formula)::

      M = A + B/(t − m_S²) + B/(u − m_S²),  A = −4λ [1 + 3 m_h² D_h(s)],  B = −(4λv)²,
      σv_rel = β_h/(32π s) ∫₋₁¹ |M|² d cosθ     (½ for identical h included),

  with the angular integral done in closed form (t − m_S² = a + b cosθ, a = m_h² − s/2,
  b = (s/2) β_S β_h; a ± b < 0 in the physical region, so no pole);
* above the crossover, SS → φᵢφᵢ for four massless real Higgs components (contact term only;
  ½ for identical φᵢ): σ = 4 × λ²/(2π s β_S), i.e.  σv_rel = 4λ²/(π s).

  At √s ≫ m_h the broken-phase sum hh + WW + ZZ tends to the same λ_hs²/(4π s) (Goldstone
  equivalence: hh, Z_L Z_L, W_L⁺W_L⁻ ↔ 1 + 1 + 2 real components) — a test checks this.

Thermal average (Gondolo & Gelmini, Nucl. Phys. B360 (1991) 145, eq. 3.8, for g = 1 and two
identical species)::

    ⟨σv⟩ = 1/(8 m_S⁴ T K₂²(m_S/T)) ∫_{4m_S²}^∞ σ(s) (s − 4m_S²) √s K₁(√s/T) ds
         = ∫_{2m_S}^∞ dE σv_rel(E²) E⁴ β_S(E) K₁e(E/T) e^{−(E − 2m_S)/T} / (8 m_S⁴ T K₂e(m_S/T)²)

with E = √s and K_νe = K_ν eˣ (jaxbsm.cosmology.bessel). Quadrature (fixed, 6 × 81 = 486 nodes):
the E axis from 2m_S to 2m_S + 60T (beyond, the integrand is < e^{-60} of its scale) is split at
the pole m_h and at the thresholds 2m_W, 2m_Z, 2m_h, 2m_t, each clipped into the range so that the
number of panels is fixed (a panel below 2m_S has zero length). Each panel has an 81-node tanh–sinh
rule, which clusters nodes double-exponentially at the panel ends, where the square-root thresholds
(β_S at 2m_S, β_h at 2m_h) sit. The two panels that end on the pole use the variable z,
E = m_h + (Γ_h/2) sinh z: the Breit–Wigner of half-width Γ_h/2 ≈ 2 MeV becomes sech z and the nodes
are log-spaced in |E − m_h|, so the resonance near m_S ≈ m_h/2 is resolved for any distance from
threshold without adaptive steps. Offsets from the threshold and the pole are carried separately to
keep β_S and s − m_h² accurate next to them. Accuracy: ≤ 1e-9 relative against scipy.integrate.quad
with break points and an arctan substitution at the pole (tests; 241-node panels agree to the same
level), limited by the cubic spline of Γ_VV. Cost on one CPU core: ≈ 0.25 ms per (T, m_S, λ) point
batched with vmap (2 shared cores), compile ≈ 1.5 s (value) and ≈ 6 s (gradient).

Symmetric phase in closed form (derived here). With σv_rel = 4λ²/(πs) the Gondolo–Gelmini integral
is ∫_{2m}^∞ E √(E² − 4m²) K₁(E/T) dE = 2m²T K₁(m/T)², checked against quadrature (the identity
∫_a^∞ z√(z² − a²) K₁(z) dz = (a²/2) K₁(a/2)²), so

    ⟨σv⟩_ΦΦ = λ²/(π m_S²) · (K₁(x)/K₂(x))²,    x = m_S/T,

→ λ²/(π m_S²) for T ≪ m_S and λ²/(4πT²) for T ≫ m_S; ``sigma_v_thermal(..., "symmetric")`` uses it.

Rate tables for the Boltzmann solve (issue 18). The solve needs one rate, ⟨σv⟩_eff = ⟨σv⟩ +
2γ_D/n_eq² (``effective_sigma_v``; the h ↔ SS term and SS ↔ SM scattering are both ∝ n_S² − n_eq²).
In the broken phase it is, exactly in the narrow-width identity below and to first order in
Γ(h → SS) = λ² g₁ in the off-shell remainder R of the s-channel,

    ⟨σv⟩_eff,broken = λ² [S(Γ_h^SM) + H₂] + λ³ H₃ + λ⁴ [H₄ + g₁ ∂R/∂Γ_h],

S the unsubtracted s-channel average per λ² at the SM width, H₂,₃,₄ the three powers of λ in |M|² of
SS → hh (A ∝ λ, B ∝ λ²), ∂R/∂Γ = ∂S/∂Γ + (on-shell part)/Γ_h^SM. The only other λ-dependence, Γ_h in
the propagator, is Γ_h^SM(1 + 1.9e4 λ² β_S): its second-order effect is < 1e-6 of the rate for λ ≤ 1e-3
(and the first-order term < 1e-4 even at the threshold-pole corner m_S = 62.59 GeV); exact above m_h/2.
The coefficients depend on (m_S, T) only, so a table in T is made once per m_S and shared by every
(λ, y, m_N) (``rate_table``): ``broken_rate_coefficients`` on n = 96 temperatures uniform in
ln T from 400 GeV (the broken phase weighs < 1e-50 there) to 20 keV, the λ² coefficient with the
on-shell part (analytic in T, ∝ e^{−(m_h − 2m_S)/T}) removed before a natural cubic spline in ln T
of (1 + T²/m_S²) × coefficient, and added back at evaluation. The thermal averages behind the table
use one energy grid for all T: panels [2m_S, c], [c, m_h] (when the pole is above threshold), then
between the thresholds 2m_W, 2m_Z, 2m_h, 2m_t above 2m_S, each with trapezoid nodes in t on
E − a = L(1 − exp(−eᵗ)) — geometric towards the panel's singular end (a threshold √(E − a) or the
pole, down to 1e-7 of the smallest scale there: T_lo, Γ_h/2 or the Boltzmann scale of the channel)
and doubly exponentially flat at the other — 432 nodes in all (``PANEL_NODES``), so the σv(E)
(Γ_h^SM(E), hh) is evaluated once per m_S and each T costs only K₁(E/T)e^{−(E−2m)/T} per node (a
matrix product). Accuracy against ``sigma_v_thermal`` (its 486-node tanh–sinh quadrature at each T,
1e-7 against scipy quad): ≤ 1e-6 (≤ 2e-6 at 80 GeV, where both are limited by the cubic spline
of Γ_VV); with the table's interpolation, ⟨σv⟩_eff within 7e-5 of the direct average at the worst
temperature (m_S within 0.1 GeV of m_h/2, T ~ (m_h − 2m_S)/10), ≤ 2e-5 elsewhere, for 20 GeV ≤ m_S ≤ 1 TeV
and λ ≤ 1e-3 (tests/cosmology/test_higgs_portal.py). Below m_S ≈ 5 GeV the b, c, τ thresholds of Γ_h^SM
fall inside the first panel and limit the table to ~1e-4. Cost: ≈ 0.7 ms per m_S on one core.

Double counting of h → SS (m_S < m_h/2). The s-channel SS → h* → X contains the on-shell part
SS → h, which is the inverse decay. Use either

* ``sigma_v_thermal(..., subtract_on_shell=False)`` alone (the usual freeze-out ⟨σv⟩, as CKSW);
  its resonance reproduces the inverse decays times Γ_h^SM/Γ_h, exact for Γ(h → SS) ≪ Γ_h^SM, or
* ``subtract_on_shell=True`` plus the decay term: the on-shell piece |D_h|² → π δ(s − m_h²)/(m_hΓ_h)
  (the real-intermediate-state subtraction familiar from leptogenesis, e.g. Giudice et al.,
  Nucl. Phys. B685 (2004) 89, hep-ph/0310123) is removed analytically and h ↔ SS enters through ``h_decay_rate_density``. The subtracted ⟨σv⟩ can be
  negative near the pole; only the sum is a rate. ``production_rates`` packages this choice.

Never add the decay term to the unsubtracted ⟨σv⟩: that counts the resonance twice. In the number
density equation (S self-conjugate, one d.o.f.)::

    dn_S/dt + 3H n_S = −⟨σv⟩ (n_S² − n_S,eq²) + 2 γ_D (1 − n_S²/n_S,eq²),
    γ_D = n_h,eq Γ(h → SS) K₁(m_h/T)/K₂(m_h/T) = m_h² T K₁(m_h/T) Γ(h → SS) / (2π²).

Electroweak crossover. T_EW = 160 GeV: the SM crossover temperature 159.5 ± 1.5 GeV of D'Onofrio
& Rummukainen, PRD 93 (2016) 025003, arXiv:1508.07161 (also D'Onofrio, Rummukainen & Tranberg,
PRL 113 (2014) 141602). The seed's regimes switch at T_EW between the symmetric-phase (ΦΦ) and the
broken-phase (hh, WW, ZZ, f f̄, h → SS) rates with zero-temperature masses. Here the switch is
smooth, w_sym(T) = ½[1 + tanh((T − T_EW)/ΔT)] with ΔT = 2 GeV (``broken_fraction`` = 1 − w_sym),
so that the Boltzmann equations stay smooth for a stiff solver and their gradients exist; the
shape of the switch is a modelling choice, not the lattice v(T). Not modelled: thermal masses
(e.g. δm_S² = 2λT²/3 from the portal, the Higgs thermal mass above T_EW), T-dependent v(T) and
masses below T_EW, and the shift 2λv² between the symmetric-phase and physical S mass (≤ 3% of m_S²
for λ ≤ 1e-4, m_S ≥ 20 GeV); the physical m_S is used in both phases.

Units: GeV; σv in GeV⁻², rates in GeV, rate densities in GeV⁴. All functions are jit/vmap/grad-able
and broadcast their array arguments; concrete arguments are validated (jaxbsm.checks).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp

from jaxbsm.checks import require
from jaxbsm.cosmology.bessel import k1e, k2e
from jaxbsm.cosmology.higgs_portal import (
    MH,
    MT,
    MW,
    MZ,
    V,
    gamma_h_sm,
    gamma_h_sm_at_mh,
    gamma_h_to_ss,
    gamma_h_total,
    safe_sqrt,
    tanh_sinh_rule,
)

__all__ = [
    "T_EW",
    "DELTA_T_EW",
    "sigma_v_schannel",
    "sigma_v_hh",
    "sigma_v_broken",
    "sigma_v_symmetric",
    "sigma_v_thermal",
    "sigma_v_on_shell",
    "broken_fraction",
    "h_decay_rate_density",
    "ProductionRates",
    "production_rates",
    "PANEL_NODES",
    "broken_rate_coefficients",
    "RateTable",
    "rate_table",
    "effective_sigma_v",
]


#: Electroweak crossover temperature (GeV): 159.5 ± 1.5 GeV, D'Onofrio & Rummukainen,
#: PRD 93 (2016) 025003, arXiv:1508.07161, rounded.
T_EW = 160.0
#: Width (GeV) of the tanh switch between symmetric and broken phase (a modelling choice).
DELTA_T_EW = 2.0


# --- small helpers -------------------------------------------------------------------------------
def _beta_from_offset(d, m, E):
    """β = (1 − 4m²/E²)^{1/2} from the offset d = E − 2m (accurate near threshold)."""
    return safe_sqrt(d * (d + 4.0 * m)) / E


def _check(where, **kw):
    require(where, "positive", "(GeV)", **kw)


# --- cross sections -----------------------------------------------------------------------------
def _abs_d2(s_minus_mh2, gamma_h):
    return 1.0 / (s_minus_mh2**2 + (MH * gamma_h) ** 2)


def _sv_schannel(E, d_pole, m_S, lam, gamma_h):
    """σv_rel(SS → h* → X) from E = √s and d_pole = E − m_h."""
    s_mh2 = d_pole * (E + MH)
    g2 = (4.0 * lam * V) ** 2
    return 2.0 * g2 * _abs_d2(s_mh2, gamma_h) * gamma_h_sm(E) / E


def _sv_hh(E, d_S, d_hh, m_S, lam, gamma_h):
    """σv_rel(SS → hh) from E, d_S = E − 2m_S and d_hh = E − 2m_h (closed form in cos θ)."""
    s = E**2
    open_ = d_hh > 0.0
    beta_h = _beta_from_offset(d_hh, MH, E)
    beta_s = _beta_from_offset(d_S, m_S, E)
    s_mh2 = s - MH**2
    d2 = _abs_d2(s_mh2, gamma_h)
    re_a = -4.0 * lam * (1.0 + 3.0 * MH**2 * s_mh2 * d2)
    im_a = 4.0 * lam * 3.0 * MH**3 * gamma_h * d2
    B = -((4.0 * lam * V) ** 2)
    # t − m_S² = a + b cosθ with a ≤ −m_h² < 0 where the channel is open; guard the closed region.
    a = jnp.where(open_, MH**2 - 0.5 * s, -(MH**2))
    abs_a = -a
    b = jnp.where(open_, 0.5 * s * beta_s * beta_h, 0.0)
    # a² − b² = m_S²(s − 4m_h²) + m_h⁴ > 0 exactly; |a| − b = (a² − b²)/(|a| + b) without cancellation.
    a2_b2 = jnp.where(open_, m_S**2 * d_hh * (E + 2.0 * MH) + MH**4, MH**4)
    r = b / abs_a
    small = r < 1e-4
    b_big = jnp.where(small, 0.5 * abs_a, b)
    log_ratio = jnp.log1p(2.0 * b_big * (abs_a + b_big) / a2_b2)  # ln((|a| + b)/(|a| − b))
    # I1 = ∫ dc/(a + bc) = −ln((|a|+b)/(|a|−b))/b = −(2/|a|) atanh(r)/r
    i1 = jnp.where(small, -(2.0 / abs_a) * (1.0 + r**2 / 3.0 + r**4 / 5.0), -log_ratio / b_big)
    i2 = 2.0 / a2_b2  # ∫ dc/(a + bc)²
    integral = (
        2.0 * (re_a**2 + im_a**2) + 4.0 * re_a * B * i1 + B**2 * (2.0 * i2 + 2.0 * i1 / a)
    )
    return jnp.where(open_, beta_h / (32.0 * jnp.pi * s) * integral, 0.0)


def _sv_symmetric(E, lam):
    return 4.0 * lam**2 / (jnp.pi * E**2)


def _s_inputs(where, s, m_S, lam):
    _check(where, s=s, m_S=m_S)
    return (jnp.asarray(x, dtype=float) for x in (s, m_S, lam))


@functools.partial(jax.jit, static_argnames="channel")
def _sigma_v_s(s, m_S, lam, channel):
    E = jnp.sqrt(s)
    if channel == "symmetric":
        return _sv_symmetric(E, lam) + 0.0 * m_S
    gh = gamma_h_total(m_S, lam)
    out = 0.0
    if channel in ("schannel", "broken"):
        out = out + _sv_schannel(E, E - MH, m_S, lam, gh)
    if channel in ("hh", "broken"):
        out = out + _sv_hh(E, E - 2.0 * m_S, E - 2.0 * MH, m_S, lam, gh)
    return out


def sigma_v_schannel(s, m_S, lam):
    """σv_rel (GeV⁻²) of SS → h* → all SM final states except hh: 2g_hSS²|D_h|²Γ_h^SM(√s)/√s."""
    return _sigma_v_s(*_s_inputs("sigma_v_schannel", s, m_S, lam), channel="schannel")


def sigma_v_hh(s, m_S, lam):
    """σv_rel (GeV⁻²) of SS → hh (contact, s-channel h, t/u-channel S); zero below s = 4m_h²."""
    return _sigma_v_s(*_s_inputs("sigma_v_hh", s, m_S, lam), channel="hh")


def sigma_v_broken(s, m_S, lam):
    """σv_rel (GeV⁻²) of SS → SM below the crossover: s-channel h (f f̄, VV, …) plus hh."""
    return _sigma_v_s(*_s_inputs("sigma_v_broken", s, m_S, lam), channel="broken")


def sigma_v_symmetric(s, m_S, lam):
    """σv_rel (GeV⁻²) of SS → ΦΦ above the crossover, four massless real d.o.f.: 4λ²/(πs)."""
    return _sigma_v_s(*_s_inputs("sigma_v_symmetric", s, m_S, lam), channel="symmetric")


# --- closed form of the symmetric phase ----------------------------------------------------------
def _sigma_v_symmetric_closed(T, m_S, lam):
    """⟨σv⟩_ΦΦ = λ²/(π m_S²) (K₁(x)/K₂(x))², x = m_S/T (module docstring)."""
    x = m_S / T
    return lam**2 / (jnp.pi * m_S**2) * (k1e(x) / k2e(x)) ** 2


# --- thermal average -----------------------------------------------------------------------------
_N_NODES = 81
_TS_W, _TS_OPX, _ = tanh_sinh_rule(_N_NODES, 3.2)
#: Upper end of the E range in units of T above threshold 2m_S.
_E_RANGE_T = 60.0


def _panel_nodes(a, b, center=None, gamma=None):
    """Nodes E, offsets E − a and weights of the tanh–sinh rule on panels [a, b] (arrays (k,) → (k, n)).

    With a center, the rule acts on z, E = center + γ sinh z, which turns a Breit–Wigner of
    half-width γ at the center into sech z and spaces nodes logarithmically away from it.
    """
    a, b = a[:, None], b[:, None]
    if center is None:
        L = b - a
        step = 0.5 * L * _TS_OPX
        return a + step, step, 0.5 * L * _TS_W
    z_a = jnp.arcsinh((a - center) / gamma)
    z_b = jnp.arcsinh((b - center) / gamma)
    dz = 0.5 * (z_b - z_a) * _TS_OPX
    # E − a = γ (sinh z − sinh z_a) = 2γ cosh(z_a + dz/2) sinh(dz/2), no cancellation near a.
    step = 2.0 * gamma * jnp.cosh(z_a + 0.5 * dz) * jnp.sinh(0.5 * dz)
    weights = 0.5 * (z_b - z_a) * _TS_W * gamma * jnp.cosh(z_a + dz)
    return a + step, step, weights


def _thermal_scalar(T, m_S, lam, phase, subtract_on_shell):
    if phase == "symmetric":
        return _sigma_v_symmetric_closed(T, m_S, lam)
    E0 = 2.0 * m_S
    E_max = E0 + _E_RANGE_T * T
    gamma_h = gamma_h_total(m_S, lam)
    edges = jnp.stack([E0, *(jnp.clip(p, E0, E_max) for p in (MH, 2 * MW, 2 * MZ, 2 * MH, 2 * MT)), E_max])
    # Panels [E0, m_h] and [m_h, 2m_W] use the sinh map centred on the pole; all nodes are then
    # evaluated in one pass (one copy of the integrand in the compiled graph).
    res = _panel_nodes(edges[:2], edges[1:3], MH, 0.5 * gamma_h)
    lin = _panel_nodes(edges[2:-1], edges[3:])
    E, step, weights = (jnp.concatenate([r, q]).ravel() for r, q in zip(res, lin))
    starts = jnp.repeat(edges[:-1], _TS_OPX.size)
    d_S = (starts - E0) + step
    beta_s = _beta_from_offset(d_S, m_S, E)
    sv = _sv_schannel(E, (starts - MH) + step, m_S, lam, gamma_h)
    sv = sv + _sv_hh(E, d_S, (starts - 2.0 * MH) + step, m_S, lam, gamma_h)
    f = sv * (E / m_S) ** 4 * beta_s * k1e(E / T) * jnp.exp(-d_S / T)
    result = jnp.sum(weights.ravel() * f) / (8.0 * T * k2e(m_S / T) ** 2)
    if subtract_on_shell:
        result = result - _on_shell_scalar(T, m_S, lam)
    return result


def _on_shell_scalar(T, m_S, lam):
    """The δ-function (narrow-width) part of the s-channel resonance in ⟨σv⟩."""
    gamma_h = gamma_h_total(m_S, lam)
    beta_s = safe_sqrt(1.0 - 4.0 * m_S**2 / MH**2)
    g2 = (4.0 * lam * V) ** 2
    sv_num = 2.0 * g2 * gamma_h_sm_at_mh() / MH  # σv_rel without |D|², at E = m_h
    delta_weight = jnp.pi / (2.0 * MH**2 * gamma_h)  # |D|² dE → π/(2 m_h² Γ_h) δ(E − m_h)
    # β_S = 0 above m_h/2, where the clipped exponent keeps 0 × e^{+…} from overflowing to NaN
    f = sv_num * (MH / m_S) ** 4 * beta_s * k1e(MH / T) * jnp.exp(-jnp.maximum(MH - 2.0 * m_S, 0.0) / T)
    return delta_weight * f / (8.0 * T * k2e(m_S / T) ** 2)


def _thermal_inputs(where, T, m_S, lam):
    _check(where, T=T, m_S=m_S)
    return (jnp.asarray(x, dtype=float) for x in (T, m_S, lam))


def sigma_v_thermal(T, m_S, lam, phase="broken", subtract_on_shell=False):
    """Gondolo–Gelmini ⟨σv⟩(T) (GeV⁻²) of SS → SM in one phase.

    phase: "broken" (s-channel h into f f̄, WW, ZZ, … plus hh; zero-temperature masses) or
    "symmetric" (SS → ΦΦ, four massless real d.o.f.). subtract_on_shell: remove the on-shell
    SS → h part of the resonance (m_S < m_h/2), to be used together with ``h_decay_rate_density``.
    T, m_S, lam broadcast. Accuracy ~1e-9 relative (module docstring).
    """
    if phase not in ("broken", "symmetric"):
        raise ValueError(f"sigma_v_thermal: phase must be 'broken' or 'symmetric', got {phase!r}")
    T, m_S, lam = _thermal_inputs("sigma_v_thermal", T, m_S, lam)
    return _sigma_v_thermal(T, m_S, lam, phase, bool(subtract_on_shell))


@functools.partial(jax.jit, static_argnums=(3, 4))
def _sigma_v_thermal(T, m_S, lam, phase, subtract_on_shell):
    fn = functools.partial(_thermal_scalar, phase=phase, subtract_on_shell=subtract_on_shell)
    return jnp.vectorize(fn)(T, m_S, lam)


def sigma_v_on_shell(T, m_S, lam):
    """The on-shell (SS → h) part of the broken-phase ⟨σv⟩ (GeV⁻²), zero for m_S ≥ m_h/2.

    n_S,eq² × this = 2γ_D Γ_h^SM/Γ_h (the narrow-width identity with the inverse decays).
    """
    T, m_S, lam = _thermal_inputs("sigma_v_on_shell", T, m_S, lam)
    return _on_shell_vectorized(T, m_S, lam)


_on_shell_vectorized = jax.jit(jnp.vectorize(_on_shell_scalar))


def broken_fraction(T, t_ew=T_EW, delta_t=DELTA_T_EW):
    """Weight of the broken phase, ½[1 − tanh((T − T_EW)/ΔT)]; 1 − this weights the ΦΦ rates."""
    return 0.5 * (1.0 - jnp.tanh((jnp.asarray(T, dtype=float) - t_ew) / delta_t))


def h_decay_rate_density(T, m_S, lam):
    """γ_D = n_h,eq Γ(h → SS) K₁/K₂ = m_h² T K₁(m_h/T) Γ(h → SS)/(2π²) (GeV⁴): h → SS decays per volume
    and time in equilibrium (broken phase, zero-temperature m_h); zero for m_S ≥ m_h/2.
    """
    T, m_S, lam = _thermal_inputs("h_decay_rate_density", T, m_S, lam)
    x = MH / T
    n_k1 = MH**2 * T * k1e(x) * jnp.exp(-x) / (2.0 * jnp.pi**2)
    return n_k1 * gamma_h_to_ss(m_S, lam)


class ProductionRates(NamedTuple):
    """Collision-term ingredients: dn_S/dt + 3Hn_S = −sigma_v (n_S² − n_eq²) + 2 decay (1 − n_S²/n_eq²).

    sigma_v: ⟨σv⟩ (GeV⁻²), the phase-weighted mix of the ΦΦ and broken-phase averages;
    decay: γ_D (GeV⁴) of h → SS weighted by the broken fraction (zero with resonance="scattering").
    """

    sigma_v: jax.Array
    decay: jax.Array


def production_rates(T, m_S, lam, resonance="decay", t_ew=T_EW, delta_t=DELTA_T_EW):
    """The S number-changing rates at temperature T, bridged smoothly across the crossover.

    ⟨σv⟩ = (1 − w_b) ⟨σv⟩_ΦΦ + w_b ⟨σv⟩_broken, w_b = ``broken_fraction(T)``.
    resonance="decay": the broken-phase ⟨σv⟩ has its on-shell SS ↔ h part subtracted and h ↔ SS
    enters as the decay term γ_D (exact for any Γ(h → SS)); "scattering": the unsubtracted ⟨σv⟩
    and no decay term (equivalent when Γ(h → SS) ≪ Γ_h^SM).
    """
    if resonance not in ("decay", "scattering"):
        raise ValueError(f"production_rates: resonance must be 'decay' or 'scattering', got {resonance!r}")
    sub = resonance == "decay"
    w_b = broken_fraction(T, t_ew, delta_t)
    sv = (1.0 - w_b) * sigma_v_thermal(T, m_S, lam, "symmetric") + w_b * sigma_v_thermal(
        T, m_S, lam, "broken", subtract_on_shell=sub
    )
    decay = w_b * h_decay_rate_density(T, m_S, lam) if sub else jnp.zeros_like(sv)
    return ProductionRates(sv, decay)


# --- broken phase on a temperature grid, λ factored out --------------------------------------------
#: Trapezoid nodes per energy panel of ``broken_rate_coefficients`` (panels in its docstring).
PANEL_NODES = (112, 64, 64, 48, 48, 48, 48)
#: Clustering of the nodes at a panel's singular end: offsets down to this fraction of the panel's
#: smallest physical scale (T_lo at the threshold 2m_S, Γ_h/2 at the pole, the Boltzmann scale of a
#: channel opening above threshold).
_CLUSTER = 1e-7
_T_TOP = 40.0  # e^t of the last node: the map's 1 − exp(−e^t) is then 1 − e^{−40}


def _offset_map(t):
    """o/L = 1 − exp(−eᵗ) and d(o/L)/dt: geometric (o ≈ L eᵗ) towards the clustered end, and
    doubly exponentially flat at the other."""
    e = jnp.exp(t)
    return -jnp.expm1(-e), e * jnp.exp(-e)


def _energy_grid(m_S, T_lo, T_hi):
    """Temperature-independent nodes of the broken-phase thermal averages for T in [T_lo, T_hi].

    Returns E, d = E − 2m_S, E − m_h, E − 2m_h and the weights (n,) of ∫ dE over [2m_S, 2m_S + 60 T_hi].
    Panels: [2m_S, c], [c, b₁] (clustered at b₁ = m_h when the pole is above threshold, else empty),
    then [b_k, b_{k+1}] between the thresholds b_k ∈ {m_h, 2m_W, 2m_Z, 2m_h, 2m_t} above 2m_S, sorted
    (empty panels, all at E_max, last). Each panel's nodes cluster geometrically at its singular end.
    """
    e0 = 2.0 * m_S
    e_max = e0 + _E_RANGE_T * T_hi
    gamma = 0.5 * gamma_h_sm_at_mh()
    breaks = jnp.sort(jnp.stack([jnp.where((b > e0) & (b < e_max), b, e_max) for b in (MH, 2 * MW, 2 * MZ, 2 * MH, 2 * MT)]))
    has_pole = MH > e0
    b1 = breaks[0]
    c = jnp.where(has_pole, 0.5 * (e0 + b1), b1)
    edges = [e0, c] + [breaks[k] for k in range(5)] + [e_max]
    nodes = []
    for k, n in enumerate(PANEL_NODES):
        a, b = edges[k], edges[k + 1]
        length = b - a
        if k == 0:
            scale = T_lo
        elif k in (1, 2):  # the two sides of the pole, or (k = 2, no pole) the first threshold
            scale = jnp.where(has_pole, gamma, jnp.maximum(T_lo, (a - e0) / 40.0))
        else:
            scale = jnp.maximum(T_lo, (a - e0) / 40.0)
        empty = length <= 0.0
        safe_len = jnp.where(empty, 1.0, length)
        t_lo = jnp.log(_CLUSTER * scale / safe_len)
        t_hi = jnp.log(_T_TOP)
        t = jnp.linspace(t_lo, t_hi, n)
        h = (t_hi - t_lo) / (n - 1)
        frac, dfrac = _offset_map(t)
        o = jnp.where(empty, 0.0, safe_len * frac)  # an empty panel: nodes at a, zero weights
        w = jnp.where(empty, 0.0, safe_len * dfrac * h) * jnp.ones(n).at[0].set(0.5).at[-1].set(0.5)
        if k == 1:  # clustered at its right end b = m_h
            E, d, d_pole = b - o, (b - e0) - o, -o
        else:
            E, d = a + o, (a - e0) + o
            d_pole = jnp.where(has_pole, o, E - MH) if k == 2 else E - MH
        nodes.append((E, d, d_pole, (a - 2.0 * MH) + o if k > 1 else E - 2.0 * MH, w))
    return tuple(jnp.concatenate(parts) for parts in zip(*nodes))


def _hh_coefficients(E, d_S, d_hh, m_S, gamma_h):
    """σv_rel(SS → hh) = λ² H₂ + λ³ H₃ + λ⁴ H₄ (GeV⁻²) at E = √s: the three powers of ``_sv_hh``."""
    s = E**2
    open_ = d_hh > 0.0
    beta_h = _beta_from_offset(d_hh, MH, E)
    beta_s = _beta_from_offset(d_S, m_S, E)
    s_mh2 = s - MH**2
    d2 = _abs_d2(s_mh2, gamma_h)
    re_a = -4.0 * (1.0 + 3.0 * MH**2 * s_mh2 * d2)
    im_a = 4.0 * 3.0 * MH**3 * gamma_h * d2
    B = -((4.0 * V) ** 2)
    a = jnp.where(open_, MH**2 - 0.5 * s, -(MH**2))
    abs_a = -a
    b = jnp.where(open_, 0.5 * s * beta_s * beta_h, 0.0)
    a2_b2 = jnp.where(open_, m_S**2 * d_hh * (E + 2.0 * MH) + MH**4, MH**4)
    r = b / abs_a
    small = r < 1e-4
    b_big = jnp.where(small, 0.5 * abs_a, b)
    log_ratio = jnp.log1p(2.0 * b_big * (abs_a + b_big) / a2_b2)
    i1 = jnp.where(small, -(2.0 / abs_a) * (1.0 + r**2 / 3.0 + r**4 / 5.0), -log_ratio / b_big)
    i2 = 2.0 / a2_b2
    pref = jnp.where(open_, beta_h / (32.0 * jnp.pi * s), 0.0)
    return pref * 2.0 * (re_a**2 + im_a**2), pref * 4.0 * re_a * B * i1, pref * B**2 * (2.0 * i2 + 2.0 * i1 / a)


def _on_shell_per_lam2(T, m_S):
    """The narrow-width (on-shell SS → h) part of the s-channel average per λ², at Γ_h = Γ_h^SM (GeV⁻²)."""
    beta_s = safe_sqrt(1.0 - 4.0 * m_S**2 / MH**2)
    # 2 g_hSS² Γ_h^SM(m_h)/m_h × π/(2 m_h² Γ_h^SM): the SM width cancels
    sv = 16.0 * jnp.pi * V**2 / MH**3
    f = sv * (MH / m_S) ** 4 * beta_s * k1e(MH / T) * jnp.exp(-jnp.maximum(MH - 2.0 * m_S, 0.0) / T)
    return f / (8.0 * T * k2e(m_S / T) ** 2)


def _broken_coefficients(T, m_S, T_lo, T_hi):
    """(c₂ − on-shell, c₃, c₄)(T) (GeV⁻², shape T.shape + (3,)) for one m_S (``broken_rate_coefficients``)."""
    E, d, d_pole, d_hh, w = _energy_grid(m_S, T_lo, T_hi)
    g_sm = gamma_h_sm_at_mh()
    d2 = _abs_d2(d_pole * (E + MH), g_sm)
    s_chan = 2.0 * (4.0 * V) ** 2 * d2 * gamma_h_sm(E) / E  # σv_rel/λ² of SS → h* → X at Γ_h = Γ_SM
    s_chan_dg = s_chan * (-2.0 * MH**2 * g_sm * d2)  # its ∂/∂Γ_h
    h2, h3, h4 = _hh_coefficients(E, d, d_hh, m_S, g_sm)
    phase_space = (E / m_S) ** 4 * _beta_from_offset(d, m_S, E) * w
    G = jnp.stack([s_chan + h2, h3, h4, s_chan_dg], axis=-1) * phase_space[:, None]  # (n_E, 4)
    Tc = jnp.reshape(T, (-1, 1))
    kernel = k1e(E / Tc) * jnp.exp(-d / Tc)  # (n_T, n_E)
    avg = (kernel @ G) / (8.0 * Tc * k2e(m_S / Tc) ** 2)
    on_shell = _on_shell_per_lam2(Tc[:, 0], m_S)
    # Γ(h → SS) = λ² g₁ changes the remainder R = S − on-shell of the s-channel at first order:
    # ∂R/∂Γ = ∂S/∂Γ + (on-shell)/Γ_SM (module docstring)
    c4 = avg[:, 2] + gamma_h_to_ss(m_S, 1.0) * (avg[:, 3] + on_shell / g_sm)
    return jnp.reshape(jnp.stack([avg[:, 0] - on_shell, avg[:, 1], c4], axis=-1), (*jnp.shape(T), 3))


def broken_rate_coefficients(T, m_S, T_lo, T_hi):
    """Broken-phase rate of SS ↔ SM at temperatures T (GeV) as a polynomial in λ: coefficients (GeV⁻²,
    shape T.shape + (3,)) (R₂, c₃, c₄) with

        ⟨σv⟩_eff,broken = λ² (R₂ + O) + λ³ c₃ + λ⁴ c₄,    O = ``on-shell part``/λ² at Γ_h = Γ_h^SM,

    the effective rate of ``effective_sigma_v`` in the broken phase (module docstring), for one scalar
    m_S (GeV) and T_lo ≤ T ≤ T_hi (the energy grid is built for that range; R₂ is the on-shell-
    subtracted λ² coefficient, smooth in T, O is added analytically by ``effective_sigma_v``).
    """
    _check("broken_rate_coefficients", T=T, m_S=m_S)
    return _broken_coefficients(jnp.asarray(T, dtype=float), jnp.asarray(m_S, dtype=float), T_lo, T_hi)


class RateTable(NamedTuple):
    """``broken_rate_coefficients`` × (1 + T²/m_S²) on n nodes uniform in u = ln(T_hi/T) from T_hi down
    to T_lo, with the second derivatives in u of their natural cubic spline (``rate_table``)."""

    m_S: jax.Array
    log_t_hi: jax.Array
    du: jax.Array
    values: jax.Array  # (n, 3)
    second: jax.Array  # (n, 3)


def _natural_spline_second_derivatives(y, h):
    """M of the natural cubic spline through y (n, k) on a uniform grid of step h (M₀ = M_{n−1} = 0)."""
    n = y.shape[0]
    rhs = 6.0 * (y[2:] - 2.0 * y[1:-1] + y[:-2]) / h**2  # (n − 2, k)
    dl = jnp.full(n - 2, 1.0).at[0].set(0.0)
    du = jnp.full(n - 2, 1.0).at[-1].set(0.0)
    M = jax.lax.linalg.tridiagonal_solve(dl, jnp.full(n - 2, 4.0), du, rhs)
    return jnp.pad(M, ((1, 1), (0, 0)))


def rate_table(m_S, n=96, T_lo=2e-5, T_hi=400.0):
    """RateTable of one scalar m_S (GeV) on n temperatures from T_hi down to T_lo (GeV), for
    ``effective_sigma_v``. Its interpolation error is stated in the module docstring."""
    m_S = jnp.asarray(m_S, dtype=float)
    u = jnp.linspace(0.0, jnp.log(T_hi / T_lo), n)
    T = T_hi * jnp.exp(-u)
    values = _broken_coefficients(T, m_S, T_lo, T_hi) * (1.0 + (T / m_S) ** 2)[:, None]
    du = u[1] - u[0]
    return RateTable(m_S, jnp.log(T_hi), du, values, _natural_spline_second_derivatives(values, du))


def _table_eval(table, T):
    """The spline of a RateTable at temperatures T (clamped to its range): (R₂, c₃, c₄), T.shape + (3,)."""
    n = table.values.shape[0]
    u = jnp.clip(table.log_t_hi - jnp.log(T), 0.0, (n - 1) * table.du)
    i = jnp.clip(jnp.floor(u / table.du).astype(int), 0, n - 2)
    t = (u - i * table.du)[..., None] / table.du
    y0, y1, m0, m1 = table.values[i], table.values[i + 1], table.second[i], table.second[i + 1]
    h2 = table.du**2 / 6.0
    spline = (1.0 - t) * y0 + t * y1 + h2 * (((1.0 - t) ** 3 - (1.0 - t)) * m0 + (t**3 - t) * m1)
    return spline / (1.0 + (T / table.m_S) ** 2)[..., None]


def effective_sigma_v(table, T, lam, t_ew=T_EW, delta_t=DELTA_T_EW):
    """⟨σv⟩_eff (GeV⁻²) at temperatures T (GeV) for the RateTable of m_S: the one rate with which

        dn_S/dt + 3H n_S = −⟨σv⟩_eff (n_S² − n_S,eq²)

    is the equation of ``production_rates`` (resonance="decay"): ⟨σv⟩_eff = ⟨σv⟩ + 2γ_D/n_S,eq²,
    = (1 − w_b) ⟨σv⟩_ΦΦ + w_b ⟨σv⟩_broken,unsubtracted at Γ_h → Γ_h^SM + O(λ⁴) (module docstring).
    The symmetric phase is the closed form, the broken phase the table's spline plus the analytic
    on-shell part. T (inside the table's range for the broken phase) and lam broadcast.
    """
    T = jnp.asarray(T, dtype=float)
    lam = jnp.asarray(lam, dtype=float)
    w_b = broken_fraction(T, t_ew, delta_t)
    c = _table_eval(table, T)
    brk = lam**2 * (c[..., 0] + _on_shell_per_lam2(T, table.m_S)) + lam**3 * c[..., 1] + lam**4 * c[..., 2]
    return (1.0 - w_b) * _sigma_v_symmetric_closed(T, table.m_S, lam) + w_b * brk
