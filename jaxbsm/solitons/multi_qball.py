"""Multi-flavour Q-balls from the multi-field d = 3 bounce (units: GeV for ω, φ, E; Q dimensionless).

Kusenko, hep-ph/9704273, sec. 1: for fields φ_k = e^{i q_k ω t} φ_k(x) with real moduli φ_k and a
potential U(φ) with U(0) = 0,

    E(Q) = min_ω [S₃(ω) + ωQ],    Û_ω = U − ½ ω² Σ_k q_k² φ_k²    (eqs. 5, 8),
    Q(ω) = −dS₃/dω = ω Σ_k q_k² ∫ d³x φ_k²,

(the charge of eq. 7 with the q_k² that follows from eq. 6), S₃(ω) the d = 3 bounce action of Û_ω
(``jaxbsm.solitons.multi_bounce``; S₃ in GeV for canonical fields in GeV). ``multi_qball_energy``
finds ω* with Q(ω*) = Q by a safeguarded secant (bisection fallback; ``jaxbsm.solitons.roots``) in
t = log(ω_max² − ω²) and returns E with envelope gradients dE/dQ = ω*, dE/dθ = ∂S₃/∂θ|_{ω*} (no
second solve). Checked against jaxbsm.solitons.qball.qball_energy (one charged field, and two
decoupled copies) to ≤ 2e−11 for Q = 1 … 1e5.

Status: int32 codes of ``jaxbsm.status``: the bounce's at ω* (``multi_bounce``), or ROOT_NOT_FOUND
where the ω search failed (it takes precedence).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from jaxbsm.solitons.cgm import make_problem
from jaxbsm.solitons.multi_bounce import MultiBounceResult, multi_bounce
from jaxbsm.solitons.roots import bracketed_secant
from jaxbsm.status import Status, first_failure

__all__ = ["MultiQBall", "multi_qball_bounce", "multi_qball_energy", "multi_qball_potential"]


def multi_qball_potential(U: Callable) -> Callable:
    """Û_ω(φ; (params, ω, q)) = U(φ; params) − ½ ω² Σ_k q_k² φ_k² (Kusenko eq. 5; φ_k real moduli,
    q the charges: traced, so one compiled solver serves any charges)."""
    return _cached_qball_potential(U)


@lru_cache(maxsize=64)
def _cached_qball_potential(U):
    # one callable per U, so that jit / custom_jvp caches are reused across calls
    def Uw(phi, pwq):
        params, w, q = pwq
        return U(phi, params) - 0.5 * w**2 * jnp.sum(q**2 * phi**2)

    return Uw


def multi_qball_bounce(omega, U, params, charges, phi_target, **kw) -> MultiBounceResult:
    """d = 3 bounce of Û_ω (GeV units; S₃ in GeV); differentiable in params, ω and the charges.

    Q(ω) = ω Σ_k q_k² ``phi2_integral``_k = −dS₃/dω.
    """
    kw.setdefault("d", 3)
    q = jnp.asarray(charges, dtype=jnp.float64)
    return multi_bounce(multi_qball_potential(U), (params, omega, q), phi_target, **kw)


def _omega_bounds(U, params, charges, phi_target):
    """ω_max: largest ω with ∂²Û_ω(0) = M² − ω² diag(q²) positive definite; ω_ray: the smallest ω
    with Û_ω < 0 somewhere on the ray 0 → φ_t (≥ Kusenko's μ of eq. 9)."""
    q2 = jnp.asarray(charges, dtype=jnp.float64) ** 2
    n = q2.shape[0]
    M2 = jax.hessian(lambda p: U(p, params))(jnp.zeros((n,)))
    L = jnp.linalg.cholesky(M2)
    Li = jax.scipy.linalg.solve_triangular(L, jnp.eye(n), lower=True)
    lam_max = jnp.linalg.eigvalsh(Li @ jnp.diag(q2) @ Li.T)[-1]
    w_max2 = 1.0 / lam_max
    a = jnp.linspace(0.0, 1.0, 513)[1:]
    pts = a[:, None] * phi_target[None, :]
    U0 = U(jnp.zeros((n,)), params)
    ratio = 2.0 * (jax.vmap(lambda p: U(p, params))(pts) - U0) / (pts**2 @ q2)
    w_ray2 = jnp.min(ratio)
    return w_max2, w_ray2


class MultiQBall(NamedTuple):
    """E: energy (GeV); omega: ω* (GeV); charge: Q(ω*) recomputed from the bounce; binding:
    Q ω_max − E (GeV; ω_max = lightest mass per unit charge at φ = 0, cancellation-free);
    radius: rms radius (GeV⁻¹); phi0: φ(0) (GeV); status: int32 ``jaxbsm.status`` code: the
    bounce's at ω*, or ROOT_NOT_FOUND if the ω root find failed."""

    E: jax.Array
    omega: jax.Array
    charge: jax.Array
    binding: jax.Array
    radius: jax.Array
    phi0: jax.Array
    status: jax.Array


def multi_qball_energy(
    Q,
    U: Callable,
    params: Any,
    charges,
    phi_target,
    *,
    omega_min=None,
    omega_max=None,
    n_iter: int = 30,
    t_min: float = 1e-8,
    **kw,
) -> MultiQBall:
    """Multi-flavour Q-ball energy E(Q) = min_ω [S₃(ω) + ωQ] (GeV; Q dimensionless), Kusenko eq. 8.

    Args:
      Q: charge. U: ``U(phi, params)`` for the real moduli φ (shape (n,)), U(0) = 0 minimum.
      charges: q_k, shape (n,) (may be traced / batched). phi_target: a field point with
        Û_ω(φ_t) < 0 for the relevant ω, e.g. Kusenko's eq. 9 point φ_0 that minimises
        2U/Σq_k²φ_k² (then Û_ω(φ_0) < 0 for all ω > μ).
      omega_min, omega_max: the ω search interval (defaults: the smallest ω for which Û_ω < 0 on
        the ray 0 → φ_t, and ω_max = the lightest mass per unit charge at φ = 0, i.e. the largest
        ω with ∂²Û_ω(0) positive definite, less t_min). n_iter: root-finder steps (one bounce
        each; 6–15 are typical). t_min: thick-wall end m² = ω_max² − ω² = t_min ω_max² (Û_ω is
        computed as U − ½ω²Σq²φ², so its relative round-off there is ~1e−16/t_min).
      **kw: passed to ``multi_bounce`` (N, tail, …; d is 3).

    ω* solves Q(ω) = ω Σ q_k² ∫φ_k² = Q in t = log(ω_max² − ω²) on g(t) = log Q(t) − log Q, assumed
    increasing (Q decreasing in ω: the classically stable branch, dQ/dω < 0) on the search
    interval; where Q(ω) is not monotonic (e.g. no cubic term in the lightest charged field, when
    Q → ∞ also as ω → ω_max) restrict the interval with omega_min / omega_max. Failed bounces count
    as "Q too large". Everything in the search is under stop_gradient; E = S₃(ω*) + ω*Q then has
    dE/dQ = ω* and dE/dθ = ∂S₃/∂θ|_{ω*} (envelope theorem, evaluated on the final profile without a
    further solve; first derivatives only). Status ROOT_NOT_FOUND if |log Q(ω*) − log Q| > 1e−6
    (or if Q(ω) at the thick-wall end t_lo is already above Q: no root in the interval).
    """
    sg = jax.lax.stop_gradient
    kw = dict(kw)
    d = int(kw.pop("d", 3))
    if d != 3:
        raise ValueError("multi_qball_energy: Q-balls are d = 3 bounces")
    N = int(kw.get("N", 64))
    q = jnp.asarray(charges, dtype=jnp.float64)
    ch = sg(q)
    q2 = ch**2
    phi_target = sg(jnp.asarray(phi_target, dtype=jnp.float64))
    Qs, ps = sg(Q), jax.tree_util.tree_map(sg, params)
    w_max2, w_ray2 = _omega_bounds(U, ps, ch, phi_target)
    w_lo2 = w_ray2 if omega_min is None else jnp.asarray(omega_min, dtype=jnp.float64) ** 2
    w_lo2 = jnp.clip(w_lo2, 0.0, w_max2)
    t_lo = jnp.log(t_min * w_max2)
    if omega_max is not None:
        w_hi2 = jnp.asarray(omega_max, dtype=jnp.float64) ** 2
        t_lo = jnp.maximum(t_lo, jnp.log(jnp.maximum(w_max2 - w_hi2, 1e-300)))
    t_hi = jnp.log(w_max2 - w_lo2) + jnp.log1p(-1e-4)

    def fn(t):  # (log Q(t) − log Q, bounce); +inf where the bounce failed ("Q too large")
        w = jnp.sqrt(w_max2 - jnp.exp(t))
        r = multi_qball_bounce(w, U, ps, ch, phi_target, **kw)
        qq = w * jnp.sum(q2 * r.phi2_integral)
        ok = (r.status == Status.OK) & (qq > 0)
        return jnp.where(ok, jnp.log(jnp.where(ok, qq, 1.0)) - jnp.log(Qs), jnp.inf), r

    # Root of g(t) = log Q(t) − log Q on [t_lo, t_hi] (g(t_lo) < 0 required), starting at the
    # thick-wall end t_lo, where log Q ≈ t/2 + const (first step with slope ½); the bounce is
    # called at one site only (one trace / compilation) and its result at the root is kept.
    root = bracketed_secant(
        fn, t_lo, t_hi, t_lo, 0.5, max_iter=n_iter, accept=1e-6, ftol=1e-9, width_tol=1e-9
    )
    t, r = root.x, root.aux
    t, w = sg(t), sg(jnp.sqrt(w_max2 - jnp.exp(t)))
    # Envelope gradients without a second solve: at fixed profile, S depends on (θ, q) only
    # through V, with ∂S/∂V = b S/(−V) (= 1 at the virial point); "x − sg(x)" is exactly 0 in value.
    Uw = multi_qball_potential(U)
    prob = make_problem(Uw, 3, N)
    _, V = prob.TV(r.phi, r.R, (ps, w, ch))
    V_live = prob.TV(r.phi, r.R, (params, w, q))[1]
    kappa = 0.5 * jnp.where(V < 0, r.action / jnp.where(V < 0, -V, 1.0), 0.0)
    S = r.action + kappa * (V_live - sg(V_live))
    E = S + w * Q
    charge = w * jnp.sum(q2 * r.phi2_integral)
    w_max2_live = _omega_bounds(U, params, q, phi_target)[0]
    w_max = jnp.sqrt(w_max2_live)
    b_val = Qs * jnp.exp(t) / (jnp.sqrt(w_max2) + w) - r.action  # Q(ω_max − ω*) − S₃
    b_live = Q * (w_max - w) - S
    binding = b_val + (b_live - sg(b_live))
    status = first_failure(root.status, r.status)
    return MultiQBall(E, w, sg(charge), binding, sg(r.radius), sg(r.phi0), status)
