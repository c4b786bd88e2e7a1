"""Tree-level Z' and leptoquark matching onto b -> s mu mu and B_s mixing (seed 002).

Units: masses in GeV, couplings dimensionless, Delta B = 2 coefficients in GeV^-2.

Phase convention (as in seed 002 and D'Amico et al., arXiv:1704.05438): the b -> s normalisation
uses |V_tb V_ts*| (Lambda_0 = 36 TeV), i.e. the sb couplings g_sb, y_bmu y_smu* are measured relative
to the phase of V_tb V_ts*. A real positive g_sb g_mumu then gives a negative cbar_LL, as in the
seed's "g_sb g_mumu (36 TeV/M)^2 = -1.33".

Integrating out a Z' with L = Z'_mu J^mu, J = g_sb sbar gamma P_L b + h.c. + g_mumu mubar gamma P_L mu
gives L_eff = -J.J/(2 M^2), hence
    cbar_LL = -(4 pi v^2/(alpha |V_tb V_ts*|)) g_sb g_mumu / M^2 = -(Lambda_0/M)^2 g_sb g_mumu,
    H_eff^{Delta B=2} = C_bs (sbar gamma^mu P_L b)(sbar gamma_mu P_L b) + h.c.,  C_bs = g_sb^2/(2 M^2).
"""

from __future__ import annotations

import jax.numpy as jnp

from jaxbsm.constants import M_PLANCK, VTB_VTS
from jaxbsm.flavour.wilson import normalisation_scale

#: Leptoquarks of seed 002: sign kappa of cbar_LL and coefficient k of the one-loop B_s-mixing box,
#: C_bs = k (y_bmu y_smu*)^2 / (32 pi^2 M^2) (seed 002, "Other Constraints" for LQs).
LEPTOQUARKS = {
    "S3": {"kappa": 1.0, "k_mixing": 5.0, "rep": "(3bar, 3, 1/3) scalar"},
    "V1": {"kappa": -1.0, "k_mixing": 4.0, "rep": "(3bar, 1, 2/3) vector"},
    "V3": {"kappa": -1.0, "k_mixing": 20.0, "rep": "(3, 3, 2/3) vector"},
}


def zprime_cbar_ll(g_sb, g_mumu, m_zp):
    """cbar_LL^mu of the naive Z' model; m_zp in GeV. Seed 002: -(4 pi v^2/(alpha V_tb V_ts*)) g_sb g_mumu/M^2."""
    lam0 = normalisation_scale()
    return -((lam0 / m_zp) ** 2) * g_sb * g_mumu


def zprime_33mumu_gsb(g_q, vtbvts=VTB_VTS.value):
    """Effective sb coupling of the "33 mu mu" Z' (couples to Q_L3 and L_2): g_sb = g_q V_tb V_ts*."""
    return g_q * vtbvts


def zprime_cbs(g_sb, m_zp):
    """Tree-level Delta B = 2 coefficient C_bs = g_sb^2/(2 M^2) in GeV^-2 (m_zp in GeV)."""
    return g_sb**2 / (2.0 * m_zp**2)


def leptoquark_cbar_ll(kind: str, y_bmu, y_smu, m_lq):
    """cbar_LL^mu = kappa (Lambda_0/M)^2 y_bmu y_smu* for kind in S3, V1, V3 (seed 002); m_lq in GeV."""
    kappa = _leptoquark(kind)["kappa"]
    return kappa * (normalisation_scale() / m_lq) ** 2 * y_bmu * jnp.conj(y_smu)


def leptoquark_cbs(kind: str, y_bmu, y_smu, m_lq):
    """One-loop Delta B = 2 coefficient k (y_bmu y_smu*)^2/(32 pi^2 M^2) in GeV^-2, k = 5, 4, 20."""
    k = _leptoquark(kind)["k_mixing"]
    return k * (y_bmu * jnp.conj(y_smu)) ** 2 / (32.0 * jnp.pi**2 * m_lq**2)


def zprime_width_over_mass(g_sb=0.0, g_mumu=0.0, g_q=0.0, g_lepton_doublet=0.0):
    """Gamma_Z'/M_Z' from decays to massless chiral fermions, Gamma(Z' -> f fbar) = N_c |g|^2 M/(24 pi).

    ``g_sb``: naive-model sb coupling (bbar s and sbar b, N_c = 3 each); ``g_mumu``: coupling to the
    left-handed muon only (naive model); ``g_q``: coupling to the whole third-generation quark
    doublet Q_L3 (t_L and b_L, N_c = 3 each; CKM unitarity sums the down-type channels to g_q^2);
    ``g_lepton_doublet``: coupling to the whole L_2 doublet (mu_L and nu_mu). Top mass neglected.
    """
    sum_g2 = 6.0 * g_sb**2 + g_mumu**2 + 6.0 * g_q**2 + 2.0 * g_lepton_doublet**2
    return sum_g2 / (24.0 * jnp.pi)


def perturbativity_bound(m_zp):
    """Largest Gamma/M allowed by "no Landau pole below M_Pl": pi/(2 log(M_Pl/M)) (seed 002); m_zp in GeV."""
    return jnp.pi / (2.0 * jnp.log(M_PLANCK.value / m_zp))


def _leptoquark(kind: str) -> dict:
    try:
        return LEPTOQUARKS[kind]
    except KeyError:
        raise ValueError(f"leptoquark kind {kind!r} unknown; allowed: {', '.join(LEPTOQUARKS)}") from None
