"""Irreducible representations of SU(3) and SU(2): weights, dimension, Dynkin index, cubic anomaly
and the number of gauge singlets in a tensor product, all exact (integers and Fractions).

Conventions
-----------
* SU(3) irreps carry Dynkin labels (p, q): 3 = (1,0), 3bar = (0,1), 6 = (2,0), 8 = (1,1).
  SU(2) irreps carry the Dynkin label (2j,); their dimension is n = 2j + 1.
* Dynkin index T(r), tr_r(T^a T^b) = T(r) delta^ab, normalised to T(fundamental) = 1/2, hence
  T(adjoint) = N: SU(2) T(n) = n(n^2 - 1)/12 (T(2) = 1/2, T(3) = 2); SU(3) T(3) = 1/2, T(6) = 5/2,
  T(8) = 3. These are the indices entering the mixed anomalies SU(N)^2 U(1).
* Cubic anomaly A(r) of SU(3), tr_r({T^a, T^b} T^c) = A(r) tr_3({T^a, T^b} T^c): A(3) = 1,
  A(3bar) = -1, A(6) = 7, A(8) = 0. SU(2) has no cubic invariant (every irrep is (pseudo)real).

Method: an irrep is stored by its weight system. SU(2) weights are the integers 2*T3; SU(3)
weights are (u, v) = (x1 - x3, x2 - x3) for the weight x1 e1 + x2 e2 + x3 e3 (e_i the weights of
the 3, e1 + e2 + e3 = 0). The weights of (p, q) follow from
Sym^p(3) x Sym^q(3bar) = (p, q) + Sym^(p-1)(3) x Sym^(q-1)(3bar). T and A are sums of powers of
the Cartan generator H = diag(1, 1, -2) (or 2*T3) over the weights. The number of singlets in a
representation R follows from the Weyl character formula (Racah-Speiser):
n_0(R) = sum over Weyl-group elements w of sign(w) * mult_R(rho - w rho).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

SU3 = "SU(3)"
SU2 = "SU(2)"

SU3_NAMES: dict[tuple[int, ...], str] = {
    (0, 0): "1", (1, 0): "3", (0, 1): "3bar", (2, 0): "6", (0, 2): "6bar", (1, 1): "8",
    (3, 0): "10", (0, 3): "10bar", (2, 1): "15", (1, 2): "15bar", (2, 2): "27",
}  # fmt: skip
#: Largest irrep dimension a model field may carry (per group). The operator search convolves the
#: weight systems of up to four fields, in time ~ dim^2 per pair: at dimension 100 a model with five
#: such fields is checked in ~0.5 s (SU(2) 100 or SU(3) (0,12), 91), at 200 in ~2 s, at 1000 in minutes.
MAX_DIM = 100

SU3_ALIASES = {"singlet": (0, 0), "fundamental": (1, 0), "antifundamental": (0, 1), "adjoint": (1, 1)}
SU2_ALIASES = {"singlet": 1, "fundamental": 2, "doublet": 2, "adjoint": 3, "triplet": 3}

# (rho - w rho, sign(w)) over the Weyl group, in the weight coordinates above.
# SU(3): alpha1 = e1 - e2 = (1, -1), alpha2 = e2 - e3 = (1, 2).
_WEYL_SHIFTS = {
    SU2: (((0,), 1), ((2,), -1)),
    SU3: (((0, 0), 1), ((1, -1), -1), ((1, 2), -1), ((3, 0), 1), ((3, 3), 1), ((4, 2), -1)),
}


def _add(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(x + y for x, y in zip(a, b, strict=True))


def convolve(a: Counter, b: Counter) -> Counter:
    """Weight multiset of the tensor product of two representations given by their weight multisets."""
    out: Counter = Counter()
    for wa, ma in a.items():
        for wb, mb in b.items():
            out[_add(wa, wb)] += ma * mb
    return out


def _symmetric_power(p: int, sign: int) -> Counter:
    """Weights of Sym^p(3) (sign = +1) or Sym^p(3bar) (sign = -1)."""
    weights: Counter = Counter()
    for a1 in range(p + 1):
        for a2 in range(p + 1 - a1):
            a3 = p - a1 - a2
            weights[(sign * (a1 - a3), sign * (a2 - a3))] += 1
    return weights


@cache
def _weights(group: str, labels: tuple[int, ...]) -> tuple[tuple[tuple[int, ...], int], ...]:
    if group == SU2:
        (twice_j,) = labels
        return tuple(((w,), 1) for w in range(twice_j, -twice_j - 1, -2))
    p, q = labels
    weights = convolve(_symmetric_power(p, 1), _symmetric_power(q, -1))
    if p and q:
        weights.subtract(convolve(_symmetric_power(p - 1, 1), _symmetric_power(q - 1, -1)))
    return tuple(sorted((w, m) for w, m in weights.items() if m))


def dimension(group: str, labels: tuple[int, ...]) -> int:
    """Dimension of the irrep from its Dynkin labels (Weyl's formula; no weights are built):
    SU(2) 2j + 1, SU(3) (p + 1)(q + 1)(p + q + 2)/2."""
    if group == SU2:
        return labels[0] + 1
    p, q = labels
    return (p + 1) * (q + 1) * (p + q + 2) // 2


def _cartan(group: str, weight: tuple[int, ...]) -> int:
    """The Cartan generator used for T and A: 2*T3 for SU(2), H = diag(1, 1, -2) for SU(3)."""
    return weight[0] if group == SU2 else weight[0] + weight[1]


@dataclass(frozen=True)
class Rep:
    """An irrep of SU(3) or SU(2) given by its Dynkin labels ((p, q) for SU(3), (2j,) for SU(2))."""

    group: str
    labels: tuple[int, ...]

    def __post_init__(self):
        size = {SU3: 2, SU2: 1}.get(self.group)
        if size is None or len(self.labels) != size or any(not isinstance(x, int) or x < 0 for x in self.labels):
            raise ValueError(f"invalid irrep {self.group} {self.labels}")

    @property
    def weights(self) -> Counter:
        """The weight multiset (see the module docstring for the coordinates)."""
        return Counter(dict(_weights(self.group, self.labels)))

    @property
    def dim(self) -> int:
        return dimension(self.group, self.labels)

    @property
    def index(self) -> Fraction:
        """Dynkin index T(r) with T(fundamental) = 1/2."""
        total = sum(m * _cartan(self.group, w) ** 2 for w, m in _weights(self.group, self.labels))
        # sum over the fundamental: (2*T3)^2 -> 2, H^2 -> 6; each must give 1/2
        return Fraction(total, 4 if self.group == SU2 else 12)

    @property
    def cubic_anomaly(self) -> Fraction:
        """Cubic anomaly A(r), A(3) = 1 for SU(3); 0 for SU(2)."""
        if self.group == SU2:
            return Fraction(0)
        total = sum(m * _cartan(self.group, w) ** 3 for w, m in _weights(self.group, self.labels))
        return Fraction(total, -6)  # sum of H^3 over the 3: 1 + 1 - 8

    @property
    def conjugate(self) -> Rep:
        return Rep(self.group, self.labels[::-1]) if self.group == SU3 else self

    @property
    def is_singlet(self) -> bool:
        return not any(self.labels)

    @property
    def name(self) -> str:
        if self.group == SU2:
            return str(self.labels[0] + 1)
        return SU3_NAMES.get(self.labels, f"({self.labels[0]},{self.labels[1]})")

    def __str__(self) -> str:
        return self.name


def su3(value: int | str) -> Rep:
    """The SU(3) irrep named ``value``: 1, 3, 3bar, 6, 6bar, 8, 10, 10bar, 15, 15bar, 27, one of
    singlet/fundamental/antifundamental/adjoint, or Dynkin labels "(p,q)"; ValueError otherwise."""
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    by_name = {name: labels for labels, name in SU3_NAMES.items()} | SU3_ALIASES
    if text in by_name:
        return Rep(SU3, by_name[text])
    match = re.fullmatch(r"\(\s*(\d+)\s*,\s*(\d+)\s*\)", text)
    if match:
        return Rep(SU3, (int(match[1]), int(match[2])))
    known = ", ".join([*SU3_NAMES.values(), *SU3_ALIASES])
    raise ValueError(f"unknown SU(3) representation {value!r} (known: {known}, or Dynkin labels '(p,q)')")


def su2(value: int | str) -> Rep:
    """The SU(2) irrep of dimension ``value`` (1, 2, 3, ...) or named singlet/fundamental/doublet/
    adjoint/triplet; ValueError otherwise."""
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    if text in SU2_ALIASES:
        return Rep(SU2, (SU2_ALIASES[text] - 1,))
    if text.isdigit() and int(text) > 0:
        return Rep(SU2, (int(text) - 1,))
    raise ValueError(
        f"unknown SU(2) representation {value!r} (known: a dimension 1, 2, 3, ... or {', '.join(SU2_ALIASES)})"
    )


def product_weights(reps: list[Rep]) -> Counter:
    """Weight multiset of the tensor product of ``reps`` (all of one group)."""
    weights: Counter = Counter({(0,) * len(reps[0].labels): 1})
    for rep in reps:
        weights = convolve(weights, rep.weights)
    return weights


def symmetric_square_weights(rep: Rep) -> Counter:
    """Weight multiset of Sym^2(rep), the symmetric part of rep x rep."""
    expanded = [w for w, m in rep.weights.items() for _ in range(m)]
    return Counter(_add(expanded[i], expanded[j]) for i in range(len(expanded)) for j in range(i, len(expanded)))


def singlets(group: str, weights: Counter) -> int:
    """Number of singlets in the representation of ``group`` with weight multiset ``weights``."""
    return sum(sign * weights.get(shift, 0) for shift, sign in _WEYL_SHIFTS[group])
