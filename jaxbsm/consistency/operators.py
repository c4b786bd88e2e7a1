"""Which operators a residual symmetry allows: fermion mass terms and renormalisable Yukawas, the
Weinberg operator (L H)(L H) and its Dirac analogue Lbar H~ N (seed 001's generalised Weinberg
operator Lbar H~ nu_R chi when nu_R ~ -4 under B - L).

Notation of the operator texts (all Lorentz contractions implicit, plus h.c.):
* "Abar B phi":  Dirac-type  Abar_L B_R phi      (A left-, B right-handed)
* "A B phi":     Majorana-type A^T C B phi        (A, B of equal chirality; A = B allowed)
* "phi*":        the conjugate scalar (for a doublet, H* stands for H~ = i sigma_2 H*)
* mass terms have no scalar (dimension 3), Yukawas one (dimension 4).
Only terms invariant under SU(3) x SU(2) x U(1)_Y are listed. For A = B with multiplicity 1 the
gauge contraction must be symmetric (Fermi statistics with the symmetric C); with several
generations an antisymmetric contraction is allowed too (e.g. the Zee coupling L L h+).

Each operator is classified under one U(1)_X and its residual Z_n (residual.py):
* allowed: X-neutral, present at its own (renormalisable) dimension;
* induced: not X-neutral but Z_n-invariant: it appears after symmetry breaking, at the lowest
  dimension reached by multiplying with vev scalars (``insertions``; e.g. Lbar nu_R H* chi is
  dimension 5);
* forbidden: not Z_n-invariant, forbidden at all orders.
Terms that coincide once dressed with vevs are listed once, with the fewest insertions: the mass
term Abar B times phi is the Yukawa Abar B phi, and a Yukawa Abar B phi needing phi* is the mass
term times |phi|^2 (dropped).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from jaxbsm.consistency.fields import Field, FieldContent
from jaxbsm.consistency.representations import (
    SU2,
    SU3,
    convolve,
    product_weights,
    singlets,
    symmetric_square_weights,
)
from jaxbsm.consistency.residual import Residual, lepton_doublets, neutral_singlets


@dataclass(frozen=True)
class Operator:
    """A gauge-invariant operator (``text`` in the notation of the module docstring).

    ``base_dimension`` is its mass dimension, ``charge`` its X charge; ``insertions`` the fewest
    vev-scalar factors (name, power; a negative power means the conjugate) that make it X-neutral,
    or None if no product of vevs does (forbidden at all orders). ``factors`` is the sorted field
    content with the insertions (conjugates marked "*"): equal factors, equal operator."""

    text: str
    base_dimension: int
    charge: Fraction
    insertions: tuple[tuple[str, int], ...] | None
    factors: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        """Present at its own dimension (X-neutral)."""
        return self.charge == 0

    @property
    def forbidden(self) -> bool:
        """Forbidden at all orders by the residual symmetry."""
        return self.insertions is None

    @property
    def dimension(self) -> int | None:
        """Lowest dimension at which the operator (times vev insertions) is allowed; None if never."""
        if self.insertions is None:
            return None
        return self.base_dimension + sum(abs(k) for _, k in self.insertions)

    @property
    def full_text(self) -> str:
        """The operator with its vev insertions, e.g. "Lbar nu_R H* chi"."""
        powers = [name + "*" * (k < 0) + (f"^{abs(k)}" if abs(k) > 1 else "") for name, k in self.insertions or ()]
        return " ".join([self.text, *powers])


def insertions(residual: Residual, charge: int) -> tuple[tuple[str, int], ...] | None:
    """Fewest vev-scalar factors (name, power) cancelling a normalised X charge ``charge``; None if
    the charge is not a multiple of n (breadth-first search over products of vevs)."""
    if charge == 0:
        return ()
    if not residual.invariant(charge):
        return None
    steps = [(name, sign, sign * residual.normalised[name]) for name in residual.vevs for sign in (1, -1)]
    steps = [s for s in steps if s[2]]
    bound = max(abs(s[2]) for s in steps)
    low, high = min(0, -charge) - bound, max(0, -charge) + bound  # partial sums can be ordered to stay here
    paths: dict[int, Counter] = {0: Counter()}
    frontier = [0]
    while -charge not in paths:
        next_frontier = []
        for value in frontier:
            for name, sign, step in steps:
                new = value + step
                if low <= new <= high and new not in paths:
                    paths[new] = Counter(paths[value])
                    paths[new][name] += sign
                    next_frontier.append(new)
        frontier = next_frontier
    return tuple(sorted((name, k) for name, k in paths[-charge].items() if k))


def _factor(f: Field, conjugate: bool, residual: Residual):
    """(SU(3) rep, SU(2) rep, Y, normalised X) of a field or its conjugate."""
    sign = -1 if conjugate else 1
    return (
        f.su3.conjugate if conjugate else f.su3,
        f.su2,
        sign * f.Y,
        sign * residual.normalised[f.name],
    )


def _gauge_invariant(factors, symmetric_pair: bool) -> bool:
    """SU(3) x SU(2) x U(1)_Y invariance of a product of factors; ``symmetric_pair``: the first two
    factors are the same single-generation field, so only their symmetric product counts."""
    if sum(y for _, _, y, _ in factors) != 0:
        return False
    for group, index in ((SU3, 0), (SU2, 1)):
        reps = [factor[index] for factor in factors]
        if symmetric_pair:
            weights = symmetric_square_weights(reps[0])
            for rep in reps[2:]:
                weights = convolve(weights, rep.weights)
        else:
            weights = product_weights(reps)
        if not singlets(group, weights):
            return False
    return True


def _operator(text: str, dimension: int, fields, residual: Residual) -> Operator:
    """The operator made of ``fields``, a list of (field, conjugated) pairs."""
    x = sum(_factor(f, c, residual)[3] for f, c in fields)
    extra = insertions(residual, x)
    content = [f.name + "*" * c for f, c in fields]
    content += [name + "*" * (k < 0) for name, k in extra or () for _ in range(abs(k))]
    return Operator(text, dimension, x * residual.unit, extra, tuple(sorted(content)))


def _self_conjugate(f: Field) -> bool:
    return f.su3 == f.su3.conjugate and f.Y == 0 and not f.charges


def fermion_bilinears(model: FieldContent, residual: Residual) -> list[Operator]:
    """Every gauge-invariant fermion mass term and renormalisable Yukawa coupling of ``model``,
    classified under ``residual`` (module docstring)."""
    fermions = model.fermions
    scalars: list[tuple[Field, bool] | None] = [None]
    for scalar in model.scalars:
        scalars += [(scalar, False)] + ([] if _self_conjugate(scalar) else [(scalar, True)])
    operators = []
    for i, a in enumerate(fermions):
        for j, b in enumerate(fermions):
            dirac = a.chirality == "L" and b.chirality == "R"  # Abar_L B_R
            if not dirac and (a.chirality != b.chirality or j < i):
                continue  # equal chiralities: each unordered pair once
            pair = [(a, dirac), (b, False)]
            for s in scalars:
                fields = pair + ([] if s is None else [s])
                symmetric = a is b and a.multiplicity == 1
                if not _gauge_invariant([_factor(f, c, residual) for f, c in fields], symmetric):
                    continue
                names = [f"{a.name}bar" if dirac else a.name, b.name] + ([] if s is None else [_name(*s)])
                operator = _operator(" ".join(names), len(fields) + 1, fields, residual)
                if s is not None and dict(operator.insertions or ()).get(s[0].name, 0) * (1 if s[1] else -1) > 0:
                    continue  # its insertions contain the conjugate of its own scalar: the mass term x |s|^2
                operators.append(operator)
    return _distinct(operators)


def _distinct(operators: list[Operator]) -> list[Operator]:
    """Drop an induced operator whose content equals another's reached with fewer insertions
    (e.g. the mass term Abar B times phi when the Yukawa Abar B phi is listed)."""
    fewest: dict[tuple[str, ...], int] = {}
    for op in operators:
        if not op.forbidden:
            n = len(op.insertions or ())
            fewest[op.factors] = min(fewest.get(op.factors, n), n)
    kept, seen = [], set()
    for op in operators:
        if op.forbidden or (len(op.insertions or ()) == fewest[op.factors] and op.factors not in seen):
            kept.append(op)
            seen.add(op.factors)
    return kept


def _higgs_doublets(model: FieldContent) -> list[tuple[Field, bool]]:
    """Scalar doublets (1, 2, +-1/2) with a vev, each as (field, conjugate) with hypercharge +1/2."""
    return [
        (s, s.Y < 0)
        for s in model.scalars
        if s.vev and s.su3.is_singlet and s.su2.dim == 2 and abs(s.Y) == Fraction(1, 2)
    ]


def _name(s: Field, conjugate: bool) -> str:
    return s.name + ("*" if conjugate else "")


def weinberg_operators(model: FieldContent, residual: Residual) -> list[Operator]:
    """(L_i H_a)(L_j H_b) for all SM lepton doublets and Higgs doublets with a vev (dimension 5)."""
    doublets, higgs = lepton_doublets(model), _higgs_doublets(model)
    operators = []
    for i, a in enumerate(doublets):
        for b in doublets[i:]:
            for k, (h1, c1) in enumerate(higgs):
                for h2, c2 in higgs[k:]:
                    text = f"{a.name} {b.name} {_name(h1, c1)} {_name(h2, c2)}"
                    fields = [(a, False), (b, False), (h1, c1), (h2, c2)]
                    operators.append(_operator(text, 5, fields, residual))
    return operators


def dirac_operators(model: FieldContent, residual: Residual) -> list[Operator]:
    """Lbar H~ N_R (dimension 4) for every SM lepton doublet L, Higgs doublet H with a vev and
    neutral singlet fermion N (for a left-handed N its conjugate, written N^c); with vev
    insertions this is the generalised Weinberg operator of seed 001 (Lbar H~ nu_R chi)."""
    operators = []
    for a in lepton_doublets(model):
        for h, c in _higgs_doublets(model):
            for n in neutral_singlets(model):
                right = n.chirality == "R"
                text = f"{a.name}bar {n.name}{'' if right else '^c'} {_name(h, not c)}"
                operators.append(_operator(text, 4, [(a, True), (h, not c), (n, not right)], residual))
    return operators
