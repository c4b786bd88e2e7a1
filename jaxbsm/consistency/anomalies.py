"""Gauge-anomaly coefficients of SU(3)_C x SU(2)_L x U(1)_Y x U(1)_X1 x ... , exact.

Convention: every coefficient is a sum over Weyl fermions, **left-handed minus right-handed**,
weighted by multiplicity; scalars do not contribute. With T(r) the Dynkin index (T(fund) = 1/2,
representations.py), A(r) the SU(3) cubic anomaly (A(3) = 1) and q_a the charge under U(1)_a
(a = Y or an extra U(1); Q = T3 + Y):

    SU(3)^3         sum A(r3) dim(r2)
    SU(3)^2 U(1)_a  sum T(r3) dim(r2) q_a
    SU(2)^2 U(1)_a  sum T(r2) dim(r3) q_a
    U(1)_a U(1)_b U(1)_c   sum dim(r3) dim(r2) q_a q_b q_c     (every multiset {a, b, c})
    grav^2 U(1)_a   sum dim(r3) dim(r2) q_a

so for an extra U(1)_X one gets the six coefficients SU(3)^2 X, SU(2)^2 X, Y^2 X, Y X^2, X^3,
grav-X (A1..A6 of seed 000, "Lepton number as local gauge symmetry", P. Fileviez Perez,
Phys. Rev. D 110, 035018 (2024)), and with several extra U(1)s the mixed X^2 X', X X'^2 (and
Y X X', X X' X''). The global SU(2) anomaly (Witten, Phys. Lett. B 117 (1982) 324) requires an
even number of Weyl multiplets with odd 2T(r2) (doublets), counted with colour and multiplicity.

Keys are tuples of factors: ("SU(3)", "SU(3)", "SU(3)"), ("SU(3)", "SU(3)", a),
("SU(2)", "SU(2)", a), ("grav", "grav", a), and (a, b, c) with U(1) names in the order
Y, then the model's extra U(1)s, e.g. ("SU(2)", "SU(2)", "L") or ("Y", "B-L", "B-L").
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from itertools import combinations_with_replacement

from jaxbsm.consistency.fields import Field, FieldContent

SU3, SU2, GRAV = "SU(3)", "SU(2)", "grav"
Key = tuple[str, str, str]


def _u1s(model: FieldContent, charges: Sequence[str] | None) -> list[str]:
    chosen = list(model.charges if charges is None else charges)
    unknown = [c for c in chosen if c not in model.charges]
    if unknown:
        raise ValueError(
            f"model {model.name!r} has no U(1) {unknown[0]!r} (its extra U(1)s: {', '.join(model.charges) or 'none'})"
        )
    return ["Y", *chosen]


def anomaly_keys(u1s: Sequence[str]) -> list[Key]:
    """All anomaly coefficients for U(1)s ``u1s`` (Y first): the SM ones, then per extra U(1) X
    SU(3)^2 X, SU(2)^2 X, Y^2 X, Y X^2, X^3, grav-X, then the mixed ones between extra U(1)s."""
    y, extras = u1s[0], list(u1s[1:])
    keys = [(SU3, SU3, SU3), (SU3, SU3, y), (SU2, SU2, y), (y, y, y), (GRAV, GRAV, y)]
    for x in extras:
        keys += [(SU3, SU3, x), (SU2, SU2, x), (y, y, x), (y, x, x), (x, x, x), (GRAV, GRAV, x)]
    keys += [k for k in combinations_with_replacement(u1s, 3) if len(set(k) - {y}) > 1]
    return keys


def _contribution(f: Field, key: Key) -> Fraction:
    """Contribution of one copy of a left-handed Weyl fermion f to the coefficient ``key``."""
    if key == (SU3, SU3, SU3):
        return f.su3.cubic_anomaly * f.su2.dim
    if key[0] == SU3:
        return f.su3.index * f.su2.dim * f.charge(key[2])
    if key[0] == SU2:
        return f.su2.index * f.su3.dim * f.charge(key[2])
    if key[0] == GRAV:
        return f.dim * f.charge(key[2])
    return f.dim * f.charge(key[0]) * f.charge(key[1]) * f.charge(key[2])


def anomaly_coefficients(model: FieldContent, charges: Sequence[str] | None = None) -> dict[Key, Fraction]:
    """Every anomaly coefficient (module docstring) of ``model``, left-handed minus right-handed.

    ``charges`` restricts the extra U(1)s considered (default: all of the model's)."""
    keys = anomaly_keys(_u1s(model, charges))
    return {
        key: sum(
            ((1 if f.chirality == "L" else -1) * f.multiplicity * _contribution(f, key) for f in model.fermions),
            Fraction(0),
        )
        for key in keys
    }


def witten_anomaly(model: FieldContent) -> bool:
    """True if the number of Weyl multiplets with odd 2T(r2) (doublets, sextets, ...), counted
    with colour and multiplicity, is odd: the theory is then inconsistent (global SU(2) anomaly)."""
    count = sum(f.multiplicity * f.su3.dim for f in model.fermions if (2 * f.su2.index).numerator % 2)
    return count % 2 == 1


def nonzero_anomalies(model: FieldContent, charges: Sequence[str] | None = None) -> dict[Key, Fraction]:
    """The non-vanishing coefficients of :func:`anomaly_coefficients`."""
    return {k: v for k, v in anomaly_coefficients(model, charges).items() if v}


def is_anomaly_free(model: FieldContent, charges: Sequence[str] | None = None) -> bool:
    """No non-vanishing coefficient and no global SU(2) anomaly."""
    return not nonzero_anomalies(model, charges) and not witten_anomaly(model)


def u1_label(name: str) -> str:
    """"U(1)_L", or "U(1)_{B-L}" for names that are not alphanumeric."""
    return f"U(1)_{name}" if name.replace("_", "").isalnum() else f"U(1)_{{{name}}}"


def label(key: tuple[str, ...]) -> str:
    """Readable name of an anomaly coefficient, e.g. "SU(2)^2 U(1)_L", "U(1)_Y U(1)_{B-L}^2"."""
    parts = []
    for factor in dict.fromkeys(key):
        name = factor if factor in (SU3, SU2, GRAV) else u1_label(factor)
        power = key.count(factor)
        parts.append(name if power == 1 else f"{name}^{power}")
    return " ".join(parts)


def singlet_charge_solutions(
    model: FieldContent, charge: str, n: int, low: int = -10, high: int = 10
) -> list[tuple[int, ...]]:
    """Integer charges x_1 <= ... <= x_n in [low, high] of ``n`` right-handed SM-singlet fermions
    (nu_R-like, (1, 1, 0)) that, added to ``model``, cancel every anomaly of
    SU(3) x SU(2) x U(1)_Y x U(1)_``charge`` that involves U(1)_``charge``.

    Singlets only enter X^3 and grav-X (they contribute -sum x^3 and -sum x, right-handed), so the
    conditions are sum x = grav-X and sum x^3 = X^3 of ``model``; SU(3)^2 X, SU(2)^2 X, Y^2 X and
    Y X^2 must already vanish, else there is no solution. For the SM and X = B - L (grav-X =
    X^3 = -3) and n = 3 the solutions are (-1, -1, -1) and the chiral (-4, -4, 5) (seed 001, after
    E. Ma and R. Srivastava 2014).
    """
    x = charge
    coefficients = anomaly_coefficients(model, [x])
    linear, cubic = coefficients[(GRAV, GRAV, x)], coefficients[(x, x, x)]
    if any(coefficients[k] for k in [(SU3, SU3, x), (SU2, SU2, x), ("Y", "Y", x), ("Y", x, x)]):
        return []
    if n < 1 or linear.denominator != 1:
        return []
    solutions = []
    for head in combinations_with_replacement(range(low, high + 1), n - 1):
        last = int(linear) - sum(head)
        if (head[-1] if head else low) <= last <= high and sum(y**3 for y in head) + last**3 == cubic:
            solutions.append((*head, last))
    return solutions
