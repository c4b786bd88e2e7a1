"""Cosmology: the Standard Model thermal history (g*(T), g*s(T), s, rho, H, t(T)); freeze-in of
keV sterile-neutrino dark matter from scalar decay follows (issue 4, seed 003)."""

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
