"""Observable metadata, shared by the physics models and the data files.

An observable name is a stable string (e.g. ``"R_K[1.1,6]"``, ``"BR(Bs->mumu)"``) that a model's
``predict`` returns and a measurement record in ``likelihoods/data`` refers to. Each model declares
the observables it predicts as a tuple of ``ObservableInfo`` (``jaxbsm.model.Model.observables``);
the catalogue of all of them is ``jaxbsm.registry.observables()``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ObservableInfo:
    """Metadata of one observable: its name, LaTeX label, unit and a one-line description.

    Names may not contain '/': result files (netCDF/HDF5) use it as a path separator.
    """

    name: str
    latex: str
    unit: str
    description: str

    def __post_init__(self):
        if not self.name or "/" in self.name:
            raise ValueError(
                f"observable name {self.name!r} must be non-empty and free of '/', which netCDF/HDF5 result files cannot store"
            )
