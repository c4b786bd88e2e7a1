"""GetDist export: the chains written for a fit load back in GetDist with the same draws."""

from __future__ import annotations

import dataclasses

import getdist  # in the test extra
import numpy as np
import pytest
from inference_fakes import fake_idata, make_config

from jaxbsm.inference.getdist_chains import write_getdist


@pytest.fixture(scope="module")
def idata():
    return fake_idata(400)


def test_chains_load_in_getdist(idata, tmp_path):
    config = make_config()
    paths = write_getdist(idata, config, tmp_path / "chains" / "gauss", {"x": "$x$ [GeV]", "y": "$y$"})
    assert [p.name for p in paths] == ["gauss_1.txt", "gauss_2.txt", "gauss.paramnames", "gauss.ranges"]
    samples = getdist.loadMCSamples(str(tmp_path / "chains" / "gauss"), settings={"ignore_rows": 0})
    assert samples.numrows == 800
    for name in ("x", "y"):
        np.testing.assert_allclose(samples.getParams().__dict__[name], idata.posterior[name].values.ravel(), rtol=1e-15)
    chi2 = -2 * idata.log_likelihood["log_likelihood"].values.sum(axis=-1).ravel()
    np.testing.assert_allclose(samples.getParams().chi2, chi2, rtol=1e-15)
    np.testing.assert_allclose(samples.loglikes, -idata.sample_stats["lp"].values.ravel(), rtol=1e-15)
    assert samples.parLabel("x") == r"x\ [\mathrm{GeV}]" and samples.parLabel("y") == "y"
    spec = config.parameters["x"]
    assert samples.ranges.getLower("x") == spec.low and samples.ranges.getUpper("x") == spec.high
    assert samples.paramNames.parWithName("chi2").isDerived


@pytest.mark.parametrize(
    "label, latex",
    [("$M_{Z'}$ [TeV]", r"M_{Z'}\ [\mathrm{TeV}]"), (r"$\bar c_{LL}$", r"\bar c_{LL}"), ("z", "z")],
)
def test_latex_labels(idata, tmp_path, label, latex):
    """The plot label of a parameter becomes its GetDist LaTeX (no dollars, unit in \\mathrm)."""
    write_getdist(idata, make_config(), tmp_path / "g", {"x": label})
    assert (tmp_path / "g.paramnames").read_text().splitlines()[0] == f"x\t{latex}"


def test_bad_parameter_name_is_refused(idata, tmp_path):
    config = make_config()
    bad = idata.copy()
    bad.posterior = bad.posterior.rename({"x": "x+1"})
    config = dataclasses.replace(config, parameters={"x+1": config.parameters["x"], "y": config.parameters["y"]})
    with pytest.raises(ValueError, match="'x\\+1' cannot be a GetDist name"):
        write_getdist(bad, config, tmp_path / "c", {})
