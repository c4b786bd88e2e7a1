"""Posterior of a fit by importance sampling from the prior (a fit's ``sampler: importance``).

Each of ``importance.chains`` independent streams draws ``importance.points`` points from the prior
(seeds ``importance.seed``, +1, ...), in batches of ``importance.batch`` evaluated by one jit-compiled,
vmapped log-likelihood, and weighs each point by its likelihood L. The weighted points are an exact
representation of the posterior, with no assumption on its shape: every mode, ridge or thin shell of
the prior box gets the weight of its mass, whatever connects it to the rest. The price is
efficiency: the Kish effective sample size ESS = (Σ L)² / Σ L² is roughly the number of points
times the fraction of the prior box the posterior fills, so the sampler suits few free parameters
and a cheap likelihood (the surrogate models), and it is the textbook GPU workload (one large
batched evaluation, no sequential steps).

Why it exists: on the scalar-decay-4d fit (Planck's 1 % Ω h² makes the posterior a thin shell
m_N ≈ 0.120/F(m_S, λ, y), in separate pieces) NUTS chains stay on the piece they start on, and
nested sampling (jaxns, 1000 live points, also with its ``difficult_model`` settings) puts 0.16–0.19
of the mass on the freeze-out branch against 0.232 ± 0.004 from an independent quadrature over m_N
(tests/inference/test_shipped_fits.py): its slice sampler does not spread the live points evenly
along the shell. Importance sampling from the prior has no such failure mode.

Output: each stream becomes one chain of equal-weight draws, resampled from its weighted points
(systematic resampling), as many per chain as the smallest Kish ESS of the streams, so that R-hat
and ESS compare independent streams as for NUTS chains. The draws are evaluated like NUTS draws
(:func:`jaxbsm.inference.nuts.posterior_inference_data`); ``lp`` in sample_stats is log L + log prior
density; ``diverging`` is all False. The attrs add, per stream, the evidence ln Z = ln mean(L) with
its error sqrt(1/ESS − 1/N), the Kish ESS and the number of points with a non-finite log L (solver
failures and unphysical points: weight 0, counted, never silently dropped).
"""

from __future__ import annotations

import math
import time
import warnings

import jax
import numpy as np

from jaxbsm.inference.config import FitConfig, full_parameters
from jaxbsm.inference.nuts import independent_draw_stats, posterior_inference_data
from jaxbsm.inference.priors import prior_distribution

#: Points whose weight is below exp(-KEEP_LOG_RANGE) of the largest weight seen are not kept for
#: resampling (each would be drawn with probability < 1e-17); the sums of Z and ESS use every point.
KEEP_LOG_RANGE = 40.0

#: Below this Kish ESS per stream R-hat and ESS are unreliable, and the run says so.
MIN_ESS = 100


def _draw_prior(config: FitConfig, key, n: int) -> dict:
    keys = jax.random.split(key, len(config.free))
    return {name: prior_distribution(spec).sample(k, (n,)) for k, (name, spec) in zip(keys, config.parameters.items())}


def _stream(log_l, config: FitConfig, seed: int, points: int, batch: int):
    """One stream: (kept points, their log weights, ln Z, Kish ESS, number of non-finite log L)."""
    key = jax.random.PRNGKey(seed)
    log_sum = log_sum_sq = -math.inf
    kept_p, kept_w, max_w, nonfinite, done = [], [], -math.inf, 0, 0
    while done < points:
        key, sub = jax.random.split(key)
        n = min(batch, points - done)
        p = _draw_prior(config, sub, batch)  # full batches: one compiled shape; the tail is cut below
        lw = np.asarray(log_l(p))[:n]
        finite = np.isfinite(lw)
        nonfinite += int(n - finite.sum())
        lw = np.where(finite, lw, -np.inf)
        if finite.any():
            log_sum = np.logaddexp(log_sum, _logsumexp(lw))
            log_sum_sq = np.logaddexp(log_sum_sq, _logsumexp(2.0 * lw))
            max_w = max(max_w, float(lw.max()))
            keep = lw > max_w - KEEP_LOG_RANGE
            kept_p.append({k: np.asarray(v)[:n][keep] for k, v in p.items()})
            kept_w.append(lw[keep])
        done += n
    if not kept_w:
        return None, None, -math.inf, 0.0, nonfinite
    w = np.concatenate(kept_w)
    keep = w > max_w - KEEP_LOG_RANGE
    pts = {k: np.concatenate([b[k] for b in kept_p])[keep] for k in config.free}
    ess = float(np.exp(2.0 * log_sum - log_sum_sq))
    return pts, w[keep], float(log_sum - math.log(points)), ess, nonfinite


def _logsumexp(x: np.ndarray) -> float:
    m = float(np.max(x))
    return m + math.log(float(np.sum(np.exp(x - m)))) if math.isfinite(m) else -math.inf


def _systematic_resample(log_w: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of n equal-weight draws from points of log weights log_w (systematic resampling:
    one uniform offset, so each point is drawn floor or ceil of n × its weight times)."""
    cdf = np.cumsum(np.exp(log_w - np.max(log_w)))
    cdf /= cdf[-1]
    idx = np.searchsorted(cdf, (rng.uniform() + np.arange(n)) / n, side="right")
    return rng.permutation(np.minimum(idx, cdf.size - 1))  # shuffled: a chain has no order to show


def run_importance(likelihood, config: FitConfig, progress: bool = True):
    """Sample ``config``'s posterior under ``likelihood`` by importance sampling from the prior
    (module docstring); returns InferenceData with the groups of :func:`jaxbsm.inference.nuts.run_nuts`.
    Raises ValueError when no prior point of a stream has a finite log-likelihood."""
    s = config.importance
    log_l = jax.jit(jax.vmap(lambda p: likelihood.log_likelihood(full_parameters(config, p))))
    streams = []
    for c in range(s.chains):
        start = time.perf_counter()
        pts, lw, log_z, ess, nonfinite = _stream(log_l, config, s.seed + c, s.points, s.batch)
        if pts is None:
            raise ValueError(
                f"fit {config.name}: none of the {s.points} prior points of importance stream {c} has a finite "
                "log-likelihood; check the parameter ranges against the physical region"
            )
        streams.append((pts, lw, log_z, ess, nonfinite))
        if progress:
            print(f"importance stream {c + 1}/{s.chains}: {s.points} prior points, ln Z = {log_z:.3f} "
                  f"+- {math.sqrt(max(1.0 / ess - 1.0 / s.points, 0.0)):.3f}, Kish ESS {ess:.0f}, "
                  f"{nonfinite} non-finite log L, {time.perf_counter() - start:.0f} s", flush=True)
    n_draws = max(1, int(min(st[3] for st in streams)))
    if n_draws < MIN_ESS:
        warnings.warn(
            f"fit {config.name}: the smallest Kish ESS of the importance streams is {n_draws} (< {MIN_ESS}); "
            "R-hat and ESS are unreliable: raise importance.points",
            stacklevel=2,
        )
    rng = np.random.default_rng(s.seed)
    picks = [_systematic_resample(lw, n_draws, rng) for _, lw, *_ in streams]
    samples = {k: np.stack([st[0][k][i] for st, i in zip(streams, picks)]) for k in config.free}
    attrs = {
        "sampler": "importance",
        "seed": s.seed,
        "points_per_chain": s.points,
        "log_z": [st[2] for st in streams],
        "log_z_err": [math.sqrt(max(1.0 / st[3] - 1.0 / s.points, 0.0)) for st in streams],
        "ess_kish": [st[3] for st in streams],
        "n_nonfinite_prior_points": [st[4] for st in streams],
    }
    return posterior_inference_data(likelihood, config, samples, independent_draw_stats(likelihood, config, samples), attrs)
