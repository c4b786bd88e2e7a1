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
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import interpax
import jax
import jax.numpy as jnp
import numpy as np

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
    "half-mode length 2 pi/k_hm with T^2(k_hm) = 1/2 at z = 0 (0 for cold dark matter; jaxbsm.cosmology.transfer)",
)

PARAMETERS = (
    Parameter("lam", "", 1e-12, 1e-4, 1e-8, r"$\lambda$", "Higgs-portal coupling of 2 lambda (Phi^dag Phi) S^2", "loguniform"),
    Parameter("y", "", 1e-10, 1e-6, 1e-8, r"$y$", "Yukawa coupling of (y/2) S Nbar^c N", "loguniform"),
    Parameter("m_S", "GeV", 20.0, 1000.0, 100.0, r"$m_S$", "singlet scalar mass"),
    Parameter("m_N", "keV", 1.0, 100.0, 10.0, r"$m_N$", "sterile-neutrino mass"),
)
_BOX = {p.name: (p.low, p.high) for p in PARAMETERS}
_GRID_PER_DECADE = {"lam": 6, "y": 4}


def _predict(params: Mapping) -> dict:
    r = solve_freeze_in(params["m_S"], params["lam"], params["y"], params["m_N"] * 1e-6, spectrum=False)
    return {"Omega_N_h2": r.omega_h2, "mean_q_N": r.mean_q}


def _grid_axis(name: str) -> np.ndarray:
    lo, hi = _BOX[name]
    return np.linspace(np.log(lo), np.log(hi), int(round(np.log10(hi / lo) * _GRID_PER_DECADE[name])) + 1)


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


def _bind(fixed: Mapping[str, float]) -> Model:
    if "m_S" not in fixed or "m_N" not in fixed or "lam" in fixed or "y" in fixed:
        return MODEL
    for name in ("m_S", "m_N"):
        MODEL.parameter(name).check(fixed[name])
    omega, mean_q = omega_grid(float(fixed["m_S"]), float(fixed["m_N"]))

    def predict(params: Mapping) -> dict:
        la, ly = jnp.log(params["lam"]), jnp.log(params["y"])
        return {"Omega_N_h2": jnp.exp(omega(la, ly)), "mean_q_N": jnp.exp(mean_q(la, ly))}

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
