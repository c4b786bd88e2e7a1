"""Spectral radial grid of the multi-field bounce (dimensionless: u = (r/R)² on [0, 1]).

Discretisation (used by ``jaxbsm.solitons.cgm`` and ``jaxbsm.solitons.multi_bounce``): each field
φ_k(r) on r ∈ [0, R] is P(u) = (1 − u) Q(u), u = (r/R)², Q a polynomial of degree N − 1 (so φ is
even in r, φ'(0) = 0 exactly, and φ(R) = 0: a Dirichlet condition, which keeps the CGM minimisation
coercive), represented by its values φ_j at the N Gauss–Jacobi nodes of the weight u^{(d−2)/2} on
[0, 1] (r^{d−1} dr = ½ R^d u^{(d−2)/2} du). Then T = Ω R^{d−2} Σ_j w_j u_j P'(u_j)² is exact for the
polynomial and V = ½ Ω R^d Σ_j w_j Û(φ_j) is Gaussian quadrature (spectral). Profiles are evaluated
between the nodes by barycentric interpolation of Q.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import jax.numpy as jnp
import numpy as np
from scipy.special import eval_jacobi, roots_jacobi

__all__ = ["SpectralGrid", "grid", "interpolate"]


class SpectralGrid(NamedTuple):
    """Gauss–Jacobi grid of ``grid(N, d)`` (numpy arrays; N nodes; β = (d − 2)/2).

    u: nodes on [0, 1]; w: weights, ∫₀¹ u^β f du ≈ Σ w_j f(u_j); lam: barycentric weights of the
    nodes; D: derivative matrix of P = (1 − u)Q, P'(u_j) = Σ D_jk φ_k; Khat: kinetic matrix,
    T = ½ Ω R^{d−2} Φᵀ K̂ Φ per field; e0: row giving φ(0) = Q(0); e1: row giving Q(1) (φ'(R) =
    −2 Q(1)/R); C: nodal values → Jacobi coefficients of Q; h: the Jacobi polynomials' norms
    ∫ u^β p_n².
    """

    u: np.ndarray
    w: np.ndarray
    lam: np.ndarray
    D: np.ndarray
    Khat: np.ndarray
    e0: np.ndarray
    e1: np.ndarray
    C: np.ndarray
    h: np.ndarray


def _bary_weights(x: np.ndarray) -> np.ndarray:
    diff = x[:, None] - x[None, :]
    np.fill_diagonal(diff, 1.0)
    logm = np.sum(np.log(np.abs(diff)), axis=1)
    sign = np.prod(np.sign(diff), axis=1)
    lam = sign * np.exp(-(logm - logm.min()))
    return lam / np.max(np.abs(lam))


def _bary_row(x0: float, x: np.ndarray, lam: np.ndarray) -> np.ndarray:
    c = lam / (x0 - x)
    return c / np.sum(c)


@cache
def grid(N: int, d: int) -> SpectralGrid:
    """Gauss–Jacobi nodes u_j of u^β on [0, 1] (β = (d−2)/2), weights, derivative and kinetic
    matrices, interpolation rows at u = 0 and u = 1, and the Jacobi-coefficient transform
    (``SpectralGrid``; dimensionless; cached per (N, d))."""
    beta = (d - 2) / 2.0
    x, wx = roots_jacobi(N, 0.0, beta)
    u = 0.5 * (1.0 + x)
    w = wx * 2.0 ** (-beta - 1.0)  # ∫_0^1 u^β f du ≈ Σ w_j f(u_j)
    lam = _bary_weights(u)
    diff = u[:, None] - u[None, :]
    np.fill_diagonal(diff, 1.0)
    D = (lam[None, :] / lam[:, None]) / diff
    np.fill_diagonal(D, 0.0)
    np.fill_diagonal(D, -D.sum(axis=1))
    # Dirichlet φ(R) = 0: P(u) = (1 − u) Q(u), Q of degree N − 1 through Q_j = φ_j/(1 − u_j);
    # P'(u_j) = −Q_j + (1 − u_j)(DQ)_j. T (degree 2N − 1 in u) stays exact.
    iq = 1.0 / (1.0 - u)
    Dt = -np.diag(iq) + (1.0 - u)[:, None] * D * iq[None, :]
    Khat = 2.0 * Dt.T @ (Dt * (w * u)[:, None])  # T = ½ Ω R^{d−2} Φᵀ K̂ Φ per field
    e0 = _bary_row(0.0, u, lam) * iq  # φ(0) = Q(0)
    e1 = _bary_row(1.0, u, lam) * iq  # Q(1) = −dP/du(1): φ'(R) = −2 Q(1)/R
    P = np.array([eval_jacobi(n, 0.0, beta, x) for n in range(N)])  # (N, N): p_n(u_j)
    h = (P**2) @ w  # Σ_j w_j p_n(u_j)² = ∫ u^β p_n², exact
    C = P * (w * iq)[None, :] / h[:, None]  # Jacobi coefficients of Q from φ_j
    return SpectralGrid(u, w, lam, Dt, Khat, e0, e1, C, h)


def _bary_eval(x, nodes, lam, vals):
    """Barycentric interpolation of nodal values ``vals`` (N, n) at points x (M,)."""
    diff = x[:, None] - nodes[None, :]
    hit = diff == 0.0
    c = lam[None, :] / jnp.where(hit, 1.0, diff)
    out = (c @ vals) / jnp.sum(c, axis=1)[:, None]
    exact = hit.astype(vals.dtype) @ vals
    return jnp.where(jnp.any(hit, axis=1)[:, None], exact, out)


def interpolate(x, u, lam, Phi):
    """Profile P(x) = (1 − x) Q(x) at x = (r/R)² (M,) from nodal values Phi (N, n) on the nodes u
    with barycentric weights lam (dimensionless x; units of Phi); 0 for x ≥ 1."""
    xc = jnp.minimum(x, 1.0)
    vals = (1.0 - xc)[:, None] * _bary_eval(xc, u, lam, Phi / (1.0 - u)[:, None])
    return jnp.where((x < 1.0)[:, None], vals, 0.0)
