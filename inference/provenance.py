"""Provenance of a result: package versions, git revision of the sources, host, device and date.

These are the values a result file records about the run that made it (DESIGN.md §4), e.g. the
attrs of the InferenceData of :func:`jaxbsm.inference.nuts.run_nuts`.
"""

from __future__ import annotations

import datetime
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import jax

import jaxbsm

VERSIONED_PACKAGES = ("jax", "jaxlib", "numpyro", "arviz", "optax")  # besides jaxbsm and Python


def versions() -> dict[str, str]:
    """``{"version_jaxbsm", "version_python", "version_<pkg>"}`` for each of VERSIONED_PACKAGES
    ("unknown" where a package is not installed)."""
    out = {"version_jaxbsm": jaxbsm.__version__, "version_python": platform.python_version()}
    for pkg in VERSIONED_PACKAGES:
        try:
            out[f"version_{pkg}"] = version(pkg)
        except PackageNotFoundError:
            out[f"version_{pkg}"] = "unknown"
    return out


def git_revision() -> str:
    """Commit of the git checkout holding the jaxbsm sources (``git rev-parse HEAD``), with ``-dirty``
    appended when ``git status --porcelain`` lists changes; "unknown" when jaxbsm is not a tracked
    file of a git checkout (an installed wheel) or git is unavailable."""
    src = Path(jaxbsm.__file__).resolve().parent

    def git(*args: str) -> str:
        run = subprocess.run(["git", "-C", str(src), *args], capture_output=True, text=True, timeout=30, check=True)
        return run.stdout.strip()

    try:
        git("ls-files", "--error-unmatch", "__init__.py")  # jaxbsm itself is tracked, not just inside some repo
        revision = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return revision + ("-dirty" if dirty else "")


def host() -> str:
    """The host platform, ``platform.platform()`` (operating system, release, machine)."""
    return platform.platform()


def device() -> str:
    """The JAX devices in use: ``"<backend>: <device kind> x<local device count>"``."""
    return f"{jax.default_backend()}: {jax.devices()[0].device_kind} x{jax.local_device_count()}"


def utc_date() -> str:
    """The current UTC date and time, ISO 8601 to the second (``2025-01-31T12:00:00+00:00``)."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
