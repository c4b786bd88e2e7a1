"""Matter transfer function of non-cold dark matter (issue 5) against CLASS 3.4.1.

Reference: tests/cosmology/data/class_transfer.json, made by make_class_reference.py (CLASS 3.4.1,
synchronous gauge, ncdm_fluid_approximation = 3, l_max_ncdm = 30, tight ncdm tolerances; converged:
l_max_ncdm = 50 and more momentum bins change T² by < 2e-3 and k_hm by < 0.08%, both stored in the
json). T² = P_m/P_m,ΛCDM at z = 0, 2, 3, 4, 5 on 60 k from 0.1 to 300 h/Mpc; k_hm (T² = 1/2) at z = 0.

Acceptance (issue 5): k_hm within 2% and |ΔT²| < 0.02 wherever T² > 0.05, for thermal WDM of 1, 3
and 5.3 keV, a decay-in-equilibrium spectrum q^{-1/2} e^{-q} (10 keV) and a late-decay spectrum
q^{-1} e^{-q²/16} (15 keV), both with T_ncdm = 0.33514 T_cmb (freeze-in's q = p/T before g*s
dilution). The default suite runs two models on the k where 0.05 < T² < 0.995 plus Λ-CDM's P(k);
all five are in the slow test. Measured (default settings, 32 momentum nodes; k_hm linearly
interpolated on the CLASS grid for both codes): k_hm −0.013%, +0.063%, +0.039%, −0.010%, −0.077%
for the five models in the order above (before the oscillation relaxation of issue 18 and with 24
nodes: +0.029%, +0.124%, +0.109%, +0.048%, −0.124%); the root find of half_mode (test_half_mode.py)
against CLASS's k_hm on its 2000-point grid: −0.016%, +0.074%, +0.058%, −0.001%, −0.081%.
"""

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxbsm.cosmology import ncdm, transfer, wdm_fits
from jaxbsm.cosmology.linear_perturbations import PerturbationSettings
from jaxbsm.status import Status

DATA = json.loads((Path(__file__).parent / "data" / "class_transfer.json").read_text())
K = np.array(DATA["k_h"])
Z = np.array(DATA["z"])
T_FREEZE_IN = 0.3351380298929725  # (g_s0/g_s,top)^{1/3} = (3.93094/104.43)^{1/3}


def species(name):
    meta = DATA["models"][name]["meta"]
    if name.startswith("wdm"):
        return ncdm.fermi_dirac(meta["m_ncdm_eV"] / 1e3, meta["T_ncdm_over_T_cmb"], 0.12)
    if name.startswith("decay_equilibrium"):
        return ncdm.from_distribution(lambda q: q**-0.5 * jnp.exp(-q), 10.0, T_FREEZE_IN, 0.12)
    return ncdm.from_distribution(lambda q: jnp.exp(-(q**2) / 16.0) / q, 15.0, T_FREEZE_IN, 0.12, q_max=30.0)


def window(T2_ref):
    i0 = int(np.argmax(T2_ref < 0.95))
    assert T2_ref[i0 + 11] < 0.5, "the k window must contain the half mode"
    return slice(i0, i0 + 12)


def compare(name):
    """Max |ΔT²| (all z, where CLASS's T² > 0.05) and the relative k_hm error at z = 0, on the 12 CLASS
    grid points from where T² first drops below 0.95 (one compiled shape for every model; the window
    contains the half mode, asserted)."""
    ref = np.array(DATA["models"][name]["T2"]).T  # (n_k, n_z)
    sel = window(ref[:, 0])
    res = transfer.transfer_squared(K[sel], species(name), Z)
    T2 = np.asarray(res.T2)
    assert np.all(np.asarray(res.status) == Status.OK), name
    khm = float(transfer.half_mode_k_from_table(K[sel], T2[:, 0]))
    khm_ref = float(transfer.half_mode_k_from_table(K[sel], ref[sel, 0]))
    mask = ref[sel] > 0.05
    return np.abs(T2 - ref[sel])[mask].max(), khm / khm_ref - 1.0


@pytest.mark.parametrize("name", ["wdm_3keV", "late_decay_qtau4_15keV"])
def test_against_class(name):
    dT2, dk = compare(name)
    assert dT2 < 0.02, (name, dT2)
    assert abs(dk) < 0.02, (name, dk)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["wdm_1keV", "wdm_5.3keV", "decay_equilibrium_10keV"])
def test_against_class_all(name):
    dT2, dk = compare(name)
    assert dT2 < 0.02, (name, dT2)
    assert abs(dk) < 0.02, (name, dk)


def test_lcdm_power_against_class():
    """P_ΛCDM itself (A_s = 2.1e-9, n_s = 0.9649) to 0.5% for k ≤ 10 h/Mpc at z = 0 and 3 (measured:
    ≤ 0.25% there, ≤ 0.41% up to 120 h/Mpc)."""
    sel = K <= 10.0
    P = transfer.power_spectrum_lcdm(K[sel], np.array([0.0, 3.0]))
    ref = np.array(DATA["models"]["lcdm"]["pk_Mpc3_h3"])[[0, 2]][:, sel].T
    assert np.abs(P / ref - 1).max() < 0.005


def test_half_mode_conventions_and_viel():
    """Closed-form Viel T² has k_hm(T) / k_hm(T²) = 1.387; half_mode_k_from_table recovers both on a grid."""
    k = np.geomspace(1.0, 200.0, 400)
    T2 = np.asarray(wdm_fits.transfer2_viel(k, 3.0))
    k2 = float(transfer.half_mode_k_from_table(k, T2, "T2"))
    k1 = float(transfer.half_mode_k_from_table(k, T2, "T"))
    assert k2 == pytest.approx(float(wdm_fits.half_mode_k_viel(3.0, convention="T2")), rel=1e-3)
    assert k1 / k2 == pytest.approx(wdm_fits.HALF_MODE_RATIO_THERMAL, rel=2e-3)
    with pytest.raises(ValueError, match="convention"):
        transfer.half_mode_k_from_table(k, T2, "T^2")


def test_bad_input():
    sp = ncdm.thermal_wdm(3.0)
    with pytest.raises(ValueError, match="k_h"):
        transfer.transfer_squared(np.array([0.001, 1.0]), sp)
    with pytest.raises(ValueError, match="z"):
        transfer.transfer_squared(np.array([1.0]), sp, z=50.0)
    with pytest.raises(ValueError, match="m_keV"):
        ncdm.thermal_wdm(-1.0)


K_GRAD = np.array([20.0, 23.0, 26.0, 30.0])  # brackets k_hm of 3 keV WDM and of the late-decay test spectrum


def khm_thermal(m):
    sp = ncdm.fermi_dirac(m, DATA["models"]["wdm_3keV"]["meta"]["T_ncdm_over_T_cmb"], 0.12)
    return transfer.half_mode_k_from_table(K_GRAD, transfer.transfer_squared(K_GRAD, sp, 0.0).T2[:, 0])


def khm_late_decay(q_tau):
    sp = ncdm.from_distribution(lambda q: jnp.exp(-((q / q_tau) ** 2)) / q, 15.0, T_FREEZE_IN, 0.12, q_max=30.0)
    return transfer.half_mode_k_from_table(K_GRAD * 1.3, transfer.transfer_squared(K_GRAD * 1.3, sp, 0.0).T2[:, 0])


@pytest.mark.slow
@pytest.mark.parametrize("fn, x0", [(khm_thermal, 3.0), (khm_late_decay, 4.0)])
def test_half_mode_gradient(fn, x0):
    """d k_hm/d m (thermal 3 keV) and d k_hm/d q_τ (late decay) by reverse mode through the solver vs
    central differences (measured 1.3e-5 relative for the thermal case)."""
    g = float(jax.grad(fn)(x0))
    h = 1e-3 * x0
    fd = (float(fn(x0 + h)) - float(fn(x0 - h))) / (2 * h)
    assert np.isfinite(g) and g == pytest.approx(fd, rel=1e-3)


@pytest.mark.slow
def test_approximations_against_running_without():
    """Tight coupling ended 10x earlier, radiation streaming and photon dropping 2x later/deeper in the
    damping tail: T² of 3 keV WDM moves by < 2e-3 (each approximation against running without it)."""
    k = K[30:42:3]
    sp = species("wdm_3keV")
    base = np.asarray(transfer.transfer_squared(k, sp).T2)
    for s in (
        PerturbationSettings(eps_tca_k=1e-3, eps_tca_h=1.5e-3),
        PerturbationSettings(x_rsa=90.0, n_damp=9.0),
        PerturbationSettings(rtol=1e-7, atol=1e-11),
    ):
        assert np.abs(np.asarray(transfer.transfer_squared(k, sp, settings=s).T2) - base).max() < 2e-3, s


RELAXED_LATER = PerturbationSettings(rate_relax=0.05, x_relax=60.0, dx_relax=40.0, l_max_ur=150)


def test_oscillation_relaxation_is_converged():
    """The adiabatic relaxation of the acoustic and neutrino oscillations (linear_perturbations module
    docstring; default rate 0.1 k from kτ = 30 over 30, tied phase at exponent 9, l_max_ur = 60)
    against a slower and later one (rate 0.05 k from kτ = 60 over 40, l_max_ur = 150): k_hm of 3 keV
    WDM within 1e-4 (measured 1e-6; ≤ 3e-5 for all five models, slow test below)."""
    from jaxbsm.cosmology import half_mode

    sp = species("wdm_3keV")
    k0 = float(half_mode.half_mode_k(sp).k_hm)
    k1 = float(half_mode.half_mode_k(sp, settings=RELAXED_LATER).k_hm)
    assert k1 / k0 - 1 == pytest.approx(0.0, abs=1e-4)


@pytest.mark.slow
def test_oscillation_relaxation_against_slower_all():
    """As above for all five models, T² on the CLASS window too: |Δk_hm|/k_hm < 1e-4 and |ΔT²| < 5e-4
    (measured ≤ 3e-5 and ≤ 1.6e-5)."""
    for name in DATA["models"]:
        if name == "lcdm":
            continue
        ref = np.array(DATA["models"][name]["T2"]).T
        sel = window(ref[:, 0])
        T0 = np.asarray(transfer.transfer_squared(K[sel], species(name)).T2)
        T1 = np.asarray(transfer.transfer_squared(K[sel], species(name), settings=RELAXED_LATER).T2)
        k0 = float(transfer.half_mode_k_from_table(K[sel], T0[:, 0]))
        k1 = float(transfer.half_mode_k_from_table(K[sel], T1[:, 0]))
        assert abs(k1 / k0 - 1) < 1e-4, (name, k1 / k0 - 1)
        assert np.abs(T1 - T0).max() < 5e-4, (name, np.abs(T1 - T0).max())


def test_switch_times_continuous_and_ordered():
    """The phase boundaries are continuous in k (crossings interpolated between the table's nodes,
    Δu = 4.6e-3: the root find in k sees no jumps) and ordered u_ini < u1 ≤ u2 < 0; the tied
    (damped-photon) modes are those above ~2–3 h/Mpc. On 400 k in [8, 80] h/Mpc the second
    differences of u_ini and u1 are ≤ 5e-6 (measured; snapped to the nodes they would be ~5e-3)."""
    from jaxbsm.cosmology.background import PLANCK18

    k_h = np.geomspace(8.0, 80.0, 400)
    u_ini, _, u1, u2, tied = transfer.switch_times(k_h * PLANCK18.h, PLANCK18, transfer.DEFAULT_SETTINGS)
    assert np.all(tied) and np.all(u_ini < u1) and np.all(u1 <= u2) and np.all(u2 < 0)
    assert np.abs(np.diff(u1, 2)).max() < 1e-4 and np.abs(np.diff(u_ini, 2)).max() < 1e-4
    _, _, _, _, tied = transfer.switch_times(np.array([0.1, 1.0, 3.0]) * PLANCK18.h, PLANCK18, transfer.DEFAULT_SETTINGS)
    assert tied.tolist() == [False, False, True]


def test_viel_fit_against_boltzmann():
    """The Viel et al. (2005) fit is good to a few percent: its closed-form k_hm (T² = 1/2) against the
    converged CLASS values, which the solver matches to 0.05% (slow test): measured −0.5% at 1 keV,
    −5.1% at 3 keV, −8.5% at 5.3 keV (the fit was calibrated at Ω_m ≈ 0.25–0.3 and lower k)."""
    measured = {1.0: -0.005, 3.0: -0.051, 5.3: -0.085}
    for m, expected in measured.items():
        name = f"wdm_{m:g}keV"
        viel = float(wdm_fits.half_mode_k_viel(m, convention="T2"))
        assert viel / DATA["models"][name]["k_hm_z0"] - 1 == pytest.approx(expected, abs=0.003), m


@pytest.mark.slow
def test_chain_gradient_lyman_alpha():
    """d log L_Lyα / d ln y through freeze-in → f_N(q) → T²(k) → λ_hm → lyman-alpha (Iršič 2017 limit
    λ_hm < 0.1428 Mpc/h at 95% CL, half-Gaussian) at m_S = 100 GeV, λ = 1.3e-8, y = 1e-7, m_N = 10 keV
    (Ω h² = 0.118, ⟨q⟩ = 1.79, N as all of the dark matter, λ_hm = 0.1440 Mpc/h), against central
    differences on the window that find_half_mode picks."""
    from jax.scipy.special import ndtri

    from jaxbsm.cosmology import half_mode
    from jaxbsm.cosmology.freeze_in import solve_freeze_in

    def species_at(ln_y):
        return half_mode.species_from_freeze_in(solve_freeze_in(100.0, 1.3e-8, jnp.exp(ln_y), 10e-6), 10.0)

    x0 = np.log(1e-7)
    k = half_mode.find_half_mode(species_at(x0)).k_h

    def log_like(ln_y):
        lam = half_mode.half_mode_length(species_at(ln_y), k).lambda_hm
        return -0.5 * (lam / (0.1428 / ndtri(0.95))) ** 2

    g = float(jax.grad(log_like)(x0))
    h = 1e-3
    fd = (float(log_like(x0 + h)) - float(log_like(x0 - h))) / (2 * h)
    assert np.isfinite(g) and g == pytest.approx(fd, rel=1e-3)


def test_background_against_class():
    """Conformal time τ(z) and a'/a of the Λ-CDM background against CLASS's background table
    (massless neutrinos, no massive species): 1e-4 relative (measured ≤ 3e-5)."""
    from jaxbsm.cosmology.background import PLANCK18, conformal_hubble_lcdm, conformal_time_lcdm

    th = DATA["thermo"]
    a = 1.0 / (1.0 + np.array(th["z"]))
    assert np.allclose(conformal_time_lcdm(a, PLANCK18), th["tau_Mpc"], rtol=1e-4)
    assert np.allclose(np.asarray(conformal_hubble_lcdm(a, PLANCK18)), th["aH_1_over_Mpc"], rtol=1e-4)


def test_same_mean_q_different_transfer():
    """Seed 003's 'mock spectra with identical ⟨q⟩ but different T²', at m = 10 keV, ⟨q⟩ = 5/2:
    the decay-in-equilibrium spectrum q^{-1/2}e^{-q} against a mixture of a colder and a hotter copy
    of it (scales 0.5 and 5, number fractions 8/9 and 1/9). Their free-streaming lengths agree to 10%,
    their half modes differ by > 20% (the average is not a good estimator). A late-decay spectrum
    q^{-1}e^{-q²/q_τ²} with the same ⟨q⟩ (q_τ = 5/√π) has k_hm within 1% (measured +0.8%): single-scale spectra
    are ranked well by ⟨q⟩, multi-scale ones are not."""
    from jaxbsm.cosmology import free_streaming

    def one(q, scale):  # q^{-1/2} e^{-q/scale}, unit number density ∫q² f dq
        return (q / scale) ** -0.5 * jnp.exp(-q / scale) / (scale**3 * 1.329340388179137)

    q_tau = 5.0 / np.sqrt(np.pi)
    spectra = {
        "decay": lambda q: one(q, 1.0),
        "mixture": lambda q: 8.0 / 9.0 * one(q, 0.5) + 1.0 / 9.0 * one(q, 5.0),
        "late": lambda q: jnp.exp(-((q / q_tau) ** 2)) / q,
    }
    q = np.geomspace(1e-4, 300.0, 20000)
    for n, f in spectra.items():
        assert float(free_streaming.mean_q(q, np.asarray(f(jnp.asarray(q))))) == pytest.approx(2.5, rel=2e-3), n
    lam = {n: float(free_streaming.lambda_fs(q, np.asarray(f(jnp.asarray(q))), 10.0, T_FREEZE_IN)) for n, f in spectra.items()}
    assert lam["mixture"] / lam["decay"] == pytest.approx(1.0, abs=0.1)
    k = K[window(np.array(DATA["models"]["decay_equilibrium_10keV"]["T2"])[0])]
    khm = {}
    q_max = {"decay": 40.0, "mixture": 200.0, "late": 30.0}  # tight ranges: 24 nodes over [1e-3, 200] misplace the late k_hm by 40%
    for n, f in spectra.items():
        sp = ncdm.from_distribution(f, 10.0, T_FREEZE_IN, 0.12, q_max=q_max[n])
        khm[n] = float(transfer.half_mode_k_from_table(k, np.asarray(transfer.transfer_squared(k, sp, Z).T2)[:, 0]))
    assert khm["mixture"] / khm["decay"] - 1 > 0.2, (khm, lam)
    assert khm["late"] / khm["decay"] == pytest.approx(1.0, abs=0.02), khm  # measured +0.8%


def test_failed_solve_is_flagged_with_finite_values():
    """A perturbation solve that runs out of steps (max_steps = 50) is flagged MAX_STEPS per k with
    T² = 0 (finite); the eager Λ-CDM power spectrum raises SolverError instead."""
    from jaxbsm.status import SolverError

    few = PerturbationSettings(max_steps=50)
    k = np.array([5.0, 20.0])
    res = transfer.transfer_squared(k, ncdm.thermal_wdm(3.0), 0.0, settings=few)
    assert np.all(np.asarray(res.status) == Status.MAX_STEPS)
    assert np.all(np.asarray(res.T2) == 0.0)
    with pytest.raises(SolverError, match="power_spectrum_lcdm"):
        transfer.power_spectrum_lcdm(k, settings=few)
