#!/usr/bin/env python
"""Compute the scalar-decay model's tables over its 4-d fit box (jaxbsm.cosmology.scalar_decay_tables).

Not imported by jaxbsm. It computes the tables slab by slab, one slab per m_S node, and saves each
as a file in the work folder, so an interrupted run resumes where it stopped and several processes
can share the nodes (``--part K/N`` takes every N-th slab from K):

- ``omega-<i>.npz``: ln(Ω_N h²/m_N) and ln ⟨q⟩ on the (λ, y) grid by the freeze-in solve, at the
  m_S nodes ``GRID.m_S_nodes()`` (dense around the thresholds; about 5 s each, 20 minutes in all);
- ``hm-<i>.npz``: ln λ_hm on the coarser (λ, y) grid at every m_N node by the whole chain, at the
  m_S nodes ``GRID.m_S_nodes_hm()`` (about 7 minutes each).

Both node sets are two patches around the h → SS threshold. ``--assemble`` checks that every slab
is there and writes ``jaxbsm/cosmology/data/scalar_decay_tables.npz`` with the commit that made it.

Usage (from the repository root; about 1.5 hours on 2 CPU cores with two parts)::

    python scripts/make_scalar_decay_tables.py --work /tmp/sd-tables --part 0/2 &
    python scripts/make_scalar_decay_tables.py --work /tmp/sd-tables --part 1/2
    python scripts/make_scalar_decay_tables.py --work /tmp/sd-tables --repair    # failed points, if any
    python scripts/make_scalar_decay_tables.py --work /tmp/sd-tables --assemble

After a refinement of the λ_hm grid, ``--seed-from OLD.npz`` first writes every λ_hm slab with the
nodes it shares with an older table (same m_S, λ, y and m_N to 1e-9 in their coordinates) and marks
the others NOT_COMPUTED; ``--repair --part K/N`` then computes only those. Where the Ω and ⟨q⟩ grid
is the older table's, their slabs are taken from it too.
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from jaxbsm.cosmology import scalar_decay_tables as sdt
from jaxbsm.status import SolverError, Status

OUT = Path(__file__).resolve().parents[1] / "jaxbsm" / "cosmology" / sdt.TABLE_FILE


def git_revision() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=OUT.parent)
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def omega_slab(i: int, work: Path) -> None:
    """Compute and save the Ω and ⟨q⟩ slab of m_S node i (skipped if already saved)."""
    path = work / f"omega-{i}.npz"
    if path.exists():
        return
    g = sdt.GRID
    m_S = float(g.m_S_nodes()[i])
    t0 = time.time()
    ln_f, ln_q = sdt.omega_slab(m_S, g.ln_lam, g.ln_y)
    print(f"m_S = {m_S:g} GeV: Omega and <q> slab in {time.time() - t0:.1f} s", flush=True)
    _save(path, ln_omega_per_keV=ln_f, ln_mean_q=ln_q, seconds=time.time() - t0)


def hm_slab(i: int, work: Path) -> None:
    """Compute and save the λ_hm slab of m_S node i of the λ_hm table (skipped if already saved)."""
    path = work / f"hm-{i}.npz"
    if path.exists():
        return
    g = sdt.GRID
    m_S = float(g.m_S_nodes_hm()[i])
    t0 = time.time()
    shape = (g.ln_lam_hm.size, g.ln_y_hm.size, g.ln_m_N.size)
    ln_hm, status = np.empty(shape), np.empty(shape, np.int32)
    for a, b in np.ndindex(shape[:2]):
        ln_hm[a, b], status[a, b] = _point(m_S, g.ln_lam_hm[a], g.ln_y_hm[b], t0)
    _save(path, ln_lambda_hm=ln_hm, lambda_hm_status=status, seconds=time.time() - t0)


def _point(m_S: float, ln_lam: float, ln_y: float, t0: float):
    """ln λ_hm and status at the m_N nodes; a failed solve is recorded (status, NaN) and reported,
    not fatal: ``--repair`` recomputes such points once the solver is fixed."""
    lam, y = float(np.exp(ln_lam)), float(np.exp(ln_y))
    try:
        ln_hm, status = sdt.lambda_hm_point(m_S, lam, y, np.exp(sdt.GRID.ln_m_N))
    except SolverError as e:
        print(f"FAILED m_S = {m_S:g}, lam = {lam:.3g}, y = {y:.3g}: {e}", flush=True)
        return np.nan, Status.MAX_STEPS
    print(f"m_S = {m_S:g}, lam = {lam:.3g}, y = {y:.3g}: lambda_hm = {np.exp(ln_hm).round(5)} ({time.time() - t0:.0f} s)", flush=True)
    return ln_hm, status


def _save(path: Path, **arrays) -> None:
    tmp = path.with_name(f".{path.stem}.tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(path)


NOT_COMPUTED = -1  # status of a λ_hm node that --seed-from could not take from the older table


def seed_from(work: Path, old_table: Path) -> None:
    """Write each missing λ_hm slab with the nodes it shares with ``old_table`` (an earlier
    scalar_decay_tables.npz); its other nodes get status NOT_COMPUTED for ``--repair``."""
    g = sdt.GRID
    with np.load(old_table, allow_pickle=False) as z:
        old = {k: z[k] for k in ("x_below_hm", "x_above_hm", "ln_lam_hm", "ln_y_hm", "ln_m_N", "ln_lambda_hm", "lambda_hm_status")}
    if not np.allclose(old["ln_m_N"], g.ln_m_N, rtol=0, atol=1e-9):
        raise SystemExit(f"{old_table}: its m_N nodes differ from GRID.ln_m_N; nothing to reuse")
    old_x = np.concatenate([old["x_below_hm"], old["x_above_hm"]])
    old_below = np.arange(old_x.size) < old["x_below_hm"].size
    new_x = np.concatenate([g.x_below_hm, g.x_above_hm])
    new_below = np.arange(new_x.size) < g.x_below_hm.size

    def match(new, olds):
        """Index in ``olds`` of each entry of ``new`` (-1 where none is within 1e-9)."""
        d = np.abs(np.asarray(new)[:, None] - np.asarray(olds)[None, :])
        return np.where(d.min(axis=1) < 1e-9, d.argmin(axis=1), -1)

    a_of, b_of = match(g.ln_lam_hm, old["ln_lam_hm"]), match(g.ln_y_hm, old["ln_y_hm"])
    reused = 0
    for i in range(new_x.size):
        path = work / f"hm-{i}.npz"
        if path.exists():
            continue
        shape = (g.ln_lam_hm.size, g.ln_y_hm.size, g.ln_m_N.size)
        ln_hm, status = np.full(shape, np.nan), np.full(shape, NOT_COMPUTED, np.int32)
        same_side = np.flatnonzero((old_below == new_below[i]) & (np.abs(old_x - new_x[i]) < 1e-9))
        if same_side.size:
            j = same_side[0]
            for a, b in np.ndindex(shape[:2]):
                if a_of[a] >= 0 and b_of[b] >= 0:
                    ln_hm[a, b], status[a, b] = old["ln_lambda_hm"][j, a_of[a], b_of[b]], old["lambda_hm_status"][j, a_of[a], b_of[b]]
                    reused += 1
        _save(path, ln_lambda_hm=ln_hm, lambda_hm_status=status, seconds=0.0)
    print(f"seeded from {old_table}: {reused} of {new_x.size * g.ln_lam_hm.size * g.ln_y_hm.size} (m_S, lam, y) nodes reused")
    with np.load(old_table, allow_pickle=False) as z:
        same_omega_grid = all(z[k].shape == getattr(g, k).shape and np.allclose(z[k], getattr(g, k), rtol=0, atol=1e-12)
                              for k in ("x_below", "x_above", "ln_lam", "ln_y"))
        if same_omega_grid:  # the Ω and ⟨q⟩ tables are unchanged: one slab per m_S node from the old table
            for i in range(g.m_S_nodes().size):
                if not (work / f"omega-{i}.npz").exists():
                    _save(work / f"omega-{i}.npz", ln_omega_per_keV=z["ln_omega_per_keV"][i], ln_mean_q=z["ln_mean_q"][i], seconds=0.0)
    print(f"Omega and <q> slabs {'taken from' if same_omega_grid else 'not reusable from (another grid)'} {old_table}")


def repair(work: Path, k: int = 0, n: int = 1) -> None:
    """Recompute the λ_hm nodes of every saved slab (every n-th from k) whose status is not OK."""
    g = sdt.GRID
    for i, m_S in enumerate(g.m_S_nodes_hm()):
        if i % n != k:
            continue
        path = work / f"hm-{i}.npz"
        if not path.exists():
            continue
        data = dict(np.load(path, allow_pickle=False))
        bad = sorted({(a, b) for a, b, _ in zip(*np.nonzero(data["lambda_hm_status"] != Status.OK))})
        t0 = time.time()
        for a, b in bad:
            data["ln_lambda_hm"][a, b], data["lambda_hm_status"][a, b] = _point(float(m_S), g.ln_lam_hm[a], g.ln_y_hm[b], t0)
        if bad:
            data["seconds"] = data["seconds"] + time.time() - t0
            _save(path, **data)


def _load_all(work: Path, kind: str, n: int) -> list[dict]:
    paths = [work / f"{kind}-{i}.npz" for i in range(n)]
    missing = [p.name for p in paths if not p.exists()]
    if missing:
        raise SystemExit(f"missing slabs: {', '.join(missing)}")
    return [dict(np.load(p, allow_pickle=False)) for p in paths]


def assemble(work: Path) -> None:
    g = sdt.GRID
    omega = _load_all(work, "omega", g.m_S_nodes().size)
    hm = _load_all(work, "hm", g.m_S_nodes_hm().size)
    failed = sum(int(np.sum(p["lambda_hm_status"] != Status.OK)) for p in hm)
    if failed:
        raise SystemExit(f"{failed} lambda_hm nodes failed; run --repair first")
    tables = {k: np.stack([p[k] for p in omega]) for k in ("ln_omega_per_keV", "ln_mean_q")}
    tables |= {k: np.stack([p[k] for p in hm]) for k in ("ln_lambda_hm", "lambda_hm_status")}
    parts = omega + hm
    meta = {
        "made_by": f"python scripts/make_scalar_decay_tables.py at commit {git_revision()}",
        "date": datetime.date.today().isoformat(),
        "cpu_seconds": round(float(sum(p["seconds"] for p in parts)), 1),
        "settings": "freeze_in.DEFAULT_SETTINGS, transfer.DEFAULT_SETTINGS, ncdm 32 nodes (momentum_range), Planck 2018",
    }
    np.savez_compressed(OUT, **g._asdict(), **tables, meta=np.array(json.dumps(meta)))
    print(f"wrote {OUT}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python scripts/make_scalar_decay_tables.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", required=True, help="folder for the per-m_S slabs (resumable)")
    parser.add_argument("--part", default="0/1", help="K/N: compute the slabs K, K+N, K+2N, ... of each kind (default 0/1: all)")
    parser.add_argument("--assemble", action="store_true", help="write the package table from the slabs")
    parser.add_argument("--repair", action="store_true", help="recompute the failed (or not computed) lambda_hm nodes of the saved slabs")
    parser.add_argument("--seed-from", metavar="OLD_NPZ", help="write the missing lambda_hm slabs with the nodes shared with an older table")
    args = parser.parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    k, n = (int(x) for x in args.part.split("/"))
    if not 0 <= k < n:
        raise SystemExit(f"--part {args.part}: need 0 <= K < N")
    if args.seed_from:
        seed_from(work, Path(args.seed_from))
        return
    if args.repair:
        repair(work, k, n)
        return
    if args.assemble:
        assemble(work)
        return
    for i in range(k, sdt.GRID.m_S_nodes().size, n):
        omega_slab(i, work)
    for i in range(k, sdt.GRID.m_S_nodes_hm().size, n):
        hm_slab(i, work)


if __name__ == "__main__":
    main(sys.argv[1:])
