"""Bayesian evidence of a fit and Bayes factors between fits.

The evidence (marginal likelihood) of a fit is Z = ∫ L(θ) π(θ) dθ over its free parameters θ,
with the normalised priors of the fit configuration (``jaxbsm.inference.priors.prior_distribution``) and the
other parameters held at their fixed values. Two estimates:

* :func:`nested_sampling`: nested sampling (Skilling, Bayesian Anal. 1 (2006) 833) with jaxns 2.6
  (J. G. Albert, arXiv:2012.15286; phantom-powered static sampler, arXiv:2312.11330), run through
  ``numpyro.contrib.nested_sampling.NestedSampler``, which maps every prior to the unit cube with
  its inverse CDF; the evidence is therefore with respect to the normalised prior. Its error is
  jaxns's statistical uncertainty of log Z.
* :func:`laplace_evidence`: the Laplace approximation at the best fit, a quick look that is only
  valid for a near-Gaussian posterior well inside the prior box.

:func:`bayes_factor` forms ln B_ab = ln Z_a - ln Z_b with the errors added in quadrature and words
its strength on the Jeffreys scale as revised by Trotta (Contemp. Phys. 49 (2008) 71,
arXiv:0803.4089, Table 1). Evidences are natural logarithms (nats) throughout.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxbsm.inference.config import MAX_SEED, FitConfig, full_parameters
from jaxbsm.inference.priors import numpyro_model, prior_distribution

LIVE_POINTS_PER_DIMENSION = 50
"""Default live points per free parameter: log Z errors ~0.1-0.2 on the shipped 3-parameter fits."""
DEFAULT_DLOGZ = math.log1p(1e-3)
"""Stop when the live points could raise Z by less than 0.1 % (jaxns's own default)."""
DEFAULT_MAX_SAMPLES = 100_000
"""Cap on dead points; reaching it truncates the run (a warning says so)."""
MAX_LIVE_POINTS = 10**5
"""Most live points accepted (as for the fit configurations' nested.live_points)."""

# jaxns 2.6 termination bits, least significant first (jaxns.utils.summary)
_TERMINATION = (
    "reached max samples",
    "evidence uncertainty low enough",
    "small remaining evidence",
    "reached ESS",
    "used max number of likelihood evaluations",
    "likelihood contour reached",
    "sampler efficiency too low",
    "all live points on a single plateau",
    "relative spread of live points < rtol",
    "absolute spread of live points < atol",
    "no seed points left",
    "XL < max(XL) * peak_XL_frac",
)
_BAD_TERMINATION = {0, 4, 6, 7, 10}  # the run stopped before the evidence converged

# Trotta, Contemp. Phys. 49 (2008) 71, Table 1: thresholds on |ln B| and their wording
JEFFREYS_SCALE = ((1.0, "inconclusive"), (2.5, "weak"), (5.0, "moderate"), (math.inf, "strong"))


@dataclass(frozen=True)
class Evidence:
    """Evidence estimate of one fit; log Z in nats, with respect to the fit's normalised priors.

    ``log_z_err`` is the statistical standard deviation of log Z (jaxns's ``log_Z_uncert``; NaN for
    the Laplace approximation, whose error is systematic and unknown). ``information`` is the
    Kullback-Leibler divergence H = E_post[log L] - log Z of posterior from prior in nats (the
    compression of the prior by the data). ``settings`` holds the method's settings and seed.
    """

    fit: str
    datasets: tuple[str, ...]
    method: str
    log_z: float
    log_z_err: float
    n_likelihood_evaluations: int
    ess: float = math.nan
    information: float = math.nan
    settings: Mapping[str, Any] = field(default_factory=dict)
    termination: tuple[str, ...] = ()
    wall_s: float = math.nan

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form (str, float, int, list, dict), e.g. for JSON; NaN stays float NaN."""
        return {
            "fit": self.fit,
            "datasets": list(self.datasets),
            "method": self.method,
            "log_z": self.log_z,
            "log_z_err": self.log_z_err,
            "n_likelihood_evaluations": self.n_likelihood_evaluations,
            "ess": self.ess,
            "information": self.information,
            "settings": dict(self.settings),
            "termination": list(self.termination),
            "wall_s": self.wall_s,
        }

    def table(self) -> str:
        """Human-readable summary: log Z ± error, information, ESS, cost and settings."""
        settings = ", ".join(f"{k} = {v:.3g}" if isinstance(v, float) else f"{k} = {v}" for k, v in self.settings.items())
        lines = [
            f"fit {self.fit} ({self.method}; {settings})",
            f"  log Z = {self.log_z:.4f} ± {self.log_z_err:.4f}",
            f"  information H = {self.information:.3f} nats   ESS = {self.ess:.0f}",
            f"  {self.n_likelihood_evaluations} likelihood evaluations in {self.wall_s:.1f} s",
        ]
        if self.termination:
            lines.append(f"  stopped: {'; '.join(self.termination)}")
        return "\n".join(lines)


@dataclass(frozen=True)
class BayesFactor:
    """ln B_ab = ln Z_a - ln Z_b (nats) with its error (the two log Z errors in quadrature)."""

    fit_a: str
    fit_b: str
    ln_b: float
    ln_b_err: float

    @property
    def strength(self) -> str:
        """Jeffreys-scale wording of |ln B| (Trotta 2008, Table 1)."""
        return jeffreys_strength(self.ln_b)

    def wording(self) -> str:
        """E.g. ``"weak evidence for A over B"``; ``"inconclusive"`` below |ln B| = 1."""
        if self.strength == "inconclusive":
            return f"inconclusive between {self.fit_a} and {self.fit_b}"
        better, worse = (self.fit_a, self.fit_b) if self.ln_b > 0 else (self.fit_b, self.fit_a)
        return f"{self.strength} evidence for {better} over {worse}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "fit_a": self.fit_a,
            "fit_b": self.fit_b,
            "ln_b": self.ln_b,
            "ln_b_err": self.ln_b_err,
            "strength": self.strength,
            "wording": self.wording(),
        }


def jeffreys_strength(ln_b: float) -> str:
    """Strength of evidence of |ln B| (nats) on Trotta's Jeffreys scale: inconclusive (< 1),
    weak (1-2.5), moderate (2.5-5), strong (>= 5) (Contemp. Phys. 49 (2008) 71, Table 1)."""
    if not math.isfinite(ln_b):
        raise ValueError(f"ln_b = {ln_b!r} is invalid; allowed: a finite number")
    return next(word for limit, word in JEFFREYS_SCALE if abs(ln_b) < limit)


def check_same_datasets(fit_a: str, datasets_a, fit_b: str, datasets_b) -> None:
    """ValueError unless both fits use the same datasets (in any order): a Bayes factor compares
    models on the same data, never fits of different data."""
    if sorted(datasets_a) != sorted(datasets_b):
        raise ValueError(
            f"fits {fit_a!r} (datasets {', '.join(datasets_a)}) and {fit_b!r} (datasets {', '.join(datasets_b)}) "
            "use different data; a Bayes factor only compares models fitted to the same datasets"
        )


def _positive_int(name: str, value: Any, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        allowed = f"an integer >= {minimum}" if maximum is None else f"an integer in [{minimum}, {maximum}]"
        raise ValueError(f"{name} = {value!r} is invalid; allowed: {allowed}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} = {value!r} is invalid; allowed: an integer in [{minimum}, {maximum}]")
    return int(value)


def nested_sampling(
    likelihood,
    config: FitConfig,
    *,
    num_live_points: int | None = None,
    seed: int | None = None,
    dlogz: float = DEFAULT_DLOGZ,
    max_samples: int = DEFAULT_MAX_SAMPLES,
) -> Evidence:
    """Evidence of ``config``'s free parameters under ``likelihood`` by nested sampling (jaxns 2.6).

    ``num_live_points`` defaults to ``LIVE_POINTS_PER_DIMENSION`` x the number of free parameters;
    the log Z error scales as sqrt(H / num_live_points) (Skilling 2006); at most ``MAX_LIVE_POINTS``.
    ``seed`` (default: the fit's NUTS seed; 0 to 2**32 - 1) seeds the sampler. The run stops when
    the live points could add less than a fraction exp(``dlogz``) - 1 to Z, or after
    ``max_samples`` dead points (then with a warning, as for any termination before convergence). Raises ValueError when no prior point has a finite
    log-likelihood.
    """
    n_dim = len(config.free)
    num_live_points = _positive_int(
        "num_live_points", LIVE_POINTS_PER_DIMENSION * n_dim if num_live_points is None else num_live_points, 2, MAX_LIVE_POINTS
    )
    seed = _positive_int("seed", config.nuts.seed if seed is None else seed, 0, MAX_SEED)  # PRNGKey: unsigned 32 bits
    max_samples = _positive_int("max_samples", max_samples, num_live_points)
    if isinstance(dlogz, bool) or not isinstance(dlogz, (int, float)) or not 0 < dlogz < math.inf:
        raise ValueError(f"dlogz = {dlogz!r} is invalid; allowed: a finite number > 0")
    sampler, results, wall, bits = run_jaxns(likelihood, config, num_live_points, seed, dlogz, max_samples)
    log_z = float(results.log_Z_mean)
    return Evidence(
        fit=config.name,
        datasets=tuple(config.datasets),
        method="nested sampling (jaxns)",
        log_z=log_z,
        log_z_err=float(results.log_Z_uncert),
        n_likelihood_evaluations=int(results.total_num_likelihood_evaluations),
        ess=float(results.ESS),
        information=-float(results.H_mean),  # jaxns 2.6's H_mean is log Z - E_post[log L] = -H
        settings={"num_live_points": num_live_points, "dlogz": float(dlogz), "max_samples": max_samples, "seed": seed},
        termination=tuple(_TERMINATION[i] for i in bits),
        wall_s=wall,
    )


def run_jaxns(likelihood, config: FitConfig, num_live_points: int, seed: int, dlogz: float = DEFAULT_DLOGZ,
              max_samples: int = DEFAULT_MAX_SAMPLES):
    """One jaxns run over ``config``'s priors: (NumPyro NestedSampler, jaxns results, wall seconds,
    termination bits). ValueError when no prior point has a finite log L; a warning when the run
    stopped before the evidence converged."""
    from numpyro.contrib.nested_sampling import NestedSampler  # imports jaxns (slow): only when needed

    sampler = NestedSampler(
        numpyro_model(likelihood, config),
        constructor_kwargs={"num_live_points": num_live_points, "max_samples": max_samples},
        termination_kwargs={"dlogZ": float(dlogz)},
    )
    start = time.perf_counter()
    sampler.run(jax.random.PRNGKey(seed))
    results = sampler._results  # the jaxns NestedSamplerResults (NestedSampler has no public getter)
    log_z = float(results.log_Z_mean)
    wall = time.perf_counter() - start
    if not math.isfinite(log_z):
        raise ValueError(
            f"fit {config.name}: nested sampling found no finite log-likelihood in the prior box "
            f"(log Z = {log_z}); check the parameter ranges against the physical region"
        )
    reason = int(np.max(results.termination_reason))
    bits = [i for i in range(len(_TERMINATION)) if reason >> i & 1]
    if _BAD_TERMINATION.intersection(bits):
        warnings.warn(
            f"fit {config.name}: nested sampling stopped before convergence "
            f"({'; '.join(_TERMINATION[i] for i in bits)}); log Z and the posterior may be biased",
            stacklevel=2,
        )
    return sampler, results, wall, bits


def laplace_evidence(likelihood, config: FitConfig, bestfit) -> Evidence:
    """Laplace approximation of log Z at a best fit (``jaxbsm.inference.bestfit.BestFit``), in nats.

    log Z ≈ log L_max + log π(θ̂) + (d/2) log 2π + ½ log det Σ, with θ̂ the best point, π the fit's
    prior density there and Σ = ``bestfit.covariance`` the inverse Hessian of -log L (MacKay,
    Information Theory, Inference and Learning Algorithms (2003), ch. 27). A quick look: it is
    exact only for a Gaussian likelihood under a prior that is flat across the posterior and
    whose box contains the whole posterior; slabs, banana shapes, multiple modes or a posterior cut
    by the box make it wrong by O(1) in log Z. Returns log Z = NaN with a warning when the
    covariance is NaN (Hessian not positive definite) or the best fit is at a prior bound.
    """
    names = tuple(config.free)
    if tuple(bestfit.names) != names:
        raise ValueError(f"bestfit.names = {bestfit.names!r} is invalid; allowed: the free parameters {names!r}")
    log_z = math.nan
    covariance = np.asarray(bestfit.covariance, dtype=float)
    if bestfit.at_bound:
        warnings.warn(
            f"fit {config.name}: best fit at the prior bound for {', '.join(bestfit.at_bound)}; "
            "the Laplace approximation does not apply (log Z = NaN)",
            stacklevel=2,
        )
    elif not np.all(np.isfinite(covariance)):
        warnings.warn(
            f"fit {config.name}: no Hessian covariance at the best fit; the Laplace approximation "
            "does not apply (log Z = NaN)",
            stacklevel=2,
        )
    else:
        best = {n: jnp.asarray(bestfit.values[n]) for n in names}
        log_l = float(likelihood.log_likelihood(full_parameters(config, best)))
        log_prior = sum(float(prior_distribution(config.parameters[n]).log_prob(best[n])) for n in names)
        _, log_det = np.linalg.slogdet(covariance)
        log_z = log_l + log_prior + 0.5 * len(names) * math.log(2 * math.pi) + 0.5 * log_det
    return Evidence(
        fit=config.name,
        datasets=tuple(config.datasets),
        method="Laplace approximation",
        log_z=log_z,
        log_z_err=math.nan,
        n_likelihood_evaluations=1,
        settings={"at": "best fit"},
    )


def bayes_factor(a: Evidence, b: Evidence) -> BayesFactor:
    """ln B_ab = log Z_a - log Z_b (nats), error = hypot(err_a, err_b); a, b on the same datasets."""
    for label, ev in (("a", a), ("b", b)):
        if not math.isfinite(ev.log_z):
            raise ValueError(f"{label}.log_z = {ev.log_z!r} (fit {ev.fit}) is invalid; allowed: a finite number")
    check_same_datasets(a.fit, a.datasets, b.fit, b.datasets)
    return BayesFactor(a.fit, b.fit, a.log_z - b.log_z, math.hypot(a.log_z_err, b.log_z_err))
