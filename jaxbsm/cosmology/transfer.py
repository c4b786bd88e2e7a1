r"""Matter transfer function of non-cold dark matter: T²(k) = P(k)/P_ΛCDM(k) from the linear
Einstein–Boltzmann solver (jaxbsm.cosmology.linear_perturbations), and the half-mode scale.

Units: k in h/Mpc (public), z redshift, P in (Mpc/h)^3. Conventions: ``half_mode_k_from_table(...,
convention="T2")`` is the seed's T²(k_hm) = 1/2 (König, Merle & Totzauer, arXiv:1609.01289);
``convention="T"`` is T(k_hm) = 1/2 (Schneider et al. 2012, Murgia et al. 2017), at a larger k.

Each k is solved in three phases whose boundaries are fixed per k on the Λ-CDM background
(``switch_times``, continuous in k): tight coupling → full photon hierarchy → radiation streaming
for modes the photons still see undamped at decoupling, tight coupling (with the adiabatic
relaxation of the acoustic and neutrino oscillations of ``linear_perturbations``) → damped photons
with tied baryons → radiation streaming for modes that are Silk-damped first (k ≳ 2–3 h/Mpc, every
half mode of interest). The matter contrast is δ_m = (ρ_b δ_b + ρ_c δ_c + δρ_ncdm)/(ρ_b + ρ_c +
ρ_ncdm) in synchronous gauge (CLASS's P_m). Several k are solved one after the other (lax.map: each
k takes its own steps; a vmap ran every k in lockstep with the slowest, 2× slower on a CPU).
``transfer_squared_at`` solves one traced k (species and Λ-CDM), the building block of the
half-mode root find (jaxbsm.cosmology.half_mode). Cost on a 2-core CPU: ≈ 10–17 ms per k for a
32-node species, ≈ 5 ms for Λ-CDM, at k = 8–60 h/Mpc.

Failures: every result carries a per-k int32 ``status`` (``jaxbsm.status``): the first failure of
the thermal history, the Λ-CDM reference and the mode's own solve (MAX_STEPS, NONFINITE), with
finite placeholder values (δ_m = 0, T² = 0) where it is not OK.
"""

from __future__ import annotations

import concurrent.futures
import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxbsm.checks import require_float64
from jaxbsm.cosmology import ncdm, recombination
from jaxbsm.cosmology.background import PLANCK18, Cosmology, conformal_hubble_lcdm, conformal_time_lcdm
from jaxbsm.cosmology.linear_perturbations import Background, PerturbationSettings, StateLayout, relaxation_exponent, solve_mode
from jaxbsm.status import Status, first_failure, raise_if_failed

__all__ = [
    "DEFAULT_SETTINGS",
    "K_RANGE_H",
    "MatterContrast",
    "SwitchTables",
    "TransferSquared",
    "cold_species",
    "half_mode_k_from_table",
    "lcdm_reference",
    "matter_contrast",
    "power_spectrum_lcdm",
    "lcdm_settings",
    "switch_times",
    "switch_times_from_tables",
    "transfer_squared",
    "transfer_squared_at",
]

DEFAULT_SETTINGS = PerturbationSettings()


@functools.lru_cache(maxsize=8)
def _thermal(cosmo: Cosmology):
    """The thermal history of ``cosmo`` as numpy arrays (cached; concrete even when first asked for
    inside a trace, see ``_outside_traces``)."""
    return _outside_traces(lambda: jax.tree.map(np.asarray, jax.jit(recombination.thermal_history)(cosmo)))


def _outside_traces(fn):
    """fn() evaluated where no JAX trace is active: JAX's trace state is per thread, so a worker thread
    computes concrete arrays even when the caller is being traced (jit of a function whose first call
    builds these cached tables); ``jax.ensure_compile_time_eval`` does not cover diffrax's checks."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


class SwitchTables(NamedTuple):
    """Λ-CDM background on a u = ln a grid (numpy or jax arrays): τ [Mpc], H = a'/a [1/Mpc], κ'
    [1/Mpc], R_MB = 4ρ_γ/3ρ_b and the Silk diffusion integral D [Mpc²]."""

    u: np.ndarray
    tau: np.ndarray
    Hc: np.ndarray
    kappa: np.ndarray
    r_mb: np.ndarray
    D: np.ndarray


@functools.lru_cache(maxsize=8)
def _trigger_tables(cosmo: Cosmology) -> SwitchTables:
    """The SwitchTables of ``cosmo`` on 6000 nodes from a = 1e-12 to 1 (numpy, cached)."""
    u = np.linspace(np.log(1e-12), 0.0, 6000)
    th = _thermal(cosmo)
    a = np.exp(u)
    kappa, Hc = _outside_traces(
        lambda: (np.asarray(jax.vmap(lambda x: recombination.interpolate(th, x)[0])(jnp.asarray(u))),
                 np.asarray(conformal_hubble_lcdm(a, cosmo)))
    )
    tau = conformal_time_lcdm(a, cosmo)
    r_mb = 4.0 * cosmo.omega_gamma / (3.0 * cosmo.omega_b * a)
    r_hs = 1.0 / r_mb
    dD_du = (r_hs**2 / (1 + r_hs) + 0.8) / (6 * (1 + r_hs) * kappa) / Hc
    D = np.concatenate([[0.0], np.cumsum(0.5 * np.diff(u) * (dD_du[1:] + dD_du[:-1]))])
    return SwitchTables(u, tau, Hc, kappa, r_mb, D)


def _crossing(F, u):
    """First u where F(u) > 0, linear in u between the two nodes around it (continuous in the
    parameters of F); u[0] if F > 0 there, u[-1] if never."""
    pos = F > 0
    i = jnp.maximum(jnp.argmax(pos), 1)
    f0, f1 = F[i - 1], F[i]
    t = jnp.clip(-f0 / jnp.where(f1 > f0, f1 - f0, 1.0), 0.0, 1.0)
    uc = u[i - 1] + t * (u[i] - u[i - 1])
    return jnp.where(pos[0], u[0], jnp.where(jnp.any(pos), uc, u[-1]))


def switch_times_from_tables(k, tab: SwitchTables, s: PerturbationSettings):
    """Phase boundaries of one k [1/Mpc] (traced; jit/grad-safe): u_ini, τ_ini [Mpc], u1, u2
    (u = ln a) and ``tied`` (bool), from the Λ-CDM background ``tab``.

    u_ini: kτ = k_tau_ini (at most ln a_ini_max). Tied modes (Silk-damped to k²D > n_damp² while the
    photons still carry the baryons, H/(R_MB κ') < eps_tca_h): u1 where kτ > x_rsa and the total
    damping exponent k²D + ∫γ dτ (``linear_perturbations.relaxation_exponent``) exceeds n_relax²,
    u2 at the baryons' release. Other modes: u1 at the end of tight coupling (κ'^{-1}k > eps_tca_k
    or κ'^{-1}H > eps_tca_h), u2 at radiation streaming (kτ > x_rsa and κ'τ < 0.2 or k²D > n_damp²).
    """
    x = k * tab.tau
    u = tab.u
    u_ini = jnp.minimum(_crossing(x - s.k_tau_ini, u), np.log(s.a_ini_max))
    tau_ini = jnp.interp(u_ini, u, tab.tau)
    u_a = _crossing(jnp.maximum(k / tab.kappa - s.eps_tca_k, tab.Hc / tab.kappa - s.eps_tca_h), u)
    u_b = _crossing(tab.Hc / (tab.r_mb * tab.kappa) - s.eps_tca_h, u)
    k2D = k * k * tab.D
    u_d = _crossing(jnp.minimum(x - s.x_rsa, jnp.maximum(k2D - s.n_damp**2, 0.2 - tab.kappa * tab.tau)), u)
    u_r = _crossing(jnp.minimum(x - s.x_rsa, k2D + relaxation_exponent(x, s) - s.n_relax**2), u)
    tied = u_d < u_b
    u1 = jnp.where(tied, jnp.minimum(u_d, u_r), u_a)
    u2 = jnp.where(tied, u_b, u_d)
    return u_ini, tau_ini, u1, u2, tied


def switch_times(k, cosmo: Cosmology, s: PerturbationSettings):
    """Per k [1/Mpc] (numpy in, numpy out): u_ini, τ_ini, the end of phases 1 and 2 (u = ln a) and
    whether phase 2 is the tied (damped-photon) one (``switch_times_from_tables``)."""
    tab = jax.tree.map(jnp.asarray, _trigger_tables(cosmo))
    out = _switch_times_batch(jnp.atleast_1d(jnp.asarray(k, float)), tab, s)
    return tuple(np.asarray(v) for v in out)


_switch_times_batch = jax.jit(jax.vmap(switch_times_from_tables, (0, None, None)), static_argnums=2)


def cold_species() -> ncdm.NCDMSpecies:
    """A placeholder non-cold species of zero density (all dark matter cold)."""
    one = jnp.ones(1)
    return ncdm.NCDMSpecies(one, one, -one, jnp.asarray(1e8), jnp.asarray(0.0))


class MatterContrast(NamedTuple):
    """δ_m(k, z) per unit comoving curvature R (synchronous gauge), shape (n_k, n_z), and the per-k
    int32 solver status, shape (n_k,) (module docstring)."""

    delta: jax.Array
    status: jax.Array


class TransferSquared(NamedTuple):
    """T²(k, z) = P/P_ΛCDM (dimensionless), shape (n_k, n_z), and the per-k int32 solver status,
    shape (n_k,) (module docstring)."""

    T2: jax.Array
    status: jax.Array


def _solve_one(k, u_out, bg, sp, th, tab, L, s):
    u_ini, tau_ini, u1, u2, tied = switch_times_from_tables(k, tab, s)
    return solve_mode(k, u_ini, tau_ini, u1, u2, tied, u_out, bg, sp, th, L, s)


@functools.partial(jax.jit, static_argnames=("L", "s"))
def _solve_batch(k, u_out, bg, sp, th, tab, L, s):
    """``solve_mode`` over the k [1/Mpc] one after the other (lax.map: each k takes its own steps;
    vmap would run every k in lockstep with the slowest)."""
    return jax.lax.map(lambda kk: _solve_one(kk, u_out, bg, sp, th, tab, L, s), k)


K_RANGE_H = (0.01, 1000.0)  # h/Mpc: the wavenumbers the solver accepts


def _check_k_z(k_h, z):
    require_float64("transfer")
    k_h = np.atleast_1d(np.asarray(k_h, float))
    z = np.atleast_1d(np.asarray(z, float))
    if k_h.ndim != 1 or not np.all((k_h >= K_RANGE_H[0]) & (k_h <= K_RANGE_H[1])):
        raise ValueError(f"k_h = {k_h} [h/Mpc] must be a 1-d array in the allowed range [{K_RANGE_H[0]}, {K_RANGE_H[1]:g}]")
    if not np.all((z >= 0.0) & (z <= 20.0)):
        raise ValueError(f"z = {z} must lie in the allowed range [0, 20]")
    return k_h, z


def _background(cosmo: Cosmology, species) -> Background:
    return Background(cosmo.omega_gamma, cosmo.omega_ur, cosmo.omega_b, cosmo.omega_dm - species.omega, cosmo.omega_lambda)


def matter_contrast(k_h, z, species: ncdm.NCDMSpecies, cosmo: Cosmology = PLANCK18, settings=DEFAULT_SETTINGS) -> MatterContrast:
    """δ_m(k, z) per unit comoving curvature R (synchronous gauge) and the per-k solver status.

    k_h: (n_k,) in h/Mpc (concrete); z: (n_z,) redshifts (concrete); species: the non-cold part of
    the dark matter (its omega ≤ cosmo.omega_dm; the rest is cold). Returns a MatterContrast,
    delta (n_k, n_z) and status (n_k,) (the thermal history's status included).
    """
    k_h, z = _check_k_z(k_h, z)
    cosmo.check()
    k = k_h * cosmo.h
    u2 = switch_times(k, cosmo, settings)[3]
    u_out = np.sort(np.log(1.0 / (1.0 + z)))
    order = np.argsort(np.argsort(np.log(1.0 / (1.0 + z))))
    if np.any(u2 > u_out[0]):
        bad = k_h[u2 > u_out[0]]
        raise ValueError(f"k_h = {bad} [h/Mpc] too small for output at z = {z.max()}: radiation streaming starts later")
    L = StateLayout(settings.l_max_g, settings.l_max_ur, settings.l_max_ncdm, int(species.q.shape[0]))
    th = _thermal(cosmo)
    tab = jax.tree.map(jnp.asarray, _trigger_tables(cosmo))
    sol = _solve_batch(jnp.asarray(k), jnp.asarray(u_out), _background(cosmo, species), species, th, tab, L, settings)
    return MatterContrast(sol.delta[:, order], first_failure(th.status, sol.status))


@functools.lru_cache(maxsize=32)
def _lcdm_cached(k_h: tuple, z: tuple, cosmo: Cosmology, settings: PerturbationSettings) -> MatterContrast:
    d = matter_contrast(np.array(k_h), np.array(z), cold_species(), cosmo, lcdm_settings(settings))
    return jax.tree.map(np.asarray, d)


def lcdm_reference(k_h, z=0.0, cosmo: Cosmology = PLANCK18, settings=DEFAULT_SETTINGS) -> MatterContrast:
    """δ_m(k, z) of Λ-CDM (the same cosmology with all dark matter cold) and its per-k status, as
    numpy arrays (n_k, n_z) and (n_k,): the reference of ``transfer_squared``, solved by the same
    solver once per (k_h [h/Mpc], z, cosmology, settings) and cached (eager: concrete inputs)."""
    k_h, z = _check_k_z(k_h, z)
    return _lcdm_cached(tuple(k_h), tuple(z), cosmo, settings)


def transfer_squared(
    k_h, species: ncdm.NCDMSpecies, z=0.0, cosmo: Cosmology = PLANCK18, settings=DEFAULT_SETTINGS
) -> TransferSquared:
    """T²(k, z) = P(k)/P_ΛCDM(k) (dimensionless, shape (n_k, n_z)) and the per-k solver status.

    The Λ-CDM reference (``lcdm_reference``) has the same cosmology with all dark matter cold; the
    status is the first failure of the reference and of the species' solve, T² = 0 where it is
    not OK (module docstring).
    """
    k_h, z = _check_k_z(k_h, z)
    ref = lcdm_reference(k_h, z, cosmo, settings)
    d = matter_contrast(k_h, z, species, cosmo, settings)
    status = first_failure(ref.status, d.status)
    ok = (status == Status.OK)[:, None]
    ref_delta = np.where(np.asarray(ref.status)[:, None] == Status.OK, ref.delta, 1.0)
    return TransferSquared(jnp.where(ok, (d.delta / ref_delta) ** 2, 0.0), status)


def lcdm_settings(settings: PerturbationSettings) -> PerturbationSettings:
    """The settings of the Λ-CDM reference solve (its placeholder species needs no hierarchy)."""
    return settings._replace(l_max_ncdm=3)


def transfer_squared_at(k_h, species: ncdm.NCDMSpecies, cosmo: Cosmology = PLANCK18, settings=DEFAULT_SETTINGS) -> TransferSquared:
    """T²(k) = P/P_ΛCDM at z = 0 for one traced k_h [h/Mpc] (scalar; jit-, vmap- and reverse-mode
    safe in k_h and the species): the species and the Λ-CDM reference solved at that k by the same
    solver as ``transfer_squared`` (identical numbers). Returns a TransferSquared with scalar T2
    and status (first failure of the thermal history, the Λ-CDM and the species' solve; T² = 0
    where not OK). No range check: k_h must lie in K_RANGE_H (the caller's job under jit)."""
    k = jnp.asarray(k_h, float) * cosmo.h
    th = _thermal(cosmo)
    tab = jax.tree.map(jnp.asarray, _trigger_tables(cosmo))
    u_out = jnp.zeros(1)
    cold = cold_species()
    s_ref = lcdm_settings(settings)
    L = StateLayout(settings.l_max_g, settings.l_max_ur, settings.l_max_ncdm, int(species.q.shape[0]))
    L_ref = StateLayout(s_ref.l_max_g, s_ref.l_max_ur, s_ref.l_max_ncdm, 1)
    ref = _solve_one(k, u_out, _background(cosmo, cold), cold, th, tab, L_ref, s_ref)
    sol = _solve_one(k, u_out, _background(cosmo, species), species, th, tab, L, settings)
    status = first_failure(th.status, ref.status, sol.status)
    ok = status == Status.OK
    T2 = (sol.delta[0] / jnp.where(ok, ref.delta[0], 1.0)) ** 2
    return TransferSquared(jnp.where(ok, T2, 0.0), status)


def power_spectrum_lcdm(k_h, z=0.0, cosmo: Cosmology = PLANCK18, A_s=2.1e-9, n_s=0.9649, settings=DEFAULT_SETTINGS):
    """Linear Λ-CDM matter power spectrum P(k, z) in (Mpc/h)^3, primordial A_s (k/0.05 Mpc⁻¹)^{n_s−1}.

    Eager (numpy); raises ``jaxbsm.status.SolverError`` if the Λ-CDM solve fails at some k."""
    k_h, z = _check_k_z(k_h, z)
    ref = lcdm_reference(k_h, z, cosmo, settings)
    raise_if_failed(ref.status, f"power_spectrum_lcdm (k_h = {k_h[np.asarray(ref.status) != Status.OK]} h/Mpc)")
    d = ref.delta
    k = k_h * cosmo.h
    p = 2 * np.pi**2 / k**3 * A_s * (k / 0.05) ** (n_s - 1)
    return p[:, None] * d**2 * cosmo.h**3


def half_mode_k_from_table(k_h, T2, convention: str = "T2"):
    """Half-mode wavenumber [h/Mpc] from a tabulated T²(k) on increasing k_h (differentiable in T2).

    convention "T2": T²(k_hm) = 1/2 (seed 003, KMT 2016); "T": T(k_hm) = 1/2, i.e. T² = 1/4
    (Schneider et al. 2012, Murgia et al. 2017). Linear interpolation of T² in ln k between the two
    grid points around the first crossing. Outside the grid it returns the grid's end: k_h[0] if T²
    is already below the target there, k_h[-1] if it never drops below; choose the grid to bracket k_hm.
    """
    if convention not in ("T2", "T"):
        raise ValueError(f"convention = {convention!r} must be 'T2' (T^2 = 1/2) or 'T' (T = 1/2)")
    target = 0.5 if convention == "T2" else 0.25
    lnk = jnp.log(jnp.asarray(k_h))
    T2 = jnp.asarray(T2)
    below = T2 < target
    i = jnp.clip(jnp.argmax(below), 1, T2.shape[0] - 1)
    t = (T2[i - 1] - target) / (T2[i - 1] - T2[i])
    k_cross = jnp.exp(lnk[i - 1] + t * (lnk[i] - lnk[i - 1]))
    return jnp.where(below[0], k_h[0], jnp.where(jnp.any(below), k_cross, k_h[-1]))
