"""NUTS, best fit and result files on the fake 2-d Gaussian likelihood (no physics data needed)."""

from __future__ import annotations

import warnings

import arviz as az
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from inference_fakes import MU, SIGMA, GaussLikelihood, make_config

from jaxbsm.inference.bestfit import best_fit
from jaxbsm.inference.nuts import diagnostics, run_nuts
from jaxbsm.inference.results import FILES, OutputExistsError, write_results
from jaxbsm.inference.scan import evaluate_points, scan_table


@pytest.fixture(scope="module")
def idata(gauss_config):
    return run_nuts(GaussLikelihood(), gauss_config, progress=False)


@pytest.fixture(scope="module")
def best(gauss_config):
    return best_fit(GaussLikelihood(), gauss_config)


def test_nuts_recovers_mean_and_sd(idata):
    summary = az.summary(idata, var_names=["x", "y"])
    for name in ("x", "y"):
        row = summary.loc[name]
        assert abs(row["mean"] - MU[name]) < 4 * row["mcse_mean"] + 1e-3, row
        assert abs(row["sd"] - SIGMA[name]) < 4 * row["mcse_sd"] + 1e-3, row
    d = diagnostics(idata)
    assert d["divergences"] == 0 and d["nonfinite_log_likelihood"] == 0 and d["failed_points"] == 0
    assert d["max_r_hat"] < 1.05
    assert idata.attrs["n_failed_points"] == 0 and idata.sample_stats["solver_status"].shape == (2, 150)


def test_diagnostics_are_not_rounded():
    """R-hat and ESS as ArviZ computes them: az.summary rounded R-hat to 2 decimals by default, so a
    run with R-hat 1.014 passed the shipped fits' "<= 1.01" (and 1.004 printed as 1.000)."""
    rng = np.random.default_rng(1)
    draws = rng.normal(size=(4, 500)) + np.array([0.0, 0.0, 0.0, 0.25])[:, None]  # one chain offset
    idata = az.from_dict(posterior={"x": draws}, sample_stats={"diverging": np.zeros((4, 500), bool)})
    r_hat = float(az.rhat(idata)["x"])
    assert 1.001 < r_hat < 1.05 and round(r_hat, 2) != r_hat
    assert diagnostics(idata)["max_r_hat"] == r_hat
    assert diagnostics(idata)["min_ess_bulk"] == float(az.ess(idata, method="bulk")["x"])


def test_failed_solver_points_are_minus_inf_and_counted(gauss_config):
    """A point where the likelihood's solver fails (status != 0) gets log L = -inf in every term and
    is counted, in the scan table's status column as in the run summary (jaxbsm.status)."""
    free = {"x": np.array([0.0, 0.0, 0.5]), "y": np.array([0.0, 2.0, 3.0])}
    total, terms, predictions, status = evaluate_points(GaussLikelihood(fail_above=1.0), gauss_config, free)
    assert status.tolist() == [0, 2, 2]
    assert np.isfinite(total[0]) and np.isneginf(total[1:]).all() and np.isneginf(terms[1:]).all()
    table = scan_table(free, total, predictions, status)
    assert table["status"].tolist() == [0, 2, 2] and np.isnan(table["delta_chi2"]).sum() == 0


def test_inference_data_groups_and_attrs(idata, gauss_config):
    assert set(idata.groups()) >= {"posterior", "log_likelihood", "posterior_predictive", "sample_stats"}
    assert list(idata.posterior.data_vars) == ["x", "y"]  # fixed z is not sampled
    assert idata.posterior["x"].shape == (2, 150)
    ll = idata.log_likelihood["log_likelihood"]
    assert ll.dims == ("chain", "draw", "term") and list(ll["term"].values) == ["x-term", "y-term"]
    expected = -0.5 * ((idata.posterior["x"] - MU["x"]) / SIGMA["x"]) ** 2
    np.testing.assert_allclose(ll.sel(term="x-term"), expected, rtol=1e-12)
    pp = idata.posterior_predictive
    assert set(pp.data_vars) == {"X_obs", "Y_obs", "X+Y"}
    np.testing.assert_allclose(pp["Y_obs"], 2 * idata.posterior["y"])
    assert {"diverging", "tree_depth", "n_steps", "lp", "energy"} <= set(idata.sample_stats.data_vars)
    attrs = idata.attrs
    assert attrs["config_yaml"] == gauss_config.to_yaml()
    assert attrs["seed"] == 1 and attrs["device"].startswith("cpu")
    for key in ("version_jax", "version_numpyro", "version_arviz", "version_jaxbsm", "date"):
        assert attrs[key]


def test_best_fit_recovers_mode_and_hessian_errors(best):
    for name in ("x", "y"):
        assert best.values[name] == pytest.approx(MU[name], abs=1e-6)
        assert best.errors[name] == pytest.approx(SIGMA[name], abs=1e-6)
    np.testing.assert_allclose(best.covariance, np.diag([0.25, 0.64]), atol=1e-9)
    assert best.chi2 == pytest.approx(0.0, abs=1e-9)
    chi2_sm = (MU["x"] / SIGMA["x"]) ** 2 + (MU["y"] / SIGMA["y"]) ** 2
    assert best.chi2_sm == pytest.approx(chi2_sm, rel=1e-9)
    assert best.delta_chi2 == pytest.approx(chi2_sm, rel=1e-6)
    assert best.pull == pytest.approx(np.sqrt(chi2_sm), rel=1e-6)
    assert best.n_converged == best.n_starts == 8
    assert "pull" in best.table()
    assert best.at_bound == ()


def test_best_fit_on_the_prior_edge_is_flagged():
    """Mode x = 0.3 outside the box x in [-3, 0]: the best fit sits on the edge and says so."""
    config = make_config(parameters={"x": {"prior": "uniform", "low": -3.0, "high": 0.0}, "y": None})
    with pytest.warns(UserWarning, match="edge of the prior box for x"):
        result = best_fit(GaussLikelihood(), config)
    assert result.values["x"] == pytest.approx(0.0, abs=1e-5)
    assert result.at_bound == ("x",)
    assert "(at prior bound)" in result.table()


def test_non_positive_hessian_gives_nan_errors_with_warning():
    flat = make_config(parameters={"x": None}, bestfit={"starts": 2, "steps": 4})

    class Flat(GaussLikelihood):
        def pointwise(self, params):
            return jnp.stack([0.0 * params["x"], -0.5 * params["y"] ** 2])

    with pytest.warns(UserWarning, match="not positive definite"):
        result = best_fit(Flat(), flat)
    assert np.isnan(result.errors["x"]) and np.isfinite(result.chi2)


def test_minus_inf_region_is_handled_and_counted():
    config = make_config(bestfit={"starts": 16, "steps": 300, "seed": 3})
    cut = GaussLikelihood(cut=1.0)
    # draws in the forbidden region: -inf (never NaN) in log L and every term, and counted
    total, terms, _, status = evaluate_points(cut, config, {"x": np.array([[0.0, 2.0]]), "y": np.array([[0.0, 0.0]])})
    assert total[0, 0] > -np.inf and total[0, 1] == -np.inf and not status.any()
    assert not np.isnan(terms).any() and np.isneginf(terms[0, 1]).all()
    assert np.sum(~np.isfinite(total)) == 1
    # best fit: starts drawn in x > 1 cannot move but do not poison the result
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = best_fit(cut, config)
    assert result.values["x"] == pytest.approx(MU["x"], abs=1e-6)
    assert np.isinf(result.start_chi2).sum() == config.bestfit.starts - result.n_converged > 0
    assert not np.isnan(result.start_chi2).any()


def test_results_written_and_never_overwritten_without_force(idata, best, gauss_config, tmp_path):
    out = tmp_path / "run"
    write_results(out, idata, gauss_config, best, labels={"x": "$x$ [GeV]"})
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    again = az.from_netcdf(out / "posterior.nc")
    assert set(again.groups()) == set(idata.groups())
    assert again.attrs["config_yaml"] == gauss_config.to_yaml()
    np.testing.assert_array_equal(again.posterior["x"], idata.posterior["x"])
    summary = pd.read_csv(out / "summary.csv", index_col=0)
    assert {"mean", "sd", "hdi_16%", "hdi_84%", "r_hat", "ess_bulk", "ess_tail", "best_fit", "hessian_sd"} <= set(
        summary
    )
    with pytest.raises(OutputExistsError, match=f"{out}.*--force"):
        write_results(out, idata, gauss_config, best)
    write_results(out, idata, gauss_config, force=True)
    assert "best_fit" not in pd.read_csv(out / "summary.csv", index_col=0)


def test_single_parameter_fit_writes_histogram(tmp_path):
    config = make_config(parameters={"x": None}, nuts={"chains": 1, "warmup": 50, "samples": 50})
    data = run_nuts(GaussLikelihood(), config, progress=False)
    write_results(tmp_path / "one", data, config)
    assert (tmp_path / "one" / "corner.png").stat().st_size > 1000


def test_nuts_without_any_finite_point_raises_value_error():
    config = make_config(nuts={"chains": 1, "warmup": 5, "samples": 5})
    with pytest.raises(ValueError, match="no finite log-likelihood"):
        run_nuts(GaussLikelihood(cut=-10.0), config, progress=False)


def test_negative_loguniform_prior_and_transform():
    """A loguniform box below zero is flat in log|x|: NumPyro prior and best-fit transform agree."""
    import jax
    import numpy as np

    from jaxbsm.inference.bestfit import unconstraining_transforms
    from jaxbsm.inference.config import PriorSpec
    from jaxbsm.inference.priors import prior_distribution

    spec = PriorSpec("loguniform", -3.5, -1e-4)
    x = np.asarray(prior_distribution(spec).sample(jax.random.PRNGKey(0), (20000,)))
    assert x.min() >= -3.5 and x.max() <= -1e-4
    # log|x| is uniform on [log 1e-4, log 3.5]: its mean is the interval's midpoint (MC error ~0.02)
    assert np.log(-x).mean() == pytest.approx(0.5 * (np.log(1e-4) + np.log(3.5)), abs=0.06)
    lp = prior_distribution(spec).log_prob(-0.01)
    assert float(lp) == pytest.approx(-np.log(0.01) - np.log(np.log(3.5 / 1e-4)), rel=1e-12)

    class _Config:
        parameters = {"y": spec, "m": PriorSpec("loguniform", 0.5, 100.0)}

    to_phys, to_unc = unconstraining_transforms(_Config)
    pts = np.array([[-2.0, 3.0], [-1e-3, 0.7]])
    for p in pts:
        np.testing.assert_allclose(np.asarray(to_phys(to_unc(p))), p, rtol=1e-10)


def test_best_fit_without_sm_point_reports_no_pull():
    """A model whose free parameters have no SM value (like neutrino masses) gets NaN chi2_sm and no pull line."""
    import dataclasses

    from inference_fakes import GAUSS_MODEL

    no_sm = dataclasses.replace(GAUSS_MODEL, parameters=tuple(dataclasses.replace(p, sm=None) for p in GAUSS_MODEL.parameters))
    result = best_fit(dataclasses.replace(GaussLikelihood(), model=no_sm), make_config())
    assert np.isnan(result.chi2_sm) and np.isnan(result.pull)
    assert "no SM point" in result.table() and "pull" not in result.table()
