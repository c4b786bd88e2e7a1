"""flavio's side of the flavour benchmark: a FastLikelihood on the observables of flavour-current.

Needs only flavio (no JAX, no jaxbsm), so it can run under another Python:

    echo '{"points": [[0, 0], [-1, 0]], "n_theory": 100}' | PYTHON benchmarks/flavio_flavour.py

reads the new-physics points (dC9_mu, dC10_mu at 4.8 GeV) and the number of theory samples of
``make_measurement`` from stdin as JSON and prints a JSON object (see ``benchmark``).
``benchmarks.flavour`` imports ``benchmark`` directly when flavio is importable in its process.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from importlib.metadata import version

OBSERVABLES = [
    ("<Rmue>(B+->Kll)", 1.1, 6.0),
    ("<Rmue>(B+->Kll)", 0.1, 1.1),
    ("<Rmue>(B0->K*ll)", 1.1, 6.0),
    ("<Rmue>(B0->K*ll)", 0.1, 1.1),
    "BR(Bs->mumu)",
    "DeltaM_s",
]
MEASUREMENTS = ["LHCb RK RK* 2022", "GSSS combination Bs->mumu 2022", "HFAG osc summer 2015"]
SCALE = 4.8  # GeV, scale of the Wilson coefficients


def benchmark(points: list[list[float]], n_theory: int = 100) -> dict:
    """Time flavio's FastLikelihood: one-off setup, then log L at each (dC9_mu, dC10_mu) point.

    Every point gets a new ``flavio.WilsonCoefficients`` (no cached predictions). Returns
    flavio_version, observables, measurements, n_theory, construct_s, make_measurement_s,
    seconds_per_point (median), seconds_per_point_all and log_likelihood (one per point).
    """
    import flavio
    from flavio.statistics.likelihood import FastLikelihood

    start = time.perf_counter()
    likelihood = FastLikelihood(
        "jaxbsm flavour benchmark", observables=OBSERVABLES, include_measurements=MEASUREMENTS
    )
    construct_s = time.perf_counter() - start
    start = time.perf_counter()
    likelihood.make_measurement(N=n_theory)
    make_measurement_s = time.perf_counter() - start

    par = flavio.default_parameters.get_central_all()
    times, log_l = [], []
    for c9, c10 in points:
        wc = flavio.WilsonCoefficients()
        wc.set_initial({"C9_bsmumu": c9, "C10_bsmumu": c10}, scale=SCALE)
        start = time.perf_counter()
        log_l.append(float(likelihood.log_likelihood(par, wc)))
        times.append(time.perf_counter() - start)
    return {
        "flavio_version": version("flavio"),
        "observables": [o if isinstance(o, str) else list(o) for o in OBSERVABLES],
        "measurements": MEASUREMENTS,
        "n_theory": n_theory,
        "construct_s": construct_s,
        "make_measurement_s": make_measurement_s,
        "seconds_per_point": statistics.median(times),
        "seconds_per_point_all": times,
        "log_likelihood": log_l,
    }


if __name__ == "__main__":
    request = json.load(sys.stdin)
    json.dump(benchmark(request["points"], request["n_theory"]), sys.stdout)
