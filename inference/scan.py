"""Batched, chunked, sharded evaluation of a likelihood at many parameter points (DESIGN.md §5).

``batched_map`` applies a pure per-point function to a leading batch axis in fixed-size chunks:
each chunk is placed on a one-axis device mesh (``jax.sharding.Mesh`` over all devices, axis
``"batch"``, ``NamedSharding(mesh, P("batch"))``), evaluated by ``jax.jit(jax.vmap(fn))`` with
those in/out shardings, and copied back to host memory as numpy. The chunk size bounds device
memory, so a scan of 10^8 points runs as a Python loop over chunks instead of one huge array; the
last chunk is padded to the common chunk shape (and the padding dropped), so one compilation
serves every chunk. ``evaluate_points`` (log L, per-term log L, predictions and solver status;
what ``jaxbsm.inference.nuts.run_nuts`` stores for its draws) and ``grid_scan`` (log L on an outer-product
grid) are built on it.

Several processes (hosts): call :func:`initialize_distributed` first in every process, then make
the same calls with the same points in every process (SPMD). The mesh then spans the global
``jax.devices()``; each process transfers only the rows of a chunk its own devices hold
(``jax.make_array_from_callback``), and the results are gathered so that every process gets the
full numpy output (``jax.experimental.multihost_utils.process_allgather``). With one process
both steps reduce to a plain transfer. Tested with two CPU processes on one machine (gloo
collectives: ``jax.config.update("jax_cpu_collectives_implementation", "gloo")`` before
initialising): both get the one-process values.

Reproducibility: a result depends on the points and on the per-device chunk shape only. XLA may
pick another kernel for another array size (XLA:CPU sums arrays of about 4096 elements or more
with YNNPACK, in another order than its own loop), so a sum over likelihood terms can differ in
the last bit between chunk sizes; elementwise outputs (per-term log L, predictions) do not.

CPU with several devices (``--xla_force_host_platform_device_count``, for testing the sharded
path): jaxlib's batched LAPACK kernels (LU, triangular solve) split a large batch over the CPU
thread pool that all these devices share and wait inside it; when every pool thread is such a
waiter the run deadlocks (seen with jaxlib 0.10.2, 4 devices on 2 cores, flavour-wilson-current
at 1024 and 16384 points per device). The split starts at 200000 FLOP per kernel call (n^3 per
n x n LU), i.e. at about 926 points per device for a 6x6 covariance: keep the chunks below that
there. One CPU device, and GPUs, are not affected.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence

import jax
import numpy as np
import pandas as pd
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from jaxbsm.inference.config import FitConfig, full_parameters

BATCH_AXIS = "batch"
DEFAULT_CHUNK_PER_DEVICE = 2**14  # points per device per chunk when chunk_size is not given


def initialize_distributed(**kwargs) -> None:
    """Join a multi-process JAX computation: ``jax.distributed.initialize(**kwargs)``, nothing more.

    Call it once per process, before any other JAX call. Without arguments JAX detects the
    cluster it runs in (Slurm, Open MPI, Kubernetes, Cloud TPU, mpi4py); otherwise pass
    ``coordinator_address="host:port"`` (or set ``JAX_COORDINATOR_ADDRESS``), ``num_processes``
    and ``process_id``; see the ``jax.distributed.initialize`` documentation for the rest.
    Afterwards ``jax.devices()`` lists the devices of all processes and :func:`batched_map`
    shards over all of them.
    """
    jax.distributed.initialize(**kwargs)


def batch_sharding(devices: Sequence[jax.Device]) -> NamedSharding:
    """Arrays split along axis 0 over a one-axis mesh (axis ``"batch"``) of ``devices``."""
    return NamedSharding(Mesh(np.array(devices), (BATCH_AXIS,)), P(BATCH_AXIS))


@functools.lru_cache(maxsize=8)
def sharded_vmap(fn: Callable, devices: tuple[jax.Device, ...]) -> Callable:
    """``jax.jit(jax.vmap(fn))`` with inputs and outputs sharded along axis 0 over ``devices``.

    Cached per (fn, devices), so repeated :func:`batched_map` calls with the same function reuse
    its compilations (jit compiles once per chunk shape).
    """
    sharding = batch_sharding(devices)
    return jax.jit(jax.vmap(fn), in_shardings=(sharding,), out_shardings=sharding)


def default_devices() -> tuple[jax.Device, ...]:
    """The devices a batch is sharded over by default: all devices of all processes, except on CPU.

    On CPU each process contributes only its first device. Several CPU devices in one process
    (``--xla_force_host_platform_device_count``, or ``numpyro.set_host_device_count`` for parallel
    chains) share one thread pool, so sharding over them gains nothing (1e5 flavour points: 2.8e5
    points/s on 4 forced devices, 3.7e5 on one, 2 cores) and risks the LAPACK deadlock described
    above. Pass ``devices=jax.devices()`` to shard over them anyway, as the tests do.
    """
    if jax.default_backend() != "cpu":
        return tuple(jax.devices())
    first: dict[int, jax.Device] = {}
    for device in jax.devices():
        first.setdefault(device.process_index, device)
    return tuple(first.values())


def batched_map(fn: Callable, points, *, chunk_size: int | None = None, devices: Sequence[jax.Device] | None = None):
    """Evaluate the per-point function ``fn`` at every row of ``points``; numpy results.

    ``points`` is a pytree of arrays sharing a leading axis of length N; ``fn`` maps one point
    (the same pytree without that axis) to a pytree of arrays. Returns that output pytree with a
    leading axis N, as numpy arrays. The points go through in chunks of ``chunk_size`` points
    (default ``DEFAULT_CHUNK_PER_DEVICE`` per device, and never more than N needs), rounded up to
    a multiple of the number of devices; the last chunk is padded by repeating its last point and
    the padding dropped, so every chunk has one shape and one compilation. Each chunk is sharded
    along the batch axis over ``devices`` (default: :func:`default_devices`, i.e. all devices of all
    processes, one per process on CPU). While one chunk runs, the previous one is copied back, so at most two chunks are
    held on the devices at a time.
    """
    leaves, treedef = jax.tree.flatten(points)
    leaves = [np.asarray(leaf) for leaf in leaves]
    if not leaves or any(leaf.ndim == 0 for leaf in leaves):
        raise ValueError("batched_map: points must be a non-empty pytree of arrays with a leading batch axis")
    n = leaves[0].shape[0]
    if n == 0:
        raise ValueError("batched_map: no points (the batch axis has length 0)")
    if any(leaf.shape[0] != n for leaf in leaves):
        raise ValueError(
            f"batched_map: all point arrays need the same leading (batch) length; got {[leaf.shape[0] for leaf in leaves]}"
        )
    devices = default_devices() if devices is None else tuple(devices)
    n_dev = len(devices)
    if chunk_size is None:
        chunk_size = min(DEFAULT_CHUNK_PER_DEVICE * n_dev, n)
    elif isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"batched_map: chunk_size = {chunk_size!r} is invalid; allowed: an integer >= 1")
    chunk_size = math.ceil(chunk_size / n_dev) * n_dev

    mapped = sharded_vmap(fn, devices)
    sharding = batch_sharding(devices)
    outputs: list[np.ndarray] = []

    def put(host: np.ndarray) -> jax.Array:
        return jax.make_array_from_callback(host.shape, sharding, lambda index: host[index])

    def collect(result, start: int, stop: int) -> None:
        values = [multihost_utils.process_allgather(v, tiled=True) for v in jax.tree.leaves(result)]
        if not outputs:  # allocated at the first chunk: shapes and dtypes as fn returns them
            outputs.extend(np.empty((n,) + v.shape[1:], v.dtype) for v in values)
        for out, value in zip(outputs, values):
            out[start:stop] = value[: stop - start]

    pending = None
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        pad = chunk_size - (stop - start)
        chunk = [np.concatenate([x[start:stop], np.repeat(x[stop - 1 : stop], pad, axis=0)]) for x in leaves]
        result = mapped(treedef.unflatten([put(c) for c in chunk]))  # dispatched asynchronously
        if pending is not None:
            collect(*pending)
        pending = (result, start, stop)
    collect(*pending)
    return jax.tree.unflatten(jax.tree.structure(pending[0]), outputs)


def _map_free(fn: Callable, free: Mapping[str, np.ndarray], chunk_size, devices):
    """``batched_map`` over every element of arrays of one common shape S; outputs shaped S + (...)."""
    if not free:
        raise ValueError("no free-parameter values given")
    shapes = {k: np.shape(v) for k, v in free.items()}
    shape = next(iter(shapes.values()))
    if any(s != shape for s in shapes.values()):
        raise ValueError(f"free-parameter arrays must share one shape; got {shapes}")
    flat = {k: np.reshape(np.asarray(v), (-1,)) for k, v in free.items()}
    out = batched_map(fn, flat, chunk_size=chunk_size, devices=devices)
    return jax.tree.map(lambda a: a.reshape(shape + a.shape[1:]), out)


def evaluate_points(
    likelihood, config: FitConfig, free: Mapping[str, np.ndarray], *, chunk_size: int | None = None, devices=None
):
    """Total log L, per-term log L, predictions and solver status at every point, batched as
    :func:`batched_map`, from one ``likelihood.evaluate`` per point.

    ``free`` maps free-parameter names to arrays of one common shape S (the other parameters take
    the configuration's fixed values); returns an ``Evaluation`` of numpy arrays ``(log_l[S],
    terms[S + (n_terms,)], {observable: array[S + ...]}, status[S])`` with every observable the
    model predicts, in the observables' units, and the ``jaxbsm.status`` code of each point;
    :func:`jaxbsm.inference.nuts.run_nuts` stores these for its draws.
    """
    return _map_free(lambda point: likelihood.evaluate(full_parameters(config, point)), free, chunk_size, devices)


def grid_points(config: FitConfig, axes: Mapping[str, np.ndarray], values: Mapping[str, float] | None = None):
    """The outer-product grid of ``axes`` as arrays of shape S = (len(axis) for each axis), 'ij' order.

    ``axes`` maps free parameters of ``config`` to 1-d arrays of values (parameter units);
    ``values`` gives a single value to each free parameter not on the grid (required: a free
    parameter has no fixed value). Every value must lie inside the parameter's prior box. Returns
    ``{name: array[S]}`` for every free parameter, in configuration order.
    """
    values = dict(values or {})
    fit = f"fit {config.name!r}"
    for name in (*axes, *values):
        if name in config.fixed:
            raise ValueError(
                f"{fit}: parameter {name!r} is fixed at {config.fixed[name]:g}, not free; "
                f"scannable (free) parameters: {', '.join(config.free)}"
            )
        if name not in config.parameters:
            raise ValueError(f"{fit}: unknown parameter {name!r}; free parameters: {', '.join(config.free)}")
    if not axes:
        raise ValueError(f"{fit}: no grid axis given; free parameters: {', '.join(config.free)}")
    both = sorted(set(axes) & set(values))
    if both:
        raise ValueError(f"{fit}: parameter(s) {', '.join(both)} given both a grid axis and a single value")
    missing = [k for k in config.free if k not in axes and k not in values]
    if missing:
        raise ValueError(
            f"{fit}: free parameter(s) {', '.join(missing)} are neither on the grid nor given a value; "
            "give each a grid axis or a value"
        )
    arrays = {}
    for name, axis in axes.items():
        axis = np.asarray(axis, dtype=np.float64)
        if axis.ndim != 1 or axis.size == 0:
            raise ValueError(f"{fit}: grid axis {name!r} must be a non-empty 1-d array; got shape {axis.shape}")
        arrays[name] = axis
    for name, value in values.items():
        arrays[name] = np.asarray([value], dtype=np.float64)
    for name, arr in arrays.items():
        spec = config.parameters[name]
        if not (np.all(np.isfinite(arr)) and spec.low <= arr.min() and arr.max() <= spec.high):
            given = f"{name} = {arr[0]:g}" if arr.size == 1 else f"{name} values in [{arr.min():g}, {arr.max():g}]"
            raise ValueError(
                f"{fit}: {given} outside the prior box [{spec.low:g}, {spec.high:g}] of {name}; "
                "allowed: finite values inside the box"
            )
    grids = np.meshgrid(*(arrays[k] for k in axes), indexing="ij")
    shape = grids[0].shape
    by_name = dict(zip(axes, grids)) | {k: np.full(shape, arrays[k][0]) for k in values}
    return {k: by_name[k] for k in config.free}


def grid_scan(
    likelihood,
    config: FitConfig,
    axes: Mapping[str, np.ndarray],
    values: Mapping[str, float] | None = None,
    *,
    chunk_size: int | None = None,
    devices=None,
) -> np.ndarray:
    """log L on the outer-product grid of ``axes`` (see :func:`grid_points`), shape (len(axis), ...).

    Element ``[i, j, ...]`` is log L at the i-th value of the first axis, the j-th of the second,
    and so on, the other free parameters at ``values`` and the rest at the configuration's fixed
    values. Only log L comes back to host memory (8 bytes per point).
    """
    free = grid_points(config, axes, values)
    return _map_free(
        lambda point: likelihood.log_likelihood(full_parameters(config, point)), free, chunk_size, devices
    )


def scan_table(
    free: Mapping[str, np.ndarray], log_l: np.ndarray, predictions: Mapping[str, np.ndarray], status: np.ndarray | None = None
) -> pd.DataFrame:
    """One row per point: the free parameters, chi2 = -2 log L, delta_chi2 to the smallest finite
    chi2 (NaN if none is finite), the solver status (``jaxbsm.status``; 0 where not given) and
    every prediction (an observable with a shape gets one column per element, ``name[i,j]``)."""
    columns = {k: np.ravel(v) for k, v in free.items()}
    chi2 = -2.0 * np.ravel(log_l)
    finite = chi2[np.isfinite(chi2)]
    columns["chi2"] = chi2
    columns["delta_chi2"] = chi2 - finite.min() if finite.size else np.full_like(chi2, np.nan)
    columns["status"] = np.zeros(chi2.size, np.int32) if status is None else np.ravel(status).astype(np.int32)
    n = chi2.size
    for name, value in predictions.items():
        value = np.reshape(value, (n, -1))
        element_shape = np.shape(predictions[name])[np.ndim(log_l) :]
        if not element_shape:
            columns[name] = value[:, 0]
            continue
        for i, index in enumerate(np.ndindex(element_shape)):
            columns[f"{name}[{','.join(map(str, index))}]"] = value[:, i]
    return pd.DataFrame(columns)
