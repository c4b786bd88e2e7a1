"""Benchmark of the scalar-decay Boltzmann solve (jaxbsm.cosmology.freeze_in) against scipy.

Points: m_S log-uniform in [20, 1000] GeV, λ in [1e-12, 1e-4], y in [1e-10, 1e-6] (the seed's plane,
log-uniform), m_N = 10 keV. Every point has its own m_S, hence its own ⟨σv⟩ table (the costlier case;
a plane at fixed m_S shares one table, reported separately). Reported:

1. parameter points per second of ``solve_freeze_in`` batched (jit + vmap): yields and moments only
   (``spectrum=False``), with the f_N(q) bins (``spectrum=True``), and the Jacobian of (Ω_N h², ⟨q⟩)
   with respect to (m_S, λ, y, m_N) by forward mode (``jax.jacfwd``; ``jax.grad`` costs the same, the
   solver's JVP rule being forward mode); compile time per batch size; for the best batch of each,
   CPU seconds per call next to the wall seconds (how many cores XLA kept busy); the largest batch
   split over two Python threads (two cores if XLA runs the two calls at once); and the yields of a
   plane at fixed m_S = 100 GeV (one shared table);
2. the baseline: the same equations (ln Y_S and Y_N, ⟨σv⟩ from ``portal_rates`` tabulated on 512
   nodes, the same T_start and T_end) solved point by point with scipy's
   ``solve_ivp(method="Radau")`` at rtol 1e-8, in the same run: seconds per point for the table and
   for the ODE, and the relative difference of Ω_N h² from jaxbsm's;
3. the speed ratio, jaxbsm's best batch against scipy (table + ODE per point), and the issue-18
   targets (≥ 200 points/s with f_N(q) batched on 2 cores, ≤ 20 ms per gradient point) with
   whether this run met them;
4. NUTS ESS/s on the shipped fit ``scalar-decay-omega`` (``benchmarks.common.fit_nuts``; its
   Ω_N h² is the Boltzmann solve tabulated on a (λ, y) grid, so NUTS does not run the solver).

The load average of the host (1, 5, 15 min) is recorded at the start and the end of the run:
timings taken on a loaded machine are slower by about the excess load.

Results go to ``<out>/freeze_in-<device>.json`` and a markdown summary is printed.

    python -m benchmarks.freeze_in [--quick] [--max-batch N] [--scipy-points N] [--out DIR] [--no-nuts]
                                   [--no-gradient]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import jax
import jax.numpy as jnp
import numpy as np
from scipy.integrate import solve_ivp
from scipy.interpolate import CubicSpline
from scipy.special import kve

import jaxbsm  # noqa: F401  (float64)
from benchmarks import common
from jaxbsm.constants import M_PLANCK
from jaxbsm.cosmology import freeze_in as fi
from jaxbsm.cosmology import higgs_portal as hp
from jaxbsm.cosmology import portal_rates as pr
from jaxbsm.cosmology import thermal

M_N = 1e-5
RANGES = {"m_S": (20.0, 1000.0), "lam": (1e-12, 1e-4), "y": (1e-10, 1e-6)}
BATCH_SIZES = (1, 8, 64)
FIT = "scalar-decay-omega"
SCIPY_TABLE = 512  # nodes of scipy's not-a-knot ⟨σv⟩ spline: 128 leave it 2e-3 off at some points


def make_points(n: int, seed: int = 0) -> jax.Array:
    """(n, 3) points (ln λ, ln y, m_S), log-uniform in RANGES."""
    u = jax.random.uniform(jax.random.PRNGKey(seed), (n, 3))
    lo = jnp.log(jnp.array([RANGES["lam"][0], RANGES["y"][0], RANGES["m_S"][0]]))
    hi = jnp.log(jnp.array([RANGES["lam"][1], RANGES["y"][1], RANGES["m_S"][1]]))
    x = lo + u * (hi - lo)
    return x.at[:, 2].set(jnp.exp(x[:, 2]))


def _solve(p, spectrum):
    return fi.solve_freeze_in(p[2], jnp.exp(p[0]), jnp.exp(p[1]), M_N, spectrum=spectrum)


def yields(p):
    return _solve(p, False).omega_h2


def yields_and_status(p):
    r = _solve(p, False)
    return r.omega_h2, r.status


def with_spectrum(p):
    r = _solve(p, True)
    return r.omega_h2, r.f


def observables(q):
    """(Ω_N h², ⟨q⟩) of q = (m_S [GeV], λ, y, m_N [GeV])."""
    r = fi.solve_freeze_in(q[0], q[1], q[2], q[3], spectrum=False)
    return jnp.stack([r.omega_h2, r.mean_q])


def gradient(p):
    """Jacobian (2, 4) of (Ω_N h², ⟨q⟩) with respect to (m_S, λ, y, m_N), forward mode."""
    return jax.jacfwd(observables)(jnp.stack([p[2], jnp.exp(p[0]), jnp.exp(p[1]), M_N]))


def fixed_mass_yields(p):
    """Ω_N h² at m_S = 100 GeV and (λ, y) of p: under vmap the ⟨σv⟩ table, which depends on m_S only,
    is computed once for the whole batch."""
    return fi.solve_freeze_in(100.0, jnp.exp(p[0]), jnp.exp(p[1]), M_N, spectrum=False).omega_h2


def cpu_and_wall(fn, points, min_time: float) -> dict:
    """Wall and CPU (``time.process_time``, all threads of this process) seconds per call of a compiled fn."""
    jax.block_until_ready(fn(points))
    calls, wall0, cpu0 = 0, time.perf_counter(), time.process_time()
    while calls < 2 or time.perf_counter() - wall0 < min_time:
        jax.block_until_ready(fn(points))
        calls += 1
    wall, cpu = (time.perf_counter() - wall0) / calls, (time.process_time() - cpu0) / calls
    return {"wall_s_per_call": wall, "cpu_s_per_call": cpu, "cpu_per_wall": cpu / wall}


def two_threads(fn, points, min_time: float) -> dict:
    """Points/s of a batch split in halves evaluated by two Python threads at once (JAX releases the GIL)."""
    halves = [points[: len(points) // 2], points[len(points) // 2 :]]
    for h in halves:
        jax.block_until_ready(fn(h))

    def both():
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda h: jax.block_until_ready(fn(h)), halves))

    both()
    timing = cpu_and_wall(lambda _: both(), None, min_time)
    return {"batch": len(points), **timing, "points_per_s": len(points) / timing["wall_s_per_call"]}


# --- the scipy baseline ------------------------------------------------------------------------------
def scipy_point(lam: float, y: float, m_S: float) -> tuple[float, float, float]:
    """(Ω_N h², seconds for the ⟨σv⟩ table, seconds for solve_ivp) of one point, same equations."""
    start = time.perf_counter()
    T_start = 100 * max(m_S, pr.T_EW)
    gamma_s = float(hp.gamma_s_to_nn(m_S, y, M_N))
    gamma_hss = float(hp.gamma_h_to_ss(m_S, lam))
    T_end = float(fi.end_temperature(jnp.asarray(m_S), jnp.asarray(gamma_s), None))
    lnT = np.linspace(np.log(fi.T_FLOOR), np.log(T_start), SCIPY_TABLE)
    T = np.exp(lnT)
    w = np.asarray(pr.broken_fraction(T))
    sv = (1 - w) * np.asarray(pr.sigma_v_thermal(T, m_S, lam, "symmetric")) + w * np.asarray(
        pr.sigma_v_thermal(T, m_S, lam, "broken", subtract_on_shell=True)
    )
    sv_spl = CubicSpline(lnT, sv * (1 + (T / m_S) ** 2))
    table, g_r, g_s = thermal.gstar_table()
    lg_r, lg_s = CubicSpline(np.log(table), np.log(g_r)), CubicSpline(np.log(table), np.log(g_s))
    t_table = time.perf_counter() - start

    def rhs(lnT_, z):
        T_ = math.exp(lnT_)
        gs, gr = math.exp(lg_s(lnT_)), math.exp(lg_r(lnT_))
        s = 2 * math.pi**2 / 45 * gs * T_**3
        H = math.sqrt(4 * math.pi**3 * gr / 45) * T_**2 / M_PLANCK.value
        x = m_S / T_
        ln_Y = z[0]
        ln_Yeq = math.log(m_S**2 * T_ * kve(2, x) / (2 * math.pi**2 * s)) - x
        sig = sv_spl(lnT_) / (1 + (T_ / m_S) ** 2)
        dW = -s * sig * (math.exp(ln_Y) - math.exp(2 * ln_Yeq - ln_Y)) - gamma_s * kve(1, x) / kve(2, x)
        if gamma_hss > 0:
            wb = 0.5 * (1 - math.tanh((T_ - pr.T_EW) / pr.DELTA_T_EW))
            ln_g = math.log(hp.MH**2 * T_ * kve(1, hp.MH / T_) * gamma_hss / (2 * math.pi**2)) - hp.MH / T_ - math.log(s)
            dW += 2 * wb * (math.exp(ln_g - ln_Y) - math.exp(ln_g + ln_Y - 2 * ln_Yeq))
        dYN = 2 * gamma_s * kve(1, x) / kve(2, x) * math.exp(ln_Y)
        dtdlnT = -(1 + lg_s(lnT_, 1) / 3) / H
        return [dW * dtdlnT, dYN * dtdlnT]

    th0 = float(2 * math.pi**2 / 45 * math.exp(lg_s(np.log(T_start))) * T_start**3)
    x0 = m_S / T_start
    Y_eq0 = m_S**2 * T_start * kve(2, x0) * math.exp(-x0) / (2 * math.pi**2 * th0)
    h0 = math.sqrt(4 * math.pi**3 * math.exp(lg_r(np.log(T_start))) / 45) / M_PLANCK.value
    Y_tail = 45 * lam**2 / (8 * math.pi**7 * math.exp(lg_s(np.log(T_start))) * h0 * T_start)
    Y0 = Y_tail * Y_eq0 / (Y_tail + Y_eq0)
    start = time.perf_counter()
    sol = solve_ivp(rhs, (np.log(T_start), np.log(T_end)), [np.log(Y0), 0.0], method="Radau", rtol=1e-8, atol=[1e-8, 1e-14 * Y0])
    t_ode = time.perf_counter() - start
    Y_S, Y_N = math.exp(sol.y[0, -1]), sol.y[1, -1]
    return float(fi.omega_h2(Y_N + 2 * Y_S, M_N)), t_table, t_ode


TARGETS = {"points_per_s_with_spectrum": 200.0, "gradient_s_per_point": 0.020}  # issue 18, 2-core CPU


def run(max_batch: int = BATCH_SIZES[-1], scipy_points: int = 8, min_time: float = 1.0, quick: bool = False,
        nuts: bool = False, with_gradient: bool = True) -> dict:
    """The whole benchmark; returns the result dict (see module doc).

    With ``nuts``, also NUTS on the fit FIT (``common.QUICK_NUTS`` draws with ``quick``); without
    ``with_gradient``, no gradient scan.
    """
    load_start = os.getloadavg()
    sizes = [b for b in BATCH_SIZES if b <= max_batch]
    env = common.environment(("jax", "jaxlib", "diffrax", "interpax", "jaxbsm", "scipy"))
    functions = {"yields": yields, "with_spectrum": with_spectrum, **({"gradient": gradient} if with_gradient else {})}
    throughput = {k: common.batch_scan(f, make_points, sizes, chunk=max(sizes), min_time=min_time, min_calls=2)
                  for k, f in functions.items()}
    throughput["best"] = {k: common.best_row(v) for k, v in throughput.items()}
    cpu = {}
    for k, f in functions.items():
        best = throughput["best"][k]
        cpu[k] = {"batch": best["batch"], **cpu_and_wall(common.batched(f, None), make_points(best["batch"]), min_time)}
    largest = make_points(max(sizes))
    threads = {k: two_threads(common.batched(functions[k], None), largest, min_time)
               for k in ("yields", "with_spectrum")} if max(sizes) >= 2 else {"skipped": "batch < 2"}
    plane = common.batch_scan(fixed_mass_yields, lambda n: make_points(n)[:, :2], [max(sizes)], chunk=max(sizes),
                              min_time=min_time, min_calls=2)
    throughput["fixed_mass_yields"] = [{**row, "note": "one (lambda, y) batch at m_S = 100 GeV, one rate table"}
                                       for row in plane]
    pts = np.asarray(make_points(scipy_points, seed=1))
    ours, status = (np.asarray(a) for a in jax.jit(jax.vmap(yields_and_status))(jnp.asarray(pts)))
    rows = []
    for (la, ly, m), omega, st in zip(pts, ours, status):
        o, t_tab, t_ode = scipy_point(math.exp(la), math.exp(ly), float(m))
        rows.append({"lam": math.exp(la), "y": math.exp(ly), "m_S": float(m), "omega_scipy": o,
                     "omega_jaxbsm": float(omega), "status_jaxbsm": int(st), "rel_diff": o / float(omega) - 1,
                     "table_s": t_tab, "ode_s": t_ode})
    per_point = float(np.mean([r["table_s"] + r["ode_s"] for r in rows]))
    spectrum_rate = max([throughput["best"]["with_spectrum"]["points_per_s"]]
                        + ([threads["with_spectrum"]["points_per_s"]] if "with_spectrum" in threads else []))
    achieved = {"points_per_s_with_spectrum": spectrum_rate}
    if with_gradient:
        achieved["gradient_s_per_point"] = 1.0 / throughput["best"]["gradient"]["points_per_s"]
    met = {k: (v >= TARGETS[k]) if k.startswith("points") else (v <= TARGETS[k]) for k, v in achieved.items()}
    return {
        "environment": env,
        "load_average": {"start": list(load_start), "end": list(os.getloadavg()), "cpu_count": os.cpu_count(),
                         "note": "1, 5 and 15 min load averages of the host at the start and end of the run"},
        "settings": {"m_N_GeV": M_N, "ranges": RANGES, "batch_sizes": sizes, "scipy_points": scipy_points,
                     "min_time_s": min_time, "quick": quick, "solver": dataclasses.asdict(fi.DEFAULT_SETTINGS)},
        "throughput": throughput,
        "cpu_time": cpu,
        "two_threads": threads,
        "targets": {"targets": TARGETS, "achieved": achieved, "met": met},
        "scipy": {"points": rows, "seconds_per_point": per_point,
                  "ode_seconds_per_point": float(np.mean([r["ode_s"] for r in rows])),
                  "max_abs_rel_diff": float(max(abs(r["rel_diff"]) for r in rows))},
        "ratio_best_batch_vs_scipy": throughput["best"]["yields"]["points_per_s"] * per_point,
        "nuts": common.fit_nuts(FIT, quick) if nuts else {"skipped": "disabled"},
    }


def summary(result: dict) -> str:
    tp = result["throughput"]
    env = result["environment"]
    load = result.get("load_average", {})
    lines = [f"## Freeze-in Boltzmann solve, {env['device']['kind']}, float64={env['float64']}", ""]
    if load:
        lines += [f"load average (1/5/15 min) at start {', '.join(f'{v:.2f}' for v in load['start'])}, "
                  f"at end {', '.join(f'{v:.2f}' for v in load['end'])} on {load['cpu_count']} cores", ""]
    labels = {"yields": "points/s (yields)", "with_spectrum": "points/s (+ f_N)", "gradient": "Jacobians/s"}
    kinds = [k for k in labels if k in tp]
    lines.append(common.markdown_table(
        ["batch"] + [h for k in kinds for h in (labels[k], "compile s")],
        [[rs[0]["batch"]] + [x for r in rs for x in (f"{r['points_per_s']:.3g}", f"{r['compile_s']:.1f}")]
         for rs in zip(*(tp[k] for k in kinds))],
    ))
    if "cpu_time" in result:
        lines += ["", "best batch, CPU s / wall s: " + ", ".join(
            f"{k} {v['cpu_per_wall']:.2f}" for k, v in result["cpu_time"].items())]
    threads = result.get("two_threads", {})
    if "yields" in threads:
        lines += [f"two threads, batch {threads['yields']['batch']}: {threads['yields']['points_per_s']:.3g} points/s "
                  f"(yields), {threads['with_spectrum']['points_per_s']:.3g} points/s (+ f_N)"]
    if "fixed_mass_yields" in tp:
        row = tp["fixed_mass_yields"][0]
        lines += [f"fixed m_S = 100 GeV plane (one rate table), batch {row['batch']}: {row['points_per_s']:.3g} points/s"]
    if "gradient" in tp:
        lines += [f"gradient d(Omega h2, <q>)/d(m_S, lam, y, m_N): "
                  f"{1e3 / tp['best']['gradient']['points_per_s']:.3g} ms per point (best batch)"]
    if "targets" in result:
        t = result["targets"]
        lines += ["targets (issue 18): " + ", ".join(
            f"{k} {t['achieved'][k]:.3g} (target {t['targets'][k]:.3g}: {'met' if t['met'][k] else 'NOT met'})"
            for k in t["achieved"])]
    sc = result["scipy"]
    lines += ["", f"scipy solve_ivp (Radau) point by point: {sc['seconds_per_point']:.3g} s/point "
              f"(ODE alone {sc['ode_seconds_per_point']:.3g} s); max |Omega difference| {sc['max_abs_rel_diff']:.2g}",
              f"jaxbsm best batch / scipy: {result['ratio_best_batch_vs_scipy']:.3g}x"]
    if "nuts" in result:
        lines += ["", common.nuts_summary(result["nuts"])]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.freeze_in", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"0.3 s timing loops and a short NUTS run ({common.QUICK_NUTS})")
    parser.add_argument("--max-batch", type=int, default=BATCH_SIZES[-1], help="largest batch")
    parser.add_argument("--scipy-points", type=int, default=8, help="points solved by scipy")
    parser.add_argument("--out", default=str(common.RESULTS_DIR), help="output directory (default benchmarks/results)")
    parser.add_argument("--no-nuts", action="store_true", help=f"skip NUTS on {FIT}")
    parser.add_argument("--no-gradient", action="store_true", help="skip the gradient scan")
    args = parser.parse_args(argv)
    result = run(args.max_batch, args.scipy_points, min_time=0.3 if args.quick else 1.0, quick=args.quick,
                 nuts=not args.no_nuts, with_gradient=not args.no_gradient)
    path = common.write_json(result, args.out, f"freeze_in-{common.device_name()}.json")
    print(summary(result))
    print(f"\nwritten to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
