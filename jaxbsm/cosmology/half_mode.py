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
ones). Inside the window, ``transfer.half_mode_k_from_table`` interpolates T² linearly in ln k.
A crossing below k = 0.01 h/Mpc or above 1000 h/Mpc (the solver's range) is reported at that edge,
flagged ``status = BAD_BRACKET`` (``jaxbsm.status``): λ_hm > 628 Mpc/h (hot) or < 0.0063 Mpc/h
(cold for every bound). A failed perturbation solve raises ``jaxbsm.status.SolverError`` in the
eager ``find_half_mode``; the differentiable ``half_mode_length`` reports it in its ``status``.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxbsm.cosmology import ncdm, transfer, wdm_fits
from jaxbsm.cosmology.background import PLANCK18, T_NU_OVER_T_GAMMA
from jaxbsm.cosmology.freeze_in import FreezeInResult, q_today
from jaxbsm.cosmology.templates import MEAN_Q_FERMI_DIRAC
from jaxbsm.status import Status, first_failure, raise_if_failed, where_failed

K_MIN, K_MAX = transfer.K_RANGE_H


class HalfMode(NamedTuple):
    """k_hm [h/Mpc], λ_hm = 2π/k_hm [Mpc/h], the k window [h/Mpc] it was found on, and the status
    (``jaxbsm.status``): OK if T² crossed 1/2 inside the window, BAD_BRACKET if not (k_hm is the
    edge of the solver's range)."""

    k_hm: float
    lambda_hm: float
    k_h: np.ndarray
    status: int


class HalfModeLength(NamedTuple):
    """λ_hm = 2π/k_hm [Mpc/h] on a fixed k window and its int32 status (``jaxbsm.status``): the first
    failure of the perturbation solves, else BAD_BRACKET if T² does not cross 1/2 inside the window
    (λ_hm then belongs to the window's edge)."""

    lambda_hm: jax.Array
    status: jax.Array


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
    """T² at z = 0 on K_LATTICE[sel] against the Λ-CDM reference of the whole lattice, and its status."""
    ref = transfer.lcdm_reference(K_LATTICE, 0.0, cosmo, settings)
    d = transfer.matter_contrast(K_LATTICE[sel], 0.0, species, cosmo, settings)
    return (d.delta[:, 0] / ref.delta[sel, 0]) ** 2, first_failure(ref.status[sel], d.status)


def _first_failure_along(status):
    """The first non-OK code of a 1-d status array (OK if none)."""
    status = jnp.asarray(status, jnp.int32)
    return status[jnp.argmax(status != Status.OK)]


def find_half_mode(
    species: ncdm.NCDMSpecies, *, n_k: int = 12, max_moves: int = 8, cosmo=PLANCK18, settings=transfer.DEFAULT_SETTINGS
) -> HalfMode:
    """Half mode of a concrete species at z = 0 (module docstring). Eager; raises
    ``jaxbsm.status.SolverError`` if the perturbation solve fails at some k, or (BAD_BRACKET) if no
    crossing is found in ``max_moves`` moves of the window."""
    k_c = float(wdm_fits.half_mode_k_viel(thermal_equivalent_mass(species)))
    for _ in range(max_moves):
        sel = k_window(k_c, n_k)
        k = K_LATTICE[sel]
        T2, status = _transfer_squared_z0(sel, species, cosmo, settings)
        T2, status = np.asarray(T2), np.asarray(status)
        raise_if_failed(status, f"find_half_mode: the perturbation solve at k_h = {k[status != Status.OK]} h/Mpc")
        low, high = T2[0] < 0.5 and sel.start > 0, T2[-1] >= 0.5 and sel.stop < K_LATTICE.size
        if not (low or high):
            break
        k_c = k[0] if low else k[-1]
    else:
        raise_if_failed(Status.BAD_BRACKET, f"find_half_mode: no crossing of T^2 = 1/2 after {max_moves} moves (last window {k} h/Mpc)")
    k_hm = float(transfer.half_mode_k_from_table(k, T2))
    status = Status.OK if T2[0] >= 0.5 > T2[-1] else Status.BAD_BRACKET
    return HalfMode(k_hm, 2.0 * np.pi / k_hm, k, int(status))


def half_mode_length(species: ncdm.NCDMSpecies, k_h, **solver) -> HalfModeLength:
    """λ_hm = 2π/k_hm [Mpc/h] of the species on a fixed window k_h [h/Mpc] (concrete, e.g.
    ``find_half_mode(...).k_h``) and its status (HalfModeLength); differentiable in the species (the
    crossing moves continuously inside the window). ``solver``: cosmo/settings of
    ``transfer.transfer_squared``."""
    T2, status = transfer.transfer_squared(k_h, species, 0.0, **solver)
    t2 = T2[:, 0]
    lambda_hm = wdm_fits.lambda_hm_from_k(transfer.half_mode_k_from_table(k_h, t2))
    status = where_failed(~((t2[0] >= 0.5) & (t2[-1] < 0.5)), Status.BAD_BRACKET, _first_failure_along(status))
    return HalfModeLength(lambda_hm, status)


__all__ = [
    "HalfMode",
    "HalfModeLength",
    "find_half_mode",
    "half_mode_length",
    "k_window",
    "mean_velocity_scale",
    "species_from_freeze_in",
    "thermal_equivalent_mass",
]
