"""Result directories: posterior.nc, summary.csv, corner.png, config.yaml and GetDist chains of one fit.

Each file is written to a temporary name in the same directory and renamed into place, so a crash
never leaves a half-written file under its final name. An existing non-empty directory is only
written into with ``force=True``, which first removes the results of the run before (so a forced
rerun killed half-way never leaves old results beside its own checkpoint). ``output_lock`` keeps
two runs from writing into one directory at once.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import arviz as az
import pandas as pd

from jaxbsm.inference.bestfit import BestFit
from jaxbsm.inference.config import FitConfig
from jaxbsm.inference.getdist_chains import write_getdist
from jaxbsm.inference.plots import corner_plot

FILES = ("config.yaml", "summary.csv", "corner.png", "chains", "posterior.nc")  # chains/: GetDist files
HDI_PROB = 0.68


class OutputExistsError(FileExistsError):
    """The output directory exists and is not empty, and overwriting was not asked for."""


def summary_table(idata: az.InferenceData, bestfit: BestFit | None = None) -> pd.DataFrame:
    """Per free parameter: mean, sd, 68% HDI, MCSE, bulk/tail ESS, R-hat (+ best fit and its error)."""
    table = az.summary(idata, var_names=list(idata.posterior.data_vars), hdi_prob=HDI_PROB, round_to="none")
    return table.join(bestfit.to_frame()) if bestfit is not None else table


def prepare_output(out_dir: str | Path, force: bool = False) -> Path:
    """Create ``out_dir``; raise OutputExistsError if it holds files and ``force`` is False."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"output path {out} exists and is not a directory")
    if out.is_dir() and any(p.name != LOCK_FILE for p in out.iterdir()) and not force:
        raise OutputExistsError(f"output directory {out} exists and is not empty; use --force to overwrite it")
    out.mkdir(parents=True, exist_ok=True)
    if force:  # the previous run's results go now, not when the new ones are written
        for name in FILES:
            stale = out / name
            if stale.is_dir():
                shutil.rmtree(stale)
            else:
                stale.unlink(missing_ok=True)
    return out


LOCK_FILE = ".jaxbsm.lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def output_lock(out_dir: str | Path):
    """Hold ``<out_dir>/.jaxbsm.lock`` (this process's id) while a run writes there; OutputExistsError
    if a live process holds it. A lock left by a dead process (killed run) is taken over."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lock = out / LOCK_FILE
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and pid != os.getpid() and _alive(pid):
                raise OutputExistsError(f"output directory {out} is in use by another jaxbsm run (process {pid}); "
                                        "wait for it, or choose another --out") from None
            lock.unlink(missing_ok=True)  # stale: its process is gone
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(str(os.getpid()))
        break
    else:
        raise OutputExistsError(f"output directory {out}: cannot take the lock {lock}")
    try:
        yield out
    finally:
        lock.unlink(missing_ok=True)


def write_atomic(path: Path, write) -> None:
    """``write(tmp)`` to a temporary name beside ``path``, then rename it to ``path`` (atomic on one
    file system): a killed writer never leaves a truncated file under the final name."""
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_results(
    out_dir: str | Path,
    idata: az.InferenceData,
    config: FitConfig,
    bestfit: BestFit | None = None,
    force: bool = False,
    labels: dict[str, str] | None = None,
) -> Path:
    """Write the result files of a fit into ``out_dir`` and return its path.

    ``labels`` (parameter -> axis label, e.g. LaTeX with unit) labels the corner plot, whose
    parameters follow the configuration's order, and the GetDist chains ``chains/<fit name>_*.txt``
    (load them with ``getdist.loadMCSamples("<out_dir>/chains/<fit name>")``). posterior.nc is
    written last.
    """
    out = prepare_output(out_dir, force)
    write_atomic(out / "config.yaml", lambda p: p.write_text(config.to_yaml()))
    write_atomic(out / "summary.csv", lambda p: summary_table(idata, bestfit).to_csv(p))
    draws = {k: idata.posterior[k].values for k in config.free}
    labels = {k: (labels or {}).get(k, k) for k in draws}
    write_atomic(
        out / "corner.png",
        lambda p: corner_plot(draws, p, labels, bestfit.values if bestfit else None),
    )
    write_getdist(idata, config, out / "chains" / config.name, labels)
    write_atomic(out / "posterior.nc", lambda p: az.to_netcdf(idata, str(p), engine="h5netcdf"))
    return out
