"""Benchmark of single-field Q-ball bounces and energies, with CosmoTransitions on the same bounces.

Potential (Kusenko, hep-ph/9704273): Û_ω = ½m²φ² − Aφ³ + λφ⁴ with m² = M² − ω² (issue 6 test
potential M = 1, A = 0.1, λ = 0.01, ω_min = 1/√2). The function timed is
``jaxbsm.solitons.qball.qball_bounce`` (d = 3 shooting bounce, float64). Reported:

1. bounces per second of ``jit(vmap(qball_bounce))`` batched over ω (ω uniform in
   [0.708, 0.99999] at the test potential) and over the potential parameters (m², A, λ)
   (A in [0.05, 0.2], λ in [0.005, 0.02], m² = x A²/(2λ) with x log-uniform in [1e-4, 0.98]),
   with the compile time per batch size and the fraction of points with status 0;
2. Q-ball energies E(Q) per second (``qball_energy``, a root find over ω of several bounces) over
   Q log-uniform in [1, 1e4] at the test potential;
3. CosmoTransitions 2.0 (``tunneling1D.SingleFieldInstanton``, alpha = 2) on the same bounces at
   ``PEER_OMEGAS`` (thin to deep thick wall), with its default and with tightened tolerances: seconds
   per bounce, relative difference of the action from jaxbsm's, and the speed ratios against
   jaxbsm's best batch and its batch-1 latency. Skipped (recorded as such) where CosmoTransitions
   is not installed, e.g. on the GPU image.

Results go to ``<out>/qballs-<device>.json`` and a markdown summary is printed.

    python -m benchmarks.qballs [--quick] [--max-batch N] [--max-energy-batch N] [--out DIR] [--no-peer]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import warnings
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

import jaxbsm  # noqa: F401  (switches JAX to float64 before anything is built)
from benchmarks import common
from jaxbsm.solitons.qball import qball_bounce, qball_energy

M, A, LAM = 1.0, 0.1, 0.01
OMEGA_RANGE = (0.708, 0.99999)
A_RANGE, LAM_RANGE, LOG10_X_RANGE = (0.05, 0.2), (0.005, 0.02), (-4.0, float(np.log10(0.98)))
Q_RANGE = (1.0, 1e4)
BATCH_SIZES = (1, 10, 100, 1000)
ENERGY_BATCH_SIZES = (1, 10, 100)
# thin wall (ω → 1/√2) to deep thick wall (ω → M): where CosmoTransitions is compared and timed
PEER_OMEGAS = (0.708, 0.72, 0.8, 0.9, 0.99, 0.999, 0.9999, 0.99999)
PEER_TIGHT = {"xtol": 1e-12, "phitol": 1e-12, "thinCutoff": 1e-3, "npoints": 5000, "rmin": 1e-7}


def omega_points(n: int, seed: int = 0) -> jax.Array:
    """``n`` values m² = M² − ω² with ω uniform in OMEGA_RANGE at the test potential, shape (n,)."""
    w = jax.random.uniform(jax.random.PRNGKey(seed), (n,), minval=OMEGA_RANGE[0], maxval=OMEGA_RANGE[1])
    return M**2 - w**2


def bounce_of_m2(m2: jax.Array) -> jax.Array:
    """jaxbsm: (S₃, status) of the test potential at one m²."""
    r = qball_bounce(m2, A, LAM)
    return r.action, r.status


def param_points(n: int, seed: int = 1) -> jax.Array:
    """``n`` potentials (m², A, λ) with 0 < m² < A²/(2λ) (thick to thin wall), shape (n, 3)."""
    u = jax.random.uniform(jax.random.PRNGKey(seed), (n, 3))
    a = A_RANGE[0] + (A_RANGE[1] - A_RANGE[0]) * u[:, 0]
    lam = LAM_RANGE[0] + (LAM_RANGE[1] - LAM_RANGE[0]) * u[:, 1]
    x = 10.0 ** (LOG10_X_RANGE[0] + (LOG10_X_RANGE[1] - LOG10_X_RANGE[0]) * u[:, 2])
    return jnp.stack([x * a**2 / (2 * lam), a, lam], axis=-1)


def bounce_of_params(p: jax.Array) -> jax.Array:
    """jaxbsm: (S₃, status) of Û = ½m²φ² − Aφ³ + λφ⁴ at one p = (m², A, λ)."""
    r = qball_bounce(p[0], p[1], p[2])
    return r.action, r.status


def charge_points(n: int, seed: int = 2) -> jax.Array:
    """``n`` charges Q log-uniform in Q_RANGE, shape (n,)."""
    u = jax.random.uniform(jax.random.PRNGKey(seed), (n,))
    return Q_RANGE[0] * (Q_RANGE[1] / Q_RANGE[0]) ** u


def energy_of_charge(q: jax.Array) -> jax.Array:
    """jaxbsm: (E, status) of the Q-ball of charge Q at the test potential."""
    r = qball_energy(q, M, A, LAM)
    return r.E, r.status


def cosmotransitions_bounce(m2: float, **find_profile_kwargs) -> tuple[float, float]:
    """CosmoTransitions' S₃ of the test potential at m² and its wall time (instance + profile + action).

    phi_absMin = the true minimum of Û, phi_metaMin = 0, exact V and dV, alpha = 2 (d = 3)."""
    from cosmoTransitions.tunneling1D import SingleFieldInstanton

    V = lambda p: 0.5 * m2 * p**2 - A * p**3 + LAM * p**4  # noqa: E731
    dV = lambda p: m2 * p - 3 * A * p**2 + 4 * LAM * p**3  # noqa: E731
    true_min = (3 * A + np.sqrt(9 * A**2 - 16 * LAM * m2)) / (8 * LAM)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inst = SingleFieldInstanton(true_min, 0.0, V, dV, alpha=2)
        action = float(inst.findAction(inst.findProfile(**find_profile_kwargs)))
    return action, time.perf_counter() - start


def peer_benchmark(omegas: Sequence[float] = PEER_OMEGAS) -> dict:
    """CosmoTransitions at ``omegas`` with default and PEER_TIGHT tolerances, and jaxbsm on the same ω."""
    from importlib.metadata import version

    m2 = np.asarray([M**2 - w**2 for w in omegas])
    f = jax.jit(jax.vmap(bounce_of_m2))
    start = time.perf_counter()
    ours, status = (np.asarray(a) for a in jax.block_until_ready(f(jnp.asarray(m2))))
    first = time.perf_counter() - start
    steady = common.steady_seconds(f, jnp.asarray(m2), min_time=0.0, min_calls=3)
    out = {
        "cosmotransitions_version": version("cosmoTransitions"),
        "omegas": list(omegas),
        "jaxbsm_action": ours.tolist(),
        "jaxbsm_status": status.tolist(),
        "jaxbsm_seconds_per_bounce_same_points": steady / len(omegas),
        "jaxbsm_compile_s_same_points": max(first - steady, 0.0),
    }
    for name, kwargs in (("default", {}), ("tight", PEER_TIGHT)):
        runs = [cosmotransitions_bounce(x, **kwargs) for x in m2]
        action = np.array([a for a, _ in runs])
        seconds = np.array([t for _, t in runs])
        out[name] = {
            "find_profile_kwargs": dict(kwargs),
            "action": action.tolist(),
            "seconds": seconds.tolist(),
            "seconds_per_bounce": float(np.mean(seconds)),
            "rel_diff_from_jaxbsm": (action / ours - 1).tolist(),
        }
    return out


def summary(result: dict) -> str:
    """Markdown tables of a result dict."""
    env = result["environment"]
    t = result["throughput"]
    rows = [(o["batch"], o["points_per_s"], o["compile_s"], p["points_per_s"], p["compile_s"])
            for o, p in zip(t["bounce_omega"], t["bounce_params"])]
    out = [
        f"## Q-ball bounces (d = 3 shooting, float64), {env['device']['kind']}, float64={env['float64']}",
        "",
        common.markdown_table(["batch", "bounces/s over ω", "compile s", "bounces/s over (m², A, λ)", "compile s"],
                              rows),
        "",
        "E(Q) (qball_energy):",
        "",
        common.markdown_table(["batch", "energies/s", "first call s", "ok fraction"],
                              [(r["batch"], r["points_per_s"], r["first_call_s"], r["ok_fraction"])
                               for r in t["energy"]]),
    ]
    peer = result["peer"]
    if "default" in peer:
        comp = result["comparison"]
        out += [
            "",
            f"CosmoTransitions {peer['cosmotransitions_version']} on the same bounces"
            f" (relative difference of S₃ from jaxbsm; tight = {PEER_TIGHT}):",
            "",
            common.markdown_table(
                ["ω", "S₃ jaxbsm", "CT default rel. diff", "CT tight rel. diff", "CT default s", "CT tight s"],
                [(str(w), s, d, g, ds, gs) for w, s, d, g, ds, gs in zip(
                    peer["omegas"], peer["jaxbsm_action"], peer["default"]["rel_diff_from_jaxbsm"],
                    peer["tight"]["rel_diff_from_jaxbsm"], peer["default"]["seconds"], peer["tight"]["seconds"])]),
            "",
            f"CosmoTransitions s/bounce: default {peer['default']['seconds_per_bounce']:.3g},"
            f" tight {peer['tight']['seconds_per_bounce']:.3g}; jaxbsm"
            f" {comp['jaxbsm_seconds_per_bounce_best']:.3g} (batch {comp['jaxbsm_best_batch']}),"
            f" {comp['jaxbsm_seconds_per_bounce_single']:.3g} (batch 1). Ratio CT s/bounce over jaxbsm s/bounce"
            f" (best batch / batch 1): tight {comp['ratio_tight_best']:.3g} / {comp['ratio_tight_single']:.3g},"
            f" default {comp['ratio_default_best']:.3g} / {comp['ratio_default_single']:.3g}",
        ]
    else:
        out += ["", f"CosmoTransitions: skipped ({peer['skipped']})"]
    return "\n".join(out)


def run(*, max_batch: int = 1000, max_energy_batch: int = 100, chunk: int = 1000, min_time: float = 1.0,
        peer: bool = True, quick: bool = False) -> dict:
    """The whole benchmark; returns the result dict (see module doc)."""
    env = common.environment(("jax", "jaxlib", "diffrax", "jaxbsm", "scipy", "cosmoTransitions"))
    sizes = [b for b in BATCH_SIZES if b <= max_batch]
    energy_sizes = [b for b in ENERGY_BATCH_SIZES if b <= max_energy_batch]
    scans = {
        "bounce_omega": common.batch_scan(bounce_of_m2, omega_points, sizes, chunk, min_time, 3, True),
        "bounce_params": common.batch_scan(bounce_of_params, param_points, sizes, chunk, min_time, 3, True),
        "energy": common.batch_scan(energy_of_charge, charge_points, energy_sizes, chunk, min_time, 1, True),
    }
    result = {
        "benchmark": "qballs",
        "environment": env,
        "setup": {
            "potential": "U_omega = m2 phi^2/2 - A phi^3 + lam phi^4, m2 = M^2 - omega^2 (Kusenko hep-ph/9704273)",
            "test_potential": {"M": M, "A": A, "lam": LAM},
            "omega_points": f"omega uniform in {list(OMEGA_RANGE)} at the test potential",
            "param_points": f"A in {list(A_RANGE)}, lam in {list(LAM_RANGE)}, m2 = x A^2/(2 lam),"
                            f" log10 x uniform in {list(LOG10_X_RANGE)}",
            "charge_points": f"Q log-uniform in {list(Q_RANGE)} at the test potential",
        },
        "settings": {"max_batch": max_batch, "max_energy_batch": max_energy_batch, "chunk": chunk,
                     "min_time_s": min_time, "quick": quick},
        "units": {"*_s": "seconds", "seconds*": "seconds", "points_per_s": "bounces (or energies) per second",
                  "action": "GeV (S_3 of the test potential, M = 1 GeV)"},
        "throughput": {**scans, "best": {k: common.best_row(v) for k, v in scans.items()}},
    }
    if not peer:
        result["peer"] = {"skipped": "disabled"}
    elif importlib.util.find_spec("cosmoTransitions") is None:
        result["peer"] = {"skipped": "cosmoTransitions not importable"}
    else:
        result["peer"] = peer_benchmark()
        best = common.best_row(scans["bounce_omega"])
        single = scans["bounce_omega"][0]
        per_best, per_single = 1.0 / best["points_per_s"], 1.0 / single["points_per_s"]
        ct = result["peer"]
        result["comparison"] = {
            "cosmotransitions_default_seconds_per_bounce": ct["default"]["seconds_per_bounce"],
            "cosmotransitions_tight_seconds_per_bounce": ct["tight"]["seconds_per_bounce"],
            "jaxbsm_seconds_per_bounce_best": per_best,
            "jaxbsm_best_batch": best["batch"],
            "jaxbsm_seconds_per_bounce_single": per_single,
            "ratio_default_best": ct["default"]["seconds_per_bounce"] / per_best,
            "ratio_default_single": ct["default"]["seconds_per_bounce"] / per_single,
            "ratio_tight_best": ct["tight"]["seconds_per_bounce"] / per_best,
            "ratio_tight_single": ct["tight"]["seconds_per_bounce"] / per_single,
            "max_abs_rel_diff_default": float(np.max(np.abs(ct["default"]["rel_diff_from_jaxbsm"]))),
            "max_abs_rel_diff_tight": float(np.max(np.abs(ct["tight"]["rel_diff_from_jaxbsm"]))),
        }
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.qballs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="0.3 s timing loops")
    parser.add_argument("--max-batch", type=int, default=1000, help="largest bounce batch (default 1000)")
    parser.add_argument("--max-energy-batch", type=int, default=100, help="largest E(Q) batch (default 100)")
    parser.add_argument("--chunk", type=int, default=1000, help="evaluate larger batches this many points at a time")
    parser.add_argument("--out", default=str(common.RESULTS_DIR), help="output directory (default benchmarks/results)")
    parser.add_argument("--no-peer", action="store_true", help="skip CosmoTransitions")
    args = parser.parse_args(argv)
    result = run(max_batch=args.max_batch, max_energy_batch=args.max_energy_batch, chunk=args.chunk,
                 min_time=0.3 if args.quick else 1.0, peer=not args.no_peer, quick=args.quick)
    path = common.write_json(result, args.out, f"qballs-{common.device_name()}.json")
    print(summary(result))
    print(f"\nwritten {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
