"""Light-neutrino mass spectra and the kinematic mass observables.

Units: masses in eV, mass-squared differences in eV^2.

NuFIT convention (Esteban et al., arXiv:2410.05380, sec. 2): Delta m^2_{3l} = Delta m^2_31 > 0 for
normal ordering (NO, m1 < m2 < m3) and Delta m^2_{3l} = Delta m^2_32 < 0 for inverted ordering
(IO, m3 < m1 < m2). The ordering is therefore the sign of dm3l, and m_lightest is m1 (NO) or m3 (IO):

    NO: m1 = mL, m2 = sqrt(mL^2 + dm21),             m3 = sqrt(mL^2 + dm3l)
    IO: m3 = mL, m2 = sqrt(mL^2 - dm3l),             m1 = sqrt(mL^2 - dm3l - dm21)
"""

from __future__ import annotations

import jax.numpy as jnp


def _safe_sqrt(x):
    """sqrt with a finite gradient at and below zero (value 0 there): for unselected where branches."""
    pos = x > 0.0
    return jnp.where(pos, jnp.sqrt(jnp.where(pos, x, 1.0)), 0.0)


def masses(m_lightest, dm21, dm3l):
    """(m1, m2, m3) in eV, shape (..., 3), from m_lightest (eV), dm21 > 0 and dm3l (eV^2, NuFIT sign)."""
    ml = jnp.abs(jnp.asarray(m_lightest))  # abs, not sqrt(ml^2): finite gradient at m_lightest = 0
    ml2 = ml**2
    normal = jnp.asarray(dm3l) > 0.0
    no = jnp.stack([ml + 0.0 * dm21, _safe_sqrt(ml2 + dm21), _safe_sqrt(ml2 + dm3l)], axis=-1)
    io = jnp.stack([_safe_sqrt(ml2 - dm3l - dm21), _safe_sqrt(ml2 - dm3l), ml + 0.0 * dm21], axis=-1)
    return jnp.where(normal[..., None], no, io)


def sum_masses(m):
    """Sum of the three masses (eV), the cosmological Sigma m."""
    return jnp.sum(m, axis=-1)


def m_beta(v, m):
    """Effective beta-decay mass sqrt(sum_i |V_ei|^2 m_i^2) in eV (KATRIN's observable)."""
    return jnp.sqrt(jnp.sum(jnp.abs(v[..., 0, :]) ** 2 * m**2, axis=-1))


def m_betabeta(v, m):
    """Effective Majorana mass |sum_i V_ei^2 m_i| in eV (Majorana phases inside V).

    At an exact cancellation (m_bb = 0, possible in NO for m_lightest ~ 2-7 meV) |z| has a cone
    kink; the gradient returned there is 0 (a subgradient) instead of NaN.
    """
    z = jnp.sum(v[..., 0, :] ** 2 * m, axis=-1)
    return _safe_sqrt(jnp.real(z) ** 2 + jnp.imag(z) ** 2)


def m_betabeta_band(v, m):
    """(min, max) of m_bb over all Majorana phases, eV: with a_i = |V_ei|^2 m_i,
    max = sum a_i and min = max(0, 2 max_i a_i - sum a_i) (three-sided polygon inequality)."""
    a = jnp.abs(v[..., 0, :]) ** 2 * m
    total = jnp.sum(a, axis=-1)
    return jnp.maximum(0.0, 2.0 * jnp.max(a, axis=-1) - total), total
