#!/usr/bin/env python
"""Compute and store the scalar-decay model's grids at fixed masses (jaxbsm.cosmology.models).

Not imported by jaxbsm: the physics module only reads the stored tables (and, for masses without one,
computes a table in memory). This script runs the computations of ``models.omega_table`` (ln Ω_N h²
and ln ⟨q⟩, ≈ 80 s on 2 CPU cores) and ``models.lambda_hm_table`` (ln λ_hm by the whole chain
freeze-in → f_N(q) → T²(k) → half mode, ≈ 15–30 min), printing one progress line per λ_hm point,
and writes them into ``jaxbsm/cosmology/data/omega_grids.json`` and ``lambda_hm_grids.json``
(replacing an older table at the same masses), each with the git commit that made it.

Usage (from the repository root)::

    python scripts/make_scalar_decay_grids.py M_S_GeV M_N_keV [--omega-only]

The tests tests/cosmology/test_scalar_decay_model.py::test_stored_omega_grid_is_the_live_solver and
tests/cosmology/test_half_mode.py::test_stored_grid_point_is_the_live_chain fail when the solvers
change the stored numbers: rerun this script then (``python scripts/make_scalar_decay_grids.py 100 10``
for the shipped fits).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from jaxbsm.cosmology import models

OMEGA_NOTE = "ln Omega_N h^2 and ln <q> of the scalar-decay model on (ln lam, ln y) grids (jaxbsm.cosmology.models)"
LAMBDA_HM_NOTE = "ln lambda_hm [Mpc/h] of the scalar-decay model on (ln lam, ln y) grids (jaxbsm.cosmology.models)"
LAMBDA_HM_SETTINGS = "freeze_in.DEFAULT_SETTINGS, transfer.DEFAULT_SETTINGS, ncdm 32 nodes (momentum_range), Planck 2018"


def git_revision(where: Path) -> str:
    """Short hash of the checked-out commit (``unknown`` outside a git repository)."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=where)
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def store(path: Path, table: dict, note: str, m_S: str, m_N: str) -> None:
    """Write ``table`` into the grid file ``path``, replacing a table at the same masses."""
    table["made_by"] = f"python scripts/make_scalar_decay_grids.py {m_S} {m_N} at commit {git_revision(path.parent)}"
    stored = json.loads(path.read_text()) if path.exists() else {"grids": []}
    stored["note"] = note
    stored["grids"] = [g for g in stored["grids"] if (g["m_S"], g["m_N_keV"]) != (table["m_S"], table["m_N_keV"])] + [table]
    path.write_text(json.dumps(stored, indent=1) + "\n")
    print(f"wrote {path} ({table['seconds']} s)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python scripts/make_scalar_decay_grids.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("m_S", help="singlet mass m_S in GeV")
    parser.add_argument("m_N", help="sterile-neutrino mass m_N in keV")
    parser.add_argument("--omega-only", action="store_true", help="only the Omega_N h^2 and <q> grid (the lambda_hm one takes minutes)")
    args = parser.parse_args(argv)
    m_S, m_N = float(args.m_S), float(args.m_N)
    for name, value in (("m_S", m_S), ("m_N", m_N)):
        models.SCALAR_DECAY.parameter(name).check(value)
    store(models.OMEGA_GRIDS, models.omega_table(m_S, m_N), OMEGA_NOTE, args.m_S, args.m_N)
    if args.omega_only:
        return
    table = models.lambda_hm_table(m_S, m_N, log=lambda line: print(line, flush=True))
    table["settings"] = LAMBDA_HM_SETTINGS
    store(models.LAMBDA_HM_GRIDS, table, LAMBDA_HM_NOTE, args.m_S, args.m_N)


if __name__ == "__main__":
    main(sys.argv[1:])
