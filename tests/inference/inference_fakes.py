"""A fake model and likelihood for the inference tests: no physics data, only the Likelihood contract."""

from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp

from jaxbsm.inference.config import config_from_dict
from jaxbsm.likelihoods.likelihood import Evaluation
from jaxbsm.model import Model, Parameter
from jaxbsm.observables import ObservableInfo

MU = {"x": 0.3, "y": -1.2}
SIGMA = {"x": 0.5, "y": 0.8}


def _predict(p):
    return {"X_obs": p["x"], "Y_obs": 2.0 * p["y"], "X+Y": p["x"] + p["y"]}


GAUSS_MODEL = Model(
    name="test-gauss",
    description="Two independent Gaussian parameters plus a fixed nuisance z",
    parameters=(
        Parameter("x", "GeV", -5.0, 5.0, 0.0, "x", "first parameter", sm=0.0),
        Parameter("y", "", -5.0, 5.0, 0.0, "y", "second parameter", sm=0.0),
        Parameter("z", "", 0.1, 10.0, 1.0, "z", "fixed nuisance", prior="loguniform"),
    ),
    observables=tuple(ObservableInfo(n, n, "", f"fake observable {n}") for n in ("X_obs", "Y_obs", "X+Y")),
    predict=_predict,
)


@dataclass(frozen=True)
class GaussLikelihood:
    """log L = sum of two Gaussian terms in x and y; -inf where x > cut (if cut is set), and where
    y > fail_above (if set), as if a solver failed there (status MAX_STEPS)."""

    model: Model = GAUSS_MODEL
    cut: float | None = None
    fail_above: float | None = None
    datasets: tuple[str, ...] = ("fake-data",)
    observables: tuple[str, ...] = ("X_obs", "Y_obs", "X+Y")
    term_names: tuple[str, ...] = ("x-term", "y-term")

    def pointwise(self, params):
        terms = jnp.stack([-0.5 * ((params[k] - MU[k]) / SIGMA[k]) ** 2 for k in ("x", "y")])
        if self.cut is not None:
            terms = jnp.where(params["x"] > self.cut, -jnp.inf, terms)
        return terms

    def log_likelihood(self, params):
        return self.evaluate(params).log_likelihood

    def evaluate(self, params):
        status = jnp.int32(0) if self.fail_above is None else jnp.where(params["y"] > self.fail_above, 2, 0).astype(jnp.int32)
        terms = jnp.where(status == 0, self.pointwise(params), -jnp.inf)
        return Evaluation(jnp.sum(terms), terms, self.predict(params), status)

    def predict(self, params):
        return _predict(params)

    def bibtex(self):
        return ["@misc{fake, title={Fake data}}"]


def fake_idata(n_draws: int, shift: float = 0.0):
    """InferenceData of 2 chains x n_draws of the Gaussian posterior of GaussLikelihood (x shifted by
    ``shift``), with its log L terms and lp, without running a sampler."""
    import arviz as az
    import numpy as np

    rng = np.random.default_rng(1)
    x, y = rng.normal(MU["x"] + shift, SIGMA["x"], (2, n_draws)), rng.normal(MU["y"], SIGMA["y"], (2, n_draws))
    terms = np.stack([-0.5 * ((x - MU["x"]) / SIGMA["x"]) ** 2, -0.5 * ((y - MU["y"]) / SIGMA["y"]) ** 2], axis=-1)
    return az.from_dict(
        posterior={"x": x, "y": y},
        log_likelihood={"log_likelihood": terms},
        sample_stats={"lp": terms.sum(axis=-1) - 1.0},
        dims={"log_likelihood": ["term"]},
    )


def gauss_config_dict(**overrides):
    data = {
        "name": "gauss",
        "description": "2-d Gaussian test fit",
        "model": "test-gauss",
        "datasets": ["fake-data"],
        "parameters": {"x": {"prior": "uniform", "low": -3.0, "high": 3.0}, "y": None},
        "fixed": {"z": 2.0},
        "nuts": {"chains": 2, "warmup": 150, "samples": 150, "seed": 1},
        "bestfit": {"starts": 8, "steps": 300, "seed": 0},
    }
    data.update(overrides)
    return data


def lookup(name):
    if name != "test-gauss":
        raise ValueError(f"unknown model {name!r}; known models: test-gauss")
    return GAUSS_MODEL


def make_config(**overrides):
    return config_from_dict(
        gauss_config_dict(**overrides), "test.yaml", known_datasets=["fake-data"], model_lookup=lookup
    )


# TwoModes: log L in x is two Gaussians of width 0.15 at x = -1.5 and +1.5 holding 30% and 70% of the
# mass (a uniform prior over [-3, 3] covers both whole); y: the Gaussian of GaussLikelihood
MODES, WIDTH, WEIGHT_RIGHT = (-1.5, 1.5), 0.15, 0.7


@dataclass(frozen=True)
class TwoModes(GaussLikelihood):
    """Two separated modes in x of known weights, which NUTS chains started together miss."""

    def pointwise(self, params):
        x, y = params["x"], params["y"]
        ln_x = jnp.logaddexp(jnp.log(1.0 - WEIGHT_RIGHT) - 0.5 * ((x - MODES[0]) / WIDTH) ** 2,
                             jnp.log(WEIGHT_RIGHT) - 0.5 * ((x - MODES[1]) / WIDTH) ** 2)
        return jnp.stack([ln_x, -0.5 * ((y - MU["y"]) / SIGMA["y"]) ** 2])

    def evaluate(self, params):
        terms = self.pointwise(params)
        return Evaluation(jnp.sum(terms), terms, self.predict(params), jnp.int32(0))
