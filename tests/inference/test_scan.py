"""Batched, chunked and sharded evaluation (jaxbsm.inference.scan) and the ``jaxbsm scan`` command.

References: the fake likelihood's log L is the Gaussian -1/2 sum_k ((p_k - MU_k) / SIGMA_k)^2
(inference_fakes), recomputed here in numpy; batched results are compared bit for bit with plain
``jax.jit(jax.vmap(...))`` and with a loop of direct log-likelihood calls.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
import yaml
from inference_fakes import MU, SIGMA, GaussLikelihood, gauss_config_dict, lookup

from jaxbsm.inference import cli
from jaxbsm.inference.config import full_parameters, load_config
from jaxbsm.inference.scan import batched_map, evaluate_points, grid_points, grid_scan, sharded_vmap

ROOT = Path(__file__).resolve().parents[2]


def gauss_log_l(x, y):
    """log L of GaussLikelihood (no cut) in numpy: -1/2 ((x - MU_x)/SIGMA_x)^2 - 1/2 ((y - MU_y)/SIGMA_y)^2."""
    return -0.5 * ((x - MU["x"]) / SIGMA["x"]) ** 2 - 0.5 * ((y - MU["y"]) / SIGMA["y"]) ** 2


@pytest.fixture(scope="module")
def gauss():
    return GaussLikelihood()


def plain_batch(likelihood, config, free):
    """The unsharded, unchunked reference: one jit(vmap) over all points, reshaped to S."""

    @jax.jit
    @jax.vmap
    def one(point):
        return likelihood.evaluate(full_parameters(config, point))

    shape = np.shape(next(iter(free.values())))
    total, terms, preds, _ = one({k: jnp.reshape(jnp.asarray(v), (-1,)) for k, v in free.items()})
    unflat = lambda a: np.asarray(a).reshape(shape + np.shape(a)[1:])
    return unflat(total), unflat(terms), {k: unflat(v) for k, v in preds.items()}


def test_chunked_equals_unchunked_and_padding_is_dropped(gauss, gauss_config):
    """1001 points in chunks of 256 (the last one padded with 23 copies) against one plain
    jit(vmap) batch: identical bits, the input shape S kept.
    Both batches are below the size (~4096 summed elements) at which XLA:CPU sums with YNNPACK
    in another order (see the 4-device test)."""
    rng = np.random.default_rng(3)
    free = {"x": rng.uniform(-3, 3, (7, 143)), "y": rng.uniform(-5, 5, (7, 143))}
    chunked = evaluate_points(gauss, gauss_config, free, chunk_size=256)
    whole = plain_batch(gauss, gauss_config, free)
    log_l, pointwise, predictions, status = chunked
    assert status.shape == (7, 143) and not status.any()
    assert log_l.shape == (7, 143) and pointwise.shape == (7, 143, 2)
    assert np.array_equal(log_l, whole[0]) and np.array_equal(pointwise, whole[1])
    assert predictions.keys() == whole[2].keys() == {"X_obs", "Y_obs", "X+Y"}
    for name, value in predictions.items():
        assert value.shape == (7, 143) and np.array_equal(value, whole[2][name]), name
    # every row carries its own point (no padding or reordering leaked in): exact predictions
    assert np.array_equal(predictions["X_obs"], free["x"]) and np.array_equal(predictions["Y_obs"], 2 * free["y"])
    # float64: the same five roundings as the numpy expression, up to XLA's evaluation order
    np.testing.assert_allclose(log_l, gauss_log_l(free["x"], free["y"]), rtol=1e-14, atol=0)
    np.testing.assert_allclose(pointwise.sum(-1), log_l, rtol=1e-15, atol=0)


def test_one_compilation_for_all_chunks_and_calls():
    traces = []

    def fn(point):
        traces.append(1)  # runs once per trace, i.e. once per compilation
        return {"twice": 2.0 * point["a"], "reversed": point["b"][::-1]}

    a = np.arange(1001.0)
    b = np.stack([a, -a, a**2], axis=1)
    out = batched_map(fn, {"a": a, "b": b}, chunk_size=100)  # 11 chunks, the last 1 point + 99 padding
    assert len(traces) == 1
    assert out["twice"].shape == (1001,) and np.array_equal(out["twice"], 2.0 * a)
    assert np.array_equal(out["reversed"], b[:, ::-1])
    out = batched_map(fn, {"a": a + 0.5, "b": b}, chunk_size=100)  # new values, same shapes: cached
    assert len(traces) == 1 and np.array_equal(out["twice"], 2.0 * a + 1.0)
    assert sharded_vmap(fn, tuple(jax.devices()))._cache_size() == 1


@pytest.mark.parametrize(
    "points, chunk_size, needle",
    [
        ({"a": np.zeros(3), "b": np.zeros(4)}, None, "same leading (batch) length; got [3, 4]"),
        ({"a": np.zeros(0)}, None, "no points"),
        ({"a": np.float64(1.0)}, None, "leading batch axis"),
        ({"a": np.zeros(3)}, 0, "chunk_size = 0"),
    ],
)
def test_batched_map_bad_input(points, chunk_size, needle):
    with pytest.raises(ValueError) as e:
        batched_map(lambda p: p, points, chunk_size=chunk_size)
    assert needle in str(e.value)


def direct_log_l(likelihood, config, **point):
    return float(likelihood.log_likelihood(full_parameters(config, {k: jnp.asarray(v) for k, v in point.items()})))


def test_grid_scan_against_direct_calls(gauss, gauss_config):
    """Element [i, j] is log L at (xs[i], ys[j]). Compiled and eager (op by op) evaluation differ
    by an ulp or so: XLA rewrites y / 0.8 as y * 1.25 and sum(-0.5 t) as -0.5 sum(t) (its
    optimised HLO), hence rtol 1e-14; neighbouring grid values differ by > 0.1."""
    xs, ys = np.linspace(-3, 3, 5), np.array([-1.0, 0.5, 2.0])
    grid = grid_scan(gauss, gauss_config, {"x": xs, "y": ys}, chunk_size=4)  # 15 points: 4 chunks, 1 padded
    loop = np.array([[direct_log_l(gauss, gauss_config, x=x, y=y) for y in ys] for x in xs])
    assert grid.shape == (5, 3)
    np.testing.assert_allclose(grid, loop, rtol=1e-14, atol=0)
    np.testing.assert_allclose(grid, gauss_log_l(xs[:, None], ys[None, :]), rtol=1e-14, atol=0)
    # axis order follows the dict; a free parameter off the grid takes its given value
    transposed = grid_scan(gauss, gauss_config, {"y": ys, "x": xs}, chunk_size=4)
    assert transposed.shape == (3, 5) and np.array_equal(transposed, grid.T)
    line = grid_scan(gauss, gauss_config, {"y": ys}, {"x": 0.3})
    assert line.shape == (3,)
    np.testing.assert_allclose(line, [direct_log_l(gauss, gauss_config, x=0.3, y=y) for y in ys], rtol=1e-14, atol=0)


@pytest.mark.parametrize(
    "axes, values, needles",
    [
        ({"q": [0.0]}, None, ["unknown parameter 'q'", "free parameters: x, y"]),
        ({"z": [1.0]}, {"x": 0.0, "y": 0.0}, ["'z' is fixed at 2", "x, y"]),
        ({"x": [0.0]}, None, ["y", "neither on the grid nor given a value"]),
        ({}, {"x": 0.0, "y": 0.0}, ["no grid axis"]),
        ({"x": [0.0], "y": [0.0]}, {"x": 1.0}, ["x", "both a grid axis and a single value"]),
        ({"x": [-4.0, 0.0]}, {"y": 0.0}, ["x values in [-4, 0]", "prior box [-3, 3]"]),
        ({"x": [0.0]}, {"y": 7.0}, ["y = 7", "prior box [-5, 5]"]),
        ({"x": [0.0, np.nan]}, {"y": 0.0}, ["x values", "finite"]),
        ({"x": []}, {"y": 0.0}, ["'x' must be a non-empty 1-d array"]),
        ({"x": [[0.0, 1.0]]}, {"y": 0.0}, ["'x' must be a non-empty 1-d array; got shape (1, 2)"]),
    ],
)
def test_grid_points_bad_input(gauss_config, axes, values, needles):
    with pytest.raises(ValueError) as e:
        grid_points(gauss_config, axes, values)
    for needle in needles:
        assert needle in str(e.value)


@pytest.fixture
def fake_scan(monkeypatch, tmp_path):
    """The CLI on the fake model/likelihood (x > 1 forbidden: log L = -inf); returns the fit YAML path."""
    monkeypatch.setattr(
        cli, "load_config", functools.partial(load_config, known_datasets=["fake-data"], model_lookup=lookup)
    )
    monkeypatch.setattr(cli, "load_likelihood", lambda config: GaussLikelihood(cut=1.0))
    path = tmp_path / "gauss.yaml"
    path.write_text(yaml.safe_dump(gauss_config_dict()))
    return path


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_scan_writes_csv_and_refuses_overwrite(capsys, tmp_path, fake_scan):
    csv = tmp_path / "scan.csv"
    argv = ["scan", fake_scan, "--param", "x:-1:2:4", "--param", "y:-2:0:3", "--out", csv]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    table = pd.read_csv(csv)
    assert list(table.columns) == ["x", "y", "chi2", "delta_chi2", "status", "X+Y", "X_obs", "Y_obs"]  # observables sorted
    x, y = np.meshgrid(np.linspace(-1, 2, 4), np.linspace(-2, 0, 3), indexing="ij")
    assert np.array_equal(table["x"], x.ravel()) and np.array_equal(table["y"], y.ravel())
    chi2 = np.where(x > 1.0, np.inf, -2.0 * gauss_log_l(x, y)).ravel()  # the cut: x = 2 is forbidden
    np.testing.assert_allclose(table["chi2"], chi2, rtol=1e-14, atol=0)
    np.testing.assert_allclose(table["delta_chi2"], chi2 - chi2.min(), rtol=1e-13, atol=1e-14)
    assert np.array_equal(table["X_obs"], x.ravel()) and np.array_equal(table["Y_obs"], 2 * y.ravel())
    best = np.argmin(chi2)
    assert f"chi2 = {chi2[best]:.4f} at x = {x.ravel()[best]:g}, y = {y.ravel()[best]:g}" in out
    assert "3 points with non-finite log L" in out

    code, out, err = run(capsys, *argv)
    assert code == 2 and "exists" in err and "--force" in err
    assert run(capsys, *argv, "--force")[0] == 0
    assert not [p.name for p in tmp_path.iterdir() if ".tmp" in p.name]  # written under a temporary name, then renamed


def test_cli_scan_writes_netcdf_by_default(capsys, tmp_path, fake_scan, monkeypatch):
    """Issue 19: a columnar format for millions of points (netCDF through xarray) is the default,
    results/<fit>-scan.nc; CSV on request (--out FILE.csv, above)."""
    import xarray as xr

    monkeypatch.chdir(tmp_path)
    assert run(capsys, "scan", fake_scan, "--param", "x:-1:0:4", "--param", "y:-2:0:3")[0] == 0
    nc = tmp_path / "results" / "gauss-scan.nc"
    table = xr.open_dataset(nc, engine="h5netcdf").to_dataframe()
    assert list(table.columns) == ["x", "y", "chi2", "delta_chi2", "status", "X+Y", "X_obs", "Y_obs"] and len(table) == 12


@pytest.mark.parametrize("suffix", [".csv", ".nc"])
def test_cli_scan_table_never_truncated_under_its_name(capsys, tmp_path, fake_scan, monkeypatch, suffix):
    """Audit: a table write that dies half-way must leave no file under the final name (it goes to a
    temporary name beside it, then os.replace), and no temporary file either."""
    import xarray as xr

    def disk_full(self, path, *args, **kwargs):
        with open(path, "w") as f:
            f.write("x,y,chi2\n0.0,")  # half a table
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full)
    monkeypatch.setattr(xr.Dataset, "to_netcdf", disk_full)
    table = tmp_path / "out" / f"scan{suffix}"
    code, out, err = run(capsys, "scan", fake_scan, "--param", "x:-1:0:4", "--param", "y:-2:0:3", "--out", table)
    assert code == 2 and err == "jaxbsm: error: [Errno 28] No space left on device\n"
    assert list(table.parent.iterdir()) == []


@pytest.mark.parametrize(
    "args, needles",
    [
        (["--param", "x:0:1:1", "--set", "y=0"], ["x:0:1:1", "N = 1", "2 <= N <= 1e+08"]),
        # issue 19: both were a MemoryError traceback after minutes (np.linspace, then the table)
        (["--param", "x:0:1:1000000000000", "--set", "y=0"], ["N = 1000000000000", "N <= 1e+08"]),
        (["--param", "x:0:1:100000", "--param", "y:0:1:100000"], ["1e+10 points (100000 x 100000)", "at most 1e+08", "grid_scan"]),
        (["--param", "x:1:0:5", "--set", "y=0"], ["LOW = 1", "LOW < HIGH = 0"]),
        (["--param", "x:1:1:5", "--set", "y=0"], ["LOW = 1", "LOW < HIGH = 1"]),
        (["--param", "x:0:1", "--set", "y=0"], ["NAME:LOW:HIGH:N"]),
        # issue 19: was "x values in [nan, nan]"
        (["--param", "x:-inf:inf:3", "--set", "y=0"], ["LOW = -inf is invalid", "finite number"]),
        (["--param", "x:0:1:2.5", "--set", "y=0"], ["integer N"]),
        (["--param", "q:0:1:3", "--set", "y=0"], ["unknown parameter 'q'", "x, y"]),
        (["--param", "x:-4:1:3", "--set", "y=0"], ["x values in [-4, 1]", "prior box [-3, 3]"]),
        (["--param", "x:0:1:3"], ["y", "neither on the grid nor given a value"]),
        (["--param", "x:0:1:3", "--param", "x:0:1:3", "--set", "y=0"], ["--param x: given twice"]),
        (["--param", "x:0:1:3", "--set", "y=0", "--set", "z=1"], ["'z' is fixed at 2"]),
    ],
)
def test_cli_scan_bad_input(capsys, tmp_path, fake_scan, args, needles):
    csv = tmp_path / "bad.csv"
    code, out, err = run(capsys, "scan", fake_scan, *args, "--out", csv)
    assert code == 2 and out == "" and not csv.exists()
    assert err.startswith("jaxbsm: error: ") and err.count("\n") == 1
    for needle in needles:
        assert needle in err


# Run with 4 forced CPU devices (the flag must be set before JAX starts, hence a subprocess), after
# joining a one-process jax.distributed run through initialize_distributed. XLA:CPU sums a
# reduction of about 4096 elements or more with YNNPACK, in another order than its own loop
# (log L of 1001 points x 6 terms in one batch, but not 251-point shards): up to 4.5e-13 apart
# in log L ~ -100. --xla_cpu_experimental_ynn_fusion_type=-reduce keeps one kernel for all batch
# sizes, so that the comparison tests the sharding, not XLA's choice of reduction kernel.
# Shards stay below ~926 points: above, jaxlib's batched LU (6x6 covariance, 216 FLOP each)
# splits over the CPU pool the 4 devices share and can deadlock (see jaxbsm.inference.scan).
DRIVER = r"""
import json, socket, sys
from jaxbsm.inference import scan

with socket.socket() as s:  # a free local port for the one-process coordinator
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
scan.initialize_distributed(coordinator_address=f"127.0.0.1:{port}", num_processes=1, process_id=0)

import jax
import numpy as np
import jaxbsm  # noqa: F401  (float64)
from jaxbsm.inference.config import full_parameters, load_config, load_likelihood

config = load_config("flavour-wilson-current")
likelihood = load_likelihood(config)
shards = []  # per chunk: (devices of the output sharding, rows of each addressable shard, rows of the chunk)
cached = scan.sharded_vmap

def spy(fn, devices):  # batched_map's own jitted function, its outputs recorded
    mapped = cached(fn, devices)
    def call(chunk):
        out = mapped(chunk)
        leaf = jax.tree.leaves(out)[0]
        shards.append([len(leaf.sharding.device_set), [s.data.shape[0] for s in leaf.addressable_shards], leaf.shape[0]])
        return out
    return call

scan.sharded_vmap = spy

def one(point):
    return likelihood.evaluate(full_parameters(config, point))

plain = jax.jit(jax.vmap(one))
n = 1001  # not a multiple of 4
free = {k: np.random.default_rng(7).uniform(spec.low, spec.high, n) for k, spec in config.parameters.items()}
single = plain(jax.device_put(free, jax.devices()[0]))
single_devices = sorted({str(d) for leaf in jax.tree.leaves(single) for d in leaf.sharding.device_set})
single = jax.tree.map(np.asarray, single)
report = {"local_device_count": jax.local_device_count(), "process_count": jax.process_count(),
          "unsharded_devices": single_devices, "cases": []}
for chunk_size in (None, 256):
    shards.clear()
    sharded = scan.evaluate_points(likelihood, config, free, chunk_size=chunk_size, devices=jax.devices())
    report["cases"].append({
        "shapes": [list(sharded[0].shape), list(sharded[1].shape)],
        "equal": {"log_l": bool(np.array_equal(sharded[0], single[0])),
                  "pointwise": bool(np.array_equal(sharded[1], single[1])),
                  **{k: bool(np.array_equal(v, single[2][k])) for k, v in sharded[2].items()}},
        "n_predictions": [len(sharded[2]), len(single[2])],
        "chunk_shards": list(shards),
    })
json.dump(report, sys.stdout)
"""


def test_sharded_equals_unsharded_on_4_cpu_devices():
    env = {
        **os.environ,
        "XLA_FLAGS": "--xla_force_host_platform_device_count=4 --xla_cpu_experimental_ynn_fusion_type=-reduce",
        "JAX_PLATFORMS": "cpu",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["local_device_count"] == 4 and report["process_count"] == 1
    assert len(report["unsharded_devices"]) == 1  # the plain jit(vmap) reference ran on one device
    whole, chunked = report["cases"]
    assert whole["chunk_shards"] == [[4, [251] * 4, 1004]]  # one chunk, padded by 3 to a multiple of 4
    assert chunked["chunk_shards"] == [[4, [64] * 4, 256]] * 4  # four chunks, the last padded by 23
    for case in (whole, chunked):
        assert case["shapes"] == [[1001], [1001, 6]]  # 6 likelihood terms in flavour-current
        assert case["n_predictions"][0] == case["n_predictions"][1] > 0
        assert all(case["equal"].values()), case["equal"]


def test_default_devices_on_cpu_is_one_per_process():
    """On CPU the default is the first device of each process (forced host devices share one pool)."""
    from jaxbsm.inference.scan import default_devices

    if jax.default_backend() == "cpu":
        assert default_devices() == (jax.devices()[0],)
    else:
        assert default_devices() == tuple(jax.devices())


# One process of a 2-process jax.distributed run on localhost (CPU collectives: gloo); prints the
# scan of the fake Gaussian likelihood as JSON.
DISTRIBUTED_DRIVER = """
import json, sys
import jax
jax.config.update("jax_cpu_collectives_implementation", "gloo")
from jaxbsm.inference.scan import evaluate_points, initialize_distributed
initialize_distributed(coordinator_address=sys.argv[1], num_processes=2, process_id=int(sys.argv[2]))
import numpy as np
from inference_fakes import GaussLikelihood, make_config
free = {"x": np.linspace(-3, 3, 1001), "y": np.linspace(5, -5, 1001)}
log_l, terms, predictions, _ = evaluate_points(GaussLikelihood(), make_config(), free, chunk_size=256)
print(json.dumps({"devices": len(jax.devices()), "local": jax.local_device_count(), "processes": jax.process_count(),
                  "log_l": log_l.tolist(), "terms": terms.tolist(), "X+Y": predictions["X+Y"].tolist()}))
"""


def test_two_process_distributed_scan_equals_one_process(gauss, gauss_config, tmp_path):
    """The multi-host path: two processes joined by jax.distributed (one CPU device each) shard
    every chunk over both, feed their own rows and gather the whole result; each gets exactly the
    one-process per-term values and predictions. The total log L may differ in the last bit:
    compiled for the 2-process mesh, XLA fuses the sum with the terms differently (measured:
    1 ulp, 7e-15 at |log L| ~ 50, at scattered points; the same with YNNPACK reductions off, and a
    one-process subprocess reproduces this process bit for bit)."""
    import socket

    with socket.socket() as s:  # a free port for the coordinator
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "JAX_PLATFORMS": "cpu",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests" / "inference"), os.environ.get("PYTHONPATH", "")]),
    }
    argv = [sys.executable, "-c", DISTRIBUTED_DRIVER, f"localhost:{port}"]
    # output to files, not pipes: a process blocked on a full pipe would stall the other in a collective
    logs = [(tmp_path / f"out{i}", tmp_path / f"err{i}") for i in range(2)]
    procs = []
    for i, (out, err) in enumerate(logs):
        with open(out, "w") as fo, open(err, "w") as fe:
            procs.append(subprocess.Popen([*argv, str(i)], cwd=ROOT, env=env, stdout=fo, stderr=fe))
    for p, (_, err) in zip(procs, logs):
        assert p.wait(timeout=300) == 0, err.read_text()[-3000:]
    outputs = [(out.read_text(), None) for out, _ in logs]
    free = {"x": np.linspace(-3, 3, 1001), "y": np.linspace(5, -5, 1001)}
    log_l, terms, predictions, _ = evaluate_points(gauss, gauss_config, free, chunk_size=256)
    for out, _ in outputs:
        report = json.loads(out.strip().splitlines()[-1])
        assert (report["devices"], report["local"], report["processes"]) == (2, 1, 2)
        assert np.array_equal(report["terms"], terms)
        np.testing.assert_allclose(report["log_l"], log_l, rtol=2**-52, atol=0)
        assert np.array_equal(report["X+Y"], predictions["X+Y"])
