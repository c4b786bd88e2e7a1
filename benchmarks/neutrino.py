"""Benchmark of three-flavour oscillation probabilities and of the m_bb band, with peer codes.

The oscillation function timed is P(nu_alpha -> nu_beta) (all nine, float64) at NuFIT-6.0-like NO
parameters in constant matter (rho = 2.848 g/cm^3, Y_e = 0.5) as a function of a point (E, L), E
uniform in [0.5, 5] GeV and L in [100, 1300] km. Reported (DESIGN.md §7):

1. jaxbsm's analytic exp(-i H L) (``jaxbsm.neutrino.oscillation.probabilities``) and, on the same
   points, the same Hamiltonian evolved with a batched ``jnp.linalg.eigh`` + exp: compile time and
   throughput (points/s) at batch sizes 1, 10, ..., 1e6, and jaxbsm's single-point latency;
2. the peers on the same points where installed: NuOscProbExact (``oscprob3nu.probabilities_3nu``
   on the stack of Hamiltonians, numba kernel; first call = numba compile) at batch sizes up to
   ``--max-peer-batch``, and nuSQuIDS (one ODE evolution per point and initial flavour) on a few
   points; the ratios of best throughputs and the largest |Delta P| against each;
3. m_bb band throughput: ``spectrum.m_betabeta_band`` over random (theta12, theta13, m_lightest,
   dm21, dm3l) with both orderings;
4. NUTS ESS/s on the shipped fit ``neutrino-global-NO`` (``benchmarks.common.fit_nuts``).

Results go to ``<out>/neutrino-<device>.json`` and a markdown summary is printed.

    python -m benchmarks.neutrino [--quick] [--max-batch N] [--max-peer-batch N] [--out DIR] [--no-peers]
                                  [--no-nuts]
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import math
import sys
import time
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

import jaxbsm  # noqa: F401  (switches JAX to float64 before anything is built)
from benchmarks import common
from jaxbsm.neutrino import oscillation as osc
from jaxbsm.neutrino.pmns import pmns
from jaxbsm.neutrino.spectrum import m_betabeta_band, masses

# NuFIT 6.0-like NO (arXiv:2410.05380): sin^2 theta12, sin^2 theta13, sin^2 theta23, delta (rad)
ANGLES = (math.asin(math.sqrt(0.307)), math.asin(math.sqrt(0.02195)), math.asin(math.sqrt(0.561)), math.radians(177.0))
DM21, DM3L = 7.49e-5, 2.534e-3
DENSITY, Y_E = 2.848, 0.5
ENERGY_GEV, BASELINE_KM = (0.5, 5.0), (100.0, 1300.0)
BATCH_SIZES = tuple(10**k for k in range(7))
N_NUSQUIDS = 20
N_ACCURACY = 1000
FIT = "neutrino-global-NO"


def mixing() -> jax.Array:
    return pmns(*ANGLES)


def oscillation_points(n: int, seed: int = 0) -> jax.Array:
    """``n`` points (E [GeV], L [km]) uniform in ENERGY_GEV x BASELINE_KM, shape (n, 2)."""
    u = jax.random.uniform(jax.random.PRNGKey(seed), (n, 2))
    lo, hi = jnp.array([ENERGY_GEV[0], BASELINE_KM[0]]), jnp.array([ENERGY_GEV[1], BASELINE_KM[1]])
    return lo + (hi - lo) * u


def analytic(point: jax.Array) -> jax.Array:
    """jaxbsm: P[alpha, beta] at one point (E, L), analytic exp(-i H L)."""
    return osc.probabilities(mixing(), DM21, DM3L, point[0], point[1], DENSITY, Y_E)


def eigh_reference(point: jax.Array) -> jax.Array:
    """The same P from jnp.linalg.eigh of H: S = U diag(exp(-i lambda L)) U^dagger."""
    h = osc.hamiltonian(mixing(), DM21, DM3L, point[0], DENSITY, Y_E) / osc.HBARC_EV_KM
    w, u = jnp.linalg.eigh(h)
    s = (u * jnp.exp(-1j * w * point[1])[..., None, :]) @ jnp.conj(jnp.swapaxes(u, -1, -2))
    return jnp.abs(jnp.swapaxes(s, -1, -2)) ** 2


def mbb_points(n: int, seed: int = 1) -> jax.Array:
    """``n`` points (theta12, theta13, m_lightest [eV], dm21, dm3l [eV^2]), both orderings, (n, 5)."""
    u = jax.random.uniform(jax.random.PRNGKey(seed), (n, 5))
    theta12 = 0.55 + 0.10 * u[:, 0]
    theta13 = 0.14 + 0.01 * u[:, 1]
    m_lightest = 10.0 ** (-4.0 + 3.0 * u[:, 2])
    dm21 = 7.0e-5 + 1.0e-5 * u[:, 3]
    dm3l = jnp.where(u[:, 4] < 0.5, 1.0, -1.0) * (2.4e-3 + 0.2e-3 * (2.0 * u[:, 4] % 1.0))
    return jnp.stack([theta12, theta13, m_lightest, dm21, dm3l], axis=-1)


def mbb_band(x: jax.Array) -> jax.Array:
    """(min, max) of m_bb in eV over the Majorana phases at one point of ``mbb_points``."""
    v = pmns(x[0], x[1], 0.0, 0.0)
    return jnp.stack(m_betabeta_band(v, masses(x[2], x[3], x[4])))


def hamiltonians_km(points: np.ndarray) -> np.ndarray:
    """H / (hbar c) in 1/km for each point's energy, (n, 3, 3): the peers' input."""
    return np.asarray(osc.hamiltonian(mixing(), DM21, DM3L, points[:, 0], DENSITY, Y_E)) / osc.HBARC_EV_KM


def nuoscprobexact_benchmark(batch_sizes: Sequence[int], min_time: float) -> dict:
    """Throughput of oscprob3nu.probabilities_3nu on stacks of H at the benchmark points."""
    import oscprob3nu

    rows = []
    for size in batch_sizes:
        points = np.asarray(oscillation_points(size))
        h = hamiltonians_km(points)
        call = functools.partial(oscprob3nu.probabilities_3nu, h, points[:, 1])
        start = time.perf_counter()
        call()
        first = time.perf_counter() - start
        times = []
        while len(times) < 3 or sum(times) < min_time:
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
        steady = float(np.median(times))
        rows.append({"batch": size, "first_call_s": first, "compile_s": max(first - steady, 0.0),
                     "seconds_per_call": steady, "points_per_s": size / steady})
    points = np.asarray(oscillation_points(N_ACCURACY))
    theirs = np.asarray(oscprob3nu.probabilities_3nu(hamiltonians_km(points), points[:, 1])).reshape(-1, 3, 3)
    ours = np.asarray(jax.jit(jax.vmap(analytic))(jnp.asarray(points)))
    return {
        "version": common.package_versions(["nuoscprobexact"])["nuoscprobexact"],
        "what": "oscprob3nu.probabilities_3nu(H stack, L), H built by jaxbsm (not timed)",
        "throughput": rows,
        "max_abs_diff_P": float(np.max(np.abs(ours - theirs))),
        "n_accuracy_points": N_ACCURACY,
    }


def nusquids_benchmark(n: int) -> dict:
    """nuSQuIDS: one constant-density evolution per point and initial flavour (rel/abs error 1e-9)."""
    import nuSQuIDS as nsq

    units = nsq.Const()
    dm31 = DM3L
    points = np.asarray(oscillation_points(n))
    ours = np.asarray(jax.jit(jax.vmap(analytic))(jnp.asarray(points)))
    theirs = np.empty((n, 3, 3))
    start = time.perf_counter()
    for k, (energy, baseline) in enumerate(points):
        for alpha in range(3):
            solver = nsq.nuSQUIDS(3, nsq.NeutrinoType.neutrino)
            solver.Set_E(energy * units.GeV)
            for (i, j), t in {(0, 1): ANGLES[0], (0, 2): ANGLES[1], (1, 2): ANGLES[2]}.items():
                solver.Set_MixingAngle(i, j, t)
            solver.Set_SquareMassDifference(1, DM21)
            solver.Set_SquareMassDifference(2, dm31)
            solver.Set_CPPhase(0, 2, ANGLES[3])
            solver.Set_Body(nsq.ConstantDensity(DENSITY, Y_E))
            solver.Set_Track(nsq.ConstantDensity.Track(baseline * units.km))
            solver.Set_rel_error(1e-9)
            solver.Set_abs_error(1e-9)
            solver.Set_initial_state(np.eye(3)[alpha], nsq.Basis.flavor)
            solver.EvolveState()
            theirs[k, alpha] = [solver.EvalFlavor(beta) for beta in range(3)]
    seconds = time.perf_counter() - start
    return {
        "version": common.package_versions(["nuSQuIDS"])["nuSQuIDS"],
        "what": "nuSQUIDS single-energy ODE evolution, ConstantDensity body, rel/abs error 1e-9; "
                "3 evolutions (initial flavours) per point, setup included",
        "points": n,
        "seconds": seconds,
        "points_per_s": n / seconds,
        "max_abs_diff_P": float(np.max(np.abs(ours - theirs))),
    }


def peers(max_peer_batch: int, min_time: float) -> dict:
    out: dict = {}
    if importlib.util.find_spec("oscprob3nu") is None:
        out["nuoscprobexact"] = {"skipped": "nuoscprobexact not importable"}
    else:
        sizes = [b for b in BATCH_SIZES if b <= max_peer_batch]
        out["nuoscprobexact"] = nuoscprobexact_benchmark(sizes, min_time)
    if importlib.util.find_spec("nuSQuIDS") is None:
        out["nusquids"] = {"skipped": "nuSQuIDS not importable"}
    else:
        out["nusquids"] = nusquids_benchmark(N_NUSQUIDS)
    return out


def accuracy_vs_eigh() -> float:
    """Largest |P_analytic - P_eigh| over N_ACCURACY benchmark points."""
    points = oscillation_points(N_ACCURACY)
    a = jax.jit(jax.vmap(analytic))(points)
    b = jax.jit(jax.vmap(eigh_reference))(points)
    return float(jnp.max(jnp.abs(a - b)))


def summary(result: dict) -> str:
    """Markdown tables of a result dict."""
    scans = result["throughput"]
    rows = [
        (a["batch"], a["points_per_s"], a["compile_s"], e["points_per_s"], e["compile_s"], m["points_per_s"])
        for a, e, m in zip(scans["analytic"], scans["eigh"], scans["mbb_band"])
    ]
    env = result["environment"]
    out = [
        f"## Oscillation probabilities (9 per point, constant matter), {env['device']['kind']},"
        f" float64={env['float64']}",
        "",
        common.markdown_table(
            ["batch", "analytic points/s", "compile s", "eigh points/s", "compile s", "m_bb band points/s"], rows),
        "",
        f"Single-point latency (jit): {result['latency']['seconds'] * 1e6:.1f} us;"
        f" analytic / eigh best throughput: {result['comparison']['analytic_over_eigh']:.3g}x;"
        f" max |P_analytic - P_eigh| = {result['comparison']['max_abs_diff_eigh']:.2g}",
    ]
    nope = result["peers"].get("nuoscprobexact", {})
    if "throughput" in nope:
        out += [
            "",
            f"NuOscProbExact {nope['version']} (numba):",
            "",
            common.markdown_table(["batch", "points/s", "first call s"],
                                  [(r["batch"], r["points_per_s"], r["first_call_s"]) for r in nope["throughput"]]),
            "",
            f"jaxbsm is {result['comparison']['analytic_over_nuoscprobexact']:.3g}x faster (best throughputs);"
            f" max |Delta P| = {nope['max_abs_diff_P']:.2g}",
        ]
    nsq = result["peers"].get("nusquids", {})
    if "points_per_s" in nsq:
        out += ["", f"nuSQuIDS {nsq['version']}: {nsq['points_per_s']:.3g} points/s ({nsq['points']} points);"
                    f" jaxbsm is {result['comparison']['analytic_over_nusquids']:.3g}x faster;"
                    f" max |Delta P| = {nsq['max_abs_diff_P']:.2g}"]
    if "nuts" in result:
        out += ["", common.nuts_summary(result["nuts"])]
    return "\n".join(out)


def run(*, max_batch: int = 10**6, max_peer_batch: int = 10**5, chunk: int = 10**6, min_time: float = 1.0,
        peer_codes: bool = True, quick: bool = False, nuts: bool = False) -> dict:
    """The whole benchmark; returns the result dict (see module doc).

    With ``nuts``, also NUTS on the fit FIT (``common.QUICK_NUTS`` draws with ``quick``).
    """
    env = common.environment(("jax", "jaxlib", "jaxbsm", "nuoscprobexact", "nuSQuIDS"))
    sizes = [b for b in BATCH_SIZES if b <= max_batch]
    single = jax.jit(analytic)
    point = oscillation_points(1)[0]
    first = common.wall(single, point)
    latency = common.steady_seconds(single, point, min_time=min_time, min_calls=100)
    scans = {
        "analytic": common.batch_scan(analytic, oscillation_points, sizes, chunk, min_time),
        "eigh": common.batch_scan(eigh_reference, oscillation_points, sizes, chunk, min_time),
        "mbb_band": common.batch_scan(mbb_band, mbb_points, sizes, chunk, min_time),
    }
    best = {k: common.best_row(v) for k, v in scans.items()}
    result = {
        "benchmark": "neutrino",
        "environment": env,
        "setup": {
            "angles_rad": list(ANGLES), "dm21_ev2": DM21, "dm3l_ev2": DM3L, "density_gcm3": DENSITY,
            "electron_fraction": Y_E, "energy_gev": list(ENERGY_GEV), "baseline_km": list(BASELINE_KM),
            "mbb_points": "theta12 in [0.55, 0.65], theta13 in [0.14, 0.15], m_lightest log-uniform in"
                          " [1e-4, 0.1] eV, dm21 in [7e-5, 8e-5], |dm3l| in [2.4e-3, 2.6e-3] eV^2, both signs",
        },
        "settings": {"max_batch": max_batch, "max_peer_batch": max_peer_batch, "chunk": chunk,
                     "min_time_s": min_time, "quick": quick},
        "units": {"*_s": "seconds", "seconds": "seconds", "points_per_s": "points per second",
                  "max_abs_diff*": "probability"},
        "latency": {"seconds": latency, "first_call_s": first, "compile_s": max(first - latency, 0.0)},
        "throughput": {**scans, "best": best},
        "peers": peers(max_peer_batch, min_time) if peer_codes else {"skipped": "disabled"},
    }
    comparison = {
        "analytic_over_eigh": best["analytic"]["points_per_s"] / best["eigh"]["points_per_s"],
        "max_abs_diff_eigh": accuracy_vs_eigh(),
    }
    nope = result["peers"].get("nuoscprobexact", {})
    if "throughput" in nope:
        comparison["analytic_over_nuoscprobexact"] = (
            best["analytic"]["points_per_s"] / common.best_row(nope["throughput"])["points_per_s"])
    nsq = result["peers"].get("nusquids", {})
    if "points_per_s" in nsq:
        comparison["analytic_over_nusquids"] = best["analytic"]["points_per_s"] / nsq["points_per_s"]
    result["comparison"] = comparison
    result["nuts"] = common.fit_nuts(FIT, quick) if nuts else {"skipped": "disabled"}
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.neutrino", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"0.3 s timing loops and a short NUTS run ({common.QUICK_NUTS})")
    parser.add_argument("--max-batch", type=int, default=10**6, help="largest batch size (default 1e6)")
    parser.add_argument("--max-peer-batch", type=int, default=10**5, help="largest NuOscProbExact batch (1e5)")
    parser.add_argument("--chunk", type=int, default=10**6, help="evaluate larger batches this many points at a time")
    parser.add_argument("--out", default=str(common.RESULTS_DIR), help="output directory (default benchmarks/results)")
    parser.add_argument("--no-peers", action="store_true", help="skip NuOscProbExact and nuSQuIDS")
    parser.add_argument("--no-nuts", action="store_true", help=f"skip NUTS on {FIT}")
    args = parser.parse_args(argv)
    result = run(max_batch=args.max_batch, max_peer_batch=min(args.max_peer_batch, args.max_batch), chunk=args.chunk,
                 min_time=0.3 if args.quick else 1.0, peer_codes=not args.no_peers, quick=args.quick,
                 nuts=not args.no_nuts)
    path = common.write_json(result, args.out, f"neutrino-{common.device_name()}.json")
    print(summary(result))
    print(f"\nwritten {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
