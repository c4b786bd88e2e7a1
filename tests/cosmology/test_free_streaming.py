r"""Free-streaming length (jaxbsm.cosmology.free_streaming) against closed forms and an independent scipy
integration, the seed's classification, and gradients (issue 5, seed 003).

Closed forms (derived here). A non-relativistic species has ⟨v⟩ = v0/a with v0 = ⟨q⟩ T_ncdm0/m. With
ℋ = a'/a = H100 (ω_r/a² + ω_m/a + ω_Λ a²)^{1/2} (ω = Ω h², H100 = 100 km/s/Mpc / c) and Λ negligible
(a ≲ 0.05),

    λ = ∫ v0/(a ℋ) d ln a = (v0/H100) ∫ da / (a √(ω_r + ω_m a)).

With s = √(ω_r + ω_m a): a = (s² − ω_r)/ω_m, da = 2s ds/ω_m, so the integrand is 2 ds/(s² − ω_r) and

    λ = (v0/(H100 √ω_r)) [ln((s − √ω_r)/(s + √ω_r))]_{a1}^{a2}.

Limits: radiation domination (ω_m a ≪ ω_r) λ = v0 ln(a2/a1)/(H100 √ω_r); matter domination
(ω_r ≪ ω_m a) λ = 2 v0 (a1^{−1/2} − a2^{−1/2})/(H100 √ω_m). A very heavy species (m a ≫ q T_ncdm0 on
the whole range) realises ⟨v⟩ = v0/a up to (qT/ma)² ≲ 1e-8.
"""

import math

import jax
import numpy as np
import pytest
from scipy.integrate import quad

from jaxbsm.cosmology import free_streaming as fs
from jaxbsm.cosmology import wdm_fits as wf
from jaxbsm.cosmology.background import H100_PER_MPC, PLANCK18

Q = np.geomspace(1e-5, 80.0, 3000)
F_FD = 1.0 / (np.exp(Q) + 1.0)
MEAN_Q_FD = 7 * math.pi**4 / (180 * 1.2020569031595942)
OM_R = PLANCK18.omega_gamma + PLANCK18.omega_ur
OM_M = PLANCK18.omega_b + PLANCK18.omega_dm
T0_EV = PLANCK18.T_cmb * fs.K_B_EV_PER_K  # t_ratio = 1


def test_mean_q_of_fermi_dirac():
    assert float(fs.mean_q(Q, F_FD)) == pytest.approx(MEAN_Q_FD, rel=1e-9)


def _v0(m_keV):
    return MEAN_Q_FD * T0_EV / (1e3 * m_keV)


def _exact_rd_md(v0, a1, a2):
    s = lambda a: math.sqrt(OM_R + OM_M * a)
    g = lambda a: math.log((s(a) - math.sqrt(OM_R)) / (s(a) + math.sqrt(OM_R)))
    return v0 / (H100_PER_MPC * math.sqrt(OM_R)) * (g(a2) - g(a1))


@pytest.fixture(scope="module")
def heavy():
    """One compile: λ of a 1 TeV species over three ranges of a (batch over a_prod, a_end)."""
    a1 = np.array([1e-12, 1e-8, 1e-2])
    a2 = np.array([1e-9, 1e-3, 5e-2])
    lam = fs.lambda_fs(Q, F_FD, 1e9, 1.0, a_prod=a1, a_end=a2)
    return a1, a2, np.asarray(lam)


def test_radiation_domination_limit(heavy):
    a1, a2, lam = heavy
    v0 = _v0(1e9)
    assert lam[0] == pytest.approx(v0 * math.log(a2[0] / a1[0]) / (H100_PER_MPC * math.sqrt(OM_R)), rel=1e-5)
    assert lam[0] == pytest.approx(_exact_rd_md(v0, a1[0], a2[0]), rel=1e-8)


def test_radiation_to_matter_closed_form(heavy):
    a1, a2, lam = heavy
    assert lam[1] == pytest.approx(_exact_rd_md(_v0(1e9), a1[1], a2[1]), rel=1e-8)


def test_matter_domination(heavy):
    a1, a2, lam = heavy
    v0 = _v0(1e9)
    assert lam[2] == pytest.approx(_exact_rd_md(v0, a1[2], a2[2]), rel=2e-4)  # Lambda: ω_Λ a³/ω_m < 3e-4
    md = 2 * v0 * (a1[2] ** -0.5 - a2[2] ** -0.5) / (H100_PER_MPC * math.sqrt(OM_M))
    assert lam[2] == pytest.approx(md, rel=2e-2)  # radiation still ~1-3% at a = 0.01-0.05


# --- thermal WDM ----------------------------------------------------------------------------------------
MASSES = np.array([1.0, 3.0, 5.3])


def _t_ratio(m):
    return np.asarray(wf.wdm_temperature_ratio(m)) * fs.T_NU_OVER_T_GAMMA


@pytest.fixture(scope="module")
def thermal():
    return np.asarray(fs.lambda_fs(Q, F_FD, MASSES, _t_ratio(MASSES)))


def _lambda_scipy(m_keV, t_ratio, a_prod=1e-10):
    """Independent: nested scipy quad, FD spectrum analytic, background written out."""
    T0 = t_ratio * T0_EV
    om_l = PLANCK18.omega_lambda
    norm = quad(lambda q: q**2 / (math.exp(q) + 1), 0, 60, epsabs=0, epsrel=1e-13)[0]

    def v(a):
        mu = 1e3 * m_keV * a / T0
        num = quad(lambda q: q**3 / math.sqrt(q * q + mu * mu) / (math.exp(q) + 1), 0, 60, epsabs=0, epsrel=1e-12)[0]
        return num / norm

    def integrand(lna):
        a = math.exp(lna)
        return v(a) / (H100_PER_MPC * math.sqrt(OM_R / a**2 + OM_M / a + om_l * a**2))

    a_nr = 3.15 * T0 / (1e3 * m_keV)
    return quad(integrand, math.log(a_prod), 0.0, points=[math.log(a_nr), math.log(3e-4)], epsabs=0, epsrel=1e-10, limit=200)[0]


def test_thermal_1keV_vs_scipy(thermal):
    assert thermal[0] == pytest.approx(_lambda_scipy(1.0, float(_t_ratio(1.0))), rel=1e-7)


def test_thermal_classification(thermal):
    """1 keV: λ_fs = 0.533 Mpc, 'hot' by the seed's boundaries (≥ 0.1 Mpc); 3 keV 0.142 Mpc (hot);
    5.3 keV 0.0709 Mpc (warm). The seed's boundaries are strict: the Lyman-α-allowed 5.3 keV relic is
    only just warm, and the free-streaming criterion is more restrictive than the half-mode one."""
    np.testing.assert_allclose(thermal, [0.5334, 0.1418, 0.07089], rtol=1e-3)
    assert [fs.classify(x) for x in thermal] == ["hot", "hot", "warm"]
    # scaling: for a thermal relic at fixed Ω h², v0 ∝ m^{-4/3} (T_x ∝ m^{-1/3}); λ ∝ v0 [1 + ln(a_eq/a_nr)]
    # with a_nr ∝ v0, whose log grows for heavier relics, so the ratio lies below m^{4/3}
    assert 5.3 < thermal[0] / thermal[2] < 5.3 ** (4 / 3)


def test_classify_boundaries():
    assert [fs.classify(x) for x in (0.0, 0.00999, 0.01, 0.0999, 0.1, 3.0)] == ["cold", "cold", "warm", "warm", "hot", "hot"]
    with pytest.raises(ValueError, match=r"classify: lam_fs must be a finite length >= 0 Mpc"):
        fs.classify(-0.1)
    with pytest.raises(TypeError, match=r"concrete"):
        jax.jit(fs.classify)(0.1)


def test_gradient_wrt_mass_vs_finite_difference():
    tr, h = float(_t_ratio(3.0)), 1e-4
    g = float(jax.grad(lambda m: fs.lambda_fs(Q, F_FD, m, tr))(3.0))
    pm = np.asarray(fs.lambda_fs(Q, F_FD, np.array([3.0 + h, 3.0 - h]), tr))
    assert g == pytest.approx((pm[0] - pm[1]) / (2 * h), rel=1e-6)
    assert g < 0


def test_mean_velocity_limits():
    v = np.asarray(fs.mean_velocity(Q, F_FD, 1.0, 0.2, np.array([1e-14, 1.0])))
    assert v[0] == pytest.approx(1.0, rel=1e-7)
    assert v[1] == pytest.approx(MEAN_Q_FD * 0.2 * T0_EV / 1e3, rel=1e-7)


# --- non-thermal spectra with the same <q> -----------------------------------------------------------------
def test_same_mean_q_gives_nearly_same_lambda():
    """Decay in equilibrium q^{-1/2}e^{-q} (<q> = 5/2) vs late decay q^{-1}e^{-q^2} stretched to the
    same <q>: λ_fs agrees to < 2% although the spectra differ (the seed's warning)."""
    f1 = Q**-0.5 * np.exp(-Q)
    assert float(fs.mean_q(Q, f1)) == pytest.approx(2.5, rel=1e-9)
    q2, f2 = fs.rescale_to_mean_q(Q, np.exp(-(Q**2)) / Q, 2.5)
    assert float(fs.mean_q(q2, f2)) == pytest.approx(2.5, rel=1e-12)
    lam = np.asarray(fs.lambda_fs(np.stack([Q, np.asarray(q2)]), np.stack([f1, np.asarray(f2)]), 7.0, 0.3))
    assert abs(lam[1] / lam[0] - 1) < 0.02


# --- bad inputs -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: fs.lambda_fs(Q, F_FD, -1.0, 0.2), r"lambda_fs: m_keV must be > 0"),
        (lambda: fs.lambda_fs(Q, F_FD, 1.0, 0.0), r"lambda_fs: t_ratio must be > 0"),
        (lambda: fs.lambda_fs(Q, F_FD, 1.0, 0.2, a_prod=0.5, a_end=0.1), r"a_prod must be < a_end"),
        (lambda: fs.lambda_fs(Q, F_FD, 1.0, 0.2, a_end=2.0), r"a_end must be <= 1"),
        (lambda: fs.lambda_fs(Q[::-1], F_FD, 1.0, 0.2), r"q must be positive and strictly increasing"),
        (lambda: fs.lambda_fs(Q, -F_FD, 1.0, 0.2), r"f must be finite, >= 0"),
        (lambda: fs.lambda_fs(Q, F_FD[:-1], 1.0, 0.2), r"share a last axis"),
        (lambda: fs.rescale_to_mean_q(Q, F_FD, 0.0), r"target must be > 0"),
        (lambda: fs.mean_q(Q, np.zeros_like(Q)), r"not all zero"),
    ],
)
def test_bad_inputs(call, message):
    with pytest.raises(ValueError, match=message):
        call()
