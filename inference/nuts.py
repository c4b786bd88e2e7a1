"""NUTS sampling of a likelihood's free parameters with NumPyro, returned as ArviZ InferenceData.

The free parameters get the priors of the fit configuration; the others are held at their fixed
values; the log-likelihood enters through ``numpyro.factor``. Several chains run vectorised on one
device, or in parallel when there are at least as many local devices as chains.

A run is cut into blocks of at most ``config.nuts.block`` NUTS steps (warm-up blocks, then draw
blocks), all made by one compiled function; after each block the sampler state (the NumPyro
``HMCState`` of every chain: position, adaptation state, PRNG key) and the draws so far can be
written to a checkpoint, from which an interrupted run continues bit for bit (``resume=True``).

The checkpoint file format is described in ``jaxbsm.inference.checkpoint``; priors and the NumPyro
model in ``jaxbsm.inference.priors``; the provenance attrs in ``jaxbsm.inference.provenance``.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

import jax
import jax.numpy as jnp
import numpy as np
from numpyro.infer import NUTS, init_to_median, init_to_uniform
from tqdm.auto import tqdm

from jaxbsm.inference import provenance
from jaxbsm.inference.checkpoint import load_checkpoint, restore_state, save_checkpoint
from jaxbsm.inference.config import FitConfig, NutsSettings
from jaxbsm.inference.priors import numpyro_model

if TYPE_CHECKING:  # ArviZ is imported lazily: the sampler runs where it is absent (GPU image)
    import arviz as az

EXTRA_FIELDS = ("diverging", "num_steps", "potential_energy", "energy", "accept_prob", "adapt_state.step_size")


def unique_labels(labels) -> list[str]:
    """``labels`` with repeats numbered (``"a"``, ``"a #2"``) so they can index a coordinate."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return out


def chain_method_of(settings: NutsSettings) -> str:
    """NumPyro's chain method for these settings: "parallel" when each chain gets a device, else "vectorized"."""
    return "parallel" if jax.local_device_count() >= settings.chains > 1 else "vectorized"


def _schedule(settings: NutsSettings) -> list[tuple[str, int]]:
    """The blocks of a run, in order: ("warmup", steps) then ("sample", steps), steps <= block."""
    return [
        (phase, min(settings.block, total - start))
        for phase, total in (("warmup", settings.warmup), ("sample", settings.samples))
        for start in range(0, total, settings.block)
    ]


def _no_valid_start(config: FitConfig) -> ValueError:
    return ValueError(
        f"fit {config.name}: no finite log-likelihood found at 100 random points of the prior box; "
        "check the parameter ranges against the physical region"
    )


def _initial_state(kernel: NUTS, config: FitConfig, chain_method: str):
    """NumPyro's initial HMCState of every chain, from the keys ``numpyro.infer.MCMC.run`` would use.

    Also sets up ``kernel.sample`` (vectorised over chains when the chains are vectorised)."""
    settings = config.nuts
    keys = jax.random.PRNGKey(settings.seed)
    if settings.chains > 1:
        keys = jax.random.split(keys, settings.chains)
    init = partial(kernel.init, num_warmup=settings.warmup, model_args=(), model_kwargs={})
    try:
        state = jax.pmap(init)(keys) if chain_method == "parallel" else init(keys)
    except RuntimeError as e:
        if "Cannot find valid initial parameters" not in str(e):
            raise
        raise _no_valid_start(config) from None
    if not np.isfinite(jax.device_get(state.potential_energy)).all():  # under pmap NumPyro cannot check
        raise _no_valid_start(config)
    return state


def _advance_fn(kernel: NUTS, chain_method: str, chains: int, size: int):
    """Compiled ``advance(state, n) -> (state, record)``: ``n <= size`` NUTS steps of every chain.

    ``record`` holds, per step, the constrained position (``z``) and EXTRA_FIELDS in buffers of
    ``size`` steps (the first ``n`` filled); the axes are (step, chain, ...) for vectorised chains,
    (chain, step, ...) for parallel ones and (step, ...) for one chain. ``n`` is traced, so blocks of
    any length up to ``size`` reuse one compilation."""
    postprocess = kernel.postprocess_fn((), {})
    if chain_method == "vectorized" and chains > 1:
        postprocess = jax.vmap(postprocess)

    def record(state):
        return {"z": postprocess(state.z), **{f: attrgetter(f)(state) for f in EXTRA_FIELDS}}

    def advance(state, n):
        shapes = jax.eval_shape(record, state)
        buffers = jax.tree.map(lambda s: jnp.zeros((size, *s.shape), s.dtype), shapes)

        def step(i, carry):
            state, buffers = carry
            state = kernel.sample(state, (), {})
            return state, jax.tree.map(lambda b, v: b.at[i].set(v), buffers, record(state))

        return jax.lax.fori_loop(0, n, step, (state, buffers))

    return jax.pmap(advance, in_axes=(0, None)) if chain_method == "parallel" else jax.jit(advance)


def _chain_major(record, chain_method: str, chains: int, n: int) -> dict:
    """A block's record on the host as {"draws": {site: a}, "extra": {field: a}}, a[chain, draw, ...]."""
    if chain_method == "parallel":
        order = lambda a: a[:, :n]
    elif chains > 1:
        order = lambda a: np.swapaxes(a[:n], 0, 1)
    else:
        order = lambda a: a[None, :n]
    record = jax.tree.map(lambda a: np.ascontiguousarray(order(np.asarray(a))), jax.device_get(record))
    return {"draws": record.pop("z"), "extra": record}


def _append(records, block):
    if not records["draws"]:
        return block
    return {g: {k: np.concatenate([records[g][k], v], axis=1) for k, v in block[g].items()} for g in block}


def sample_nuts(
    likelihood,
    config: FitConfig,
    progress: bool = True,
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, float]]:
    """The NUTS run of :func:`run_nuts` without its post-processing (and without ArviZ).

    Returns ``(draws, extra, seconds)``: draws[parameter] and extra[field] (EXTRA_FIELDS) as
    chain x draw arrays, and the wall time of the warm-up (with the sampler's one compilation) and
    of the draws, ``{"warmup_s", "sampling_s"}`` (0 for phases a resumed run did not redo).
    Checkpointing and resuming as in :func:`run_nuts`.
    """
    settings = config.nuts
    chain_method = chain_method_of(settings)
    path = None if checkpoint is None else Path(checkpoint)
    if resume and path is None:
        raise ValueError("run_nuts: resume=True needs the checkpoint path to resume from; got checkpoint=None")
    schedule = _schedule(settings)
    ends = np.cumsum([n for _, n in schedule]).tolist()
    done, records = 0, {"draws": {}, "extra": {}}
    seconds = {"warmup_s": 0.0, "sampling_s": 0.0}
    if resume:
        meta, leaves, records = load_checkpoint(path, config, chain_method)
        done = meta["steps_done"]
        if done not in ends:
            raise ValueError(f"checkpoint {path}: steps_done = {done} is not the end of a block of this run")

    if done < ends[-1]:
        start = time.perf_counter()
        kernel = NUTS(
            numpyro_model(likelihood, config),
            target_accept_prob=settings.target_accept,
            max_tree_depth=settings.max_tree_depth,
            dense_mass=settings.dense_mass,
            init_strategy=init_to_median(num_samples=15) if settings.init == "median" else init_to_uniform,
        )
        state = _initial_state(kernel, config, chain_method)
        if resume:
            state = restore_state(state, meta, leaves, path)
        advance = _advance_fn(kernel, chain_method, settings.chains, max(n for _, n in schedule))
        with tqdm(total=ends[-1], initial=done, disable=not progress, unit="step") as bar:
            for (phase, n), end in zip(schedule, ends):
                if end <= done:
                    continue
                bar.set_description(f"NUTS {phase}")
                state, record = advance(state, n)
                if phase == "sample":
                    records = _append(records, _chain_major(record, chain_method, settings.chains, n))
                else:
                    jax.block_until_ready(state)
                seconds["warmup_s" if phase == "warmup" else "sampling_s"] += time.perf_counter() - start
                done = end
                if path is not None:
                    save_checkpoint(path, config, chain_method, done, state, records)
                bar.update(n)
                start = time.perf_counter()
    return {k: records["draws"][k] for k in config.free}, records["extra"], seconds


def run_nuts(
    likelihood,
    config: FitConfig,
    progress: bool = True,
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
) -> az.InferenceData:
    """Sample the posterior of ``config``'s free parameters under ``likelihood`` with NUTS.

    The run goes in blocks of at most ``config.nuts.block`` steps (see the module docstring); with
    ``checkpoint`` (a file path, conventionally ``<output dir>/checkpoint.npz``) the sampler state
    and draws are written there atomically after every block, replacing an existing file, and kept
    after the run. ``resume=True`` continues the run saved in ``checkpoint``; it must have been
    written for the same configuration (ValueError naming the differing fields otherwise). The
    draws are bit-identical to an uninterrupted run with the same seed; a finished checkpoint only
    re-evaluates its draws. The draws do not depend on the block length.

    Returns InferenceData with groups posterior (free parameters, in their units),
    log_likelihood (variable ``log_likelihood`` over dimension ``term`` = likelihood.term_names),
    posterior_predictive (one variable per observable the model predicts, constrained or not), sample_stats
    (diverging, n_steps, tree_depth, lp, energy, acceptance_rate, step_size, solver_status: the
    ``jaxbsm.status`` code of each draw's prediction) and attrs (config as YAML, package and Python
    versions, git revision of the jaxbsm sources, host platform, seed, device, date, divergence,
    non-finite log L and failed-solver counts).
    Draws whose log L is not finite are kept and counted (attrs ``n_nonfinite_log_likelihood``), those
    where a solver failed also as ``n_failed_points``. (A proposal inside a trajectory that hits a
    failed point has log L = -inf and ends the trajectory as a divergence.)
    """
    settings = config.nuts
    samples, extra, _ = sample_nuts(likelihood, config, progress, checkpoint, resume)  # in the configuration's order
    sample_stats = {
        "diverging": extra["diverging"],
        "n_steps": extra["num_steps"],
        "tree_depth": np.ceil(np.log2(extra["num_steps"] + 1.0)).astype(np.int64),
        "lp": -extra["potential_energy"],
        "energy": extra["energy"],
        "acceptance_rate": extra["accept_prob"],
        "step_size": extra["adapt_state.step_size"],
    }
    attrs = {"sampler": "nuts", "seed": settings.seed, "chain_method": chain_method_of(settings)}
    return posterior_inference_data(likelihood, config, samples, sample_stats, attrs)


def independent_draw_stats(likelihood, config: FitConfig, samples) -> dict:
    """sample_stats of equal-weight draws made without trajectories (nested or importance sampling;
    ``samples``: parameter -> chain x draw): ``diverging`` all False, ``lp`` = log L + log prior
    density of each draw (in the parameters' units), as NUTS's ``lp`` is up to the transform."""
    from numpyro.infer.util import log_density

    model = numpyro_model(likelihood, config)
    lp = jax.jit(jax.vmap(lambda point: log_density(model, (), {}, point)[0]))
    shape = next(iter(samples.values())).shape
    flat = {k: jnp.asarray(np.reshape(v, -1)) for k, v in samples.items()}
    return {"diverging": np.zeros(shape, bool), "lp": np.asarray(lp(flat)).reshape(shape)}


def posterior_inference_data(likelihood, config: FitConfig, samples, sample_stats, attrs) -> az.InferenceData:
    """InferenceData of posterior draws ``samples`` (parameter -> chain x draw), whichever sampler made
    them: the log L terms, predictions and solver status of every draw are evaluated here (batched
    over the local devices); ``sample_stats`` (with ``diverging``) and ``attrs`` of the sampler are
    joined with the provenance and the counts of non-finite and failed draws (see :func:`run_nuts`)."""
    from jaxbsm.inference.scan import evaluate_points  # here, like ArviZ: scan needs pandas, sample_nuts does not

    total, terms, preds, status = evaluate_points(likelihood, config, samples)  # batched over all local devices
    n_nonfinite = int(np.sum(~np.isfinite(total)))
    n_failed = int(np.sum(status != 0))
    if n_nonfinite:
        warnings.warn(
            f"{n_nonfinite} posterior draws have a non-finite log-likelihood ({n_failed} where a solver failed)", stacklevel=2
        )
    attrs = {
        "fit": config.name,
        "config_yaml": config.to_yaml(),
        "device": provenance.device(),
        "date": provenance.utc_date(),
        **attrs,
        "n_divergent": int(np.sum(sample_stats["diverging"])),
        "n_nonfinite_log_likelihood": n_nonfinite,
        "n_failed_points": n_failed,
        "git_revision": provenance.git_revision(),
        "host": provenance.host(),
        **provenance.versions(),
    }
    import arviz as az  # imported here so the model and sampler work where ArviZ is absent (GPU image)

    return az.from_dict(
        posterior=samples,
        log_likelihood={"log_likelihood": terms},
        posterior_predictive=preds,
        sample_stats={**sample_stats, "solver_status": status},
        coords={"term": unique_labels(likelihood.term_names)},
        dims={"log_likelihood": ["term"]},
        attrs=attrs,
    )


def diagnostics(idata: az.InferenceData) -> dict[str, float]:
    """Run-level convergence numbers: divergences, non-finite log L, draws where a solver failed,
    max R-hat, min bulk/tail ESS."""
    import arviz as az

    # round_to="none": the default rounds R-hat to 2 decimals, so 1.014 passed as 1.01
    summary = az.summary(idata, var_names=list(idata.posterior.data_vars), kind="diagnostics", round_to="none")
    return {
        "divergences": int(idata.sample_stats["diverging"].sum()),
        "nonfinite_log_likelihood": int(idata.attrs.get("n_nonfinite_log_likelihood", 0)),
        "failed_points": int(idata.attrs.get("n_failed_points", 0)),
        "max_r_hat": float(summary["r_hat"].max()) if "r_hat" in summary else math.nan,
        "min_ess_bulk": float(summary["ess_bulk"].min()),
        "min_ess_tail": float(summary["ess_tail"].min()),
    }
