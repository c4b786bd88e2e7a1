"""Timing, NUTS, environment and reporting helpers shared by the benchmark scripts.

Conventions: times are wall-clock seconds (keys end in ``_s``), rates are per second; every timed
JAX call is followed by ``jax.block_until_ready``. "Compile time" is the first call minus the
steady-state call, i.e. tracing + XLA compilation (+ transfer of the inputs).
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import jax
import numpy as np

RESULTS_DIR = Path(__file__).parent / "results"


def wall(fn: Callable, *args) -> float:
    """Seconds of one call ``fn(*args)``, outputs included (block_until_ready)."""
    start = time.perf_counter()
    jax.block_until_ready(fn(*args))
    return time.perf_counter() - start


def steady_seconds(fn: Callable, *args, min_time: float = 1.0, min_calls: int = 5, max_calls: int = 100_000) -> float:
    """Median seconds per call of an already compiled ``fn(*args)``.

    Calls repeat until ``min_time`` seconds and ``min_calls`` calls have passed (or ``max_calls``).
    """
    times: list[float] = []
    while len(times) < max_calls and (len(times) < min_calls or sum(times) < min_time):
        times.append(wall(fn, *args))
    return statistics.median(times)


def batched(fn: Callable, chunk: int | None) -> Callable:
    """``fn`` of one point mapped over a leading batch axis and jitted.

    With ``chunk`` the batch is evaluated ``chunk`` points at a time (``jax.lax.map`` with
    ``batch_size``), which bounds the memory of the intermediates; otherwise in one ``vmap``.
    """
    if chunk is None:
        return jax.jit(jax.vmap(fn))
    return jax.jit(lambda xs: jax.lax.map(fn, xs, batch_size=chunk))


def batch_scan(
    fn: Callable,
    make_points: Callable[[int], jax.Array],
    batch_sizes: Sequence[int],
    chunk: int,
    min_time: float = 1.0,
    min_calls: int = 3,
    with_status: bool = False,
) -> list[dict]:
    """Compile time and throughput of ``fn`` (one point -> outputs) at each batch size.

    Batches larger than ``chunk`` are evaluated ``chunk`` points at a time (see ``batched``).
    Returns one row per batch size: batch, chunk (None if unchunked), first_call_s, compile_s,
    seconds_per_call (median steady state over at least ``min_calls`` calls) and points_per_s.
    With ``with_status``, ``fn`` returns (value, status) and the row also has ok_fraction
    (the fraction of points with status 0).
    """
    rows = []
    for size in batch_sizes:
        points = jax.block_until_ready(make_points(size))
        use_chunk = chunk if size > chunk else None
        f = batched(fn, use_chunk)
        start = time.perf_counter()
        out = jax.block_until_ready(f(points))
        first = time.perf_counter() - start
        steady = steady_seconds(f, points, min_time=min_time, min_calls=min_calls)
        row = {
            "batch": size,
            "chunk": use_chunk,
            "first_call_s": first,
            "compile_s": max(first - steady, 0.0),
            "seconds_per_call": steady,
            "points_per_s": size / steady,
        }
        if with_status:
            row["ok_fraction"] = float(np.mean(np.asarray(out[1]) == 0))
        rows.append(row)
    return rows


def best_row(rows: Sequence[Mapping]) -> Mapping:
    """The row of a ``batch_scan`` with the highest throughput."""
    return max(rows, key=lambda r: r["points_per_s"])


def min_ess_bulk(samples: Mapping[str, np.ndarray]) -> tuple[float, str]:
    """Smallest bulk ESS over the parameters of ``samples`` (name -> array[chain, draw]).

    Uses ArviZ (rank-normalised bulk ESS) when it is installed and NumPyro's
    ``effective_sample_size`` otherwise (the GPU image has no ArviZ). Returns (ESS, method).
    """
    try:
        import arviz as az
    except ImportError:
        from numpyro.diagnostics import effective_sample_size

        return (
            min(float(effective_sample_size(np.asarray(v))) for v in samples.values()),
            "numpyro.diagnostics.effective_sample_size",
        )
    return min(float(az.ess(np.asarray(v), method="bulk")) for v in samples.values()), "arviz.ess(method='bulk')"


def nuts_benchmark(likelihood, config, warmup: int | None = None, samples: int | None = None) -> dict:
    """NUTS on a fit configuration, timed by phase; ESS per second of sampling.

    Runs the sampler of ``jaxbsm fit`` (``jaxbsm.inference.nuts.sample_nuts``, which needs no ArviZ) and
    takes its phase timings. ``warmup`` and ``samples`` override the configuration's per-chain
    counts.

    Returns chains, warmup, samples, chain_method, warmup_s (compile + warm-up), sampling_s
    (the draws; the sampler is compiled once, in warm-up), total_s, min_ess_bulk, ess_method,
    ess_per_s (over sampling_s), ess_per_s_total (over total_s), divergences and
    gradient_evals_per_s.
    """
    from jaxbsm.inference.nuts import chain_method_of, sample_nuts

    config = config.with_overrides(nuts={"warmup": warmup, "samples": samples})
    settings = config.nuts
    draws, extra, seconds = sample_nuts(likelihood, config, progress=False)
    warmup_s, sampling_s = seconds["warmup_s"], seconds["sampling_s"]
    ess, method = min_ess_bulk(draws)
    return {
        "fit": config.name,
        "chains": settings.chains,
        "warmup": settings.warmup,
        "samples": settings.samples,
        "chain_method": chain_method_of(settings),
        "warmup_s": warmup_s,
        "sampling_s": sampling_s,
        "total_s": warmup_s + sampling_s,
        "min_ess_bulk": ess,
        "ess_method": method,
        "ess_per_s": ess / sampling_s,
        "ess_per_s_total": ess / (warmup_s + sampling_s),
        "divergences": int(np.sum(extra["diverging"])),
        "gradient_evals_per_s": float(np.sum(extra["num_steps"])) / sampling_s,
    }


QUICK_NUTS = {"warmup": 300, "samples": 300}  # per-chain counts of the short NUTS runs (``--quick``)


def fit_nuts(fit: str, quick: bool = False) -> dict:
    """``nuts_benchmark`` on the shipped fit ``fit`` (a name from ``inference/fits`` or a YAML path).

    The likelihood is the one ``jaxbsm fit`` samples (``jaxbsm.inference.config.load_likelihood``: the fit's
    model on its datasets with its fixed values). ``quick`` uses the ``QUICK_NUTS`` counts instead
    of the fit's own.
    """
    from jaxbsm.inference.config import load_config, load_likelihood

    config = load_config(fit)
    return nuts_benchmark(load_likelihood(config), config, **(QUICK_NUTS if quick else {}))


def nuts_summary(nuts: Mapping) -> str:
    """One markdown line on a ``nuts_benchmark`` result, or the reason it was skipped."""
    if "min_ess_bulk" not in nuts:
        return f"NUTS: skipped ({nuts.get('skipped', 'no result')})"
    return (
        f"NUTS {nuts['fit']} ({nuts['chains']} chains x {nuts['warmup']} warm-up + {nuts['samples']} draws):"
        f" compile+warm-up {nuts['warmup_s']:.1f} s, sampling {nuts['sampling_s']:.1f} s,"
        f" min ESS_bulk {nuts['min_ess_bulk']:.0f} -> {nuts['ess_per_s']:.0f} ESS/s"
        f" ({nuts['ess_per_s_total']:.0f} ESS/s including compile+warm-up)"
    )


def package_versions(packages: Sequence[str]) -> dict[str, str | None]:
    """Installed version of each distribution, None where it is not installed."""
    out: dict[str, str | None] = {}
    for pkg in packages:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def device_name() -> str:
    """Platform of the default JAX device: ``cpu``, ``gpu`` or ``tpu`` (names the results file)."""
    return jax.devices()[0].platform


def environment(packages: Sequence[str] = ("jax", "jaxlib", "numpyro", "jaxbsm")) -> dict:
    """Date, host (with its load), JAX device, precision and package versions of this run."""
    dev = jax.devices()[0]
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "host": {
            "platform": platform.platform(),
            "machine": platform.machine(),
            "processor": platform.processor(),
            "cpu_count": os.cpu_count(),
            "load_average_1min": os.getloadavg()[0],  # at the start; other work on the host skews timings
            "python": platform.python_version(),
        },
        "device": {"platform": dev.platform, "kind": dev.device_kind, "count": jax.device_count()},
        "float64": bool(jax.config.jax_enable_x64),
        "versions": package_versions(packages),
    }


def write_json(data: Mapping, out_dir: str | Path, name: str) -> Path:
    """Write ``data`` as indented JSON to ``out_dir/name`` (directories created); return the path."""
    path = Path(out_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A GitHub markdown table; floats are written with 3 significant digits."""
    cell = lambda v: f"{v:.3g}" if isinstance(v, float) else str(v)  # noqa: E731
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
