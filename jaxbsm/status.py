"""Solver status codes: the one convention by which every jaxbsm solver reports a failed point.

A solver never signals failure with NaN, a bool or an exception inside jitted code: its result
carries a ``status`` array (int32, one code per point, 0 = converged), and its values stay finite.
Likelihoods turn any non-zero status into log L = -inf (``jaxbsm.likelihoods``); fits count such
points in their run summary. Eager public functions (concrete inputs, outside jit) may in addition
raise a ``SolverError`` naming the point, via :func:`raise_if_failed`.

Codes (``Status``) and their meaning, shared by all solvers:

====  ==================  =====================================================================
code  name                meaning
====  ==================  =====================================================================
0     OK                  converged to the requested accuracy
1     BAD_BRACKET         the search interval or starting points do not bracket a solution
                          (bounce: φ_lo does not undershoot or φ_hi does not overshoot;
                          multi-field bounce: no trial profile with V < 0; half mode: no
                          crossing T² = 1/2 inside the k window)
2     MAX_STEPS           an ODE solve, a minimiser or an iteration hit its step limit or failed
                          (diffrax result not successful, Newton not converged)
3     VIRIAL              a bounce's virial identity fails by more than its tolerance
4     NOT_A_MINIMUM       the false vacuum at φ = 0 is not a local minimum
5     SADDLE              the minimiser converged to a saddle point, not the bounce
6     UNDER_RESOLVED      the discretisation error estimate is above tolerance
7     ROOT_NOT_FOUND      an outer root find (e.g. ω(Q) of a Q-ball) did not converge
8     NONFINITE           the solver produced a non-finite value (overflow)
9     OUT_OF_DOMAIN       a traced input lies outside the solver's domain (NaN, a negative
                          coupling, a kinematically closed decay); eager calls raise instead
====  ==================  =====================================================================

When a computation chains several solvers, the status of the result is the first non-zero one
along the chain (:func:`first_failure`).
"""

from __future__ import annotations

import enum

import jax.numpy as jnp
import numpy as np


class Status(enum.IntEnum):
    """Per-point solver status (module docstring)."""

    OK = 0
    BAD_BRACKET = 1
    MAX_STEPS = 2
    VIRIAL = 3
    NOT_A_MINIMUM = 4
    SADDLE = 5
    UNDER_RESOLVED = 6
    ROOT_NOT_FOUND = 7
    NONFINITE = 8
    OUT_OF_DOMAIN = 9


DESCRIPTIONS: dict[Status, str] = {
    Status.OK: "converged",
    Status.BAD_BRACKET: "the search interval or starting points do not bracket a solution",
    Status.MAX_STEPS: "an ODE solve or iteration hit its step limit or failed",
    Status.VIRIAL: "virial residual above tolerance",
    Status.NOT_A_MINIMUM: "the false vacuum at phi = 0 is not a minimum",
    Status.SADDLE: "converged to a saddle point, not the bounce",
    Status.UNDER_RESOLVED: "discretisation error estimate above tolerance (increase the resolution)",
    Status.ROOT_NOT_FOUND: "an outer root find did not converge",
    Status.NONFINITE: "the solver produced a non-finite value",
    Status.OUT_OF_DOMAIN: "an input lies outside the solver's domain",
}


class SolverError(RuntimeError):
    """An eager (non-jitted) solver call failed; the message names the point and the status."""


def describe(code: int) -> str:
    """``"<NAME> (<code>): <meaning>"`` for a status code."""
    s = Status(int(code))
    return f"{s.name} ({int(s)}): {DESCRIPTIONS[s]}"


def where_failed(condition, code: Status, status=None):
    """Status array: ``code`` where ``condition`` is True, else ``status`` (default OK); int32.

    Chaining keeps the first failure: a point already failed in ``status`` keeps its code."""
    base = jnp.zeros(jnp.shape(condition), jnp.int32) if status is None else jnp.asarray(status, jnp.int32)
    return jnp.where((base == Status.OK) & condition, jnp.int32(code), base).astype(jnp.int32)


def first_failure(*statuses):
    """Element-wise first non-zero status of several (broadcast) status arrays, int32."""
    out = jnp.zeros(jnp.broadcast_shapes(*(jnp.shape(s) for s in statuses)), jnp.int32)
    for s in statuses:
        out = jnp.where(out == Status.OK, jnp.asarray(s, jnp.int32), out)
    return out


def from_diffrax(result) -> jnp.ndarray:
    """Status of a diffrax solve: OK if ``sol.result`` is successful, else MAX_STEPS (int32)."""
    import diffrax

    return jnp.where(result == diffrax.RESULTS.successful, jnp.int32(Status.OK), jnp.int32(Status.MAX_STEPS))


def raise_if_failed(status, where: str) -> None:
    """Eager check: SolverError naming ``where`` and the failed codes if any concrete status is non-zero."""
    s = np.asarray(status)
    if np.any(s != Status.OK):
        codes = sorted({int(c) for c in np.unique(s) if c != Status.OK})
        raise SolverError(
            f"{where}: {int(np.sum(s != Status.OK))} of {s.size} point(s) failed: "
            + "; ".join(describe(c) for c in codes)
        )
