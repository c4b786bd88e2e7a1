"""Benchmark of the structure chain T²(k) → k_hm of non-cold dark matter (jaxbsm.cosmology.half_mode,
jaxbsm.cosmology.transfer) against CLASS 3.4.1, model by model.

Models: the five reference models of tests/cosmology/data/class_transfer.json, on the same inputs for
both codes (Planck 2018 background, the species all of the dark matter, Ω h² = 0.12): thermal WDM of
1, 3 and 5.3 keV, f ∝ q^{-1/2} e^{-q} at 10 keV and f ∝ q^{-1} e^{-q²/16} at 15 keV. Per model:

1. value: k_hm (T² = 1/2 at z = 0) by ``half_mode.half_mode_k`` (a root find on T²(k), each T² one
   solve of the species and of Λ-CDM at that k), its compile time, wall and CPU seconds per call,
   and its deviation from CLASS's converged k_hm (stored in the reference tables);
2. gradient: d k_hm/d(every input of the model: mass and the spectrum's parameters: the
   temperature T_ncdm/T_cmb of the thermal relics, the power p of q^p e^{-q}, q_τ of the late decay)
   by ``jax.grad`` (implicit-function derivative, one reverse-mode pass at k_hm), same timings;
3. CLASS with the converged NCDM settings of the reference tables (fluid approximation off,
   l_max_ncdm = 30, tight tolerances), run with ``--classy-python`` (classy is not a jaxbsm
   dependency) on OMP_NUM_THREADS threads (default 2): wall seconds of ``Class.compute()``, its
   core-seconds (threads × wall) and the CPU seconds the process used; without a classy the wall
   times stored with the reference tables (2-core CPU, OMP 2 threads) are used, marked as such;
4. ratios: CLASS wall / jaxbsm wall, and per CPU core: CLASS core-seconds / jaxbsm CPU seconds;
5. batched throughput (``jaxbsm`` rows): k_hm of thermal WDM with m log-uniform in [2, 8] keV,
   lax.map (default) or vmap (``--batching vmap``) over models, models per second per batch size;
6. NUTS ESS/s on the shipped fit ``scalar-decay-structure`` (``benchmarks.common.fit_nuts``).

The 1-minute load average is written at the start and after each section (``load_average``):
other work on the host skews every timing. Results go to ``<out>/structure-<device>.json`` and a
markdown summary is printed.

    python -m benchmarks.structure [--quick] [--models NAME ...] [--max-batch N] [--batching map|vmap] [--classy-python PATH]
                                   [--class-threads N] [--out DIR] [--no-nuts] [--no-gradient]

``--quick``: the 3 keV model only, batch sizes 1 and 2, the short NUTS run, CLASS (if given) on the
3 keV model only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import jaxbsm  # noqa: F401  (float64)
from benchmarks import common
from jaxbsm.cosmology import half_mode, ncdm
from jaxbsm.status import Status

ROOT = Path(__file__).parents[1]
REFERENCE = ROOT / "tests" / "cosmology" / "data" / "class_transfer.json"
FIT = "scalar-decay-structure"
T_FREEZE_IN = 0.3351380298929725  # T_ncdm/T_cmb of the two non-thermal reference spectra
MODELS = ("wdm_1keV", "wdm_3keV", "wdm_5.3keV", "decay_equilibrium_10keV", "late_decay_qtau4_15keV")

CLASS_SCRIPT = r"""
import json, sys, time
from classy import Class
params = json.loads(sys.argv[1])
c = Class(); c.set(params)
t, p = time.perf_counter(), time.process_time()
c.compute()
print(json.dumps({"wall_s": time.perf_counter() - t, "cpu_s": time.process_time() - p}))
"""


def _fermi_dirac(p):
    return ncdm.fermi_dirac(p[0], p[1], 0.12)


def _power_exp(p):
    return ncdm.from_distribution(lambda q: q ** p[1] * jnp.exp(-q), p[0], T_FREEZE_IN, 0.12)


def _late_decay(p):
    return ncdm.from_distribution(lambda q: jnp.exp(-((q / p[1]) ** 2)) / q, p[0], T_FREEZE_IN, 0.12, q_max=30.0)


FAMILIES: dict[str, tuple[Callable, tuple[str, str]]] = {
    "wdm": (_fermi_dirac, ("m_keV", "T_ncdm_over_T_cmb")),
    "decay_equilibrium": (_power_exp, ("m_keV", "p (f = q^p e^-q)")),
    "late_decay": (_late_decay, ("m_keV", "q_tau (f = e^-(q/q_tau)^2 / q)")),
}


def model_inputs(name: str, reference: dict) -> tuple[str, np.ndarray]:
    """(family, input vector) of a reference model: mass [keV] and the spectrum's parameter."""
    meta = reference["models"][name]["meta"]
    if name.startswith("wdm"):
        return "wdm", np.array([meta["m_ncdm_eV"] / 1e3, meta["T_ncdm_over_T_cmb"]])
    if name.startswith("decay_equilibrium"):
        return "decay_equilibrium", np.array([10.0, -0.5])
    return "late_decay", np.array([15.0, 4.0])


def k_hm_of(build: Callable) -> Callable:
    """Inputs -> k_hm [h/Mpc] (T² = 1/2, z = 0) of the species ``build(inputs)``, and its status."""

    def fn(p):
        res = half_mode.half_mode_k(build(p))
        return res.k_hm, res.status

    return fn


def timed(fn: Callable, *args, min_time: float = 1.0, min_calls: int = 3) -> dict:
    """Compile seconds (first call minus steady), median wall seconds and mean CPU seconds
    (time.process_time: all threads of this process) per steady call of ``fn(*args)``."""
    first = common.wall(fn, *args)
    walls: list[float] = []
    cpu0 = time.process_time()
    while len(walls) < min_calls or sum(walls) < min_time:
        walls.append(common.wall(fn, *args))
    cpu = (time.process_time() - cpu0) / len(walls)
    wall = float(np.median(walls))
    return {"compile_s": first - wall, "seconds": wall, "cpu_s": cpu, "calls": len(walls)}


def load() -> float:
    return os.getloadavg()[0]


def run_models(names, reference: dict, gradient: bool = True) -> dict:
    """Per model: value and gradient timings of k_hm, k_hm and its deviation from converged CLASS."""
    out: dict = {}
    value_fns = {f: jax.jit(k_hm_of(build)) for f, (build, _) in FAMILIES.items()}
    grad_fns = {f: jax.jit(jax.grad(lambda p, b=build: k_hm_of(b)(p)[0])) for f, (build, _) in FAMILIES.items()}
    for name in names:
        family, p = model_inputs(name, reference)
        p = jnp.asarray(p)
        value = timed(value_fns[family], p)
        k_hm, status = (np.asarray(v) for v in value_fns[family](p))
        k_class = reference["models"][name]["k_hm_z0"]
        row = {
            "inputs": dict(zip(FAMILIES[family][1], np.asarray(p).tolist(), strict=True)),
            "k_hm_h_per_Mpc": float(k_hm),
            "status": int(status),
            "k_hm_class": k_class,
            "k_hm_rel_diff_vs_class": float(k_hm) / k_class - 1.0,
            "value": value,
            "load_after_value": load(),
        }
        if gradient:
            row["gradient"] = timed(grad_fns[family], p)
            row["gradient"]["d_k_hm_d_inputs"] = np.asarray(grad_fns[family](p)).tolist()
            row["load_after_gradient"] = load()
        out[name] = row
    return out


def run_batches(batch_sizes, seed: int = 0, batching: str = "map") -> list[dict]:
    """Rows (batch, compile_s, seconds, cpu_s, models_per_s, all_ok): thermal WDM, m log-uniform in
    [2, 8] keV (Ω h² = 0.12, Viel temperature), k_hm over the batch by ``jax.lax.map`` ("map": each
    model takes its own iterations and steps, best on a CPU) or ``jax.vmap`` ("vmap": every model in
    lockstep with the slowest, for accelerators)."""
    rng = np.random.default_rng(seed)
    one = k_hm_of(lambda m: ncdm.thermal_wdm(m))
    fn = jax.jit(jax.vmap(one) if batching == "vmap" else (lambda ms: jax.lax.map(one, ms)))
    rows = []
    for n in batch_sizes:
        m = jnp.asarray(np.exp(rng.uniform(np.log(2.0), np.log(8.0), n)))
        t = timed(fn, m, min_calls=2)
        ok = bool(np.all(np.asarray(fn(m)[1]) == Status.OK))
        rows.append({"batch": n, "batching": batching, "compile_s": t["compile_s"], "seconds": t["seconds"], "cpu_s": t["cpu_s"],
                     "models_per_s": n / t["seconds"], "all_ok": ok, "load_after": load()})
    return rows


def run_class(python: str | None, names, reference: dict, threads: int = 2) -> dict:
    """CLASS per model (converged settings) and, for wdm_3keV, with CLASS's default settings: wall,
    core-seconds (threads × wall) and measured CPU seconds; stored wall times without ``python``."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    per_model = {}
    for name in names:
        model = reference["models"][name]
        if python is None:
            per_model[name] = {"wall_s": model["time_s"], "core_s": 2 * model["time_s"], "threads": 2, "cpu_s": None,
                               "source": "stored with tests/cosmology/data/class_transfer.json (2-core CPU, OMP 2 threads)"}
            continue
        res = subprocess.run([python, "-c", CLASS_SCRIPT, json.dumps(model["params"])], capture_output=True, text=True,
                             check=True, cwd=ROOT, env=env)
        t = json.loads(res.stdout.strip().splitlines()[-1])
        per_model[name] = {"wall_s": t["wall_s"], "core_s": threads * t["wall_s"], "threads": threads, "cpu_s": t["cpu_s"],
                           "source": f"measured in this run ({python})", "load_after": load()}
    model = reference["models"]["wdm_3keV"]
    if python is None:
        default_s = model["default_settings"]["time_s"]
    else:
        res = subprocess.run([python, "-c", CLASS_SCRIPT, json.dumps(model["default_settings"]["params"])],
                             capture_output=True, text=True, check=True, cwd=ROOT, env=env)
        default_s = json.loads(res.stdout.strip().splitlines()[-1])["wall_s"]
    ref = per_model.get("wdm_3keV", next(iter(per_model.values())))
    return {"per_model": per_model, "converged_s": ref["wall_s"], "default_s": default_s, "source": ref["source"],
            "threads": ref["threads"]}


def ratios(models: dict, cls: dict) -> dict:
    """Per model: CLASS/jaxbsm in wall time and per core (CLASS core-s / jaxbsm CPU-s), value and gradient."""
    out = {}
    for name, row in models.items():
        c = cls["per_model"].get(name)
        if c is None:
            continue
        r = {"value_wall": c["wall_s"] / row["value"]["seconds"], "value_per_core": c["core_s"] / row["value"]["cpu_s"]}
        if "gradient" in row:
            r["gradient_wall"] = c["wall_s"] / row["gradient"]["seconds"]
            r["gradient_per_core"] = c["core_s"] / row["gradient"]["cpu_s"]
        out[name] = r
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help=f"the 3 keV model, batch sizes 1 and 2, a short NUTS run ({common.QUICK_NUTS})")
    ap.add_argument("--models", nargs="+", choices=MODELS, default=None, help="reference models to time (default: all five)")
    ap.add_argument("--max-batch", type=int, default=16)
    ap.add_argument("--batching", choices=("map", "vmap"), default="map", help="lax.map (CPU) or vmap (accelerators) over a batch of models")
    ap.add_argument("--classy-python", default=None, help="a Python interpreter with classy installed")
    ap.add_argument("--class-threads", type=int, default=2, help="OMP_NUM_THREADS of the CLASS runs")
    ap.add_argument("--out", default=str(common.RESULTS_DIR))
    ap.add_argument("--no-nuts", action="store_true", help=f"skip NUTS on {FIT}")
    ap.add_argument("--no-gradient", action="store_true", help="skip the gradients d k_hm/d inputs (compile ~0.5 min per spectrum family)")
    args = ap.parse_args(argv)
    names = args.models or (["wdm_3keV"] if args.quick else list(MODELS))
    sizes = [1, 2] if args.quick else [b for b in (1, 4, 16, 64) if b <= args.max_batch]
    reference = json.loads(REFERENCE.read_text())
    t0 = time.time()
    loads = {"start": load()}
    models = run_models(names, reference, gradient=not args.no_gradient)
    loads["after_models"] = load()
    rows = run_batches(sizes, batching=args.batching)
    loads["after_batches"] = load()
    cls = run_class(args.classy_python, names, reference, args.class_threads)
    loads["after_class"] = load()
    nuts = {"skipped": "disabled"} if args.no_nuts else common.fit_nuts(FIT, args.quick)
    loads["end"] = load()
    r = ratios(models, cls)
    best = max(x["models_per_s"] for x in rows)
    result = {
        "environment": common.environment(),
        "load_average": loads,
        "setup": {
            "chain": "T2(k) -> k_hm (T2 = 1/2, z = 0) by half_mode.half_mode_k: root find in ln k, each T2 one solve of the "
                     "species and of LCDM at that k; gradient by the implicit-function theorem (one reverse-mode pass at k_hm)",
            "models": {n: models[n]["inputs"] for n in models},
            "accuracy": "k_hm vs converged CLASS 3.4.1 per model below (k_hm_rel_diff_vs_class); tests/cosmology/test_transfer.py",
            "batch_models": "thermal WDM, m log-uniform in [2, 8] keV",
            "class_core_seconds": "threads x wall (OMP_NUM_THREADS); cpu_s is what the CLASS process used",
        },
        "models": models,
        "jaxbsm": rows,
        "class": cls,
        "ratios": r,
        "speedup_vs_class_converged": best * cls["converged_s"],
        "speedup_vs_class_default": best * cls["default_s"],
        "nuts": nuts,
        "wall_s": time.time() - t0,
    }
    path = common.write_json(result, args.out, f"structure-{common.device_name()}.json")
    table = []
    for name, row in models.items():
        c = cls["per_model"].get(name, {})
        g = row.get("gradient", {})
        table.append([name, row["k_hm_rel_diff_vs_class"], row["value"]["seconds"], row["value"]["cpu_s"],
                      g.get("seconds", float("nan")), g.get("cpu_s", float("nan")), c.get("wall_s", float("nan")),
                      r.get(name, {}).get("value_per_core", float("nan")), r.get(name, {}).get("gradient_per_core", float("nan"))])
    print(common.markdown_table(["model", "k_hm vs CLASS", "value [s]", "value CPU [s]", "gradient [s]", "gradient CPU [s]",
                                 "CLASS [s]", "CLASS/value per core", "CLASS/gradient per core"], table))
    print(common.markdown_table(["batch", "compile [s]", "models/s"], [[x["batch"], x["compile_s"], x["models_per_s"]] for x in rows]))
    print(f"CLASS: {cls['source']}; load average {loads}")
    print(common.nuts_summary(nuts))
    print(f"written {path}")
    return result


if __name__ == "__main__":
    sys.exit(main() and 0)
