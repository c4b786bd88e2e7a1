"""Static checks as part of the suite, so that style and types hold without review: ruff (the
rules in pyproject.toml's [tool.ruff]) on all Python code, mypy in its default (basic) mode on the
physics package jaxbsm/ ([tool.mypy]). Both tools come with the test extra."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=900)


def test_ruff():
    proc = _run("ruff", "check", "--no-cache", ".")
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


def test_mypy_on_the_physics_package():
    proc = _run("mypy", "--no-incremental")
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
