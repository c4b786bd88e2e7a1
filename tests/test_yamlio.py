"""jaxbsm.yamlio: the YAML reader of fits, datasets and model files (issue 19)."""

import math

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxbsm.yamlio import YAMLFileError, parse_yaml, read_yaml


@pytest.mark.parametrize(
    "text, value",
    [("1e-9", 1e-9), ("1e308", 1e308), ("-1E+3", -1000.0), ("1.5", 1.5), ("0.5e-3", 5e-4), (".5", 0.5), ("-.inf", -math.inf),
     ("3", 3), ("1_000", 1000), ("1e", "1e"), ("-7/2", "-7/2"), ("e5", "e5"), ("1.2.3", "1.2.3")],
)
def test_numbers_as_yaml_1_2(text, value):
    """YAML 1.2 core-schema floats; PyYAML (YAML 1.1) reads 1e-9 and 1e308 as strings."""
    assert parse_yaml(f"a: {text}")["a"] == value


def test_pyyaml_alone_reads_them_as_strings():
    """Why jaxbsm.yamlio exists: YAML 1.1 floats need a dot and a signed exponent."""
    assert yaml.safe_load("a: 1e-9\nb: 1e308") == {"a": "1e-9", "b": "1e308"}


def test_nan_is_a_float():
    assert math.isnan(parse_yaml("a: .nan")["a"])


def test_repeated_keys_are_refused_at_any_depth():
    with pytest.raises(YAMLFileError, match=r"f.yaml: .*key 'x' repeated \(first on line 2, again on line 3\)"):
        parse_yaml("top:\n  x: 1\n  x: 2\n", "f.yaml")
    assert parse_yaml("a: {x: 1}\nb: {x: 2}\n") == {"a": {"x": 1}, "b": {"x": 2}}  # same key, other mappings


def test_unreadable_files_are_named(tmp_path):
    with pytest.raises(YAMLFileError, match="missing.yaml: cannot read"):
        read_yaml(tmp_path / "missing.yaml")
    (tmp_path / "b.yaml").write_bytes(b"\x00\xff\xfe")
    with pytest.raises(YAMLFileError, match="b.yaml: not a UTF-8 text file"):
        read_yaml(tmp_path / "b.yaml")
    with pytest.raises(YAMLFileError, match="malformed YAML"):
        parse_yaml("a: !!python/object/apply:os.system ['echo hi']")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_a_document_or_a_clear_error(text):
    """Random text: a document or a YAMLFileError, never another exception."""
    try:
        parse_yaml(text, "random.yaml")
    except YAMLFileError as e:
        assert str(e).startswith("random.yaml: ")


# --- malformed fit and dataset files: only clear ValueErrors (issue 19, acceptance 2) -----------------
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True), st.text(max_size=12))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                      max_leaves=12)
FIT_KEYS = st.sampled_from(["name", "description", "model", "datasets", "parameters", "fixed", "nuts", "bestfit", "output", "x"])
DATA_KEYS = st.sampled_from(["name", "description", "measurements", "correlations", "chi2_offset", "x"])


def _fit_documents():
    good = {"name": "f", "model": "wilson", "datasets": ["flavour-2017"], "parameters": {"dC9_mu": None}}
    return st.dictionaries(FIT_KEYS, VALUES, max_size=6).map(lambda d: {**good, **d}) | VALUES


def _dataset_documents():
    record = {"observable": "R_K[1.1,6]", "experiment": "LHCb", "year": 2022, "value": 0.9, "uncertainties": {"stat": 0.1},
              "arxiv": "x", "inspire": "x", "title": "t", "journal": "j"}
    records = st.lists(st.dictionaries(st.sampled_from([*record, "limit", "x"]), VALUES, max_size=5).map(lambda r: {**record, **r}),
                       max_size=3)
    good = {"name": "d", "description": "d", "measurements": [record]}
    return (st.dictionaries(DATA_KEYS, VALUES, max_size=4).map(lambda d: {**good, **d})
            | records.map(lambda m: {**good, "measurements": m}) | VALUES)


@settings(max_examples=150, deadline=None)
@given(_fit_documents())
def test_random_fit_documents_give_a_config_or_a_clear_error(doc):
    from jaxbsm.inference.config import ConfigError, config_from_dict

    try:
        config_from_dict(doc, "random-fit.yaml")
    except ConfigError as e:
        assert str(e).startswith("random-fit.yaml: ")


@settings(max_examples=150, deadline=None)
@given(_dataset_documents())
def test_random_dataset_documents_give_a_dataset_or_a_clear_error(tmp_path_factory, doc):
    from jaxbsm.likelihoods.records import DataError, load_dataset

    path = tmp_path_factory.mktemp("d") / "random.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    try:
        load_dataset(path)
    except DataError as e:
        assert str(e).startswith(str(path))
