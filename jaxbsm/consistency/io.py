"""YAML model files: load and validate a model's field content.

Format (see jaxbsm/consistency/data/*.yaml)::

    name: bl-dirac-z6                  # optional, default: the file name
    description: ...                   # optional
    reference: ...                     # optional
    charges: [B-L]                     # the extra U(1)s; required when a field has charges
    fields:
      - {name: L, su2: 2, Y: -1/2, chirality: L, multiplicity: 3, charges: {B-L: -1}, sm: true}
      - {name: chi, Y: 0, chirality: S, charges: {B-L: 3}, vev: true}

Field keys: name, Y, chirality (L, R or S) are required; su3 and su2 default to the singlet,
multiplicity to 1, charges to none (charge 0 under each listed U(1)), sm and vev to false.
Representations are names (SU(3): 1, 3, 3bar, 6, 6bar, 8, ..., "(p,q)"; SU(2): the dimension;
or singlet/fundamental/adjoint), of dimension at most 100 each (representations.MAX_DIM). Charges and Y are integers or fraction strings ("-7/2"; YAML
reads an unquoted -7/2 as that string); floats are rejected. Files are read with jaxbsm.yamlio.read_yaml (safe; duplicate keys refused);
every error is a ModelFileError naming the file, the field and the offending value.
"""

from __future__ import annotations

from pathlib import Path

from jaxbsm.consistency.fields import Field, FieldContent
from jaxbsm.yamlio import YAMLFileError, read_yaml

DATA_DIR = Path(__file__).parent / "data"
TOP_KEYS = {"name", "description", "reference", "charges", "fields"}
FIELD_KEYS = {"name", "su3", "su2", "Y", "chirality", "multiplicity", "charges", "sm", "vev"}
REQUIRED_FIELD_KEYS = ("name", "Y", "chirality")


class ModelFileError(ValueError):
    """A model file that cannot be used; the message names file, field and value."""


def shipped_models() -> dict[str, Path]:
    """Names and paths of the model files shipped in jaxbsm/consistency/data/."""
    return {p.stem: p for p in sorted(DATA_DIR.glob("*.yaml"))}


def load_model(name_or_path: str | Path) -> FieldContent:
    """The model in a YAML file, or the shipped model of that name."""
    path = Path(name_or_path)
    if not path.is_file():
        models = shipped_models()
        if str(name_or_path) not in models:
            raise ModelFileError(
                f"no model file {str(name_or_path)!r} and no shipped model of that name; "
                f"shipped models: {', '.join(models)}"
            )
        path = models[str(name_or_path)]
    try:
        data = read_yaml(path)
    except YAMLFileError as e:
        raise ModelFileError(str(e)) from None
    return model_from_dict(data, str(path))


def _field(entry, position: int, source: str, charges: tuple[str, ...]) -> Field:
    if not isinstance(entry, dict):
        raise ModelFileError(f"{source}: field #{position}: expected a mapping of field keys, got {entry!r}")
    where = f"{source}: field {entry['name']!r}" if "name" in entry else f"{source}: field #{position}"
    missing = [k for k in REQUIRED_FIELD_KEYS if k not in entry]
    if missing:
        raise ModelFileError(f"{where}: missing key {missing[0]!r} (required: {', '.join(REQUIRED_FIELD_KEYS)})")
    unknown = sorted(set(entry) - FIELD_KEYS, key=str)
    if unknown:
        raise ModelFileError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(FIELD_KEYS))})")
    field_charges = entry.get("charges") or {}
    if not isinstance(field_charges, dict):
        raise ModelFileError(f"{where}: charges must be a mapping such as {{B-L: -1}}, got {field_charges!r}")
    undeclared = [c for c in field_charges if c not in charges]
    if undeclared:
        raise ModelFileError(
            f"{where}: charge {undeclared[0]!r} is not declared in the top-level 'charges' list "
            f"({', '.join(charges) or 'empty'})"
        )
    try:
        return Field(
            name=str(entry["name"]),
            su3=entry.get("su3", 1),
            su2=entry.get("su2", 1),
            Y=entry["Y"],
            chirality=entry["chirality"],
            multiplicity=entry.get("multiplicity", 1),
            charges=field_charges,
            sm=entry.get("sm", False),
            vev=entry.get("vev", False),
        )
    except ValueError as e:
        raise ModelFileError(f"{source}: {e}") from None


def model_from_dict(data, source: str) -> FieldContent:
    """Validate the parsed YAML ``data`` of the file ``source`` and build its FieldContent."""
    if not isinstance(data, dict):
        raise ModelFileError(f"{source}: expected a mapping with keys {', '.join(sorted(TOP_KEYS))}, got {data!r}")
    unknown = sorted(set(data) - TOP_KEYS, key=str)
    if unknown:
        raise ModelFileError(f"{source}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(TOP_KEYS))})")
    if not data.get("fields"):
        raise ModelFileError(f"{source}: missing key 'fields' (a non-empty list of fields)")
    if not isinstance(data["fields"], list):
        raise ModelFileError(f"{source}: 'fields' must be a list, got {data['fields']!r}")
    charges = data.get("charges") or []
    if not isinstance(charges, list) or not all(isinstance(c, str) for c in charges):
        raise ModelFileError(f"{source}: 'charges' must be a list of U(1) names such as [B-L], got {charges!r}")
    fields = [_field(entry, i + 1, source, tuple(charges)) for i, entry in enumerate(data["fields"])]
    try:
        return FieldContent(
            name=str(data.get("name", Path(source).stem)),
            fields=tuple(fields),
            charges=tuple(charges),
            description=" ".join(str(data.get("description", "")).split()),
            reference=" ".join(str(data.get("reference", "")).split()),
        )
    except ValueError as e:
        raise ModelFileError(f"{source}: {e}") from None
