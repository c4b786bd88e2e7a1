"""Wilson coefficients of b -> s l l: the chiral basis cbar_ij of seed 002 and the standard WET basis.

Units: all coefficients are dimensionless; scales in GeV.

Conventions (seed 002, D'Amico et al. arXiv:1704.05438, eq. (1)):

    L_eff ⊃ V_tb V_ts* alpha/(4 pi v^2) sum_{i,j=L,R} cbar_ij O_ij,
    O_ij = (sbar gamma^mu P_i b)(lbar gamma_mu P_j l),  v = 174.1 GeV,

so cbar_ij = (Lambda_0/Lambda)^2 c_ij with Lambda_0^2 = 4 pi v^2/(alpha |V_tb V_ts*|), the seed's
"(36 TeV/Lambda)^2". The standard WET basis (flavio, wcxf "flavio" basis, Buras et al.) is

    H_eff = -4 G_F/sqrt(2) V_tb V_ts* e^2/(16 pi^2) sum_i C_i O_i + h.c.,
    O_9 = (sbar gamma^mu P_L b)(lbar gamma_mu l),   O_10 = (sbar gamma^mu P_L b)(lbar gamma_mu gamma_5 l),
    primed operators with P_L -> P_R on the quark current.

Since 4 G_F/sqrt(2) = 1/v^2 (v = 174.1 GeV) and L = -H, both normalisations agree, and with
lbar gamma l = O_L + O_R, lbar gamma gamma_5 l = O_R - O_L (gamma_5 = P_R - P_L):

    cbar_LL = C9 - C10,   cbar_LR = C9 + C10,   cbar_RL = C9' - C10',   cbar_RR = C9' + C10'
    C9 = (cbar_LL + cbar_LR)/2,  C10 = (cbar_LR - cbar_LL)/2, and the same for primes.

A pure cbar_LL therefore gives dC9 = -dC10 = cbar_LL/2, and the seed's C9 row is cbar_LL = cbar_LR.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from jaxbsm.constants import ALPHA_EM, V_174, VTB_VTS


def normalisation_scale(
    alpha: float = ALPHA_EM.value, v: float = V_174.value, vtbvts: float = VTB_VTS.value
) -> float:
    """Lambda_0 = sqrt(4 pi v^2 / (alpha |V_tb V_ts*|)) in GeV: cbar = (Lambda_0/Lambda)^2 c.

    Seed 002 quotes 36 TeV. With alpha = alpha(0) = 1/137.036, v = 174.1 GeV and the 2017-era
    |V_tb V_ts*| = 0.0405 (PDG 2016) this is 35.9 TeV; PDG 2024's |V_tb V_ts*| = 0.04106 gives
    35.65 TeV. (v = 246 GeV would give 51 TeV: the seed's v is 174 GeV.)
    """
    for name, val in (("alpha", alpha), ("v", v), ("vtbvts", vtbvts)):
        if not val > 0:
            raise ValueError(f"normalisation_scale: {name} = {val} must be > 0")
    return math.sqrt(4.0 * math.pi * v**2 / (alpha * vtbvts))


def cbar_to_wet(cbar_ll, cbar_lr, cbar_rl, cbar_rr):
    """(cbar_LL, cbar_LR, cbar_RL, cbar_RR) -> (dC9, dC10, dC9', dC10'), dimensionless, any shape."""
    return (
        (cbar_ll + cbar_lr) / 2.0,
        (cbar_lr - cbar_ll) / 2.0,
        (cbar_rl + cbar_rr) / 2.0,
        (cbar_rr - cbar_rl) / 2.0,
    )


def wet_to_cbar(c9, c10, c9p, c10p):
    """(dC9, dC10, dC9', dC10') -> (cbar_LL, cbar_LR, cbar_RL, cbar_RR), inverse of cbar_to_wet."""
    return (c9 - c10, c9 + c10, c9p - c10p, c9p + c10p)


def stack_wet(c9, c10, c9p, c10p):
    """Stack the four WET shifts into the last axis, shape (..., 4), for the observables."""
    c9, c10, c9p, c10p = jnp.broadcast_arrays(
        jnp.asarray(c9), jnp.asarray(c10), jnp.asarray(c9p), jnp.asarray(c10p)
    )
    return jnp.stack([c9, c10, c9p, c10p], axis=-1)
