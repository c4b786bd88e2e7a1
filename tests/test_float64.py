"""Public entry points refuse to run in float32 (issue 19): the suite and the CLI import jaxbsm, which
switches float64 on; a script that ends up without it (e.g. beside a folder named jaxbsm) is told so."""

import subprocess
import sys

import pytest

SCRIPT = """
import jax, jaxbsm
jax.config.update("jax_enable_x64", False)
from {module} import {name}
try:
    {call}
except RuntimeError as e:
    print(e)
"""


@pytest.mark.parametrize(
    "module, name, call",
    [
        ("jaxbsm.likelihoods", "build_likelihood", 'build_likelihood("wilson", ["flavour-2017"])'),
        ("jaxbsm.cosmology.freeze_in", "solve_freeze_in", "solve_freeze_in(100.0, 1e-8, 1e-7, 1e-5)"),
    ],
)
def test_float32_is_refused_with_the_fix(module, name, call):
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(module=module, name=name, call=call)], capture_output=True, text=True,
                         timeout=120)
    assert f"{name}: JAX is in float32" in out.stdout and "jax_enable_x64" in out.stdout, out.stderr[-2000:]
