r"""Higgs-portal singlet S of the scalar-decay model: couplings, the decay widths Γ(S → NN) and Γ(h → SS),
and the SM width of a Higgs boson of any mass (the propagator of the s-channel cross sections) (issue 4).

The SS ↔ SM cross sections, their thermal averages and the rates across the electroweak crossover
are in ``jaxbsm.cosmology.portal_rates``.

Model (seed 003; König, Merle, Totzauer, JCAP 1611 (2016) 038, arXiv:1609.01289, §2; Merle &
Totzauer, JCAP 1506 (2015) 011, arXiv:1502.01011)::

    V ⊃ −μ_Φ² Φ†Φ − ½ μ_S² S² + λ_Φ (Φ†Φ)² + (λ_S/4) S⁴ + 2λ (Φ†Φ) S²,      L ⊃ −(y/2) S N̄ᶜN + h.c.

Couplings (derived here). With Φ = (G⁺, (v + h + iG⁰)/√2) (Goldstones kept),
Φ†Φ = ½ Σᵢ φᵢ² over the four real components, so 2λ Φ†Φ S² = λ Σᵢ φᵢ² S². Below the crossover
(φ₃ → v + h, v = (√2 G_F)^{-1/2} = 246.22 GeV = constants.V_HIGGS):

    2λ Φ†Φ S² ⊃ λ v² S² + 2λ v h S² + λ h² S²,

* physical mass  m_S² = −μ_S² + 2λ v²  (m_S is the input; ``mu_s_squared`` gives μ_S²);
* h S S vertex  −i g_hSS,  g_hSS = 2!·2λv = 4λv;
* h h S S vertex  −i g_hhSS,  g_hhSS = 2!·2!·λ = 4λ;
* above the crossover the S S φᵢ φᵢ vertex of each of the four real Higgs components is −4iλ.

Other conventions: Cline, Kainulainen, Scott & Weniger (CKSW), PRD 88 (2013) 055025,
arXiv:1306.4710, write V ⊃ ½ λ_hs S² |H|², so λ_hs = 4λ (``lambda_hs_cksw``); their g_hSS = λ_hs v.

Majorana factor of S → NN. N is a Weyl (right-handed) field; with the Majorana spinor
ψ = N + Nᶜ, (y/2) S N̄ᶜN + h.c. = (y/2) S ψ̄ψ for real y. The two Wick contractions of ψψ cancel
the ½, the vertex is −iy, Σ|M|² = y² Tr[(p̸₁ + m_N)(p̸₂ − m_N)] = 2y² m_S² β², and the identical
final state halves the phase space::

    Γ(S → NN) = y² m_S β_N³ / (16π),   β_N = (1 − 4 m_N²/m_S²)^{1/2}

(a Dirac fermion with −y S ψ̄ψ would give twice this). Likewise, with |M| = g_hSS and a factor ½
for identical S (CKSW's invisible width with λ_hs = 4λ)::

    Γ(h → SS) = g_hSS² β_S / (32π m_h) = λ² v² β_S / (2π m_h),   β_S = (1 − 4 m_S²/m_h²)^{1/2}.

SM Higgs width at mass M (``gamma_h_sm``). Normalised to the LHC Higgs Cross Section Working Group
(YR4, de Florian et al., arXiv:1610.07922) SM prediction at m_H = 125.09 GeV, Γ = 4.088 MeV, and
its branching ratios (HBR_YR4 below), and continued in M by the leading-order M-dependence of each
channel:

* f = b, c, τ, μ: Γ_f ∝ M β_f³ (running of m_q(M) neglected: bb̄ ~30% high at 1 TeV, where it is
  < 1e-4 of the total); t t̄: tree level,
  N_c m_t² M β_t³/(8π v²), pole mass;
* gg, γγ: ∝ M³ (heavy-top limit; crude above 2m_t, where these are < 10⁻³ of the total);
  Zγ: ∝ M³ (1 − m_Z²/M²)³;
* W W, Z Z: tree-level width with both bosons off shell (a Breit–Wigner in each invariant mass, as
  in Djouadi, Phys. Rept. 457 (2008) 1, hep-ph/0503172, §2; formula in ``_gamma_vv_tree``), rescaled
  by a constant so that it equals the YR4 value at 125.09 GeV (×1.034 WW, ×1.018 ZZ); tabulated once per process
  (tanh–sinh quadrature, 1e-10; ≈ 0.6 s on first use) on 2 GeV ≤ M ≤ 1e5 GeV and interpolated by a
  cubic spline in (ln M, ln Γ) on 638 knots, power-law continued outside.

At M = m_h = 125.20 GeV this gives Γ_h^SM = 4.10 MeV (``gamma_h_sm_at_mh``). The propagator uses
the constant width Γ_h = Γ_h^SM(m_h) + Γ(h → SS). Accuracy of the shape: a few % for WW/ZZ
(missing EW corrections; the constant YR4 factor and the Breit–Wigner smearing leave WW + ZZ ≈ 1%
above the Goldstone limit at √s ≫ 2m_V), tens of % for the fermion part far above m_h where it is
negligible; the loop-induced channels above 2m_t are not modelled (negligible).

Units: GeV; widths in GeV. All functions are jit/vmap/grad-able and broadcast their array
arguments; concrete arguments are validated (jaxbsm.checks).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from scipy.interpolate import CubicSpline

from jaxbsm.checks import require
from jaxbsm.constants import (
    G_FERMI,
    GAMMA_W,
    GAMMA_Z,
    M_BOTTOM_MSBAR,
    M_CHARM_MSBAR,
    M_H,
    M_MUON,
    M_TAU,
    M_TOP_POLE,
    M_W,
    M_Z,
    V_HIGGS,
)

__all__ = [
    "HBR_YR4",
    "couplings",
    "lambda_hs_cksw",
    "mu_s_squared",
    "gamma_h_to_ss",
    "gamma_s_to_nn",
    "gamma_h_sm",
    "gamma_h_sm_at_mh",
    "gamma_h_total",
    "safe_sqrt",
    "tanh_sinh_rule",
]

# --- inputs --------------------------------------------------------------------------------------
V = V_HIGGS.value
MH = M_H.value
MW, MZ, GW, GZ = M_W.value, M_Z.value, GAMMA_W.value, GAMMA_Z.value
MT = M_TOP_POLE.value

#: SM Higgs width and branching ratios at m_H = 125.09 GeV, LHC HXSWG Yellow Report 4
#: (D. de Florian et al., CERN-2017-002-M, arXiv:1610.07922), Table of SM Higgs branching ratios.
M_H_YR4 = 125.09
GAMMA_H_YR4 = 4.088e-3
HBR_YR4 = {
    "bb": 5.809e-1,
    "tautau": 6.256e-2,
    "mumu": 2.171e-4,
    "cc": 2.884e-2,
    "gg": 8.180e-2,
    "gammagamma": 2.270e-3,
    "Zgamma": 1.541e-3,
    "WW": 2.152e-1,
    "ZZ": 2.641e-2,
}
_FERMION_MASS = {
    "bb": M_BOTTOM_MSBAR.value,
    "cc": M_CHARM_MSBAR.value,
    "tautau": M_TAU.value,
    "mumu": M_MUON.value,
}


# --- numerical helpers (also used by portal_rates) -------------------------------------------------
def safe_sqrt(x):
    """√max(x, 0) (same units as √x) with a finite (zero) gradient where x ≤ 0."""
    pos = x > 0.0
    return jnp.where(pos, jnp.sqrt(jnp.where(pos, x, 1.0)), 0.0)


def tanh_sinh_rule(n, tmax):
    """Tanh–sinh rule of n nodes on [−1, 1] (step in t up to ±tmax; numpy): weights and the complements
    1 + x, 1 − x of the nodes x (exact near the ends, where the nodes cluster double-exponentially)."""
    t = np.linspace(-tmax, tmax, n)
    h = t[1] - t[0]
    u = 0.5 * np.pi * np.sinh(t)
    w = h * 0.5 * np.pi * np.cosh(t) / np.cosh(u) ** 2
    return w, 2.0 / (1.0 + np.exp(-2.0 * u)), 2.0 / (1.0 + np.exp(2.0 * u))


def _check(where, **kw):
    pos = {k: v for k, v in kw.items() if k in ("m_S", "M", "m_h")}
    if pos:
        require(where, "positive", "(GeV)", **pos)
    if "m_N" in kw:
        require(where, "nonnegative", "(GeV)", m_N=kw["m_N"])


# --- couplings and widths ------------------------------------------------------------------------
def couplings(lam):
    """Broken-phase couplings from the seed's 2λ(Φ†Φ)S²: dict with g_hSS = 4λv (GeV) and g_hhSS = 4λ.

    Feynman rules −i g; the symmetric-phase S S φᵢ φᵢ vertex is −4iλ for each real component φᵢ.
    """
    lam = jnp.asarray(lam, dtype=float)
    return {"g_hSS": 4.0 * lam * V, "g_hhSS": 4.0 * lam, "g_SSphiphi": 4.0 * lam}


def lambda_hs_cksw(lam):
    """λ_hs of Cline–Kainulainen–Scott–Weniger (V ⊃ ½λ_hs S²|H|²) for the seed's λ: λ_hs = 4λ."""
    return 4.0 * jnp.asarray(lam, dtype=float)


def mu_s_squared(m_S, lam):
    """μ_S² (GeV²) in V ⊃ −½μ_S² S² for physical mass m_S: m_S² = −μ_S² + 2λv²."""
    _check("mu_s_squared", m_S=m_S)
    return 2.0 * jnp.asarray(lam, dtype=float) * V**2 - jnp.asarray(m_S, dtype=float) ** 2


def gamma_h_to_ss(m_S, lam, m_h=MH):
    """Γ(h → SS) = λ² v² β_S/(2π m_h) (GeV), β_S = (1 − 4m_S²/m_h²)^{1/2}; zero for m_S ≥ m_h/2."""
    _check("gamma_h_to_ss", m_S=m_S, m_h=m_h)
    m_S = jnp.asarray(m_S, dtype=float)
    lam = jnp.asarray(lam, dtype=float)
    beta = safe_sqrt(1.0 - 4.0 * m_S**2 / m_h**2)
    return lam**2 * V**2 * beta / (2.0 * jnp.pi * m_h)


def gamma_s_to_nn(m_S, y, m_N):
    """Γ(S → NN) = y² m_S β_N³/(16π) (GeV), β_N = (1 − 4m_N²/m_S²)^{1/2}, Majorana N, L ⊃ −(y/2)S N̄ᶜN."""
    _check("gamma_s_to_nn", m_S=m_S, m_N=m_N)
    m_S = jnp.asarray(m_S, dtype=float)
    y = jnp.asarray(y)
    beta = safe_sqrt(1.0 - 4.0 * jnp.asarray(m_N, dtype=float) ** 2 / m_S**2)
    return jnp.abs(y) ** 2 * m_S * beta**3 / (16.0 * jnp.pi)


# --- SM Higgs width at mass M ------------------------------------------------------------------
def _gamma_vv_tree(M, m_v, g_v, delta, n=61):
    """Tree-level Γ(h → V*V*) (GeV) at Higgs masses M (numpy array), both V off shell.

    Γ = π⁻² ∫∫ dq₁² dq₂² BW(q₁²) BW(q₂²) Γ₀, q₁ + q₂ ≤ M, BW = m_VΓ_V/((q² − m_V²)² + m_V²Γ_V²),
    Γ₀ = δ_V G_F M³/(16√2 π) λ^{1/2}(x, y) [λ(x, y) + 12xy], x = q₁²/M², y = q₂²/M², δ_W = 2, δ_Z = 1.
    Each q² is mapped to θ = arctan((q² − m_V²)/(m_VΓ_V)), which flattens its Breit–Wigner; the
    outer θ₁ range is split where q₁ = M − m_V (the inner peak leaves the range there), and each
    range uses an n-node tanh–sinh rule (relative accuracy ~1e-10 at n = 61).
    """
    M = np.atleast_1d(np.asarray(M, dtype=float))
    w, opx, _ = tanh_sinh_rule(n, 3.2)
    mg = m_v * g_v
    t_lo = np.arctan(-(m_v**2) / mg)
    t_hi = np.arctan((M**2 - m_v**2) / mg)
    q_mid = np.maximum(M - m_v, 0.0)
    t_mid = np.arctan((q_mid**2 - m_v**2) / mg)
    pref = delta * G_FERMI.value * M**3 / (16.0 * np.sqrt(2.0) * np.pi)
    total = np.zeros_like(M)
    for a, b in ((np.full_like(M, t_lo), t_mid), (t_mid, t_hi)):
        th1 = a[:, None] + (b - a)[:, None] * opx / 2.0
        w1 = w * (b - a)[:, None] / 2.0
        q1s = np.clip(m_v**2 + mg * np.tan(th1), 0.0, (M**2)[:, None])
        q2max = (M[:, None] - np.sqrt(q1s)) ** 2
        t2 = np.arctan((q2max - m_v**2) / mg)
        th2 = t_lo + (t2 - t_lo)[..., None] * opx / 2.0
        w2 = w * (t2 - t_lo)[..., None] / 2.0
        q2s = np.maximum(m_v**2 + mg * np.tan(th2), 0.0)
        x = q1s[..., None] / (M**2)[:, None, None]
        y = q2s / (M**2)[:, None, None]
        lam = np.maximum((1.0 - x - y) ** 2 - 4.0 * x * y, 0.0)
        g0 = np.sqrt(lam) * (lam + 12.0 * x * y)
        total += np.sum(w1[..., None] * w2 * g0, axis=(1, 2))
    return pref * total / np.pi**2


# Knots in ln M: three uniform pieces (2–50, 50–400, 400–1e5 GeV; dense around the W/Z thresholds),
# so that the interval of a point is computed, not searched.
_VV_SEGMENTS = ((np.log(2.0), np.log(50.0), 59), (np.log(50.0), np.log(400.0), 419), (np.log(400.0), np.log(1e5), 159))
_VV_LNM = np.concatenate(
    [lo + (hi - lo) / n * np.arange(n) for lo, hi, n in _VV_SEGMENTS] + [[_VV_SEGMENTS[-1][1]]]
)
_VV_GRID = np.exp(_VV_LNM)


class _VVTable(NamedTuple):
    """Cubic splines of ln Γ_VV(ln M) for V = W, Z on a common grid (scipy PPoly layout)."""

    knots: np.ndarray  # ln M, (n,)
    coeffs: np.ndarray  # (2, 4, n − 1)
    end_values: np.ndarray  # (2, 2): [channel, lower/upper end]
    end_slopes: np.ndarray  # (2, 2)
    norm: np.ndarray  # (2,): YR4 / tree at M_H_YR4


@functools.cache
def _vv_table() -> _VVTable:
    """Tabulate the off-shell WW and ZZ widths once (≈0.5 s) and fit the splines (cached)."""
    lnm = _VV_LNM
    coeffs, ends, slopes, norms = [], [], [], []
    for channel, (m_v, g_v, delta) in (("WW", (MW, GW, 2.0)), ("ZZ", (MZ, GZ, 1.0))):
        values = np.concatenate(
            [_gamma_vv_tree(chunk, m_v, g_v, delta) for chunk in np.array_split(_VV_GRID, 8)]
        )
        spline = CubicSpline(lnm, np.log(values))
        deriv = spline.derivative()
        coeffs.append(spline.c)
        ends.append([spline(lnm[0]), spline(lnm[-1])])
        slopes.append([deriv(lnm[0]), deriv(lnm[-1])])
        tree = float(_gamma_vv_tree(np.array([M_H_YR4]), m_v, g_v, delta)[0])
        norms.append(GAMMA_H_YR4 * HBR_YR4[channel] / tree)
    return _VVTable(lnm, np.stack(coeffs), np.array(ends), np.array(slopes), np.array(norms))


def _gamma_vv(M):
    """Γ(h → WW) + Γ(h → ZZ) (GeV) at Higgs mass M, both bosons off shell (from the spline)."""
    tab = _vv_table()
    lnM = jnp.log(M)[..., None]  # trailing axis: channel
    knots = tab.knots
    x = lnM[..., 0]
    i, offset = 0, 0
    for k, (lo, hi, n) in enumerate(_VV_SEGMENTS):
        in_seg = x >= lo if k else True
        i = jnp.where(in_seg, offset + jnp.floor((x - lo) * (n / (hi - lo))), i)
        offset += n
    i = jnp.clip(i, 0, knots.size - 2).astype(int)
    dx = (lnM[..., 0] - jnp.asarray(knots)[i])[..., None]
    c = jnp.moveaxis(jnp.asarray(tab.coeffs)[:, :, i], (0, 1), (-1, 0))  # (4, ..., 2)
    inside = ((c[0] * dx + c[1]) * dx + c[2]) * dx + c[3]
    below = tab.end_values[:, 0] + tab.end_slopes[:, 0] * (lnM - knots[0])
    above = tab.end_values[:, 1] + tab.end_slopes[:, 1] * (lnM - knots[-1])
    ln_g = jnp.where(lnM < knots[0], below, jnp.where(lnM > knots[-1], above, inside))
    return jnp.sum(tab.norm * jnp.exp(ln_g), axis=-1)


_F_MASS = np.array([_FERMION_MASS[ch] for ch in _FERMION_MASS])
_F_WIDTH0 = np.array([GAMMA_H_YR4 * HBR_YR4[ch] for ch in _FERMION_MASS])
_F_BETA0 = np.sqrt(1.0 - 4.0 * _F_MASS**2 / M_H_YR4**2)


def _gamma_h_sm(M):
    """Γ_h^SM(M) without input checks (M > 0, any shape)."""
    M = jnp.asarray(M, dtype=float)
    r = M / M_H_YR4
    beta_f = safe_sqrt(1.0 - 4.0 * _F_MASS**2 / M[..., None] ** 2) / _F_BETA0
    total = r * jnp.sum(_F_WIDTH0 * beta_f**3, axis=-1)
    beta_t = safe_sqrt(1.0 - 4.0 * MT**2 / M**2)
    total = total + 3.0 * MT**2 * M * beta_t**3 / (8.0 * jnp.pi * V**2)
    zg = jnp.maximum(1.0 - MZ**2 / M**2, 0.0) / (1.0 - MZ**2 / M_H_YR4**2)
    loops = HBR_YR4["gg"] + HBR_YR4["gammagamma"] + HBR_YR4["Zgamma"] * zg**3
    total = total + GAMMA_H_YR4 * r**3 * loops
    return total + _gamma_vv(M)


_gamma_h_sm_jit = jax.jit(_gamma_h_sm)


def gamma_h_sm(M):
    """SM width (GeV) of a Higgs boson of mass M (GeV): all SM channels except hh, off-shell W/Z incl.

    This is the Γ_h(√s) of the s-channel cross section (CKSW eq. 5). Normalised to the YR4 width
    4.088 MeV at 125.09 GeV (module docstring for the M-dependence and its accuracy).
    """
    _check("gamma_h_sm", M=M)
    return _gamma_h_sm_jit(M)


@functools.cache
def gamma_h_sm_at_mh() -> float:
    """Γ_h^SM(m_h) at m_h = constants.M_H (GeV): 4.10 MeV; the SM part of the propagator width."""
    with jax.ensure_compile_time_eval():  # a constant even when first needed inside a trace
        return float(_gamma_h_sm_jit(MH))


def gamma_h_total(m_S, lam):
    """Total Higgs width in the propagator, Γ_h = Γ_h^SM(m_h) + Γ(h → SS) (GeV)."""
    return gamma_h_sm_at_mh() + gamma_h_to_ss(m_S, lam)
