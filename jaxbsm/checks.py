"""Input checks at public Python boundaries of the physics functions.

A check runs only on concrete values: under jit/vmap/grad the arguments are tracers and pass
unchecked (inside fits, unphysical points are caught by the likelihood, which returns -inf).
"""

from __future__ import annotations

import jax
import numpy as np

RULES = {
    "positive": (np.greater, "> 0"),
    "nonnegative": (np.greater_equal, ">= 0"),
    "nonzero": (np.not_equal, "non-zero"),
}


def is_concrete(*xs) -> bool:
    """True when no argument is a JAX tracer, i.e. its values can be inspected in Python."""
    return not any(isinstance(x, jax.core.Tracer) for x in xs)


def require(where: str, rule: str, what: str | None = None, **arrays) -> None:
    """ValueError "where: name must be <rule>[ what], got value" for any concrete array breaking ``rule``.

    ``rule`` is a key of RULES (NaN always fails); ``what`` adds a unit or an explanation.
    """
    test, text = RULES[rule]
    for name, x in arrays.items():
        if is_concrete(x) and not np.all(test(np.asarray(x), 0)):
            detail = f" {what}" if what else ""
            raise ValueError(f"{where}: {name} must be {text}{detail}, got {np.asarray(x)!r}")
