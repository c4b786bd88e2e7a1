"""Oscillation probabilities against peer codes: NuOscProbExact 1.13 (Bustamante, arXiv:1904.12391,
exact SU(3) expansion) and nuSQuIDS 1.13 (Arguelles, Salvado, Weaver, arXiv:2112.13804, ODE solver).

Install: ``pip install nuoscprobexact nusquids``; run with ``pytest -m peer``.
"""

import math

import numpy as np
import pytest

from jaxbsm.neutrino import oscillation as osc
from jaxbsm.neutrino.pmns import pmns

pytestmark = pytest.mark.peer

DM21 = 7.49e-5
PARAMS = {  # NuFIT 6.0-like: sin^2 theta12, sin^2 theta13, sin^2 theta23, delta (deg), dm3l (eV^2)
    "NO": (0.307, 0.02195, 0.561, 177.0, 2.534e-3),
    "IO": (0.307, 0.02195, 0.561, 285.0, -2.510e-3),
}
SETUPS = [(1300.0, 2.848, np.linspace(0.5, 5.0, 10)), (295.0, 2.6, np.array([0.4, 0.6, 0.8]))]


def angles(ordering):
    s12, s13, s23, delta, _ = PARAMS[ordering]
    return math.asin(math.sqrt(s12)), math.asin(math.sqrt(s13)), math.asin(math.sqrt(s23)), math.radians(delta)


@pytest.mark.parametrize("ordering", ["NO", "IO"])
@pytest.mark.parametrize("anti", [False, True])
def test_nuoscprobexact_same_hamiltonian(ordering, anti):
    """NuOscProbExact's exact exp(-i H L) of our Hamiltonian: agreement to 1e-10."""
    oscprob3nu = pytest.importorskip("oscprob3nu")
    v = pmns(*angles(ordering))
    dm3l = PARAMS[ordering][4]
    for baseline, density, energies in SETUPS:
        h = np.asarray(osc.hamiltonian(v, DM21, dm3l, energies, density, antineutrino=anti)) / osc.HBARC_EV_KM
        theirs = np.asarray(oscprob3nu.probabilities_3nu(h, baseline)).reshape(-1, 3, 3)
        ours = np.asarray(osc.probabilities(v, DM21, dm3l, energies, baseline, density, antineutrino=anti))
        assert np.max(np.abs(ours - theirs)) < 1e-10


@pytest.mark.parametrize("ordering", ["NO", "IO"])
def test_nuoscprobexact_own_pipeline(ordering):
    """NuOscProbExact's own PMNS (sines), vacuum Hamiltonian and km -> 1/eV factor (5.06773e9, six
    digits: phases agree to ~1e-7 relative), with our V_CC: agreement to 1e-5."""
    pytest.importorskip("oscprob3nu")
    import hamiltonians3nu
    import oscprob3nu
    from globaldefs import CONV_KM_TO_INV_EV

    s12, s13, s23, delta, dm3l = PARAMS[ordering]
    dm31 = dm3l if dm3l > 0 else dm3l + DM21
    h0 = hamiltonians3nu.hamiltonian_3nu_vacuum_energy_independent(
        math.sqrt(s12), math.sqrt(s23), math.sqrt(s13), math.radians(delta), DM21, dm31)
    v = pmns(*angles(ordering))
    for baseline, density, energies in SETUPS:
        h = hamiltonians3nu.hamiltonian_3nu_matter(h0, energies * 1e9, float(osc.matter_potential(density)))
        theirs = np.asarray(oscprob3nu.probabilities_3nu(h, baseline * CONV_KM_TO_INV_EV)).reshape(-1, 3, 3)
        ours = np.asarray(osc.probabilities(v, DM21, dm3l, energies, baseline, density))
        assert np.max(np.abs(ours - theirs)) < 1e-5


@pytest.mark.parametrize("ordering", ["NO", "IO"])
@pytest.mark.parametrize("anti", [False, True])
def test_nusquids_constant_density(ordering, anti):
    """nuSQuIDS (its own constants and ODE evolution, rel/abs error 1e-12): agreement to 1e-6."""
    nsq = pytest.importorskip("nuSQuIDS")
    units = nsq.Const()
    t12, t13, t23, delta = angles(ordering)
    dm3l = PARAMS[ordering][4]
    dm31 = dm3l if dm3l > 0 else dm3l + DM21
    v = pmns(t12, t13, t23, delta)
    for baseline, density, energies in SETUPS:
        ours = np.asarray(osc.probabilities(v, DM21, dm3l, energies, baseline, density, antineutrino=anti))
        for energy, p in zip(energies, ours):
            for alpha in range(3):
                solver = nsq.nuSQUIDS(3, nsq.NeutrinoType.antineutrino if anti else nsq.NeutrinoType.neutrino)
                solver.Set_E(energy * units.GeV)
                for (i, j), t in {(0, 1): t12, (0, 2): t13, (1, 2): t23}.items():
                    solver.Set_MixingAngle(i, j, t)
                solver.Set_SquareMassDifference(1, DM21)
                solver.Set_SquareMassDifference(2, dm31)
                solver.Set_CPPhase(0, 2, delta)
                solver.Set_Body(nsq.ConstantDensity(density, 0.5))
                solver.Set_Track(nsq.ConstantDensity.Track(baseline * units.km))
                solver.Set_rel_error(1e-12)
                solver.Set_abs_error(1e-12)
                solver.Set_initial_state(np.eye(3)[alpha], nsq.Basis.flavor)
                solver.EvolveState()
                theirs = np.array([solver.EvalFlavor(beta) for beta in range(3)])
                assert np.max(np.abs(p[alpha] - theirs)) < 1e-6
