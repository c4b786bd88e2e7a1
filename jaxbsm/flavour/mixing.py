"""B_s - anti-B_s mixing with new physics in the left-handed Delta B = 2 operator.

Units: Wilson coefficients in GeV^-2, Delta M_s in ps^-1.

H_eff^{Delta B=2} = (C_SM + C_NP) (sbar gamma^mu P_L b)(sbar gamma_mu P_L b) + h.c. with the SM box
(Inami-Lim; Buchalla, Buras, Lautenbacher, Rev. Mod. Phys. 68 (1996) 1125, eq. (XII.1)):

    C_SM = G_F^2 M_W^2 (V_tb V_ts*)^2 eta_B S_0(x_t) / (4 pi^2),   x_t = m_t(m_t)^2/M_W^2,

so Delta M_s = Delta M_s^SM |1 + C_NP/C_SM|, with the SM prediction and its uncertainty from
constants.DELTA_MS_SM. C_NP is taken at the b scale (running from the mediator mass, a factor
~0.8 at 10 TeV, is neglected, as in the seed's bound C_NP < 1/(210 TeV)^2).
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from jaxbsm.constants import DELTA_MS_SM, ETA_B, G_FERMI, M_TOP_MSBAR, M_W, VTB_VTS

#: Seed 002: "Data => c_LL^bb < 1/(210 TeV)^2", in GeV^-2.
CBS_BOUND_SEED = 1.0 / (210.0e3) ** 2


def inami_lim_s0(x):
    """Inami-Lim box function S_0(x) (dimensionless), x = m_t^2/M_W^2."""
    return (4.0 * x - 11.0 * x**2 + x**3) / (4.0 * (1.0 - x) ** 2) - 3.0 * x**3 * math.log(x) / (
        2.0 * (1.0 - x) ** 3
    )


def cbs_sm(vtbvts: float = VTB_VTS.value) -> float:
    """SM Delta B = 2 coefficient C_SM in GeV^-2 (about (120 TeV)^-2)."""
    x_t = (M_TOP_MSBAR.value / M_W.value) ** 2
    return (
        G_FERMI.value**2 * M_W.value**2 * vtbvts**2 * ETA_B.value * inami_lim_s0(x_t) / (4.0 * math.pi**2)
    )


def delta_ms_ratio(c_np):
    """Delta M_s / Delta M_s^SM = |1 + C_NP/C_SM| for C_NP in GeV^-2 (complex allowed)."""
    return jnp.abs(1.0 + c_np / cbs_sm())


def delta_ms(c_np):
    """Delta M_s in ps^-1 = Delta M_s^SM |1 + C_NP/C_SM|, with Delta M_s^SM of constants.DELTA_MS_SM."""
    return DELTA_MS_SM.value * delta_ms_ratio(c_np)
