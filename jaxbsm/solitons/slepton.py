"""Kusenko's slepton toy model of L-balls (hep-ph/9704273, eqs. 17–19; units GeV, GeV²).

Fields and charges. H (Higgs, U(1)_L charge 0), L̃ (left-handed slepton, charge 1), l̃ (right-handed
slepton, charge 1): ``SLEPTON_CHARGES = (0, 1, 1)``. All are canonical complex fields (kinetic |∂Φ|²,
mass terms m²|Φ|² as written in eq. 17); the code works with their moduli φ = (h, L, l) ≥ 0 at
the relative phase that makes the trilinear term negative (only |yA| matters: y > 0, A ≥ 0 here).
Eq. 17 then reads

    U = m_H² h² + m_L² L² + m_l² l² − 2yA hLl + y²(h²L² + h²l² + L²l²) + V_D,
    V_D = (g₁²/8)(h² − L²)² + (g₂²/8)(h² + L² − 2l²)²      (exactly as in the seed),

with the Higgs vev neglected (as in the paper). Eq. 18: h = F sin ξ, L = F cos ξ sin θ,
l = F cos ξ cos θ (F ≥ 0, ξ, θ ∈ [0, π/2]). In the canonical normalisation of
jaxbsm.solitons.existence the thin-wall energy per charge squared is μ² = U / (L² + l²) (Kusenko's
2U/(…) is for fields with kinetic term ½|∂φ|²; with the canonical fields of eq. 17 the factor 2
would make a free slepton have μ² = 2m²), and eq. 19 becomes

    μ²(F, ξ, θ) = [γ₂ − yA γ₃ F + γ₄ F²] / cos²ξ,
    γ₂ = m_H² s² + c²(m_L² sin²θ + m_l² cos²θ),   γ₃ = c² s sin 2θ  (Kusenko's γ₃),
    γ₄ = y²(s²c² + c⁴ sin²θ cos²θ) + (g₁²/8)(s² − c² sin²θ)² + (g₂²/8)(s² + c² sin²θ − 2c² cos²θ)²,

s = sin ξ, c = cos ξ. Minimising over F: F* = yAγ₃/(2γ₄), μ²(ξ, θ) = [γ₂ − (yAγ₃)²/(4γ₄)]/c².
The threshold is the lightest charged mass², m2_free = min(m_L², m_l²).

Analytic results without D-terms (g₁ = g₂ = 0; write T = tan²ξ, σ = sin²θ, u² = σ(1 − σ)):

    μ²(ξ, θ) = m_l² + (m_L² − m_l²) σ + m_H² T − A² T u² / (T + u²),

independent of y (y only sets the field scale F* ∝ 1/y).

* m_L = m_l = m: θ* = π/4 and, with t = sin²ξ, μ²(t) = m² + m_H² t/(1 − t) − A² t/(1 + 3t)
  (for m_H = m: m²/(1 − t) − A² t/(1 + 3t)). For A > m_H the minimum is at
  t* = (A − m_H)/(A + 3m_H), F* = √((A − m_H)(A + 3m_H))/(2y), with

      μ²_min = m² − (A − m_H)²/4        (m_H = m: (3m − A)(m + A)/4);

  for A ≤ m_H, μ² > m² at every t > 0 and the infimum m² is reached only at ξ → 0, F → 0
  (along ξ = 0, μ² ≡ m² on the flat rays of pure sleptons): no Q-ball.
* General masses: minimising over T (a quadratic after multiplying by T + u²), Q-balls exist iff
  A > m_H + √(|m_L² − m_l²| / (1 − σ)) for some σ, i.e. iff

      A > A_exist = m_H + √|m_L² − m_l²|       (approached at small ξ and θ toward the light slepton).

* U < 0 somewhere (charge-breaking minimum deeper than the origin, the exact CCB bound of this
  toy): along a ray U = aF² − bF³ + cF⁴ is negative iff b² > 4ac, i.e.
  A² > (Σ m_i² w_i)(Σ 1/w_i) with w_i the squared direction components; by Cauchy–Schwarz the
  minimum over directions is (m_H + m_L + m_l)² at w_i ∝ 1/m_i, so U < 0 somewhere iff

      A > A_ccb = m_H + m_L + m_l

  (for equal masses this is A > 3m, where μ²_min = (3m − A)(m + A)/4 turns negative). The classic
  bound A² < 3(m_H² + m_L² + m_l²) is the D-flat direction h = L = l only; it coincides for equal
  masses and is weaker otherwise.

So the window with stable L-balls and a stable origin is m_H + √|m_L² − m_l²| < A ≤ m_H + m_L + m_l
(never empty). Kusenko's statement that L-balls exist for every yA ≠ 0 holds only when this
threshold vanishes: a massless Higgs (m_H → 0) and degenerate sleptons. For a Higgs heavier than
A they do not exist; for m_H = m_L = m_l = m they need A > m.

With D-terms and m_L = m_l = m, μ²(T, σ) − m² = T [m_H² − y²A² u² / G(T, σ)] with
G = y²(T + u²) + (g₁²/8)(T − σ)² + (g₂²/8)(T + 3σ − 2)², so Q-balls exist iff A > K m_H with

    K² = min_{T ≥ 0, σ} G(T, σ) / (y² u²),     1 ≤ K ≤ √3

(K = 1 at g = 0; the D-flat point T = σ = ½, i.e. h = L = l, gives 3, the limit of large g/y);
the threshold is still independent of m (``higgs_threshold_factor``). The small-ξ expansion alone
(T → 0) would give min_σ G(0, σ)/(y²u²), larger than K² when the D-terms fall as T grows.
"""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx
from jax.typing import ArrayLike

from jaxbsm.checks import is_concrete, require
from jaxbsm.solitons.existence import Mu2Search, mu2_search, start_points

__all__ = [
    "SLEPTON_CHARGES",
    "SleptonParams",
    "SleptonScan",
    "equal_slepton_minimum",
    "existence_scan",
    "existence_window",
    "higgs_threshold_factor",
    "slepton_fields",
    "slepton_mu2",
    "slepton_mu2_profile",
    "slepton_potential",
]

#: U(1)_L charges of (H, L̃, l̃).
SLEPTON_CHARGES = (0.0, 1.0, 1.0)


class SleptonParams(NamedTuple):
    """Parameters of eq. 17: soft masses m_H, m_L, m_l (GeV, m_H ≥ 0, m_L, m_l > 0), Yukawa y > 0,
    trilinear A ≥ 0 (GeV), gauge couplings g1, g2 ≥ 0 of V_D."""

    m_H: ArrayLike
    m_L: ArrayLike
    m_l: ArrayLike
    y: ArrayLike
    A: ArrayLike
    g1: ArrayLike = 0.0
    g2: ArrayLike = 0.0


def _check(where: str, p: SleptonParams) -> None:
    require(where, "nonnegative", "(GeV)", m_H=p.m_H, A=p.A)
    require(where, "positive", "(GeV)", m_L=p.m_L, m_l=p.m_l)
    require(where, "positive", y=p.y)
    require(where, "nonnegative", g1=p.g1, g2=p.g2)


def _check_angles(where: str, **angles) -> None:
    for name, a in angles.items():
        if is_concrete(a) and not np.all(
            (np.asarray(a) >= 0) & (np.asarray(a) <= math.pi / 2)
        ):
            raise ValueError(
                f"{where}: {name} must be in [0, pi/2] (rad), got {np.asarray(a)!r}"
            )


def slepton_potential(phi, p: SleptonParams):
    """U(h, L, l) of eq. 17 in GeV⁴ for canonical moduli phi = (h, L, l) ≥ 0 (GeV), trilinear phase
    chosen negative (module docstring)."""
    _check("slepton_potential", p)
    h2, L2, l2 = phi[0] ** 2, phi[1] ** 2, phi[2] ** 2
    return (
        p.m_H**2 * h2
        + p.m_L**2 * L2
        + p.m_l**2 * l2
        - 2 * p.y * p.A * phi[0] * phi[1] * phi[2]
        + p.y**2 * (h2 * L2 + h2 * l2 + L2 * l2)
        + p.g1**2 / 8 * (h2 - L2) ** 2
        + p.g2**2 / 8 * (h2 + L2 - 2 * l2) ** 2
    )


def slepton_fields(F, xi, theta):
    """Eq. 18: (h, L, l) = F (sin ξ, cos ξ sin θ, cos ξ cos θ) in GeV, stacked on the last axis."""
    require("slepton_fields", "nonnegative", "(GeV)", F=F)
    _check_angles("slepton_fields", xi=xi, theta=theta)
    c = jnp.cos(xi)
    return jnp.stack(
        jnp.broadcast_arrays(
            F * jnp.sin(xi), F * c * jnp.sin(theta), F * c * jnp.cos(theta)
        ),
        axis=-1,
    )


def _gammas(xi, theta, p: SleptonParams):
    s, c = jnp.sin(xi), jnp.cos(xi)
    st, ct = jnp.sin(theta), jnp.cos(theta)
    g2 = p.m_H**2 * s**2 + c**2 * (p.m_L**2 * st**2 + p.m_l**2 * ct**2)
    g3 = c**2 * s * jnp.sin(2 * theta)
    g4 = (
        p.y**2 * (s**2 * c**2 + c**4 * st**2 * ct**2)
        + p.g1**2 / 8 * (s**2 - c**2 * st**2) ** 2
        + p.g2**2 / 8 * (s**2 + c**2 * st**2 - 2 * c**2 * ct**2) ** 2
    )
    return g2, g3, g4


def slepton_mu2(F, xi, theta, p: SleptonParams):
    """Eq. 19 in canonical normalisation: μ² = U/(L² + l²) = [γ₂ − yAγ₃F + γ₄F²]/cos²ξ (GeV²).

    F ≥ 0 (GeV), ξ ∈ [0, π/2), θ ∈ [0, π/2] (rad).
    """
    _check("slepton_mu2", p)
    require("slepton_mu2", "nonnegative", "(GeV)", F=F)
    _check_angles("slepton_mu2", xi=xi, theta=theta)
    g2, g3, g4 = _gammas(xi, theta, p)
    return (g2 - p.y * p.A * g3 * F + g4 * F**2) / jnp.cos(xi) ** 2


def slepton_mu2_profile(xi, theta, p: SleptonParams):
    """min over F of eq. 19 at fixed angles: returns (μ² in GeV², F* = yAγ₃/(2γ₄) in GeV).

    ξ ∈ [0, π/2), θ ∈ [0, π/2] (rad); where γ₄ = 0 (ξ = 0 and θ ∈ {0, π/2} without D-terms) μ² is
    F-independent and F* = 0 is returned.
    """
    _check("slepton_mu2_profile", p)
    _check_angles("slepton_mu2_profile", xi=xi, theta=theta)
    g2, g3, g4 = _gammas(xi, theta, p)
    b = p.y * p.A * g3
    safe = jnp.where(g4 > 0, g4, 1.0)
    F = jnp.where(g4 > 0, b / (2 * safe), 0.0)
    return (g2 - jnp.where(g4 > 0, b**2 / (4 * safe), 0.0)) / jnp.cos(xi) ** 2, F


def equal_slepton_minimum(m_H, m, y, A):
    """Analytic global minimum of μ² for m_L = m_l = m and no D-terms (module docstring).

    Returns (μ²_min in GeV², F* in GeV, ξ*, θ* in rad): for A > m_H, μ²_min = m² − (A − m_H)²/4 at
    sin²ξ* = (A − m_H)/(A + 3m_H), θ* = π/4, F* = √((A − m_H)(A + 3m_H))/(2y); for A ≤ m_H the
    infimum m² is not attained (F* = ξ* = 0 returned, θ* = π/4).
    """
    _check("equal_slepton_minimum", SleptonParams(m_H, m, m, y, A))
    d = jnp.maximum(A - m_H, 0.0)
    t = d / (A + 3 * m_H)
    return (
        m**2 - d**2 / 4,
        jnp.sqrt(d * (A + 3 * m_H)) / (2 * y),
        jnp.arcsin(jnp.sqrt(t)),
        jnp.full_like(t, jnp.pi / 4),
    )


def existence_window(m_H, m_L, m_l):
    """(A_exist, A_ccb) in GeV for g₁ = g₂ = 0 and any y > 0 (module docstring).

    Stable L-balls exist iff A > A_exist = m_H + √|m_L² − m_l²|; U < 0 somewhere (charge-breaking
    minimum below the origin) iff A > A_ccb = m_H + m_L + m_l.
    """
    require("existence_window", "nonnegative", "(GeV)", m_H=m_H)
    require("existence_window", "positive", "(GeV)", m_L=m_L, m_l=m_l)
    return m_H + jnp.sqrt(jnp.abs(m_L**2 - m_l**2)), m_H + m_L + m_l


def _k2_of_sigma(sigma, y, g1, g2):
    """min over T ≥ 0 of G(T, σ)/(y²u²) (quadratic in T; module docstring)."""
    u2 = sigma * (1 - sigma)
    gs = g1**2 + g2**2
    T = jnp.maximum(
        (g1**2 * sigma + g2**2 * (2 - 3 * sigma) - 4 * y**2)
        / jnp.where(gs > 0, gs, 1.0),
        0.0,
    )
    T = jnp.where(gs > 0, T, 0.0)
    G = (
        y**2 * (T + u2)
        + g1**2 / 8 * (T - sigma) ** 2
        + g2**2 / 8 * (T + 3 * sigma - 2) ** 2
    )
    return G / (y**2 * u2)


def _k2_of_logit(x, args):
    return _k2_of_sigma(jax.nn.sigmoid(x), *args)


@partial(jax.jit, static_argnames="n_grid")
def _higgs_k(y, g1, g2, n_grid):
    sig = jnp.linspace(0.0, 1.0, n_grid + 2)[1:-1]
    s0 = sig[jnp.argmin(_k2_of_sigma(sig, y, g1, g2))]
    x0 = jnp.log(s0 / (1 - s0))
    sol = optx.minimise(
        _k2_of_logit, optx.BFGS(rtol=1e-12, atol=1e-12), x0, (y, g1, g2), throw=False
    )
    return jnp.sqrt(
        jnp.minimum(_k2_of_logit(sol.value, (y, g1, g2)), _k2_of_logit(x0, (y, g1, g2)))
    )


def higgs_threshold_factor(y, g1, g2, n_grid: int = 2001):
    """K(y, g₁, g₂): for m_L = m_l, stable L-balls exist iff A > K m_H (dimensionless, 1 ≤ K ≤ √3).

    K² = min_{T ≥ 0, σ ∈ (0, 1)} G(T, σ)/(y²σ(1 − σ)) (module docstring): T is eliminated exactly,
    σ is located on an ``n_grid`` grid and polished with optimistix BFGS in logit σ.
    """
    require("higgs_threshold_factor", "positive", y=y)
    require("higgs_threshold_factor", "nonnegative", g1=g1, g2=g2)
    return _higgs_k(y, g1, g2, n_grid)


class SleptonScan(NamedTuple):
    """``existence_scan`` output on the (m_H, A) grid, shape (n_mH, n_A): ``mu2_min`` (GeV²),
    ``verdict`` (jaxbsm.solitons.existence.EXISTENCE codes), ``phi_min`` (GeV, (…, 3) = (h, L, l)),
    ``m2_free`` = min(m_L², m_l²) (GeV²), ``status``: ``jaxbsm.status`` code of the start that
    gave mu2_min (OK: BFGS converged there; MAX_STEPS: it did not)."""

    mu2_min: jax.Array
    verdict: jax.Array
    phi_min: jax.Array
    m2_free: jax.Array
    status: jax.Array


def _scan_point(p: SleptonParams, starts, tol) -> Mu2Search:
    scale = jnp.maximum(jnp.maximum(p.A, p.m_H), jnp.maximum(p.m_L, p.m_l)) / p.y
    x0 = starts.at[:, 0].add(jnp.log(scale))
    return mu2_search(slepton_potential, p, SLEPTON_CHARGES, x0, tol)


_scan_grid = jax.jit(
    jax.vmap(
        _scan_point,
        in_axes=(SleptonParams._make((0, None, None, None, 0, None, None)), None, None),
    )
)


def existence_scan(
    A,
    m_H,
    m_L,
    m_l,
    y,
    g1=0.0,
    g2=0.0,
    n_quasi: int = 16,
    n_random: int = 16,
    key=None,
    tol=1e-7,
):
    """Existence of L-balls over the grid (m_H, A) (GeV): vmapped ``mu2_search`` at every point.

    A, m_H: 1-d arrays (GeV); m_L, m_l (GeV), y, g1, g2: scalars. Starts: ``start_points`` for F/F_s
    ∈ [0.1, 3] with F_s = max(A, m_H, m_L, m_l)/y at each point (n_quasi Halton + n_random from
    ``key``). Returns ``SleptonScan`` with arrays of shape (len(m_H), len(A)).
    """
    A, m_H = (
        jnp.atleast_1d(jnp.asarray(A, float)),
        jnp.atleast_1d(jnp.asarray(m_H, float)),
    )
    if A.ndim != 1 or m_H.ndim != 1:
        raise ValueError(
            f"existence_scan: A and m_H must be 1-d arrays, got shapes {A.shape}, {m_H.shape}"
        )
    Ag, mg = jnp.meshgrid(A, m_H)
    p = SleptonParams(mg.ravel(), m_L, m_l, y, Ag.ravel(), g1, g2)
    _check("existence_scan", p)
    starts = start_points(3, (0.1, 3.0), n_quasi, n_random, key)
    r = _scan_grid(p, starts, tol)
    shape = mg.shape
    return SleptonScan(
        r.mu2_min.reshape(shape),
        r.verdict.reshape(shape),
        r.phi_min.reshape(shape + (3,)),
        r.m2_free.reshape(shape),
        r.status_min.reshape(shape),
    )
