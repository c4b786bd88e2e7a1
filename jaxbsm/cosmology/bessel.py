"""Exponentially scaled modified Bessel functions of the second kind, K_ν(x) e^x, for JAX.

jax.scipy.special has no K_ν. The thermal averages of the cosmology sector need K₁ and K₂ (number
densities n_eq ∝ m² T K₂(m/T), the Gondolo–Gelmini average ⟨σv⟩ ∝ ∫ σ … K₁(√s/T) ds / K₂(m/T)² and
the time-dilation factor ⟨m/E⟩ = K₁/K₂ of decays); K₀ comes in through their derivatives.

Integral representation (DLMF 10.32.9):

    K_ν(x) e^x = ∫₀^∞ exp(−2x sinh²(t/2)) cosh(νt) dt,        x > 0.

K₀, K₁, K₂ (``k0e``, ``k1e``, ``k2e``; the fast path used by the thermal averages):

* x ≥ 1: substituting w = √(2x) sinh(t/2) (cosh t = 1 + w²/x, dt = 2 dw/√(2x + w²)),

      K₀ eˣ = ∫₀^∞ 2e^{−w²} dw/√(2x + w²),   K₁ eˣ = ∫₀^∞ 2e^{−w²} (1 + w²/x) dw/√(2x + w²),

  by the trapezoid rule on w_k = 0.2k, k = 0 … 32: the integrand is even and analytic in
  |Im w| < √(2x) ≥ √2, so the error is ~ e^{2 − 2π√2/0.2} ≈ e^{−42} (geometric convergence of the
  trapezoid rule, Trefethen & Weideman, SIAM Rev. 56 (2014) 385); e^{−w²} and the weights are constants, so each value costs 33
  square roots and no exponential;
* x < 1: the ascending series (Abramowitz & Stegun 9.6.13 and 9.6.11; 12 terms, (x²/4)^k/(k!)²
  < 1e-20);
* K₂ = K₀ + (2/x) K₁ (DLMF 10.29.1; both terms positive, no cancellation).

General real ν (``kve``): the t-integral itself by the trapezoid rule in t = c(x)·u, c(x) = 1/√(1+x),
u_k = 0.2k, k = 0 … 140 (u ≤ 28); analytic in |Im t| < π/2, error ~ exp(−π²/(0.2 c)) ≤ e^{-49}. The
rescaling keeps the Gaussian core of width 1/√x at large x resolved while at small x the grid
reaches t = 28, beyond the cut-off t ≈ ln(2·60/x) for x ≥ 1e-10.

Accuracy (tests/cosmology/test_higgs_portal.py, against scipy.special.kve): relative error below
1e-14 for ν = 0, 1, 2 and for real ν in [0, 4] on 1e-8 ≤ x ≤ 1e4.

Derivatives come from custom JVP rules, exact in terms of the functions themselves (DLMF 10.29.2):

    K₀' = −K₁,   K₁' = −K₀ − K₁/x,   K₂' = −K₁ − 2K₂/x,   K_ν' = −(K_{ν−1} + K_{ν+1})/2,

so for the scaled functions d/dx [K_ν eˣ] = (K_ν + K_ν') eˣ. K₀, K₁, K₂ come from one primitive whose
JVP needs no further evaluation; the rules call the same primitives, so higher derivatives (grad of
grad) work as well. All functions are elementwise, jit/vmap-able.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["k0e", "k1e", "k2e", "kve", "k1", "k2"]

# --- general order: trapezoid in t ---------------------------------------------------------------
_H = 0.2
_U = _H * np.arange(141)  # u_k; t = c(x) u
_W = np.full(_U.shape, _H)
_W[0] = 0.5 * _H  # trapezoid on [0, ∞) of an even integrand


def _kve_quadrature(nu, x):
    """Σ_k w_k exp(−2x sinh²(t_k/2)) cosh(ν t_k) · c(x), t_k = c(x) u_k (elementwise in x)."""
    x = jnp.asarray(x, dtype=float)
    c = 1.0 / jnp.sqrt(1.0 + x)
    t = c[..., None] * _U
    arg = 2.0 * x[..., None] * jnp.sinh(0.5 * t) ** 2
    # cosh(νt) e^{−arg} as a sum of two exponentials: no overflow for any t on the grid.
    f = 0.5 * (jnp.exp(nu * t - arg) + jnp.exp(-nu * t - arg))
    return c * jnp.sum(f * _W, axis=-1)


# --- orders 0, 1, 2: series (x < 1) and trapezoid in w (x ≥ 1) ------------------------------------
_X_SPLIT = 1.0
_WN = 0.2 * np.arange(33)
_W2 = _WN**2
_WC = 2.0 * 0.2 * np.exp(-_W2)
_WC[0] *= 0.5
_N_SERIES = 12
_EULER_GAMMA = 0.5772156649015329
_FACT = np.array([float(np.prod(np.arange(1, k + 1))) for k in range(_N_SERIES + 2)])
_HARM = np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, _N_SERIES + 2))])  # H_k
_PSI = -_EULER_GAMMA + _HARM  # ψ(k + 1)
# K₀ = −(ln(x/2) + γ) I₀ + Σ_k H_k q^k/(k!)²,   q = x²/4                      (A&S 9.6.13)
# K₁ = 1/x + ln(x/2) I₁ − (x/4) Σ_k [ψ(k+1) + ψ(k+2)] q^k/(k!(k+1)!)          (A&S 9.6.11, n = 1)
_C_I0 = 1.0 / _FACT[:_N_SERIES] ** 2
_C_K0 = _HARM[:_N_SERIES] / _FACT[:_N_SERIES] ** 2
_C_I1 = 1.0 / (_FACT[:_N_SERIES] * _FACT[1 : _N_SERIES + 1])
_C_K1 = (_PSI[:_N_SERIES] + _PSI[1 : _N_SERIES + 1]) * _C_I1


def _poly(coeffs, q):
    out = jnp.zeros_like(q) + coeffs[-1]
    for c in coeffs[-2::-1]:
        out = out * q + c
    return out


def _k01_series(x):
    q = 0.25 * x * x
    log_half = jnp.log(0.5 * x)
    k0 = -(log_half + _EULER_GAMMA) * _poly(_C_I0, q) + _poly(_C_K0, q)
    k1 = 1.0 / x + log_half * 0.5 * x * _poly(_C_I1, q) - 0.25 * x * _poly(_C_K1, q)
    scale = jnp.exp(x)
    return k0 * scale, k1 * scale


def _k01_trapezoid(x):
    r = 1.0 / jnp.sqrt(2.0 * x[..., None] + _W2)
    k0 = jnp.sum(_WC * r, axis=-1)
    k1 = k0 + jnp.sum(_WC * _W2 * r, axis=-1) / x
    return k0, k1


@jax.custom_jvp
def _k012e(x):
    """(K₀eˣ, K₁eˣ, K₂eˣ), elementwise."""
    x = jnp.asarray(x, dtype=float)
    small = x < _X_SPLIT
    s0, s1 = _k01_series(jnp.where(small, x, 0.5))
    t0, t1 = _k01_trapezoid(jnp.where(small, 2.0, x))
    k0, k1 = jnp.where(small, s0, t0), jnp.where(small, s1, t1)
    return k0, k1, k0 + 2.0 * k1 / x


@_k012e.defjvp
def _k012e_jvp(primals, tangents):
    (x,), (dx,) = primals, tangents
    a0, a1, a2 = _k012e(x)
    return (a0, a1, a2), ((a0 - a1) * dx, (a1 - a0 - a1 / x) * dx, (a2 - a1 - 2.0 * a2 / x) * dx)


def k0e(x):
    """K₀(x) eˣ for x > 0 (elementwise)."""
    return _k012e(x)[0]


def k1e(x):
    """K₁(x) eˣ for x > 0 (elementwise)."""
    return _k012e(x)[1]


def k2e(x):
    """K₂(x) eˣ for x > 0 (elementwise)."""
    return _k012e(x)[2]


@partial(jax.custom_jvp, nondiff_argnums=(0,))
def kve(nu, x):
    """K_ν(x) eˣ for a fixed real order ν (a Python number, 0 ≤ ν ≤ 4 for full accuracy), x > 0.

    Same as scipy.special.kve(nu, x). Differentiable in x (K_ν' = −(K_{ν−1} + K_{ν+1})/2), not in ν.
    """
    return _kve_quadrature(float(abs(nu)), x)


@kve.defjvp
def _kve_jvp(nu, primals, tangents):
    (x,), (dx,) = primals, tangents
    a = kve(nu, x)
    lower, upper = kve(abs(nu - 1.0), x), kve(abs(nu) + 1.0, x)
    return a, (a - 0.5 * (lower + upper)) * dx


def k1(x):
    """K₁(x) = k1e(x) e^{−x} (underflows to 0 beyond x ≈ 700; prefer the scaled form)."""
    return k1e(x) * jnp.exp(-jnp.asarray(x, dtype=float))


def k2(x):
    """K₂(x) = k2e(x) e^{−x} (underflows to 0 beyond x ≈ 700; prefer the scaled form)."""
    return k2e(x) * jnp.exp(-jnp.asarray(x, dtype=float))
