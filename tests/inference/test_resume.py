"""Checkpointed NUTS: one compilation for all blocks, bit-identical resume, seed reproducibility and
run provenance, on the fake 2-d Gaussian likelihood (no physics data needed).

The reference for every "bit-identical" check is an uninterrupted run with the same configuration
and seed, compared with ``np.array_equal``.
"""

from __future__ import annotations

import collections
import functools
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import jax
import numpy as np
import pytest
import yaml
from inference_fakes import GaussLikelihood, gauss_config_dict, lookup, make_config

import jaxbsm.inference.nuts as nuts
from jaxbsm.inference.checkpoint import CHECKPOINT_FILE
from jaxbsm.inference.config import load_config
from jaxbsm.inference.nuts import run_nuts
from jaxbsm.inference.provenance import git_revision
from jaxbsm.inference.results import FILES

# 2 chains, 2 warm-up blocks + 3 draw blocks of 50 steps: checkpoints after 50, 100, ..., 250 steps
NUTS_SETTINGS = {"chains": 2, "warmup": 100, "samples": 150, "seed": 1, "block": 50}
ENDS = (50, 100, 150, 200, 250)
COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
REPO = Path(nuts.__file__).resolve().parents[1]


class CompileCounter:
    """Counts XLA compilations of the NUTS block function (``advance``) while active."""

    def __init__(self):
        self.counts = collections.Counter()

    def __call__(self, event, duration, **kwargs):
        if event == COMPILE_EVENT:
            self.counts[kwargs.get("fun_name", "")] += 1

    def __enter__(self):
        jax.monitoring.register_event_duration_secs_listener(self)
        return self

    def __exit__(self, *exc):
        jax.monitoring.unregister_event_duration_listener(self)

    @property
    def advance(self) -> int:
        return sum(n for name, n in self.counts.items() if "advance" in name)


def assert_same_run(a, b):
    """Draws, sample stats, log-likelihoods and predictions of two runs are bit-identical."""
    for group in ("posterior", "sample_stats", "log_likelihood", "posterior_predictive"):
        for name, var in a[group].data_vars.items():
            assert np.array_equal(var.values, b[group][name].values), (group, name)


@pytest.fixture(scope="module")
def config():
    return make_config(nuts=NUTS_SETTINGS)


@pytest.fixture(scope="module")
def first(config, tmp_path_factory):
    """A checkpointed run; a copy of the checkpoint is kept after every block (``ckpt-<steps>.npz``)."""
    out = tmp_path_factory.mktemp("first")
    path = out / CHECKPOINT_FILE
    save = nuts.save_checkpoint

    def save_and_copy(p, config, chain_method, done, state, records):
        save(p, config, chain_method, done, state, records)
        shutil.copy(p, out / f"ckpt-{done}.npz")

    with pytest.MonkeyPatch.context() as mp, CompileCounter() as compiles:
        mp.setattr(nuts, "save_checkpoint", save_and_copy)
        idata = run_nuts(GaussLikelihood(), config, progress=False, checkpoint=path)
    return idata, out, compiles


def test_every_block_is_checkpointed_and_compiled_once(first):
    idata, out, compiles = first
    assert compiles.advance == 1  # 5 blocks of 50 steps, one XLA compilation
    assert sorted(p.name for p in out.glob("ckpt-*.npz")) == sorted(f"ckpt-{n}.npz" for n in ENDS)
    assert not list(out.glob(".*tmp"))  # no temporary file left behind
    with np.load(out / "ckpt-100.npz", allow_pickle=False) as after_warmup:
        assert not any(k.startswith("draws/") for k in after_warmup.files)
    with np.load(out / "ckpt-150.npz", allow_pickle=False) as one_block:
        assert np.array_equal(one_block["draws/x"], idata.posterior["x"].values[:, :50])
        assert np.array_equal(one_block["extra/num_steps"], idata.sample_stats["n_steps"].values[:, :50])
    with np.load(out / CHECKPOINT_FILE, allow_pickle=False) as final:
        assert np.array_equal(final["draws/y"], idata.posterior["y"].values)


def test_resumed_run_is_bit_identical(first, config, tmp_path, monkeypatch):
    """Resume after warm-up plus one draw block: only the last two blocks are sampled, and the
    remaining 100 draws per chain come out unchanged."""
    idata, out, _ = first
    path = tmp_path / CHECKPOINT_FILE
    shutil.copy(out / "ckpt-150.npz", path)
    saved = []
    save = nuts.save_checkpoint
    monkeypatch.setattr(nuts, "save_checkpoint", lambda *args: (save(*args), saved.append(args[3])))
    resumed = run_nuts(GaussLikelihood(), config, progress=False, checkpoint=path, resume=True)
    assert saved == [200, 250]
    assert_same_run(resumed, idata)
    with np.load(path, allow_pickle=False) as final:
        assert np.array_equal(final["draws/x"], idata.posterior["x"].values)


def test_finished_checkpoint_is_only_reevaluated(first, config, tmp_path):
    idata, out, _ = first
    path = tmp_path / CHECKPOINT_FILE
    shutil.copy(out / "ckpt-250.npz", path)
    with CompileCounter() as compiles:
        again = run_nuts(GaussLikelihood(), config, progress=False, checkpoint=path, resume=True)
    assert compiles.advance == 0
    assert_same_run(again, idata)


@pytest.mark.parametrize(
    "nuts_change, needles",
    [
        ({"samples": 200}, ["-  samples: 150", "+  samples: 200"]),
        ({"seed": 2}, ["-  seed: 1", "+  seed: 2"]),
        ({"block": 25}, ["-  block: 50", "+  block: 25"]),
    ],
)
def test_resume_refuses_another_configuration(first, nuts_change, needles):
    other = make_config(nuts={**NUTS_SETTINGS, **nuts_change})
    path = first[1] / "ckpt-150.npz"
    with pytest.raises(ValueError, match="different configuration") as err:
        run_nuts(GaussLikelihood(), other, progress=False, checkpoint=path, resume=True)
    for needle in (str(path), *needles):
        assert needle in str(err.value)


def test_resume_without_a_usable_checkpoint_is_an_error(config, tmp_path):
    with pytest.raises(ValueError, match="resume=True needs the checkpoint path.*checkpoint=None"):
        run_nuts(GaussLikelihood(), config, resume=True)
    with pytest.raises(ValueError, match=f"{tmp_path / 'none.npz'} does not exist"):
        run_nuts(GaussLikelihood(), config, checkpoint=tmp_path / "none.npz", resume=True)
    (tmp_path / "bad.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="not a readable jaxbsm NUTS checkpoint"):
        run_nuts(GaussLikelihood(), config, checkpoint=tmp_path / "bad.npz", resume=True)


@pytest.fixture
def fake_cli(monkeypatch):
    """The CLI on the fake model and likelihood."""
    from jaxbsm.inference import cli

    monkeypatch.setattr(
        cli, "load_config", functools.partial(load_config, known_datasets=["fake-data"], model_lookup=lookup)
    )
    monkeypatch.setattr(cli, "load_likelihood", lambda config: GaussLikelihood())
    return cli


def test_cli_checkpoint_needs_resume_or_force_and_matching_options(first, fake_cli, tmp_path, capsys):
    """Both refusals come before any sampling: a leftover checkpoint, and one of another configuration."""
    fit = tmp_path / "fit.yaml"
    fit.write_text(yaml.safe_dump(gauss_config_dict(nuts=NUTS_SETTINGS)))
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(first[1] / "ckpt-150.npz", out / CHECKPOINT_FILE)  # written without an output dir
    argv = ["fit", str(fit), "--out", str(out), "--no-progress"]
    assert fake_cli.main(argv) == 2
    assert "--resume" in capsys.readouterr().err
    assert fake_cli.main([*argv, "--resume"]) == 2
    err = capsys.readouterr().err
    assert "different configuration" in err and f"+  dir: {out}" in err


def test_block_must_be_a_positive_integer():
    with pytest.raises(ValueError, match=r"'nuts.block' = 0 is invalid; allowed: an integer >= 1"):
        make_config(nuts={**NUTS_SETTINGS, "block": 0})


def test_provenance_attrs(first):
    """Git revision of this checkout (compared with git run here) and host platform in the attrs."""
    idata = first[0]
    src = REPO / "jaxbsm"
    head = subprocess.run(["git", "-C", str(src), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0:
        pytest.skip("the sources are not a git checkout here")
    porcelain = subprocess.run(["git", "-C", str(src), "status", "--porcelain"], capture_output=True, text=True)
    expected = head.stdout.strip() + ("-dirty" if porcelain.stdout.strip() else "")
    assert len(head.stdout.strip()) == 40 and idata.attrs["git_revision"] == expected
    assert idata.attrs["host"] == platform.platform()
    assert idata.attrs["version_python"] == platform.python_version()


def test_git_revision_is_unknown_outside_a_checkout(monkeypatch, tmp_path):
    import jaxbsm

    (tmp_path / "jaxbsm").mkdir()
    (tmp_path / "jaxbsm" / "__init__.py").write_text("")
    monkeypatch.setattr(jaxbsm, "__file__", str(tmp_path / "jaxbsm" / "__init__.py"))
    assert git_revision() == "unknown"


@pytest.mark.slow
def test_same_seed_twice_gives_identical_draws_equal_to_numpyro_mcmc(first, config):
    """A second run in the same process, without a checkpoint, repeats the first bit for bit; both
    equal the draws of NumPyro's own driver, ``numpyro.infer.MCMC.run``, with the same seed."""
    from numpyro.infer import MCMC, NUTS

    idata = first[0]
    assert_same_run(run_nuts(GaussLikelihood(), config, progress=False), idata)
    settings = config.nuts
    mcmc = MCMC(
        NUTS(nuts.numpyro_model(GaussLikelihood(), config), target_accept_prob=settings.target_accept),
        num_warmup=settings.warmup,
        num_samples=settings.samples,
        num_chains=settings.chains,
        chain_method="vectorized",
        progress_bar=False,
    )
    mcmc.run(jax.random.PRNGKey(settings.seed), extra_fields=("num_steps",))
    for name, draws in mcmc.get_samples(group_by_chain=True).items():
        assert np.array_equal(np.asarray(draws), idata.posterior[name].values), name
    steps = mcmc.get_extra_fields(group_by_chain=True)["num_steps"]
    assert np.array_equal(np.asarray(steps), idata.sample_stats["n_steps"].values)


PARALLEL = textwrap.dedent(
    """
    import shutil, sys
    import jax, numpy as np
    from numpyro.infer import MCMC, NUTS
    from inference_fakes import GaussLikelihood, make_config
    import jaxbsm.inference.nuts as nuts

    assert jax.local_device_count() == 2
    out = sys.argv[1]
    config = make_config(nuts={"chains": 2, "warmup": 100, "samples": 150, "seed": 1, "block": 50})
    save = nuts.save_checkpoint

    def save_and_copy(path, config, chain_method, done, state, records):
        save(path, config, chain_method, done, state, records)
        shutil.copy(path, f"{out}/ckpt-{done}.npz")

    nuts.save_checkpoint = save_and_copy
    whole = nuts.run_nuts(GaussLikelihood(), config, progress=False, checkpoint=f"{out}/whole.npz")
    assert whole.attrs["chain_method"] == "parallel"
    shutil.copy(f"{out}/ckpt-50.npz", f"{out}/resumed.npz")  # mid-warm-up: step size and mass matrix adapting
    resumed = nuts.run_nuts(GaussLikelihood(), config, progress=False, checkpoint=f"{out}/resumed.npz", resume=True)
    mcmc = MCMC(NUTS(nuts.numpyro_model(GaussLikelihood(), config)), num_warmup=100, num_samples=150,
                num_chains=2, chain_method="parallel", progress_bar=False)
    mcmc.run(jax.random.PRNGKey(1))
    for name in ("x", "y"):
        assert np.array_equal(resumed.posterior[name].values, whole.posterior[name].values), name
        assert np.array_equal(np.asarray(mcmc.get_samples(group_by_chain=True)[name]), whole.posterior[name].values)
    print("parallel resume bit-identical")
    """
)


@pytest.mark.slow
def test_parallel_chains_resume_bit_identically(tmp_path):
    """chain_method="parallel" (2 chains on 2 host devices), resumed in the middle of the warm-up:
    resumed = uninterrupted = ``numpyro.infer.MCMC.run``, bit for bit."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests" / "inference")]),
        "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
    }
    run = subprocess.run(
        [sys.executable, "-c", PARALLEL, str(tmp_path)], env=env, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0 and "parallel resume bit-identical" in run.stdout, run.stderr


# The CLI killed mid-run (SIGKILL) and resumed, in subprocesses: the acceptance test of resumable fits.
DRIVER = textwrap.dedent(
    """
    import functools, sys, time
    from inference_fakes import GaussLikelihood, lookup
    from jaxbsm.inference import cli, nuts
    from jaxbsm.inference.config import load_config

    cli.load_config = functools.partial(load_config, known_datasets=["fake-data"], model_lookup=lookup)
    cli.load_likelihood = lambda config: GaussLikelihood()
    save = nuts.save_checkpoint

    def slow_save(*args):  # leaves time to kill the run between two checkpoints; the draws are unaffected
        save(*args)
        time.sleep(float(sys.argv[1]))

    nuts.save_checkpoint = slow_save
    sys.exit(cli.main(sys.argv[2:]))
    """
)


@pytest.mark.slow
def test_cli_fit_killed_after_warmup_resumes_bit_identically(tmp_path):
    settings = {"chains": 2, "warmup": 200, "samples": 1000, "seed": 3, "block": 100}
    fit = tmp_path / "fit.yaml"
    fit.write_text(yaml.safe_dump(gauss_config_dict(nuts=settings, bestfit={"starts": 4, "steps": 200})))
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests" / "inference")])}

    def cli(delay, *argv):
        cmd = [sys.executable, str(driver), str(delay), "fit", str(fit), "--out", str(out), "--no-progress", *argv]
        return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def steps_done():
        try:
            with np.load(out / CHECKPOINT_FILE, allow_pickle=False) as data:
                return int(json.loads(str(data["meta"]))["steps_done"])
        except FileNotFoundError:
            return 0

    run = cli(0.5, "--resume")  # no checkpoint yet: a new run
    deadline = time.monotonic() + 300
    while steps_done() < 300 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    run.send_signal(signal.SIGKILL)
    run.communicate()
    killed_at = steps_done()
    assert run.returncode == -signal.SIGKILL and 300 <= killed_at < 1200  # after warm-up + 1 block, unfinished
    assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == [CHECKPOINT_FILE]

    refused = cli(0)
    _, err = refused.communicate()
    assert refused.returncode == 2 and "--resume" in err and str(out) in err

    resumed = cli(0, "--resume")
    stdout, err = resumed.communicate()
    assert resumed.returncode == 0, err
    assert f"resuming from {out / CHECKPOINT_FILE}" in stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)  # the checkpoint is gone

    import arviz as az

    config = make_config(nuts=settings, output={"dir": str(out)})
    uninterrupted = run_nuts(GaussLikelihood(), config, progress=False)
    assert_same_run(az.from_netcdf(out / "posterior.nc"), uninterrupted)
