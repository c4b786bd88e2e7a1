"""The Standard Model field content, with and without three right-handed neutrinos.

Quantum numbers (SU(3), SU(2), Y) with Q = T3 + Y, three generations of each fermion, and the
extra U(1) charges baryon number B, lepton number L and B - L (B = 1/3 for quarks, L = 1 for
leptons). The same models ship as YAML files, jaxbsm/consistency/data/sm.yaml and sm-nuR.yaml.
All fields are marked ``sm``; the Higgs doublet carries a vev (and no B, L charge).
"""

from __future__ import annotations

from fractions import Fraction

from jaxbsm.consistency.fields import Field, FieldContent
from jaxbsm.consistency.representations import su2, su3

_B = {"B": Fraction(1, 3), "L": Fraction(0), "B-L": Fraction(1, 3)}
_L = {"B": Fraction(0), "L": Fraction(1), "B-L": Fraction(-1)}


def standard_model(right_handed_neutrinos: bool = False) -> FieldContent:
    """The SM ("sm"), or the SM with three right-handed neutrinos nu_R ~ (1, 1, 0) ("sm-nuR")."""
    triplet, doublet, singlet3, singlet2 = su3("3"), su2("2"), su3("1"), su2("1")
    fields = [
        Field("Q", triplet, doublet, Fraction(1, 6), "L", 3, _B, sm=True),
        Field("u_R", triplet, singlet2, Fraction(2, 3), "R", 3, _B, sm=True),
        Field("d_R", triplet, singlet2, Fraction(-1, 3), "R", 3, _B, sm=True),
        Field("L", singlet3, doublet, Fraction(-1, 2), "L", 3, _L, sm=True),
        Field("e_R", singlet3, singlet2, Fraction(-1), "R", 3, _L, sm=True),
    ]
    if right_handed_neutrinos:
        fields.append(Field("nu_R", singlet3, singlet2, Fraction(0), "R", 3, _L, sm=True))
    fields.append(Field("H", singlet3, doublet, Fraction(1, 2), "S", sm=True, vev=True))
    return FieldContent(
        name="sm-nuR" if right_handed_neutrinos else "sm",
        fields=tuple(fields),
        charges=("B", "L", "B-L"),
        description="Standard Model"
        + (" with three right-handed neutrinos" if right_handed_neutrinos else "")
        + "; B, L and B-L as extra U(1) charges",
        reference="PDG Review of Particle Physics, 'Standard Model' (Q = T3 + Y)",
    )
