"""Result directories: posterior.nc, summary.csv, corner.png, config.yaml and GetDist chains of one fit.

An existing non-empty directory is only written into with ``force=True``; ``prepare_output``, which
``jaxbsm fit`` calls before sampling, then removes the results *and the checkpoint* of the run
before (so a forced rerun killed half-way never leaves old results, or an old checkpoint that
``--resume`` would refuse, beside its own). ``output_lock`` keeps two runs from writing into one
directory at once.

The results of a run appear as a set (:func:`write_results`): every file is first written into a
staging folder inside the output directory (``.staging-<pid>``) and synced to disk; only when all
of them are written are they renamed into place, ``posterior.nc`` last. A run that fails or is
killed while writing (the slow part: plots, netCDF) therefore leaves no new file under a final
name, and the set that was there before untouched (``jaxbsm fit --force`` has removed that one
before sampling, so the directory then holds none). Renames are not atomic as a group: a run
killed in the microseconds between two renames leaves a set without ``posterior.nc``, which is
removed first and renamed last, so ``posterior.nc`` marks a complete set. Single files
(:func:`write_atomic`) go to a temporary name beside their final one and are renamed into place.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import arviz as az
import pandas as pd

from jaxbsm.inference.bestfit import BestFit
from jaxbsm.inference.checkpoint import CHECKPOINT_FILE
from jaxbsm.inference.config import FitConfig
from jaxbsm.inference.getdist_chains import write_getdist
from jaxbsm.inference.plots import corner_plot

FILES = ("config.yaml", "summary.csv", "corner.png", "chains", "posterior.nc")  # chains/: GetDist files
HDI_PROB = 0.68
LOCK_FILE = ".jaxbsm.lock"
STAGING_PREFIX = ".staging-"  # + process id: the folder write_results fills before renaming into place


class OutputExistsError(FileExistsError):
    """The output directory exists and is not empty, and overwriting was not asked for."""


def summary_table(idata: az.InferenceData, bestfit: BestFit | None = None) -> pd.DataFrame:
    """Per free parameter: mean, sd, 68% HDI, MCSE, bulk/tail ESS, R-hat (+ best fit and its error)."""
    table = az.summary(idata, var_names=list(idata.posterior.data_vars), hdi_prob=HDI_PROB, round_to="none")
    return table.join(bestfit.to_frame()) if bestfit is not None else table


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _staging_pid(name: str) -> int | None:
    """The process id in a staging folder's name ``.staging-<pid>``; None for any other name."""
    tail = name.removeprefix(STAGING_PREFIX)
    return int(tail) if tail != name and tail.isdigit() else None


def _check_output(out_dir: str | Path, force: bool) -> Path:
    """``out_dir`` as a Path; OutputExistsError if it is a file, or holds files and ``force`` is False
    (the lock file and staging folders left by killed runs do not count)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"output path {out} exists and is not a directory")
    if out.is_dir() and not force and any(p.name != LOCK_FILE and _staging_pid(p.name) is None for p in out.iterdir()):
        raise OutputExistsError(f"output directory {out} exists and is not empty; use --force to overwrite it")
    return out


def _remove_dead_staging(out: Path) -> None:
    """Remove the staging folders of killed runs (and this process's own), never a live run's."""
    for p in out.iterdir():
        pid = _staging_pid(p.name)
        if pid is not None and (pid == os.getpid() or not _alive(pid)):
            shutil.rmtree(p, ignore_errors=True)


def prepare_output(out_dir: str | Path, force: bool = False) -> Path:
    """Create ``out_dir``; raise OutputExistsError if it holds files and ``force`` is False.

    With ``force`` the previous run's results and its checkpoint (``checkpoint.npz``) go now, not
    when the new results are written: a forced rerun starts clean. (``jaxbsm fit --resume`` does
    not call this, so it keeps the checkpoint it continues.)"""
    out = _check_output(out_dir, force)
    out.mkdir(parents=True, exist_ok=True)
    _remove_dead_staging(out)
    if force:
        for name in ("posterior.nc", *FILES, CHECKPOINT_FILE):  # posterior.nc, the mark of a complete set, first
            _remove(out / name)
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock_holder(lock: Path) -> str:
    try:
        pid = lock.read_text().strip()
    except OSError:
        pid = ""
    return f"process {pid}" if pid.isdigit() else "process unknown"


@contextlib.contextmanager
def output_lock(out_dir: str | Path):
    """Hold the lock of ``out_dir`` while a run writes there; OutputExistsError (naming the process)
    if another run holds it.

    The lock is an exclusive ``fcntl.flock`` on ``<out_dir>/.jaxbsm.lock``, which holds the id of
    the process for the error message. The kernel releases it when its process exits, however it
    dies, so a lock file left by a killed run has no lock on it and is simply taken: there is no
    check-then-act takeover of stale locks. After taking the lock, the file is checked to still be
    the one at that path (a run that removed it on release between our open and our flock would
    otherwise leave two holders). On release the file is removed, and ``out_dir`` too if this call
    created it and it is empty."""
    import fcntl

    out = Path(out_dir)
    created = not out.exists()
    lock = out / LOCK_FILE
    for _ in range(100):
        out.mkdir(parents=True, exist_ok=True)  # again on a retry: a run that created it may have removed it
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputExistsError(f"output directory {out} is in use by another jaxbsm run ({_lock_holder(lock)}); "
                                    "wait for it, or choose another --out") from None
        except OSError:
            os.close(fd)
            raise
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(lock))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # locked a file its holder removed on release: take the one at the path now
    else:
        raise OutputExistsError(f"output directory {out}: cannot take the lock {lock}")
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield out
    finally:
        lock.unlink(missing_ok=True)  # while still holding it: a waiting open then sees no file
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()  # only if empty: a run refused or failed before writing leaves nothing
        os.close(fd)


def _fsync(path: Path) -> None:
    """Flush a written file (or a directory's entries) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot sync a directory
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, write) -> None:
    """``write(tmp)`` to a temporary name beside ``path`` (same suffix, so writers that go by it
    choose the right format), sync it, then rename it to ``path`` (atomic on one file system): a
    writer that fails or is killed never leaves a truncated file under the final name."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")
    try:
        write(tmp)
        _fsync(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync(path.parent)


def write_results(
    out_dir: str | Path,
    idata: az.InferenceData,
    config: FitConfig,
    bestfit: BestFit | None = None,
    force: bool = False,
    labels: dict[str, str] | None = None,
) -> Path:
    """Write the result files of a fit into ``out_dir``, as a set (module docstring), and return its path.

    ``labels`` (parameter -> axis label, e.g. LaTeX with unit) labels the corner plot, whose
    parameters follow the configuration's order, and the GetDist chains ``chains/<fit name>_*.txt``
    (load them with ``getdist.loadMCSamples("<out_dir>/chains/<fit name>")``). Any other file in
    ``out_dir`` (e.g. the run's checkpoint) is left alone; the old results are replaced only once
    the new ones are all written.
    """
    out = _check_output(out_dir, force)
    out.mkdir(parents=True, exist_ok=True)
    _remove_dead_staging(out)
    staging = out / f"{STAGING_PREFIX}{os.getpid()}"
    staging.mkdir()
    try:
        (staging / "config.yaml").write_text(config.to_yaml())
        summary_table(idata, bestfit).to_csv(staging / "summary.csv")
        draws = {k: idata.posterior[k].values for k in config.free}
        labels = {k: (labels or {}).get(k, k) for k in draws}
        corner_plot(draws, staging / "corner.png", labels, bestfit.values if bestfit else None)
        chains = write_getdist(idata, config, staging / "chains" / config.name, labels)
        az.to_netcdf(idata, str(staging / "posterior.nc"), engine="h5netcdf")
        for path in [*(staging / name for name in FILES if name != "chains"), *chains]:
            _fsync(path)
        for name in ("posterior.nc", *FILES):  # the old set goes, posterior.nc (its mark) first ...
            _remove(out / name)
        for name in FILES:  # ... and the new one comes, posterior.nc last
            os.replace(staging / name, out / name)
        _fsync(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out
