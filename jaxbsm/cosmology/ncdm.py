r"""Non-cold dark matter species with an arbitrary momentum distribution f(q), on a momentum grid.

Units: q = p a / T_ncdm,0 (comoving momentum in units of the species' reference temperature today,
T_ncdm,0 = t_ratio · T_cmb); masses in keV; omega = Omega_ncdm h^2. Background densities are given as
8 pi G a^4 rho / 3 in 1/Mpc^2 (jaxbsm.cosmology.background's convention).

A species is a quadrature: nodes q_i, weights w_i with sum_i w_i g(q_i) ≈ ∫ q² f(q) g(q) dq, and
d ln f / d ln q at the nodes (the source of the perturbation hierarchy, Ma & Bertschinger 1995,
ApJ 455, 7, eqs. 55-57). The nodes are Gauss–Legendre in ln q on [q_min, q_max] (dq = q d ln q), so
power-law behaviour at small q (q^{-1/2} e^{-q}, q^{-1} e^{-q²/q_τ²}) and fast tails cost nothing
special. The normalisation of f is irrelevant: the density today is fixed by ``omega``; the mass
m/T_ncdm,0 sets when the species turns non-relativistic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxbsm.checks import is_concrete
from jaxbsm.constants import BOLTZMANN_EV_PER_K
from jaxbsm.cosmology.background import H100_PER_MPC, T_NU_OVER_T_GAMMA


class NCDMSpecies(NamedTuple):
    """Quadrature of one non-cold species (a pytree: differentiable in w, dlnf, m_over_T, omega)."""

    q: jax.Array  # (n_q,) nodes
    w: jax.Array  # (n_q,) weights of ∫ q² f dq
    dlnf: jax.Array  # (n_q,) d ln f / d ln q at the nodes
    m_over_T: jax.Array  # m / T_ncdm,0
    omega: jax.Array  # Omega_ncdm h^2


def mass_over_temperature(m_keV, t_ratio, T_cmb: float = 2.7255):
    """m / T_ncdm,0 (dimensionless) for m in keV and T_ncdm,0 = t_ratio · T_cmb (T_cmb in K)."""
    return m_keV * 1e3 / (t_ratio * T_cmb * BOLTZMANN_EV_PER_K.value)


def _check(name, value, lo, hi):
    v = np.asarray(value)
    if not np.issubdtype(v.dtype, np.number) or not np.all((v >= lo) & (v <= hi)):
        raise ValueError(f"{name} = {value} is outside the allowed range [{lo}, {hi}]")


def from_distribution(
    f: Callable,
    m_keV,
    t_ratio,
    omega,
    *,
    q_min=1e-3,
    q_max=40.0,
    n_q: int = 32,
    T_cmb: float = 2.7255,
) -> NCDMSpecies:
    """Species of mass m_keV [keV] whose distribution is f(q) (a JAX function of q, any normalisation).

    d ln f / d ln q comes from automatic differentiation of f, so parameters that f closes over
    carry gradients into the transfer function. q_min/q_max bound the grid (they may be traced, as
    ``from_table``'s automatic range is): the integrand q³ f must be negligible outside, and the
    range should be tight, since the n_q nodes are spread evenly in ln q (24 nodes over [1e-3, 200]
    misplace k_hm of q^{-1}e^{-q²/16} by 40%, the nodes far in the tail carrying huge d ln f/d ln q;
    over [1e-3, 30] it matches CLASS to 0.08%). Default n_q = 32: k_hm of that spectrum moves by
    1.1e-3 from 24 to 32 nodes and by < 1e-5 from 32 to 48 (the momentum integrals of the
    free-streaming perturbations oscillate in q); the thermal and q^{-1/2}e^{-q} references move by
    ≤ 7e-5 from 24 to 32. Check convergence in n_q for new spectra.
    """
    if is_concrete(m_keV):
        _check("m_keV", m_keV, 1e-3, 1e6)
    if is_concrete(t_ratio):
        _check("t_ratio", t_ratio, 1e-3, 10.0)
    if is_concrete(omega):
        _check("omega", omega, 0.0, 1.0)
    if is_concrete(q_min) and is_concrete(q_max) and not 0.0 < float(q_min) < float(q_max):
        raise ValueError(f"q range [{q_min}, {q_max}] must satisfy 0 < q_min < q_max")
    x, wx = np.polynomial.legendre.leggauss(n_q)
    lo, hi = jnp.log(q_min), jnp.log(q_max)
    lnq = 0.5 * (hi - lo) * jnp.asarray(x) + 0.5 * (hi + lo)
    q = jnp.exp(lnq)
    ln_f = lambda lq: jnp.log(f(jnp.exp(lq)))  # noqa: E731
    fq = jax.vmap(f)(q)
    dlnf = jax.vmap(jax.grad(ln_f))(lnq)
    w = 0.5 * (hi - lo) * jnp.asarray(wx) * q**3 * fq
    m_over_T = jnp.asarray(mass_over_temperature(m_keV, t_ratio, T_cmb), float)  # an array: one jit signature
    return NCDMSpecies(q, w, dlnf, m_over_T, jnp.asarray(omega, float))


def fermi_dirac(m_keV, t_ratio, omega, *, n_q: int = 32, T_cmb: float = 2.7255) -> NCDMSpecies:
    """Thermal relic f = 1/(e^q + 1) at temperature T_ncdm,0 = t_ratio · T_cmb, mass m_keV [keV]."""
    return from_distribution(lambda q: 1.0 / (jnp.exp(q) + 1.0), m_keV, t_ratio, omega, q_max=40.0, n_q=n_q, T_cmb=T_cmb)


def thermal_wdm(m_keV, omega=0.12, *, g: float = 1.5, n_q: int = 32, T_cmb: float = 2.7255) -> NCDMSpecies:
    """Thermal warm dark matter of mass m_keV [keV] making up omega = Omega h^2.

    Its temperature follows from Omega_x h^2 = (T_x/T_nu)^3 (g/1.5)(m_x/94 eV) (Viel et al. 2005,
    astro-ph/0501562; jaxbsm.cosmology.wdm_fits.wdm_temperature_ratio), T_nu = (4/11)^{1/3} T_cmb.
    """
    from jaxbsm.cosmology.wdm_fits import wdm_temperature_ratio

    t_ratio = wdm_temperature_ratio(m_keV, omega, g) * T_NU_OVER_T_GAMMA
    return fermi_dirac(m_keV, t_ratio, omega, n_q=n_q, T_cmb=T_cmb)


def energy(sp: NCDMSpecies, a):
    """ε = sqrt(q² + a² m²/T²) at each node (comoving energy in units of T_ncdm,0)."""
    return jnp.sqrt(sp.q**2 + (a * sp.m_over_T) ** 2)


def density_norm(sp: NCDMSpecies):
    """K with 8 pi G a^4 rho(a)/3 = K sum_i w_i ε_i(a) [1/Mpc^2], fixed by omega today."""
    return sp.omega * H100_PER_MPC**2 / jnp.sum(sp.w * energy(sp, 1.0))


def rho_a4(sp: NCDMSpecies, a):
    """8 pi G a^4 rho(a) / 3 in 1/Mpc^2."""
    return density_norm(sp) * jnp.sum(sp.w * energy(sp, a))


def momentum_range(q_table, f_table, eps_number: float = 1e-8, eps_momentum: float = 1e-10):
    """Automatic [q_min, q_max] for a tabulated f (differentiable; traced inputs allowed).

    q_min is where the number fraction ∫_0^q q² f dq reaches eps_number, q_max where the
    momentum-weighted fraction ∫_q^∞ q³ f dq falls to eps_momentum (trapezoids in ln q on the table,
    quantiles interpolated in ln q). The defaults give [4.7e-3, 33] for Fermi–Dirac, [1.0e-3, 32] for
    q^{-1/2}e^{-q} and [4.1e-4, 22] for q^{-1}e^{-q²/16}, about 9–11 e-folds; with them 24 nodes
    reproduced CLASS's k_hm of 3 keV WDM and of both non-thermal references to 0.13%, 32 nodes (the
    default) to 0.08% (tests/cosmology/test_transfer.py).
    """
    lnq = jnp.log(jnp.asarray(q_table))
    f = jnp.maximum(jnp.asarray(f_table), 0.0)

    def cumulative(density):
        seg = 0.5 * (density[1:] + density[:-1]) * jnp.diff(lnq)
        c = jnp.concatenate([jnp.zeros(1), jnp.cumsum(seg)])
        return c / c[-1]

    q3f = jnp.exp(3.0 * lnq) * f
    lo = jnp.interp(eps_number, cumulative(q3f) + 1e-300 * jnp.arange(lnq.shape[0]), lnq)
    tail = 1.0 - cumulative(q3f * jnp.exp(lnq))
    hi = jnp.interp(-eps_momentum, -tail - 1e-300 * jnp.arange(lnq.shape[0]), lnq)
    return jnp.exp(lo), jnp.exp(hi)


def _ln_f_filled(ln_q, f_table):
    """ln f on the table with its empty bins filled (``from_table``), relative to max f (an absolute
    1e-300 f_max can be subnormal): an empty bin i continues from j, the last filled bin below it,
    as ln f_j + s (ln q_i − ln q_j) with s = min(log slope between j and the filled bin before it, −1);
    empty bins below the first filled one take its value."""
    f_max = jnp.max(f_table)
    filled = f_table > 1e-300 * f_max
    ln_r = jnp.log(jnp.where(filled, f_table / f_max, 1.0))
    idx = jnp.arange(ln_q.shape[0])
    first = jnp.argmax(filled)
    last = jnp.maximum(jax.lax.cummax(jnp.where(filled, idx, -1)), first)  # last filled bin ≤ i (first below it)
    before = jnp.maximum(jax.lax.cummax(jnp.where(filled, idx, -1))[jnp.maximum(last - 1, 0)], first)  # filled bin before it
    pair = last > before
    slope = jnp.where(pair, (ln_r[last] - ln_r[before]) / jnp.where(pair, ln_q[last] - ln_q[before], 1.0), -1.0)
    ln_fill = ln_r[last] + jnp.minimum(slope, -1.0) * jnp.maximum(ln_q - ln_q[last], 0.0)
    return jnp.log(f_max) + jnp.where(filled, ln_r, ln_fill)


def from_table(q_table, f_table, m_keV, t_ratio, omega, *, q_min=None, q_max=None, n_q: int = 32, T_cmb: float = 2.7255):
    """Species from a tabulated f on increasing q_table (e.g. freeze_in's bin centres and averages).

    ln f is interpolated by a cubic spline in ln q (interpax; d ln f/d ln q from the same spline),
    so gradients flow from f_table. Empty bins (f ≤ 1e-300 max f: underflow of a steep tail) continue
    ln f along the log slope of the last two filled bins before them, at least as steep as −1: a flat
    floor there left a cliff that the spline overshot, by up to e^{30} at the nodes of a hot
    spectrum (live point 146 of tests/cosmology/data/make_scalar_decay_live_points.py).
    [q_min, q_max] (inside the table) must hold the bulk of q³ f; None (default) takes
    ``momentum_range`` of the table, so hot and cold spectra alike get their nodes where N is.
    """
    import interpax

    q_table = jnp.asarray(q_table)
    f_table = jnp.asarray(f_table)
    if q_min is None or q_max is None:
        auto = momentum_range(q_table, f_table)
        q_min = auto[0] if q_min is None else q_min
        q_max = auto[1] if q_max is None else q_max
    elif is_concrete(q_table) and not (float(q_table[0]) <= q_min < q_max <= float(q_table[-1])):
        raise ValueError(f"q range [{q_min}, {q_max}] must lie inside the table [{float(q_table[0])}, {float(q_table[-1])}]")
    ln_q = jnp.log(q_table)
    spline = interpax.Interpolator1D(ln_q, _ln_f_filled(ln_q, f_table), method="cubic2")
    return from_distribution(
        lambda q: jnp.exp(spline(jnp.log(q))), m_keV, t_ratio, omega, q_min=q_min, q_max=q_max, n_q=n_q, T_cmb=T_cmb
    )
