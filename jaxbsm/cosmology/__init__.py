"""Cosmology (seed 003): the Standard Model thermal history (thermal), the singlet S's couplings and
widths (higgs_portal) and its SS <-> SM rates (portal_rates), the Boltzmann equations of S and of keV
sterile neutrinos N from S -> NN (freeze_in: Y_N, Omega_N h^2, f_N(q)) and their analytic templates
(templates); structure formation: background, recombination (its rate equations in recfast),
non-cold species (ncdm), the linear Einstein-Boltzmann solver (linear_perturbations), T^2(k)
(transfer) and the half-mode scale (half_mode), closed-form WDM fits (wdm_fits) and the
free-streaming length (free_streaming). Every solver result carries a per-point ``status``
(jaxbsm.status)."""

from jaxbsm.cosmology.freeze_in import FreezeInResult, FreezeInSettings, omega_h2, q_today, solve_freeze_in
from jaxbsm.cosmology.thermal import (
    G_SM_FREE,
    HBAR_GEV_S,
    dln_g_rho_dlnT,
    dln_g_s_dlnT,
    dt_dT,
    energy_density,
    entropy_density,
    g_rho,
    g_s,
    gstar_table,
    hubble_rate,
    time_of_temperature,
)

__all__ = [
    "FreezeInResult",
    "FreezeInSettings",
    "omega_h2",
    "q_today",
    "solve_freeze_in",
    "G_SM_FREE",
    "HBAR_GEV_S",
    "dln_g_rho_dlnT",
    "dln_g_s_dlnT",
    "dt_dT",
    "energy_density",
    "entropy_density",
    "g_rho",
    "g_s",
    "gstar_table",
    "hubble_rate",
    "time_of_temperature",
]
