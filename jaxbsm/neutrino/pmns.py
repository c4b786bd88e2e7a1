"""The PMNS matrix, its Majorana phases and the Jarlskog invariant.

Units: angles and phases in radians; everything dimensionless.

Seed 000 (and PDG) parametrisation, with the seed's Majorana-phase convention:

    V = R23 R13(delta) R12 . diag(e^{i Phi1/2}, 1, e^{i Phi2/2}),

    V = [[ c12 c13,                        s12 c13,                        s13 e^{-i delta}],
         [-s12 c23 - c12 s23 s13 e^{i delta},  c12 c23 - s12 s23 s13 e^{i delta},  s23 c13       ],
         [ s12 s23 - c12 c23 s13 e^{i delta}, -c12 s23 - s12 c23 s13 e^{i delta},  c23 c13       ]] . P.

Rows are flavours (e, mu, tau), columns mass eigenstates (1, 2, 3): nu_alpha = V_{alpha i} nu_i.
PDG 2024 (eq. 14.34) writes the Majorana phases as diag(1, e^{i alpha21/2}, e^{i alpha31/2}). The two
differ by an overall phase e^{i Phi1/2} of all columns, which no observable sees, and

    alpha21 = -Phi1,   alpha31 = Phi2 - Phi1   (mod 2 pi).
"""

from __future__ import annotations

import jax.numpy as jnp


def dirac_pmns(theta12, theta13, theta23, delta):
    """PMNS matrix without Majorana phases, shape (..., 3, 3) complex (PDG 2024 eq. 14.34)."""
    s12, c12 = jnp.sin(theta12), jnp.cos(theta12)
    s13, c13 = jnp.sin(theta13), jnp.cos(theta13)
    s23, c23 = jnp.sin(theta23), jnp.cos(theta23)
    e = jnp.exp(1j * delta)
    rows = [
        [c12 * c13 + 0j, s12 * c13 + 0j, s13 * jnp.conj(e)],
        [-s12 * c23 - c12 * s23 * s13 * e, c12 * c23 - s12 * s23 * s13 * e, s23 * c13 + 0j],
        [s12 * s23 - c12 * c23 * s13 * e, -c12 * s23 - s12 * c23 * s13 * e, c23 * c13 + 0j],
    ]
    shape = jnp.broadcast_shapes(*(jnp.shape(x) for x in (theta12, theta13, theta23, delta)))
    return jnp.stack([jnp.stack([jnp.broadcast_to(x, shape) for x in r], axis=-1) for r in rows], axis=-2)


def majorana_phase_matrix(phi1, phi2):
    """Diagonal entries (e^{i Phi1/2}, 1, e^{i Phi2/2}) of the seed's Majorana-phase matrix, shape (..., 3)."""
    phi1, phi2 = jnp.broadcast_arrays(jnp.asarray(phi1, dtype=float), jnp.asarray(phi2, dtype=float))
    return jnp.stack([jnp.exp(0.5j * phi1), jnp.ones_like(phi1) + 0j, jnp.exp(0.5j * phi2)], axis=-1)


def pmns(theta12, theta13, theta23, delta, phi1=0.0, phi2=0.0):
    """Seed-000 PMNS matrix V = R23 R13(delta) R12 diag(e^{i Phi1/2}, 1, e^{i Phi2/2}), shape (..., 3, 3)."""
    return dirac_pmns(theta12, theta13, theta23, delta) * majorana_phase_matrix(phi1, phi2)[..., None, :]


def wrap_phase(x):
    """x mod 2 pi in [0, 2 pi) (jnp.mod can round -1e-17 up to exactly 2 pi; mapped to 0)."""
    two_pi = 2.0 * jnp.pi
    y = jnp.mod(x, two_pi)
    return jnp.where(y >= two_pi, 0.0, y)


def pdg_majorana_phases(phi1, phi2):
    """Seed phases (Phi1, Phi2) -> PDG (alpha21, alpha31) in [0, 2 pi); equal up to an overall phase."""
    return wrap_phase(-phi1), wrap_phase(phi2 - phi1)


def seed_majorana_phases(alpha21, alpha31):
    """PDG (alpha21, alpha31) -> seed (Phi1, Phi2) in [0, 2 pi); inverse of pdg_majorana_phases."""
    return wrap_phase(-alpha21), wrap_phase(alpha31 - alpha21)


def jarlskog(theta12, theta13, theta23, delta):
    """J = c12 s12 c23 s23 c13^2 s13 sin(delta) (PDG 2024 eq. 14.45), = Im(V_mu3 V_e3* V_e2 V_mu2*)."""
    return (
        jnp.cos(theta12) * jnp.sin(theta12) * jnp.cos(theta23) * jnp.sin(theta23)
        * jnp.cos(theta13) ** 2 * jnp.sin(theta13) * jnp.sin(delta)
    )


def jarlskog_from_matrix(v):
    """Rephasing invariant Im(V_mu3 V_e3* V_e2 V_mu2*) of any unitary 3x3 matrix (..., 3, 3)."""
    return jnp.imag(v[..., 1, 2] * jnp.conj(v[..., 0, 2]) * v[..., 0, 1] * jnp.conj(v[..., 1, 1]))
