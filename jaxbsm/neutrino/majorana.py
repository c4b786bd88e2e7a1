"""Majorana mass matrix of the light neutrinos, its Takagi factorisation and the inverse problem.

Units: masses and mass-matrix entries in eV; angles and phases in radians.

Convention. The flavour fields are nu_alpha = V_{alpha i} nu_i (pmns.py, seed 000) and the Majorana
mass term is written with the charge-conjugate field nu^c = C nubar^T, as in seed 000's type-II
seesaw (L ⊃ Y_nu l^T C i sigma_2 Delta l):

    -L ⊃ 1/2 overline{(nu_L)^c}_alpha (M_nu)_{alpha beta} nu_{L beta} + h.c.
        = -1/2 nu_L^T C^{-1} M_nu nu_L + h.c.   (overline{nu^c} = -nu^T C^{-1}; M_nu = M_nu^T).

Inserting nu_alpha = V_{alpha i} nu_i gives 1/2 overline{nu_i^c} (V^T M_nu V)_{ij} nu_j, diagonal with the
masses m_i >= 0 exactly when

    M_nu = V^* diag(m) V^dagger,

which is seed 000's Gamma_{++} = V^* m V^dagger / (sqrt(2) v_Delta) = M_nu / (sqrt(2) v_Delta). (The
other common convention, -L ⊃ 1/2 nubar_L M nu_L^c, gives M = V m V^T, the complex conjugate.) In
this convention (M_nu)_{ee} = (sum_i V_ei^2 m_i)^*, so |M_ee| = m_bb.

Takagi factorisation (Takagi 1925; Horn & Johnson, Matrix Analysis, 2nd ed., Cor. 4.4.4): every
complex symmetric M equals W^* diag(m) W^dagger with W unitary and m >= 0. It is computed from the
real symmetric 6x6 matrix H = [[Re M, Im M], [Im M, -Re M]], whose eigenvalues are +-m_i: for
M = U m U^T (U = W^*), H [Re u_i; Im u_i] = m_i [Re u_i; Im u_i]. The masses then carry an absolute
error ~ 1e-16 max(m), with no squaring of M^dagger M, and one zero mass or degenerate masses need no
special case (with two zero masses, rank-1 M, the two zero-mass columns may fail to be orthogonal;
M is still reproduced).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from jaxbsm.neutrino.pmns import dirac_pmns, wrap_phase

# Lorentzian broadening of eigenvalue gaps in the eigenvector derivative, relative to max |eigenvalue|.
_GAP_BROADENING = 1e-9


@jax.custom_jvp
def _eigh(a):
    """jnp.linalg.eigh of a real symmetric matrix, with a derivative that stays finite at degeneracies."""
    w, v = jnp.linalg.eigh(a)
    return w, v


@_eigh.defjvp
def _eigh_jvp(primals, tangents):
    """dV = V (F o V^T dA V), F_ij = g/(g^2 + eps^2), g = w_j - w_i (exact 1/g for |g| >> eps).

    At an exact degeneracy (g = 0) F = 0 instead of 1/0: the eigenvectors inside a degenerate
    subspace are not defined and the decomposition is not differentiable there; the derivative is
    finite, and exact for spectral functions sum_i f(w_i) (the degenerate block enters through its
    trace only). eps = 1e-9 max|w| biases 1/g by (eps/g)^2 (1e-12 for relative gaps 1e-3).
    """
    (a,), (da,) = primals, tangents
    w, v = _eigh(a)
    proj = jnp.swapaxes(v, -1, -2) @ da @ v
    gap = w[..., None, :] - w[..., :, None]
    eps = _GAP_BROADENING * jnp.max(jnp.abs(w), axis=-1)[..., None, None]
    f = gap / (gap**2 + eps**2 + jnp.finfo(w.dtype).tiny)
    return (w, v), (jnp.diagonal(proj, axis1=-2, axis2=-1), v @ (f * proj))


def _check_square3(name, x):
    if jnp.ndim(x) < 2 or jnp.shape(x)[-2:] != (3, 3):
        raise ValueError(f"{name} must have shape (..., 3, 3), got {jnp.shape(x)}")


def mass_matrix(v, m):
    """Flavour-basis Majorana mass matrix M_nu = V^* diag(m) V^dagger (eV), shape (..., 3, 3) complex.

    v: mixing matrix (..., 3, 3) with nu_alpha = V_{alpha i} nu_i (e.g. pmns.pmns); m: masses (..., 3)
    in eV. Convention -L ⊃ 1/2 overline{nu^c} M_nu nu + h.c. (module docstring; seed 000 Gamma_{++}).
    """
    _check_square3("v", v)
    if jnp.shape(m)[-1:] != (3,):
        raise ValueError(f"m must have shape (..., 3), got {jnp.shape(m)}")
    vc = jnp.conj(v)
    return jnp.einsum("...ai,...i,...bi->...ab", vc, jnp.asarray(m), vc)


def takagi(mass):
    """Takagi factorisation M = W^* diag(m) W^dagger of a complex symmetric (..., 3, 3) matrix (eV).

    Returns (m, W): m (..., 3) >= 0 in eV, ascending; W (..., 3, 3) unitary, column i belonging to
    m_i. The antisymmetric part of M, which drops out of nu^T C M nu, is discarded. Columns are
    unique up to a sign for distinct non-zero masses; for a zero mass the column's phase, and for
    degenerate masses the basis of their subspace, is arbitrary (any choice reproduces M). Method:
    eigen-decomposition of [[Re M, Im M], [Im M, -Re M]] (module docstring).

    Differentiability. For distinct non-zero masses, m and W are smooth and their JAX derivatives
    exact; derivatives of W grow like 1/(m_i - m_j) for near-degenerate masses (m_lightest ~ 0.1 eV:
    the inverse problem is ill-conditioned, though quantities invariant under the freedoms above,
    such as W^* m W^dagger = M, |W_ei|^2 m_i sums or m_bb, stay well conditioned), and the phase of a
    column like 1/m_i as m_i -> 0. At an exact degeneracy, or at an exactly vanishing mass (where
    m_i = |t| r along a line M + t E: a kink), the factorisation is not differentiable: the returned
    derivatives are finite (never NaN) and exact for spectral invariants, sum_i m_i^2 always and
    sum_i m_i when no mass vanishes, but not for W or functions of W.
    """
    _check_square3("mass", mass)
    mass = jnp.asarray(mass, dtype=complex)
    mass = 0.5 * (mass + jnp.swapaxes(mass, -1, -2))
    re, im = jnp.real(mass), jnp.imag(mass)
    h = jnp.concatenate([jnp.concatenate([re, im], axis=-1), jnp.concatenate([im, -re], axis=-1)], axis=-2)
    w, vecs = _eigh(h)
    u = vecs[..., :3, 3:] + 1j * vecs[..., 3:, 3:]
    return jnp.abs(w[..., 3:]), jnp.conj(u)


class OscillationParameters(NamedTuple):
    """Seed-000 parameters: masses m1, m2, m3 (eV), angles in [0, pi/2], phases in [0, 2 pi) (rad)."""

    m1: jax.Array
    m2: jax.Array
    m3: jax.Array
    theta12: jax.Array
    theta13: jax.Array
    theta23: jax.Array
    delta: jax.Array
    phi1: jax.Array
    phi2: jax.Array


def oscillation_parameters(mass):
    """Inverse problem: complex symmetric M_nu (..., 3, 3) in eV -> OscillationParameters.

    Finds m_i, theta_ij, delta and the seed Majorana phases (Phi1, Phi2) with
    M_nu = D^* V^* diag(m) V^dagger D^*, V = pmns(theta12, theta13, theta23, delta, Phi1, Phi2) and D a
    diagonal matrix of charged-lepton phases (D = +-1 when M_nu = mass_matrix(pmns(...), m)).

    Labelling (NuFIT, arXiv:2410.05380): with the Takagi masses mu1 <= mu2 <= mu3, the ordering is
    normal if mu2^2 - mu1^2 < mu3^2 - mu2^2 (the closest pair, 1 and 2, is the lighter one):
    (m1, m2, m3) = (mu1, mu2, mu3); otherwise inverted: (m3, m1, m2) = (mu1, mu2, mu3).

    Read-off from W = D V (up to column signs, absorbed in the phases mod 2 pi):
      theta13 = atan2(|W_e3|, |(W_e1, W_e2)|), theta12 = atan2(|W_e2|, |W_e1|),
      theta23 = atan2(|W_mu3|, |W_tau3|);
      delta from the rephasing invariant Q = W_e1 W_mu3 W_e3^* W_mu1^*, for which
      -Q - c12^2 c13^2 s23^2 s13^2 = c12 s12 c13^2 c23 s23 s13 e^{i delta};
      D from column 2 (no Majorana phase): d_alpha = arg(W_alpha2 R_alpha2^*), R = dirac_pmns;
      Phi1 = 2 arg(R_1^dagger D^* W_1), Phi2 = 2 arg(R_3^dagger D^* W_3) (columns 1 and 3).
    delta is undefined where s12 c12 s23 c23 s13 = 0, the phases where a mass vanishes or two are
    degenerate; there the returned values are finite but arbitrary.
    """
    mu, w = takagi(mass)
    normal = (mu[..., 1] ** 2 - mu[..., 0] ** 2) < (mu[..., 2] ** 2 - mu[..., 1] ** 2)
    io_order = jnp.array([1, 2, 0])
    m = jnp.where(normal[..., None], mu, mu[..., io_order])
    w = jnp.where(normal[..., None, None], w, w[..., io_order])

    a = jnp.abs(w)
    theta13 = jnp.arctan2(a[..., 0, 2], jnp.hypot(a[..., 0, 0], a[..., 0, 1]))
    theta12 = jnp.arctan2(a[..., 0, 1], a[..., 0, 0])
    theta23 = jnp.arctan2(a[..., 1, 2], a[..., 2, 2])
    q = w[..., 0, 0] * w[..., 1, 2] * jnp.conj(w[..., 0, 2]) * jnp.conj(w[..., 1, 0])
    c13sq = a[..., 0, 0] ** 2 + a[..., 0, 1] ** 2
    delta = wrap_phase(jnp.angle(-q - (a[..., 0, 0] * a[..., 1, 2] * a[..., 0, 2]) ** 2 / c13sq))

    r = dirac_pmns(theta12, theta13, theta23, delta)
    row_phase = jnp.exp(-1j * jnp.angle(w[..., :, 1] * jnp.conj(r[..., :, 1])))
    x = row_phase[..., :, None] * w
    overlap = jnp.sum(jnp.conj(r) * x, axis=-2)
    phi1 = wrap_phase(2.0 * jnp.angle(overlap[..., 0]))
    phi2 = wrap_phase(2.0 * jnp.angle(overlap[..., 2]))
    return OscillationParameters(m[..., 0], m[..., 1], m[..., 2], theta12, theta13, theta23, delta, phi1, phi2)
