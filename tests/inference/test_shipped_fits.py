"""The shipped fits run to convergence with their default settings (slow: `python -m pytest -m slow`).

Each takes 15-60 s on 2 CPU cores. Checks: no divergences, R-hat <= 1.01, bulk ESS >= 400, and the
physics each fit is shipped to show (seed 002 Table 1; the Z' and S3 Delta chi^2; current data).
"""

import numpy as np
import pytest

from inference.bestfit import best_fit
from inference.config import load_config, shipped_fits
from inference.nuts import diagnostics, run_nuts
from likelihoods import build_likelihood

pytestmark = pytest.mark.slow

EXPECT = {
    # fit: (parameter, posterior mean, tolerance) and the best-fit Delta chi^2 to the SM (tolerance)
    "flavour-wilson-2017": (("cbar_LL_mu", -1.20, 0.05), (16.35, 0.1)),
    "flavour-c9-2017": (("dC9_mu", -1.6, 0.15), (13.9, 0.1)),
    "flavour-cbar-current": (("cbar_LL_mu", -0.13, 0.03), (0.96, 0.1)),
    "flavour-wilson-current": (("dC9_mu", 0.0, 0.1), (1.13, 0.1)),
    "flavour-zprime-2017": (None, (15.30, 0.01)),
    "flavour-leptoquark-S3-2017": (None, (15.30, 0.01)),
}


def test_every_shipped_fit_is_checked():
    assert set(shipped_fits()) == set(EXPECT)


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_shipped_fit_converges(name):
    config = load_config(name)
    lk = build_likelihood(config.model, config.datasets)
    idata = run_nuts(lk, config, progress=False)
    d = diagnostics(idata)
    assert d["divergences"] == 0
    assert d["nonfinite_log_likelihood"] == 0
    assert d["max_r_hat"] <= 1.01
    assert d["min_ess_bulk"] >= 400
    posterior, (dchi2, tol) = EXPECT[name]
    if posterior is not None:
        par, mean, ptol = posterior
        assert float(np.mean(idata.posterior[par])) == pytest.approx(mean, abs=ptol)
    assert best_fit(lk, config).delta_chi2 == pytest.approx(dchi2, abs=tol)
