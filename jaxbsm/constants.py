"""Physical inputs with value, uncertainty, unit and source.

Natural units, GeV = 1, unless the unit field says otherwise. Every number cites where it comes
from; PDG 2024 is R.L. Workman et al. / S. Navas et al. (Particle Data Group), Phys. Rev. D 110,
030001 (2024).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Constant:
    """A physical input: ``value`` ± ``uncertainty`` in ``unit``, taken from ``source``."""

    value: float
    uncertainty: float
    unit: str
    source: str

    def __float__(self) -> float:
        return self.value


# --- electroweak ---------------------------------------------------------------------------------
ALPHA_EM = Constant(1.0 / 137.035999177, 2.1e-12, "", "PDG 2024, fine-structure constant at q^2 = 0")
G_FERMI = Constant(1.1663788e-5, 6e-12, "GeV^-2", "PDG 2024, Fermi constant from muon decay")
M_ELECTRON = Constant(0.51099895000e-3, 1.5e-13, "GeV", "PDG 2024 (CODATA 2018), electron mass")
#: eV in GeV, for light-neutrino masses (eV) entering GeV-unit formulas.
EV = Constant(1.0e-9, 0.0, "GeV", "definition")
M_W = Constant(80.3692, 0.0133, "GeV", "PDG 2024, W mass world average")
M_PLANCK = Constant(1.220890e19, 1.4e14, "GeV", "PDG 2024, Planck mass (not reduced)")

#: v = (sqrt(2) G_F)^(-1/2) = 246.22 GeV, the Higgs vacuum expectation value.
V_HIGGS = Constant(
    (math.sqrt(2.0) * G_FERMI.value) ** -0.5, 0.0, "GeV", "derived from G_FERMI, v = (sqrt2 G_F)^-1/2"
)
#: v = 174.10 GeV = (2 sqrt(2) G_F)^(-1/2): the convention of the seed talk and of D'Amico et al.,
#: arXiv:1704.05438, in which 4 G_F/sqrt(2) = 1/v^2 and L_eff = V_tb V_ts* alpha/(4 pi v^2) cbar O.
V_174 = Constant(V_HIGGS.value / math.sqrt(2.0), 0.0, "GeV", "derived, v/sqrt(2); seed 002 convention")

# --- Higgs sector, heavy SM particles (Higgs-portal rates of the cosmology sector) -------------
M_H = Constant(125.20, 0.11, "GeV", "PDG 2024, Higgs boson mass")
#: Measured total width (off-shell/on-shell ratio, CMS + ATLAS), 3.7 +1.9 -1.4 MeV, symmetrised.
#: The Higgs-portal rates use the SM prediction built in cosmology/higgs_portal.py instead.
GAMMA_H = Constant(3.7e-3, 1.7e-3, "GeV", "PDG 2024, Higgs total width 3.7 +1.9 -1.4 MeV (measured)")
M_Z = Constant(91.1880, 0.0020, "GeV", "PDG 2024, Z mass")
GAMMA_Z = Constant(2.4955, 0.0023, "GeV", "PDG 2024, Z total width")
GAMMA_W = Constant(2.085, 0.042, "GeV", "PDG 2024, W total width")
M_TOP_POLE = Constant(172.57, 0.29, "GeV", "PDG 2024, top mass from direct measurements")
M_BOTTOM_MSBAR = Constant(4.183, 0.007, "GeV", "PDG 2024, MSbar m_b(m_b)")
M_CHARM_MSBAR = Constant(1.2730, 0.0046, "GeV", "PDG 2024, MSbar m_c(m_c)")
M_TAU = Constant(1.77693, 0.00009, "GeV", "PDG 2024, tau mass")
M_MUON = Constant(0.1056583755, 2.3e-12, "GeV", "PDG 2024 (CODATA 2018), muon mass")

# --- CKM ----------------------------------------------------------------------------------------
V_TB = Constant(0.999118, 0.000031, "", "PDG 2024 CKM global fit (Wolfenstein fit, eq. 12.27)")
V_TS = Constant(0.04110, 0.00083, "", "PDG 2024 CKM global fit, |V_ts|")
#: |V_tb V_ts*|, the modulus factored out of the b -> s effective Hamiltonian.
VTB_VTS = Constant(V_TB.value * V_TS.value, 0.00083, "", "PDG 2024, |V_tb V_ts*| from the global fit")
#: |V_tb V_ts*| from the PDG 2016 global fit (|V_ts| = 0.04053, |V_tb| = 0.999146), the inputs of
#: the 2017 analyses behind seed 002; with these the WET normalisation is the seed's 36 TeV.
VTB_VTS_2016 = Constant(0.999146 * 0.04053, 0.0008, "", "PDG 2016 CKM global fit")

# --- top and B_s mixing -------------------------------------------------------------------------
M_TOP_MSBAR = Constant(162.5, 2.1, "GeV", "PDG 2024, MSbar mass m_t(m_t) from cross sections")
ETA_B = Constant(0.8393, 0.0034, "", "Buras, Jamin, Weisz, Nucl. Phys. B347 (1990) 491: eta_B hat (NLO QCD)")
DELTA_MS_SM = Constant(
    18.4, 0.95, "ps^-1",
    "Di Luzio, Kirk, Lenz, Rauh, JHEP 12 (2019) 009, arXiv:1909.11087: 18.4 +0.7 -1.2 ps^-1 "
    "(symmetrised to +-0.95)",
)
#: hbar in GeV ps, to turn widths in GeV into ps^-1.
HBAR_GEV_PS = Constant(6.582119569e-13, 0.0, "GeV ps", "CODATA 2018 / PDG 2024, hbar exactly")

# --- exact SI constants -----------------------------------------------------------------------
BOLTZMANN_EV_PER_K = Constant(8.617333262e-5, 0.0, "eV/K", "exact (SI 2019), CODATA 2018")
SPEED_OF_LIGHT = Constant(299_792.458, 0.0, "km/s", "exact (SI)")
AVOGADRO = Constant(6.02214076e23, 0.0, "1/mol", "exact (SI 2019)")
