"""Residual Z_n of U(1)_{B-L}, Dirac vs Majorana neutrinos and the dark sector (acceptance 2).

The explicit charge assignments are those of the shipped model files (asserted below), restricted
to the leptons, the Higgs and the new fields: seed 001 leaves the quarks out. The seed does not
list the B - L charges of the new fields in (a) and (b); we complete the one-loop Dirac mass
diagram of the dimension-5 operator Lbar H~ nu_R chi (chi ~ 3) with a vector-like fermion
N_L, N_R of charge q_N, an inert doublet eta ~ (2, 1/2) of charge 1 + q_N and a singlet xi of
charge -q_N - 4 (couplings Lbar eta~ N_R, N_Lbar nu_R xi*, H^dag eta xi chi):
  (a) integer q_N = -2: eta -1, xi -2;   (b) half-integer q_N = -1/2: eta 1/2, xi -7/2.
(c) is the seed's B-L scotogenic model as given, with inert doublets of Y = -1/2.
With the quarks (B - L = 1/3) kept, the group acting on the fields is Z_{3n} and its Z_3 is the
colour centre: the physical group is the same Z_n.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jaxbsm.consistency import (
    Field,
    FieldContent,
    dark_sector,
    load_model,
    neutrino_nature,
    residual_symmetry,
    standard_model,
)
from jaxbsm.consistency.residual import charge_unit

F = Fraction
QUARKS = {"Q", "u_R", "d_R"}


def leptonic(name: str) -> FieldContent:
    """The shipped model without its quarks, as in seed 001."""
    model = load_model(name)
    return FieldContent(model.name, tuple(f for f in model.fields if f.name not in QUARKS), model.charges)


def b_minus_l(model: FieldContent) -> dict[str, Fraction]:
    return {f.name: f.charge("B-L") for f in model.fields}


def test_2a_integer_charges_give_z3_dirac_and_no_dark_sector():
    model = leptonic("bl-dirac-z3")
    assert b_minus_l(model) == {
        "L": -1, "e_R": -1, "H": 0, "nu_R": -4, "nu_R3": 5, "chi": 3, "N_L": -2, "N_R": -2, "eta": -1, "xi": -2,
    }  # fmt: skip
    r = residual_symmetry(model, "B-L")
    assert (r.group, r.order, r.full_order, r.unit, r.vevs) == ("Z_3", 3, 3, 1, ("H", "chi"))
    assert r.charges == {
        "L": 2, "e_R": 2, "H": 0, "nu_R": 2, "nu_R3": 2, "chi": 0, "N_L": 1, "N_R": 1, "eta": 2, "xi": 1,
    }  # fmt: skip
    nature = neutrino_nature(model, r)
    assert nature.nature == "Dirac" and nature.majorana_pairs == ()
    assert ("L", "nu_R") in nature.dirac_pairs and ("L", "nu_R3") in nature.dirac_pairs
    assert "Z_(2N+1)" in nature.reason
    dark = dark_sector(model, r)
    assert dark.fields == () and not dark.stable and dark.visible == 1  # L alone generates Z_3


def test_2b_half_integer_charges_give_z6_dirac_and_stable_dark_sector():
    model = leptonic("bl-dirac-z6")
    assert b_minus_l(model) == {
        "L": -1, "e_R": -1, "H": 0, "nu_R": -4, "nu_R3": 5, "chi": 3,
        "N_L": F(-1, 2), "N_R": F(-1, 2), "eta": F(1, 2), "xi": F(-7, 2),
    }  # fmt: skip
    r = residual_symmetry(model, "B-L")
    assert (r.group, r.order, r.full_order, r.unit) == ("Z_6", 6, 6, F(1, 2))
    assert r.charges == {
        "L": 4, "e_R": 4, "H": 0, "nu_R": 4, "nu_R3": 4, "chi": 0, "N_L": 5, "N_R": 5, "eta": 1, "xi": 5,
    }  # fmt: skip
    assert r.element(r.charges["L"]) == "w^4"
    nature = neutrino_nature(model, r)
    assert nature.nature == "Dirac" and nature.majorana_pairs == ()
    assert "N = 3 and L ~ w^4 != w^N" in nature.reason
    dark = dark_sector(model, r)
    assert dark.fields == ("N_L", "N_R", "eta", "xi") and dark.stable
    assert dark.visible == 2  # the SM fields generate {1, w^2, w^4}


def test_2c_scotogenic_gives_z4_majorana_and_stable_dark_sector():
    model = leptonic("bl-scotogenic-z4")
    assert b_minus_l(model) == {
        "L": -1, "e_R": -1, "H": 0, "F_L": F(1, 2), "F_R": F(1, 2), "eta1": F(-3, 2), "eta2": F(-1, 2), "chi": 2,
    }  # fmt: skip
    r = residual_symmetry(model, "B-L")
    assert (r.group, r.unit) == ("Z_4", F(1, 2))
    assert {k: r.element(v) for k, v in r.charges.items()} == {
        "L": "w^2", "e_R": "w^2", "H": "1", "F_L": "w", "F_R": "w", "eta1": "w", "eta2": "w^3", "chi": "1",
    }  # fmt: skip
    nature = neutrino_nature(model, r)
    assert nature.nature == "Majorana" and nature.majorana_pairs == (("L", "L"),)
    assert "N = 2 and L ~ w^2 = w^N" in nature.reason
    dark = dark_sector(model, r)
    assert dark.fields == ("F_L", "F_R", "eta1", "eta2") and dark.stable and dark.visible == 2


@pytest.mark.parametrize(
    "name, n, quark, nature, dark",
    [
        ("bl-dirac-z3", 3, F(1, 3), "Dirac", ()),
        ("bl-dirac-z6", 6, F(2, 3), "Dirac", ("N_L", "N_R", "eta", "xi")),
        ("bl-scotogenic-z4", 4, F(2, 3), "Majorana", ("F_L", "F_R", "eta1", "eta2")),
    ],
)
def test_quarks_only_add_the_colour_centre(name, n, quark, nature, dark):
    """With the quarks: Z_{3n} on the fields, its Z_3 the colour centre; same physics as without.
    A quark (B - L = 1/3) carries a fractional power of w: its phase is fixed only up to the centre."""
    model = load_model(name)
    r = residual_symmetry(model, "B-L")
    assert (r.order, r.full_order, r.gauge_order, r.group) == (n, 3 * n, 3, f"Z_{n}")
    assert r.charges["Q"] == quark and r.element(quark) == f"w^({quark})"
    without = leptonic(name)
    assert all(r.charges[f.name] == residual_symmetry(without, "B-L").charges[f.name] for f in without.fields)
    assert neutrino_nature(model, r).nature == nature
    assert dark_sector(model, r).fields == dark


def test_minimal_gauged_lepton_number():
    """Seed 000: v_phi != 0 -> Majorana neutrinos; v_phi = 0 -> Dirac neutrinos and dark matter."""
    model = load_model("lepton-gauge-minimal")
    both = residual_symmetry(model, "L")
    assert (both.group, both.unit) == ("Z_1", F(1, 4))
    assert neutrino_nature(model, both).nature == "Majorana" and dark_sector(model, both).fields == ()
    only_s = residual_symmetry(model, "L", vevs=["H", "S"])
    assert only_s.group == "Z_6" and only_s.charges["L"] == 4 and only_s.charges["Psi_L"] == 3
    assert neutrino_nature(model, only_s).nature == "Dirac"
    assert dark_sector(model, only_s).fields == ("Psi_L", "Psi_R", "chi_L", "rho_L", "phi")


def test_unbroken_symmetries_of_the_standard_model():
    sm, sm_nu = standard_model(), standard_model(right_handed_neutrinos=True)
    r = residual_symmetry(sm_nu, "B-L")
    assert r.full_order == 0 and r.group == "U(1)_B-L (unbroken)" and r.charges["Q"] == F(1, 3)
    assert neutrino_nature(sm_nu, r).nature == "Dirac"
    assert neutrino_nature(sm, residual_symmetry(sm, "B-L")).nature == "massless"
    assert neutrino_nature(sm, residual_symmetry(sm, "B")).nature == "Majorana"  # B does not protect L
    dark = dark_sector(sm, r)
    assert dark.fields == () and dark.visible == 1  # colour-singlet SM states: integer B - L


@given(st.integers(-12, 12), st.integers(1, 12))
def test_seed_rule_for_dirac_versus_majorana(q_l, n):
    """Seed 001: Z_(2N+1) with L ~ w^k != 1 -> Dirac; Z_(2N) -> Majorana iff L ~ w^N (or L ~ 1)."""
    model = FieldContent(
        "toy",
        (
            Field("L", "1", "2", F(-1, 2), "L", 3, {"X": q_l}, sm=True),
            Field("nu_R", "1", "1", 0, "R", 3, {"X": q_l}),
            Field("unit", "1", "1", 0, "L", 1, {"X": 1}),  # fixes the charge unit to 1
            Field("s", "1", "1", 0, "S", 1, {"X": n}, vev=True),
        ),
    )
    r = residual_symmetry(model, "X")
    k = q_l % n
    assert r.order == n and r.charges["L"] == k
    majorana = k == 0 or (n % 2 == 0 and k == n // 2)
    assert neutrino_nature(model, r).nature == ("Majorana" if majorana else "Dirac")
    if n % 2 and k:
        assert neutrino_nature(model, r).nature == "Dirac"


def test_charge_unit():
    assert charge_unit([F(1, 3), F(-1), F(0)]) == F(1, 3)
    assert charge_unit([F(3, 4), F(3, 2), F(-1, 4)]) == F(1, 4)
    assert charge_unit([F(6), F(4)]) == 2
    assert charge_unit([F(0)]) == 1


def test_bad_residual_requests():
    model = load_model("bl-dirac-z6")
    with pytest.raises(ValueError, match="no U\\(1\\) 'L'"):
        residual_symmetry(model, "L")
    with pytest.raises(ValueError, match="no field 'phi'"):
        residual_symmetry(model, "B-L", vevs=["phi"])
    with pytest.raises(ValueError, match="'L' is a fermion"):
        residual_symmetry(model, "B-L", vevs=["L"])
    coloured = model.extended(Field("S3", "3", "1", F(-1, 3), "S", 1, {"B-L": 1}, vev=True))
    with pytest.raises(ValueError, match="'S3' .* no electrically neutral, colourless component"):
        residual_symmetry(coloured, "B-L")
    charged = model.extended(Field("h", "1", "1", 1, "S", 1, {"B-L": 2}, vev=True))
    with pytest.raises(ValueError, match="'h' .* no electrically neutral"):
        residual_symmetry(charged, "B-L")
    no_leptons = FieldContent("x", (Field("s", "1", "1", 0, "S", 1, {"X": 1}, vev=True),))
    with pytest.raises(ValueError, match="no SM lepton doublet"):
        neutrino_nature(no_leptons, residual_symmetry(no_leptons, "X"))
