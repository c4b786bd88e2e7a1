"""Gauge-anomaly coefficients (left-handed minus right-handed, T(fund) = 1/2, Q = T3 + Y).

Acceptance 1 (seed 000, P. Fileviez Perez, Phys. Rev. D 110 (2024) 035018): the SM leptons under
U(1)_l give A1..A6 = 0, 3/2, -3/2, 0, 3, 3 and the minimal model cancels all of them; SM + 3 nu_R
is anomaly-free under B - L, and so is the chiral nu_R = (-4, -4, 5) (seed 001). Acceptance 4:
a vector-like pair never changes any coefficient.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jaxbsm.consistency import (
    Field,
    FieldContent,
    anomaly_coefficients,
    is_anomaly_free,
    label,
    load_model,
    nonzero_anomalies,
    singlet_charge_solutions,
    standard_model,
    witten_anomaly,
)

F = Fraction


def seed_coefficients(model: FieldContent, x: str) -> list[Fraction]:
    """A1..A6 of seed 000: SU(3)^2 X, SU(2)^2 X, Y^2 X, Y X^2, X^3, grav-X."""
    c = anomaly_coefficients(model, [x])
    keys = [("SU(3)", "SU(3)", x), ("SU(2)", "SU(2)", x), ("Y", "Y", x), ("Y", x, x), (x, x, x), ("grav", "grav", x)]
    return [c[k] for k in keys]


SM_LEPTONS = FieldContent(
    "sm-leptons",
    (
        Field("l_L", "1", "2", F(-1, 2), "L", 3, {"l": 1}),
        Field("e_R", "1", "1", -1, "R", 3, {"l": 1}),
    ),
)

# P. Fileviez Perez, PRD 110, 035018: (SU(2), Y, l) of the new fermions
MINIMAL = (
    Field("nu_R", "1", "1", 0, "R", 3, {"l": 1}),
    Field("Psi_L", "1", "1", -1, "L", 1, {"l": F(3, 4)}),
    Field("Psi_R", "1", "1", -1, "R", 1, {"l": F(-3, 4)}),
    Field("chi_L", "1", "1", 0, "L", 1, {"l": F(3, 4)}),
    Field("rho_L", "1", "3", 0, "L", 1, {"l": F(-3, 4)}),
)


def test_seed_A1_to_A6_of_the_sm_leptons():
    expected = [0, F(3, 2), F(-3, 2), 0, 3, 3]
    assert seed_coefficients(SM_LEPTONS, "l") == expected
    # the same from the shipped SM, whose quarks carry L = 0
    assert seed_coefficients(standard_model(), "L") == expected


def test_minimal_model_cancels_all_anomalies():
    model = SM_LEPTONS.extended(*MINIMAL)
    assert seed_coefficients(model, "l") == [0] * 6
    # each new field does its part: rho_L cancels A2, Psi cancels A3
    assert seed_coefficients(SM_LEPTONS.extended(MINIMAL[4]), "l")[1] == 0
    assert seed_coefficients(SM_LEPTONS.extended(MINIMAL[1], MINIMAL[2]), "l")[2] == 0
    shipped = load_model("lepton-gauge-minimal")
    assert is_anomaly_free(shipped) and nonzero_anomalies(shipped) == {}


def test_standard_model_hypercharge_anomalies_and_b_minus_l():
    sm, sm_nu = standard_model(), standard_model(right_handed_neutrinos=True)
    for model in (sm, sm_nu):
        assert not witten_anomaly(model)
        assert all(v == 0 for k, v in anomaly_coefficients(model, []).items())  # SU(3)^3, ..., grav Y
    assert nonzero_anomalies(sm, ["B-L"]) == {("B-L", "B-L", "B-L"): -3, ("grav", "grav", "B-L"): -3}
    assert is_anomaly_free(sm_nu, ["B-L"])
    assert not is_anomaly_free(sm_nu, ["B"]) and not is_anomaly_free(sm_nu, ["L"])


def test_chiral_right_handed_neutrinos_cancel_b_minus_l():
    chiral = standard_model().extended(
        Field("nu_R", "1", "1", 0, "R", 2, {"B-L": -4}), Field("nu_R3", "1", "1", 0, "R", 1, {"B-L": 5})
    )
    assert is_anomaly_free(chiral, ["B-L"])
    assert is_anomaly_free(load_model("bl-dirac-z6")) and is_anomaly_free(load_model("bl-dirac-z3"))


def test_singlet_solver_three_neutrinos():
    """n = 3: exactly the vector (-1,-1,-1) and the chiral (-4,-4,5) solutions (the only ones over all
    integers: with y_i = 3 + x_i, sum y = 6 and prod y = 8)."""
    assert singlet_charge_solutions(standard_model(), "B-L", 3, -10, 10) == [(-4, -4, 5), (-1, -1, -1)]


def test_singlet_solver_finds_other_solutions():
    sm = standard_model()
    four = singlet_charge_solutions(sm, "B-L", 4, -10, 10)
    assert four == [(-4, -4, 0, 5), (-1, -1, -1, 0)]  # only a decoupled neutral singlet added
    five = singlet_charge_solutions(sm, "B-L", 5, -12, 12)
    assert {(-10, -7, 1, 2, 11), (-9, -9, -1, 5, 11), (-5, -4, -4, 5, 5)} <= set(five)
    for charges in five:
        model = sm.extended(*(Field(f"N{i}", "1", "1", 0, "R", 1, {"B-L": x}) for i, x in enumerate(charges)))
        assert is_anomaly_free(model, ["B-L"])
    assert singlet_charge_solutions(sm, "L", 3) == []  # SU(2)^2 L != 0: singlets cannot help


def test_mixed_anomalies_of_two_extra_u1s():
    model = FieldContent(
        "two-u1",
        (
            Field("a", "1", "1", 0, "L", 1, {"X": 1, "Z": 2}),
            Field("b", "1", "1", 0, "R", 1, {"X": 1, "Z": 1}),
        ),
    )
    c = anomaly_coefficients(model)
    assert c[("X", "X", "Z")] == 2 - 1 and c[("X", "Z", "Z")] == 4 - 1
    assert c[("X", "X", "X")] == 0 and c[("Z", "Z", "Z")] == 7 and c[("grav", "grav", "Z")] == 1
    assert c[("Y", "X", "Z")] == 0
    assert label(("X", "X", "Z")) == "U(1)_X^2 U(1)_Z"
    assert label(("Y", "B-L", "B-L")) == "U(1)_Y U(1)_{B-L}^2"
    assert label(("SU(2)", "SU(2)", "L")) == "SU(2)^2 U(1)_L"


def test_witten_anomaly_counts_doublets():
    one = FieldContent("one", (Field("d", "1", "2", 0, "L"),))
    assert witten_anomaly(one) and not is_anomaly_free(one)
    assert not witten_anomaly(FieldContent("two", (Field("d", "1", "2", 0, "L", 2),)))
    assert not witten_anomaly(FieldContent("quartet", (Field("q", "1", "4", 0, "L"),)))  # 2T = 10
    assert witten_anomaly(FieldContent("coloured", (Field("q", "3", "2", 0, "L"),)))


def test_unknown_charge():
    with pytest.raises(ValueError, match="has no U\\(1\\) 'X'"):
        anomaly_coefficients(standard_model(), ["X"])


rationals = st.builds(Fraction, st.integers(-12, 12), st.sampled_from([1, 2, 3, 4, 6]))
fields = st.builds(
    lambda name, su3, su2, y, mult, charges: (name, su3, su2, y, mult, charges),
    st.text("abcdefgh", min_size=1, max_size=4),
    st.sampled_from(["1", "3", "3bar", "6", "8", "(2,1)"]),
    st.integers(1, 4),
    rationals,
    st.integers(1, 3),
    st.fixed_dictionaries({}, optional={"B": rationals, "L": rationals, "B-L": rationals}),
)


@given(st.lists(st.tuples(fields, st.sampled_from("LR")), max_size=3), fields)
def test_vector_like_pair_changes_no_coefficient(chiral, pair):
    """Acceptance 4: a pair with identical quantum numbers and both chiralities cancels everywhere."""
    base = standard_model(right_handed_neutrinos=True).extended(
        *(Field(f"x{i}_{n}", a, b, y, chirality, m, c) for i, ((n, a, b, y, m, c), chirality) in enumerate(chiral))
    )
    name, a, b, y, m, c = pair
    extended = base.extended(Field(f"V_{name}_L", a, b, y, "L", m, c), Field(f"V_{name}_R", a, b, y, "R", m, c))
    assert anomaly_coefficients(extended) == anomaly_coefficients(base)
    assert witten_anomaly(extended) == witten_anomaly(base)
