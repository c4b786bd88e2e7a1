"""Priors of a fit's free parameters as NumPyro distributions, and the NumPyro model of a fit.

:func:`prior_distribution` turns a :class:`~jaxbsm.inference.config.PriorSpec` into a normalised
NumPyro distribution on its box; :func:`numpyro_model` joins these priors with a likelihood
(``numpyro.factor``), the other parameters held at their fixed values. The same model is sampled by
NUTS (``jaxbsm.inference.nuts``) and by nested sampling (``jaxbsm.inference.evidence``); the best
fit draws its starts from the same priors.
"""

from __future__ import annotations

import numpyro
import numpyro.distributions as dist
from numpyro.distributions import constraints
from numpyro.distributions.transforms import AffineTransform

from jaxbsm.inference.config import FitConfig, PriorSpec, full_parameters


class NegativeLogUniform(dist.TransformedDistribution):
    """Flat in log|x| on a negative box [low, high], high < 0 (e.g. a coupling whose sign is fixed).

    The support is declared as the box itself, so NUTS gets a bounded bijection (a plain
    TransformedDistribution would claim the whole real line)."""

    def __init__(self, low: float, high: float):
        self.low, self.high = low, high
        super().__init__(dist.LogUniform(-high, -low), AffineTransform(0.0, -1.0))

    @property
    def support(self):
        return constraints.interval(self.low, self.high)


def prior_distribution(spec: PriorSpec) -> dist.Distribution:
    """NumPyro distribution of a PriorSpec on its box [low, high]."""
    if spec.prior == "uniform":
        return dist.Uniform(spec.low, spec.high)
    if spec.prior == "loguniform":
        if spec.high < 0:
            return NegativeLogUniform(spec.low, spec.high)
        return dist.LogUniform(spec.low, spec.high)
    return dist.TruncatedNormal(spec.mu, spec.sigma, low=spec.low, high=spec.high)


def numpyro_model(likelihood, config: FitConfig):
    """The NumPyro model of a fit: priors on the free parameters, fixed ones held, log L as a factor."""

    def model():
        free = {name: numpyro.sample(name, prior_distribution(spec)) for name, spec in config.parameters.items()}
        numpyro.factor("log_likelihood", likelihood.log_likelihood(full_parameters(config, free)))

    return model
