"""`pip install .` puts only the package jaxbsm (with likelihoods/ and inference/ inside it as
jaxbsm.likelihoods and jaxbsm.inference) and the `jaxbsm` command into site-packages: checked on
the wheel pip builds from this checkout, which must also carry every module and data file."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INSTALLED_AS = {"jaxbsm": "jaxbsm", "likelihoods": "jaxbsm/likelihoods", "inference": "jaxbsm/inference"}
DATA = ("*.py", "*.json", "*.yaml", "*.dat", "*.npz")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
        check=True, capture_output=True, text=True, timeout=600,
    )
    (path,) = out.glob("jaxbsm-*.whl")
    with zipfile.ZipFile(path) as z:
        return z.namelist(), z.read(next(n for n in z.namelist() if n.endswith("entry_points.txt"))).decode()


def test_only_jaxbsm_is_installed(wheel):
    names, entry_points = wheel
    assert {n.split("/")[0] for n in names} == {"jaxbsm", next(n.split("/")[0] for n in names if ".dist-info/" in n)}
    assert "jaxbsm = jaxbsm.inference.cli:main" in entry_points


def test_every_module_and_data_file_is_in_the_wheel(wheel):
    names = set(wheel[0])
    expected = {
        f"{target}/{path.relative_to(ROOT / folder).as_posix()}"
        for folder, target in INSTALLED_AS.items()
        for pattern in DATA
        for path in (ROOT / folder).rglob(pattern)
        if "__pycache__" not in path.parts
    }
    assert expected - names == set()
