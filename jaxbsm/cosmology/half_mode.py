r"""Half-mode scale of a non-cold species from the linear Boltzmann solver, and the chain
freeze-in → f_N(q) → T²(k) → λ_hm of the scalar-decay model (issue 5, seed 003).

Units: k in h/Mpc, λ in Mpc/h. Convention: T²(k_hm) = 1/2 at z = 0 (seed 003; König, Merle &
Totzauer 2016, arXiv:1609.01289), λ_hm = 2π/k_hm; ``convention="T"`` gives T(k_hm) = 1/2 (Schneider
et al. 2012). The species makes up all of the dark matter (ω_ncdm = ω_dm of Planck 2018), as the
Lyman-α bounds on thermal relics assume; whether a model gives that abundance is the Planck
likelihood's business (``planck-dm``).

Root find (``half_mode_k``): k_hm solves g(x) = ln T²(e^x) − ln(1/2) = 0 in x = ln k, each T²(k) a
solve of the species and of Λ-CDM at that one k (``transfer.transfer_squared_at``). It starts at the
half mode of the thermal relic with the same mean velocity today (Viel et al. 2005 relation,
``thermal_equivalent_mass``), takes a first step along the Viel shape ln T² = −(10/ν) ln(1 +
(αk)^{2ν}), ν = 1.12, through the first point, then secant steps (capped at |Δ ln k| = 1 while the
root is not bracketed; regula falsi inside the bracket when a secant step would leave it), until
|Δ ln k| < 1e-7, |g| < 1e-8 or a bracket narrower than 1e-7 (4–5 solves, against 12 lattice points
before); regula falsi with the Illinois modification, so that T² noisy at the solver's tolerance
(|δ ln T²| ~ 1e-4 at k ~ 200 h/Mpc) cannot stall it. The root is exact up to
the solver's tolerance, not a linear interpolation of T² between lattice points (that one was off
by up to 0.3% on the Δ ln k = 0.2 lattice).

Gradients (custom JVP, implicit function theorem): dx* = −(∂g/∂θ · dθ)/(∂g/∂x) at the root, with
(∂g/∂x, ∂g/∂θ) from one reverse-mode pass through the two solves at k_hm (θ: every leaf of the
species, so any parameter upstream — mass, the spectrum f(q) and what made it — gets its derivative
from one such pass). Both jax.grad and jax.jvp/jacfwd work; higher derivatives are not provided.

Failures (``status``, ``jaxbsm.status``): the first failed perturbation solve (MAX_STEPS,
NONFINITE); BAD_BRACKET if T² does not cross the target inside the allowed k range (k_hm is then
that edge: λ_hm > 628 Mpc/h (hot) or < 0.0063 Mpc/h (cold for every bound) over the solver's range
0.01–1000 h/Mpc); ROOT_NOT_FOUND if the iteration did not converge. A failed point has zero
derivative. The eager ``find_half_mode`` raises ``jaxbsm.status.SolverError`` on a failure.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxbsm.checks import is_concrete, require_float64
from jaxbsm.cosmology import ncdm, transfer, wdm_fits
from jaxbsm.cosmology.background import PLANCK18, T_NU_OVER_T_GAMMA, Cosmology
from jaxbsm.cosmology.freeze_in import FreezeInResult, q_today
from jaxbsm.cosmology.linear_perturbations import PerturbationSettings
from jaxbsm.cosmology.templates import MEAN_Q_FERMI_DIRAC
from jaxbsm.status import Status, raise_if_failed

K_MIN, K_MAX = transfer.K_RANGE_H

_NU_VIEL = 1.12  # Viel et al. 2005 shape exponent (first step of the root find only)
_MAX_STEP = 1.0  # |Δ ln k| per step while the root is not bracketed
_X_TOL = 1e-7  # convergence in ln k
_G_TOL = 1e-8  # convergence in ln T² (|d ln T²/d ln k| ≥ 1 near the half mode: ln k within 1e-8)
_MAX_ITER = 30
_TARGETS = {"T2": 0.5, "T": 0.25}


class HalfMode(NamedTuple):
    """k_hm [h/Mpc], λ_hm = 2π/k_hm [Mpc/h], a window of K_LATTICE points [h/Mpc] around k_hm (for
    ``half_mode_length``), and the status (``jaxbsm.status``): OK if T² crossed 1/2 inside the
    solver's range, BAD_BRACKET if not (k_hm is then the edge of the range)."""

    k_hm: float
    lambda_hm: float
    k_h: np.ndarray
    status: int


class HalfModeK(NamedTuple):
    """k_hm [h/Mpc] (traced) and its int32 status (``jaxbsm.status``; module docstring)."""

    k_hm: jax.Array
    status: jax.Array


class HalfModeLength(NamedTuple):
    """λ_hm = 2π/k_hm [Mpc/h] found inside a k window and its int32 status (``jaxbsm.status``): the
    first failure of the perturbation solves, else BAD_BRACKET if T² does not cross 1/2 inside the
    window (λ_hm then belongs to the window's edge)."""

    lambda_hm: jax.Array
    status: jax.Array


def species_from_freeze_in(result: FreezeInResult, m_N_keV, omega=PLANCK18.omega_dm, *, g=None, n_q: int = 32):
    """NCDM species of the sterile neutrino from ``freeze_in.solve_freeze_in`` (scalar result with
    its spectrum): f_N on the result's bins, T_N,0 = (g_s0/g_ref)^{1/3} T_γ0 (``freeze_in.q_today``),
    the momentum range from ``ncdm.momentum_range``. omega: Ω_N h² given to the solver (default: all
    of Planck's dark matter; the module docstring says why)."""
    with jax.ensure_compile_time_eval():  # a constant of g, also when called under jit
        t_ratio = float(q_today(1.0, g))
    return ncdm.from_table(result.q, result.f, m_N_keV, t_ratio, omega, n_q=n_q)


def mean_velocity_scale(species: ncdm.NCDMSpecies):
    """⟨p⟩/m today (in units of c) of the species: ⟨q⟩ T_ncdm,0/m from its quadrature."""
    return jnp.sum(species.w * species.q) / jnp.sum(species.w) / species.m_over_T


def thermal_equivalent_mass(species: ncdm.NCDMSpecies, omega=PLANCK18.omega_dm):
    """Mass [keV] of the thermal relic (Viel et al. 2005 eq. 2 temperature, Ω_x h² = omega) whose
    ⟨p⟩/m today equals the species': with m/T_x ∝ m^{4/3}, m = [3.1514/(v · m_1/T_1)]^{3/4} keV."""
    m1_over_T1 = ncdm.mass_over_temperature(1.0, wdm_fits.wdm_temperature_ratio(1.0, omega) * T_NU_OVER_T_GAMMA)
    return (MEAN_Q_FERMI_DIRAC / (mean_velocity_scale(species) * m1_over_T1)) ** 0.75


# k lattice of the windows reported by find_half_mode (58 points, Δ ln k = 0.202)
K_LATTICE = np.geomspace(K_MIN, K_MAX, 58)


def k_window(k_centre: float, n_k: int = 4) -> slice:
    """The n_k consecutive points of K_LATTICE centred nearest k_centre [h/Mpc]."""
    i = int(np.searchsorted(K_LATTICE, k_centre)) - n_k // 2
    i = min(max(i, 0), K_LATTICE.size - n_k)
    return slice(i, i + n_k)


def _g(x, species, ln_target, cosmo, settings):
    """ln T²(e^x) − ln target and the solve's status (x = ln k, k in h/Mpc)."""
    T2, status = transfer.transfer_squared_at(jnp.exp(x), species, cosmo, settings)
    ok = (status == Status.OK) & (T2 > 0)
    return jnp.where(ok, jnp.log(jnp.where(ok, T2, 1.0)) - ln_target, 0.0), status


def _viel_step(g, ln_target):
    """Δ ln k to the target along ln T² = −(10/ν) ln(1 + (αk)^{2ν}) through a point with g."""
    now = jnp.expm1(-_NU_VIEL * (g + ln_target) / 10.0)
    want = jnp.expm1(-_NU_VIEL * ln_target / 10.0)
    return (jnp.log(want) - jnp.log(jnp.maximum(now, 1e-30))) / (2.0 * _NU_VIEL)


def _root(species, x0, x_lo, x_hi, ln_target, cosmo, settings):
    """x* = ln k_hm in [x_lo, x_hi] and its status by the safeguarded secant of the module docstring
    (one T² evaluation per iteration, the first at x0)."""
    G = functools.partial(_g, species=species, ln_target=ln_target, cosmo=cosmo, settings=settings)
    x0 = jnp.clip(x0, x_lo, x_hi)
    zero, no = jnp.zeros_like(x0), jnp.asarray(False)
    init = dict(x=x0, g=zero, xp=x0, gp=zero, xa=x0, ga=zero, have_a=no, xb=x0, gb=zero, have_b=no, rf_above=no, rf=no,
                it=jnp.asarray(0), status=jnp.asarray(Status.OK, jnp.int32), done=no, stuck=no)

    def body(c):
        x, g, xp, gp, first = c["x"], c["g"], c["xp"], c["gp"], c["it"] == 0
        bracketed = c["have_a"] & c["have_b"]
        slope_ok = (c["it"] >= 2) & (g != gp)
        xs = x - g * (x - xp) / jnp.where(slope_ok, g - gp, 1.0)
        # not bracketed: secant if it points the way g says (g > 0: T² above target, go to larger k), else Viel step
        right_way = slope_ok & jnp.where(g > 0, xs > x, xs < x)
        step = jnp.where(right_way, xs - x, _viel_step(g, ln_target))
        x_open = x + jnp.clip(step, -_MAX_STEP, _MAX_STEP)
        # bracketed: secant inside the bracket, else regula falsi on it
        lo, hi = jnp.minimum(c["xa"], c["xb"]), jnp.maximum(c["xa"], c["xb"])
        inside = slope_ok & (xs > lo) & (xs < hi)
        x_rf = c["xa"] - c["ga"] * (c["xb"] - c["xa"]) / jnp.where(c["gb"] != c["ga"], c["gb"] - c["ga"], 1.0)
        x_new = jnp.where(first, x, jnp.clip(jnp.where(bracketed, jnp.where(inside, xs, x_rf), x_open), x_lo, x_hi))
        stuck = (~first) & (~bracketed) & (x_new == x)  # pushed against an edge of the range
        g_new, st = G(x_new)
        above = g_new > 0
        it = c["it"] + 1
        # Illinois: two regula-falsi steps in a row that keep the same end halve that end's g, so the
        # bracket shrinks even where T² is noisy at the solver's tolerance (plain regula falsi stalled
        # there: 30 steps of ~1e-6 in ln k against a fixed end)
        rf = bracketed & ~inside & ~first
        illinois = rf & c["rf"] & (above == c["rf_above"])
        ga = jnp.where(illinois & ~above, 0.5 * c["ga"], c["ga"])
        gb = jnp.where(illinois & above, 0.5 * c["gb"], c["gb"])
        xa, xb = jnp.where(above, x_new, c["xa"]), jnp.where(above, c["xb"], x_new)
        converged = ((~first) & (jnp.abs(x_new - x) < _X_TOL)) | (jnp.abs(g_new) < _G_TOL) | (bracketed & (jnp.abs(xa - xb) < _X_TOL))
        return dict(
            x=x_new, g=g_new, xp=x, gp=g,
            xa=xa, ga=jnp.where(above, g_new, ga), have_a=c["have_a"] | above,
            xb=xb, gb=jnp.where(above, gb, g_new), have_b=c["have_b"] | ~above, rf_above=above, rf=rf,
            it=it, status=st, done=(st != Status.OK) | converged | stuck | (it >= _MAX_ITER), stuck=stuck,
        )

    c = jax.lax.while_loop(lambda c: ~c["done"], body, init)
    status = jnp.where(
        c["status"] != Status.OK,
        c["status"],
        jnp.where(c["stuck"], Status.BAD_BRACKET, jnp.where(c["it"] >= _MAX_ITER, Status.ROOT_NOT_FOUND, Status.OK)),
    )
    return c["x"], status.astype(jnp.int32)


@functools.partial(jax.custom_jvp, nondiff_argnums=(4, 5, 6))
def _ln_k_hm(species, x0, x_lo, x_hi, ln_target, cosmo, settings):
    return _root(species, x0, x_lo, x_hi, ln_target, cosmo, settings)


@_ln_k_hm.defjvp
def _ln_k_hm_jvp(ln_target, cosmo, settings, primals, tangents):
    species, x0, x_lo, x_hi = primals
    x, status = _ln_k_hm(species, x0, x_lo, x_hi, ln_target, cosmo, settings)
    gx, gsp = jax.grad(lambda xx, sp: _g(xx, sp, ln_target, cosmo, settings)[0], argnums=(0, 1))(x, species)
    dot = sum(jnp.sum(a * b) for a, b in zip(jax.tree.leaves(gsp), jax.tree.leaves(tangents[0]), strict=True))
    ok = (status == Status.OK) & (gx != 0)
    dx = jnp.where(ok, -dot / jnp.where(ok, gx, 1.0), 0.0)
    return (x, status), (dx, np.zeros(jnp.shape(status), jax.dtypes.float0))


@functools.partial(jax.jit, static_argnames=("convention", "cosmo", "settings"))
def _half_mode_k(species, k_lo, k_hi, k_guess, convention, cosmo, settings):
    ln_lo, ln_hi = jnp.log(jnp.asarray(k_lo, float)), jnp.log(jnp.asarray(k_hi, float))
    guess = jax.lax.stop_gradient(wdm_fits.half_mode_k_viel(thermal_equivalent_mass(species, cosmo.omega_dm)))
    x0 = jnp.log(jnp.where(jnp.isnan(k_guess), guess, k_guess))
    x, status = _ln_k_hm(species, x0, ln_lo, ln_hi, float(np.log(_TARGETS[convention])), cosmo, settings)
    return HalfModeK(jnp.exp(x), status)


def half_mode_k(
    species: ncdm.NCDMSpecies,
    k_range=transfer.K_RANGE_H,
    *,
    k_guess=None,
    convention: str = "T2",
    cosmo: Cosmology = PLANCK18,
    settings: PerturbationSettings = transfer.DEFAULT_SETTINGS,
) -> HalfModeK:
    """k_hm [h/Mpc] of the species at z = 0 and its status (HalfModeK), by the root find of the module
    docstring inside k_range = (k_lo, k_hi) [h/Mpc] (inside the solver's 0.01–1000). jit-, vmap- and
    differentiable (jax.grad, jax.jvp) in the species; k_guess [h/Mpc] (default: the Viel relic with
    the same mean velocity) only sets the start. convention: "T2" (T² = 1/2) or "T" (T = 1/2)."""
    require_float64("half_mode_k")
    if convention not in _TARGETS:
        raise ValueError(f"convention = {convention!r} must be 'T2' (T^2 = 1/2) or 'T' (T = 1/2)")
    k_lo, k_hi = k_range
    for name, v in (("k_lo", k_lo), ("k_hi", k_hi)):
        if is_concrete(v) and not K_MIN <= float(v) <= K_MAX:
            raise ValueError(f"half_mode_k: {name} = {float(v)} [h/Mpc] must lie in the solver's range [{K_MIN}, {K_MAX:g}]")
    if is_concrete(k_lo, k_hi) and not float(k_lo) < float(k_hi):
        raise ValueError(f"half_mode_k: k_range = ({float(k_lo)}, {float(k_hi)}) [h/Mpc] must be increasing")
    k_guess = jnp.nan if k_guess is None else k_guess
    return _half_mode_k(species, k_lo, k_hi, k_guess, convention, cosmo, settings)


def find_half_mode(
    species: ncdm.NCDMSpecies, *, n_k: int = 4, cosmo=PLANCK18, settings=transfer.DEFAULT_SETTINGS
) -> HalfMode:
    """Half mode of a concrete species at z = 0 over the solver's whole range (``half_mode_k``), with
    a window of n_k K_LATTICE points around it. Eager; raises ``jaxbsm.status.SolverError`` if a
    perturbation solve fails, the iteration does not converge, or (BAD_BRACKET) T² does not cross
    1/2 between 0.01 and 1000 h/Mpc."""
    res = half_mode_k(species, cosmo=cosmo, settings=settings)
    k_hm, status = float(res.k_hm), int(res.status)
    raise_if_failed(status, f"find_half_mode: k_hm = {k_hm:.6g} h/Mpc")
    k = K_LATTICE[k_window(k_hm, n_k)]
    return HalfMode(k_hm, 2.0 * np.pi / k_hm, k, status)


def half_mode_length(species: ncdm.NCDMSpecies, k_h, **solver) -> HalfModeLength:
    """λ_hm = 2π/k_hm [Mpc/h] of the species, its half mode searched inside the window
    [k_h[0], k_h[-1]] [h/Mpc] (concrete, e.g. ``find_half_mode(...).k_h``), and its status
    (HalfModeLength; BAD_BRACKET if the crossing is outside the window). Differentiable in the
    species (module docstring). ``solver``: cosmo/settings of ``half_mode_k``."""
    k_h = np.asarray(k_h, float)
    res = half_mode_k(species, (float(k_h[0]), float(k_h[-1])), k_guess=float(np.sqrt(k_h[0] * k_h[-1])), **solver)
    return HalfModeLength(wdm_fits.lambda_hm_from_k(res.k_hm), res.status)


__all__ = [
    "K_LATTICE",
    "HalfMode",
    "HalfModeK",
    "HalfModeLength",
    "find_half_mode",
    "half_mode_k",
    "half_mode_length",
    "k_window",
    "mean_velocity_scale",
    "species_from_freeze_in",
    "thermal_equivalent_mass",
]
