#!/usr/bin/env python
"""Reference values of the scalar-decay live chain at random points of the fit box, for
tests/cosmology/test_scalar_decay_tables.py (the tables' accuracy).

Points: uniform in (ln λ, ln y, m_S, ln m_N) over ``scalar_decay_tables.BOX`` (numpy seed 20261204),
plus 20 points within 0.5 GeV of the h → SS threshold. At each: Ω_N h², ⟨q⟩ (freeze-in solve) and
λ_hm (``half_mode.find_half_mode``). Run from the repository root:

    python tests/cosmology/data/make_scalar_decay_live_points.py [N]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

import jaxbsm  # noqa: F401  (float64)
from jaxbsm.cosmology import half_mode, scalar_decay_tables
from jaxbsm.cosmology.freeze_in import solve_freeze_in

OUT = Path(__file__).with_name("scalar_decay_live_points.json")


def main(n: int = 200) -> None:
    box = scalar_decay_tables.BOX
    rng = np.random.default_rng(20261204)
    ln = lambda name, k: np.exp(rng.uniform(np.log(box[name][0]), np.log(box[name][1]), k))  # noqa: E731
    lam, y, m_N = ln("lam", n), ln("y", n), ln("m_N", n)
    m_S = rng.uniform(*box["m_S"], n)
    m_S[:20] = scalar_decay_tables.M_THRESHOLD + rng.uniform(-0.5, 0.5, 20)
    rows, t0 = [], time.time()
    for i in range(n):
        r = solve_freeze_in(m_S[i], lam[i], y[i], m_N[i] * 1e-6)
        hm = half_mode.find_half_mode(half_mode.species_from_freeze_in(r, m_N[i]))
        rows.append({"m_S": m_S[i], "lam": lam[i], "y": y[i], "m_N": m_N[i], "Omega_N_h2": float(r.omega_h2),
                     "mean_q_N": float(r.mean_q), "lambda_hm": hm.lambda_hm})
        print(i, rows[-1], f"{time.time() - t0:.0f} s", flush=True)
    OUT.write_text(json.dumps({"generated_by": "tests/cosmology/data/make_scalar_decay_live_points.py",
                               "points": [{k: float(v) for k, v in row.items()} for row in rows]}, indent=0) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
