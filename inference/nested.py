"""Posterior of a fit by nested sampling (a fit's ``sampler: nested``).

NUTS explores the mode its chains start in. Where the posterior has several modes that no
trajectory connects, its chains all stay in one, R-hat stays at 1, and the other modes are silently
missing: the scalar-decay model's Ω h² is reached on a freeze-in branch (small λ) and on a
freeze-out branch (large λ), and NUTS started at the prior median sees only the first. Nested
sampling (Skilling, Bayesian Anal. 1 (2006) 833; jaxns, arXiv:2012.15286) shrinks the whole prior
box and weighs every mode by its mass, provided its slice sampler spreads the live points evenly
within each likelihood contour. On a thin curved shell it does not: on the scalar-decay-4d posterior
(Planck pins m_N to 1 %) it put 0.19 (0.165 with jaxns's ``difficult_model`` settings) of the mass on
the freeze-out branch against 0.23; that fit uses importance sampling
(:mod:`jaxbsm.inference.importance`).

The run: ``nested.runs`` independent jaxns runs (seeds ``nested.seed``, +1, ...; the same sampler as
:func:`jaxbsm.inference.evidence.nested_sampling`), each resampled to equal-weight draws, as many per
run as the smallest Kish effective sample size of the runs, so that each run is one "chain" of the
InferenceData and R-hat and ESS compare independent runs. The draws are then evaluated like NUTS
draws (:func:`jaxbsm.inference.nuts.posterior_inference_data`); ``lp`` in sample_stats is
log L + log prior density (in the parameters' units); ``diverging`` is all False. The attrs add the
evidence ln Z of each run and its error.
"""

from __future__ import annotations

import jax
import numpy as np

from jaxbsm.inference.config import FitConfig
from jaxbsm.inference.evidence import LIVE_POINTS_PER_DIMENSION, run_jaxns
from jaxbsm.inference.nuts import independent_draw_stats, posterior_inference_data


def run_nested(likelihood, config: FitConfig, progress: bool = True):
    """Sample ``config``'s posterior under ``likelihood`` by nested sampling (module docstring);
    returns InferenceData with the groups of :func:`jaxbsm.inference.nuts.run_nuts`."""
    settings = config.nested
    live = settings.live_points or LIVE_POINTS_PER_DIMENSION * len(config.free)
    runs = []
    for r in range(settings.runs):
        sampler, results, wall, _ = run_jaxns(likelihood, config, live, settings.seed + r)
        runs.append((sampler, float(results.ESS), float(results.log_Z_mean), float(results.log_Z_uncert), wall))
        if progress:
            print(f"nested sampling run {r + 1}/{settings.runs}: ln Z = {runs[-1][2]:.3f} +- {runs[-1][3]:.3f}, "
                  f"ESS {runs[-1][1]:.0f}, {wall:.0f} s", flush=True)
    n_draws = max(1, int(min(ess for _, ess, *_ in runs)))
    draws = [sampler.get_samples(jax.random.PRNGKey(settings.seed + r), n_draws) for r, (sampler, *_) in enumerate(runs)]
    samples = {k: np.stack([np.asarray(d[k]) for d in draws]) for k in config.free}
    attrs = {
        "sampler": "nested",
        "seed": settings.seed,
        "live_points": live,
        "log_z": [r[2] for r in runs],
        "log_z_err": [r[3] for r in runs],
        "ess_nested": [r[1] for r in runs],
    }
    return posterior_inference_data(likelihood, config, samples, independent_draw_stats(likelihood, config, samples), attrs)
