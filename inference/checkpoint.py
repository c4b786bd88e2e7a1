"""The checkpoint file of a NUTS run: written atomically after every block, read back to resume.

Format (``np.savez``, read with ``allow_pickle=False``; nothing in it is executed):
``meta`` (a JSON string: format, config YAML, chain method, steps done per chain, the key path of
every state leaf), ``state/<i>`` (the sampler state's leaves in ``jax.tree_util`` order; the tree
structure is rebuilt from a freshly initialised sampler and checked against the stored paths,
shapes and dtypes), ``draws/<parameter>`` and ``extra/<field>`` (chain x draw arrays gathered so
far). The sampler that writes and resumes it is :func:`jaxbsm.inference.nuts.sample_nuts`.
"""

from __future__ import annotations

import difflib
import json
import os
import warnings
import zipfile
from pathlib import Path

import jax
import numpy as np

from jaxbsm.inference.config import FitConfig

CHECKPOINT_FORMAT = 1
CHECKPOINT_FILE = "checkpoint.npz"  # name of the checkpoint in a fit's output directory (``jaxbsm fit``)


def write_atomic(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez`` to a temporary file in the same directory, then ``os.replace`` onto ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def save_checkpoint(path: Path, config: FitConfig, chain_method: str, done: int, state, records) -> None:
    """Write the checkpoint of a run of ``config`` after ``done`` steps per chain to ``path``, atomically.

    ``state`` is the sampler state of every chain (a pytree of arrays), ``records`` the draws so far
    as ``{"draws": {parameter: a}, "extra": {field: a}}`` with a[chain, draw, ...].
    """
    leaves = jax.tree_util.tree_flatten_with_path(jax.device_get(state))[0]
    meta = {
        "format": CHECKPOINT_FORMAT,
        "config_yaml": config.to_yaml(),
        "chain_method": chain_method,
        "steps_done": done,
        "state_paths": [jax.tree_util.keystr(p) for p, _ in leaves],
    }
    arrays = {"meta": np.array(json.dumps(meta))}
    arrays.update({f"state/{i}": np.asarray(leaf) for i, (_, leaf) in enumerate(leaves)})
    for group in ("draws", "extra"):
        arrays.update({f"{group}/{k}": v for k, v in records[group].items()})
    write_atomic(path, arrays)


def load_checkpoint(path: Path, config: FitConfig, chain_method: str):
    """(meta, state leaves, records) of a checkpoint written for ``config``; ValueError otherwise.

    A checkpoint written with another chain method is accepted with a warning (the continuation is
    valid but not bit-identical to an uninterrupted run).
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(str(arrays.pop("meta")))
    except FileNotFoundError:
        raise ValueError(f"checkpoint {path} does not exist: nothing to resume") from None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as e:
        raise ValueError(f"checkpoint {path} is not a readable jaxbsm NUTS checkpoint: {e}") from None
    if meta.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"checkpoint {path} has format {meta.get('format')!r}; this version reads {CHECKPOINT_FORMAT}")
    if meta["config_yaml"] != config.to_yaml():
        diff = difflib.unified_diff(
            meta["config_yaml"].splitlines(), config.to_yaml().splitlines(), "checkpoint", "now", n=0, lineterm=""
        )
        changed = "; ".join(line for line in diff if line[:1] in "+-" and line[:3] not in ("---", "+++"))
        raise ValueError(
            f"checkpoint {path} was written for a different configuration ({changed}); "
            "resume with the same fit and options, or start a new run"
        )
    if meta["chain_method"] != chain_method:
        warnings.warn(
            f"checkpoint {path} was written with {meta['chain_method']} chains, resuming with {chain_method}: "
            "the draws are a valid continuation but not bit-identical to an uninterrupted run",
            stacklevel=3,
        )
    leaves = [arrays.pop(f"state/{i}") for i in range(len(meta["state_paths"]))]
    records = {
        group: {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith(f"{group}/")}
        for group in ("draws", "extra")
    }
    return meta, leaves, records


def restore_state(fresh, meta, leaves, path: Path):
    """The checkpointed state in the tree structure of ``fresh`` (a newly initialised state)."""
    flat, treedef = jax.tree_util.tree_flatten_with_path(fresh)
    layout = [(jax.tree_util.keystr(p), np.shape(x), np.dtype(x.dtype)) for p, x in flat]
    stored = [(p, np.shape(x), x.dtype) for p, x in zip(meta["state_paths"], leaves)]
    if layout != stored:
        raise ValueError(
            f"checkpoint {path}: the sampler state layout differs from this NumPyro/JAX setup's "
            "(other package versions or precision); it cannot be resumed here"
        )
    return jax.tree_util.tree_unflatten(treedef, leaves)
