"""Scalar root finding on a bracket for the solitons' outer searches (units: those of x and f).

Both Q-ball solvers (``jaxbsm.solitons.qball.qball_energy`` and
``jaxbsm.solitons.multi_qball.multi_qball_energy``) find the frequency ω* at which the charge of the
bounce equals Q, as the root of g(t) = log Q(t) − log Q in t = log(m² − ω²): g is smooth and
increasing, and each evaluation costs a bounce (which may fail). ``bracketed_secant`` is the one
safeguarded secant / bisection search they share; ``bisection`` is a fixed-count bisection for cheap
model functions (e.g. the start point of the secant).

Both are plain ``lax`` loops (jit- and vmap-clean, one trace of ``f``); they are meant to run under
``stop_gradient``: the Q-ball energy is stationary in ω, so its gradients come from the envelope
theorem at the root, not from differentiating the search.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from jaxbsm.status import Status

__all__ = ["RootResult", "SecantState", "bisection", "bracketed_secant"]


def bisection(g: Callable, lo, hi, n_steps: int):
    """Bracket (lo, hi) of the root of an increasing ``g`` after ``n_steps`` halvings (x units).

    Each step keeps the half whose midpoint has the right sign: hi ← mid where g(mid) > 0, else
    lo ← mid. Without a sign change the bracket collapses onto the end nearest the root.
    """

    def step(_, bracket):
        lo, hi = bracket
        mid = 0.5 * (lo + hi)
        up = g(mid) > 0
        return jnp.where(up, lo, mid), jnp.where(up, mid, hi)

    return jax.lax.fori_loop(0, n_steps, step, (lo, hi))


class SecantState(NamedTuple):
    """Loop state of ``bracketed_secant`` (all scalars but ``best_aux``)."""

    i: jax.Array  # evaluations of f so far
    lo: jax.Array  # bracket: f(lo) < 0 (evaluated or assumed)
    hi: jax.Array  # f(hi) ≥ 0, or f failed there
    x: jax.Array  # the next point to evaluate
    x_prev: jax.Array  # the last evaluated point …
    f_prev: jax.Array  # … and f there
    f_first: jax.Array  # f at the start point x0
    best_x: jax.Array  # the evaluated point of smallest |f| …
    best_f: jax.Array  # … f there …
    best_aux: Any  # … and f's auxiliary output there
    bad_bracket: jax.Array  # f ≥ 0 at a point at or below lo: no root in the bracket
    done: jax.Array


class RootResult(NamedTuple):
    """Result of ``bracketed_secant``: the evaluated point of smallest |f| (``x``), f there (``f``),
    f's auxiliary output there (``aux``), f at the start point (``f_first``), the number of
    evaluations (``n_eval``), and ``status`` (int32, ``jaxbsm.status``): OK where |f| < ``accept``,
    else ROOT_NOT_FOUND (also when the bracket holds no root)."""

    x: jax.Array
    f: jax.Array
    aux: Any
    f_first: jax.Array
    n_eval: jax.Array
    status: jax.Array


def bracketed_secant(
    f: Callable,
    lo,
    hi,
    x0,
    slope0,
    *,
    max_iter: int,
    accept: float,
    ftol: float,
    xtol: float = 0.0,
    width_tol: float = 0.0,
    aux0: Any = None,
) -> RootResult:
    """Root of an increasing f on [lo, hi] by a safeguarded secant (x, f in the caller's units).

    ``f(x) -> (fx, aux)``; fx must be +inf (or NaN) where the evaluation failed, which counts as
    "f too large" (the failure side of the Q-ball searches is large charge). The search assumes
    f(lo) < 0 ≤ f(hi) without evaluating the ends; if it evaluates f ≥ 0 at a point ≤ lo (the start
    x0 = lo), the bracket holds no root and it stops (status ROOT_NOT_FOUND).

    Iteration: evaluate f at x (x0 first), move the end of the bracket on f's side to x, then
    propose x − f/s with s = ``slope0`` after the first evaluation (e.g. a model's slope: a Newton
    step) and the secant slope through the last two points afterwards; a proposal that is not
    finite or not strictly inside the bracket (after a failed evaluation, or a secant overshoot) is
    replaced by the bracket's midpoint. Stops when |f| < ``ftol``, the proposed step is below
    ``xtol`` max(1, |x|), the bracket is narrower than ``width_tol``, or after ``max_iter``
    evaluations (the tolerances' defaults 0 switch those tests off). ``aux0``: a pytree shaped like
    f's aux (the loop carry's initial value; default: zeros from ``jax.eval_shape``). The result is
    the evaluated point with the smallest |f| (the first one, with f = +inf, if none is finite).
    """
    lo = jnp.asarray(lo)
    hi = jnp.asarray(hi)
    x0 = jnp.asarray(x0) + jnp.zeros_like(lo)
    if aux0 is None:
        shapes = jax.eval_shape(lambda x: f(x)[1], x0)
        aux0 = jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)
    inf = jnp.inf + jnp.zeros_like(x0)
    false = jnp.zeros(jnp.shape(x0), bool)

    def body(s: SecantState) -> SecantState:
        x = s.x
        fx, aux = f(x)
        below = fx < 0  # False for +inf and NaN: failed evaluations count as "too large"
        lo = jnp.where(below, x, s.lo)
        hi = jnp.where(below, s.hi, x)
        first = s.i == 0
        slope = jnp.where(first, slope0, (fx - s.f_prev) / (x - s.x_prev))
        xn = x - fx / slope
        ok = jnp.isfinite(fx) & jnp.isfinite(xn) & (xn > lo) & (xn < hi)
        xn = jnp.where(ok, xn, 0.5 * (lo + hi))
        fb = jnp.where(jnp.isfinite(fx), fx, jnp.inf)
        better = first | (jnp.abs(fb) < jnp.abs(s.best_f))
        best_aux = jax.tree_util.tree_map(lambda a, b: jnp.where(better, a, b), aux, s.best_aux)
        bad = s.bad_bracket | ((x <= s.lo) & ~below)
        done = (
            (jnp.abs(fx) < ftol)
            | (jnp.abs(xn - x) < xtol * jnp.maximum(1.0, jnp.abs(x)))
            | (hi - lo < width_tol)
            | bad
        )
        return SecantState(
            i=s.i + 1,
            lo=lo,
            hi=hi,
            x=xn,
            x_prev=x,
            f_prev=fx,
            f_first=jnp.where(first, fx, s.f_first),
            best_x=jnp.where(better, x, s.best_x),
            best_f=jnp.where(better, fb, s.best_f),
            best_aux=best_aux,
            bad_bracket=bad,
            done=done,
        )

    def cont(s: SecantState):
        return (s.i < max_iter) & ~s.done

    init = SecantState(
        i=jnp.int32(0),
        lo=lo,
        hi=hi,
        x=x0,
        x_prev=x0,
        f_prev=inf,
        f_first=inf,
        best_x=x0,
        best_f=inf,
        best_aux=aux0,
        bad_bracket=false,
        done=false,
    )
    s = jax.lax.while_loop(cont, body, init)
    converged = (jnp.abs(s.best_f) < accept) & ~s.bad_bracket
    status = jnp.where(converged, jnp.int32(Status.OK), jnp.int32(Status.ROOT_NOT_FOUND))
    return RootResult(s.best_x, s.best_f, s.best_aux, s.f_first, s.i, status)
