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
stored in ``data/omega_grids.json`` and ``data/lambda_hm_grids.json`` (made by ``python
scripts/make_scalar_decay_grids.py M_S M_N``, with the commit that made them; tests/cosmology check
stored points against the live solver); other masses are computed in memory when a fit binds them
(with a warning, nothing written). Only the unbound model at concrete parameters
(``lambda_hm_at_point``) runs the chain directly. Solver failures: ``predict`` returns the
freeze-in solve's ``status`` (``jaxbsm.status``); the eager table and chain functions raise
``jaxbsm.status.SolverError``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import operator
import time
import warnings
from collections.abc import Mapping
from pathlib import Path

import interpax
import jax
import jax.numpy as jnp
import numpy as np

from jaxbsm.cosmology import half_mode
from jaxbsm.cosmology.freeze_in import solve_freeze_in
from jaxbsm.model import STATUS, Model, Parameter
from jaxbsm.observables import ObservableInfo
from jaxbsm.status import Status, raise_if_failed

KMT = "König, Merle & Totzauer, JCAP 1611 (2016) 038, arXiv:1609.01289 (scalar-decay model)"
SAIKAWA = "Saikawa & Shirai, JCAP 08 (2020) 011, arXiv:2005.03544 (g*(T), g*s(T))"
GONDOLO = "Gondolo & Gelmini, Nucl. Phys. B360 (1991) 145 (thermal averages)"

OBSERVABLES = (
    ObservableInfo("Omega_N_h2", r"$\Omega_N h^2$", "", "relic density of the sterile neutrino N (all S decayed)"),
    ObservableInfo(
        "mean_q_N", r"$\langle q\rangle_N$", "", "mean comoving momentum p/T of N before g*s dilution (freeze_in docstring)"
    ),
)
#: Predicted only by the model bound to fixed masses (``SCALAR_DECAY.bind``), from a stored grid.
LAMBDA_HM = ObservableInfo(
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


def _predict(params: Mapping) -> dict:
    r = solve_freeze_in(params["m_S"], params["lam"], params["y"], params["m_N"] * 1e-6, spectrum=False)
    return {"Omega_N_h2": r.omega_h2, "mean_q_N": r.mean_q, STATUS: r.status}


def _grid_axis(name: str, per_decade: Mapping[str, int] = _GRID_PER_DECADE) -> np.ndarray:
    lo, hi = _BOX[name]
    return np.linspace(np.log(lo), np.log(hi), int(round(np.log10(hi / lo) * per_decade[name])) + 1)


def stored_omega_table(m_S: float, m_N_keV: float) -> dict | None:
    """The stored Ω table (``OMEGA_GRIDS``) at m_S [GeV], m_N [keV] on the current axes, or None."""
    return _stored(OMEGA_GRIDS, m_S, m_N_keV, _grid_axis("lam"), _grid_axis("y"))


def stored_lambda_hm_table(m_S: float, m_N_keV: float) -> dict | None:
    """The stored λ_hm table (``LAMBDA_HM_GRIDS``) at m_S [GeV], m_N [keV] on the current axes, or None."""
    axes = (_grid_axis(name, _LAMBDA_HM_PER_DECADE) for name in ("lam", "y"))
    return _stored(LAMBDA_HM_GRIDS, m_S, m_N_keV, *axes)


def omega_table(m_S: float, m_N_keV: float) -> dict:
    """ln Ω_N h² and ln ⟨q⟩ on the (ln λ, ln y) grid of the module docstring by the full solve (m_S in
    GeV, m_N in keV), in memory (``scripts/make_scalar_decay_grids.py`` stores it). Raises
    ``jaxbsm.status.SolverError`` if the solve fails at a grid point."""
    a, b = _grid_axis("lam"), _grid_axis("y")
    A, B = np.meshgrid(a, b, indexing="ij")
    t0 = time.time()
    solve = jax.jit(
        lambda la, ly: solve_freeze_in(m_S, jnp.exp(la), jnp.exp(ly), m_N_keV * 1e-6, spectrum=False)
    )
    # one row of λ at a time: the batched solve holds every point's rate tables (13 GB for all at once)
    rows = [solve(jnp.asarray(A[i]), jnp.asarray(B[i])) for i in range(a.size)]
    raise_if_failed(np.array([np.asarray(r.status) for r in rows]), f"omega_table at m_S = {m_S} GeV, m_N = {m_N_keV} keV")
    ln_omega = np.log(np.array([np.asarray(r.omega_h2) for r in rows]))
    ln_q = np.log(np.array([np.asarray(r.mean_q) for r in rows]))
    return {
        "m_S": float(m_S), "m_N_keV": float(m_N_keV), "ln_lam": a.tolist(), "ln_y": b.tolist(),
        "ln_omega_h2": ln_omega.tolist(), "ln_mean_q": ln_q.tolist(), "seconds": round(time.time() - t0, 1),
    }


@functools.lru_cache(maxsize=8)
def omega_grid(m_S: float, m_N_keV: float) -> tuple[interpax.Interpolator2D, interpax.Interpolator2D]:
    """Bicubic splines of (ln Ω_N h², ln ⟨q⟩) in (ln λ, ln y) at fixed masses: the stored grid if
    there is one for these masses and axes, else computed now (≈ 80 s; module docstring)."""
    table = stored_omega_table(m_S, m_N_keV) or omega_table(m_S, m_N_keV)
    a, b = jnp.asarray(_grid_axis("lam")), jnp.asarray(_grid_axis("y"))
    return (
        interpax.Interpolator2D(a, b, jnp.asarray(table["ln_omega_h2"]), method="cubic2"),
        interpax.Interpolator2D(a, b, jnp.asarray(table["ln_mean_q"]), method="cubic2"),
    )


def lambda_hm_at_point(m_S: float, lam: float, y: float, m_N_keV: float):
    """The chain freeze-in → f_N(q) → T²(k) → half mode at one concrete point (m_S in GeV, m_N in keV):
    (λ_hm [Mpc/h], its ``half_mode.HalfMode``). Eager; raises ``jaxbsm.status.SolverError`` if a
    solve fails (a λ_hm at the edge of the solver's k range is returned, its HalfMode.status
    BAD_BRACKET)."""
    r = solve_freeze_in(m_S, lam, y, m_N_keV * 1e-6)
    raise_if_failed(r.status, f"lambda_hm_at_point: freeze-in at m_S = {m_S} GeV, lam = {lam}, y = {y}, m_N = {m_N_keV} keV")
    hm = half_mode.find_half_mode(half_mode.species_from_freeze_in(r, m_N_keV))
    return hm.lambda_hm, hm


def lambda_hm_table(m_S: float, m_N_keV: float, log=None) -> dict:
    """ln λ_hm [Mpc/h] on the (ln λ, ln y) grid of the module docstring by the full chain (minutes; m_S
    in GeV, m_N in keV), in memory, with "bracketed" = half-mode status OK per point; ``log``: an
    optional callable given one progress line per point. Raises ``jaxbsm.status.SolverError`` if a
    solve fails."""
    a, b = _grid_axis("lam", _LAMBDA_HM_PER_DECADE), _grid_axis("y", _LAMBDA_HM_PER_DECADE)
    A, B = np.meshgrid(a, b, indexing="ij")
    t0 = time.time()
    r = solve_freeze_in(m_S, jnp.exp(jnp.asarray(A)), jnp.exp(jnp.asarray(B)), m_N_keV * 1e-6)
    ln_lam_hm, bracketed = np.empty(A.shape), np.empty(A.shape, bool)
    for idx in np.ndindex(A.shape):
        ri = jax.tree.map(operator.itemgetter(idx), r)
        raise_if_failed(ri.status, f"lambda_hm_table: freeze-in at lam = {np.exp(A[idx]):.3g}, y = {np.exp(B[idx]):.3g}")
        hm = half_mode.find_half_mode(half_mode.species_from_freeze_in(ri, m_N_keV))
        ln_lam_hm[idx], bracketed[idx] = np.log(hm.lambda_hm), hm.status == Status.OK
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
    these masses and axes, else computed now in memory, with a warning (module docstring)."""
    a, b = _grid_axis("lam", _LAMBDA_HM_PER_DECADE), _grid_axis("y", _LAMBDA_HM_PER_DECADE)
    table = stored_lambda_hm_table(m_S, m_N_keV)
    if table is None:
        warnings.warn(
            f"scalar-decay: no stored lambda_hm grid at m_S = {m_S} GeV, m_N = {m_N_keV} keV; computing it "
            "(about 15 min on 2 CPU cores; python scripts/make_scalar_decay_grids.py stores it)",
            stacklevel=2,
        )
        table = lambda_hm_table(m_S, m_N_keV)
    return interpax.Interpolator2D(jnp.asarray(a), jnp.asarray(b), jnp.asarray(table["ln_lambda_hm"]), method="cubic2")


def _bind(fixed: Mapping[str, float], observables: frozenset[str] = frozenset()) -> Model:
    if "m_S" not in fixed or "m_N" not in fixed or "lam" in fixed or "y" in fixed:
        return SCALAR_DECAY
    for name in ("m_S", "m_N"):
        SCALAR_DECAY.parameter(name).check(fixed[name])
    omega, mean_q = omega_grid(float(fixed["m_S"]), float(fixed["m_N"]))
    lambda_hm = lambda_hm_grid(float(fixed["m_S"]), float(fixed["m_N"])) if "lambda_hm" in observables else None

    def predict(params: Mapping) -> dict:
        la, ly = jnp.log(params["lam"]), jnp.log(params["y"])
        out = {"Omega_N_h2": jnp.exp(omega(la, ly)), "mean_q_N": jnp.exp(mean_q(la, ly))}
        if lambda_hm is not None:
            out["lambda_hm"] = jnp.exp(lambda_hm(la, ly))
        return out

    return dataclasses.replace(
        SCALAR_DECAY,
        description=f"{SCALAR_DECAY.description} [bound: m_S = {fixed['m_S']} GeV, m_N = {fixed['m_N']} keV, grid]",
        observables=OBSERVABLES + ((LAMBDA_HM,) if lambda_hm is not None else ()),
        bound_observables=(),
        predict=predict,
        bind=None,
    )


SCALAR_DECAY = Model(
    name="scalar-decay",
    description="keV sterile neutrino N from decays of a Higgs-portal singlet S (freeze-in or freeze-out of S)",
    parameters=PARAMETERS,
    observables=OBSERVABLES,
    bound_observables=(LAMBDA_HM,),
    predict=_predict,
    citations=(KMT, SAIKAWA, GONDOLO),
    bind=_bind,
)
