"""NUTS sampling of a likelihood's free parameters with NumPyro, returned as ArviZ InferenceData.

The free parameters get the priors of the fit configuration; the others are held at their fixed
values; the log-likelihood enters through ``numpyro.factor``. Several chains run vectorised on one
device, or in parallel when there are at least as many local devices as chains.
"""

from __future__ import annotations

import datetime
import math
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING
from importlib.metadata import PackageNotFoundError, version

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from numpyro.distributions import constraints
from numpyro.distributions.transforms import AffineTransform
from numpyro.infer import MCMC, NUTS

from inference.config import FitConfig, PriorSpec

if TYPE_CHECKING:  # ArviZ is imported lazily: the sampler runs where it is absent (GPU image)
    import arviz as az

EXTRA_FIELDS = ("diverging", "num_steps", "potential_energy", "energy", "accept_prob", "adapt_state.step_size")


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


def full_parameters(config: FitConfig, free: Mapping[str, jax.Array]) -> dict[str, jax.Array]:
    """All model parameters: the free values given, the fixed ones from the configuration."""
    return {**{k: jnp.asarray(v) for k, v in config.fixed.items()}, **free}


def numpyro_model(likelihood, config: FitConfig):
    """The NumPyro model of a fit: priors on the free parameters, fixed ones held, log L as a factor."""

    def model():
        free = {name: numpyro.sample(name, prior_distribution(spec)) for name, spec in config.parameters.items()}
        numpyro.factor("log_likelihood", likelihood.log_likelihood(full_parameters(config, free)))

    return model


def evaluate_draws(likelihood, config: FitConfig, free: Mapping[str, np.ndarray]):
    """Total log L, per-term log L and predictions at every draw (vmapped over leading axes).

    ``free`` maps free-parameter names to arrays of one common shape S; returns
    ``(log_l[S], pointwise[S + (n_terms,)], {observable: array[S + ...]})``.
    """
    shape = np.shape(next(iter(free.values())))
    flat = {k: jnp.reshape(jnp.asarray(v), (-1,)) for k, v in free.items()}

    @jax.jit
    @jax.vmap
    def one(point):
        params = full_parameters(config, point)
        return likelihood.log_likelihood(params), likelihood.pointwise(params), likelihood.model.predict(params)

    total, terms, preds = one(flat)
    unflat = lambda a: np.asarray(a).reshape(shape + np.shape(a)[1:])
    return unflat(total), unflat(terms), {k: unflat(v) for k, v in preds.items()}


def unique_labels(labels) -> list[str]:
    """``labels`` with repeats numbered (``"a"``, ``"a #2"``) so they can index a coordinate."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return out


def _versions() -> dict[str, str]:
    import jaxbsm

    out = {"version_jaxbsm": jaxbsm.__version__}
    for pkg in ("jax", "jaxlib", "numpyro", "arviz", "optax"):
        try:
            out[f"version_{pkg}"] = version(pkg)
        except PackageNotFoundError:
            out[f"version_{pkg}"] = "unknown"
    return out


def run_nuts(likelihood, config: FitConfig, progress: bool = True) -> az.InferenceData:
    """Sample the posterior of ``config``'s free parameters under ``likelihood`` with NUTS.

    Returns InferenceData with groups posterior (free parameters, in their units),
    log_likelihood (variable ``log_likelihood`` over dimension ``term`` = likelihood.term_names),
    posterior_predictive (one variable per observable the model predicts, constrained or not), sample_stats
    (diverging, n_steps, tree_depth, lp, energy, acceptance_rate, step_size) and attrs (config as
    YAML, package versions, seed, device, date, divergence and non-finite log L counts).
    Draws whose log L is not finite are kept and counted (attrs ``n_nonfinite_log_likelihood``).
    """
    settings = config.nuts
    chain_method = "parallel" if jax.local_device_count() >= settings.chains > 1 else "vectorized"
    kernel = NUTS(
        numpyro_model(likelihood, config),
        target_accept_prob=settings.target_accept,
        max_tree_depth=settings.max_tree_depth,
    )
    mcmc = MCMC(
        kernel,
        num_warmup=settings.warmup,
        num_samples=settings.samples,
        num_chains=settings.chains,
        chain_method=chain_method,
        progress_bar=progress,
    )
    try:
        mcmc.run(jax.random.PRNGKey(settings.seed), extra_fields=EXTRA_FIELDS)
    except RuntimeError as e:
        if "Cannot find valid initial parameters" not in str(e):
            raise
        raise ValueError(
            f"fit {config.name}: no finite log-likelihood found at 100 random points of the prior box; "
            "check the parameter ranges against the physical region"
        ) from None
    draws = mcmc.get_samples(group_by_chain=True)
    samples = {k: np.asarray(draws[k]) for k in config.free}  # in the configuration's order
    extra = {k: np.asarray(v) for k, v in mcmc.get_extra_fields(group_by_chain=True).items()}

    total, terms, preds = evaluate_draws(likelihood, config, samples)
    n_nonfinite = int(np.sum(~np.isfinite(total)))
    n_divergent = int(extra["diverging"].sum())
    if n_nonfinite:
        warnings.warn(f"{n_nonfinite} posterior draws have a non-finite log-likelihood", stacklevel=2)

    sample_stats = {
        "diverging": extra["diverging"],
        "n_steps": extra["num_steps"],
        "tree_depth": np.ceil(np.log2(extra["num_steps"] + 1.0)).astype(np.int64),
        "lp": -extra["potential_energy"],
        "energy": extra["energy"],
        "acceptance_rate": extra["accept_prob"],
        "step_size": extra["adapt_state.step_size"],
    }
    attrs = {
        "fit": config.name,
        "config_yaml": config.to_yaml(),
        "seed": settings.seed,
        "device": f"{jax.default_backend()}: {jax.devices()[0].device_kind} x{jax.local_device_count()}",
        "chain_method": chain_method,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "n_divergent": n_divergent,
        "n_nonfinite_log_likelihood": n_nonfinite,
        **_versions(),
    }
    import arviz as az  # imported here so the model and sampler work where ArviZ is absent (GPU image)

    return az.from_dict(
        posterior=samples,
        log_likelihood={"log_likelihood": terms},
        posterior_predictive=preds,
        sample_stats=sample_stats,
        coords={"term": unique_labels(likelihood.term_names)},
        dims={"log_likelihood": ["term"]},
        attrs=attrs,
    )


def diagnostics(idata: az.InferenceData) -> dict[str, float]:
    """Run-level convergence numbers: divergences, non-finite log L, max R-hat, min bulk/tail ESS."""
    import arviz as az

    summary = az.summary(idata, var_names=list(idata.posterior.data_vars), kind="diagnostics")
    return {
        "divergences": int(idata.sample_stats["diverging"].sum()),
        "nonfinite_log_likelihood": int(idata.attrs.get("n_nonfinite_log_likelihood", 0)),
        "max_r_hat": float(summary["r_hat"].max()) if "r_hat" in summary else math.nan,
        "min_ess_bulk": float(summary["ess_bulk"].min()),
        "min_ess_tail": float(summary["ess_tail"].min()),
    }
