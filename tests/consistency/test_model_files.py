"""YAML model files: the shipped models load and match the Python objects; malformed files fail
with one clear message naming the file, the field and the offending value."""

from __future__ import annotations

from fractions import Fraction

import pytest

from jaxbsm.consistency import (
    Field,
    ModelFileError,
    load_model,
    model_from_dict,
    rational,
    shipped_models,
    standard_model,
)


def test_shipped_models():
    assert {"sm", "sm-nuR", "lepton-gauge-minimal", "bl-dirac-z3", "bl-dirac-z6", "bl-scotogenic-z4"} <= set(
        shipped_models()
    )
    for name, path in shipped_models().items():
        model = load_model(name)
        assert model.name == name and model.description and model.reference
        assert load_model(path) == model


@pytest.mark.parametrize("nu_r", [False, True])
def test_sm_files_match_the_python_objects(nu_r):
    python, yaml_model = standard_model(nu_r), load_model("sm-nuR" if nu_r else "sm")
    assert (yaml_model.name, yaml_model.charges) == (python.name, python.charges)
    assert yaml_model.fields == python.fields
    assert yaml_model.description == python.description and yaml_model.reference == python.reference


def test_defaults_and_fractions():
    model = model_from_dict(
        {"charges": ["X"], "fields": [{"name": "chi", "Y": 0, "chirality": "S", "charges": {"X": "-7/2"}}]},
        "mem.yaml",
    )
    (chi,) = model.fields
    assert model.name == "mem" and chi.su3.name == "1" and chi.su2.name == "1" and chi.multiplicity == 1
    assert chi.charge("X") == Fraction(-7, 2) and not chi.sm and not chi.vev


def test_rational():
    assert rational("-7/2") == Fraction(-7, 2) and rational(3) == 3 and rational(Fraction(1, 3)) == Fraction(1, 3)
    for bad in (0.5, True, "sqrt(2)", "1/0", None, [1]):
        with pytest.raises(ValueError):
            rational(bad)


HEAD = "charges: [X]\nfields:\n"
GOOD = "  - {name: L, su2: 2, Y: -1/2, chirality: L, charges: {X: -1}}\n"


@pytest.mark.parametrize(
    "text, needles",
    [
        ("charges: [X]\nfields:\n  - {name: A, su3: 5, Y: 0, chirality: L}\n", ["field 'A'", "su3", "5", "SU(3)"]),
        ("charges: [X]\nfields:\n  - {name: A, su2: doublet2, Y: 0, chirality: L}\n", ["field 'A'", "doublet2"]),
        ("charges: [X]\nfields:\n  - {name: A, Y: 0.5, chirality: L}\n", ["field 'A'", "Y", "0.5", "float"]),
        (HEAD + "  - {name: A, Y: 0, chirality: L, charges: {X: 0.3333}}\n", ["field 'A'", "X", "0.3333", "float"]),
        (HEAD + "  - {name: A, Y: 0, chirality: L, charges: {X: pi}}\n", ["field 'A'", "X", "'pi'", "rational"]),
        ("charges: [X]\nfields:\n" + GOOD + "  - {name: A, chirality: L}\n", ["field 'A'", "missing key 'Y'"]),
        ("charges: [X]\nfields:\n" + GOOD + "  - {Y: 0, chirality: L}\n", ["field #2", "missing key 'name'"]),
        (HEAD + "  - {name: A, Y: 0, chirality: L, hypercharge: 1}\n", ["field 'A'", "unknown key 'hypercharge'"]),
        (HEAD + "  - {name: A, Y: 0, chirality: L, charges: {Z: 1}}\n", ["field 'A'", "'Z'", "not declared"]),
        ("charges: [X]\nfields:\n  - {name: A, Y: 0, chirality: Weyl}\n", ["field 'A'", "'Weyl'", "L, R, S"]),
        ("charges: [X]\nfields:\n  - {name: A, Y: 0, chirality: L, multiplicity: 0}\n", ["field 'A'", "multiplicity"]),
        ("charges: [X]\nfields:\n  - {name: A, Y: 0, chirality: L, vev: true}\n", ["field 'A'", "only scalars"]),
        ("charges: [X]\nfields:\n" + GOOD + GOOD, ["duplicate field names L"]),
        ("charges: [X]\nfields:\n  - just a string\n", ["field #1", "mapping"]),
        ("charges: [X]\n", ["missing key 'fields'"]),
        ("charges: X\nfields:\n" + GOOD, ["'charges' must be a list"]),
        ("charge: [X]\nfields:\n" + GOOD, ["unknown key 'charge'"]),
        ("- 1\n- 2\n", ["expected a mapping"]),
        ("charges: [X]\nfields: [{name: A, Y: 0, chirality: L}\n", ["malformed YAML"]),
    ],
)
def test_malformed_files(tmp_path, text, needles):
    path = tmp_path / "bad-model.yaml"
    path.write_text(text)
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message
    for needle in needles:
        assert needle in message, (needle, message)


def test_missing_file_lists_shipped_models():
    with pytest.raises(ModelFileError, match="no model file 'no-such-model'.*shipped models: .*bl-dirac-z6"):
        load_model("no-such-model")


def test_field_validation_in_python():
    with pytest.raises(ValueError, match="field 'x': Y: 0.5 is a float"):
        Field("x", "1", "1", 0.5, "L")
    with pytest.raises(ValueError, match="field 'x': su2: unknown SU\\(2\\) representation"):
        Field("x", "1", "0", 0, "L")
    with pytest.raises(ValueError, match="field name 'a b'"):
        Field("a b", "1", "1", 0, "L")
