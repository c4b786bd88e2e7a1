"""The scalar-decay model (seed 003; König, Merle & Totzauer, JCAP 1611 (2016) 038, arXiv:1609.01289):
a real singlet S with Higgs portal 2λ(Φ†Φ)S² and Yukawa (y/2) S N̄ᶜN to a keV sterile neutrino N,
predicting Ω_N h² and the mean comoving momentum ⟨q⟩ of N from ``freeze_in.solve_freeze_in``.

Fits at fixed masses. The full solve costs ≈ 40 ms per point and ≈ 0.2 s per gradient on a CPU core
(most of it the 2 × 128 thermal averages of the rate tables and their adjoints), too slow for NUTS.
``bind`` therefore specialises the model when a fit fixes m_S and m_N: it solves the Boltzmann
equations once on a grid in (ln λ, ln y) covering the whole parameter box (49 × 17 points, 6 per
decade in λ and 4 per decade in y) and interpolates ln Ω_N h² and ln ⟨q⟩ with C² bicubic
splines (interpax). The interpolation error is < 2e-3 in Ω_N h² and ⟨q⟩ over the box (largest where
the regimes change; tests, against the
solver at random points), four times below the Planck error; gradients are those of the spline.
The grid is cached per (m_S, m_N) for the process.

The half-mode length λ_hm (Lyman-α, ``lambda_hm``) goes through the whole chain solve → f_N(q) →
linear Boltzmann solver → T²(k) → T² = 1/2 (``jaxbsm.cosmology.half_mode``; N taken as all of the
dark matter), ≈ 2 s per point on a CPU (≈ 10 s for hot spectra, whose k_hm ~ 1 h/Mpc needs the
full photon hierarchy through recombination) and ≈ 15 s per gradient. A fit at fixed masses whose
datasets measure it gets a bicubic spline of ln λ_hm on a coarser grid over the same box (17 × 17
points, 2 per decade in λ, 4 in y; within 0.3% of the chain inside the freeze-in box). That grid
takes ≈ 15–30 min on 2 CPU cores and the Ω grid ≈ 80 s, so the grids at the shipped fits' masses are
stored in ``data/omega_grids.json`` and ``data/lambda_hm_grids.json`` (made by ``python -m
jaxbsm.cosmology.models M_S M_N``, with the commit that made them; tests/cosmology check stored
points against the live solver); other masses are computed when a fit binds them. Only the unbound model at
concrete parameters (``half_mode_length``) runs the chain directly.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import interpax
import jax
import jax.numpy as jnp
import numpy as np

from jaxbsm.cosmology import half_mode
from jaxbsm.cosmology.freeze_in import solve_freeze_in
from jaxbsm.model import Model, Parameter, register_model
from jaxbsm.observables import register_observable

KMT = "König, Merle & Totzauer, JCAP 1611 (2016) 038, arXiv:1609.01289 (scalar-decay model)"
SAIKAWA = "Saikawa & Shirai, JCAP 08 (2020) 011, arXiv:2005.03544 (g*(T), g*s(T))"
GONDOLO = "Gondolo & Gelmini, Nucl. Phys. B360 (1991) 145 (thermal averages)"

register_observable("Omega_N_h2", r"$\Omega_N h^2$", "", "relic density of the sterile neutrino N (all S decayed)")
register_observable(
    "mean_q_N", r"$\langle q\rangle_N$", "", "mean comoving momentum p/T of N before g*s dilution (freeze_in docstring)"
)

register_observable(
    "lambda_hm",
    r"$\lambda_{\rm hm}$",
    "Mpc/h",
    "half-mode length 2 pi/k_hm with T^2(k_hm) = 1/2 at z = 0 (jaxbsm.cosmology.half_mode); scalar-decay predicts it in fits with m_S and m_N fixed",
)

PARAMETERS = (
    Parameter("lam", "", 1e-12, 1e-4, 1e-8, r"$\lambda$", "Higgs-portal coupling of 2 lambda (Phi^dag Phi) S^2", "loguniform"),
    Parameter("y", "", 1e-10, 1e-6, 1e-8, r"$y$", "Yukawa coupling of (y/2) S Nbar^c N", "loguniform"),
    Parameter("m_S", "GeV", 20.0, 1000.0, 100.0, r"$m_S$", "singlet scalar mass"),
    Parameter("m_N", "keV", 1.0, 100.0, 10.0, r"$m_N$", "sterile-neutrino mass"),
)
_BOX = {p.name: (p.low, p.high) for p in PARAMETERS}
_GRID_PER_DECADE = {"lam": 6, "y": 4}
_LAMBDA_HM_PER_DECADE = {"lam": 2, "y": 4}
OMEGA_GRIDS = Path(__file__).parent / "data" / "omega_grids.json"
LAMBDA_HM_GRIDS = Path(__file__).parent / "data" / "lambda_hm_grids.json"


def _stored(path: Path, m_S: float, m_N_keV: float, a: np.ndarray, b: np.ndarray) -> dict | None:
    """The table stored in ``path`` for these masses and axes, or None."""
    grids = json.loads(path.read_text())["grids"] if path.exists() else []
    for g in grids:
        if g["m_S"] == m_S and g["m_N_keV"] == m_N_keV and np.allclose(g["ln_lam"], a) and np.allclose(g["ln_y"], b):
            return g
    return None


def _store(path: Path, table: dict, note: str, argv: list[str]) -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=path.parent)
    table["made_by"] = f"python -m jaxbsm.cosmology.models {argv[0]} {argv[1]} at commit {commit.stdout.strip() or 'unknown'}"
    stored = json.loads(path.read_text()) if path.exists() else {"grids": []}
    stored["note"] = note
    stored["grids"] = [g for g in stored["grids"] if (g["m_S"], g["m_N_keV"]) != (table["m_S"], table["m_N_keV"])] + [table]
    path.write_text(json.dumps(stored, indent=1) + "\n")
    print(f"wrote {path} ({table['seconds']} s)")


def _predict(params: Mapping) -> dict:
    r = solve_freeze_in(params["m_S"], params["lam"], params["y"], params["m_N"] * 1e-6, spectrum=False)
    return {"Omega_N_h2": r.omega_h2, "mean_q_N": r.mean_q}


def _grid_axis(name: str, per_decade: Mapping[str, int] = _GRID_PER_DECADE) -> np.ndarray:
    lo, hi = _BOX[name]
    return np.linspace(np.log(lo), np.log(hi), int(round(np.log10(hi / lo) * per_decade[name])) + 1)


def omega_table(m_S: float, m_N_keV: float) -> dict:
    """ln Ω_N h² and ln ⟨q⟩ on the (ln λ, ln y) grid of the module docstring by the full solve."""
    a, b = _grid_axis("lam"), _grid_axis("y")
    A, B = np.meshgrid(a, b, indexing="ij")
    t0 = time.time()
    solve = jax.jit(
        lambda la, ly: solve_freeze_in(m_S, jnp.exp(la), jnp.exp(ly), m_N_keV * 1e-6, spectrum=False)
    )
    # one row of λ at a time: the batched solve holds every point's rate tables (13 GB for all at once)
    rows = [solve(jnp.asarray(A[i]), jnp.asarray(B[i])) for i in range(a.size)]
    ln_omega = np.log(np.array([np.asarray(r.omega_h2) for r in rows]))
    ln_q = np.log(np.array([np.asarray(r.mean_q) for r in rows]))
    if not (np.all(np.isfinite(ln_omega)) and np.all(np.isfinite(ln_q))):
        raise RuntimeError(f"omega_grid: the freeze-in solve failed on the grid at m_S = {m_S}, m_N = {m_N_keV} keV")
    return {
        "m_S": float(m_S), "m_N_keV": float(m_N_keV), "ln_lam": a.tolist(), "ln_y": b.tolist(),
        "ln_omega_h2": ln_omega.tolist(), "ln_mean_q": ln_q.tolist(), "seconds": round(time.time() - t0, 1),
    }


@functools.lru_cache(maxsize=8)
def omega_grid(m_S: float, m_N_keV: float) -> tuple[interpax.Interpolator2D, interpax.Interpolator2D]:
    """Bicubic splines of (ln Ω_N h², ln ⟨q⟩) in (ln λ, ln y) at fixed masses: the stored grid if
    there is one for these masses and axes, else computed now (≈ 80 s; module docstring)."""
    a, b = _grid_axis("lam"), _grid_axis("y")
    table = _stored(OMEGA_GRIDS, m_S, m_N_keV, a, b) or omega_table(m_S, m_N_keV)
    a, b = jnp.asarray(a), jnp.asarray(b)
    return (
        interpax.Interpolator2D(a, b, jnp.asarray(table["ln_omega_h2"]), method="cubic2"),
        interpax.Interpolator2D(a, b, jnp.asarray(table["ln_mean_q"]), method="cubic2"),
    )


def half_mode_length(m_S: float, lam: float, y: float, m_N_keV: float):
    """The chain at one concrete point: (λ_hm [Mpc/h], its ``half_mode.HalfMode``)."""
    r = solve_freeze_in(m_S, lam, y, m_N_keV * 1e-6)
    if not np.all(np.isfinite(np.asarray(r.f))):
        raise RuntimeError(f"half_mode_length: the freeze-in solve failed at m_S = {m_S}, lam = {lam}, y = {y}, m_N = {m_N_keV} keV")
    hm = half_mode.find_half_mode(half_mode.species_from_freeze_in(r, m_N_keV))
    return hm.lambda_hm, hm


def lambda_hm_table(m_S: float, m_N_keV: float, log=None) -> dict:
    """ln λ_hm [Mpc/h] on the (ln λ, ln y) grid of the module docstring by the full chain (minutes)."""
    a, b = _grid_axis("lam", _LAMBDA_HM_PER_DECADE), _grid_axis("y", _LAMBDA_HM_PER_DECADE)
    A, B = np.meshgrid(a, b, indexing="ij")
    t0 = time.time()
    r = solve_freeze_in(m_S, jnp.exp(jnp.asarray(A)), jnp.exp(jnp.asarray(B)), m_N_keV * 1e-6)
    ln_lam_hm, bracketed = np.empty(A.shape), np.empty(A.shape, bool)
    for idx in np.ndindex(A.shape):
        ri = jax.tree.map(lambda x: x[idx], r)
        if not np.all(np.isfinite(np.asarray(ri.f))):
            raise RuntimeError(f"lambda_hm_table: the freeze-in solve failed at lam = {np.exp(A[idx]):.3g}, y = {np.exp(B[idx]):.3g}")
        hm = half_mode.find_half_mode(half_mode.species_from_freeze_in(ri, m_N_keV))
        ln_lam_hm[idx], bracketed[idx] = np.log(hm.lambda_hm), hm.bracketed
        if log is not None:
            log(f"lam = {np.exp(A[idx]):.3g}, y = {np.exp(B[idx]):.3g}: lambda_hm = {hm.lambda_hm:.5g} Mpc/h ({time.time() - t0:.0f} s)")
    return {
        "m_S": float(m_S),
        "m_N_keV": float(m_N_keV),
        "ln_lam": a.tolist(),
        "ln_y": b.tolist(),
        "ln_lambda_hm": ln_lam_hm.tolist(),
        "bracketed": bracketed.tolist(),
        "seconds": round(time.time() - t0, 1),
    }


@functools.lru_cache(maxsize=8)
def lambda_hm_grid(m_S: float, m_N_keV: float) -> interpax.Interpolator2D:
    """Bicubic spline of ln λ_hm in (ln λ, ln y) at fixed masses: the stored grid if there is one for
    these masses and axes, else computed now (module docstring)."""
    a, b = _grid_axis("lam", _LAMBDA_HM_PER_DECADE), _grid_axis("y", _LAMBDA_HM_PER_DECADE)
    table = _stored(LAMBDA_HM_GRIDS, m_S, m_N_keV, a, b)
    if table is None:
        print(f"scalar-decay: computing the lambda_hm grid at m_S = {m_S} GeV, m_N = {m_N_keV} keV (about 15 min on 2 CPU cores)", file=sys.stderr)
        table = lambda_hm_table(m_S, m_N_keV)
    return interpax.Interpolator2D(jnp.asarray(a), jnp.asarray(b), jnp.asarray(table["ln_lambda_hm"]), method="cubic2")


def _bind(fixed: Mapping[str, float], observables: frozenset[str] = frozenset()) -> Model:
    if "m_S" not in fixed or "m_N" not in fixed or "lam" in fixed or "y" in fixed:
        return MODEL
    for name in ("m_S", "m_N"):
        MODEL.parameter(name).check(fixed[name])
    omega, mean_q = omega_grid(float(fixed["m_S"]), float(fixed["m_N"]))
    lambda_hm = lambda_hm_grid(float(fixed["m_S"]), float(fixed["m_N"])) if "lambda_hm" in observables else None

    def predict(params: Mapping) -> dict:
        la, ly = jnp.log(params["lam"]), jnp.log(params["y"])
        out = {"Omega_N_h2": jnp.exp(omega(la, ly)), "mean_q_N": jnp.exp(mean_q(la, ly))}
        if lambda_hm is not None:
            out["lambda_hm"] = jnp.exp(lambda_hm(la, ly))
        return out

    return Model(
        name=MODEL.name,
        description=f"{MODEL.description} [bound: m_S = {fixed['m_S']} GeV, m_N = {fixed['m_N']} keV, grid]",
        parameters=PARAMETERS,
        predict=predict,
        citations=MODEL.citations,
    )


MODEL = register_model(
    Model(
        name="scalar-decay",
        description="keV sterile neutrino N from decays of a Higgs-portal singlet S (freeze-in or freeze-out of S)",
        parameters=PARAMETERS,
        predict=_predict,
        citations=(KMT, SAIKAWA, GONDOLO),
        bind=_bind,
    )
)


def _main(argv: list[str]) -> None:
    """python -m jaxbsm.cosmology.models M_S M_N_KEV [--omega-only]: compute the grids at these masses
    and store them in OMEGA_GRIDS and LAMBDA_HM_GRIDS."""
    if len(argv) not in (2, 3) or argv[2:] not in ([], ["--omega-only"]):
        raise SystemExit("usage: python -m jaxbsm.cosmology.models M_S_GeV M_N_keV [--omega-only]")
    m_S, m_N = float(argv[0]), float(argv[1])
    for name, v in (("m_S", m_S), ("m_N", m_N)):
        MODEL.parameter(name).check(v)
    note = "ln Omega_N h^2 and ln <q> of the scalar-decay model on (ln lam, ln y) grids (jaxbsm.cosmology.models)"
    _store(OMEGA_GRIDS, omega_table(m_S, m_N), note, argv)
    if argv[2:]:
        return
    table = lambda_hm_table(m_S, m_N, log=lambda line: print(line, flush=True))
    table["settings"] = "freeze_in.DEFAULT_SETTINGS, transfer.DEFAULT_SETTINGS, ncdm 24 nodes (momentum_range), Planck 2018"
    _store(LAMBDA_HM_GRIDS, table, "ln lambda_hm [Mpc/h] of the scalar-decay model on (ln lam, ln y) grids (jaxbsm.cosmology.models)", argv)


if __name__ == "__main__":
    _main(sys.argv[1:])
