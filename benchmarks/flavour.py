"""Benchmark of the flavour log-likelihood, with flavio on the same likelihood for comparison.

The function timed is the full log-likelihood of model ``wilson`` on dataset ``flavour-current``
(LHCb 2022 R_K / R_K*, B_s -> mu mu, Delta M_s) as a function of the free parameters dC9_mu and
dC10_mu, the others held at the model defaults. Reported (DESIGN.md §7):

1. compile time of ``jit(vmap(log L))`` and of ``jit(vmap(value_and_grad(log L)))`` per batch size;
2. single-point latency of ``jit(log L)``;
3. throughput (points/s) at batch sizes 1, 10, ..., 1e6 for the value and for value + gradient;
4. NUTS ESS/s on the shipped fit ``flavour-wilson-current`` (warm-up and sampling timed apart);
5. flavio 2.7's FastLikelihood on the same observables and measurements: one-off setup and
   seconds per new Wilson-coefficient point, the speed ratio, and Delta chi^2 of both codes at
   the same points (different theory covariances, so only the same ballpark is expected).

Results go to ``<out>/flavour-<device>.json`` (``-float32`` appended with ``--float32``, which
measures latency and throughput only) and a markdown summary is printed.

    python -m benchmarks.flavour [--quick] [--max-batch N] [--flavio-python PATH] [--out DIR]
                                 [--float32] [--no-nuts] [--no-flavio]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import jaxbsm  # noqa: F401  (switches JAX to float64 before anything is built)
from benchmarks import common
from jaxbsm.checks import float32_allowed
from jaxbsm.likelihoods import build_likelihood

MODEL = "wilson"
DATASETS = ("flavour-current",)
FIT = "flavour-wilson-current"
FREE = ("dC9_mu", "dC10_mu")
BOX = (-2.0, 2.0)  # random benchmark points: (dC9_mu, dC10_mu) uniform in BOX^2
BATCH_SIZES = tuple(10**k for k in range(7))
# (dC9_mu, dC10_mu) at which flavio and jaxbsm are both evaluated; Delta chi^2 is relative to the first
COMPARISON_POINTS = (
    (0.0, 0.0),
    (-1.0, 0.0),
    (-0.5, 0.0),
    (0.0, 0.5),
    (0.0, -0.5),
    (-0.5, 0.5),
    (0.5, -0.5),
    (1.0, 0.0),
    (-0.3, -0.3),
    (0.3, 0.3),
    (-1.0, 1.0),
)
QUICK_NUTS = common.QUICK_NUTS


def flavour_log_likelihood(likelihood) -> Callable[[jax.Array], jax.Array]:
    """log L of an array ``[dC9_mu, dC10_mu]``; the other parameters at the model defaults."""
    fixed = {k: v for k, v in likelihood.model.defaults().items() if k not in FREE}

    def log_l(x):
        params = {k: jnp.asarray(v) for k, v in fixed.items()}
        params.update(zip(FREE, x))
        return likelihood.log_likelihood(params)

    return log_l


def random_points(n: int, seed: int = 0) -> jax.Array:
    """``n`` points (dC9_mu, dC10_mu) uniform in BOX^2, shape (n, 2), default float dtype."""
    return jax.random.uniform(jax.random.PRNGKey(seed), (n, len(FREE)), minval=BOX[0], maxval=BOX[1])


def jax_benchmark(likelihood, batch_sizes: Sequence[int], chunk: int, min_time: float = 1.0) -> dict:
    """Single-point latency and batch scans of the value and of value + gradient."""
    log_l = flavour_log_likelihood(likelihood)
    single = jax.jit(log_l)
    point = random_points(1)[0]
    first = common.wall(single, point)
    latency = common.steady_seconds(single, point, min_time=min_time, min_calls=100)
    return {
        "latency": {"seconds": latency, "first_call_s": first, "compile_s": max(first - latency, 0.0)},
        "log_likelihood": common.batch_scan(log_l, random_points, batch_sizes, chunk, min_time),
        "value_and_grad": common.batch_scan(jax.value_and_grad(log_l), random_points, batch_sizes, chunk, min_time),
    }


def flavio_benchmark(points: Sequence[Sequence[float]], n_theory: int, python: str | None) -> dict:
    """Run benchmarks/flavio_flavour.py in this process, or under ``python`` in a subprocess."""
    if python is None:
        from benchmarks.flavio_flavour import benchmark

        return benchmark([list(p) for p in points], n_theory)
    script = Path(__file__).with_name("flavio_flavour.py")
    request = json.dumps({"points": [list(p) for p in points], "n_theory": n_theory})
    done = subprocess.run([python, str(script)], input=request, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def comparison(likelihood, flavio: dict, timings: dict) -> dict:
    """Speed ratios (flavio s/point over jaxbsm s/point) and Delta chi^2 of both at COMPARISON_POINTS."""
    log_l = jax.jit(jax.vmap(flavour_log_likelihood(likelihood)))
    ours = np.asarray(log_l(jnp.asarray(COMPARISON_POINTS)))
    theirs = np.asarray(flavio["log_likelihood"])
    best = common.best_row(timings["log_likelihood"])
    per_point_best = 1.0 / best["points_per_s"]
    per_point_single = timings["latency"]["seconds"]
    return {
        "flavio_seconds_per_point": flavio["seconds_per_point"],
        "jaxbsm_seconds_per_point_best": per_point_best,
        "jaxbsm_best_batch": best["batch"],
        "jaxbsm_seconds_per_point_single": per_point_single,
        "ratio_best": flavio["seconds_per_point"] / per_point_best,
        "ratio_single": flavio["seconds_per_point"] / per_point_single,
        "delta_chi2": [
            {"dC9_mu": p[0], "dC10_mu": p[1], "jaxbsm": float(2 * (ours[0] - a)), "flavio": float(2 * (theirs[0] - b))}
            for p, a, b in zip(COMPARISON_POINTS, ours, theirs)
        ],
    }


def summary(result: dict) -> str:
    """Markdown tables of a result dict (throughput, latency, NUTS, flavio comparison)."""
    scans = result["throughput"]
    rows = [
        (v["batch"], v["points_per_s"], v["compile_s"], g["points_per_s"], g["compile_s"])
        for v, g in zip(scans["log_likelihood"], scans["value_and_grad"])
    ]
    out = [
        f"## Flavour log-likelihood ({result['likelihood']['model']} on {'+'.join(result['likelihood']['datasets'])}),"
        f" {result['environment']['device']['kind']}, float64={result['environment']['float64']}",
        "",
        common.markdown_table(["batch", "log L points/s", "compile s", "value+grad points/s", "compile s"], rows),
        "",
        f"Single-point latency (jit, block_until_ready): {result['latency']['seconds'] * 1e6:.1f} us"
        f" (compile {result['latency']['compile_s']:.2f} s)",
    ]
    if "min_ess_bulk" in result.get("nuts", {}):
        out += ["", common.nuts_summary(result["nuts"])]
    comp = result.get("comparison")
    if comp:
        flavio = result["flavio"]
        out += [
            "",
            f"flavio {flavio['flavio_version']} FastLikelihood: make_measurement(N={flavio['n_theory']})"
            f" {flavio['make_measurement_s']:.1f} s once, then {flavio['seconds_per_point']:.3g} s/point;"
            f" jaxbsm is {comp['ratio_best']:.3g}x faster at batch {comp['jaxbsm_best_batch']}"
            f" and {comp['ratio_single']:.3g}x faster at batch 1",
            "",
            common.markdown_table(
                ["dC9_mu", "dC10_mu", "Delta chi2 jaxbsm", "Delta chi2 flavio"],
                [(d["dC9_mu"], d["dC10_mu"], d["jaxbsm"], d["flavio"]) for d in comp["delta_chi2"]],
            ),
        ]
    return "\n".join(out)


def run(
    *,
    max_batch: int = 10**6,
    chunk: int = 10**6,
    min_time: float = 1.0,
    nuts: bool = True,
    quick: bool = False,
    flavio: bool = True,
    flavio_python: str | None = None,
    n_theory: int = 100,
) -> dict:
    """The whole benchmark in the current JAX precision; returns the result dict (see module doc).

    flavio runs under ``flavio_python`` if given, else in-process if importable, else is skipped
    (the reason is recorded under ``flavio.skipped``); so is NUTS with ``nuts=False``.
    """
    env = common.environment(("jax", "jaxlib", "numpyro", "jaxbsm", "arviz"))
    likelihood = build_likelihood(MODEL, list(DATASETS))
    batch_sizes = [b for b in BATCH_SIZES if b <= max_batch]
    timings = jax_benchmark(likelihood, batch_sizes, chunk, min_time)
    result = {
        "benchmark": "flavour",
        "environment": env,
        "likelihood": {
            "model": MODEL,
            "datasets": list(DATASETS),
            "free": list(FREE),
            "observables": list(likelihood.observables),
            "n_terms": len(likelihood.term_names),
            "point_box": list(BOX),
        },
        "settings": {"max_batch": max_batch, "chunk": chunk, "min_time_s": min_time, "quick": quick},
        "units": {"*_s": "seconds", "seconds": "seconds", "points_per_s": "points per second", "ess_per_s": "1/s"},
        "latency": timings["latency"],
        "throughput": {
            "log_likelihood": timings["log_likelihood"],
            "value_and_grad": timings["value_and_grad"],
            "best": {k: common.best_row(timings[k]) for k in ("log_likelihood", "value_and_grad")},
        },
    }
    if nuts:
        from jaxbsm.inference.config import load_config

        result["nuts"] = common.nuts_benchmark(likelihood, load_config(FIT), **(QUICK_NUTS if quick else {}))
    else:
        result["nuts"] = {"skipped": "disabled"}
    if not flavio:
        result["flavio"] = {"skipped": "disabled"}
    elif flavio_python is None and importlib.util.find_spec("flavio") is None:
        result["flavio"] = {"skipped": "flavio not importable and no --flavio-python given"}
    else:
        result["flavio"] = flavio_benchmark(COMPARISON_POINTS, n_theory, flavio_python)
        result["comparison"] = comparison(likelihood, result["flavio"], timings)
    env["versions"]["flavio"] = result["flavio"].get("flavio_version")
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.flavour", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"short NUTS run ({QUICK_NUTS}) and 0.3 s timing loops")
    parser.add_argument("--max-batch", type=int, default=10**6, help="largest batch size (default 1e6)")
    parser.add_argument("--chunk", type=int, default=10**6, help="evaluate larger batches this many points at a time")
    parser.add_argument("--flavio-python", help="python interpreter with flavio 2.7, run in a subprocess")
    parser.add_argument("--out", default=str(common.RESULTS_DIR), help="output directory (default benchmarks/results)")
    parser.add_argument("--float32", action="store_true", help="float32 latency and throughput only")
    parser.add_argument("--no-nuts", action="store_true", help="skip the NUTS run")
    parser.add_argument("--no-flavio", action="store_true", help="skip flavio")
    args = parser.parse_args(argv)

    if args.float32:
        jax.config.update("jax_enable_x64", False)
    with float32_allowed() if args.float32 else contextlib.nullcontext():  # float32 on purpose: speed only
        result = run(
            max_batch=args.max_batch,
            chunk=args.chunk,
            min_time=0.3 if args.quick else 1.0,
            nuts=not (args.no_nuts or args.float32),
            quick=args.quick,
            flavio=not (args.no_flavio or args.float32),
            flavio_python=args.flavio_python,
        )
    suffix = "-float32" if args.float32 else ""
    path = common.write_json(result, args.out, f"flavour-{common.device_name()}{suffix}.json")
    print(summary(result))
    print(f"\nwritten {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
