"""Makes freeze_in_reference.json: the outputs of the freeze-in solver as it was before issue 18 (commit
77dd5c6, diffrax Kvaerno5 at rtol 1e-8), which the Radau solver of issue 18 is checked against
(tests/cosmology/test_freeze_in.py, slow test).

That solver is no longer in the tree. Run with its module extracted from git:

    git show 77dd5c6:jaxbsm/cosmology/freeze_in.py > /tmp/old_freeze_in.py
    python tests/cosmology/data/make_freeze_in_reference.py /tmp/old_freeze_in.py

(≈ 10 min on 2 CPU cores). The spectra are computed at rtol 1e-10, atol 1e-20, with
jax.scipy.special.erfcx replaced above 20 by its asymptotic series: jax 0.10's erfcx returns 0 for
26.5433 ≤ z ≤ 26.6417, which put errors up to 2e-3 into single bins of that solver's f_N.
"""

import importlib.util
import json
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import jaxbsm  # noqa: F401  (float64)

M_N = 1e-5
MASSES = [60.0, 62.5, 65.0, 100.0, 300.0]
LAMS = np.geomspace(1e-12, 1e-4, 12)
YS = np.geomspace(1e-10, 1e-6, 9)
LAM_INDEX, Y_INDEX = [0, 4, 8, 11], [0, 4, 8]


def _erfcx_fixed(z):
    small = z < 20.0
    r = 0.5 / jnp.where(small, 20.0, z) ** 2
    series = 1.0 - r * (1.0 - 3.0 * r * (1.0 - 5.0 * r * (1.0 - 7.0 * r * (1.0 - 9.0 * r * (1.0 - 11.0 * r)))))
    return jnp.where(small, jax.scipy.special.erfcx(jnp.where(small, z, 1.0)), series / (jnp.sqrt(jnp.pi) * z))


def load_old(path):
    text = Path(path).read_text().replace("jax.scipy.special.erfcx\n", "_erfcx_fixed\n")
    spec = importlib.util.spec_from_loader("old_freeze_in", loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_freeze_in"] = module
    module._erfcx_fixed = _erfcx_fixed
    exec(compile(text, path, "exec"), module.__dict__)
    return module


def main(path):
    old = load_old(path)
    tight = old.FreezeInSettings(rtol=1e-10, atol=1e-20, atol_log=1e-10, max_steps=16384)
    solve = jax.jit(lambda m, lam, y: old.solve_freeze_in(m, lam, y, M_N, spectrum=False))
    spectra = jax.jit(lambda m, lam, y: old.solve_freeze_in(m, lam, y, M_N, settings=tight))
    L, Y = np.meshgrid(LAMS, YS, indexing="ij")
    out = {"note": __doc__.split("\n\n")[0].replace("\n", " "), "m_N_GeV": M_N, "masses": MASSES, "lams": LAMS.tolist(), "ys": YS.tolist(),
           "lam_index": LAM_INDEX, "y_index": Y_INDEX, "planes": {}}
    for m in MASSES:
        r = solve(jnp.asarray(m), jnp.asarray(L), jnp.asarray(Y))
        assert np.all(np.asarray(r.status) == 0)
        s = spectra(jnp.asarray(m), jnp.asarray(L[np.ix_(LAM_INDEX, Y_INDEX)]), jnp.asarray(Y[np.ix_(LAM_INDEX, Y_INDEX)]))
        out["q"] = np.asarray(s.q)[0, 0].tolist()
        out["planes"][repr(m)] = {
            "omega_h2": np.asarray(r.omega_h2).tolist(),
            "mean_q": np.asarray(r.mean_q).tolist(),
            "mean_q2": np.asarray(r.mean_q2).tolist(),
            "f": np.asarray(s.f).tolist(),
        }
    Path(__file__).with_name("freeze_in_reference.json").write_text(json.dumps(out, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
