"""Existence of multi-field Q-balls: vmapped multi-start minimisation of μ² (units: GeV, GeV²).

Kusenko, hep-ph/9704273, section 1–2. A potential U(φ₁ … φₙ) with U(0) = 0 and a global U(1) under
which field k has charge q_k admits Q-balls φ_k(x, t) = e^{i q_k ω t} φ_k(x) (eq. 6). In the thin-wall
limit (eqs. 10–11) the energy per unit charge is M_Q/Q = μ at the minimum of

    μ²(φ) = U(φ) / Σ_k q_k² φ_k²                                          (this module, eq. 9)

over field moduli φ_k ≥ 0 with some charged φ_k ≠ 0.

Field normalisation (used throughout, and in jaxbsm.solitons.slepton): φ_k = |Φ_k| is the modulus
of a *canonical complex* field Φ_k (kinetic term |∂Φ_k|², mass term m_k²|Φ_k|²), and U(φ) is the
potential at the relative phases that minimise it (for the slepton toy: the phase that makes the
trilinear term negative). Then the charge of eq. 6 is Q = 2ω Σ q_k² ∫ φ_k² d³x, the thin-wall energy
E = [ω² Σ q_k² φ_k² + U] V is minimised at V = Q / (2√(U Σq_k²φ_k²)), and

    M_Q / Q = √(U / Σ_k q_k² φ_k²) = μ,

so μ² is directly comparable with a physical mass²: a free quantum of field k has μ² = m_k²/q_k².
Kusenko's eq. 2 has kinetic term ½|∂φ|² instead, i.e. his φ = √2 |Φ|, and in his normalisation the
same number reads μ² = 2U / Σ q_k² φ_k² (eqs. 9, 11). Inserting the canonical fields of his eq. 17
(mass terms m²|H|², …) into 2U/(|L̃|² + |l̃|²) (his eq. 19) would give μ² = 2m² for a free slepton;
the factor 2 belongs to the ½-normalisation only (his γ₃ in eq. 19 matches U/(|L̃|² + |l̃|²)).

Charges enter squared: eq. 1 for φ_k = e^{i q_k ω t} φ_k gives Q = ω Σ q_k² ∫ φ_k² (Kusenko's eqs. 7,
9 and 11 print q_k, which agrees only for q_k ∈ {0, ±1}; with q_k of both signs Σ q_k φ_k² is not
even positive). The code uses q_k².

Threshold and verdict (eq. 9 and the paragraph below it). ``m2_free`` = min over charged field
directions of the quadratic part, μ²(φ → 0) = φᵀMφ / φᵀ diag(q²) φ, M = ½ ∂²U/∂φ∂φ at φ = 0 (the
lowest generalised eigenvalue on the charged block; m²_lightest for unit charges). Then

* ``mu2_min < 0``: U < 0 somewhere (a charge- or colour-breaking minimum deeper than the origin: if
  U(φ₀) < 0 at a neutral φ₀, adding a small charged component keeps U < 0, so μ² → −∞ nearby, and
  conversely). The origin is not the vacuum and the Q-ball question changes: verdict 2 ("ccb").
* ``0 ≤ mu2_min < m2_free``: the global minimum is at φ ≠ 0 and M_Q/Q < m_free: Q-balls exist and
  are stable against decay into free quanta (eq. 9 in the strong sense): verdict 1 ("stable").
* otherwise the infimum m2_free is approached only as F → 0 along the lightest charged direction
  (or on a flat ray where μ² ≡ m2_free): no stable Q-ball. If a *local* minimum with
  μ² > m2_free exists, it is a metastable soliton that can dissociate into quanta by tunnelling
  (eq. 9 in the weak sense): verdict 3 ("metastable"); else verdict 0 ("none"). A minimum counts
  only if μ² is curved along the ray, F² ∂²μ²/∂F² > ``flat`` |μ²|: this excludes the F → 0 limit
  and rays on which μ² is constant (e.g. without D-terms, pure heavy-slepton rays with μ² = m_L²
  can be local minima: a condensate of free quanta, no soliton).
  Local minima with μ² below m2_free but above the global minimum are metastable solitons that can
  evolve into the lower-μ one; ``find_qballs`` lists all local minima.
Comparisons with m2_free use the relative tolerance ``tol``.

Search. Fields are parametrised by x = (log F, z₁ … zₙ): φ = F w/‖w‖, w_k = z_k² (F = ‖φ‖ the
Euclidean magnitude, the direction on the positive part of the unit sphere, smooth up to the faces
φ_k = 0). Each start is minimised with optimistix BFGS on μ²/m2_free + (‖z‖² − 1)² (dimensionless;
the second term removes the flat direction z → λz and vanishes at every minimum) and all starts run
under one ``jax.vmap``. A start counts as converged if BFGS reports success and the gradient of that
objective in x is below ``gtol`` (Cauchy termination alone can stop on a stalled line search).
Starts: a deterministic Halton set in (log F, z) ∈ [log F_lo, log F_hi] × [0.05, 1]ⁿ plus uniform
random ones from a PRNG key (``start_points``).

Gradients: the returned μ²_min is μ²(stop_gradient(φ*), params), so d μ²_min/dθ = ∂μ²/∂θ at the
minimiser, which is exact by the envelope theorem (∂μ²/∂φ = 0 at φ*, or the active face φ_k = 0 does
not depend on θ). Nothing is differentiated through BFGS. ``m2_free`` is returned without gradient.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx

from jaxbsm.status import Status, where_failed

__all__ = [
    "EXISTENCE",
    "Mu2Search",
    "QBallExistence",
    "find_qballs",
    "free_mass2",
    "mu2_ratio",
    "mu2_search",
    "start_points",
]

EXISTENCE = {
    0: "none: mu2 >= m2_free everywhere (infimum only in the free-particle limit)",
    1: "stable: global min mu2 < m2_free, Q-balls exist and are stable against decay into quanta",
    2: "ccb: U < 0 somewhere (mu2_min < 0), the origin is not the global minimum",
    3: "metastable: no stable Q-ball, but a local minimum of mu2 above m2_free at F > 0",
}

_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)
_Z_RANGE = (0.05, 1.0)


def mu2_ratio(U: Callable, phi, params, charges: Sequence[float]):
    """μ² = U(φ) / Σ_k q_k² φ_k² (GeV²) for canonical field moduli φ (GeV); module docstring."""
    q2 = jnp.asarray(charges, dtype=float) ** 2
    return U(phi, params) / jnp.sum(q2 * phi**2)


def free_mass2(U: Callable, params, charges: Sequence[float], n_fields: int):
    """m2_free (GeV²): lowest generalised eigenvalue of (½∂²U(0), diag q²) on the charged fields.

    For unit charges this is the lightest charged mass²; in general min m_k²/q_k² (energy per charge
    squared of a free quantum). Evaluated by autodiff at φ = 0 (U must be twice differentiable there);
    no gradient with respect to params (degenerate masses would make the eigenvector derivative singular).
    """
    q = np.asarray(charges, dtype=float)
    charged = np.flatnonzero(q != 0)
    fixed = jax.lax.stop_gradient(params)
    hess = jax.hessian(lambda p: U(p, fixed))(jnp.zeros(n_fields))
    inv_q = jnp.asarray(1.0 / np.abs(q[charged]))
    block = 0.5 * hess[np.ix_(charged, charged)] * inv_q[:, None] * inv_q[None, :]
    return jnp.linalg.eigvalsh(block)[0]


def _phi_of_x(x):
    w = x[1:] ** 2
    return jnp.exp(x[0]) * w / jnp.linalg.norm(w)


def start_points(
    n_fields: int,
    f_range: tuple[float, float],
    n_quasi: int = 32,
    n_random: int = 32,
    key=None,
):
    """Start points x = (log F, z) for ``mu2_search``, shape (n_quasi + n_random, n_fields + 1).

    The first n_quasi are a deterministic Halton sequence (bases 2, 3, 5, …, first point skipped),
    the rest uniform draws from ``key`` (default PRNGKey(0)); log F ∈ [log F_lo, log F_hi] (F in
    GeV) and z_k ∈ [0.05, 1] (direction weights φ_k ∝ z_k²).
    """
    if not 1 <= n_fields < len(_PRIMES):
        raise ValueError(
            f"start_points: n_fields must be in [1, {len(_PRIMES) - 1}], got {n_fields}"
        )
    f_lo, f_hi = (float(f) for f in f_range)
    if not 0 < f_lo <= f_hi:
        raise ValueError(
            f"start_points: f_range must satisfy 0 < F_lo <= F_hi (GeV), got {f_range!r}"
        )
    if n_quasi < 0 or n_random < 0 or n_quasi + n_random < 1:
        raise ValueError(
            f"start_points: need n_quasi, n_random >= 0 and a positive total, got {n_quasi}, {n_random}"
        )
    dim = n_fields + 1
    u = np.empty((n_quasi, dim))
    for j, base in enumerate(_PRIMES[:dim]):
        for i in range(n_quasi):
            k, f, r = i + 1, 1.0, 0.0
            while k:
                f /= base
                r += f * (k % base)
                k //= base
            u[i, j] = r
    key = jax.random.PRNGKey(0) if key is None else key
    starts = jnp.concatenate(
        [jnp.asarray(u), jax.random.uniform(key, (n_random, dim), dtype=float)]
    )
    lo = jnp.array([np.log(f_lo)] + [_Z_RANGE[0]] * n_fields)
    hi = jnp.array([np.log(f_hi)] + [_Z_RANGE[1]] * n_fields)
    return lo + starts * (hi - lo)


class Mu2Search(NamedTuple):
    """Per start: ``mu2`` (GeV²), ``phi`` (GeV, shape (n_starts, n)), ``status`` (``jaxbsm.status``:
    OK where BFGS converged with a gradient below ``gtol``, else MAX_STEPS), ``curvature`` =
    F² ∂²μ²/∂F² / |μ²| along the ray through the end point (dimensionless).

    Summary: ``mu2_min`` = lowest finite μ² (GeV², envelope gradients), ``phi_min`` its location,
    ``status_min`` that start's status, ``m2_free`` (GeV², no gradient), ``verdict`` (key of
    EXISTENCE).
    """

    mu2: jax.Array
    phi: jax.Array
    status: jax.Array
    curvature: jax.Array
    mu2_min: jax.Array
    phi_min: jax.Array
    status_min: jax.Array
    m2_free: jax.Array
    verdict: jax.Array


def mu2_search(
    U: Callable,
    params: Any,
    charges: Sequence[float],
    starts,
    tol: float = 1e-7,
    flat: float = 1e-6,
    rtol: float = 1e-11,
    atol: float = 1e-11,
    gtol: float = 1e-7,
    max_steps: int = 400,
) -> Mu2Search:
    """Minimise μ²(φ) = U(φ, params)/Σq_k²φ_k² from every start under ``jax.vmap`` (jit/vmap-safe).

    U(phi, params): potential (GeV⁴) of the canonical moduli phi (shape (n,), GeV), U(0) = 0;
    ``charges``: the n charges q_k (static); ``starts``: from ``start_points`` (shape
    (n_starts, n + 1)); ``tol``: relative tolerance of the comparisons with m2_free; ``flat``: minimum
    relative curvature along the ray for a local minimum (module docstring); rtol/atol/max_steps: optimistix
    BFGS settings in x = (log F, z); gtol: gradient bound for convergence (``status``). Nothing is
    checked here (traced inputs); see ``find_qballs``.
    """
    n = starts.shape[-1] - 1
    m2_free = free_mass2(U, params, charges, n)
    scale = jnp.where(m2_free > 0, m2_free, 1.0)
    p_fixed = jax.lax.stop_gradient(params)

    def objective(x, p):
        return (
            mu2_ratio(U, _phi_of_x(x), p, charges) / scale
            + (jnp.sum(x[1:] ** 2) - 1) ** 2
        )

    solver: optx.BFGS = optx.BFGS(rtol=rtol, atol=atol)

    def one(x0):
        sol = optx.minimise(
            objective, solver, x0, p_fixed, max_steps=max_steps, throw=False
        )
        small_grad = jnp.max(jnp.abs(jax.grad(objective)(sol.value, p_fixed))) < gtol
        return _phi_of_x(sol.value), (
            sol.result == optx.RESULTS.successful
        ) & small_grad

    phi, converged = jax.vmap(one)(starts)
    phi = jax.lax.stop_gradient(phi)
    mu2_fixed = jax.lax.stop_gradient(
        jax.vmap(lambda f: mu2_ratio(U, f, params, charges))(phi)
    )

    def ray_curvature(f):
        return jax.grad(jax.grad(lambda lam: mu2_ratio(U, lam * f, p_fixed, charges)))(
            1.0
        )

    curvature = jax.vmap(ray_curvature)(phi) / jnp.abs(mu2_fixed)
    i = jnp.argmin(jnp.where(jnp.isfinite(mu2_fixed), mu2_fixed, jnp.inf))
    mu2_min = mu2_ratio(U, phi[i], params, charges)
    unbound_local = converged & (mu2_fixed > m2_free * (1 + tol)) & (curvature > flat)
    verdict = jnp.where(
        mu2_min < 0,
        2,
        jnp.where(
            mu2_min < m2_free * (1 - tol), 1, jnp.where(jnp.any(unbound_local), 3, 0)
        ),
    )
    status = where_failed(~converged, Status.MAX_STEPS)
    return Mu2Search(mu2_fixed, phi, status, curvature, mu2_min, phi[i], status[i], m2_free, verdict)


class QBallExistence(NamedTuple):
    """Result of ``find_qballs`` (numpy, GeV / GeV²).

    ``verdict``/``verdict_text``: EXISTENCE code and text; ``mu2_min``, ``phi_min``: global minimum
    of μ² and its location; ``m2_free``: free-quantum threshold; ``local_mu2``, ``local_phi``:
    deduplicated converged local minima (ascending μ², excluding the free-particle limit
    |μ²/m2_free − 1| ≤ tol and flat unbound points); ``local_bound``: μ² < m2_free
    (stable against decay into quanta); ``search``: the raw ``Mu2Search``.
    """

    verdict: int
    verdict_text: str
    mu2_min: float
    phi_min: np.ndarray
    m2_free: float
    local_mu2: np.ndarray
    local_phi: np.ndarray
    local_bound: np.ndarray
    search: Mu2Search


@partial(jax.jit, static_argnames=("U", "charges", "rtol", "atol", "max_steps"))
def _search_jit(U, params, charges, starts, tol, flat, rtol, atol, gtol, max_steps):
    return mu2_search(
        U, params, charges, starts, tol, flat, rtol, atol, gtol, max_steps
    )


def find_qballs(
    U: Callable,
    params: Any,
    charges: Sequence[float],
    f_range: tuple[float, float],
    n_quasi: int = 32,
    n_random: int = 32,
    key=None,
    tol: float = 1e-7,
    flat: float = 1e-6,
    rtol: float = 1e-11,
    atol: float = 1e-11,
    gtol: float = 1e-7,
    max_steps: int = 400,
    dedup: float = 1e-4,
) -> QBallExistence:
    """Global and local minima of μ² and the Q-ball existence verdict (module docstring).

    ``f_range`` (GeV): range of start magnitudes F = ‖φ‖ (log-uniform; cover the expected soliton
    interior values). Minima closer than ``dedup`` (relative to
    max(‖φ‖, F_lo)) are merged. Compiled once per (U, charges, n_starts, max_steps): pass the same
    function object to reuse it.
    """
    q = tuple(float(c) for c in charges)
    if not any(c != 0 for c in q):
        raise ValueError(
            f"find_qballs: charges must contain a non-zero entry, got {q!r}"
        )
    if not 0 < tol < 1:
        raise ValueError(f"find_qballs: tol must be in (0, 1), got {tol!r}")
    starts = start_points(len(q), f_range, n_quasi, n_random, key)
    f_lo = float(f_range[0])
    res = _search_jit(U, params, q, starts, tol, flat, rtol, atol, gtol, max_steps)
    mu2, phi, conv, curv = (
        np.asarray(a) for a in (res.mu2, res.phi, res.status == Status.OK, res.curvature)
    )
    m2f = float(res.m2_free)
    norm = np.linalg.norm(phi, axis=-1)
    keep = (
        conv
        & np.isfinite(mu2)
        & ((mu2 < m2f * (1 - tol)) | ((mu2 > m2f * (1 + tol)) & (curv > flat)))
    )
    found: list[int] = []
    for i in np.flatnonzero(keep)[np.argsort(mu2[keep], kind="stable")]:
        if all(
            np.linalg.norm(phi[i] - phi[j]) > dedup * max(norm[i], f_lo) for j in found
        ):
            found.append(i)
    verdict = int(res.verdict)
    local_mu2 = mu2[found]
    return QBallExistence(
        verdict,
        EXISTENCE[verdict],
        float(res.mu2_min),
        np.asarray(res.phi_min),
        m2f,
        local_mu2,
        phi[found].reshape(len(found), len(q)),
        local_mu2 < m2f * (1 - tol),
        res,
    )
