"""Model consistency: field content, gauge anomalies, residual Z_n symmetries, neutrino nature,
dark-matter stability and allowed operators -- exact rational arithmetic, plain Python (no JAX).

Seeds: 000 (lepton number as a local gauge symmetry, anomaly coefficients A1..A6, P. Fileviez
Perez, Phys. Rev. D 110 (2024) 035018) and 001 (residual subgroups of U(1)_{B-L}, Dirac vs
Majorana neutrinos and dark-matter stability). Modules: representations (SU(3), SU(2) irreps),
fields (Field, FieldContent), standard_model, anomalies, residual, operators, io (YAML model
files), report (the text of ``jaxbsm check``).
"""

from jaxbsm.consistency.anomalies import (
    anomaly_coefficients,
    is_anomaly_free,
    label,
    nonzero_anomalies,
    singlet_charge_solutions,
    witten_anomaly,
)
from jaxbsm.consistency.fields import Field, FieldContent, rational
from jaxbsm.consistency.io import ModelFileError, load_model, model_from_dict, shipped_models
from jaxbsm.consistency.operators import (
    Operator,
    dirac_operators,
    fermion_bilinears,
    weinberg_operators,
)
from jaxbsm.consistency.report import check_report
from jaxbsm.consistency.representations import Rep, su2, su3
from jaxbsm.consistency.residual import (
    DarkSector,
    NeutrinoNature,
    Residual,
    dark_sector,
    neutrino_nature,
    residual_symmetry,
)
from jaxbsm.consistency.standard_model import standard_model

__all__ = [
    "DarkSector",
    "Field",
    "FieldContent",
    "ModelFileError",
    "NeutrinoNature",
    "Operator",
    "Rep",
    "Residual",
    "anomaly_coefficients",
    "check_report",
    "dark_sector",
    "dirac_operators",
    "fermion_bilinears",
    "is_anomaly_free",
    "label",
    "load_model",
    "model_from_dict",
    "neutrino_nature",
    "nonzero_anomalies",
    "rational",
    "residual_symmetry",
    "shipped_models",
    "singlet_charge_solutions",
    "standard_model",
    "su2",
    "su3",
    "weinberg_operators",
    "witten_anomaly",
]
