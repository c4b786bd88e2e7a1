"""The scalar-decay model (seed 003; König, Merle & Totzauer, JCAP 1611 (2016) 038, arXiv:1609.01289):
a real singlet S with Higgs portal 2λ(Φ†Φ)S² and Yukawa (y/2) S N̄ᶜN to a keV sterile neutrino N.

Predictions: Ω_N h² and the mean comoving momentum ⟨q⟩ of N (``freeze_in.solve_freeze_in``), and
the half-mode length λ_hm of N as all of the dark matter (freeze-in → f_N(q) → linear Boltzmann
solver → T²(k_hm) = 1/2, ``half_mode.half_mode_k``). Two registry entries share parameters and
observables:

- ``scalar-decay``: splines of the live chain over the fit box m_S ∈ [60, 300] GeV, m_N ∈ [2, 50] keV,
  λ ∈ [1e-12, 1e-4], y ∈ [1e-10, 1e-6] (``scalar_decay_tables``; two patches around the h → SS
  threshold m_h/2). Microseconds per point with gradients, so NUTS samples it; its accuracy against
  the live chain at random points of the box is measured in tests/cosmology/test_scalar_decay_tables.py.
- ``scalar-decay-exact``: the live chain at every point (about 5 ms for Ω and ⟨q⟩, 0.1–0.5 s more
  for λ_hm, 0.2–1 s per gradient on a CPU core); ``jaxbsm fit --exact`` uses it. Its box is the
  solvers' (m_S ∈ [20, 1000] GeV, m_N ∈ [1, 100] keV). A failed solve is reported under the
  prediction's ``STATUS`` (``jaxbsm.status``) and gives log L = −∞.
"""

from __future__ import annotations

from collections.abc import Mapping

from jaxbsm.cosmology import half_mode, scalar_decay_tables, wdm_fits
from jaxbsm.cosmology.freeze_in import solve_freeze_in
from jaxbsm.model import STATUS, Model, Parameter
from jaxbsm.observables import ObservableInfo
from jaxbsm.status import first_failure

KMT = "König, Merle & Totzauer, JCAP 1611 (2016) 038, arXiv:1609.01289 (scalar-decay model)"
SAIKAWA = "Saikawa & Shirai, JCAP 08 (2020) 011, arXiv:2005.03544 (g*(T), g*s(T))"
GONDOLO = "Gondolo & Gelmini, Nucl. Phys. B360 (1991) 145 (thermal averages)"

OBSERVABLES = (
    ObservableInfo("Omega_N_h2", r"$\Omega_N h^2$", "", "relic density of the sterile neutrino N (all S decayed)"),
    ObservableInfo(
        "mean_q_N", r"$\langle q\rangle_N$", "", "mean comoving momentum p/T of N before g*s dilution (freeze_in docstring)"
    ),
    ObservableInfo(
        "lambda_hm",
        r"$\lambda_{\rm hm}$",
        "Mpc/h",
        "half-mode length 2 pi/k_hm with T^2(k_hm) = 1/2 at z = 0, N as all of the dark matter (jaxbsm.cosmology.half_mode)",
    ),
)


def _parameters(m_S: tuple[float, float], m_N: tuple[float, float]) -> tuple[Parameter, ...]:
    box = scalar_decay_tables.BOX
    return (
        Parameter("lam", "", *box["lam"], 1e-8, r"$\lambda$", "Higgs-portal coupling of 2 lambda (Phi^dag Phi) S^2", "loguniform"),
        Parameter("y", "", *box["y"], 1e-8, r"$y$", "Yukawa coupling of (y/2) S Nbar^c N", "loguniform"),
        Parameter("m_S", "GeV", *m_S, 100.0, r"$m_S$", "singlet scalar mass"),
        Parameter("m_N", "keV", *m_N, 10.0, r"$m_N$", "sterile-neutrino mass"),
    )


def _predict_tables(params: Mapping) -> dict:
    omega, mean_q, lambda_hm = scalar_decay_tables.surrogate().predict(params["m_S"], params["lam"], params["y"], params["m_N"])
    return {"Omega_N_h2": omega, "mean_q_N": mean_q, "lambda_hm": lambda_hm}


def _predict_exact(params: Mapping) -> dict:
    r = solve_freeze_in(params["m_S"], params["lam"], params["y"], params["m_N"] * 1e-6)
    hm = half_mode.half_mode_k(half_mode.species_from_freeze_in(r, params["m_N"]))
    return {
        "Omega_N_h2": r.omega_h2,
        "mean_q_N": r.mean_q,
        "lambda_hm": wdm_fits.lambda_hm_from_k(hm.k_hm),
        STATUS: first_failure(r.status, hm.status),
    }


_DESCRIPTION = "keV sterile neutrino N from decays of a Higgs-portal singlet S (freeze-in or freeze-out of S)"

SCALAR_DECAY = Model(
    name="scalar-decay",
    description=f"{_DESCRIPTION}; splines of the live chain over the fit box (--exact: the live chain)",
    parameters=_parameters(scalar_decay_tables.BOX["m_S"], scalar_decay_tables.BOX["m_N"]),
    observables=OBSERVABLES,
    predict=_predict_tables,
    citations=(KMT, SAIKAWA, GONDOLO),
)

SCALAR_DECAY_EXACT = Model(
    name="scalar-decay-exact",
    description=f"{_DESCRIPTION}; the live chain freeze-in -> f_N(q) -> T^2(k) -> half mode at every point",
    parameters=_parameters((20.0, 1000.0), (1.0, 100.0)),
    observables=OBSERVABLES,
    predict=_predict_exact,
    citations=(KMT, SAIKAWA, GONDOLO),
)
