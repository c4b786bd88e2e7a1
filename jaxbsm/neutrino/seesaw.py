"""Type I and inverse seesaw mass matrices and the Casas-Ibarra parametrisation (seed 000).

Units: Dirac and heavy masses in GeV; light masses in GeV unless a name says eV; Yukawas and the
complex-orthogonal matrix R dimensionless.

Majorana mass terms are written -L = (1/2) n^T C M n + h.c. on a vector n of left-handed fields, so
a mass matrix M is complex symmetric and is diagonalised by M = U* diag(m) U^dagger (Takagi), which
for the light block reproduces the seed's M_nu = V_PMNS* m^diag V_PMNS^dagger. The physical masses
m >= 0 are the singular values of M.

Type I (seed 000, "Type I Seesaw"; Minkowski 1977, Yanagida 1979, Gell-Mann-Ramond-Slansky 1979,
Mohapatra-Senjanovic 1980): n = (nu_L, (nu^c)_L),

    M = [[0, M_D], [M_D^T, M_R]],     M_nu = -M_D M_R^-1 M_D^T + O(M_D^4 / M_R^3).

Block-diagonalising M gives the minus sign. The seed writes M_nu ~ M_D M_R^-1 M_D^T: the two differ
by the field redefinition nu_L -> i nu_L, which changes no mass and no observable, but it matters
once M_nu is matched to V* m V^dagger, so this module keeps the minus sign throughout
(the convention of Casas & Ibarra, Nucl. Phys. B618 (2001) 171, hep-ph/0103065, sec. 2, up to
their transposed Yukawa).

Inverse seesaw (seed 000, "Inverse Seesaw"; Mohapatra & Valle, PRD 34 (1986) 1642): n = (nu, nu^c, S),

    M = [[0, M_D, 0], [M_D^T, 0, M_chi], [0, M_chi^T, mu]],
    m_nu = M_D M_chi^-T mu M_chi^-1 M_D^T    (the seed's mu (M_D/M_chi)^2),

valid for mu << M_D << M_chi with relative corrections O((M_D/M_chi)^2) and O(mu/M_chi).
"""

from __future__ import annotations

import jax.numpy as jnp

from jaxbsm.checks import require
from jaxbsm.constants import EV, V_HIGGS

EV_TO_GEV = EV.value  # light-neutrino masses are in eV, the rest in GeV


def _transpose(m):
    return jnp.swapaxes(m, -1, -2)


def type_i_light_mass_matrix(m_d, m_r):
    """Light Majorana mass matrix -M_D M_R^-1 M_D^T (units of m_d^2/m_r), shape (..., 3, 3).

    m_d: Dirac mass matrix (..., 3, n), rows = flavours; m_r: heavy Majorana matrix (..., n, n),
    complex symmetric and invertible. Leading order of the type I seesaw (module docstring; seed 000;
    Casas & Ibarra, hep-ph/0103065, sec. 2). Sign: see the module docstring.
    """
    m_d, m_r = jnp.asarray(m_d), jnp.asarray(m_r)
    return -m_d @ jnp.linalg.solve(m_r, _transpose(m_d))


def complex_orthogonal(z12, z13, z23):
    """R = R12(z12) R13(z13) R23(z23) with complex angles (rad), R^T R = 1, shape (..., 3, 3).

    Each R_ij is a rotation in the (i, j) plane with cos z, sin z of a complex z; the product is the
    general complex orthogonal matrix with det R = +1 (Casas & Ibarra, hep-ph/0103065, sec. 2).
    """
    shape = jnp.broadcast_shapes(jnp.shape(z12), jnp.shape(z13), jnp.shape(z23))
    one = jnp.ones(shape, dtype=complex)
    zero = jnp.zeros(shape, dtype=complex)

    def rot(z, i, j):
        c = jnp.broadcast_to(jnp.cos(jnp.asarray(z, dtype=complex)), shape)
        s = jnp.broadcast_to(jnp.sin(jnp.asarray(z, dtype=complex)), shape)
        entries = [[one, zero, zero], [zero, one, zero], [zero, zero, one]]
        entries[i][i], entries[j][j], entries[i][j], entries[j][i] = c, c, s, -s
        return jnp.stack([jnp.stack(row, axis=-1) for row in entries], axis=-2)

    return rot(z12, 0, 1) @ rot(z13, 0, 2) @ rot(z23, 1, 2)


def casas_ibarra(v_pmns, m_light_ev, m_heavy, r, vev=V_HIGGS.value):
    """Neutrino Yukawa Y (dimensionless, (..., 3, 3)) from light masses (eV) and heavy masses (GeV).

    Casas & Ibarra, hep-ph/0103065, sec. 2 (their R), in the sign convention of this module: with
    M_D = Y vev/sqrt(2) (seed 000, M_nu^D = Y_nu^D v/sqrt(2); vev in GeV, default 246.22 GeV) and
    M_R = diag(m_heavy),

        M_D = i V* sqrt(m) R sqrt(M_R),   so that   -M_D M_R^-1 M_D^T = V* diag(m) V^dagger

    exactly for any complex orthogonal R (complex_orthogonal). m_light_ev (..., 3) >= 0, m_heavy
    (..., 3) > 0, v_pmns (..., 3, 3) from jaxbsm.neutrino.pmns.pmns.
    """
    require("casas_ibarra", "nonnegative", m_light_ev=m_light_ev)
    require("casas_ibarra", "positive", m_heavy=m_heavy, vev=vev)
    sqrt_m = jnp.sqrt(jnp.asarray(m_light_ev) * EV_TO_GEV)
    sqrt_big_m = jnp.sqrt(jnp.asarray(m_heavy))
    m_d = 1j * (jnp.conj(v_pmns) * sqrt_m[..., None, :]) @ (r * sqrt_big_m[..., None, :])
    return jnp.sqrt(2.0) * m_d / vev


def full_type_i_matrix(m_d, m_r):
    """Full (3+n)x(3+n) Majorana matrix [[0, M_D], [M_D^T, M_R]] (units of the inputs) in the basis
    (nu_L, (nu^c)_L) of seed 000 ("Type I Seesaw"); its singular values are the physical masses.

    Limit: in float64 an SVD resolves singular values only down to ~ 1e-16 sigma_max, so the light
    masses (~ m_D^2 / M_R) are recovered from this matrix only while m_light / M_R >~ 1e-13 (e.g.
    0.05 eV with M_R <~ 1e2-1e3 GeV to percent accuracy). For a GUT-scale M_R (m_light / M_R ~ 1e-25
    in the same units) use type_i_light_mass_matrix instead.
    """
    m_d, m_r = jnp.asarray(m_d), jnp.asarray(m_r)
    n_light = m_d.shape[-2]
    batch = jnp.broadcast_shapes(m_d.shape[:-2], m_r.shape[:-2])
    m_d = jnp.broadcast_to(m_d, batch + m_d.shape[-2:])
    m_r = jnp.broadcast_to(m_r, batch + m_r.shape[-2:])
    zeros = jnp.zeros(batch + (n_light, n_light), dtype=jnp.result_type(m_d, m_r))
    top = jnp.concatenate([zeros, m_d], axis=-1)
    bottom = jnp.concatenate([_transpose(m_d), m_r], axis=-1)
    return jnp.concatenate([top, bottom], axis=-2)


def inverse_seesaw_light_mass(mu, m_d, m_chi):
    """Light mass matrix M_D M_chi^-T mu M_chi^-1 M_D^T (units of mu), shape (..., 3, 3).

    Seed 000 ("Inverse Seesaw"): m_nu ~ mu (M_D/M_chi)^2 for M_chi >> M_D >> mu; the matrix form is
    the leading term of -[M_D, 0] H^-1 [M_D, 0]^T with H = [[0, M_chi], [M_chi^T, mu]], whose
    (1,1) block of H^-1 is -M_chi^-T mu M_chi^-1. mu (..., 3, 3) symmetric, m_d and m_chi (..., 3, 3).
    """
    mu, m_d, m_chi = jnp.asarray(mu), jnp.asarray(m_d), jnp.asarray(m_chi)
    a = _transpose(jnp.linalg.solve(m_chi, _transpose(m_d)))  # M_D M_chi^-T
    return a @ mu @ _transpose(a)


def inverse_seesaw_matrix(m_d, m_chi, mu):
    """Full 9x9 matrix [[0, M_D, 0], [M_D^T, 0, M_chi], [0, M_chi^T, mu]] (GeV) in the seed-000
    basis (nu, nu^c, S); three light singular values ~ inverse_seesaw_light_mass and three pseudo-Dirac
    pairs at ~ M_chi split by ~ mu.
    """
    m_d, m_chi, mu = jnp.asarray(m_d), jnp.asarray(m_chi), jnp.asarray(mu)
    batch = jnp.broadcast_shapes(m_d.shape[:-2], m_chi.shape[:-2], mu.shape[:-2])
    dtype = jnp.result_type(m_d, m_chi, mu)
    m_d, m_chi, mu = (jnp.broadcast_to(x, batch + (3, 3)).astype(dtype) for x in (m_d, m_chi, mu))
    z = jnp.zeros(batch + (3, 3), dtype=dtype)
    rows = [[z, m_d, z], [_transpose(m_d), z, m_chi], [z, _transpose(m_chi), mu]]
    return jnp.concatenate([jnp.concatenate(row, axis=-1) for row in rows], axis=-2)
