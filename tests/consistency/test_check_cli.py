"""`jaxbsm check MODEL` (acceptance 3): anomaly table, residual group, neutrino nature and dark
sector; malformed model files give one line `jaxbsm: error: ...` naming file, field and value."""

from __future__ import annotations

import re
import time
from fractions import Fraction

import pytest

from jaxbsm.inference.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_z6_model(capsys):
    code, out, err = run(capsys, "check", "bl-dirac-z6")
    assert code == 0 and err == ""
    for needle in [
        "gauge anomalies (left-handed minus right-handed",
        "U(1)_{B-L}^3 ",
        "=> anomaly-free",
        "broken by the vevs of chi (B-L = 3) to Z_6",
        "L w^4",
        "neutrinos: Dirac",
        "dark sector: N_L, N_R, eta, xi",
        "the lightest of them is stable",
        "Lbar nu_R H* chi [dim 5]",
    ]:
        assert needle in out, needle


@pytest.mark.parametrize(
    "model, needles",
    [
        ("bl-dirac-z3", ["to Z_3", "L w^2", "neutrinos: Dirac", "dark sector: none"]),
        ("bl-scotogenic-z4", ["to Z_4", "eta2 w^3", "neutrinos: Majorana", "dark sector: F_L, F_R, eta1, eta2",
                              "L L H H chi [dim 6]", "ANOMALOUS: U(1)_{B-L}^3 = -3, grav^2 U(1)_{B-L} = -3"]),
        ("sm", ["U(1)_L: unbroken", re.compile(r"SU\(2\)\^2 U\(1\)_L +3/2\n"), "neutrinos: massless"]),
        ("sm-nuR", ["U(1)_{B-L}: unbroken", "neutrinos: Dirac"]),
        ("lepton-gauge-minimal", ["=> anomaly-free", "to Z_1", "neutrinos: Majorana", "L rho_L H phi [dim 5]"]),
    ],
)
def test_check_shipped_models(capsys, model, needles):
    code, out, _ = run(capsys, "check", model)
    assert code == 0
    for needle in needles:
        assert needle.search(out) if isinstance(needle, re.Pattern) else needle in out, needle


def test_check_a_model_file(capsys, tmp_path):
    path = tmp_path / "leptons.yaml"
    path.write_text(
        "charges: [l]\n"
        "fields:\n"
        "  - {name: l_L, su2: 2, Y: -1/2, chirality: L, multiplicity: 3, charges: {l: 1}, sm: true}\n"
        "  - {name: e_R, Y: -1, chirality: R, multiplicity: 3, charges: {l: 1}, sm: true}\n"
    )
    code, out, _ = run(capsys, "check", str(path))
    assert code == 0 and "model leptons" in out
    assert "ANOMALOUS: SU(2)^2 U(1)_Y = -3/4" in out and "SU(2)^2 U(1)_l = 3/2" in out
    assert "global SU(2)" in out  # three lepton doublets alone have a Witten anomaly


@pytest.mark.parametrize(
    "text, needles",
    [
        ("charges: [X]\nfields:\n  - {name: A, su3: 7, Y: 0, chirality: L}\n", ["field 'A'", "su3", "7"]),
        ("charges: [X]\nfields:\n  - {name: A, Y: 0, chirality: L, charges: {X: 0.25}}\n", ["field 'A'", "0.25"]),
        ("charges: [X]\nfields:\n  - {name: A, chirality: L}\n", ["field 'A'", "missing key 'Y'"]),
        ("charges: [X]\n", ["missing key 'fields'"]),
        ("fields: [\n", ["malformed YAML"]),
    ],
)
def test_check_malformed_file(capsys, tmp_path, text, needles):
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    code, out, err = run(capsys, "check", str(path))
    assert code == 2 and out == ""
    assert err.startswith(f"jaxbsm: error: {path}") and err.count("\n") == 1
    for needle in needles:
        assert needle in err, needle


def test_check_unknown_model(capsys):
    code, _, err = run(capsys, "check", "no-such-model")
    assert code == 2 and "no-such-model" in err and "bl-dirac-z6" in err


@pytest.mark.parametrize("charge", ["1000000007", "123456789012345678901234567890123456789/7"])
def test_check_huge_charge_is_fast(capsys, tmp_path, charge):
    """Issue 19: the residual group was found by enumerating Z_N, so a vev of charge 1000000007 (or a
    39-digit rational) never finished (100003 took 30 s); now a few modular inverses."""
    path = tmp_path / "huge.yaml"
    path.write_text(
        "charges: [X]\n"
        "fields:\n"
        "  - {name: l_L, su2: 2, Y: -1/2, chirality: L, charges: {X: 1/7}, sm: true}\n"
        "  - {name: nu_R, Y: 0, chirality: R, charges: {X: 1/7}}\n"
        f"  - {{name: S, Y: 0, chirality: S, charges: {{X: {charge}}}, vev: true}}\n"
    )
    t0 = time.perf_counter()
    code, out, _ = run(capsys, "check", str(path))
    assert code == 0 and time.perf_counter() - t0 < 60.0  # a hang guard, not a speed test
    n = int(7 * Fraction(charge))  # normalised charges: l_L 1, S 7 X_S; N = 7 X_S, no gauge part (K trivial)
    assert f"Z_{n}" in out


def test_check_refuses_an_absurd_hypercharge(capsys, tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text(
        "charges: [X]\n"
        "fields:\n"
        "  - {name: A, Y: 1/100003, chirality: L, charges: {X: 1}}\n"
        "  - {name: S, Y: 0, chirality: S, charges: {X: 4}, vev: true}\n"
    )
    code, out, err = run(capsys, "check", str(path))
    assert code == 2 and "100003" in err and "10000" in err, err


@pytest.mark.parametrize(
    "rep, needles",
    [
        ("su2: 100001", ["su2 = 100001", "dimension 100001"]),
        ('su3: "(3000,3000)"', ["su3 = (3000,3000)", "dimension 27027009001"]),
        ("su2: 101", ["su2 = 101", "dimension 101"]),
        ('su3: "(0,13)"', ["su3 = (0,13)", "dimension 105"]),
    ],
)
def test_check_refuses_a_huge_irrep_fast(capsys, tmp_path, rep, needles):
    """Audit: `su2: 100001` or SU(3) (3000,3000) ran for minutes in the weight products of the operator
    search; irreps are now bounded by dimension 100 when the file is read (MAX_DIM)."""
    path = tmp_path / "huge-irrep.yaml"
    path.write_text(f"charges: [X]\nfields:\n  - {{name: A, {rep}, Y: 0, chirality: L, charges: {{X: 1}}}}\n")
    t0 = time.perf_counter()
    code, out, err = run(capsys, "check", str(path))
    assert time.perf_counter() - t0 < 5.0  # was minutes; the refusal builds no weights
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"jaxbsm: error: {path}: field 'A': ")
    for needle in [*needles, "allowed: an irrep of dimension 1 to 100"]:
        assert needle in err, err


def test_check_accepts_irreps_up_to_the_bound_quickly(capsys, tmp_path):
    """The largest allowed irreps (SU(2) 100, SU(3) (0,12) of dimension 91), on several fields, still
    check in about a second: the bound is what keeps the operator search fast."""
    path = tmp_path / "big-irreps.yaml"
    path.write_text(
        "charges: [X]\n"
        "fields:\n"
        "  - {name: L, su2: 2, Y: -1/2, chirality: L, charges: {X: -1}, sm: true}\n"
        "  - {name: H, su2: 2, Y: 1/2, chirality: S, sm: true, vev: true}\n"
        "  - {name: A, su2: 100, Y: 0, chirality: L, charges: {X: 1}}\n"
        "  - {name: B, su2: 100, Y: 0, chirality: R, charges: {X: 1}}\n"
        '  - {name: C, su3: "(0,12)", Y: 0, chirality: L}\n'
        '  - {name: D, su3: "(12,0)", Y: 0, chirality: R}\n'
        "  - {name: S, Y: 0, chirality: S, charges: {X: 3}, vev: true}\n"
        "  - {name: T, su2: 100, Y: 0, chirality: S, charges: {X: 1}}\n"
    )
    t0 = time.perf_counter()
    code, out, err = run(capsys, "check", str(path))
    assert code == 0, err
    assert time.perf_counter() - t0 < 30.0  # ~1 s; a hang guard on a busy machine, not a speed test
    assert "model big-irreps" in out and "A" in out
