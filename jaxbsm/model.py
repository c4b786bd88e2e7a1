"""Models: named parameter sets with a prediction function.

A model declares its parameters (name, unit, physical range, default, default prior), the
observables it predicts (``jaxbsm.observables.ObservableInfo``) and a pure
``predict(params) -> {observable name: value}`` built from jaxbsm's physics functions. Likelihoods
(``jaxbsm.likelihoods``) bind these predictions to measurements; inference engines only see
parameters. The models jaxbsm ships are listed in one place, ``jaxbsm.registry``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import jax.numpy as jnp
import numpy as np

from jaxbsm.observables import ObservableInfo

PRIORS = ("uniform", "loguniform")

#: Reserved key of a prediction dict: the per-point solver status (``jaxbsm.status``), for models
#: whose predictions come from solvers that can fail. Absent means every point converged.
STATUS = "status"


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
    """A named physics model: parameters, the observables it predicts, and a pure prediction function.

    ``predict`` maps a dict of parameter arrays (any common broadcast shape) to a dict with one
    array per declared observable (``observables``), and, for models built on solvers that can
    fail, the int32 solver status under the reserved key ``STATUS`` (``jaxbsm.status``; a point
    with non-zero status gets log L = -inf in likelihoods). ``physical``, if given, maps the same dict to a boolean array: False marks points outside
    the physical region (e.g. a non-perturbative coupling), where likelihoods return -inf.
    ``theory_covariance``, if given, maps a list of measured observable names (repeats allowed) to
    the covariance of their theory predictions (units of the observables squared), which
    likelihoods add to the experimental one; without it the predictions are taken as exact.
    """

    name: str
    description: str
    parameters: tuple[Parameter, ...]
    observables: tuple[ObservableInfo, ...]
    predict: Callable[[Mapping[str, jnp.ndarray]], dict[str, jnp.ndarray]]
    physical: Callable[[Mapping[str, jnp.ndarray]], jnp.ndarray] | None = None
    citations: tuple[str, ...] = field(default_factory=tuple)
    theory_covariance: Callable[[Sequence[str]], np.ndarray] | None = None

    def __post_init__(self):
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise ValueError(f"model {self.name!r}: parameter names repeat: {names}")
        obs = [o.name for o in self.observables]
        if len(set(obs)) != len(obs):
            raise ValueError(f"model {self.name!r}: observable names repeat: {obs}")
        if STATUS in obs:
            raise ValueError(f"model {self.name!r}: {STATUS!r} is reserved for the solver status")

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def observable_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.observables)

    def observable(self, name: str) -> ObservableInfo:
        """Metadata of a predicted observable; ValueError listing what the model predicts otherwise."""
        for o in self.observables:
            if o.name == name:
                return o
        raise ValueError(
            f"model {self.name!r} does not predict {name!r}; it predicts {', '.join(self.observable_names)}"
        )

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
