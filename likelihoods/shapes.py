"""Measurement shapes as chi^2 = -2 log L (up to parameter-independent constants). Pure JAX.

- ``asymmetric_gaussian_chi2``: correlated measurements with asymmetric errors. Each residual
  r_i = x_i - mu_i uses sigma_i^+ when the prediction lies above the central value and sigma_i^-
  below (a split normal; for one measurement it is the exact split-normal density, whose
  normalisation does not depend on the prediction). The covariance is
  C = D(r) rho D(r) + C_theory with D = diag(sigma_i(r)); chi^2 = r^T C^-1 r.
  chi^2 and its gradient are continuous (the gradient has a kink at r_i = 0 only if rho_ij != 0).
- ``upper_limit_chi2``: a one-sided limit x < L at confidence level CL on a non-negative
  quantity, as a half-Gaussian centred at zero with sigma = L / Phi^-1(CL) (so 95% CL -> L/1.645).
"""

from __future__ import annotations

import jax.numpy as jnp
from jax.scipy.special import ndtri


def asymmetric_gaussian_chi2(pred, value, sigma_plus, sigma_minus, corr, cov_theory):
    """chi^2 of predictions ``pred`` (n,) against correlated measurements with asymmetric errors."""
    r = pred - value
    sigma = jnp.where(r >= 0.0, sigma_plus, sigma_minus)
    cov = sigma[:, None] * corr * sigma[None, :] + cov_theory
    chol = jnp.linalg.cholesky(cov)
    z = jnp.linalg.solve(chol, r)  # lower-triangular solve; n is tiny
    return jnp.sum(z * z)


def chi2_contributions(pred, value, sigma_plus, sigma_minus, corr, cov_theory):
    """Per-measurement terms r_i (C^-1 r)_i that add up to asymmetric_gaussian_chi2."""
    r = pred - value
    sigma = jnp.where(r >= 0.0, sigma_plus, sigma_minus)
    cov = sigma[:, None] * corr * sigma[None, :] + cov_theory
    return r * jnp.linalg.solve(cov, r)


def limit_sigma(upper, cl):
    """Gaussian width sigma = upper/Phi^-1(cl) of a one-sided limit (upper at confidence level cl)."""
    return upper / ndtri(cl)


def upper_limit_chi2(pred, upper, cl):
    """chi^2 of a non-negative prediction against the one-sided limit ``pred < upper`` at ``cl``."""
    return (pred / limit_sigma(upper, cl)) ** 2
