"""A fit's posterior by nested sampling (``sampler: nested``, jaxbsm.inference.nested), on a fake
likelihood with two separated modes of known weights, which NUTS chains started together miss."""

from __future__ import annotations

import functools

import arviz as az
import numpy as np
import pytest
import yaml
from inference_fakes import MODES, WEIGHT_RIGHT, WIDTH, GaussLikelihood, TwoModes, gauss_config_dict, lookup, make_config

from jaxbsm.inference import cli
from jaxbsm.inference.config import ConfigError, load_config
from jaxbsm.inference.nested import run_nested
from jaxbsm.inference.nuts import diagnostics


@pytest.fixture(scope="module")
def idata():
    config = make_config(sampler="nested", nested={"runs": 2, "live_points": 200, "seed": 3})
    return run_nested(TwoModes(), config, progress=False)


def test_both_modes_with_their_weights(idata):
    """The fraction of draws in the right mode is 0.7: within 4 binomial sigma of the draws (each
    run's draws number its Kish ESS, so they are nearly independent) plus jaxns's own scatter."""
    x = np.asarray(idata.posterior["x"])
    right = float(np.mean(x > 0))
    sigma = np.sqrt(WEIGHT_RIGHT * (1 - WEIGHT_RIGHT) / x.size)
    assert right == pytest.approx(WEIGHT_RIGHT, abs=4 * sigma + 0.02)
    for centre in MODES:  # each mode's spread is its own Gaussian's
        near = x[np.abs(x - centre) < 0.75]
        assert near.std() == pytest.approx(WIDTH, rel=0.2)


def test_inference_data_like_nuts(idata):
    assert idata.posterior["x"].shape[0] == 2 and idata.posterior["x"].shape[1] >= 100  # runs x ESS draws
    assert {"posterior", "log_likelihood", "posterior_predictive", "sample_stats"} <= set(idata.groups())
    assert idata.attrs["sampler"] == "nested" and len(idata.attrs["log_z"]) == 2
    # ln Z = ln ∫ L π: x-term 0.15 sqrt(2π)/6 (both Gaussians inside the box), y-term 0.8 sqrt(2π) (box [-5, 5]) / 10
    ln_z = np.log(WIDTH * np.sqrt(2 * np.pi) / 6.0) + np.log(0.8 * np.sqrt(2 * np.pi) / 10.0)
    assert np.allclose(idata.attrs["log_z"], ln_z, atol=4 * max(idata.attrs["log_z_err"]))
    d = diagnostics(idata)
    assert d["divergences"] == 0 and d["nonfinite_log_likelihood"] == 0 and d["max_r_hat"] < 1.02
    lp = np.asarray(idata.sample_stats["lp"])  # log L + log prior density (x: 1/6, y: 1/10)
    ll = np.asarray(idata.log_likelihood["log_likelihood"]).sum(axis=-1)
    np.testing.assert_allclose(lp, ll + np.log(1 / 6) + np.log(1 / 10), rtol=1e-10)


@pytest.mark.parametrize(
    "overrides, needles",
    [
        ({"sampler": "hmc"}, ["'sampler' = 'hmc'", "nuts, nested"]),
        ({"nested": {"runs": 0}}, ["nested.runs", ">= 1"]),
        ({"nested": {"live_points": 3}}, ["nested.live_points", ">= 10"]),
        ({"nested": {"chains": 2}}, ["nested.chains", "runs, live_points, seed"]),
    ],
)
def test_bad_nested_settings(overrides, needles):
    with pytest.raises(ConfigError) as e:
        make_config(**overrides)
    for needle in needles:
        assert needle in str(e.value)


def test_cli_fit_with_nested_sampling(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "load_config", functools.partial(load_config, known_datasets=["fake-data"], model_lookup=lookup))
    monkeypatch.setattr(cli, "load_likelihood", lambda config: GaussLikelihood())
    path = tmp_path / "ns.yaml"
    path.write_text(yaml.safe_dump(gauss_config_dict(sampler="nested", nested={"runs": 2, "live_points": 60},
                                                     bestfit={"starts": 4, "steps": 100})))
    code = cli.main(["fit", str(path), "--out", str(tmp_path / "out"), "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "nested sampling: 2 independent runs x 60 live points" in out and "ln Z (evidence) of the 2 runs" in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["chains", "config.yaml", "corner.png", "posterior.nc", "summary.csv"]
    assert az.from_netcdf(tmp_path / "out" / "posterior.nc").attrs["sampler"] == "nested"
    assert "sampler: nested" in (tmp_path / "out" / "config.yaml").read_text()
