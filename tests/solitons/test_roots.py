"""The shared bracketed root finder of the Q-ball searches (jaxbsm.solitons.roots)."""

import jax
import jax.numpy as jnp
import numpy as np

from jaxbsm.solitons.roots import bisection, bracketed_secant
from jaxbsm.status import Status


def _g(t, c):
    """An increasing test function like log Q(t) − log Q: ½t + log(1 + e^t) − c; +inf for t > 3
    (a failed evaluation, "too large"); aux: 2t."""
    val = 0.5 * t + jnp.log1p(jnp.exp(t)) - c
    return jnp.where(t > 3.0, jnp.inf, val), 2.0 * t


def _solve(c, x0):
    return bracketed_secant(
        lambda t: _g(t, c), -20.0, 5.0, x0, 0.5, max_iter=60, accept=1e-10, ftol=1e-13, xtol=1e-14
    )


def test_secant_root_vmap_jit_and_failures():
    cs = jnp.array([-5.0, 0.0, 2.0, 3.5, 30.0])  # the last root lies in the failed region t > 3
    r = jax.jit(jax.vmap(_solve, (0, None)))(cs, -20.0)
    ref = np.array([np.nan if c > 6 else _brentq_ref(c) for c in np.asarray(cs)])
    ok = np.isfinite(ref)
    np.testing.assert_allclose(np.asarray(r.x)[ok], ref[ok], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(np.asarray(r.aux)[ok], 2 * np.asarray(r.x)[ok])  # aux at x
    assert r.status.dtype == jnp.int32
    np.testing.assert_array_equal(np.asarray(r.status), [0, 0, 0, 0, Status.ROOT_NOT_FOUND])
    assert np.all(np.isfinite(np.asarray(r.x))) and np.all(np.asarray(r.n_eval) <= 60)
    # the start at an interior point (first step with the given slope) finds the same roots
    r2 = jax.vmap(_solve, (0, None))(cs[:4], 0.3)
    np.testing.assert_allclose(np.asarray(r2.x), np.asarray(r.x)[:4], rtol=0, atol=1e-12)


def test_start_at_lower_end_above_root_is_not_found():
    # f(lo) > 0: the bracket holds no root; the search stops after one evaluation
    r = _solve(-50.0, -20.0)
    assert int(r.status) == Status.ROOT_NOT_FOUND and int(r.n_eval) == 1
    assert float(r.x) == -20.0 and float(r.f_first) > 0


def test_bisection_bracket():
    lo, hi = bisection(lambda t: t**3 - 2.0, 0.0, 4.0, 60)
    assert 0 <= float(hi) - float(lo) < 1e-15 and abs(float(lo) - 2 ** (1 / 3)) < 1e-15


def _brentq_ref(c):
    from scipy.optimize import brentq

    return brentq(lambda t: 0.5 * t + np.log1p(np.exp(t)) - c, -20.0, 3.0, xtol=1e-15, rtol=1e-15)
