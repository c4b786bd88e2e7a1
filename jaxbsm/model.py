"""Models: named parameter sets with a prediction function.

A model declares its parameters (name, unit, physical range, default, default prior) and a pure
``predict(params) -> {observable name: value}`` built from jaxbsm's physics functions. Likelihoods
(``likelihoods/``) bind these predictions to measurements; inference engines only see parameters.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import jax.numpy as jnp

PRIORS = ("uniform", "loguniform")


@dataclass(frozen=True)
class Parameter:
    """One model parameter.

    ``low``/``high`` bound the physical (or sensible) range and are the default prior's support;
    ``sm`` is the parameter's Standard-Model value (e.g. 0 for a new-physics coupling), or None
    when the SM does not fix it (e.g. a mediator mass).
    """

    name: str
    unit: str
    low: float
    high: float
    default: float
    latex: str
    description: str
    prior: str = "uniform"
    sm: float | None = None

    def __post_init__(self):
        if not self.low < self.high:
            raise ValueError(f"parameter {self.name}: low={self.low} must be < high={self.high}")
        if not self.low <= self.default <= self.high:
            raise ValueError(
                f"parameter {self.name}: default={self.default} outside [{self.low}, {self.high}]"
            )
        if self.prior not in PRIORS:
            raise ValueError(f"parameter {self.name}: prior {self.prior!r} not in {PRIORS}")
        if self.prior == "loguniform" and self.low <= 0:
            raise ValueError(f"parameter {self.name}: loguniform prior needs low > 0, got {self.low}")

    def check(self, value: float) -> None:
        """Raise ValueError naming the parameter, its value and the allowed range if out of range."""
        v = float(value)
        if not (math.isfinite(v) and self.low <= v <= self.high):
            raise ValueError(
                f"parameter {self.name} = {v} [{self.unit or 'dimensionless'}] is outside its "
                f"allowed range [{self.low}, {self.high}]"
            )


@dataclass(frozen=True)
class Model:
    """A named physics model: parameters and a pure prediction function.

    ``predict`` maps a dict of parameter arrays (any common broadcast shape) to a dict of observable
    arrays. ``physical``, if given, maps the same dict to a boolean array: False marks points outside
    the physical region (e.g. a non-perturbative coupling), where likelihoods return -inf.
    ``bind``, if given, specialises the model to the fixed parameter values of a fit (plain floats)
    and the observables its datasets measure (a frozenset of names), e.g. to precompute tables that
    depend on them only, and only the tables that fit needs; the bound model keeps the same
    parameters (``build_likelihood(..., fixed=...)`` uses it).
    """

    name: str
    description: str
    parameters: tuple[Parameter, ...]
    predict: Callable[[Mapping[str, jnp.ndarray]], dict[str, jnp.ndarray]]
    physical: Callable[[Mapping[str, jnp.ndarray]], jnp.ndarray] | None = None
    citations: tuple[str, ...] = field(default_factory=tuple)
    bind: Callable[[Mapping[str, float], frozenset[str]], Model] | None = None

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise ValueError(
            f"model {self.name!r} has no parameter {name!r}; its parameters are "
            f"{', '.join(self.parameter_names)}"
        )

    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.parameters}

    def complete(self, params: Mapping[str, float]) -> dict[str, float]:
        """Fill parameters missing from ``params`` with defaults; reject unknown names."""
        for name in params:
            self.parameter(name)
        return {**self.defaults(), **dict(params)}

    def validate(self, params: Mapping[str, float]) -> dict[str, float]:
        """Public-boundary check: complete ``params`` and range-check every value."""
        full = self.complete(params)
        for p in self.parameters:
            p.check(full[p.name])
        return full

    def sm_point(self, params: Mapping[str, float]) -> dict[str, float]:
        """``params`` with every parameter that has an SM value set to it (new physics off)."""
        full = self.complete(params)
        return {p.name: (full[p.name] if p.sm is None else p.sm) for p in self.parameters}


MODELS: dict[str, Model] = {}


def register_model(model: Model) -> Model:
    if model.name in MODELS:
        raise ValueError(f"model {model.name!r} registered twice")
    MODELS[model.name] = model
    return model


def load_builtin_models() -> None:
    """Import the modules that register jaxbsm's built-in models and observables."""
    import jaxbsm.cosmology.models  # noqa: F401
    import jaxbsm.flavour.models  # noqa: F401
    import jaxbsm.neutrino.models  # noqa: F401


def get_model(name: str) -> Model:
    """Return the registered model ``name``; ValueError listing the known models otherwise."""
    load_builtin_models()
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(sorted(MODELS))}") from None


def list_models() -> list[str]:
    load_builtin_models()
    return sorted(MODELS)
