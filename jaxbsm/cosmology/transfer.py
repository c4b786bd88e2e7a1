r"""Matter transfer function of non-cold dark matter: T²(k) = P(k)/P_ΛCDM(k) from the linear
Einstein–Boltzmann solver (jaxbsm.cosmology.linear_perturbations), and the half-mode scale.

Units: k in h/Mpc (public), z redshift, P in (Mpc/h)^3. Conventions: ``half_mode_k(...,
convention="T2")`` is the seed's T²(k_hm) = 1/2 (König, Merle & Totzauer, arXiv:1609.01289);
``convention="T"`` is T(k_hm) = 1/2 (Schneider et al. 2012, Murgia et al. 2017), at a larger k.

Each k is solved in three phases whose boundaries are fixed per k on the Λ-CDM background
(``switch_times``): tight coupling → full photon hierarchy → radiation streaming for modes the
photons still see undamped at decoupling, tight coupling → damped photons with tied baryons →
radiation streaming for modes that are Silk-damped first. The matter contrast is
δ_m = (ρ_b δ_b + ρ_c δ_c + δρ_ncdm)/(ρ_b + ρ_c + ρ_ncdm) in synchronous gauge (CLASS's P_m).
"""

from __future__ import annotations

import functools

import diffrax
import jax
import jax.numpy as jnp
import numpy as np

from jaxbsm.cosmology import ncdm as _ncdm
from jaxbsm.cosmology import recombination
from jaxbsm.cosmology.background import PLANCK18, Cosmology, conformal_time_lcdm, conformal_hubble_lcdm
from jaxbsm.cosmology.linear_perturbations import (
    _DB,
    _DC,
    _ETA,
    _TB,
    _TG,
    PerturbationSettings,
    _Background,
    _Layout,
    _rhs,
    conformal_hubble,
    delta_matter,
    initial_state,
)

DEFAULT_SETTINGS = PerturbationSettings()


@functools.lru_cache(maxsize=8)
def _thermal(cosmo: Cosmology):
    th = jax.jit(recombination.thermal_history)(cosmo)
    return recombination.ThermalHistory(*(np.asarray(x) for x in th))


@functools.lru_cache(maxsize=8)
def _trigger_tables(cosmo: Cosmology):
    """u = ln a grid with τ, H, κ', R_MB = 4ρ_γ/3ρ_b and the Silk diffusion integral D (Λ-CDM)."""
    u = np.linspace(np.log(1e-12), 0.0, 6000)
    th = _thermal(cosmo)
    kappa = np.asarray(jax.vmap(lambda x: recombination.interpolate(th, x)[0])(jnp.asarray(u)))
    a = np.exp(u)
    tau = conformal_time_lcdm(a, cosmo)
    Hc = np.asarray(conformal_hubble_lcdm(a, cosmo))
    r_mb = 4.0 * cosmo.omega_gamma / (3.0 * cosmo.omega_b * a)
    r_hs = 1.0 / r_mb
    dD_du = (r_hs**2 / (1 + r_hs) + 0.8) / (6 * (1 + r_hs) * kappa) / Hc
    D = np.concatenate([[0.0], np.cumsum(0.5 * np.diff(u) * (dD_du[1:] + dD_du[:-1]))])
    return u, tau, Hc, kappa, r_mb, D


def _first(cond, u):
    idx = np.where(cond.any(axis=-1), cond.argmax(axis=-1), len(u) - 1)
    return u[idx]


def switch_times(k, cosmo: Cosmology, s: PerturbationSettings):
    """Per k [1/Mpc] (numpy): u_ini, τ_ini, the end of phases 1 and 2 (u = ln a) and whether phase 2
    is the tied (damped-photon) one."""
    u, tau, Hc, kappa, r_mb, D = _trigger_tables(cosmo)
    k = np.asarray(k, float)[:, None]
    u_ini = np.minimum(_first(k * tau > s.k_tau_ini, u), np.log(s.a_ini_max))
    tau_ini = np.interp(u_ini, u, tau)
    tca_off = (k / kappa > s.eps_tca_k) | (Hc / kappa > s.eps_tca_h)
    release = Hc / (r_mb * kappa) > s.eps_tca_h
    rsa = (k * tau > s.x_rsa) & ((k**2 * D > s.n_damp**2) | (kappa * tau < 0.2))
    u_a, u_b, u_d = _first(tca_off, u), _first(release, u), _first(rsa, u)
    tied = u_d < u_b
    u1 = np.where(tied, u_d, u_a)
    u2 = np.where(tied, u_b, u_d)
    return u_ini, tau_ini, u1, u2, tied


def cold_species() -> _ncdm.NCDMSpecies:
    """A placeholder non-cold species of zero density (all dark matter cold)."""
    one = jnp.ones(1)
    return _ncdm.NCDMSpecies(one, one, -one, jnp.asarray(1e8), jnp.asarray(0.0))


def _solve_one(k, u_ini, tau_ini, u1, u2, tied, u_out, bg, sp, th, L, s: PerturbationSettings):
    solver = diffrax.Tsit5()
    ctrl = diffrax.PIDController(rtol=s.rtol, atol=s.atol)
    term = diffrax.ODETerm(_rhs)
    t, f = jnp.asarray(True), jnp.asarray(False)

    def run(y0, t0, t1, tca, rsa, saveat):
        return diffrax.diffeqsolve(
            term, solver, t0, t1, None, y0, args=(k, tca, rsa, bg, sp, th, L),
            stepsize_controller=ctrl, saveat=saveat, max_steps=s.max_steps, throw=False,
        )

    y0 = initial_state(k, u_ini, tau_ini, bg, sp, L)
    s1 = run(y0, u_ini, u1, t, f, diffrax.SaveAt(t1=True))
    y1 = s1.ys[-1]
    y1 = y1.at[_TG].set(y1[_TB])
    # entering the tied phase: the (damped) acoustic oscillation is dropped, δ_b = (3/4) δ_γ^RSA
    y1_nob = y1.at[_DB].set(0.0)
    hp = -2.0 * _rhs(u1, y1_nob, (k, t, t, bg, sp, th, L))[_DC] * conformal_hubble(jnp.exp(u1), bg, sp)
    db_rsa = 3.0 / k**2 * (conformal_hubble(jnp.exp(u1), bg, sp) * hp - k**2 * y1[_ETA])
    y1 = jnp.where(tied, y1.at[_DB].set(db_rsa), y1)
    s2 = run(y1, u1, u2, tied, tied, diffrax.SaveAt(t1=True))
    y2 = s2.ys[-1]
    # leaving the tied phase: θ_b = θ_γ = −h'/2 = δ_c'
    dc_prime = _rhs(u2, y2, (k, tied, tied, bg, sp, th, L))[_DC] * conformal_hubble(jnp.exp(u2), bg, sp)
    y2 = jnp.where(tied, y2.at[_TB].set(dc_prime), y2)
    s3 = run(y2, u2, 0.0, f, t, diffrax.SaveAt(ts=u_out))
    ok = (s1.result == diffrax.RESULTS.successful) & (s2.result == diffrax.RESULTS.successful) & (
        s3.result == diffrax.RESULTS.successful
    )
    deltas = jax.vmap(lambda u, y: delta_matter(jnp.exp(u), y, bg, sp, L))(u_out, s3.ys)
    return deltas, ok


@functools.partial(jax.jit, static_argnames=("L", "s"))
def _solve_batch(k, u_ini, tau_ini, u1, u2, tied, u_out, bg, sp, th, L, s):
    return jax.vmap(_solve_one, in_axes=(0, 0, 0, 0, 0, 0, None, None, None, None, None, None))(
        k, u_ini, tau_ini, u1, u2, tied, u_out, bg, sp, th, L, s
    )


K_RANGE_H = (0.01, 1000.0)  # h/Mpc: the wavenumbers the solver accepts


def _check_k_z(k_h, z):
    k_h = np.atleast_1d(np.asarray(k_h, float))
    z = np.atleast_1d(np.asarray(z, float))
    if k_h.ndim != 1 or not np.all((k_h >= K_RANGE_H[0]) & (k_h <= K_RANGE_H[1])):
        raise ValueError(f"k_h = {k_h} [h/Mpc] must be a 1-d array in the allowed range [{K_RANGE_H[0]}, {K_RANGE_H[1]:g}]")
    if not np.all((z >= 0.0) & (z <= 20.0)):
        raise ValueError(f"z = {z} must lie in the allowed range [0, 20]")
    return k_h, z


def matter_contrast(k_h, z, species: _ncdm.NCDMSpecies, cosmo: Cosmology = PLANCK18, settings=DEFAULT_SETTINGS):
    """δ_m(k, z) per unit comoving curvature R (synchronous gauge), and a per-k success flag.

    k_h: (n_k,) in h/Mpc (concrete); z: (n_z,) redshifts (concrete); species: the non-cold part of
    the dark matter (its omega ≤ cosmo.omega_dm; the rest is cold). Returns ((n_k, n_z), (n_k,)).
    """
    k_h, z = _check_k_z(k_h, z)
    cosmo.check()
    k = k_h * cosmo.h
    u_ini, tau_ini, u1, u2, tied = switch_times(k, cosmo, settings)
    u_out = np.sort(np.log(1.0 / (1.0 + z)))
    order = np.argsort(np.argsort(np.log(1.0 / (1.0 + z))))
    if np.any(u2 > u_out[0]):
        bad = k_h[u2 > u_out[0]]
        raise ValueError(f"k_h = {bad} [h/Mpc] too small for output at z = {z.max()}: radiation streaming starts later")
    bg = _Background(cosmo.omega_gamma, cosmo.omega_ur, cosmo.omega_b, cosmo.omega_dm - species.omega, cosmo.omega_lambda)
    L = _Layout(settings.l_max_g, settings.l_max_ur, settings.l_max_ncdm, int(species.q.shape[0]))
    deltas, ok = _solve_batch(
        jnp.asarray(k), jnp.asarray(u_ini), jnp.asarray(tau_ini), jnp.asarray(u1), jnp.asarray(u2),
        jnp.asarray(tied), jnp.asarray(u_out), bg, species, _thermal(cosmo), L, settings,
    )
    return deltas[:, order], ok


@functools.lru_cache(maxsize=32)
def _lcdm_contrast(k_h: tuple, z: tuple, cosmo: Cosmology, settings: PerturbationSettings):
    s = settings._replace(l_max_ncdm=3)
    d, ok = matter_contrast(np.array(k_h), np.array(z), cold_species(), cosmo, s)
    if not np.all(np.asarray(ok)):
        raise RuntimeError(f"the Lambda-CDM reference failed at k_h = {np.array(k_h)[~np.asarray(ok)]}")
    return np.asarray(d)


def transfer_squared(k_h, species: _ncdm.NCDMSpecies, z=0.0, cosmo: Cosmology = PLANCK18, settings=DEFAULT_SETTINGS):
    """T²(k, z) = P(k)/P_ΛCDM(k) (dimensionless, shape (n_k, n_z)) and the per-k success flag.

    The Λ-CDM reference has the same cosmology with all dark matter cold, computed once per
    (k, z, cosmology, settings) by the same solver.
    """
    k_h, z = _check_k_z(k_h, z)
    ref = _lcdm_contrast(tuple(k_h), tuple(z), cosmo, settings)
    d, ok = matter_contrast(k_h, z, species, cosmo, settings)
    return (d / ref) ** 2, ok


def power_spectrum_lcdm(k_h, z=0.0, cosmo: Cosmology = PLANCK18, A_s=2.1e-9, n_s=0.9649, settings=DEFAULT_SETTINGS):
    """Linear Λ-CDM matter power spectrum P(k, z) in (Mpc/h)^3, primordial A_s (k/0.05 Mpc⁻¹)^{n_s−1}."""
    k_h, z = _check_k_z(k_h, z)
    d = _lcdm_contrast(tuple(k_h), tuple(z), cosmo, settings)
    k = k_h * cosmo.h
    p = 2 * np.pi**2 / k**3 * A_s * (k / 0.05) ** (n_s - 1)
    return p[:, None] * d**2 * cosmo.h**3


def half_mode_k(k_h, T2, convention: str = "T2"):
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
