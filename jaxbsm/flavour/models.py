"""Flavour models of seed 002: model-independent Wilson coefficients, Z' and leptoquarks.

Every model predicts the same observables (``OBSERVABLES``), so any of them can be bound to any
flavour dataset: R_K, R_K* bins, BR(B_s -> mu mu) (and over SM), cbar_LL^mu, the NP Delta B = 2
coefficient C_bs^NP (GeV^-2) and Delta M_s (ps^-1); the Z' models add Gamma_Z'/M_Z'. Mediator
masses are parameters in TeV; predict converts. The theory covariance of the predictions is
flavio's SM one (``theory_covariance``). The models are listed in ``jaxbsm.registry``.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from jaxbsm.flavour import matching, mixing
from jaxbsm.flavour import observables as bsll
from jaxbsm.flavour.theory_covariance import theory_covariance
from jaxbsm.flavour.wilson import cbar_to_wet, stack_wet
from jaxbsm.model import Model, Parameter
from jaxbsm.observables import ObservableInfo

TEV = 1.0e3  # GeV
G_MAX = math.sqrt(4.0 * math.pi)  # naive perturbative-unitarity bound on a coupling

OBSERVABLES = (
    *bsll.OBSERVABLES,
    ObservableInfo("cbar_LL^mu", r"$\bar c_{LL}^\mu$", "", "seed-002 normalised coefficient of (sbar P_L b)(mubar P_L mu)"),
    ObservableInfo("C_bs^NP", r"$C_{bs}^{\rm NP}$", "GeV^-2", "new-physics coefficient of (sbar gamma P_L b)^2 at mu_b"),
    ObservableInfo("DeltaM_s", r"$\Delta M_s$", "ps^-1", "B_s mass difference, SM x |1 + C_NP/C_SM|"),
)
ZPRIME_WIDTH = ObservableInfo("Gamma_Zp_over_M", r"$\Gamma_{Z'}/M_{Z'}$", "", "Z' total width over its mass")

SEED_002 = "B.C. Allanach, seed 002 talk; D'Amico et al., JHEP 09 (2017) 010, arXiv:1704.05438"


def _common(dc_mu, dc_e, c_bs) -> dict:
    out = bsll.b_to_s_mumu_observables(dc_mu, dc_e)
    out["cbar_LL^mu"] = jnp.real(dc_mu[..., 0] - dc_mu[..., 1])
    out["C_bs^NP"] = jnp.real(c_bs)
    out["DeltaM_s"] = mixing.delta_ms(c_bs)
    return out


def _coupling(name: str, latex: str, description: str, bound: float = G_MAX) -> Parameter:
    return Parameter(name, "", -bound, bound, 0.0, latex, description, sm=0.0)


def _mass(name: str, latex: str, description: str) -> Parameter:
    return Parameter(name, "TeV", 0.1, 200.0, 10.0, latex, description)


# --- model-independent ---------------------------------------------------------------------------
_WET = ("dC9", "dC10", "dC9p", "dC10p")
_WET_TEX = ("C_9", "C_{10}", "C_9'", "C_{10}'")
_LEPTON_TEX = {"mu": r"\mu", "e": "e"}


def _predict_wilson(p):
    dc_mu = stack_wet(*(p[f"{n}_mu"] for n in _WET))
    dc_e = stack_wet(*(p[f"{n}_e"] for n in _WET))
    return _common(dc_mu, dc_e, jnp.zeros(dc_mu.shape[:-1]))


WILSON = Model(
    name="wilson",
    description="Model-independent new physics in dC9, dC10, dC9', dC10' for muons and electrons (WET at 4.8 GeV)",
    parameters=tuple(
        Parameter(f"{n}_{l}", "", -5.0, 5.0, 0.0, rf"$\Delta {t}^{{{_LEPTON_TEX[l]}}}$",
                  f"NP shift of {n[1:]} for {l}", sm=0.0)
        for l in ("mu", "e") for n, t in zip(_WET, _WET_TEX)
    ),
    observables=OBSERVABLES,
    predict=_predict_wilson,
    citations=(SEED_002,),
    theory_covariance=theory_covariance,
)

_CBAR = ("cbar_LL", "cbar_LR", "cbar_RL", "cbar_RR")


def _predict_cbar(p):
    dc = {l: stack_wet(*cbar_to_wet(*(p[f"{n}_{l}"] for n in _CBAR))) for l in ("mu", "e")}
    return _common(dc["mu"], dc["e"], jnp.zeros(dc["mu"].shape[:-1]))


CBAR = Model(
    name="cbar",
    description="Seed-002 chiral basis cbar_ij^l = (36 TeV/Lambda)^2 c_ij^l for muons and electrons",
    parameters=tuple(
        Parameter(f"{n}_{l}", "", -8.0, 8.0, 0.0, rf"$\bar c_{{{n[-2:]}}}^{{{_LEPTON_TEX[l]}}}$",
                  f"coefficient of (sbar P_{n[-2]} b)(lbar P_{n[-1]} l) for l = {l}", sm=0.0)
        for l in ("mu", "e") for n in _CBAR
    ),
    observables=OBSERVABLES,
    predict=_predict_cbar,
    citations=(SEED_002,),
    theory_covariance=theory_covariance,
)


# --- Z' models ----------------------------------------------------------------------------------
def _zprime_observables(g_sb, g_mumu, m_tev, width_over_mass):
    m = m_tev * TEV
    cbar = matching.zprime_cbar_ll(g_sb, g_mumu, m)
    dc_mu = stack_wet(*cbar_to_wet(cbar, 0.0 * cbar, 0.0 * cbar, 0.0 * cbar))
    out = _common(dc_mu, jnp.zeros_like(dc_mu), matching.zprime_cbs(g_sb, m))
    out["Gamma_Zp_over_M"] = width_over_mass
    return out


def _zprime_model(name, description, quark_coupling, g_sb, width_over_mass, lepton_description, citations):
    """A Z' model from its quark-coupling parameter, the effective g_sb and Gamma/M as functions of p."""

    def predict(p):
        return _zprime_observables(g_sb(p), p["g_mumu"], p["M_Zp"], width_over_mass(p))

    def physical(p):
        return width_over_mass(p) < matching.perturbativity_bound(p["M_Zp"] * TEV)

    return Model(
        name=name,
        description=description,
        parameters=(
            _mass("M_Zp", r"$M_{Z'}$", "Z' mass"),
            quark_coupling,
            _coupling("g_mumu", r"$g_L^{\mu\mu}$", lepton_description),
        ),
        observables=(*OBSERVABLES, ZPRIME_WIDTH),
        predict=predict,
        physical=physical,
        citations=citations,
        theory_covariance=theory_covariance,
    )


ZPRIME = _zprime_model(
    "zprime",
    "Naive Z': couplings to sbar gamma P_L b (+h.c.) and mubar gamma P_L mu only",
    _coupling("g_sb", r"$g_L^{sb}$", "Z' coupling to sbar P_L b, relative to the phase of V_tb V_ts*"),
    g_sb=lambda p: p["g_sb"],
    width_over_mass=lambda p: matching.zprime_width_over_mass(g_sb=p["g_sb"], g_mumu=p["g_mumu"]),
    lepton_description="Z' coupling to left-handed muons",
    citations=(SEED_002,),
)
ZPRIME_33MUMU = _zprime_model(
    "zprime-33mumu",
    "'33 mu mu' Z': couples to the third-generation quark doublet and the second-generation lepton "
    "doublet; g_sb = g_q V_tb V_ts*",
    _coupling("g_q", r"$g_L^q$", "Z' coupling to Q_L3 (weak eigenbasis)"),
    g_sb=lambda p: matching.zprime_33mumu_gsb(p["g_q"]),
    width_over_mass=lambda p: matching.zprime_width_over_mass(g_q=p["g_q"], g_lepton_doublet=p["g_mumu"]),
    lepton_description="Z' coupling to L_2",
    citations=(SEED_002, "Allanach, Gripaios, You, JHEP 03 (2018) 021, arXiv:1710.06363"),
)


# --- leptoquarks --------------------------------------------------------------------------------
def _leptoquark_model(kind: str) -> Model:
    info = matching.LEPTOQUARKS[kind]

    def predict(p):
        m = p["M_LQ"] * TEV
        cbar = matching.leptoquark_cbar_ll(kind, p["y_bmu"], p["y_smu"], m)
        dc_mu = stack_wet(*cbar_to_wet(cbar, 0.0 * cbar, 0.0 * cbar, 0.0 * cbar))
        return _common(dc_mu, jnp.zeros_like(dc_mu), matching.leptoquark_cbs(kind, p["y_bmu"], p["y_smu"], m))

    return Model(
        name=kind,
        description=f"Leptoquark {kind} {info['rep']} coupling b and s to muons (kappa = {info['kappa']:+g}, mixing k = {info['k_mixing']:g})",
        parameters=(
            _mass("M_LQ", r"$M_{LQ}$", f"{kind} mass"),
            _coupling("y_bmu", r"$y_{b\mu}$", "leptoquark coupling to b and mu"),
            _coupling("y_smu", r"$y_{s\mu}$", "leptoquark coupling to s and mu"),
        ),
        observables=OBSERVABLES,
        predict=predict,
        citations=(SEED_002, "Hiller, Nisandzic, arXiv:1704.05444", "Capdevila et al., arXiv:1704.05340"),
        theory_covariance=theory_covariance,
    )


S3 = _leptoquark_model("S3")
V1 = _leptoquark_model("V1")
V3 = _leptoquark_model("V3")

