"""Field content of a model: fields with SU(3) x SU(2) x U(1)_Y quantum numbers, chirality,
multiplicity and any number of extra U(1) charges, all exact (Fractions).

Conventions
-----------
* Hypercharge: Q = T3 + Y, so the lepton doublet is L ~ (1, 2, -1/2) and e_R ~ (1, 1, -1).
* Chirality: "L" (left-handed Weyl fermion), "R" (right-handed Weyl fermion) or "S" (complex
  scalar). A field of chirality "R" is *not* converted to its left-handed conjugate: anomaly
  coefficients count left-handed minus right-handed fermions (see anomalies.py).
* Representations: irreps of dimension at most ``representations.MAX_DIM`` (100) per group.
* Multiplicity: number of copies with identical quantum numbers (generations). Copies with
  different extra charges (e.g. nu_R with B-L = -4, -4, 5) are separate fields.
* Extra U(1) charges (B, L, B-L, a dark U(1), ...) are named; a field without a charge entry has
  charge 0 under that U(1) (zero entries are dropped, so both spellings compare equal).
* ``sm`` marks the fields of the Standard Model, whose residual charges define the visible
  subgroup (dark-sector analysis, residual.py); ``vev`` marks scalars that acquire a vacuum
  expectation value (residual-symmetry analysis).
Floats are rejected everywhere: a charge like 0.333 is not the rational 1/3, and the residual
discrete symmetries depend on exact ratios of charges.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction

from jaxbsm.consistency.representations import MAX_DIM, Rep, su2, su3

CHIRALITIES = {"L": "left-handed Weyl fermion", "R": "right-handed Weyl fermion", "S": "complex scalar"}


def rational(value, what: str = "value") -> Fraction:
    """``value`` (int, Fraction, or a string such as "-7/2" or "3") as an exact Fraction.

    Floats and booleans are rejected with a ValueError naming ``what``: a float is not a reliable
    rational number (0.333 is not 1/3)."""
    if isinstance(value, float):  # a value from a user's file: ValueError, reported by the CLI
        message = f"{what}: {value!r} is a float; write an integer or a fraction string such as '-7/2'"
        raise ValueError(message)  # noqa: TRY004
    if isinstance(value, (int, Fraction)) and not isinstance(value, bool):
        return Fraction(value)
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            pass
    raise ValueError(f"{what}: {value!r} is not a rational number (write an integer or 'p/q', e.g. '-7/2')")


@dataclass(frozen=True)
class Field:
    """One field. ``su3``/``su2`` accept a Rep or a name ("3bar", 2, "adjoint"); ``Y`` and the
    ``charges`` values accept ints, Fractions or strings like "-1/2"."""

    name: str
    su3: Rep
    su2: Rep
    Y: Fraction
    chirality: str
    multiplicity: int = 1
    charges: Mapping[str, Fraction] = field(default_factory=dict)
    sm: bool = False
    vev: bool = False

    def __post_init__(self):
        where = f"field {self.name!r}"
        if not isinstance(self.name, str) or not self.name or any(c.isspace() for c in self.name):
            raise ValueError(f"field name {self.name!r}: must be a non-empty string without spaces")
        set_ = object.__setattr__
        for key, parse in (("su3", su3), ("su2", su2)):
            value = getattr(self, key)
            try:
                set_(self, key, value if isinstance(value, Rep) else parse(value))
            except ValueError as e:
                raise ValueError(f"{where}: {key}: {e}") from None
            dim = getattr(self, key).dim  # from the labels: nothing is built for a huge irrep
            if dim > MAX_DIM:
                raise ValueError(
                    f"{where}: {key} = {value!s} has dimension {dim}; allowed: an irrep of dimension 1 to {MAX_DIM} "
                    "(larger ones make the operator search take minutes)"
                )
        if self.su3.group != "SU(3)" or self.su2.group != "SU(2)":
            raise ValueError(f"{where}: su3/su2 must be SU(3)/SU(2) irreps, got {self.su3.group}, {self.su2.group}")
        set_(self, "Y", rational(self.Y, f"{where}: Y"))
        charges = {str(k): rational(v, f"{where}: charge {k}") for k, v in dict(self.charges).items()}
        set_(self, "charges", {k: v for k, v in charges.items() if v})  # charge 0 = no entry
        if self.chirality not in CHIRALITIES:
            raise ValueError(f"{where}: chirality {self.chirality!r} is not one of {', '.join(CHIRALITIES)}")
        if isinstance(self.multiplicity, bool) or not isinstance(self.multiplicity, int) or self.multiplicity < 1:
            raise ValueError(f"{where}: multiplicity {self.multiplicity!r} must be a positive integer")
        for flag in ("sm", "vev"):
            if not isinstance(getattr(self, flag), bool):
                raise ValueError(f"{where}: {flag} must be true or false, got {getattr(self, flag)!r}")  # noqa: TRY004
        if self.vev and self.is_fermion:
            raise ValueError(f"{where}: only scalars (chirality S) can have a vev")

    @property
    def is_fermion(self) -> bool:
        return self.chirality != "S"

    @property
    def dim(self) -> int:
        """Number of components of one copy: dim SU(3) x dim SU(2)."""
        return self.su3.dim * self.su2.dim

    def charge(self, name: str) -> Fraction:
        """The charge under the extra U(1) ``name`` (0 if the field has no entry), or Y for "Y"."""
        return self.Y if name == "Y" else self.charges.get(name, Fraction(0))


@dataclass(frozen=True)
class FieldContent:
    """A model's field content: named fields and the names of its extra U(1)s (besides Y).

    ``charges`` lists the extra U(1)s in display order; if empty it is inferred from the fields.
    Every charge a field carries must be listed. ``reference`` cites where the model comes from.
    """

    name: str
    fields: tuple[Field, ...]
    charges: tuple[str, ...] = ()
    description: str = ""
    reference: str = ""

    def __post_init__(self):
        object.__setattr__(self, "fields", tuple(self.fields))
        names = [f.name for f in self.fields]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"model {self.name!r}: duplicate field names {', '.join(duplicates)}")
        used = tuple(dict.fromkeys(c for f in self.fields for c in f.charges))
        object.__setattr__(self, "charges", tuple(self.charges) or used)
        if "Y" in self.charges or len(set(self.charges)) != len(self.charges):
            raise ValueError(f"model {self.name!r}: extra U(1) names {self.charges} must be unique and not 'Y'")
        for f in self.fields:
            undeclared = [c for c in f.charges if c not in self.charges]
            if undeclared:
                raise ValueError(
                    f"model {self.name!r}: field {f.name!r} has charge {undeclared[0]!r}, which is not one of "
                    f"the model's U(1)s ({', '.join(self.charges) or 'none'})"
                )

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        known = ", ".join(f.name for f in self.fields)
        raise ValueError(f"model {self.name!r} has no field {name!r} (fields: {known})")

    @property
    def fermions(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.is_fermion)

    @property
    def scalars(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.is_fermion)

    def extended(self, *fields: Field) -> FieldContent:
        """A copy with ``fields`` appended (and any new charge names added)."""
        new = dict.fromkeys(c for f in fields for c in f.charges if c not in self.charges)
        return replace(self, fields=self.fields + tuple(fields), charges=self.charges + tuple(new))
