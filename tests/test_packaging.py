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


def _requirements():
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


def _pins():
    from packaging.utils import canonicalize_name

    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not a pin name==version"
            pins[canonicalize_name(name)] = version
    return pins


def test_fresh_installs_use_the_tested_versions():
    """Issue 19: the README's two commands and .ci/run install with -c constraints.txt, every direct
    dependency (run and test) is pinned there, each pin lies inside pyproject's range, and pyproject
    keeps ranges (no == pins) so that jaxbsm installs beside other packages."""
    from packaging.utils import canonicalize_name

    readme = (ROOT / "README.md").read_text()
    commands = [line for line in readme.splitlines() if line.startswith("python3 -m venv")]
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if "pip install" in line]
    assert len(commands) == 2 and ci
    for command in commands + ci:
        assert "pip install -q -c constraints.txt" in command, command
    pins = _pins()
    for req in _requirements():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not pinned in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), f"{req.name}=={pins[name]} is outside {req.specifier}"
        assert not any(s.operator == "==" for s in req.specifier), f"pyproject pins {req}: keep a range"
