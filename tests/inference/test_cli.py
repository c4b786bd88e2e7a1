"""The jaxbsm command line: list, predict, bib and fit (on the fake Gaussian likelihood)."""

from __future__ import annotations

import functools
from pathlib import Path

import arviz as az
import numpy as np
import pytest
from inference_fakes import GaussLikelihood, gauss_config_dict, lookup

from jaxbsm.inference import cli
from jaxbsm.inference.config import load_config


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def fake_fits(monkeypatch):
    """Point the CLI at the fake model/likelihood; x > 1 is forbidden (log L = -inf)."""
    monkeypatch.setattr(
        cli, "load_config", functools.partial(load_config, known_datasets=["fake-data"], model_lookup=lookup)
    )
    monkeypatch.setattr(cli, "load_likelihood", lambda config: GaussLikelihood(cut=1.0))


def test_list(capsys):
    code, out, _ = run(capsys, "list", "models")
    assert code == 0 and "wilson" in out
    code, out, _ = run(capsys, "list", "observables")
    assert code == 0 and "R_K" in out
    code, out, _ = run(capsys, "list", "datasets")
    assert code == 0 and "flavour-2017" in out
    assert run(capsys, "list", "fits")[0] == 0


def test_predict_prints_observables(capsys):
    code, out, err = run(capsys, "predict", "wilson", "--set", "dC9_mu=-1")
    assert code == 0 and err == ""
    assert "dC9_mu = -1" in out and "R_K" in out


@pytest.mark.parametrize(
    "argv, needles",
    [
        (["predict", "wilson", "--set", "dC9_mu=99"], ["dC9_mu", "99", "[-5.0, 5.0]"]),
        (["predict", "wilson", "--set", "dC9_mu"], ["NAME=NUMBER"]),
        (["predict", "wilson", "--set", "nope=1"], ["nope", "dC9_mu"]),
        (["predict", "no-such-model"], ["no-such-model", "wilson"]),
        (["fit", "no-such-fit"], ["no-such-fit"]),
    ],
)
def test_user_errors_exit_2_with_one_line(capsys, argv, needles):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("jaxbsm: error: ") and err.count("\n") == 1 and "Traceback" not in err
    for needle in needles:
        assert needle in err


def test_fit_writes_all_files_and_refuses_overwrite(capsys, tmp_path, fake_fits):
    import yaml

    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(gauss_config_dict(bestfit={"starts": 8, "steps": 200})))
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "fit", str(path), "--out", str(out_dir), "--samples", "100", "--no-progress")
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == ["chains", "config.yaml", "corner.png", "posterior.nc", "summary.csv"]
    assert sorted(p.name for p in (out_dir / "chains").iterdir())[:2] == ["gauss.paramnames", "gauss.ranges"]
    for needle in ("r_hat", "ess_bulk", "ess_tail", "hdi_16%", "divergences", "pull", "Delta chi2"):
        assert needle in out
    idata = az.from_netcdf(out_dir / "posterior.nc")
    assert idata.posterior["x"].shape == (2, 100)
    assert float(idata.posterior["x"].max()) <= 1.0  # the -inf region is never accepted
    assert idata.attrs["n_nonfinite_log_likelihood"] == 0
    for group in ("posterior", "log_likelihood", "posterior_predictive"):
        for var in idata[group].data_vars.values():
            assert not np.isnan(var.values).any()
    assert load_config(out_dir / "config.yaml", known_datasets=["fake-data"], model_lookup=lookup).nuts.samples == 100

    code, _, err = run(capsys, "fit", str(path), "--out", str(out_dir), "--no-progress")
    assert code == 2 and str(out_dir) in err and "--force" in err


def test_bad_sizes_refused_before_any_directory(capsys, tmp_path, fake_fits):
    """Issue 19: --seed 99999999999999999999 raised OverflowError and left an empty output directory."""
    import yaml

    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(gauss_config_dict()))
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "fit", str(path), "--out", str(out_dir), "--seed", "99999999999999999999")
    assert code == 2 and "'nuts.seed' = 99999999999999999999" in err and "[0, 4294967295]" in err
    assert not out_dir.exists()


def test_ctrl_c_says_where_the_draws_are(capsys, tmp_path, fake_fits, monkeypatch):
    """Issue 19: Ctrl-C printed a raw KeyboardInterrupt traceback; now one line and exit code 130."""
    import yaml

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("jaxbsm.inference.nuts.run_nuts", interrupted)
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(gauss_config_dict()))
    code, _, err = run(capsys, "fit", str(path), "--out", str(tmp_path / "out"), "--no-progress")
    assert code == 130 and "Traceback" not in err
    assert err.strip().startswith("jaxbsm: interrupted;") and f"jaxbsm fit {path} --resume" in err


def test_bib_and_bestfit(capsys, tmp_path, fake_fits):
    import yaml

    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(gauss_config_dict(bestfit={"starts": 8, "steps": 200})))
    code, out, _ = run(capsys, "bib", str(path))
    assert code == 0 and "@misc{fake" in out
    assert "@article{Hoffman:2014nuts" in out and "Skilling" not in out  # NUTS cited, nested sampling not used
    code, out, _ = run(capsys, "bib", str(path), "--methods", "profile", "compare")
    assert code == 0 and "@article{Wilks:1938" in out and "@article{Albert:2020jaxns" in out
    assert out.count("@software{jax2018github") == 1
    code, out, _ = run(capsys, "bestfit", str(path), "--starts", "4")
    assert code == 0 and "0.3" in out and "4 starts" in out


def test_fit_end_to_end_on_shipped_fit(capsys, tmp_path):
    """The real flavour-c9-2017 fit (seed: dC9_mu = -1.51 +- 0.46, pull 3.9 sigma), short chains."""
    out_dir = tmp_path / "c9"
    argv = ["fit", "flavour-c9-2017", "--out", str(out_dir), "--chains", "2", "--warmup", "150", "--samples", "150"]
    code, out, err = run(capsys, *argv, "--no-progress")
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == ["chains", "config.yaml", "corner.png", "posterior.nc", "summary.csv"]
    assert sorted(p.name for p in (out_dir / "chains").iterdir())[:2] == ["flavour-c9-2017.paramnames", "flavour-c9-2017.ranges"]
    idata = az.from_netcdf(out_dir / "posterior.nc")
    assert -2.5 < float(idata.posterior["dC9_mu"].mean()) < -0.5
    assert idata.log_likelihood["log_likelihood"].sizes["term"] >= 3
    assert "pull" in out
    code, out, _ = run(capsys, "bib", "flavour-c9-2017")
    assert code == 0 and "@" in out


def test_output_directory_is_locked_and_forced_reruns_start_clean(capsys, tmp_path, fake_fits, monkeypatch):
    """Issue 19: two runs into one --out mixed their results; a --force rerun killed after its first
    checkpoint left the old posterior beside the new checkpoint."""
    import os
    import subprocess

    import yaml

    from jaxbsm.inference.results import LOCK_FILE, output_lock

    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(gauss_config_dict(bestfit={"starts": 2, "steps": 20})))
    out_dir = tmp_path / "out"
    assert run(capsys, "fit", str(path), "--out", str(out_dir), "--samples", "50", "--no-progress")[0] == 0
    assert not (out_dir / LOCK_FILE).exists()

    # another live run holds the lock: refused, naming it (test_lock_held_by_another_process_refuses_fit_and_profile)
    # a lock file whose run is gone (killed: the kernel released its flock) is taken over, even if
    # the process id in it is a live process's now (pid reuse)
    holder = subprocess.Popen(["sleep", "30"])
    try:
        (out_dir / LOCK_FILE).write_text(str(holder.pid))
        with output_lock(out_dir):
            assert (out_dir / LOCK_FILE).read_text() == str(os.getpid())
    finally:
        holder.kill()
        holder.wait()
    assert not (out_dir / LOCK_FILE).exists()

    # a forced rerun that dies while sampling leaves no result of the run before
    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("jaxbsm.inference.nuts.run_nuts", killed)
    assert run(capsys, "fit", str(path), "--out", str(out_dir), "--force", "--no-progress")[0] == 130
    assert not (out_dir / "posterior.nc").exists() and not (out_dir / "summary.csv").exists()


# --- audit: forced reruns, result sets, the output lock, bounds, atomic writers ---------------------

REPO = Path(__file__).resolve().parents[2]


def _tiny_fit(tmp_path, **overrides):
    import yaml

    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(gauss_config_dict(bestfit={"starts": 2, "steps": 20}, **overrides)))
    return path


def _visible(directory):
    return sorted(p.name for p in directory.iterdir() if not p.name.startswith("."))


def test_force_removes_an_old_checkpoint_and_resume_keeps_it(capsys, tmp_path, fake_fits, monkeypatch):
    """Audit: `fit --force` left the checkpoint.npz of an earlier run, so a forced rerun interrupted
    before its first block pointed at the old checkpoint, which `--resume` then refused ("different
    configuration"). --resume (with or without --force) keeps the checkpoint it continues."""
    from jaxbsm.inference.checkpoint import CHECKPOINT_FILE

    path = _tiny_fit(tmp_path)
    out_dir = tmp_path / "out"
    (out_dir / "chains").mkdir(parents=True)
    for name in ("config.yaml", "summary.csv", "corner.png", "posterior.nc", "chains/gauss_1.txt"):
        (out_dir / name).write_text("the run before")
    checkpoint = out_dir / CHECKPOINT_FILE
    checkpoint.write_bytes(b"checkpoint of the run before")
    resumed = []

    def interrupted(likelihood, config, *, progress, checkpoint, resume):
        resumed.append(resume)
        raise KeyboardInterrupt

    monkeypatch.setattr("jaxbsm.inference.nuts.run_nuts", interrupted)
    code, _, err = run(capsys, "fit", str(path), "--out", str(out_dir), "--force", "--no-progress")
    assert code == 130 and resumed == [False] and "Traceback" not in err
    assert "no block of draws was finished yet" in err and str(checkpoint) not in err
    assert _visible(out_dir) == []  # neither the old results nor the old checkpoint

    checkpoint.write_bytes(b"checkpoint of an interrupted run")
    for extra in ([], ["--force"]):
        code, out, err = run(capsys, "fit", str(path), "--out", str(out_dir), "--resume", *extra, "--no-progress")
        assert code == 130 and resumed[-1] is True and f"resuming from {checkpoint}" in out
        assert checkpoint.read_bytes() == b"checkpoint of an interrupted run"
        assert f"the draws so far are in {checkpoint}" in err


def _idata(shift=0.0):
    from inference_fakes import fake_idata

    return fake_idata(60, shift)


def test_results_appear_as_a_set(tmp_path, monkeypatch):
    """Audit: write_results renamed each file into place as soon as it was written, so a failure
    between two files left a partial set (config.yaml, summary.csv, corner.png without chains or
    posterior.nc). Now all go to a staging folder first: a failure leaves the old set, or none."""
    from inference_fakes import make_config

    from jaxbsm.inference import results

    config = make_config()
    out = tmp_path / "run"
    results.write_results(out, _idata(), config)
    old = {name: (out / name).read_bytes() for name in ("config.yaml", "summary.csv", "posterior.nc")}
    assert sorted(p.name for p in out.iterdir()) == sorted(results.FILES)

    def disk_full(idata, config, root, labels):  # the chains come after config.yaml, summary.csv and corner.png
        root.parent.mkdir(parents=True, exist_ok=True)
        root.with_name(root.name + "_1.txt").write_text("1 2 3\n4 5")  # half a chain
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(results, "write_getdist", disk_full)
    with pytest.raises(OSError, match="No space left"):
        results.write_results(out, _idata(shift=1.0), config, force=True)
    assert sorted(p.name for p in out.iterdir()) == sorted(results.FILES)  # the old set, whole; no staging folder
    assert {name: (out / name).read_bytes() for name in old} == old
    assert (out / "chains" / "gauss_1.txt").read_text() != "1 2 3\n4 5"

    fresh = tmp_path / "fresh"
    with pytest.raises(OSError, match="No space left"):
        results.write_results(fresh, _idata(), config)
    assert list(fresh.iterdir()) == []  # none of the set under its final name


KILLED_WRITER = """
import sys, time
from inference_fakes import make_config
from test_cli import _idata  # tests/inference is on PYTHONPATH
from jaxbsm.inference import results

def stuck(*args, **kwargs):  # the corner plot comes after config.yaml and summary.csv
    print("writing", flush=True)
    time.sleep(120)

results.corner_plot = stuck
results.write_results(sys.argv[1], _idata(), make_config(), force=True)
"""


def test_run_killed_while_writing_results_leaves_the_old_set(tmp_path):
    """A process SIGKILLed half-way through write_results leaves the set that was there before, and
    only a hidden staging folder, which the next write into the directory removes."""
    import os
    import signal
    import subprocess
    import sys

    from inference_fakes import make_config

    from jaxbsm.inference.results import FILES, write_results

    out = tmp_path / "run"
    write_results(out, _idata(), make_config())
    old = (out / "summary.csv").read_bytes()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests" / "inference")])}
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(out)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "writing", writer.stderr.read()
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.communicate()
    assert _visible(out) == sorted(FILES) and (out / "summary.csv").read_bytes() == old
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == [f".staging-{writer.pid}"]
    write_results(out, _idata(shift=1.0), make_config(), force=True)
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES) and (out / "summary.csv").read_bytes() != old


HOLDER = """
import sys, time
from jaxbsm.inference.results import output_lock
with output_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(120)
"""


def test_lock_held_by_another_process_refuses_fit_and_profile(capsys, tmp_path, fake_fits):
    """Audit: `jaxbsm profile` took no lock; a live process holding the output directory's lock now
    refuses both commands with one line naming it. Once it is killed, its lock goes with it."""
    import subprocess
    import sys

    from jaxbsm.inference.results import LOCK_FILE, output_lock

    path = _tiny_fit(tmp_path)
    out_dir = tmp_path / "busy"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(out_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked", holder.stderr.read()
        for argv in (["fit", str(path), "--no-progress"], ["profile", str(path), "--param", "x:-1:1:5"]):
            code, out, err = run(capsys, *argv, "--out", str(out_dir), "--force")
            assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err
            assert err.startswith(f"jaxbsm: error: output directory {out_dir} is in use by another jaxbsm run "
                                  f"(process {holder.pid}); wait for it, or choose another --out")
            assert [p.name for p in out_dir.iterdir()] == [LOCK_FILE]  # nothing written
    finally:
        holder.kill()
        holder.communicate()
    with output_lock(out_dir):  # SIGKILL left its lock file, but no lock on it
        pass
    code, out, err = run(capsys, "profile", str(path), "--param", "x:-1:1:5", "--out", str(out_dir), "--force")
    assert code == 0, err
    assert _visible(out_dir) == ["profile-x.csv", "profile-x.png"]


def test_output_lock_admits_one_of_many_racing_takers(tmp_path):
    """Audit: the stale-lock takeover read the pid, then unlinked the file: two takers could both see
    it stale, and the second removed the first's fresh lock. Now flock decides: of 8 threads that
    race for a directory with a stale lock file, only one ever holds it at a time."""
    import threading
    import time

    from jaxbsm.inference.results import LOCK_FILE, OutputExistsError, output_lock

    out = tmp_path / "out"
    out.mkdir()
    guard = threading.Lock()
    state = {"holding": 0, "most": 0, "won": 0, "refused": 0}

    def take(barrier):
        barrier.wait()
        try:
            with output_lock(out):
                with guard:
                    state["holding"] += 1
                    state["won"] += 1
                    state["most"] = max(state["most"], state["holding"])
                time.sleep(0.2)
                with guard:
                    state["holding"] -= 1
        except OutputExistsError:
            with guard:
                state["refused"] += 1

    for _ in range(3):
        (out / LOCK_FILE).write_text("999999999")  # left by a killed run
        barrier = threading.Barrier(8)
        threads = [threading.Thread(target=take, args=(barrier,)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert state["most"] == 1 and state["won"] >= 3 and state["won"] + state["refused"] == 24
    assert list(out.iterdir()) == []


def test_profile_grid_bounded_before_any_directory_or_likelihood(capsys, tmp_path, fake_fits, monkeypatch):
    """Audit: each --param N was bounded, but not their product (1e5 x 1e5 = 1e10 points)."""

    def no_likelihood(config):
        raise AssertionError("a likelihood was built")

    monkeypatch.setattr(cli, "load_likelihood", no_likelihood)
    path, out_dir = _tiny_fit(tmp_path), tmp_path / "prof"
    code, out, err = run(capsys, "profile", str(path), "--param", "x:-1:1:100000", "--param", "y:-1:1:100000", "--out", str(out_dir))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "jaxbsm: error: --param: the grid has 1e+10 points (100000 x 100000); allowed: at most 1e+08 points" in err
    assert not out_dir.exists()


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["compare", "flavour-c9-2017", "flavour-c9-2017", "--seed", "99999999999999999999"],
         "jaxbsm: error: --seed 99999999999999999999 is invalid; allowed: an integer in [0, 4294967295]"),
        (["profile", "flavour-wilson-current", "--param", "dC9_mu:-2:0:100000", "--param", "dC10_mu:-1:1:100000", "--out", "{tmp}/p"],
         "jaxbsm: error: --param: the grid has 1e+10 points (100000 x 100000); allowed: at most 1e+08 points"),
    ],
)
def test_console_script_bad_options_one_line_no_traceback(tmp_path, argv, needle):
    """The real command, in a subprocess (`python -m jaxbsm.inference.cli`, what the `jaxbsm`
    script runs): the --seed OverflowError traceback is one line and exit code 2."""
    import subprocess
    import sys

    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    done = subprocess.run([sys.executable, "-m", "jaxbsm.inference.cli", *argv], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == "", done.stderr
    assert done.stderr.startswith(needle) and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_getdist_chains_never_truncated_under_their_names(tmp_path, monkeypatch):
    """Audit: the GetDist writer wrote straight to the final names; a failure in the second chain
    left a complete first chain and a truncated second one. Now nothing until all are written."""
    from inference_fakes import make_config

    from jaxbsm.inference.getdist_chains import write_getdist

    savetxt, calls = np.savetxt, []

    def disk_full_in_chain_2(path, table, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            Path(path).write_text("1 2 3\n4 5")  # half a chain
            raise OSError(28, "No space left on device")
        savetxt(path, table, **kwargs)

    monkeypatch.setattr(np, "savetxt", disk_full_in_chain_2)
    with pytest.raises(OSError, match="No space left"):
        write_getdist(_idata(), make_config(), tmp_path / "chains" / "gauss")
    assert list((tmp_path / "chains").iterdir()) == []
    monkeypatch.setattr(np, "savetxt", savetxt)
    paths = write_getdist(_idata(), make_config(), tmp_path / "chains" / "gauss")
    assert sorted(p.name for p in (tmp_path / "chains").iterdir()) == sorted(p.name for p in paths) == [
        "gauss.paramnames", "gauss.ranges", "gauss_1.txt", "gauss_2.txt"]
