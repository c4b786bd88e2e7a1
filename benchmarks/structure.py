"""Benchmark of the linear transfer function T²(k) of non-cold dark matter (jaxbsm.cosmology.transfer)
against CLASS.

Models: thermal WDM with masses log-uniform in [2, 8] keV (Ω h² = 0.12, Planck 2018 background), T²
on 12 k from 8 to 130 h/Mpc at z = 0 (the band 0.99 > T² > 0.05 of 3–5 keV), default solver settings
(accuracy against converged CLASS: k_hm within 0.15%, |ΔT²| ≤ 2.5e-3; tests/cosmology/test_transfer.py).
Reported:

1. models per second batched (vmap over models, each vmapped over k), compile time per batch size;
   the gradient d k_hm/d m per second;
2. CLASS (classy) seconds per model in the same run, with the converged NCDM settings of the
   reference tables (fluid approximation off, l_max_ncdm = 30) and with CLASS's defaults, if a
   Python with classy is given (``--classy-python``; classy is not a jaxbsm dependency), otherwise
   the times stored with the reference tables (marked as such);
3. the ratio at the stated accuracy;
4. NUTS ESS/s on the shipped fit ``scalar-decay-structure`` (``benchmarks.common.fit_nuts``; its
   λ_hm and Ω_N h² are the full chain tabulated on a (λ, y) grid, so NUTS does not run the solver).

Results go to ``<out>/structure-<device>.json`` and a markdown summary is printed.

    python -m benchmarks.structure [--quick] [--max-batch N] [--classy-python PATH] [--out DIR] [--no-nuts]
                                   [--no-gradient]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import jaxbsm  # noqa: F401  (float64)
from benchmarks import common
from jaxbsm.cosmology import ncdm, transfer
from jaxbsm.status import Status

K_H = np.geomspace(8.0, 130.0, 12)
FIT = "scalar-decay-structure"
REFERENCE = Path(__file__).parents[1] / "tests" / "cosmology" / "data" / "class_transfer.json"

CLASS_SCRIPT = r"""
import json, sys, time
from classy import Class
params = json.loads(sys.argv[1])
c = Class(); c.set(params)
t = time.perf_counter(); c.compute(); dt = time.perf_counter() - t
print(json.dumps({"time_s": dt}))
"""


def khm_of_mass(m):
    sp = ncdm.thermal_wdm(m)
    T2, status = transfer.transfer_squared(K_H, sp, 0.0)
    return transfer.half_mode_k_from_table(K_H, T2[:, 0]), jnp.all(status == Status.OK)


def run_jaxbsm(batch_sizes, seed=0, gradient=True):
    """Rows (batch, compile_s, seconds, models_per_s, all_ok) per batch size, and the gradient's timing
    (``{"skipped": "disabled"}`` without ``gradient``)."""
    rows = []
    rng = np.random.default_rng(seed)
    transfer.transfer_squared(K_H, ncdm.thermal_wdm(3.0))  # Λ-CDM reference (cached), not timed per model
    fn = jax.jit(jax.vmap(khm_of_mass))
    for n in batch_sizes:
        m = jnp.asarray(np.exp(rng.uniform(np.log(2.0), np.log(8.0), n)))
        first = common.wall(fn, m)
        steady = common.steady_seconds(fn, m, min_time=1.0, min_calls=2)
        _, ok = fn(m)
        rows.append({"batch": n, "compile_s": first - steady, "seconds": steady, "models_per_s": n / steady,
                     "all_ok": bool(np.all(np.asarray(ok)))})
    if not gradient:
        return rows, {"skipped": "disabled"}
    grad = jax.jit(jax.grad(lambda m: khm_of_mass(m)[0]))
    first = common.wall(grad, 3.0)
    steady = common.steady_seconds(grad, 3.0, min_time=1.0, min_calls=2)
    return rows, {"compile_s": first - steady, "seconds": steady, "gradients_per_s": 1.0 / steady}


def run_class(python: str | None):
    ref = json.loads(REFERENCE.read_text())
    model = ref["models"]["wdm_3keV"]
    stored = {"converged_s": model["time_s"], "default_s": model["default_settings"]["time_s"],
              "source": "stored with tests/cosmology/data/class_transfer.json (2-core CPU, OMP 2 threads)"}
    if python is None:
        return stored
    out = {}
    for key, params in (("converged_s", model["params"]), ("default_s", model["default_settings"]["params"])):
        res = subprocess.run([python, "-c", CLASS_SCRIPT, json.dumps(params)], capture_output=True, text=True, check=True)
        out[key] = json.loads(res.stdout.strip().splitlines()[-1])["time_s"]
    out["source"] = f"measured in this run ({python})"
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help=f"batch sizes 1 and 2 only and a short NUTS run ({common.QUICK_NUTS})")
    ap.add_argument("--max-batch", type=int, default=16)
    ap.add_argument("--classy-python", default=None, help="a Python interpreter with classy installed")
    ap.add_argument("--out", default=str(common.RESULTS_DIR))
    ap.add_argument("--no-nuts", action="store_true", help=f"skip NUTS on {FIT}")
    ap.add_argument("--no-gradient", action="store_true", help="skip the gradient d k_hm/d m (compile ~1 min)")
    args = ap.parse_args(argv)
    sizes = [1, 2] if args.quick else [b for b in (1, 4, 16, 64, 256) if b <= args.max_batch]
    t0 = time.time()
    rows, grad = run_jaxbsm(sizes, gradient=not args.no_gradient)
    cls = run_class(args.classy_python)
    nuts = {"skipped": "disabled"} if args.no_nuts else common.fit_nuts(FIT, args.quick)
    best = max(r["models_per_s"] for r in rows)
    result = {
        "environment": common.environment(),
        "setup": {"k_h": K_H.tolist(), "z": [0.0], "models": "thermal WDM, m log-uniform in [2, 8] keV",
                  "accuracy": "k_hm within 0.15%, |dT2| <= 2.5e-3 vs converged CLASS 3.4.1 (tests/cosmology/test_transfer.py)"},
        "jaxbsm": rows,
        "gradient_dkhm_dm": grad,
        "class": cls,
        "speedup_vs_class_converged": best * cls["converged_s"],
        "speedup_vs_class_default": best * cls["default_s"],
        "nuts": nuts,
        "wall_s": time.time() - t0,
    }
    path = common.write_json(result, args.out, f"structure-{common.device_name()}.json")
    print(common.markdown_table(["batch", "compile [s]", "models/s"], [[r["batch"], r["compile_s"], r["models_per_s"]] for r in rows]))
    gradient = f"{grad['gradients_per_s']:.3g}/s" if "gradients_per_s" in grad else f"skipped ({grad['skipped']})"
    print(f"gradient d k_hm/d m: {gradient}; CLASS {cls['converged_s']:.3g} s (converged), "
          f"{cls['default_s']:.3g} s (default); speed-up {result['speedup_vs_class_converged']:.3g}x at converged accuracy")
    print(common.nuts_summary(nuts))
    print(f"written {path}")
    return result


if __name__ == "__main__":
    sys.exit(main() and 0)
