r"""Free-streaming length of a non-cold dark-matter species with any momentum distribution, and the
common cold / warm / hot classification (issue 5, seed 003, "the particle physicist's comfort zone").

Units: λ_fs in comoving Mpc (not Mpc/h); masses in keV; q = p a/T_ncdm0 is the comoving momentum in
units of the species' reference temperature today, T_ncdm0 = t_ratio · T_cmb (as CLASS's T_ncdm);
the occupation f(q) is given on a grid (any normalisation: only its shape enters).

Definition (the seed; e.g. Kolb & Turner, The Early Universe, sec. 9.3; Merle & Totzauer 2015,
arXiv:1502.01011)::

    λ_fs = ∫_{t_prod}^{t_0} ⟨v(t)⟩/a(t) dt = ∫_{ln a_prod}^{ln a_end} ⟨v⟩/ℋ(a) d ln a,

with ℋ = a'/a = aH in 1/Mpc (c = 1) and the mean speed over the spectrum

    ⟨v⟩(a) = ∫ q² f(q) p/E dq / ∫ q² f(q) dq,   p/E = q/√(q² + (m a/T_ncdm0)²).

Background: ``background.conformal_hubble_lcdm`` (photons and N_ur massless neutrinos scaling as
a⁻⁴, baryons and all the dark matter as cold matter, Λ): the species itself is counted as cold
matter, which is exact once it is non-relativistic and negligible before (radiation dominates
then). The radiation density is today's composition at all a, i.e. the change of g*s before
e± annihilation (a ≲ 10⁻⁹) is ignored; it only enters the relativistic part of the integral,
∝ a_prod..a_nr, a small share for a_prod ≪ a_nr. Default a_prod = 1e-10 (T_γ ≈ 2.3 MeV): for keV
masses the species is relativistic there and the result does not depend on a_prod
(the relativistic part grows ∝ a).

Numerics: the q integrals by the trapezoid rule in ln q (exponentially accurate on a logarithmic
grid when q³f falls off at both ends); the ln a integral by composite Gauss–Legendre (``n_panels``
equal panels in ln a of ``order`` nodes). Pure JAX, float64, differentiable in m, t_ratio, f and q.

Classification (the seed): λ_fs < 0.01 Mpc cold, 0.01 ≤ λ_fs < 0.1 Mpc warm, λ_fs ≥ 0.1 Mpc hot.
The seed warns that ⟨v⟩ is a poor summary of non-thermal spectra: two spectra with the same ⟨q⟩
have nearly the same λ_fs but different T²(k). ``mean_q`` and ``rescale_to_mean_q`` build such
pairs, e.g. the decay-in-equilibrium shape q^{−1/2}e^{−q} (⟨q⟩ = 5/2) and the late-decay shape
q^{−1}e^{−q²/q_τ²} (⟨q⟩ = (√π/2)q_τ) of ``templates``::

    q = jnp.geomspace(1e-4, 60.0, 4000)
    f1 = q**-0.5 * jnp.exp(-q)
    q2, f2 = rescale_to_mean_q(q, jnp.exp(-q**2) / q, mean_q(q, f1))
    lambda_fs(q, f1, 7.0, 0.3), lambda_fs(q2, f2, 7.0, 0.3)   # within a few per cent
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from jaxbsm.checks import is_concrete, require
from jaxbsm.constants import BOLTZMANN_EV_PER_K
from jaxbsm.cosmology.background import PLANCK18, T_NU_OVER_T_GAMMA, Cosmology, conformal_hubble_lcdm

__all__ = [
    "COLD_MAX_MPC",
    "K_B_EV_PER_K",
    "T_NU_OVER_T_GAMMA",
    "WARM_MAX_MPC",
    "classify",
    "lambda_fs",
    "mean_q",
    "mean_velocity",
    "rescale_to_mean_q",
]

K_B_EV_PER_K = BOLTZMANN_EV_PER_K.value

COLD_MAX_MPC = 0.01
WARM_MAX_MPC = 0.1
"""Class boundaries of the seed (comoving Mpc): cold < 0.01 ≤ warm < 0.1 ≤ hot."""


def _trap_lnq(q, y):
    """∫ y dq = ∫ y q d ln q by the trapezoid rule in ln q (last axis)."""
    lnq = jnp.log(q)
    yq = y * q
    return jnp.sum(0.5 * jnp.diff(lnq) * (yq[..., 1:] + yq[..., :-1]), axis=-1)


def _check_grid(where, q, f):
    if is_concrete(q, f):
        qn, fn = np.asarray(q, dtype=float), np.asarray(f, dtype=float)
        if qn.ndim < 1 or qn.shape[-1] < 3 or np.shape(fn)[-1:] != qn.shape[-1:]:
            raise ValueError(f"{where}: q and f must share a last axis of >= 3 points, got shapes {qn.shape}, {fn.shape}")
        if np.any(qn <= 0) or np.any(np.diff(qn, axis=-1) <= 0):
            raise ValueError(f"{where}: q must be positive and strictly increasing, got range [{qn.min():.3g}, {qn.max():.3g}]")
        if not np.all(np.isfinite(fn)) or np.any(fn < 0) or np.any(fn.sum(axis=-1) <= 0):
            raise ValueError(f"{where}: f must be finite, >= 0 and not all zero")


def mean_q(q, f):
    """⟨q⟩ = ∫q³f dq/∫q²f dq (units of q) of the occupation f on the grid q (last axis; trapezoid in ln q)."""
    _check_grid("mean_q", q, f)
    q, f = jnp.asarray(q, dtype=float), jnp.asarray(f, dtype=float)
    return _trap_lnq(q, q**3 * f) / _trap_lnq(q, q**2 * f)


def rescale_to_mean_q(q, f, target):
    """(q', f) with q' = q·target/⟨q⟩: the spectrum stretched in q to mean ``target`` (units of q).

    The shape f(q'⟨q⟩/target) is kept exactly (values on the stretched grid), so ``mean_q(q', f)``
    equals ``target`` to round-off. The number density ∫q'²f dq' changes by (target/⟨q⟩)³: multiply f
    by its inverse to keep it (irrelevant for λ_fs and T²).
    """
    require("rescale_to_mean_q", "positive", "(units of q)", target=target)
    s = jnp.asarray(target, dtype=float) / mean_q(q, f)
    return jnp.asarray(q, dtype=float) * s[..., None], jnp.asarray(f, dtype=float)


def _temperature_ev(t_ratio, cosmo):
    return t_ratio * cosmo.T_cmb * K_B_EV_PER_K


def _mean_v(q, f, m_ev, T0_ev, a):
    """⟨p/E⟩ at scale factors a (any shape) for one spectrum."""
    mu = (m_ev * a / T0_ev)[..., None]
    w = q**2 * f
    return _trap_lnq(q, w * q / jnp.sqrt(q**2 + mu**2)) / _trap_lnq(q, w)


def mean_velocity(q, f, m_keV, t_ratio, a, cosmo: Cosmology = PLANCK18):
    """⟨v⟩ = ⟨p/E⟩ (units of c) at scale factor a of a species of mass m_keV (keV) with occupation f(q),
    q = p a/(t_ratio T_cmb) (module docstring). q, f: (n,); a any shape."""
    _check_grid("mean_velocity", q, f)
    require("mean_velocity", "positive", "(m_keV in keV, t_ratio = T_ncdm0/T_cmb, a)", m_keV=m_keV, t_ratio=t_ratio, a=a)
    q, f = jnp.asarray(q, dtype=float), jnp.asarray(f, dtype=float)
    return _mean_v(q, f, 1e3 * jnp.asarray(m_keV, dtype=float), _temperature_ev(jnp.asarray(t_ratio, dtype=float), cosmo),
                   jnp.asarray(a, dtype=float))


def lambda_fs(q, f, m_keV, t_ratio, *, a_prod=1e-10, a_end=1.0, cosmo: Cosmology = PLANCK18, n_panels=32, order=16):
    """Free-streaming length λ_fs (comoving Mpc) = ∫_{a_prod}^{a_end} ⟨v⟩/ℋ d ln a (module docstring).

    q, f: (..., n) grid of comoving momenta q = p a/T_ncdm0 and occupation (shape only);
    m_keV (keV) and t_ratio = T_ncdm0/T_cmb broadcast against the batch shape (e.g. a thermal relic:
    t_ratio = (T_x/T_ν)(4/11)^{1/3}, ``wdm_fits.wdm_temperature_ratio``); a_prod: production (start
    of free streaming), a_end: end (today = 1); cosmo: background (Planck 2018). The ln a integral:
    n_panels × order Gauss–Legendre nodes. Differentiable in every array argument.
    """
    where = "lambda_fs"
    _check_grid(where, q, f)
    require(where, "positive", "(m_keV in keV, t_ratio = T_ncdm0/T_cmb)", m_keV=m_keV, t_ratio=t_ratio)
    require(where, "positive", "(scale factors)", a_prod=a_prod, a_end=a_end)
    if is_concrete(a_prod, a_end) and not np.all(np.asarray(a_prod) < np.asarray(a_end)):
        raise ValueError(f"{where}: a_prod must be < a_end, got a_prod = {a_prod!r}, a_end = {a_end!r}")
    if is_concrete(a_end) and np.any(np.asarray(a_end) > 1.0):
        raise ValueError(f"{where}: a_end must be <= 1 (today), got {a_end!r}")
    if not isinstance(cosmo, Cosmology):
        raise TypeError(f"{where}: cosmo must be a background.Cosmology, got {type(cosmo).__name__}")
    cosmo.check()
    if int(n_panels) < 1 or int(order) < 2:
        raise ValueError(f"{where}: n_panels must be >= 1 and order >= 2, got {n_panels!r}, {order!r}")
    args = (jnp.asarray(v, dtype=float) for v in (q, f, m_keV, t_ratio, a_prod, a_end))
    return _lambda_fs(*args, cosmo, int(n_panels), int(order))


@functools.partial(jax.jit, static_argnames=("cosmo", "n_panels", "order"))
def _lambda_fs(q, f, m_keV, t_ratio, a_prod, a_end, cosmo, n_panels, order):
    x, w = np.polynomial.legendre.leggauss(order)
    # nodes on [0, 1] of n_panels equal panels
    u = ((np.arange(n_panels)[:, None] + 0.5 * (x[None, :] + 1.0)) / n_panels).ravel()
    wu = np.tile(0.5 * w / n_panels, n_panels)

    def one(q, f, m_keV, t_ratio, a_prod, a_end):
        lo, hi = jnp.log(a_prod), jnp.log(a_end)
        a = jnp.exp(lo + (hi - lo) * jnp.asarray(u))
        v = _mean_v(q, f, 1e3 * m_keV, _temperature_ev(t_ratio, cosmo), a)
        return (hi - lo) * jnp.sum(jnp.asarray(wu) * v / conformal_hubble_lcdm(a, cosmo))

    return jnp.vectorize(one, signature="(n),(n),(),(),(),()->()")(q, f, m_keV, t_ratio, a_prod, a_end)


def classify(lam_fs) -> str:
    """"cold" (λ_fs < 0.01 Mpc), "warm" (0.01 ≤ λ_fs < 0.1 Mpc) or "hot" (λ_fs ≥ 0.1 Mpc): the seed's
    common classification of λ_fs (comoving Mpc). Python-level (a concrete scalar), not jittable."""
    if isinstance(lam_fs, jax.core.Tracer):
        raise TypeError("classify: lam_fs must be a concrete number, not a traced value (call it outside jit)")
    value = float(np.asarray(lam_fs))
    if not (np.isfinite(value) and value >= 0.0):
        raise ValueError(f"classify: lam_fs must be a finite length >= 0 Mpc, got {value!r}")
    if value < COLD_MAX_MPC:
        return "cold"
    return "warm" if value < WARM_MAX_MPC else "hot"
