"""FitConfig: YAML round trip, defaults from the model, and every validation error."""

from __future__ import annotations

import os

import pytest
import yaml
from inference_fakes import gauss_config_dict, lookup, make_config

from jaxbsm.inference.config import ConfigError, PriorSpec, config_from_dict, load_config


def test_defaults_resolved_from_model():
    config = make_config()
    assert config.free == ("x", "y")
    assert config.parameters["x"] == PriorSpec("uniform", -3.0, 3.0)
    assert config.parameters["y"] == PriorSpec("uniform", -5.0, 5.0)  # the model's range and prior
    assert config.fixed == {"z": 2.0}
    assert config.nuts.chains == 2 and config.nuts.target_accept == 0.8 and config.bestfit.starts == 8
    no_fixed = make_config(fixed=None)
    assert no_fixed.fixed == {"z": 1.0}  # model default


def test_yaml_round_trip(tmp_path):
    config = make_config(
        parameters={
            "x": {"prior": "normal", "low": -2.0, "high": 2.0, "mu": 0.1, "sigma": 0.5},
            "z": {"prior": "loguniform", "low": 0.5, "high": 5.0},
        },
        fixed={"y": -1.0},
        output={"dir": "out/here"},
    )
    path = tmp_path / "fit.yaml"
    path.write_text(config.to_yaml())
    again = load_config(path, known_datasets=["fake-data"], model_lookup=lookup)
    assert again == config
    assert yaml.safe_load(config.to_yaml()) == config.to_dict()


BAD = [
    ({"model": "nope"}, "model", "test-gauss"),
    ({"datasets": ["nope"]}, "datasets", "fake-data"),
    ({"datasets": []}, "datasets", "non-empty list"),
    ({"parameters": {"w": None}}, "parameters", "x, y, z"),
    ({"fixed": {"w": 1.0}}, "fixed", "x, y, z"),
    ({"parameters": {"x": {"low": 2.0, "high": 1.0}}}, "parameters.x.low", "low < high"),
    ({"parameters": {"x": {"low": -9.0}}}, "parameters.x", "[-5.0, 5.0]"),
    ({"parameters": {"x": {"prior": "cauchy"}}}, "parameters.x.prior", "uniform, loguniform, normal"),
    ({"parameters": {"x": {"prior": "loguniform"}}}, "parameters.x", "loguniform box excludes 0"),
    ({"parameters": {"x": {"prior": "normal", "mu": 0.0}}}, "parameters.x.sigma", "finite number"),
    ({"parameters": {"x": {"prior": "normal", "mu": 0.0, "sigma": -1.0}}}, "parameters.x.sigma", "sigma > 0"),
    ({"parameters": {"x": {"mu": 0.0}}}, "parameters.x", "prior: normal"),
    ({"parameters": {"x": {"wide": 1}}}, "parameters.x.wide", "prior, low, high"),
    ({"parameters": {"x": None}, "fixed": {"x": 1.0}}, "fixed.x", "free or fixed"),
    ({"fixed": {"z": 50.0}}, "fixed.z", "[0.1, 10.0]"),
    ({"nuts": {"chains": -1}}, "nuts.chains", ">= 1"),
    ({"nuts": {"warmup": -5}}, "nuts.warmup", ">= 0"),
    ({"nuts": {"samples": 1.5}}, "nuts.samples", "integer"),
    ({"nuts": {"target_accept": 1.2}}, "nuts.target_accept", "(0, 1)"),
    ({"nuts": {"thin": 2}}, "nuts.thin", "chains, warmup"),
    ({"bestfit": {"starts": 0}}, "bestfit.starts", ">= 1"),
    ({"colour": "red"}, "colour", "allowed fields"),
    ({"name": ""}, "name", "non-empty string"),
    # issue 19: a fit name becomes results/<name>: "../../x" wrote outside results/
    ({"name": "../../x"}, "name", "not starting with '.'"),
    ({"name": "a/b"}, "name", "letters, digits"),
    # issue 19: a dataset listed twice was counted twice (chi2 at the SM 2.91 -> 5.65)
    ({"datasets": ["fake-data", "fake-data"]}, "datasets", "fake-data repeated"),
    # issue 19: sizes the machine cannot hold are refused before any work (they grew to 5.5 GB,
    # died in JAX, or raised OverflowError after creating the output directory)
    ({"nuts": {"samples": 1e20}}, "nuts.samples", "an integer"),
    ({"nuts": {"chains": 1000000000}}, "nuts.chains", "[1, 4096]"),
    ({"nuts": {"chains": 4000, "samples": 1000000}}, "nuts.samples", "chains x samples"),
    ({"nuts": {"seed": 99999999999999999999}}, "nuts.seed", "[0, 4294967295]"),
    # audit: an integer beyond the float range raised OverflowError from math.isfinite
    ({"parameters": {"x": {"low": -(10**400)}}}, "parameters.x.low", "a finite number"),
    ({"parameters": {"x": {"prior": "normal", "mu": 10**400, "sigma": 1.0}}}, "parameters.x.mu", "a finite number"),
    ({"fixed": {"z": 10**400}}, "fixed.z", "a finite number"),
    ({"datasets": ["~no-such-user-xyz/d.yaml"]}, "datasets", "a dataset file path"),
    ({"datasets": ["a\0b.yaml"]}, "datasets", "a dataset file path"),
]


@pytest.mark.parametrize("override, field, allowed", BAD)
def test_validation_errors_name_file_field_value_and_allowed(override, field, allowed):
    with pytest.raises(ConfigError) as info:
        config_from_dict(gauss_config_dict(**override), "bad.yaml", known_datasets=["fake-data"], model_lookup=lookup)
    message = str(info.value)
    assert message.startswith("bad.yaml: ")
    assert f"'{field}'" in message
    assert allowed in message


def test_malformed_yaml_and_missing_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\nmodel: x\n")
    with pytest.raises(ConfigError, match="broken.yaml: malformed YAML"):
        load_config(path, known_datasets=[], model_lookup=lookup)
    with pytest.raises(ConfigError, match="no fit file 'no-such-fit'"):
        load_config("no-such-fit")
    path.write_text("- a list\n")
    with pytest.raises(ConfigError, match="top level"):
        load_config(path, known_datasets=[], model_lookup=lookup)


def test_yaml_as_users_write_it(tmp_path):
    """Issue 19: `low: 1e-9` and `1e308` are floats (PyYAML's YAML 1.1 read them as strings, then
    refused as "not a finite number"); a repeated key is refused with its lines (PyYAML kept the last
    value silently); a binary file is named in the error."""
    text = make_config().to_yaml().replace("low: -3.0", "low: -3e0")
    path = tmp_path / "fit.yaml"
    path.write_text(text)
    assert load_config(path, known_datasets=["fake-data"], model_lookup=lookup).parameters["x"].low == -3.0
    path.write_text(text.replace("name: ", "name: first\nname: ", 1))
    with pytest.raises(ConfigError, match=r"fit.yaml: malformed YAML: key 'name' repeated \(first on line 1, again on line 2\)"):
        load_config(path, known_datasets=["fake-data"], model_lookup=lookup)
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    with pytest.raises(ConfigError, match="fit.yaml: not a UTF-8 text file"):
        load_config(path, known_datasets=["fake-data"], model_lookup=lookup)


def test_yaml_is_never_evaluated(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("name: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ConfigError, match="malformed YAML"):
        load_config(path, known_datasets=[], model_lookup=lookup)


def test_command_line_overrides_are_validated():
    config = make_config().with_overrides(nuts={"chains": 3, "seed": None})
    assert config.nuts.chains == 3 and config.nuts.seed == 1
    with pytest.raises(ConfigError, match="'nuts.samples' = 0"):
        make_config().with_overrides(nuts={"samples": 0})


def test_relative_dataset_paths_follow_the_fit_file(tmp_path, monkeypatch):
    """Issue 19/23: a dataset path in a fit file is relative to the fit file's folder, and the config
    a run writes holds it absolute (usable from anywhere); a missing one says "not found"."""
    (tmp_path / "fits").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "mine.yaml").write_text("name: mine\n")  # contents are the likelihood's business
    path = tmp_path / "fits" / "fit.yaml"
    path.write_text(yaml.safe_dump(gauss_config_dict(datasets=["fake-data", "../data/mine.yaml"])))
    monkeypatch.chdir(tmp_path / "data")  # anywhere else
    config = load_config(path, known_datasets=["fake-data"], model_lookup=lookup)
    assert config.datasets == ("fake-data", str((tmp_path / "data" / "mine.yaml").resolve()))
    assert yaml.safe_load(config.to_yaml())["datasets"][1] == str((tmp_path / "data" / "mine.yaml").resolve())
    path.write_text(yaml.safe_dump(gauss_config_dict(datasets=["../data/other.yaml"])))
    with pytest.raises(ConfigError, match=r"dataset file .*other.yaml not found \(a relative path is taken from the fit file's folder\)"):
        load_config(path, known_datasets=["fake-data"], model_lookup=lookup)


def test_a_shipped_dataset_and_its_file_are_one_dataset(tmp_path):
    """Audit: `datasets: [flavour-2017, <path to likelihoods/data/flavour-2017.yaml>]` was accepted and
    counted twice (duplicates were compared by name only)."""
    from jaxbsm.likelihoods.records import DATA_DIR

    shipped = DATA_DIR / "flavour-2017.yaml"
    again = str(shipped.parent / ".." / "data" / shipped.name)
    for datasets in (["flavour-2017", str(shipped)], [str(shipped), "flavour-2017"], [str(shipped), again]):
        with pytest.raises(ConfigError) as info:
            config_from_dict(gauss_config_dict(datasets=datasets), "bad.yaml", known_datasets=["flavour-2017"], model_lookup=lookup)
        message = str(info.value)
        assert message.startswith("bad.yaml: field 'datasets' = ")
        assert "allowed: each dataset once (" in message and f"{shipped.resolve()}" in message and "would count twice" in message
    # a relative path from the fit file's folder, in a real file
    path = tmp_path / "fit.yaml"
    path.write_text(yaml.safe_dump(gauss_config_dict(datasets=["flavour-2017", os.path.relpath(shipped, tmp_path)])))
    with pytest.raises(ConfigError, match=r"fit.yaml: field 'datasets' = .*flavour-2017 and .*flavour-2017.yaml are the same file"):
        load_config(path, known_datasets=["flavour-2017"], model_lookup=lookup)
    # different datasets stay allowed
    ok = config_from_dict(gauss_config_dict(datasets=["flavour-2017", str(DATA_DIR / "flavour-current.yaml")]), "ok.yaml",
                          known_datasets=["flavour-2017"], model_lookup=lookup)
    assert ok.datasets == ("flavour-2017", str((DATA_DIR / "flavour-current.yaml").resolve()))


@pytest.mark.parametrize(
    "text, message",
    [
        ("{[a]: 1}\n", r"fit.yaml: malformed YAML: the key on line 1 is a list; allowed: a scalar key"),
        ("name: f\nbase: &b {low: 1}\n", r"fit.yaml: field 'base' = \{'low': 1\} is invalid; allowed fields"),  # merge anchors parse
        ("[" * 5000, r"fit.yaml: malformed YAML: lists or mappings nested more than 100 levels deep"),
        ("name: gauss\nmodel: test-gauss\ndatasets: [fake-data]\nparameters: {x: null}\nfixed: {z: " + "9" * 400 + "}\n",
         r"fit.yaml: field 'fixed.z' = 9{400} is invalid; allowed: a finite number"),
    ],
)
def test_malformed_yaml_is_a_config_error(tmp_path, text, message):
    """Audit: unhashable keys (TypeError), deep nesting (RecursionError) and 400-digit numbers
    (OverflowError) escaped as raw exceptions."""
    path = tmp_path / "fit.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path, known_datasets=["fake-data"], model_lookup=lookup)


def test_merge_keys_in_a_fit_file(tmp_path):
    """Audit: `<<: *anchor` failed ("could not determine a constructor for the tag ...merge")."""
    path = tmp_path / "fit.yaml"
    path.write_text(
        "name: gauss\nmodel: test-gauss\ndatasets: [fake-data]\n"
        "parameters:\n  x: &box {prior: uniform, low: -3.0, high: 3.0}\n  y: {<<: *box, high: 2.0}\n"
        "nuts: &run {seed: 1}\nbestfit: *run\n"
    )
    config = load_config(path, known_datasets=["fake-data"], model_lookup=lookup)
    assert config.parameters["x"] == PriorSpec("uniform", -3.0, 3.0)
    assert config.parameters["y"] == PriorSpec("uniform", -3.0, 2.0)  # its own key overrides the merged one
    assert config.nuts.seed == config.bestfit.seed == 1
