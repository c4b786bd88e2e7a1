"""Type II seesaw: Higgs-triplet Yukawas and the leptonic decays of H++ and H+ (seed 000).

Units: light-neutrino masses in eV, Delta m^2 in eV^2, Higgs masses, v_Delta and widths in GeV;
angles and phases in radians; couplings and branching ratios dimensionless.

Seed 000 ("Type II Seesaw"; Fileviez Perez, Han, Huang, Li, Wang, arXiv:0805.3536, PRD 78 (2008)
015018, hereafter FHHLW): L = Y_nu l_L^T C i sigma_2 Delta l_L + h.c. with <delta^0> =
v_Delta/sqrt(2), so M_nu = sqrt(2) Y_nu v_Delta = V* diag(m) V^dagger (V = jaxbsm.neutrino.pmns.pmns),
and the physical charged scalars couple as

    e_L^T C Gamma_{++} H^{++} e_L,   Gamma_{++} = V* diag(m) V^dagger / (sqrt(2) v_Delta) = Y_nu,
    nu_L^T C Gamma_{+} H^{+} e_L,    Gamma_{+}  = cos(theta_+) diag(m) V^dagger / v_Delta.

Partial widths (FHHLW; Han, Mukhopadhyaya, Si, Wang, arXiv:0706.1069), charged-lepton
and neutrino masses neglected against m_H (corrections O(m_tau^2/m_H^2) < 1e-4 for m_H > 200 GeV):

    Gamma(H++ -> l_i+ l_j+) = m_H++ |Gamma_{++}^{ij}|^2 / (4 pi (1 + delta_ij)),
    Gamma(H+ -> l_j+ nu)    = m_H+ sum_i |Gamma_{+}^{ij}|^2 / (16 pi)   (summed over the three nu_i).

The 1/(1 + delta_ij) is the identical-particle factor; for i != j both orderings of the symmetric
coupling contribute. Summed over channels both totals are m_H cos^2 theta sum_i m_i^2 / (16 pi v_Delta^2)
(cos theta = 1 for H++), so the leptonic branching ratios depend only on (V, m) and not on v_Delta:

    BR(H++ -> l_i l_j) = (2 - delta_ij) |(V* m V^dagger)_ij|^2 / sum_k m_k^2,
    BR(H+ -> l_j nu)   = sum_i m_i^2 |V_ji|^2 / sum_k m_k^2    (independent of the Majorana phases).

Gauge channel (see hpp_ww_width): Gamma(H++ -> W+W+) grows as v_Delta^2 while the leptonic width falls
as 1/v_Delta^2; they cross at v_Delta ~ 1e-4 GeV for m_H++ of a few hundred GeV (FHHLW abstract).
The triplet states are taken mass-degenerate, so cascades H++ -> H+ W+* are absent.

The full text of FHHLW was not at hand when this was written, so no equation numbers are quoted: the
couplings are the seed's, and the widths were re-derived from the Lagrangian above (vertex factors,
identical-particle factors, massless spin sums); the two leptonic totals agreeing is a check of the
relative normalisation of Gamma_{++} and Gamma_{+}.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from jaxbsm.checks import require
from jaxbsm.constants import EV, M_W, V_HIGGS
from jaxbsm.neutrino.majorana import mass_matrix
from jaxbsm.neutrino.pmns import pmns
from jaxbsm.neutrino.spectrum import masses

EV_TO_GEV = EV.value  # light-neutrino masses are in eV, the rest in GeV
#: Channel order of the (..., 6) H++ arrays: (i, j) with i <= j over flavours (e, mu, tau).
HPP_CHANNELS = ("ee", "emu", "etau", "mumu", "mutau", "tautau")
HPP_INDICES = ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))
#: Channel order of the (..., 3) H+ arrays, each summed over the three light neutrinos.
HP_CHANNELS = ("e nu", "mu nu", "tau nu")


def _check_spectrum(fname, m_lightest, dm21, dm3l):
    require(fname, "nonnegative", m_lightest=m_lightest)
    require(fname, "positive", dm21=dm21)
    require(fname, "nonzero", dm3l=dm3l)


def gamma_pp(v_pmns, m_ev, v_delta):
    """H++ Yukawa Gamma_{++} = V* diag(m) V^dagger / (sqrt(2) v_Delta), dimensionless, (..., 3, 3).

    m_ev: light masses (..., 3) in eV; v_delta in GeV (FHHLW, arXiv:0805.3536; seed 000).
    """
    require("gamma_pp", "positive", v_delta=v_delta)
    require("gamma_pp", "nonnegative", m_ev=m_ev)
    m_nu = mass_matrix(v_pmns, m_ev) * EV_TO_GEV
    return m_nu / (jnp.sqrt(2.0) * jnp.asarray(v_delta)[..., None, None])


def gamma_p(v_pmns, m_ev, v_delta, cos_theta_plus=1.0):
    """H+ Yukawa Gamma_{+} = cos(theta_+) diag(m) V^dagger / v_Delta, dimensionless, (..., 3, 3).

    Rows: neutrino mass eigenstates; columns: charged-lepton flavours. m_ev in eV, v_delta in GeV;
    theta_+ is the doublet-triplet charged mixing angle, ~ sqrt(2) v_Delta / v, so cos ~ 1
    (FHHLW, arXiv:0805.3536; seed 000).
    """
    require("gamma_p", "positive", v_delta=v_delta)
    require("gamma_p", "nonnegative", m_ev=m_ev)
    m = jnp.asarray(m_ev) * EV_TO_GEV
    scale = jnp.asarray(cos_theta_plus) / jnp.asarray(v_delta)
    return scale[..., None, None] * m[..., :, None] * jnp.conj(jnp.swapaxes(v_pmns, -1, -2))


def hpp_lepton_widths(g_pp, m_hpp):
    """Gamma(H++ -> l_i+ l_j+) in GeV for the HPP_CHANNELS, shape (..., 6); m_hpp in GeV.

    m_H++ |Gamma_{++}^{ij}|^2 / (4 pi (1 + delta_ij)), massless leptons (FHHLW, arXiv:0805.3536).
    """
    require("hpp_lepton_widths", "positive", m_hpp=m_hpp)
    g2 = jnp.abs(g_pp) ** 2
    cols = [g2[..., i, j] / (1.0 + (i == j)) for i, j in HPP_INDICES]
    return jnp.asarray(m_hpp)[..., None] * jnp.stack(cols, axis=-1) / (4.0 * math.pi)


def hp_lepton_widths(g_p, m_hp):
    """Gamma(H+ -> l_j+ nu) in GeV summed over neutrinos, HP_CHANNELS order, shape (..., 3).

    m_H+ sum_i |Gamma_{+}^{ij}|^2 / (16 pi), massless leptons (FHHLW, arXiv:0805.3536).
    """
    require("hp_lepton_widths", "positive", m_hp=m_hp)
    return jnp.asarray(m_hp)[..., None] * jnp.sum(jnp.abs(g_p) ** 2, axis=-2) / (16.0 * math.pi)


def _normalised(widths):
    return widths / jnp.sum(widths, axis=-1, keepdims=True)


def hpp_branching_ratios(theta12, theta13, theta23, delta, phi1, phi2, m_lightest, dm21, dm3l):
    """Leptonic BR(H++ -> l_i+ l_j+) for the HPP_CHANNELS, shape (..., 6), summing to 1.

    Inputs: PMNS angles and phases (rad, seed-000 Majorana convention), m_lightest (eV), dm21 and
    dm3l (eV^2, NuFIT sign = ordering). Valid where leptonic decays dominate (v_Delta <~ 1e-4 GeV);
    independent of v_Delta and m_H++ (FHHLW, arXiv:0805.3536).
    """
    _check_spectrum("hpp_branching_ratios", m_lightest, dm21, dm3l)
    v = pmns(theta12, theta13, theta23, delta, phi1, phi2)
    m = masses(m_lightest, dm21, dm3l)
    return _normalised(hpp_lepton_widths(gamma_pp(v, m, 1.0), 1.0))


def hp_branching_ratios(theta12, theta13, theta23, delta, phi1, phi2, m_lightest, dm21, dm3l):
    """Leptonic BR(H+ -> l_j+ nu) for the HP_CHANNELS, shape (..., 3), summing to 1.

    Same inputs as hpp_branching_ratios; independent of phi1, phi2, v_Delta, m_H+ and cos theta_+
    (FHHLW, arXiv:0805.3536).
    """
    _check_spectrum("hp_branching_ratios", m_lightest, dm21, dm3l)
    v = pmns(theta12, theta13, theta23, delta, phi1, phi2)
    m = masses(m_lightest, dm21, dm3l)
    return _normalised(hp_lepton_widths(gamma_p(v, m, 1.0), 1.0))


def hpp_ww_width(v_delta, m_hpp, m_w=M_W.value, v=V_HIGGS.value):
    """Gamma(H++ -> W+ W+) in GeV for on-shell W's; v_delta, m_hpp, m_w, v in GeV.

    Tree level, from the H++ W- W- vertex i sqrt(2) g^2 v_Delta g_mu nu of the triplet kinetic term
    (Han et al., arXiv:0706.1069; FHHLW, arXiv:0805.3536) with g^2 = 4 m_W^2 / v^2:

        Gamma = v_Delta^2 m^3 / (4 pi v^4) sqrt(1 - 4x) (1 - 4x + 12 x^2),   x = m_W^2 / m^2,

    i.e. g^4 v_Delta^2 m^3 / (64 pi m_W^4) (...), the SM h -> WW shape with the coupling replaced and an
    identical-particle 1/2. Zero below threshold, m_hpp <= 2 m_W (off-shell W* W* not included).
    """
    require("hpp_ww_width", "nonnegative", v_delta=v_delta)
    require("hpp_ww_width", "positive", m_hpp=m_hpp)
    m = jnp.asarray(m_hpp)
    x = m_w**2 / m**2
    open_ = 1.0 - 4.0 * x > 0.0
    beta = jnp.where(open_, jnp.sqrt(jnp.where(open_, 1.0 - 4.0 * x, 1.0)), 0.0)
    return jnp.asarray(v_delta) ** 2 * m**3 / (4.0 * math.pi * v**4) * beta * (1.0 - 4.0 * x + 12.0 * x**2)


def hpp_lepton_total_width(v_delta, m_hpp, m_lightest, dm21, dm3l):
    """Sum over flavours of Gamma(H++ -> l+ l+) = m_H++ sum_i m_i^2 / (16 pi v_Delta^2) in GeV.

    v_delta, m_hpp in GeV; m_lightest in eV, dm21, dm3l in eV^2 (FHHLW, arXiv:0805.3536).
    """
    require("hpp_lepton_total_width", "positive", v_delta=v_delta)
    require("hpp_lepton_total_width", "positive", m_hpp=m_hpp)
    _check_spectrum("hpp_lepton_total_width", m_lightest, dm21, dm3l)
    sum_m2 = jnp.sum(masses(m_lightest, dm21, dm3l) ** 2, axis=-1) * EV_TO_GEV**2
    return jnp.asarray(m_hpp) * sum_m2 / (16.0 * math.pi * jnp.asarray(v_delta) ** 2)


def hpp_ww_branching_ratio(v_delta, m_hpp, m_lightest, dm21, dm3l):
    """BR(H++ -> W+W+) = Gamma_WW / (Gamma_WW + Gamma_ll), dimensionless; units as hpp_lepton_total_width.

    Only the WW and leptonic channels (degenerate triplet, no H++ -> H+ W*). Multiply the leptonic
    BRs of hpp_branching_ratios by 1 - this to get the absolute ones (FHHLW, arXiv:0805.3536).
    """
    ww = hpp_ww_width(v_delta, m_hpp)
    return ww / (ww + hpp_lepton_total_width(v_delta, m_hpp, m_lightest, dm21, dm3l))


def crossover_v_delta(m_hpp, m_lightest, dm21, dm3l):
    """v_Delta (GeV) at which Gamma(H++ -> W+W+) = sum Gamma(H++ -> l+ l+), m_hpp (GeV) > 2 m_W.

    Solving the two widths above: v_Delta^4 = v^4 sum_i m_i^2 / (4 m^2 sqrt(1-4x) (1-4x+12x^2));
    about 1e-4 GeV for m_H++ = 300 GeV (FHHLW, arXiv:0805.3536, abstract).
    """
    require("crossover_v_delta", "positive", m_hpp=m_hpp)
    _check_spectrum("crossover_v_delta", m_lightest, dm21, dm3l)
    gamma_ll_times_vd2 = hpp_lepton_total_width(1.0, m_hpp, m_lightest, dm21, dm3l)
    gamma_ww_over_vd2 = hpp_ww_width(1.0, m_hpp)
    return (gamma_ll_times_vd2 / gamma_ww_over_vd2) ** 0.25
