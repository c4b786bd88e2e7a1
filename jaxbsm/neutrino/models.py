"""The three-flavour Majorana-neutrino model: oscillation parameters, absolute mass scale and
Majorana phases -> oscillation, kinematic and 0nubb observables and the type-II H++ branching ratios.

Parameter units follow NuFIT 6.0 (arXiv:2410.05380): sin^2 of the angles, delta_cp in degrees,
dm21 in 1e-5 eV^2, dm3l in 1e-3 eV^2 with the NuFIT sign (> 0: normal ordering, Delta m^2_31;
< 0: inverted ordering, Delta m^2_32), m_lightest in eV, Majorana phases Phi1, Phi2 (seed 000
convention, pmns.py) in degrees.
"""

from __future__ import annotations

import jax.numpy as jnp

from jaxbsm.model import Model, Parameter
from jaxbsm.neutrino import double_beta, pmns, spectrum, type_ii
from jaxbsm.observables import ObservableInfo

NUFIT = "Esteban et al. (NuFIT 6.0), JHEP 12 (2024) 216, arXiv:2410.05380"
SEED_000 = "seed 000: origin of neutrino masses (type I/II/inverse seesaw)"

_OSCILLATION = {
    "sin2_theta12": (r"$\sin^2\theta_{12}$", "", "solar mixing angle"),
    "sin2_theta13": (r"$\sin^2\theta_{13}$", "", "reactor mixing angle"),
    "sin2_theta23": (r"$\sin^2\theta_{23}$", "", "atmospheric mixing angle"),
    "delta_cp": (r"$\delta_{CP}$", "deg", "Dirac CP phase (PDG convention)"),
    "dm21": (r"$\Delta m^2_{21}$", "1e-5 eV^2", "solar mass-squared splitting"),
    "dm3l": (r"$\Delta m^2_{3\ell}$", "1e-3 eV^2", "Delta m^2_31 (> 0, NO) or Delta m^2_32 (< 0, IO), NuFIT convention"),
}
OBSERVABLES = (
    *(ObservableInfo(name, tex, unit, desc) for name, (tex, unit, desc) in _OSCILLATION.items()),
    ObservableInfo("m_beta", r"$m_\beta$", "eV", "effective electron-neutrino mass in beta decay"),
    ObservableInfo("sum_mnu", r"$\Sigma m_\nu$", "eV", "sum of the three neutrino masses"),
    ObservableInfo("m_bb", r"$m_{\beta\beta}$", "eV", "effective Majorana mass of neutrinoless double-beta decay"),
    ObservableInfo("m_lightest", r"$m_{\rm lightest}$", "eV", "lightest neutrino mass"),
    ObservableInfo("J_CP", r"$J_{CP}$", "", "leptonic Jarlskog invariant"),
    *(
        ObservableInfo(f"inv_T_half({iso})", rf"$1/T_{{1/2}}^{{0\nu}}({iso})$", "1/yr", f"0nubb decay rate of {iso} (light Majorana exchange)")
        for iso in double_beta.ISOTOPES
    ),
    *(
        ObservableInfo(f"BR(H++->{ch})", rf"BR$(H^{{++}}\to {ch})$", "", f"type-II seesaw: branching ratio of H++ -> {ch} (leptonic decays dominant)")
        for ch in type_ii.HPP_CHANNELS
    ),
    *(
        ObservableInfo(f"BR(H+->{ch})", rf"BR$(H^+\to {ch})$", "", f"type-II seesaw: branching ratio of H+ -> {ch} (leptonic decays dominant)")
        for ch in type_ii.HP_CHANNELS
    ),
)

DEG = jnp.pi / 180.0


#: sin²θ is held inside [EPS, 1 − EPS] for the angles: at exactly 0 or 1, d arcsin(√s²)/ds² is
#: infinite and the chain rule gave NaN gradients at the corners of the box (their value changes by
#: O(1e-15), their gradient there is 0)
SIN2_EPS = 1e-15


def mixing_angles(p):
    """θ12, θ13, θ23 [rad] from the sin²θ parameters (``SIN2_EPS``)."""
    return [jnp.arcsin(jnp.sqrt(jnp.clip(p[f"sin2_theta{ij}"], SIN2_EPS, 1.0 - SIN2_EPS))) for ij in ("12", "13", "23")]


def mixing_and_masses(p):
    """PMNS matrix (..., 3, 3) and masses (..., 3) in eV from a neutrino parameter dict."""
    theta = mixing_angles(p)
    v = pmns.pmns(*theta, p["delta_cp"] * DEG, p["phi1"] * DEG, p["phi2"] * DEG)
    m = spectrum.masses(p["m_lightest"], p["dm21"] * 1e-5, p["dm3l"] * 1e-3)
    return v, m


def predict(p):
    v, m = mixing_and_masses(p)
    theta = mixing_angles(p)
    out = {name: jnp.asarray(p[name]) for name in _OSCILLATION}
    out["m_lightest"] = jnp.asarray(p["m_lightest"])
    out["m_beta"] = spectrum.m_beta(v, m)
    out["sum_mnu"] = spectrum.sum_masses(m)
    out["m_bb"] = spectrum.m_betabeta(v, m)
    out["J_CP"] = pmns.jarlskog(*theta, p["delta_cp"] * DEG)
    for iso in double_beta.ISOTOPES:
        out[f"inv_T_half({iso})"] = double_beta.inverse_half_life(out["m_bb"], iso, p[f"nme_{iso}"])
    # type-II seesaw: Gamma_++ = V* m V^dagger/(sqrt2 v_Delta); branching ratios do not depend on v_Delta
    hpp = type_ii.hpp_lepton_widths(type_ii.gamma_pp(v, m, 1.0), 1.0)
    hp = type_ii.hp_lepton_widths(type_ii.gamma_p(v, m, 1.0), 1.0)
    for k, ch in enumerate(type_ii.HPP_CHANNELS):
        out[f"BR(H++->{ch})"] = hpp[..., k] / jnp.sum(hpp, axis=-1)
    for k, ch in enumerate(type_ii.HP_CHANNELS):
        out[f"BR(H+->{ch})"] = hp[..., k] / jnp.sum(hp, axis=-1)
    return out


def physical(p):
    """dm3l = 0 has no ordering; dm21 must be positive; in the inverted ordering (dm3l = Δm²32 < 0)
    m1² = m3² + |Δm²32| − Δm²21 > m3² needs |Δm²32| > Δm²21 (else the spectrum is not inverted)."""
    inverted_ok = (p["dm3l"] > 0.0) | (-p["dm3l"] * 1e-3 > p["dm21"] * 1e-5)  # units: 1e-3 and 1e-5 eV²
    return (jnp.abs(p["dm3l"]) > 0.0) & (p["dm21"] > 0.0) & inverted_ok


PARAMETERS = (
    Parameter("sin2_theta12", "", 0.0, 1.0, 0.307, r"$\sin^2\theta_{12}$", "solar mixing angle"),
    Parameter("sin2_theta13", "", 0.0, 1.0, 0.02195, r"$\sin^2\theta_{13}$", "reactor mixing angle"),
    Parameter("sin2_theta23", "", 0.0, 1.0, 0.561, r"$\sin^2\theta_{23}$", "atmospheric mixing angle"),
    Parameter("delta_cp", "deg", 0.0, 360.0, 177.0, r"$\delta_{CP}$", "Dirac CP phase"),
    Parameter("dm21", "1e-5 eV^2", 0.0, 20.0, 7.49, r"$\Delta m^2_{21}$", "solar splitting"),
    Parameter("dm3l", "1e-3 eV^2", -5.0, 5.0, 2.534, r"$\Delta m^2_{3\ell}$", "atmospheric splitting, NuFIT sign (NO > 0, IO < 0)"),
    Parameter("m_lightest", "eV", 0.0, 1.0, 0.0, r"$m_{\rm lightest}$", "m1 (NO) or m3 (IO)"),
    Parameter("phi1", "deg", 0.0, 360.0, 0.0, r"$\Phi_1$", "Majorana phase of nu_1 (seed 000 convention)"),
    Parameter("phi2", "deg", 0.0, 360.0, 0.0, r"$\Phi_2$", "Majorana phase of nu_3 (seed 000 convention)"),
    *(
        Parameter(
            f"nme_{iso}", "", *info.nme_range, sum(info.nme_range) / 2, rf"$M^{{0\nu}}({iso})$",
            f"0nubb nuclear matrix element of {iso}, nuisance over the range of nuclear models ({info.nme_source})",
        )
        for iso, info in double_beta.ISOTOPES.items()
    ),
)

NEUTRINO = Model(
    name="neutrino",
    description="Three light Majorana neutrinos: NuFIT oscillation parameters, m_lightest and Majorana phases",
    parameters=PARAMETERS,
    observables=OBSERVABLES,
    predict=predict,
    physical=physical,
    citations=(SEED_000, NUFIT),
)
