"""Named likelihoods: the seed's Table 1 from our own likelihood, the Z' and current-data fits,
and the JAX contract (-inf outside the physical region, never NaN)."""

import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from jaxbsm.likelihoods import build_likelihood


def _profile_1d(lk, name, grid):
    """Exact 1-d scan of chi^2 = -2 log L in one parameter (others at model defaults)."""
    base = lk.model.defaults()
    f = jax.jit(jax.vmap(lambda x: -2.0 * lk.log_likelihood({**base, name: x})))
    chi2 = np.asarray(f(jnp.asarray(grid)))
    i = int(np.argmin(chi2))
    inside = grid[chi2 - chi2[i] <= 1.0]
    chi2_sm = float(-2.0 * lk.log_likelihood(lk.model.sm_point(base)))
    return grid[i], (inside.max() - inside.min()) / 2.0, math.sqrt(chi2_sm - chi2[i])


@pytest.fixture(scope="module")
def lk_cbar_2017():
    return build_likelihood("cbar", ["flavour-2017"])


def test_seed_table1_clean_cbar_ll(lk_cbar_2017):
    """Seed 002 Table 1 (D'Amico et al. 1704.05438), clean row: cbar_LL = -1.33 +- 0.34, pull 4.1.

    Ours (flavio 2.7.1 hadronic matrices and SM theory covariance, split-normal LHCb errors with
    syst added): -1.20 +- 0.31, pull 4.0. The central value is 0.13 less negative. Checked: it is
    not the theory covariance (without it: -1.200), nor the systematics (stat only: -1.203, pull
    4.35), nor B_s -> mu mu (without it: -1.27); symmetrising the LHCb errors gives -1.26 (pull
    4.6). The rest must be in D'Amico et al.'s own theory predictions (e.g. their SM
    R_K*[0.045,1.1] = 0.91 vs flavio's 0.925), which are not public code. Issue tolerance: centre
    0.15, pull 0.5.
    """
    best, sigma, pull = _profile_1d(lk_cbar_2017, "cbar_LL_mu", np.linspace(-3.5, 1.0, 9001))
    assert best == pytest.approx(-1.33, abs=0.15)
    assert pull == pytest.approx(4.1, abs=0.5)
    assert sigma == pytest.approx(0.34, abs=0.06)


def test_seed_table1_clean_c9():
    """Seed 002 Table 1, clean row: C9 = (cbar_LL + cbar_LR)/2 = -1.51 +- 0.46, pull 3.9."""
    lk = build_likelihood("wilson", ["flavour-2017"])
    best, sigma, pull = _profile_1d(lk, "dC9_mu", np.linspace(-4.0, 1.0, 10001))
    assert best == pytest.approx(-1.51, abs=0.15)
    assert pull == pytest.approx(3.9, abs=0.5)
    assert sigma == pytest.approx(0.46, abs=0.1)


def test_current_data_has_no_anomaly():
    """LHCb 2022 R_K(*) + B_s -> mu mu 2022 + Delta M_s: dC9 = -dC10 = cbar_LL/2 compatible with 0 at 2 sigma."""
    lk = build_likelihood("cbar", ["flavour-current"])
    best, sigma, pull = _profile_1d(lk, "cbar_LL_mu", np.linspace(-3.0, 2.0, 10001))
    assert abs(best) < 2 * sigma
    assert pull < 2.0


@pytest.fixture(scope="module")
def lk_zprime():
    return build_likelihood("zprime", ["cbar-ll-2017", "bs-mixing-2017"])


def test_zprime_reaches_full_delta_chi2(lk_zprime):
    """A Z' fitted to cbar-ll-2017 reaches Delta chi^2 = (1.33/0.34)^2 = 15.3 while obeying B_s mixing:
    at M = 1 TeV, g_mumu = 1, g_sb = 1.33 (M/Lambda_0)^2 the C_bs term is 0.0016."""
    lam0 = 35.653376
    best = {"M_Zp": 1.0, "g_mumu": 1.0, "g_sb": 1.33 * (1.0 / lam0) ** 2}
    chi2 = -2 * float(lk_zprime.log_likelihood(best))
    chi2_sm = -2 * float(lk_zprime.log_likelihood(lk_zprime.model.sm_point(best)))
    assert chi2_sm == pytest.approx((1.33 / 0.34) ** 2, rel=1e-12)
    assert chi2_sm - chi2 == pytest.approx(15.3, abs=0.01)


def test_bs_mixing_limit_term(lk_zprime):
    """At the seed's bound g_sb = sqrt(2) M/210 TeV the limit term is chi^2 = Phi^-1(0.95)^2 (95% CL)."""
    m = 5.0
    g_sb = math.sqrt(2) * m * 1e3 / 210e3
    terms = np.asarray(lk_zprime.pointwise({"M_Zp": m, "g_sb": g_sb, "g_mumu": 0.0}))
    assert -2 * terms[-1] == pytest.approx(stats.norm.ppf(0.95) ** 2, rel=1e-10)
    assert lk_zprime.term_names[-1].startswith("C_bs^NP < 2.268e-11 at 95% CL")


def test_unphysical_points_give_minus_inf_not_nan(lk_zprime):
    grad = jax.jit(jax.value_and_grad(lambda x: lk_zprime.log_likelihood(dict(zip(("M_Zp", "g_sb", "g_mumu"), x)))))
    for x in ([10.0, 0.01, 3.5], [-1.0, 0.01, 1.0], [10.0, 7.0, 1.0], [np.nan, 0.0, 0.0]):
        val, g = grad(jnp.asarray(x))
        assert float(val) == -np.inf, x
        assert not np.any(np.isnan(np.asarray(g))), x
    val, g = grad(jnp.asarray([3.0, 0.01, 1.0]))
    assert np.isfinite(float(val)) and np.all(np.isfinite(np.asarray(g)))


def test_gradient_jit_vmap(lk_cbar_2017):
    lk = build_likelihood("wilson", ["flavour-current", "flavour-2017"])
    base = lk.model.defaults()

    def f(x):
        return lk.log_likelihood({**base, "dC9_mu": x[0], "dC10_mu": x[1], "dC9_e": x[2]})

    x0 = jnp.array([-0.4, 0.3, 0.1])
    g = np.asarray(jax.grad(f)(x0))
    h = 1e-6
    fd = np.array([(f(x0.at[i].add(h)) - f(x0.at[i].add(-h))) / (2 * h) for i in range(3)])
    np.testing.assert_allclose(g, fd, rtol=1e-6)
    xs = jnp.asarray(np.random.default_rng(2).uniform(-1, 1, (6, 3)))
    batched = np.asarray(jax.jit(jax.vmap(f))(xs))
    for i in range(6):
        assert batched[i] == pytest.approx(float(f(xs[i])), rel=1e-13)
    np.testing.assert_allclose(np.asarray(lk.pointwise({**base})).sum(), float(lk.log_likelihood(base)), rtol=1e-14)


def test_theory_covariance_is_used(lk_cbar_2017):
    assert lk_cbar_2017.cov_theory.shape == (4, 4)
    sd = np.sqrt(np.diag(lk_cbar_2017.cov_theory))
    assert np.all(sd > 0) and np.all(sd[:3] < 0.05)  # ratios: at most a few per cent
    assert sd[3] / 3.63e-9 == pytest.approx(0.05, abs=0.03)  # B_s -> mu mu: ~4-6 %


def test_bad_names():
    with pytest.raises(ValueError, match="unknown dataset 'flavour-1999'"):
        build_likelihood("cbar", ["flavour-1999"])
    with pytest.raises(ValueError, match="unknown model 'W'"):
        build_likelihood("W", ["flavour-2017"])
    with pytest.raises(ValueError, match="at least one dataset"):
        build_likelihood("cbar", [])


def test_dataset_observables_are_checked_against_the_model():
    """A flavour model bound to a neutrino dataset: the file, record and field are named."""
    with pytest.raises(ValueError, match=r"neutrino-mass.yaml, measurement 0 \(.*\): field 'observable': model 'cbar' does not predict"):
        build_likelihood("cbar", ["neutrino-mass"])
    with pytest.raises(ValueError, match="model 'wilson' does not predict 'lambda_hm'"):
        build_likelihood("wilson", ["lyman-alpha"])


def test_evaluate_is_one_prediction(lk_cbar_2017):
    """evaluate gives log L, its terms and the predictions of one predict call, consistently."""
    p = {**lk_cbar_2017.model.defaults(), "cbar_LL_mu": -1.0}
    ev = jax.jit(lk_cbar_2017.evaluate)(p)
    assert float(ev.log_likelihood) == pytest.approx(float(lk_cbar_2017.log_likelihood(p)), rel=1e-14)
    np.testing.assert_allclose(ev.terms, lk_cbar_2017.pointwise(p), rtol=1e-14)
    assert set(ev.predictions) == set(lk_cbar_2017.model.observable_names)
    assert int(ev.status) == 0


def test_bibtex_lists_every_measurement(lk_cbar_2017):
    bib = "\n".join(lk_cbar_2017.bibtex())
    for key in ("Aaij:2014ora", "Aaij:2017vbb", "Aaij:2017vad", "arXiv:1704.05438"):
        assert key in bib


def test_chi2_offset_enters_as_a_constant_term(tmp_path):
    """A dataset around a local minimum adds its chi^2 offset to every point, as its own term."""
    text = (Path(__file__).parents[2] / "likelihoods" / "data" / "cbar-ll-2017.yaml").read_text()
    path = tmp_path / "offset.yaml"
    path.write_text(text + "chi2_offset: 6.1\n")
    plain = build_likelihood("cbar", ["cbar-ll-2017"])
    shifted = build_likelihood("cbar", [str(path)])
    for x in (-1.33, 0.0, 0.7):
        p = {**plain.model.defaults(), "cbar_LL_mu": x}
        assert -2 * float(shifted.log_likelihood(p)) == pytest.approx(-2 * float(plain.log_likelihood(p)) + 6.1, rel=1e-14)
    assert shifted.term_names[-1].startswith("chi2 offset of cbar-ll-2017")
    path.write_text(text + "chi2_offset: -1\n")
    with pytest.raises(ValueError, match="'chi2_offset' = -1.0 must be >= 0"):
        build_likelihood("cbar", [str(path)])
