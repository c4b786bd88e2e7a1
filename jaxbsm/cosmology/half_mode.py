r"""Half-mode scale of a non-cold species from the linear Boltzmann solver, and the chain
freeze-in → f_N(q) → T²(k) → λ_hm of the scalar-decay model (issue 5, seed 003).

Convention: T²(k_hm) = 1/2 at z = 0 (seed 003; König, Merle & Totzauer 2016, arXiv:1609.01289),
λ_hm = 2π/k_hm in Mpc/h. The species makes up all of the dark matter (ω_ncdm = ω_dm of Planck
2018), as the Lyman-α bounds on thermal relics assume; whether a model gives that abundance is the
Planck likelihood's business (``planck-dm``).

The crossing is found on a window of 12 consecutive points of a fixed log lattice in k (Δ ln k =
0.2, so that one Λ-CDM reference serves every window): it starts at the half mode of the thermal
relic with the same mean velocity today (Viel et al. 2005 relation, ``thermal_equivalent_mass``) and
moves until T² crosses 1/2 inside it (one solve for the freeze-in spectra; a few for multi-scale
ones). Inside the window, ``transfer.half_mode_k`` interpolates T² linearly in ln k.
A crossing below k = 0.01 h/Mpc or above 1000 h/Mpc (the solver's range) is reported at that edge,
flagged ``bracketed = False``: λ_hm > 628 Mpc/h (hot) or < 0.0063 Mpc/h (cold for every bound).
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from jaxbsm.cosmology import ncdm, transfer, wdm_fits
from jaxbsm.cosmology.background import PLANCK18, T_NU_OVER_T_GAMMA
from jaxbsm.cosmology.freeze_in import FreezeInResult, q_today
from jaxbsm.cosmology.templates import MEAN_Q_FERMI_DIRAC

K_MIN, K_MAX = transfer.K_RANGE_H


class HalfMode(NamedTuple):
    """k_hm [h/Mpc], λ_hm = 2π/k_hm [Mpc/h], the k window [h/Mpc] it was found on, and whether
    T² crossed 1/2 inside the solver's range (False: k_hm is the range's edge)."""

    k_hm: float
    lambda_hm: float
    k_h: np.ndarray
    bracketed: bool


def species_from_freeze_in(result: FreezeInResult, m_N_keV, omega=PLANCK18.omega_dm, *, g=None, n_q: int = 24):
    """NCDM species of the sterile neutrino from ``freeze_in.solve_freeze_in`` (scalar result with
    its spectrum): f_N on the result's bins, T_N,0 = (g_s0/g_ref)^{1/3} T_γ0 (``freeze_in.q_today``),
    the momentum range from ``ncdm.momentum_range``. omega: Ω_N h² given to the solver (default: all
    of Planck's dark matter; the module docstring says why)."""
    return ncdm.from_table(result.q, result.f, m_N_keV, float(q_today(1.0, g)), omega, n_q=n_q)


def mean_velocity_scale(species: ncdm.NCDMSpecies):
    """⟨p⟩/m today (in units of c) of the species: ⟨q⟩ T_ncdm,0/m from its quadrature."""
    return jnp.sum(species.w * species.q) / jnp.sum(species.w) / species.m_over_T


def thermal_equivalent_mass(species: ncdm.NCDMSpecies, omega=PLANCK18.omega_dm):
    """Mass [keV] of the thermal relic (Viel et al. 2005 eq. 2 temperature, Ω_x h² = omega) whose
    ⟨p⟩/m today equals the species': with m/T_x ∝ m^{4/3}, m = [3.1514/(v · m_1/T_1)]^{3/4} keV."""
    m1_over_T1 = ncdm.mass_over_temperature(1.0, wdm_fits.wdm_temperature_ratio(1.0, omega) * T_NU_OVER_T_GAMMA)
    return (MEAN_Q_FERMI_DIRAC / (mean_velocity_scale(species) * m1_over_T1)) ** 0.75


# k lattice shared by all windows, so that the Λ-CDM reference is solved once (58 points, Δ ln k = 0.202)
K_LATTICE = np.geomspace(K_MIN, K_MAX, 58)


def k_window(k_centre: float, n_k: int = 12) -> slice:
    """The n_k consecutive points of K_LATTICE (a factor 9.2) centred nearest k_centre [h/Mpc]."""
    i = int(np.searchsorted(K_LATTICE, k_centre)) - n_k // 2
    i = min(max(i, 0), K_LATTICE.size - n_k)
    return slice(i, i + n_k)


def _transfer_squared_z0(sel: slice, species, cosmo, settings):
    ref = transfer._lcdm_contrast(tuple(K_LATTICE), (0.0,), cosmo, settings)[sel, 0]
    d, ok = transfer.matter_contrast(K_LATTICE[sel], 0.0, species, cosmo, settings)
    return (d[:, 0] / ref) ** 2, ok


def find_half_mode(
    species: ncdm.NCDMSpecies, *, n_k: int = 12, max_moves: int = 8, cosmo=PLANCK18, settings=transfer.DEFAULT_SETTINGS
) -> HalfMode:
    """Half mode of a concrete species at z = 0 (module docstring). Raises if the solver fails at some k."""
    k_c = float(wdm_fits.half_mode_k_viel(thermal_equivalent_mass(species)))
    for _ in range(max_moves):
        sel = k_window(k_c, n_k)
        k = K_LATTICE[sel]
        T2, ok = _transfer_squared_z0(sel, species, cosmo, settings)
        T2 = np.asarray(T2)
        if not np.all(np.asarray(ok)):
            raise RuntimeError(f"find_half_mode: the perturbation solve failed at k_h = {k[~np.asarray(ok)]} h/Mpc")
        low, high = T2[0] < 0.5 and sel.start > 0, T2[-1] >= 0.5 and sel.stop < K_LATTICE.size
        if not (low or high):
            break
        k_c = k[0] if low else k[-1]
    else:
        raise RuntimeError(f"find_half_mode: no crossing of T^2 = 1/2 found after {max_moves} moves (last window {k})")
    k_hm = float(transfer.half_mode_k(k, T2))
    return HalfMode(k_hm, 2.0 * np.pi / k_hm, k, bool(T2[0] >= 0.5 > T2[-1]))


def half_mode_length(species: ncdm.NCDMSpecies, k_h, **solver):
    """λ_hm = 2π/k_hm [Mpc/h] on a fixed window k_h (concrete, e.g. ``find_half_mode(...).k_h``);
    differentiable in the species (the crossing moves continuously inside the window). ``solver``:
    cosmo/settings of ``transfer.transfer_squared``."""
    T2, _ = transfer.transfer_squared(k_h, species, 0.0, **solver)
    return wdm_fits.half_mode_length(transfer.half_mode_k(k_h, T2[:, 0]))


__all__ = [
    "HalfMode",
    "find_half_mode",
    "half_mode_length",
    "k_window",
    "mean_velocity_scale",
    "species_from_freeze_in",
    "thermal_equivalent_mass",
]
