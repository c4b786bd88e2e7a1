"""Neutrinoless double-beta decay by light Majorana-neutrino exchange.

Units: m_bb in eV, half-lives in yr, rates in yr^-1; G0nu in yr^-1; M0nu dimensionless.

Convention (Kotila & Iachello, Phys. Rev. C 85, 034316 (2012), eq. (1) with f = m_bb / m_e):

    1 / T_1/2 = G0nu g_A^4 |M0nu|^2 m_bb^2 / m_e^2,

with g_A factored out of the phase-space factor G0nu (many papers instead absorb g_A^4 into G) and
M0nu the dimensionless nuclear matrix element, normalised with g_A = 1.27 (unquenched), as in the
KamLAND-Zen and GERDA m_bb limits. m_bb = |sum_i V_ei^2 m_i| (spectrum.m_betabeta).
"""

from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp

from jaxbsm.constants import EV, M_ELECTRON

# Electron mass in eV (constants.M_ELECTRON, PDG 2024).
M_E_EV = M_ELECTRON.value / EV.value
# Axial coupling used by KamLAND-Zen and GERDA for their m_bb ranges (PDG: g_A = 1.2754(13)).
G_A = 1.27


@dataclass(frozen=True)
class Isotope:
    """Phase-space factor G0nu (yr^-1, g_A factored out) and the M0nu range an experiment quotes."""

    g0nu: float
    g0nu_source: str
    nme_range: tuple[float, float]
    nme_source: str


ISOTOPES = {
    "76Ge": Isotope(
        g0nu=2.363e-15,
        g0nu_source="Kotila & Iachello, PRC 85, 034316 (2012), Table III (screened, finite size)",
        nme_range=(2.66, 6.04),
        nme_source=(
            "range of shell-model, QRPA, IBM and EDF M0nu (g_A = 1.27) behind the GERDA final limit "
            "m_bb < 79-180 meV, Agostini et al. (GERDA), PRL 125, 252502 (2020), arXiv:2009.06079; the "
            "endpoints were not checked against the paper text here: with this G0nu they give "
            "80-183 meV, 1.5-2% above GERDA's numbers"
        ),
    ),
    "136Xe": Isotope(
        g0nu=14.58e-15,
        g0nu_source="Kotila & Iachello, PRC 85, 034316 (2012), Table III (screened, finite size)",
        nme_range=(1.11, 4.77),
        nme_source=(
            "range used by KamLAND-Zen, Abe et al., PRL 130, 051801 (2023), arXiv:2203.02139 "
            "(m_bb < 36-156 meV for T > 2.3e26 yr) and arXiv:2406.11438 (28-122 meV for 3.8e26 yr); "
            "extremes from the shell model, PRC 97, 045503 (2018) (1.11) and relativistic EDF, PRC 91, "
            "024316 (2015) (4.77), as attributed in nEXO's sensitivity studies"
        ),
    ),
}


def _isotope(name):
    if name not in ISOTOPES:
        raise ValueError(f"unknown isotope {name!r}; allowed: {sorted(ISOTOPES)}")
    return ISOTOPES[name]


def inverse_half_life(m_bb_ev, isotope, nme, g_a=G_A):
    """Decay rate 1/T_1/2 in yr^-1 = G0nu g_A^4 nme^2 (m_bb/m_e)^2; m_bb in eV (Kotila-Iachello eq. 1).

    isotope: a key of ISOTOPES ("76Ge", "136Xe"); nme: M0nu (dimensionless, for g_A = g_a), e.g. an
    end of ISOTOPES[isotope].nme_range; all array arguments broadcast.
    """
    g0nu = _isotope(isotope).g0nu
    return g0nu * g_a**4 * jnp.asarray(nme) ** 2 * (jnp.asarray(m_bb_ev) / M_E_EV) ** 2


def half_life(m_bb_ev, isotope, nme, g_a=G_A):
    """Half-life T_1/2 in yr for m_bb in eV (inf for m_bb = 0); see inverse_half_life."""
    return 1.0 / inverse_half_life(m_bb_ev, isotope, nme, g_a)


def m_bb_limit(t_half_limit, isotope, nme, g_a=G_A):
    """Upper limit on m_bb in eV from a lower limit on T_1/2 in yr: m_e / sqrt(T G0nu g_A^4 nme^2).

    Larger nme gives the stronger limit, so the ends of ISOTOPES[isotope].nme_range give the range an
    experiment quotes (e.g. KamLAND-Zen, arXiv:2406.11438: T > 3.8e26 yr -> m_bb < 28-122 meV).
    """
    g0nu = _isotope(isotope).g0nu
    return M_E_EV / (jnp.abs(jnp.asarray(nme)) * g_a**2 * jnp.sqrt(jnp.asarray(t_half_limit) * g0nu))
