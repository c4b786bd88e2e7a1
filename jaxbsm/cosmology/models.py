"""The scalar-decay model (seed 003; König, Merle & Totzauer, JCAP 1611 (2016) 038, arXiv:1609.01289):
a real singlet S with Higgs portal 2λ(Φ†Φ)S² and Yukawa (y/2) S N̄ᶜN to a keV sterile neutrino N,
predicting Ω_N h² and the mean comoving momentum ⟨q⟩ of N from ``freeze_in.solve_freeze_in``.

Fits at fixed masses. The full solve costs ≈ 40 ms per point and ≈ 0.2 s per gradient on a CPU core
(most of it the 2 × 128 thermal averages of the rate tables and their adjoints), too slow for NUTS.
``bind`` therefore specialises the model when a fit fixes m_S and m_N: it solves the Boltzmann
equations once on a grid in (ln λ, ln y) covering the whole parameter box (49 × 17 points, 6 per
decade in λ and 4 per decade in y, ≈ 35 s) and interpolates ln Ω_N h² and ln ⟨q⟩ with C² bicubic
splines (interpax). The interpolation error is < 2e-3 in Ω_N h² and ⟨q⟩ over the box (largest where
the regimes change; tests, against the
solver at random points), four times below the Planck error; gradients are those of the spline.
The grid is cached per (m_S, m_N) for the process.

The half-mode length λ_hm (Lyman-α, ``lambda_hm``) goes through the whole chain solve → f_N(q) →
linear Boltzmann solver → T²(k) → T² = 1/2 (``jaxbsm.cosmology.half_mode``; N taken as all of the
dark matter), ≈ 2 s per point on a CPU and ≈ 15 s per gradient. A fit at fixed masses whose datasets
measure it gets a bicubic spline of ln λ_hm on a coarser grid over the same box (17 × 17 points,
2 per decade in λ, 4 in y). That grid takes ≈ 10 min on 2 CPU cores, so the grids of the shipped
fits are stored in ``data/lambda_hm_grids.json`` (made by ``python -m jaxbsm.cosmology.models
M_S M_N``, with the commit and settings that made them; tests/cosmology check stored points against
the live chain); other masses are computed when a fit binds them. Only the unbound model at
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
LAMBDA_HM_GRIDS = Path(__file__).parent / "data" / "lambda_hm_grids.json"


def _predict(params: Mapping) -> dict:
    r = solve_freeze_in(params["m_S"], params["lam"], params["y"], params["m_N"] * 1e-6, spectrum=False)
    return {"Omega_N_h2": r.omega_h2, "mean_q_N": r.mean_q}


def _grid_axis(name: str, per_decade: Mapping[str, int] = _GRID_PER_DECADE) -> np.ndarray:
    lo, hi = _BOX[name]
    return np.linspace(np.log(lo), np.log(hi), int(round(np.log10(hi / lo) * per_decade[name])) + 1)


@functools.lru_cache(maxsize=8)
def omega_grid(m_S: float, m_N_keV: float) -> tuple[interpax.Interpolator2D, interpax.Interpolator2D]:
    """Bicubic splines of (ln Ω_N h², ln ⟨q⟩) in (ln λ, ln y) at fixed masses (module docstring)."""
    a, b = _grid_axis("lam"), _grid_axis("y")
    A, B = np.meshgrid(a, b, indexing="ij")
    solve = jax.jit(
        lambda la, ly: solve_freeze_in(m_S, jnp.exp(la), jnp.exp(ly), m_N_keV * 1e-6, spectrum=False)
    )
    r = solve(jnp.asarray(A), jnp.asarray(B))
    ln_omega, ln_q = np.log(np.asarray(r.omega_h2)), np.log(np.asarray(r.mean_q))
    if not (np.all(np.isfinite(ln_omega)) and np.all(np.isfinite(ln_q))):
        raise RuntimeError(f"omega_grid: the freeze-in solve failed on the grid at m_S = {m_S}, m_N = {m_N_keV} keV")
    return (
        interpax.Interpolator2D(jnp.asarray(a), jnp.asarray(b), jnp.asarray(ln_omega), method="cubic2"),
        interpax.Interpolator2D(jnp.asarray(a), jnp.asarray(b), jnp.asarray(ln_q), method="cubic2"),
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
    stored = json.loads(LAMBDA_HM_GRIDS.read_text())["grids"] if LAMBDA_HM_GRIDS.exists() else []
    match = [
        g for g in stored
        if g["m_S"] == m_S and g["m_N_keV"] == m_N_keV and np.allclose(g["ln_lam"], a) and np.allclose(g["ln_y"], b)
    ]
    if match:
        table = match[0]
    else:
        print(f"scalar-decay: computing the lambda_hm grid at m_S = {m_S} GeV, m_N = {m_N_keV} keV (about 10 min on 2 CPU cores)", file=sys.stderr)
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
    """python -m jaxbsm.cosmology.models M_S M_N_KEV: compute the λ_hm grid and store it in LAMBDA_HM_GRIDS."""
    if len(argv) != 2:
        raise SystemExit("usage: python -m jaxbsm.cosmology.models M_S_GeV M_N_keV")
    m_S, m_N = float(argv[0]), float(argv[1])
    for name, v in (("m_S", m_S), ("m_N", m_N)):
        MODEL.parameter(name).check(v)
    table = lambda_hm_table(m_S, m_N, log=lambda line: print(line, flush=True))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=Path(__file__).parent)
    table["made_by"] = f"python -m jaxbsm.cosmology.models {argv[0]} {argv[1]} at commit {commit.stdout.strip() or 'unknown'}"
    table["settings"] = "freeze_in.DEFAULT_SETTINGS, transfer.DEFAULT_SETTINGS, ncdm 24 nodes (momentum_range), Planck 2018"
    stored = json.loads(LAMBDA_HM_GRIDS.read_text()) if LAMBDA_HM_GRIDS.exists() else {"grids": []}
    stored["note"] = "ln lambda_hm [Mpc/h] of the scalar-decay model on (ln lam, ln y) grids (jaxbsm.cosmology.models)"
    stored["grids"] = [g for g in stored["grids"] if (g["m_S"], g["m_N_keV"]) != (m_S, m_N)] + [table]
    LAMBDA_HM_GRIDS.write_text(json.dumps(stored, indent=1) + "\n")
    print(f"wrote {LAMBDA_HM_GRIDS} ({table['seconds']} s)")


if __name__ == "__main__":
    _main(sys.argv[1:])
