"""jaxbsm.yamlio: the YAML reader of fits, datasets and model files (issue 19)."""

import inspect
import math
import sys
import time

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


# --- audit of the strict loader: unhashable keys, merge keys, deep nesting, huge integers -------------
@pytest.mark.parametrize("text, line, kind", [("{[a]: 1}", 1, "a list"), ("x: 1\n? [a]\n: 1", 2, "a list"),
                                              ("? {a: 1}\n: 2", 1, "a mapping"), ("a: {!!set {x}: 1}", 1, "a mapping")])
def test_unhashable_keys_are_a_clear_error(text, line, kind):
    """Was a bare TypeError (unhashable type: 'list') from the duplicate-key check."""
    with pytest.raises(YAMLFileError, match=rf"^f.yaml: malformed YAML: the key on line {line} is {kind}; allowed: a scalar key"):
        parse_yaml(text, "f.yaml")


def test_merge_keys_work_and_own_keys_override():
    """Was "could not determine a constructor for the tag 'tag:yaml.org,2002:merge'"."""
    text = "base: &b {low: -1, high: 1}\nx: {<<: *b, high: 2}\ny:\n  <<: [*b, {mu: 0}]\n  sigma: 3\n"
    assert parse_yaml(text) == {"base": {"low": -1, "high": 1}, "x": {"low": -1, "high": 2},
                                "y": {"low": -1, "high": 1, "mu": 0, "sigma": 3}}
    with pytest.raises(YAMLFileError, match=r"key 'high' repeated \(first on line 2, again on line 3\)"):
        parse_yaml("base: &b {low: -1}\nx: {<<: *b, high: 2,\n    high: 3}\n")
    with pytest.raises(YAMLFileError, match=r"key 'a' repeated \(first on line 1, again on line 1\)"):
        parse_yaml("x: {<<: {a: 1, a: 2}}")  # a merged mapping of its own
    with pytest.raises(YAMLFileError, match="expected a mapping or list of mappings for merging"):
        parse_yaml("x: {<<: 1}")


@pytest.mark.parametrize("text", ["[" * 5000, "{a: " * 3000, "- " * 3000 + "x", "\n".join(" " * i + "a:" for i in range(300))])
def test_deep_nesting_is_a_clear_error_and_quick(text):
    """Was RecursionError, after seconds of scanning (PyYAML's scanner is quadratic in the depth)."""
    start = time.perf_counter()
    with pytest.raises(YAMLFileError, match=r"^deep.yaml: malformed YAML: lists or mappings nested more than 100 levels deep on line"):
        parse_yaml(text, "deep.yaml")
    assert time.perf_counter() - start < 0.5
    deepest = parse_yaml("[" * 99 + "]" * 99)
    for _ in range(98):
        deepest = deepest[0]
    assert deepest == []


def test_recursion_error_is_a_clear_error():
    """Nesting allowed by MAX_NESTING that still runs out of stack (a deep caller) names the file."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 120)
    try:
        with pytest.raises(YAMLFileError, match=r"^deep.yaml: malformed YAML: nested too deeply"):
            parse_yaml("[" * 95 + "]" * 95, "deep.yaml")
    finally:
        sys.setrecursionlimit(limit)


def test_self_referring_anchors_are_read():
    """An anchor used inside itself (a list holding itself, a mapping merged into its own part): no hang."""
    doc = parse_yaml("a: &a [*a]")
    assert doc["a"][0] is doc["a"]
    doc = parse_yaml("a: &a {b: {<<: *a}}\nc: {<<: *a}")
    assert doc["c"]["b"] is doc["a"]["b"] and doc["a"]["b"]["b"] is doc["a"]["b"]


def test_huge_integers_and_impossible_dates_are_clear_errors():
    """A 400-digit integer is read (the loaders refuse it as not a finite number); one that Python
    cannot print (> 4300 digits, also via hex) or an impossible date was a bare ValueError."""
    assert parse_yaml("a: " + "9" * 400)["a"] == int("9" * 400)
    for text in ("a: " + "9" * 5000, "a: 0x" + "f" * 5000):
        with pytest.raises(YAMLFileError, match=r"^f.yaml: malformed YAML: integer on line 1 has more than 4000 digits"):
            parse_yaml(text, "f.yaml")
    with pytest.raises(YAMLFileError, match=r"^f.yaml: malformed YAML: invalid date '2023-02-30' on line 2"):
        parse_yaml("b: 1\na: 2023-02-30", "f.yaml")


# --- random raw YAML text through the real file loaders: clear errors only, in bounded time -----------
LOADER_SECONDS = 2.0  # per file, far above the milliseconds either loader takes
NASTY = ["[a]", "{a: 1}", "{[a]: 1}", "[" * 90 + "]" * 90, "9" * 400, "-" + "9" * 400, "1e400", ".nan", "-.inf", "[" * 3000, "{a: " * 2000,
         "*undefined", "&x [1]", "{<<: {low: 1e400}}", "{<<: *p}", "2023-02-30", "!!binary AAAA", "!!set {a}", "true", "null",
         "''", "'\\x00'", "[flavour-2017, flavour-2017]", "[~nosuchuser/d.yaml]", "[\"a\\0b.yaml\"]", "0x" + "f" * 5000, "1:30"]
LINES = ["? [a]\n: 1", "? {a: 1}\n: 2", "<<: *p", "<<: {name: m}", "p: &p {low: -1, high: 1}", "- " * 1500 + "x",
         "name: f", "x: " + "9" * 400, "%YAML 1.1\n---", "--- a\n--- b", "\t- x", "\ufeff", "\x85", "a: |\n  x", "'"]
FIT_TEMPLATE = ("name: {name}\nmodel: {model}\ndatasets: {datasets}\nparameters:\n  dC9_mu: {{low: {low}, high: {high}}}\n"
                "fixed: {fixed}\nnuts: {{chains: {chains}, seed: {seed}}}\n")
FIT_VALUES = {"name": "f", "model": "wilson", "datasets": "[flavour-2017]", "low": "-1", "high": "1", "fixed": "{}",
              "chains": "2", "seed": "0"}
DATA_TEMPLATE = ("name: {name}\ndescription: d\nmeasurements:\n  - observable: {observable}\n    experiment: LHCb\n"
                 "    year: {year}\n    value: {value}\n    uncertainties: {{stat: {stat}}}\n    arxiv: x\n    inspire: x\n"
                 "    title: t\n    journal: j\nchi2_offset: {offset}\n")
DATA_VALUES = {"name": "d", "observable": "'R_K[1.1,6]'", "year": "2022", "value": "0.9", "stat": "0.1", "offset": "0"}


def _raw_yaml(template: str, defaults: dict) -> st.SearchStrategy[bytes]:
    value = st.sampled_from(NASTY) | st.text(max_size=20)
    filled = st.dictionaries(st.sampled_from(sorted(defaults)), value, max_size=3).map(
        lambda changed: template.format(**{**defaults, **changed}))
    pieces = st.lists(st.sampled_from(LINES + [f"a: {v}" for v in NASTY]) | st.text(max_size=30), min_size=1, max_size=6)
    text = filled | pieces.map("\n".join) | st.tuples(filled, pieces).map(lambda t: t[0] + "\n".join(t[1]))
    return text.map(lambda t: t.encode("utf-8", "surrogatepass")) | st.binary(max_size=120)


@pytest.fixture(scope="module")
def loaders():
    """The loaders with their first-call imports done (the time bound is for reading a file)."""
    from jaxbsm.inference.config import ConfigError, load_config
    from jaxbsm.likelihoods.records import DataError, load_dataset
    from jaxbsm.registry import get_model

    get_model("wilson")
    return load_config, ConfigError, load_dataset, DataError


def _load_within_bound(load, error, path):
    start = time.perf_counter()
    try:
        load(path)
    except error as e:
        assert str(e).startswith(str(path)), str(e)[:300]  # the file named first
    finally:
        assert time.perf_counter() - start < LOADER_SECONDS


@settings(max_examples=120, deadline=None)
@given(_raw_yaml(FIT_TEMPLATE, FIT_VALUES))
def test_random_yaml_text_through_load_config(loaders, tmp_path_factory, raw):
    """Unhashable keys, huge integers, deep nesting, merge keys, binary junk: a FitConfig or a ConfigError."""
    load_config, config_error, _, _ = loaders
    path = tmp_path_factory.mktemp("fit") / "fit.yaml"
    path.write_bytes(raw)
    _load_within_bound(load_config, config_error, path)


@settings(max_examples=120, deadline=None)
@given(_raw_yaml(DATA_TEMPLATE, DATA_VALUES))
def test_random_yaml_text_through_load_dataset(loaders, tmp_path_factory, raw):
    """The same for dataset files: a Dataset or a DataError."""
    _, _, load_dataset, data_error = loaders
    path = tmp_path_factory.mktemp("data") / "data.yaml"
    path.write_bytes(raw)
    _load_within_bound(load_dataset, data_error, path)
