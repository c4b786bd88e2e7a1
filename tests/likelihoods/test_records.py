"""Dataset files: every shipped file loads; malformed files fail naming file, record and field."""

import textwrap

import numpy as np
import pytest

from jaxbsm.likelihoods import build_likelihood
from jaxbsm.likelihoods.records import DATA_DIR, DataError, list_datasets, load_dataset

SHIPPED = ["bs-mixing-2017", "cbar-ll-2017", "flavour-2017", "flavour-current", "milky-way-satellites-nadler2021"]


def test_shipped_datasets_load():
    assert set(SHIPPED) <= set(list_datasets())
    for name in SHIPPED:
        ds = load_dataset(name)
        assert ds.name == name and ds.measurements
        for m in ds.measurements:
            assert m.arxiv and m.inspire and m.journal and m.bibtex().startswith(f"@article{{{m.inspire},")


def test_asymmetric_errors_add_in_quadrature_per_side():
    """LHCb 2014 R_K: +0.090 -0.074 (stat) +- 0.036 (syst)."""
    m = load_dataset("flavour-2017").measurements[0]
    assert m.observable == "R_K[1,6]"
    assert m.sigma_plus == pytest.approx(np.hypot(0.090, 0.036), rel=1e-14)
    assert m.sigma_minus == pytest.approx(np.hypot(0.074, 0.036), rel=1e-14)


def test_lhcb_2022_correlations_placed():
    ds = load_dataset("flavour-current")
    names = [m.observable for m in ds.measurements if not m.is_limit]
    i, j = names.index("R_K*[0.1,1.1]"), names.index("R_K[0.1,1.1]")
    assert ds.correlation[i, j] == ds.correlation[j, i] == -0.033
    assert ds.correlation[names.index("DeltaM_s"), i] == 0.0


GOOD = """
name: test
description: a test dataset
measurements:
  - observable: "R_K[1.1,6]"
    experiment: LHCb
    year: 2022
    value: 0.95
    uncertainties: {stat: 0.05}
    arxiv: "2212.09152"
    inspire: "LHCb:2022zom"
    title: t
    journal: j
"""


def _write(tmp_path, text):
    p = tmp_path / "d.yaml"
    p.write_text(textwrap.dedent(text))
    return str(p)


def test_user_file_loads(tmp_path):
    ds = load_dataset(_write(tmp_path, GOOD))
    assert ds.measurements[0].sigma_plus == 0.05


@pytest.mark.parametrize(
    "old,new,message",
    [
        ('observable: "R_K[1.1,6]"', 'observable: "R_X"', r"measurement 0 \(R_X\): field 'observable': model 'wilson' does not predict 'R_X'"),
        ("value: 0.95", "value: high", r"field 'value' must be a finite number, got 'high'"),
        ("uncertainties: {stat: 0.05}", "uncertainties: {stat: -0.05}", r"uncertainty 'stat' must be > 0"),
        ("uncertainties: {stat: 0.05}", "uncertainties: {stat: {plus: 0.1}}", r"uncertainty 'stat' must be a number or \{plus, minus\}"),
        ("    year: 2022\n", "", r"missing field 'year'"),
        ("value: 0.95", "value: 0.95\n    limit: {upper: 1, cl: 0.9}", r"exactly one of 'value'"),
        ("    title: t\n", "    title: t\n    colour: red\n", r"unknown field\(s\) \['colour'\]"),
        # issue 19: was "invalid literal for int()" without file or field
        ("year: 2022", "year: abc", r"d.yaml, measurement 0 \(R_K\[1.1,6\]\): field 'year' = 'abc' must be a year"),
        ("value: 0.95", "value: 9.5e-1\n    value: 0.95", r"d.yaml: malformed YAML: key 'value' repeated"),
        # was an infinite sigma (the square of 1e200 overflows)
        ("uncertainties: {stat: 0.05}", "uncertainties: {stat: 1e200}", r"uncertainty 'stat' = plus 1e\+200, minus 1e\+200 is too large"),
    ],
)
def test_malformed_records(tmp_path, old, new, message):
    assert old in GOOD
    with pytest.raises(DataError, match=message):
        load_dataset(_write(tmp_path, GOOD.replace(old, new)), observables=("R_K[1.1,6]",), model="wilson")


def test_malformed_yaml_and_limits(tmp_path):
    with pytest.raises(DataError, match="malformed YAML"):
        load_dataset(_write(tmp_path, "name: [unclosed"))
    limit = GOOD.replace("value: 0.95\n    uncertainties: {stat: 0.05}", "limit: {upper: 1.0, cl: 1.5}")
    with pytest.raises(DataError, match=r"field 'limit.cl' = 1.5 must be in \(0, 1\)"):
        load_dataset(_write(tmp_path, limit))
    with pytest.raises(DataError, match="unknown dataset 'flavour-2099'; shipped datasets: "):
        load_dataset("flavour-2099")


TWO = GOOD + """  - observable: "R_K*[1.1,6]"
    experiment: LHCb
    year: 2022
    value: 0.9
    uncertainties: {stat: 0.05}
    arxiv: "2212.09152"
    inspire: "LHCb:2022zom"
    title: t
    journal: j
"""


@pytest.mark.parametrize(
    "blocks, message",
    [
        # issue 19: a repeated name moved correlations onto the wrong measurement
        ('[{observables: ["R_K[1.1,6]", "R_K[1.1,6]"], matrix: [[1, 0.5], [0.5, 1]]}]', r"R_K\[1.1,6\] listed twice in one block"),
        # issue 19: overlapping blocks overwrote each other silently
        ('[{observables: ["R_K[1.1,6]", "R_K*[1.1,6]"], matrix: [[1, 0.5], [0.5, 1]]}, '
         '{observables: ["R_K*[1.1,6]", "R_K[1.1,6]"], matrix: [[1, 0.2], [0.2, 1]]}]', r"correlations 1: observable .* is also in block 0"),
    ],
)
def test_correlation_blocks_are_unambiguous(tmp_path, blocks, message):
    one_block = 'correlations: [{observables: ["R_K[1.1,6]", "R_K*[1.1,6]"], matrix: [[1, 0.5], [0.5, 1]]}]\n'
    assert load_dataset(_write(tmp_path, TWO + one_block)).correlation[0, 1] == 0.5
    with pytest.raises(DataError, match=message):
        load_dataset(_write(tmp_path, TWO + f"correlations: {blocks}\n"))


def test_bad_correlation(tmp_path):
    text = GOOD + textwrap.dedent(
        """
        correlations:
          - observables: ["R_K[1.1,6]", "R_K*[1.1,6]"]
            matrix: [[1, 0.1], [0.1, 1]]
        """
    )
    with pytest.raises(DataError, match=r"correlations 0: observable 'R_K\*\[1.1,6\]' is not a measured"):
        load_dataset(_write(tmp_path, text))


@pytest.mark.parametrize(
    "old,new,message",
    [
        # audit: a list or mapping was taken as the observable's name when no model was given
        ('observable: "R_K[1.1,6]"', "observable: [a]", r"d.yaml, measurement 0: field 'observable' = \['a'\] must be an observable name"),
        ('observable: "R_K[1.1,6]"', "observable: {a: 1}", r"d.yaml, measurement 0: field 'observable' = \{'a': 1\} must be an observable name"),
        ('observable: "R_K[1.1,6]"', "observable: 7", r"field 'observable' = 7 must be an observable name \(a non-empty string\)"),
        # audit: a 400-digit integer raised OverflowError from math.isfinite
        ("value: 0.95", "value: " + "9" * 400, r"\(R_K\[1.1,6\]\): field 'value' must be a finite number, got 9{400}"),
        ("{stat: 0.05}", "{stat: -" + "9" * 400 + "}", r"field 'uncertainties.stat' must be a finite number, got -9{400}"),
        ("value: 0.95\n    uncertainties: {stat: 0.05}", "limit: {upper: " + "9" * 400 + ", cl: 0.9}",
         r"field 'limit.upper' must be a finite number, got 9{400}"),
        ("name: test", "name: test\nchi2_offset: " + "9" * 400, r"d.yaml: field 'chi2_offset' must be a finite number, got 9{400}"),
        # audit: unhashable keys (TypeError) and deep nesting (RecursionError) escaped the loader
        ("    title: t\n", "    title: t\n    ? [a]\n    : 1\n", r"d.yaml: malformed YAML: the key on line 13 is a list"),
        ("journal: j", "journal: " + "[" * 5000, r"d.yaml: malformed YAML: lists or mappings nested more than 100 levels deep"),
    ],
)
def test_malformed_records_without_a_model(tmp_path, old, new, message):
    assert old in GOOD
    with pytest.raises(DataError, match=message):
        load_dataset(_write(tmp_path, GOOD.replace(old, new)))


def test_huge_correlation_entries(tmp_path):
    """A 400-digit correlation entry raised OverflowError from numpy."""
    block = 'correlations: [{observables: ["R_K[1.1,6]", "R_K*[1.1,6]"], matrix: [[1, ' + "9" * 400 + "], [0.5, 1]]}]\n"
    with pytest.raises(DataError, match=r"correlations 0: 'matrix' must be a square list of finite numbers"):
        load_dataset(_write(tmp_path, TWO + block))


def test_merge_keys_in_a_dataset(tmp_path):
    """`<<: *anchor` (shared citation fields) failed as "could not determine a constructor"."""
    text = TWO.replace('  - observable: "R_K[1.1,6]"\n', '  - &lhcb\n    observable: "R_K[1.1,6]"\n', 1)
    text = text.split('  - observable: "R_K*[1.1,6]"')[0] + '  - <<: *lhcb\n    observable: "R_K*[1.1,6]"\n    value: 0.9\n'
    ds = load_dataset(_write(tmp_path, text))
    first, second = ds.measurements
    assert (second.observable, second.value, second.experiment, second.sigma_plus) == ("R_K*[1.1,6]", 0.9, "LHCb", first.sigma_plus)


def test_a_dataset_given_twice_is_refused(tmp_path):
    """Audit: build_likelihood counted a dataset given by name and by path (or two copies of it) twice."""
    shipped = DATA_DIR / "flavour-2017.yaml"
    for datasets in (["flavour-2017", str(shipped)], [str(shipped), str(shipped.parent / ".." / "data" / shipped.name)]):
        with pytest.raises(DataError, match=rf"build_likelihood: datasets .* are the same file {shipped.resolve()}; "
                                            r"allowed: each dataset once \(it would count twice\)"):
            build_likelihood("wilson", datasets)
    copy = tmp_path / "my-flavour.yaml"
    copy.write_text(shipped.read_text())
    with pytest.raises(DataError, match=r"datasets 'flavour-2017' and '.*my-flavour.yaml' \(.*\) both have name 'flavour-2017'"):
        build_likelihood("wilson", ["flavour-2017", str(copy)])
    assert build_likelihood("wilson", ["flavour-2017", "flavour-current"]).datasets == ("flavour-2017", "flavour-current")
