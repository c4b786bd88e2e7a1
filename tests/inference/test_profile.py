"""Profile likelihoods against analytic profiles of Gaussian and curved-valley likelihoods.

For a Gaussian chi^2 = (v - mu)^T C^-1 (v - mu), minimising over the other parameters leaves
Delta chi^2 = (v_P - mu_P)^T (C_PP)^-1 (v_P - mu_P) in the profiled ones (C_PP: their block of C):
the 1 sigma interval of one parameter is mu_i +- sqrt(C_ii) (Wilks, Delta chi^2 = 1).
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np
import pytest

from jaxbsm.inference.config import config_from_dict
from jaxbsm.inference.profile import Profile, default_axis, neighbour_index, profile, profile_plot
from jaxbsm.model import Model, Parameter
from jaxbsm.observables import ObservableInfo

MU = np.array([0.4, -1.0, 0.8])
COV = np.array([[0.25, 0.12, -0.05], [0.12, 0.36, 0.10], [-0.05, 0.10, 0.16]])
NAMES = ("a", "b", "c")

MODEL = Model(
    name="test-corr",
    description="three correlated Gaussian parameters",
    parameters=tuple(Parameter(n, "", -10.0, 10.0, 0.0, n, n) for n in NAMES),
    observables=(ObservableInfo("a_obs", "a", "", "the parameter a"),),
    predict=lambda p: {"a_obs": p["a"]},
)


@dataclasses.dataclass(frozen=True)
class Gaussian3:
    """chi^2 = (v - MU)^T COV^-1 (v - MU) in v = (a, b, c); or, with ``valley``, a curved valley."""

    valley: bool = False
    model: Model = MODEL

    def log_likelihood(self, p):
        if self.valley:  # minimum b = a^2 for every a: the profile in a is exactly ((a - 1)/0.5)^2
            return -0.5 * (((p["a"] - 1.0) / 0.5) ** 2 + ((p["b"] - p["a"] ** 2) / 0.1) ** 2 + p["c"] ** 2)
        v = jnp.stack([p[n] for n in NAMES]) - MU
        return -0.5 * v @ jnp.linalg.solve(COV, v)


def make_config(**parameters):
    data = {
        "name": "corr",
        "model": "test-corr",
        "datasets": ["fake-data"],
        "parameters": parameters or {n: {"prior": "uniform", "low": -4.0, "high": 4.0} for n in NAMES},
        "bestfit": {"starts": 4, "steps": 200, "seed": 0},
    }
    return config_from_dict(data, "test.yaml", known_datasets=["fake-data"], model_lookup=lambda name: MODEL)


@pytest.fixture(scope="module")
def config():
    return make_config()


@pytest.fixture(scope="module")
def profile_a(config):
    return profile(Gaussian3(), config, {"a": np.linspace(-1.6, 2.4, 21)})


def test_1d_profile_is_the_marginal_gaussian(profile_a):
    x = profile_a.axes["a"]
    exact = (x - MU[0]) ** 2 / COV[0, 0]
    np.testing.assert_allclose(profile_a.delta_chi2, exact, atol=1e-6)
    # the minimising nuisances lie on the conditional mean mu_N + C_Na / C_aa (a - mu_a)
    for i, n in ((1, "b"), (2, "c")):
        np.testing.assert_allclose(profile_a.nuisance[n], MU[i] + COV[i, 0] / COV[0, 0] * (x - MU[0]), atol=1e-5)


def test_1d_wilks_intervals(profile_a):
    sd = np.sqrt(COV[0, 0])
    (lo1, hi1, *open1), = profile_a.intervals()["1sigma"]
    (lo2, hi2, *open2), = profile_a.intervals()["2sigma"]
    # cubic spline through a parabola sampled at 21 points: ends exact to rounding
    assert (lo1, hi1) == pytest.approx((MU[0] - sd, MU[0] + sd), abs=1e-6)
    assert (lo2, hi2) == pytest.approx((MU[0] - 2 * sd, MU[0] + 2 * sd), abs=1e-6)
    assert open1 == open2 == [False, False]
    assert "0.4 - " not in profile_a.table() and "1sigma" in profile_a.table()


def test_2d_profile_uses_the_marginal_block(config, profile_a):
    axes = {"a": np.linspace(-0.6, 1.4, 5), "b": np.linspace(-2.0, 0.0, 4)}
    prof = profile(Gaussian3(), config, axes, bestfit=profile_a.bestfit)
    a, b = np.meshgrid(*axes.values(), indexing="ij")
    v = np.stack([a - MU[0], b - MU[1]], axis=-1)
    exact = np.einsum("...i,ij,...j->...", v, np.linalg.inv(COV[:2, :2]), v)
    assert prof.chi2.shape == (5, 4)
    np.testing.assert_allclose(prof.delta_chi2, exact, atol=1e-6)
    frame = prof.to_frame()
    assert list(frame.columns) == ["a", "b", "chi2", "delta_chi2", "c"]
    assert frame.loc[5, "a"] == axes["a"][1] and frame.loc[5, "b"] == axes["b"][1]  # row-major, first axis slowest


def test_curved_valley_is_followed():
    """b must travel from the best fit's b = 1 to b = a^2 = 9 at a = -3: warm starts get it there."""
    config = make_config(**{n: {"prior": "uniform", "low": -4.0, "high": 10.0} for n in NAMES})
    prof = profile(Gaussian3(valley=True), config, {"a": np.linspace(-3.0, 3.0, 13)})
    x = prof.axes["a"]
    np.testing.assert_allclose(prof.delta_chi2, ((x - 1.0) / 0.5) ** 2, atol=1e-6)
    np.testing.assert_allclose(prof.nuisance["b"], x**2, atol=1e-5)


def test_neighbours_do_not_wrap():
    nb = neighbour_index((3, 2))
    assert nb.shape == (6, 5)
    # point (0, 0) = flat 0: itself, (0,0) again at the edges of axis 0 from below, (1,0) = 2, itself, (0,1) = 1
    assert sorted(set(nb[0])) == [0, 1, 2]
    assert sorted(set(nb[3])) == [1, 2, 3, 5]


def test_default_axis_log_spaced_for_loguniform():
    config = make_config(a={"prior": "loguniform", "low": -3.0, "high": -0.003}, b=None)
    axis = default_axis(config, "a", 4)
    np.testing.assert_allclose(axis, [-3.0, -0.3, -0.03, -0.003])


@pytest.mark.parametrize(
    "axes, needle",
    [
        ({"nope": [0.0, 1.0]}, "'nope' is not free"),
        ({"a": [1.0, 0.0]}, "increasing"),
        ({"a": [0.0]}, "at least 2"),
        ({"a": [-9.0, 0.0]}, "leaves the prior box [-4, 4]"),
        ({"a": [0, 1], "b": [0, 1], "c": [0, 1]}, "1 or 2"),
    ],
)
def test_bad_axes(config, profile_a, axes, needle):
    with pytest.raises(ValueError, match=None) as err:
        profile(Gaussian3(), config, axes, bestfit=profile_a.bestfit)
    assert needle in str(err.value)


def test_plots(profile_a, tmp_path):
    profile_plot(profile_a, tmp_path / "p1.png")
    two = Profile("corr", {"a": np.arange(3.0), "b": np.arange(4.0)}, np.arange(12.0).reshape(3, 4), {}, 0.0, profile_a.bestfit)
    profile_plot(two, tmp_path / "p2.png")
    assert (tmp_path / "p1.png").stat().st_size > 1000 and (tmp_path / "p2.png").stat().st_size > 1000


@pytest.mark.slow
@pytest.mark.parametrize("fit, name", [("flavour-cbar-current", "cbar_LL_mu"), ("flavour-wilson-current", "dC9_mu")])
def test_shipped_flavour_profile_against_nuts_marginal(fit, name):
    """Issue 7, acceptance 1: on the near-Gaussian current b -> s mu mu fits the Wilks 1 sigma
    interval of the profile and the 68.3% central interval of the NUTS marginal agree.

    Measured (4 x 1000 draws, seed 0): cbar_LL = dC9 - dC10 on the line dC9 = -dC10 (fit
    flavour-cbar-current): profile [-0.2694, 0.0025], marginal [-0.2835, -0.0027]; dC9 with dC10
    profiled / marginalised (flavour-wilson-current): profile [-0.2270, 0.2791], marginal
    [-0.2555, 0.2825]. The ends differ by <= 0.11 sigma, the size expected from the mild skewness
    of R_K(C9) (for cbar_LL, with no nuisance, the exact posterior quantiles by quadrature of
    exp(-chi2/2) are checked against NUTS below, so the residual is the likelihood's shape)."""
    from jaxbsm.inference.bestfit import best_fit
    from jaxbsm.inference.config import load_config, load_likelihood
    from jaxbsm.inference.nuts import run_nuts

    config = load_config(fit)
    likelihood = load_likelihood(config)
    best = best_fit(likelihood, config)
    prof = profile(likelihood, config, {name: default_axis(config, name, 41, best)}, best)
    (lo, hi, *_), = prof.intervals()["1sigma"]
    sigma = 0.5 * (hi - lo)
    draws = run_nuts(likelihood, config, progress=False).posterior[name].values.ravel()
    q_lo, q_hi = np.quantile(draws, [0.15866, 0.84134])
    assert abs(q_lo - lo) < 0.15 * sigma and abs(q_hi - hi) < 0.15 * sigma
    assert prof.bestfit.errors[name] == pytest.approx(sigma, rel=0.03)  # Hessian vs profile curvature
    if not prof.nuisance:  # one parameter, flat prior: the posterior is exp(-chi2/2) on the box
        x = np.linspace(config.parameters[name].low, config.parameters[name].high, 20001)
        from scipy.interpolate import CubicSpline

        density = np.exp(-0.5 * CubicSpline(prof.axes[name], prof.delta_chi2)(np.clip(x, *prof.axes[name][[0, -1]])))
        cdf = np.cumsum(density) / density.sum()
        exact = np.interp([0.15866, 0.84134], cdf, x)
        # quantile MC error with ESS ~ 1300: sqrt(p(1-p)/ESS)/pdf ~ 0.045 sigma; 4 such errors allowed
        np.testing.assert_allclose([q_lo, q_hi], exact, atol=0.18 * sigma)


@pytest.fixture
def fake_cli(monkeypatch):
    """The CLI on the correlated Gaussian with only ``a`` free (b, c fixed at 0)."""
    from jaxbsm.inference import cli

    one = {"a": {"prior": "uniform", "low": -4.0, "high": 4.0}}
    monkeypatch.setattr(cli, "load_config", lambda name: make_config(**one))
    monkeypatch.setattr(cli, "load_likelihood", lambda config: Gaussian3())
    return cli


def test_cli_profile_writes_table_and_plot(fake_cli, tmp_path, capsys):
    import pandas as pd

    assert fake_cli.main(["profile", "corr", "--param", "a:-1:2:16", "--out", str(tmp_path / "p")]) == 0
    out = capsys.readouterr().out
    table = pd.read_csv(tmp_path / "p" / "profile-a.csv")
    assert list(table.columns) == ["a", "chi2", "delta_chi2"] and len(table) == 16
    # b = c = 0 fixed: chi2(a) = v^T C^-1 v at v = (a, 0, 0) - MU, a parabola in a of curvature (C^-1)_aa
    inv = np.linalg.inv(COV)
    v = np.stack([table["a"] - MU[0], np.full(16, -MU[1]), np.full(16, -MU[2])], axis=-1)
    np.testing.assert_allclose(table["chi2"], np.einsum("ni,ij,nj->n", v, inv, v), rtol=1e-10)
    a_best = MU[0] - (inv[0, 1] * -MU[1] + inv[0, 2] * -MU[2]) / inv[0, 0]
    sd = 1 / np.sqrt(inv[0, 0])
    assert f"1sigma (Delta chi2 < 1): a in [{a_best - sd:.5g}, {a_best + sd:.5g}]" in out
    assert (tmp_path / "p" / "profile-a.png").stat().st_size > 1000


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["--param", "nope"], "'nope' is not free"),
        (["--param", "a", "--param", "a"], "names a parameter twice"),
        (["--param", "a:1:0"], "expected NAME:LOW:HIGH:N"),
        (["--param", "a:-1:1:1"], "2 <= N <= 1e+08"),
    ],
)
def test_cli_profile_errors(fake_cli, tmp_path, capsys, argv, needle):
    assert fake_cli.main(["profile", "corr", *argv, "--out", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("jaxbsm: error: ") and needle in err
