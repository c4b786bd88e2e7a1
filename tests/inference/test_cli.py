"""The jaxbsm command line: list, predict, bib and fit (on the fake Gaussian likelihood)."""

from __future__ import annotations

import functools

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

    # a live process holds the lock: refused, naming it
    holder = subprocess.Popen(["sleep", "30"])
    try:
        (out_dir / LOCK_FILE).write_text(str(holder.pid))
        code, _, err = run(capsys, "fit", str(path), "--out", str(out_dir), "--force", "--no-progress")
        assert code == 2 and f"in use by another jaxbsm run (process {holder.pid})" in err
    finally:
        holder.kill()
        holder.wait()
    # its process is gone: the stale lock is taken over
    with output_lock(out_dir):
        assert (out_dir / LOCK_FILE).read_text() == str(os.getpid())
    assert not (out_dir / LOCK_FILE).exists()

    # a forced rerun that dies while sampling leaves no result of the run before
    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("jaxbsm.inference.nuts.run_nuts", killed)
    assert run(capsys, "fit", str(path), "--out", str(out_dir), "--force", "--no-progress")[0] == 130
    assert not (out_dir / "posterior.nc").exists() and not (out_dir / "summary.csv").exists()
