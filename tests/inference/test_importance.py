"""A fit's posterior by importance sampling from the prior (``sampler: importance``,
jaxbsm.inference.importance), on the fake likelihood with two separated modes of known weights."""

from __future__ import annotations

import functools

import arviz as az
import numpy as np
import pytest
import yaml
from inference_fakes import MODES, SIGMA, WEIGHT_RIGHT, WIDTH, GaussLikelihood, TwoModes, gauss_config_dict, lookup, make_config

from jaxbsm.inference import cli
from jaxbsm.inference.config import ConfigError, load_config
from jaxbsm.inference.importance import _systematic_resample, run_importance
from jaxbsm.inference.nuts import diagnostics

# ln Z = ln ∫ L π: x-term 0.15 sqrt(2π)/6 (both Gaussians inside the box [-3, 3]), y-term 0.8 sqrt(2π)/10 (box [-5, 5])
LN_Z = np.log(WIDTH * np.sqrt(2 * np.pi) / 6.0) + np.log(SIGMA["y"] * np.sqrt(2 * np.pi) / 10.0)


@pytest.fixture(scope="module")
def idata():
    config = make_config(sampler="importance", importance={"chains": 3, "points": 60_000, "batch": 25_000, "seed": 5})
    return run_importance(TwoModes(), config, progress=False)


def test_both_modes_with_their_weights(idata):
    """70% of the draws in the right mode, within 4 binomial sigma (the draws of a chain number its
    Kish ESS); each mode has its Gaussian's width."""
    x = np.asarray(idata.posterior["x"])
    sigma = np.sqrt(WEIGHT_RIGHT * (1 - WEIGHT_RIGHT) / x.size)
    assert float(np.mean(x > 0)) == pytest.approx(WEIGHT_RIGHT, abs=4 * sigma)
    for centre in MODES:
        near = x[np.abs(x - centre) < 0.75]
        assert near.std() == pytest.approx(WIDTH, rel=0.15)


def test_evidence_ess_and_inference_data(idata):
    """ln Z of each stream within 4 of its stated errors of the analytic value; Kish ESS near its
    expectation N / (E_π[L²]/E_π[L]²) = N Z² / E_π[L²]; the groups and lp of a NUTS run."""
    assert idata.attrs["sampler"] == "importance" and len(idata.attrs["log_z"]) == 3
    assert np.allclose(idata.attrs["log_z"], LN_Z, atol=4 * max(idata.attrs["log_z_err"]))
    # E_π[L²] = ∫ L² π: x-term (0.3² + 0.7²) 0.15 sqrt(π)/6, y-term 0.8 sqrt(π)/10 (the modes do not overlap)
    second = ((1 - WEIGHT_RIGHT) ** 2 + WEIGHT_RIGHT**2) * WIDTH * np.sqrt(np.pi) / 6.0 * SIGMA["y"] * np.sqrt(np.pi) / 10.0
    expected_ess = 60_000 * np.exp(2 * LN_Z) / second
    np.testing.assert_allclose(idata.attrs["ess_kish"], expected_ess, rtol=0.1)
    assert idata.posterior["x"].shape == (3, int(min(idata.attrs["ess_kish"])))
    assert {"posterior", "log_likelihood", "posterior_predictive", "sample_stats"} <= set(idata.groups())
    d = diagnostics(idata)
    assert d["divergences"] == 0 and d["nonfinite_log_likelihood"] == 0 and d["max_r_hat"] < 1.02
    lp = np.asarray(idata.sample_stats["lp"])  # log L + log prior density (x: 1/6, y: 1/10)
    ll = np.asarray(idata.log_likelihood["log_likelihood"]).sum(axis=-1)
    np.testing.assert_allclose(lp, ll + np.log(1 / 6) + np.log(1 / 10), rtol=1e-10)


def test_failed_points_get_weight_zero_and_are_counted():
    """Where log L = -inf (a cut, or a failed solve) a point has weight 0; the count is in the attrs."""
    config = make_config(sampler="importance", importance={"chains": 2, "points": 20_000, "batch": 20_000})
    idata = run_importance(GaussLikelihood(cut=0.0), config, progress=False)
    assert np.all(np.asarray(idata.posterior["x"]) <= 0.0)
    frac = np.asarray(idata.attrs["n_nonfinite_prior_points"]) / 20_000  # x > 0 is half the box [-3, 3]
    np.testing.assert_allclose(frac, 0.5, atol=0.02)


def test_no_finite_point_is_a_clear_error():
    config = make_config(sampler="importance", importance={"chains": 1, "points": 1000, "batch": 1000})
    with pytest.raises(ValueError, match="none of the 1000 prior points of importance stream 0"):
        run_importance(GaussLikelihood(cut=-10.0), config, progress=False)


def test_systematic_resampling_counts():
    """Each point is drawn floor or ceil of n x its weight times."""
    w = np.array([0.5, 0.25, 0.125, 0.125])
    idx = _systematic_resample(np.log(w), 16, np.random.default_rng(0))
    np.testing.assert_array_equal(np.bincount(idx, minlength=4), [8, 4, 2, 2])
    counts = np.bincount(_systematic_resample(np.log([0.3, 0.7]), 10, np.random.default_rng(1)), minlength=2)
    np.testing.assert_array_equal(counts, [3, 7])


@pytest.mark.parametrize(
    "overrides, needles",
    [
        ({"importance": {"chains": 0}}, ["importance.chains", ">= 1"]),
        ({"importance": {"points": 1e6}}, ["importance.points", "integer"]),
        ({"importance": {"batch": 10**8}}, ["importance.batch", "[1, 10000000]"]),
        ({"importance": {"runs": 2}}, ["importance.runs", "chains, points, batch, seed"]),
        ({"sampler": "mc"}, ["'sampler' = 'mc'", "nuts, nested, importance"]),
    ],
)
def test_bad_importance_settings(overrides, needles):
    with pytest.raises(ConfigError) as e:
        make_config(**overrides)
    for needle in needles:
        assert needle in str(e.value)


def test_cli_fit_with_importance_sampling(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "load_config", functools.partial(load_config, known_datasets=["fake-data"], model_lookup=lookup))
    monkeypatch.setattr(cli, "load_likelihood", lambda config: GaussLikelihood())
    path = tmp_path / "is.yaml"
    path.write_text(yaml.safe_dump(gauss_config_dict(sampler="importance", importance={"chains": 2, "points": 5000},
                                                     bestfit={"starts": 4, "steps": 100})))
    code = cli.main(["fit", str(path), "--out", str(tmp_path / "out"), "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "importance sampling from the prior: 2 independent streams x 5000 points" in out
    assert "ln Z (evidence) of the 2 streams" in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["chains", "config.yaml", "corner.png", "posterior.nc", "summary.csv"]
    assert az.from_netcdf(tmp_path / "out" / "posterior.nc").attrs["sampler"] == "importance"
    assert "sampler: importance" in (tmp_path / "out" / "config.yaml").read_text()
