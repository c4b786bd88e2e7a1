"""Likelihood shapes against independent numpy/scipy computations."""

import numpy as np
import pytest
from scipy import stats

from jaxbsm.likelihoods import shapes


def test_split_normal_one_measurement():
    """One measurement: chi^2 = (r/sigma_side)^2, i.e. -2 log of the split-normal density up to a constant."""
    for pred, side in ((1.2, 0.3), (0.7, 0.1)):
        chi2 = float(shapes.asymmetric_gaussian_chi2(np.array([pred]), np.array([1.0]), np.array([0.3]),
                                                     np.array([0.1]), np.eye(1), np.zeros((1, 1))))
        assert chi2 == pytest.approx(((pred - 1.0) / side) ** 2, rel=1e-14)


def test_correlated_gaussian_matches_scipy():
    """Symmetric errors: chi^2 = -2 (log N(x; mu, C) - log N(mu; mu, C)), with scipy's multivariate normal."""
    rng = np.random.default_rng(0)
    value, sigma = rng.normal(size=3), rng.uniform(0.1, 0.5, 3)
    corr = np.array([[1, 0.3, -0.2], [0.3, 1, 0.1], [-0.2, 0.1, 1]])
    cov_th = np.diag(rng.uniform(0.01, 0.05, 3) ** 2)
    pred = value + rng.normal(scale=0.3, size=3)
    cov = np.outer(sigma, sigma) * corr + cov_th
    mvn = stats.multivariate_normal(value, cov)
    expect = -2 * (mvn.logpdf(pred) - mvn.logpdf(value))
    got = float(shapes.asymmetric_gaussian_chi2(pred, value, sigma, sigma, corr, cov_th))
    assert got == pytest.approx(expect, rel=1e-12)
    terms = np.asarray(shapes.chi2_contributions(pred, value, sigma, sigma, corr, cov_th))
    assert terms.sum() == pytest.approx(expect, rel=1e-12)


def test_upper_limit_width():
    """A one-sided 95% CL limit L: sigma = L / Phi^-1(0.95) = L/1.6449, so chi^2(L) = 1.6449^2."""
    assert float(shapes.limit_sigma(2.0, 0.95)) == pytest.approx(2.0 / stats.norm.ppf(0.95), rel=1e-14)
    assert float(shapes.upper_limit_chi2(2.0, 2.0, 0.95)) == pytest.approx(stats.norm.ppf(0.95) ** 2, rel=1e-12)
