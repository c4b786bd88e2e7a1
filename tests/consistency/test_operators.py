"""Allowed and forbidden fermion mass terms, renormalisable Yukawas, the Weinberg operator and its
Dirac analogue under the residual symmetry (seed 001)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from jaxbsm.consistency import (
    Field,
    FieldContent,
    dirac_operators,
    fermion_bilinears,
    load_model,
    residual_symmetry,
    standard_model,
    weinberg_operators,
)
from jaxbsm.consistency.operators import insertions


def by_text(operators):
    return {op.text: op for op in operators}


def test_standard_model_yukawas():
    """The SM's only gauge-invariant fermion bilinears are its three Yukawas (+ the nu_R ones)."""
    sm = standard_model()
    texts = set(by_text(fermion_bilinears(sm, residual_symmetry(sm, "B-L"))))
    assert texts == {"Qbar u_R H*", "Qbar d_R H", "Lbar e_R H"}
    sm_nu = standard_model(right_handed_neutrinos=True)
    ops = by_text(fermion_bilinears(sm_nu, residual_symmetry(sm_nu, "B-L")))
    assert set(ops) == {"Qbar u_R H*", "Qbar d_R H", "Lbar e_R H", "Lbar nu_R H*", "nu_R nu_R"}
    assert all(op.allowed for name, op in ops.items() if name != "nu_R nu_R")
    assert ops["nu_R nu_R"].forbidden  # B - L unbroken: no Majorana mass for nu_R
    ops = by_text(fermion_bilinears(sm_nu, residual_symmetry(sm_nu, "B")))
    assert ops["nu_R nu_R"].allowed and ops["nu_R nu_R"].dimension == 3


def test_2a_dirac_operators_need_chi():
    """Chiral nu_R = (-4,-4,5) forbid Lbar H~ nu_R at tree level; Lbar H~ nu_R chi is dimension 5."""
    model = load_model("bl-dirac-z3")
    r = residual_symmetry(model, "B-L")
    dirac = by_text(dirac_operators(model, r))
    assert not dirac["Lbar nu_R H*"].allowed and dirac["Lbar nu_R H*"].charge == -3
    assert dirac["Lbar nu_R H*"].insertions == (("chi", 1),) and dirac["Lbar nu_R H*"].dimension == 5
    assert dirac["Lbar nu_R H*"].full_text == "Lbar nu_R H* chi"
    assert dirac["Lbar nu_R3 H*"].insertions == (("chi", -2),) and dirac["Lbar nu_R3 H*"].dimension == 6
    assert by_text(weinberg_operators(model, r))["L L H H"].forbidden
    yukawas = by_text(fermion_bilinears(model, r))
    assert {"Lbar N_R eta*", "N_Lbar nu_R xi*", "N_Lbar N_R"} <= {t for t, op in yukawas.items() if op.allowed}
    assert yukawas["nu_R nu_R"].forbidden  # Majorana masses of nu_R forbidden at all orders (Z_3)


def test_2b_loop_couplings_and_forbidden_majorana_masses():
    model = load_model("bl-dirac-z6")
    r = residual_symmetry(model, "B-L")
    ops = by_text(fermion_bilinears(model, r))
    for allowed in ("Lbar N_R eta*", "N_Lbar nu_R xi*", "N_Lbar N_R", "Lbar e_R H"):
        assert ops[allowed].allowed, allowed
    for forbidden in ("Lbar N_R H*", "L N_L H", "N_L N_L", "N_R N_R", "nu_R nu_R"):
        assert ops[forbidden].forbidden, forbidden  # dark fermions cannot mix with leptons
    assert all(op.forbidden for op in weinberg_operators(model, r))


def test_2c_weinberg_operator_with_chi():
    model = load_model("bl-scotogenic-z4")
    r = residual_symmetry(model, "B-L")
    (weinberg,) = weinberg_operators(model, r)
    assert weinberg.text == "L L H H" and weinberg.insertions == (("chi", 1),) and weinberg.dimension == 6
    ops = by_text(fermion_bilinears(model, r))
    assert ops["Lbar F_R eta1"].allowed and ops["L F_L eta2*"].allowed and ops["F_Lbar F_R"].allowed
    assert ops["F_L F_L"].forbidden and ops["Lbar F_R H*"].forbidden


def test_minimal_model_couplings_of_seed_000():
    """-L > lambda_rho Tr(rho rho) S + lambda_Psi Psibar_L Psi_R S + lambda_chi chi chi S*
    + lambda_e Psibar_L e_R phi + lambda_R chibar_L nu_R phi, and (y/Lambda) l rho H phi."""
    model = load_model("lepton-gauge-minimal")
    r = residual_symmetry(model, "L")
    ops = by_text(fermion_bilinears(model, r))
    for text in ("rho_L rho_L S", "Psi_Lbar Psi_R S", "chi_L chi_L S*", "Psi_Lbar e_R phi", "chi_Lbar nu_R phi"):
        assert ops[text].allowed, text
    assert ops["L rho_L H"].insertions == (("phi", 1),) and ops["L rho_L H"].dimension == 5
    only_s = residual_symmetry(model, "L", vevs=["H", "S"])
    assert by_text(fermion_bilinears(model, only_s))["L rho_L H"].forbidden
    assert by_text(weinberg_operators(model, only_s))["L L H H"].forbidden


@pytest.mark.parametrize("copies, present", [(1, False), (3, True)])
def test_antisymmetric_contraction_needs_two_generations(copies, present):
    """Zee's L L h+ is antisymmetric in SU(2); type-II L L Delta is symmetric."""
    model = FieldContent(
        "zee",
        (
            Field("L", "1", "2", Fraction(-1, 2), "L", copies, {"X": 1}, sm=True),
            Field("h", "1", "1", 1, "S", 1, {"X": -2}),
            Field("Delta", "1", "3", 1, "S", 1, {"X": -2}),
        ),
    )
    texts = {op.text for op in fermion_bilinears(model, residual_symmetry(model, "X"))}
    assert ("L L h" in texts) == present and "L L Delta" in texts


def test_fewest_insertions_with_two_vevs():
    model = FieldContent(
        "two-vevs",
        (
            Field("a", "1", "1", 0, "S", 1, {"X": 4}, vev=True),
            Field("b", "1", "1", 0, "S", 1, {"X": 6}, vev=True),
            Field("c", "1", "1", 0, "L", 1, {"X": 1}),
        ),
    )
    r = residual_symmetry(model, "X")
    assert r.order == 2
    assert insertions(r, -10) == (("a", 1), ("b", 1))
    assert insertions(r, 2) == (("a", 1), ("b", -1))
    assert insertions(r, 3) is None and insertions(r, 0) == ()
