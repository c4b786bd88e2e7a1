"""The registry of jaxbsm's fittable models: one line per model, nothing registered by side effect.

Each entry maps a model name to the ``"module:attribute"`` where its ``jaxbsm.model.Model`` is
defined. Modules are imported only when a model is asked for, so ``import jaxbsm`` stays cheap and
a flavour fit never imports the cosmology solvers. Adding a model is one file defining a ``Model``
plus one line here (README, "Adding a model").
"""

from __future__ import annotations

import importlib

from jaxbsm.checks import require_float64
from jaxbsm.model import Model
from jaxbsm.observables import ObservableInfo

MODELS: dict[str, str] = {
    "wilson": "jaxbsm.flavour.models:WILSON",
    "cbar": "jaxbsm.flavour.models:CBAR",
    "zprime": "jaxbsm.flavour.models:ZPRIME",
    "zprime-33mumu": "jaxbsm.flavour.models:ZPRIME_33MUMU",
    "S3": "jaxbsm.flavour.models:S3",
    "V1": "jaxbsm.flavour.models:V1",
    "V3": "jaxbsm.flavour.models:V3",
    "neutrino": "jaxbsm.neutrino.models:NEUTRINO",
    "scalar-decay": "jaxbsm.cosmology.models:SCALAR_DECAY",
    "scalar-decay-exact": "jaxbsm.cosmology.models:SCALAR_DECAY_EXACT",
}


def get_model(name: str) -> Model:
    """The registered model ``name``; ValueError listing the known models otherwise (RuntimeError
    if JAX is in float32: the models' predictions need float64)."""
    require_float64("get_model")
    try:
        entry = MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(sorted(MODELS))}") from None
    module, _, attribute = entry.partition(":")
    model = getattr(importlib.import_module(module), attribute)
    if not isinstance(model, Model) or model.name != name:
        raise TypeError(f"registry entry {name!r} -> {entry!r} is not a jaxbsm Model named {name!r}")
    return model


def list_models() -> list[str]:
    """Names of the registered models, sorted."""
    return sorted(MODELS)


def observables() -> dict[str, ObservableInfo]:
    """Every observable some registered model predicts, by name (imports every model)."""
    out: dict[str, ObservableInfo] = {}
    for name in MODELS:
        for info in get_model(name).observables:
            if out.setdefault(info.name, info) != info:
                raise ValueError(f"observable {info.name!r} is declared with different metadata by two models")
    return dict(sorted(out.items()))
