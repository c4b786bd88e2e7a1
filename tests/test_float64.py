"""Public entry points refuse to run in float32 (issue 19): the suite and the CLI import jaxbsm, which
switches float64 on; a script that ends up without it (e.g. beside a folder named jaxbsm) is told so.
One subprocess tries every entry point (importing jax takes seconds) and prints each refusal."""

import json
import subprocess
import sys

import pytest

CALLS = {
    "build_likelihood": ("jaxbsm.likelihoods", 'build_likelihood("wilson", ["flavour-2017"])'),
    "get_model": ("jaxbsm.registry", 'get_model("wilson")'),
    "solve_freeze_in": ("jaxbsm.cosmology.freeze_in", "solve_freeze_in(100.0, 1e-8, 1e-7, 1e-5)"),
    "qball_energy": ("jaxbsm.solitons.qball", "qball_energy(10.0, 1.0, 0.1, 0.01)"),
    "bounce": ("jaxbsm.solitons.bounce", "bounce(lambda p, a: 0.5 * p**2 - p**3, (), 0.5, 1.0)"),
    "oscillation": ("jaxbsm.neutrino.oscillation", "probabilities(np.eye(3), 7.4e-5, 2.5e-3, 1.0, 295.0)"),
    "transfer": ("jaxbsm.cosmology.transfer", "transfer_squared([1.0], ncdm.thermal_wdm(3.0), 0.0)"),
    "half_mode_k": ("jaxbsm.cosmology.half_mode", "half_mode_k(ncdm.thermal_wdm(3.0))"),
}

SCRIPT = """
import json
import jax, jaxbsm, numpy as np
from jaxbsm.cosmology import ncdm
jax.config.update("jax_enable_x64", False)
from jaxbsm.checks import float32_allowed
out = {}
for where, (module, call) in CALLS.items():
    exec(f"from {module} import *")
    try:
        eval(call)
        out[where] = "no error"
    except RuntimeError as e:
        out[where] = str(e)
with float32_allowed():  # the benchmarks' explicit opt-in
    from jaxbsm.registry import get_model
    out["opt-in"] = get_model("wilson").name
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def messages():
    code = f"CALLS = {CALLS!r}\n" + SCRIPT
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("where", CALLS)
def test_float32_is_refused_with_the_fix(messages, where):
    assert messages[where].startswith(f"{where}: JAX is in float32") and "jax_enable_x64" in messages[where]


def test_float32_on_purpose(messages):
    assert messages["opt-in"] == "wilson"
