"""SU(3) and SU(2) irreps from their weights: dimension, Dynkin index (T(fund) = 1/2), cubic anomaly
(A(3) = 1) and singlet counting, against textbook values (Slansky, Phys. Rept. 79 (1981) 1)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jaxbsm.consistency.representations import (
    SU2,
    SU3,
    Rep,
    convolve,
    product_weights,
    singlets,
    su2,
    su3,
    symmetric_square_weights,
)


@pytest.mark.parametrize(
    "name, dim, index, cubic",
    [
        ("1", 1, 0, 0),
        ("3", 3, Fraction(1, 2), 1),
        ("3bar", 3, Fraction(1, 2), -1),
        ("6", 6, Fraction(5, 2), 7),
        ("6bar", 6, Fraction(5, 2), -7),
        ("8", 8, 3, 0),
        ("10", 10, Fraction(15, 2), 27),
        ("15", 15, 10, 14),
        ("27", 27, 27, 0),
        ("adjoint", 8, 3, 0),
        ("(3,1)", 24, 25, 64),
    ],
)
def test_su3_table(name, dim, index, cubic):
    rep = su3(name)
    assert (rep.dim, rep.index, rep.cubic_anomaly) == (dim, index, cubic)


@pytest.mark.parametrize("n, index", [(1, 0), (2, Fraction(1, 2)), (3, 2), (4, 5), (5, 10)])
def test_su2_table(n, index):
    rep = su2(n)
    assert rep.dim == n and rep.index == index and rep.cubic_anomaly == 0 and rep.name == str(n)


@given(st.integers(0, 4), st.integers(0, 4))
def test_su3_dimension_index_and_anomaly_formulas(p, q):
    """dim = (p+1)(q+1)(p+q+2)/2, T = dim C2 / 8 with C2 = (p^2 + q^2 + pq + 3p + 3q)/3, A(rbar) = -A(r)."""
    rep = Rep(SU3, (p, q))
    dim = (p + 1) * (q + 1) * (p + q + 2) // 2
    assert rep.dim == dim and sum(rep.weights.values()) == dim  # Rep.dim is the formula: the weights check it
    assert rep.index == Fraction(dim * (p * p + q * q + p * q + 3 * p + 3 * q), 24)
    assert rep.conjugate.cubic_anomaly == -rep.cubic_anomaly
    assert singlets(SU3, product_weights([rep, rep.conjugate])) == 1


@given(st.integers(1, 12))
def test_su2_index_formula(n):
    assert su2(n).index == Fraction(n * (n * n - 1), 12)


@given(st.sampled_from(["1", "3", "3bar", "6", "8", "(2,1)"]), st.sampled_from(["1", "3", "3bar", "6", "8", "(2,1)"]))
def test_schur(a, b):
    """r x s contains a singlet exactly when s is the conjugate of r (once)."""
    r, s = su3(a), su3(b)
    assert singlets(SU3, product_weights([r, s])) == (1 if s == r.conjugate else 0)


@pytest.mark.parametrize(
    "reps, count",
    [
        (["3", "3", "3"], 1),
        (["3", "3", "6"], 0),
        (["3", "3", "6bar"], 1),
        (["8", "8", "8"], 2),
        (["3", "3bar", "8"], 1),
    ],
)
def test_su3_triple_products(reps, count):
    assert singlets(SU3, product_weights([su3(r) for r in reps])) == count


def test_su2_products_and_symmetric_square():
    assert singlets(SU2, product_weights([su2(2)] * 4)) == 2
    assert singlets(SU2, product_weights([su2(2), su2(2), su2(3)])) == 1
    # Sym^2(2) = 3: L L Delta is symmetric, L L h+ (singlet) is antisymmetric
    assert singlets(SU2, convolve(symmetric_square_weights(su2(2)), su2(3).weights)) == 1
    assert singlets(SU2, symmetric_square_weights(su2(2))) == 0
    # Sym^2(8) = 1 + 8 + 27: one symmetric (d-type) invariant 8 8 8
    assert singlets(SU3, convolve(symmetric_square_weights(su3(8)), su3(8).weights)) == 1


@pytest.mark.parametrize("value", ["5", "3b", 3.0, True, "(1,2,3)", ""])
def test_unknown_su3(value):
    with pytest.raises(ValueError, match="unknown SU\\(3\\) representation"):
        su3(value)


@pytest.mark.parametrize("value", [0, "0", "two", 2.0, False, "-1"])
def test_unknown_su2(value):
    with pytest.raises(ValueError, match="unknown SU\\(2\\) representation"):
        su2(value)


def test_aliases():
    assert su3("fundamental") == su3(3) and su3("antifundamental") == su3("3bar") and su3("singlet") == su3(1)
    assert su2("doublet") == su2(2) and su2("adjoint") == su2("triplet") == su2(3)
