"""Bessel functions K_ν eˣ and the Higgs-portal widths (higgs_portal) and rates (portal_rates) of the
scalar-decay model (issue 4).

References are independent: scipy.special for the Bessel functions, formulas written out here for
the widths and the threshold cross sections (CKSW arXiv:1306.4710 with λ_hs = 4λ), an explicit
angular integral of |M|² for SS → hh, and scipy.integrate.quad of the Gondolo–Gelmini formula in s.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import kve as sp_kve

import jaxbsm  # noqa: F401  (float64)
from jaxbsm.cosmology import bessel
from jaxbsm.cosmology import higgs_portal as hp
from jaxbsm.cosmology import portal_rates as pr

V, MH = hp.V, hp.MH

# One jitted, vmapped version of each public average: compiled once for the whole module.
_sv_broken = jax.jit(lambda T, m, lam: pr.sigma_v_thermal(T, m, lam, "broken"))
_sv_broken_sub = jax.jit(lambda T, m, lam: pr.sigma_v_thermal(T, m, lam, "broken", subtract_on_shell=True))
_sv_sym = jax.jit(lambda T, m, lam: pr.sigma_v_thermal(T, m, lam, "symmetric"))


# --- Bessel functions ------------------------------------------------------------------------------
X = np.logspace(-8, 4, 600)


@pytest.mark.parametrize("nu, fn", [(0, bessel.k0e), (1, bessel.k1e), (2, bessel.k2e)])
def test_kve_integer_orders_match_scipy(nu, fn):
    got = np.asarray(jax.jit(fn)(X))
    np.testing.assert_allclose(got, sp_kve(nu, X), rtol=1e-13, atol=0)


@pytest.mark.parametrize("nu", [0.5, 1.0, 2.5, 3.0, 4.0])
def test_kve_real_orders_match_scipy(nu):
    got = np.asarray(jax.jit(lambda x: bessel.kve(nu, x))(X))
    np.testing.assert_allclose(got, sp_kve(nu, X), rtol=1e-13, atol=0)


@pytest.mark.parametrize("nu, fn", [(0, bessel.k0e), (1, bessel.k1e), (2, bessel.k2e)])
def test_kve_gradients_match_recurrences(nu, fn):
    # d/dx [K_ν eˣ] = K_ν eˣ − ½(K_{ν−1} + K_{ν+1}) eˣ, the scipy values of each term.
    got = np.asarray(jax.jit(jax.vmap(jax.grad(fn)))(X))
    terms = sp_kve(nu, X), 0.5 * sp_kve(abs(nu - 1), X), 0.5 * sp_kve(nu + 1, X)
    ref = terms[0] - terms[1] - terms[2]
    scale = terms[0] + terms[1] + terms[2]
    assert np.all(np.abs(got - ref) <= 1e-13 * scale)
    g_nu = np.asarray(jax.vmap(jax.grad(lambda x: bessel.kve(nu + 0.5, x)))(X[::20]))
    ref = sp_kve(nu + 0.5, X[::20]) - 0.5 * (sp_kve(abs(nu - 0.5), X[::20]) + sp_kve(nu + 1.5, X[::20]))
    np.testing.assert_allclose(g_nu, ref, rtol=1e-10)


def test_kve_second_derivative():
    # K₁'' from K₁'' = K₁(1 + 2/x²) + K₀/x  (Bessel equation), for the scaled function.
    x = 0.7
    k0, k1 = sp_kve(0, x), sp_kve(1, x)
    k1p = -k0 - k1 / x
    k1pp = k1 * (1.0 + 2.0 / x**2) + k0 / x
    ref = k1 + 2.0 * k1p + k1pp  # (K₁ eˣ)'' = (K₁ + 2K₁' + K₁'') eˣ
    assert abs(float(jax.grad(jax.grad(bessel.k1e))(x)) / ref - 1.0) < 1e-12


# --- couplings and widths ---------------------------------------------------------------------------
def test_couplings_and_mass_relation():
    lam = 3e-3
    c = hp.couplings(lam)
    assert np.isclose(c["g_hSS"], 4 * lam * V) and np.isclose(c["g_hhSS"], 4 * lam)
    assert np.isclose(hp.lambda_hs_cksw(lam), 4 * lam)
    # m_S² = −μ_S² + 2λv²
    assert np.isclose(-hp.mu_s_squared(70.0, lam) + 2 * lam * V**2, 70.0**2)


def test_gamma_h_to_ss_matches_cksw():
    lam, m_S = 2e-3, 40.0
    lam_hs = 4 * lam  # CKSW eq. 4: Γ = λ_hs² v² (1 − 4m_S²/m_h²)^{1/2} / (32π m_h)
    ref = lam_hs**2 * V**2 * np.sqrt(1 - 4 * m_S**2 / MH**2) / (32 * np.pi * MH)
    assert abs(float(hp.gamma_h_to_ss(m_S, lam)) / ref - 1) < 1e-14
    assert float(hp.gamma_h_to_ss(70.0, lam)) == 0.0
    g = jax.grad(hp.gamma_h_to_ss)(70.0, lam)  # closed channel: finite zero gradient
    assert np.isfinite(g) and g == 0.0


def test_gamma_s_to_nn_majorana():
    y, m_S, m_N = 3e-8, 100.0, 1e-5
    # two-body width |p|/(8π m_S²) Σ|M|² × ½ (identical N), Σ|M|² = 2y²(m_S² − 4m_N²)
    p = 0.5 * np.sqrt(m_S**2 - 4 * m_N**2)
    ref = p / (8 * np.pi * m_S**2) * 2 * y**2 * (m_S**2 - 4 * m_N**2) * 0.5
    assert abs(float(hp.gamma_s_to_nn(m_S, y, m_N)) / ref - 1) < 1e-14
    assert abs(float(hp.gamma_s_to_nn(m_S, y, 40.0)) / (y**2 * m_S * 0.36**1.5 / (16 * np.pi)) - 1) < 1e-14
    with pytest.raises(ValueError):
        hp.gamma_s_to_nn(-1.0, y, m_N)


def test_sm_higgs_width():
    # YR4 normalisation at 125.09 GeV (sum of the listed BRs = 0.99974), 4.10 MeV at m_h = 125.20
    assert abs(float(hp.gamma_h_sm(hp.M_H_YR4)) / (hp.GAMMA_H_YR4 * sum(hp.HBR_YR4.values())) - 1) < 1e-8
    assert 4.09e-3 < hp.gamma_h_sm_at_mh() < 4.11e-3
    # far above threshold: on-shell WW + ZZ + tt at tree level
    M = 2000.0
    x_w, x_z, x_t = (hp.MW / M) ** 2, (hp.MZ / M) ** 2, (hp.MT / M) ** 2
    ww = M**3 / (16 * np.pi * V**2) * np.sqrt(1 - 4 * x_w) * (1 - 4 * x_w + 12 * x_w**2)
    zz = 0.5 * M**3 / (16 * np.pi * V**2) * np.sqrt(1 - 4 * x_z) * (1 - 4 * x_z + 12 * x_z**2)
    tt = 3 * hp.MT**2 * M * (1 - 4 * x_t) ** 1.5 / (8 * np.pi * V**2)
    assert abs(float(hp.gamma_h_sm(M)) / (ww + zz + tt) - 1) < 0.05


# --- cross sections ---------------------------------------------------------------------------------
def test_schannel_matches_cksw_coupling_conversion():
    lam, m_S, s = 1e-3, 80.0, 170.0**2
    lam_hs = 4 * lam
    gh = hp.gamma_h_sm_at_mh()
    ref = 2 * lam_hs**2 * V**2 / ((s - MH**2) ** 2 + MH**2 * gh**2) * float(hp.gamma_h_sm(np.sqrt(s))) / np.sqrt(s)
    assert abs(float(pr.sigma_v_schannel(s, m_S, lam)) / ref - 1) < 1e-12


def _hh_amplitude_sq(s, c, m_S, lam, gamma_h):
    """|M|² of SS → hh from explicit Feynman rules (vertices 4λ, 4λv, 3m_h²/v; constant width)."""
    p_S, p_h = np.sqrt(s / 4 - m_S**2), np.sqrt(s / 4 - MH**2)
    t = m_S**2 + MH**2 - s / 2 + 2 * p_S * p_h * c
    u = m_S**2 + MH**2 - s / 2 - 2 * p_S * p_h * c
    g3 = 3 * MH**2 / V
    amp = -4 * lam - 4 * lam * V * g3 / (s - MH**2 + 1j * MH * gamma_h) - (4 * lam * V) ** 2 * (1 / (t - m_S**2) + 1 / (u - m_S**2))
    return abs(amp) ** 2


@pytest.mark.parametrize("m_S, sqrt_s, lam", [(300.0, 700.0, 0.05), (40.0, 260.0, 0.3), (500.0, 5000.0, 0.1)])
def test_hh_closed_form_matches_angular_integral(m_S, sqrt_s, lam):
    s = sqrt_s**2
    gamma_h = float(hp.gamma_h_total(m_S, lam))  # 6 GeV for the second point
    integral = quad(lambda c: _hh_amplitude_sq(s, c, m_S, lam, gamma_h), -1, 1, epsabs=0, epsrel=1e-13)[0]
    beta_h = np.sqrt(1 - 4 * MH**2 / s)
    ref = beta_h / (32 * np.pi * s) * integral  # ½ for identical h, v_rel = 2β_S
    assert abs(float(pr.sigma_v_hh(s, m_S, lam)) / ref - 1) < 1e-12


def test_hh_threshold_matches_cksw():
    lam, m_S = 0.05, 300.0
    lam_hs = 4 * lam
    s = 4 * m_S**2 * (1 + 1e-12)
    bracket = 1 + 3 * MH**2 / (s - MH**2) - 4 * lam_hs * V**2 / (s - 2 * MH**2)
    ref = lam_hs**2 / (16 * np.pi * s) * np.sqrt(1 - 4 * MH**2 / s) * bracket**2
    assert abs(float(pr.sigma_v_hh(s, m_S, lam)) / ref - 1) < 1e-9


def test_goldstone_equivalence_high_energy():
    # hh + WW + ZZ → 1 + 2 + 1 real d.o.f. of Φ: the broken rate tends to the symmetric 4λ²/(πs)
    lam, m_S, s = 1e-4, 100.0, 3.0e4**2
    ratio = float(pr.sigma_v_broken(s, m_S, lam) / pr.sigma_v_symmetric(s, m_S, lam))
    # 1%: WW/ZZ carry the YR4 normalisation (×1.03) and the Breit–Wigner smearing (−1.7%)
    assert abs(ratio - 1) < 0.015
    assert np.isclose(float(pr.sigma_v_symmetric(s, m_S, lam)), 4 * lam**2 / (np.pi * s), rtol=1e-14)


# --- thermal averages ------------------------------------------------------------------------------
def _gg_reference(T, m_S, lam, phase):
    """GG eq. 3.8 in s by scipy quad, with σ = σv_rel/(2β) and scipy's K₁, K₂."""
    sv = jax.jit(pr.sigma_v_broken if phase == "broken" else pr.sigma_v_symmetric)
    gh = float(hp.gamma_h_total(m_S, lam))

    def integrand(s):
        beta = np.sqrt(max(1 - 4 * m_S**2 / s, 0.0))
        sigma = float(sv(s, m_S, lam)) / (2 * beta) if beta > 0 else 0.0
        e = np.sqrt(s)
        # K₁(√s/T)/K₂(m/T)² with e^{2m/T} taken out of both
        return sigma * (s - 4 * m_S**2) * e * sp_kve(1, e / T) * np.exp(-(e - 2 * m_S) / T)

    s0, s1 = 4 * m_S**2, (2 * m_S + 60 * T) ** 2
    total, lo = 0.0, s0
    if phase == "broken" and s0 < MH**2:  # resonance: s − m_h² = m_h Γ_h tan θ on a window
        a, b = max(s0, MH**2 - 200 * MH * gh), MH**2 + 200 * MH * gh

        def res(th):
            return integrand(MH**2 + MH * gh * np.tan(th)) * MH * gh / np.cos(th) ** 2

        th = [np.arctan((x - MH**2) / (MH * gh)) for x in (a, b)]
        total += quad(res, th[0], th[1], points=[0.0], epsabs=0, epsrel=1e-12, limit=400)[0]
        if a > s0:
            total += quad(integrand, s0, a, epsabs=0, epsrel=1e-12, limit=400)[0]
        lo = b
    cuts = [x**2 for x in (2 * hp.MW, 2 * hp.MZ, 2 * MH, 2 * hp.MT)] if phase == "broken" else []
    edges = [lo] + [c for c in cuts if lo < c < s1] + [s1]
    for a, b in zip(edges[:-1], edges[1:]):
        total += quad(integrand, a, b, epsabs=0, epsrel=1e-12, limit=400)[0]
    return total / (8 * m_S**4 * T * sp_kve(2, m_S / T) ** 2)


@pytest.mark.parametrize(
    "m_S, T, lam, phase",
    [
        (100.0, 5.0, 1e-3, "broken"),  # s-channel + hh threshold
        (60.0, 3.0, 1e-3, "broken"),  # m_S < m_h/2: resonance inside the range
        (62.59, 2.0, 1e-2, "broken"),  # threshold 20 widths below the pole
        (65.0, 3.25, 1e-3, "broken"),  # just above the resonance, WW* region
        (20.0, 1.0e3, 1e-4, "broken"),  # relativistic
        (200.0, 400.0, 1e-4, "symmetric"),
    ],
)
def test_thermal_average_matches_scipy_quad(m_S, T, lam, phase):
    fn = _sv_broken if phase == "broken" else _sv_sym
    got = float(fn(T, m_S, lam))
    assert abs(got / _gg_reference(T, m_S, lam, phase) - 1) < 1e-7


def test_non_relativistic_limit_is_s_wave():
    # ⟨σv⟩ = a (1 − 3T/(2m)) + 6 a' m T + O(T²), a = σv_rel(4m²), a' = dσv_rel/ds there
    # (the −3/2 is the relativistic correction of GG for constant σv_rel).
    m_S, lam = 100.0, 1e-3
    s0 = 4 * m_S**2
    a = float(pr.sigma_v_broken(s0, m_S, lam))
    a_prime = float(jax.grad(pr.sigma_v_broken)(s0 * (1 + 1e-12), m_S, lam))
    for x in (1e3, 1e4):
        T = m_S / x
        got = float(_sv_broken(T, m_S, lam))
        pred = a * (1 - 1.5 / x) + 6 * a_prime * m_S * T
        assert abs(got / pred - 1) < 20 / x**2
    assert abs(float(_sv_sym(m_S / 1e4, m_S, lam)) / (lam**2 / (np.pi * m_S**2)) - 1) < 5e-4


def test_ultra_relativistic_symmetric_limit():
    # σv_rel = 4λ²/(πs) and m ≪ T: ⟨σv⟩ → λ²/(4πT²)
    m_S, lam, T = 1.0, 1e-3, 1e4
    assert abs(float(_sv_sym(T, m_S, lam)) / (lam**2 / (4 * np.pi * T**2)) - 1) < 1e-6


def test_resonance_peak_near_half_higgs_mass():
    m = jnp.linspace(45.0, 80.0, 141)
    sv = np.asarray(jax.vmap(lambda x: _sv_broken(x / 20.0, x, 1e-3))(m))
    m_peak = float(m[np.argmax(sv)])
    assert 58.0 < m_peak < MH / 2
    assert sv.max() > 100 * sv[0] and sv.max() > 1e3 * sv[-1]


def test_on_shell_part_equals_inverse_decays():
    # narrow-width identity: n_eq² ⟨σv⟩_on-shell = 2 γ_D Γ_h^SM/Γ_h, with n_eq = m² T K₂(m/T)/(2π²)
    m_S, T, lam = 50.0, 20.0, 1e-2
    full, sub = float(_sv_broken(T, m_S, lam)), float(_sv_broken_sub(T, m_S, lam))
    on = float(pr.sigma_v_on_shell(T, m_S, lam))
    assert abs((full - sub) / on - 1) < 1e-12
    n_eq = m_S**2 * T * sp_kve(2, m_S / T) * np.exp(-m_S / T) / (2 * np.pi**2)
    gamma_d = float(pr.h_decay_rate_density(T, m_S, lam))
    ratio = hp.gamma_h_sm_at_mh() / float(hp.gamma_h_total(m_S, lam))
    assert abs(n_eq**2 * on / (2 * gamma_d * ratio) - 1) < 1e-12
    assert float(pr.sigma_v_on_shell(T, 70.0, lam)) == 0.0


def test_production_rates_bridge_the_crossover():
    m_S, lam = 50.0, 1e-4
    hot, cold = _rates(400.0, m_S, lam), _rates(60.0, m_S, lam)
    assert abs(float(hot.sigma_v) / float(_sv_sym(400.0, m_S, lam)) - 1) < 1e-12
    assert float(hot.decay) < 1e-50 * float(cold.decay)
    assert abs(float(cold.sigma_v) / float(_sv_broken_sub(60.0, m_S, lam)) - 1) < 1e-12
    assert abs(float(cold.decay) / float(pr.h_decay_rate_density(60.0, m_S, lam)) - 1) < 1e-12
    mid = _rates(pr.T_EW, m_S, lam)
    avg = 0.5 * (float(_sv_sym(pr.T_EW, m_S, lam)) + float(_sv_broken_sub(pr.T_EW, m_S, lam)))
    assert abs(float(mid.sigma_v) / avg - 1) < 1e-12
    scat = pr.production_rates(60.0, m_S, lam, resonance="scattering")
    assert float(scat.decay) == 0.0
    assert abs(float(scat.sigma_v) / float(_sv_broken(60.0, m_S, lam)) - 1) < 1e-12


# ⟨σv⟩ of production_rates (the quantity the Boltzmann equations use) and its gradient in
# (ln λ, m_S, T): compiled once for all the points below.
_rates = jax.jit(pr.production_rates)
_sv_value_and_grad = jax.jit(
    jax.value_and_grad(lambda log_lam, m, T: pr.production_rates(T, m, jnp.exp(log_lam)).sigma_v, argnums=(0, 1, 2))
)


@pytest.mark.parametrize(
    "m_S, T",
    [(100.0, 20.0), (60.0, 3.0), (65.0, 3.25), (300.0, 200.0), (80.0, pr.T_EW + 1.0)],
)
def test_gradients_match_finite_differences(m_S, T):
    x0 = np.array([np.log(1e-3), m_S, T])
    value, grad = _sv_value_and_grad(*x0)
    grad = np.array([float(g) for g in grad])
    assert np.all(np.isfinite(grad))
    fd = np.empty(3)
    for i, h in enumerate((1e-4, 1e-4 * m_S, 1e-4 * T)):

        def f(k, i=i, h=h):
            x = x0.copy()
            x[i] += k * h
            return float(_sv_value_and_grad(*x)[0])

        fd[i] = (8 * (f(1) - f(-1)) - (f(2) - f(-2))) / (12 * h)  # fourth-order central difference
    # Below m_h/2 the value is the on-shell-subtracted ⟨σv⟩, a difference ~1e-4 of the full one; the
    # quadrature (~1e-13 noise in λ, m_S, T of the full ⟨σv⟩) limits the differences there.
    full = abs(float(_sv_broken(T, m_S, 1e-3)))
    scale = 1e-6 * np.abs(fd) + 1e-8 * full / np.array([1.0, m_S, T])
    assert np.all(np.abs(grad - fd) <= scale), (grad, fd)


def test_no_nan_over_the_seed_plane():
    # λ from 1e-12 to 1e-4, m_S from 20 GeV to 1 TeV (m_h/2 exactly included), T around each m_S
    for lam in (1e-12, 1e-8, 1e-4):
        for m_S in (20.0, MH / 2, 100.0, 1000.0):
            for T in (m_S / 50, pr.T_EW, 10 * m_S):
                value, grad = _sv_value_and_grad(np.log(lam), np.float64(m_S), np.float64(T))
                rates = _rates(T, m_S, lam)
                assert np.isfinite(float(value)) and all(np.isfinite([float(g) for g in grad]))
                assert np.isfinite(float(rates.decay)) and float(rates.decay) >= 0.0


def test_subtracted_sigma_v_finite_far_below_threshold_of_pole():
    # m_S > m_h/2: the on-shell part is zero; its Boltzmann factor e^{-(m_h - 2m_S)/T} must not
    # overflow into 0 x inf = NaN at x = m_S/T = 1e4 (regression)
    T = jnp.array([0.01, 1.0])
    sub = pr.sigma_v_thermal(T, 100.0, 1e-5, "broken", subtract_on_shell=True)
    full = pr.sigma_v_thermal(T, 100.0, 1e-5, "broken", subtract_on_shell=False)
    np.testing.assert_array_equal(np.asarray(sub), np.asarray(full))
    assert np.all(np.isfinite(np.asarray(sub)))


# --- issue 18: the rate table of the Boltzmann solve --------------------------------------------------
def _effective_direct(T, m_S, lam):
    """⟨σv⟩ + 2γ_D/n_eq² from production_rates (per-T quadrature), with n_eq in scaled Bessel form."""
    rates = _rates(T, m_S, lam)
    n_eq = m_S**2 * T * sp_kve(2, m_S / T) / (2 * np.pi**2)  # times e^{-m_S/T}
    w = np.asarray(pr.broken_fraction(T))
    g_hss = float(hp.gamma_h_to_ss(m_S, lam))
    if g_hss == 0.0:  # m_S ≥ m_h/2 (and e^{-(m_h - 2m_S)/T} would overflow)
        return np.asarray(rates.sigma_v)
    gamma_d = w * MH**2 * T * sp_kve(1, MH / T) * g_hss / (2 * np.pi**2)
    return np.asarray(rates.sigma_v) + 2 * gamma_d * np.exp(-(MH - 2 * m_S) / T) / n_eq**2


@pytest.mark.parametrize("m_S", [20.0, 62.5, 62.59, 65.0, 100.0, 1000.0])
def test_effective_rate_table_matches_direct_averages(m_S):
    """rate_table + effective_sigma_v (one T-independent energy grid, λ factored out, spline in ln T)
    against the per-temperature averages, 80 temperatures from 20 keV to 180 GeV, λ = 1e-8 and 1e-3:
    measured ≤ 7.3e-5 (m_S = 62.59 GeV at T ≈ 2 MeV, the pole 20 MeV above threshold), ≤ 2e-5 at the
    other masses; the coefficients themselves (no spline) ≤ 2e-6."""
    T = np.geomspace(2.1e-5, 180.0, 80)
    table = pr.rate_table(m_S)
    for lam in (1e-8, 1e-3):
        got = np.asarray(pr.effective_sigma_v(table, T, lam))
        assert np.max(np.abs(got / _effective_direct(T, m_S, lam) - 1)) < 1.5e-4
    nodes = T[::8]
    c = np.asarray(pr.broken_rate_coefficients(nodes, m_S, 2e-5, 400.0))
    brk = 1e-6 * c[:, 0] + 1e-9 * c[:, 1] + 1e-12 * c[:, 2]
    full = np.asarray(_sv_broken(nodes, m_S, 1e-3))
    sub = np.asarray(_sv_broken_sub(nodes, m_S, 1e-3))
    # the λ-polynomial without the on-shell part is the subtracted average to first order in Γ(h → SS)
    assert np.max(np.abs(brk - sub) / full) < 2e-6
