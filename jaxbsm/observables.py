"""Registry of observable names, shared by the physics models and the data files.

An observable name is a stable string (e.g. ``"R_K[1.1,6]"``, ``"BR(Bs->mumu)"``) that a model's
``predict`` returns and a measurement record in ``likelihoods/data`` refers to.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ObservableInfo:
    """Metadata of one observable: its name, LaTeX label, unit and a one-line description."""

    name: str
    latex: str
    unit: str
    description: str


OBSERVABLES: dict[str, ObservableInfo] = {}


def register_observable(name: str, latex: str, unit: str, description: str) -> ObservableInfo:
    """Add an observable to the registry (idempotent for identical metadata).

    Names may not contain '/': result files (netCDF/HDF5) use it as a path separator.
    """
    if "/" in name:
        raise ValueError(f"observable name {name!r} contains '/', which netCDF/HDF5 result files cannot store")
    info = ObservableInfo(name, latex, unit, description)
    if name in OBSERVABLES and OBSERVABLES[name] != info:
        raise ValueError(f"observable {name!r} registered twice with different metadata")
    OBSERVABLES[name] = info
    return info


def get_observable(name: str) -> ObservableInfo:
    """Return the metadata of observable ``name``; ValueError listing the known names otherwise."""
    from jaxbsm.model import load_builtin_models

    load_builtin_models()
    try:
        return OBSERVABLES[name]
    except KeyError:
        raise ValueError(
            f"unknown observable {name!r}; known observables: {', '.join(sorted(OBSERVABLES))}"
        ) from None
