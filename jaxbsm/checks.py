"""Input checks at public Python boundaries of the physics functions.

A check runs only on concrete values: under jit/vmap/grad the arguments are tracers and pass
unchecked (inside fits, unphysical points are caught by the likelihood, which returns -inf).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import jax
import numpy as np


def _finite_positive(x, zero):
    return np.isfinite(x) & (x > zero)


RULES: dict[str, tuple[Callable[[np.ndarray, float], np.ndarray], str]] = {
    "positive": (np.greater, "> 0"),
    "finite_positive": (_finite_positive, "finite and > 0"),
    "nonnegative": (np.greater_equal, ">= 0"),
    "nonzero": (np.not_equal, "non-zero"),
}


def is_concrete(*xs) -> bool:
    """True when no argument is a JAX tracer, i.e. its values can be inspected in Python."""
    return not any(isinstance(x, jax.core.Tracer) for x in xs)


_float32_allowed = False


@contextlib.contextmanager
def float32_allowed():
    """Inside this block :func:`require_float64` lets float32 through: for measuring float32
    throughput on purpose (benchmarks/flavour.py --float32), never for results."""
    global _float32_allowed
    previous, _float32_allowed = _float32_allowed, True
    try:
        yield
    finally:
        _float32_allowed = previous


def require_float64(where: str) -> None:
    """RuntimeError unless JAX computes in float64 (``jax_enable_x64``), which importing the jaxbsm
    package switches on: in float32 the stiff solvers and the flavour quadratic forms lose their
    accuracy silently (e.g. a script beside a folder named ``jaxbsm`` imports that folder instead).
    Public entry points call it: build_likelihood, get_model, the freeze-in, transfer, half-mode,
    oscillation, bounce and Q-ball solvers."""
    if not jax.config.read("jax_enable_x64") and not _float32_allowed:
        raise RuntimeError(
            f"{where}: JAX is in float32 (jax_enable_x64 is off); jaxbsm computes in float64. Import the installed "
            "package (`import jaxbsm`, which switches it on) or call jax.config.update('jax_enable_x64', True) first"
        )


def require(where: str, rule: str, what: str | None = None, **arrays) -> None:
    """ValueError "where: name must be <rule>[ what], got value" for any concrete array breaking ``rule``.

    ``rule`` is a key of RULES (NaN always fails); ``what`` adds a unit or an explanation.
    """
    test, text = RULES[rule]
    for name, x in arrays.items():
        if is_concrete(x) and not np.all(test(np.asarray(x), 0)):
            detail = f" {what}" if what else ""
            raise ValueError(f"{where}: {name} must be {text}{detail}, got {np.asarray(x)!r}")
