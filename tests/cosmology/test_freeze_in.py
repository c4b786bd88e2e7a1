"""Boltzmann equations of the scalar-decay model (jaxbsm.cosmology.freeze_in) against the analytic
templates of Hall et al. (arXiv:0911.1120) and of late decays (derived in jaxbsm.cosmology.templates),
against an independent scipy stiff solve of the S equation, and their gradients against finite
differences (issue 4, acceptance 1-4)."""

import json
import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp
from scipy.interpolate import CubicSpline
from scipy.special import kve as sp_kve

from jaxbsm.constants import M_PLANCK
from jaxbsm.cosmology import freeze_in as fi
from jaxbsm.cosmology import higgs_portal as hp
from jaxbsm.cosmology import portal_rates as pr
from jaxbsm.cosmology import templates as tp
from jaxbsm.cosmology import thermal
from jaxbsm.status import Status

G = 106.75
M_N = 1e-5  # 10 keV


def bin_average(f, edges):
    """q^{3/2}-weighted bin averages of an analytic f(q), as freeze_in reports f_N."""
    out = []
    for a, b in zip(edges[:-1], edges[1:]):
        num = quad(lambda q: q**1.5 * f(q), a, b, epsabs=0, epsrel=1e-11)[0]
        out.append(num / ((b**2.5 - a**2.5) / 2.5))
    return np.array(out)


# --- acceptance 1 and 2: decay of S held in equilibrium at constant g* ------------------------------
@pytest.fixture(scope="module")
def equilibrium_decay():
    return fi.solve_freeze_in(100.0, 0.0, 5.5e-9, M_N, g=G, s_equilibrium=True)


def test_hall_yield(equilibrium_decay):
    r = equilibrium_decay
    gamma = hp.gamma_s_to_nn(100.0, 5.5e-9, M_N)
    # Hall et al. eq. 2.8 written out with its own 1.66 and M_Pl = 1.22e19 GeV (two N per decay)
    hall_paper = 2 * 135 * 1.22e19 * float(gamma) / (8 * math.pi**3 * 1.66 * G**1.5 * 100.0**2)
    assert float(r.Y_N) == pytest.approx(hall_paper, rel=2e-3)  # paper's rounded 1.66, M_Pl
    assert float(r.Y_N) == pytest.approx(float(tp.hall_yield(100.0, gamma, G)), rel=1e-6)
    assert float(r.Y_S) == 0.0


def test_hall_reference_coupling(equilibrium_decay):
    # the reference: m_S = 100 GeV, m_N = 10 keV, g* = 106.75 needs y ~ 5.5e-9 for 0.12
    y_needed = 5.5e-9 * math.sqrt(0.12 / float(equilibrium_decay.omega_h2))
    assert y_needed == pytest.approx(5.5e-9, rel=0.02)


def test_equilibrium_decay_spectrum(equilibrium_decay):
    r = equilibrium_decay
    assert float(r.mean_q) == pytest.approx(2.5, rel=1e-6)  # Gamma(7/2)/Gamma(5/2)
    assert float(r.mean_q2) == pytest.approx(8.75, rel=1e-6)
    assert float(r.mean_q) < tp.MEAN_Q_FERMI_DIRAC
    gamma = float(hp.gamma_s_to_nn(100.0, 5.5e-9, M_N))
    edges = fi.DEFAULT_SETTINGS.q_edges
    # the template integrates decays over 0 < T < infinity; the solve starts at T_start = 100 T_EW,
    # which removes int_0^{1/T_start} u^2 e^{-a u^2} du from the T-integral (a = m_S^2/4q): the
    # reference below keeps that cut (it matters below q ~ 0.01 only)
    u0 = 1.0 / (100 * pr.T_EW)

    def f_cut(q):
        a = 100.0**2 / (4 * q)
        full = math.sqrt(math.pi) / (4 * a**1.5)
        kept = u0 * math.exp(-a * u0**2) / (2 * a) + math.sqrt(math.pi) * math.erfc(math.sqrt(a) * u0) / (4 * a**1.5)
        return float(tp.f_equilibrium_decay(q, 100.0, gamma, G)) * kept / full

    ref = bin_average(f_cut, edges)
    sel = ref > 1e-12 * ref.max()
    np.testing.assert_allclose(np.asarray(r.f)[sel], ref[sel], rtol=1e-5)


# --- acceptance 2: late decay of a frozen-out S ------------------------------------------------------
@pytest.fixture(scope="module")
def late_decay():
    return fi.solve_freeze_in(100.0, 3e-6, 1e-11, M_N, g=G)


def test_late_decay_spectrum(late_decay):
    r = late_decay
    gamma = float(hp.gamma_s_to_nn(100.0, 1e-11, M_N))
    q_tau = float(tp.late_decay_q_tau(100.0, gamma, G))
    assert q_tau > 1000  # decays at T ~ m_S/(2 q_tau) << m_S: the non-relativistic limit
    assert float(r.mean_q) == pytest.approx(0.5 * math.sqrt(math.pi) * q_tau, rel=1e-4)
    # thermal motion of S adds <P^2>/3 = m_S T to <p^2> = m_S^2/4, relative 4T/m_S ~ 2/q_tau = 3e-4
    assert 0 < float(r.mean_q2) / q_tau**2 - 1 < 2 / q_tau
    Y_S0 = 0.5 * float(r.Y_N)  # all of the frozen-out S decayed late
    edges = fi.DEFAULT_SETTINGS.q_edges
    ref = bin_average(lambda x: float(tp.f_late_decay(x, Y_S0, 100.0, gamma, G)), edges)
    # below ~0.1 q_tau the (number-wise 1e-5) decays of S before freeze-out, a q^-1/2 e^-q spectrum,
    # add to f; above ~2 q_tau the thermal momentum of S (relative width (T/m_S)^1/2 ~ 1e-2) shows
    q = np.asarray(r.q)
    sel = (q > 0.2 * q_tau) & (q < 2 * q_tau)
    np.testing.assert_allclose(np.asarray(r.f)[sel], ref[sel], rtol=1e-3)


# --- acceptance 3: freeze-out against scipy, and the resonance dip -----------------------------------
def scipy_freeze_out(m_S, lam):
    """Independent Radau solve of dY/dx = -(s <sigma v>/(H x))(1 + dln g_s/3dlnT)(Y^2 - Y_eq^2) with
    rates from jaxbsm's higgs_portal on a dense T grid, spline-interpolated here."""
    T_start, T_end = 100 * max(m_S, pr.T_EW), 2e-5  # down to x ~ 1e6: the s-wave tail is 1e-5
    lnT = np.linspace(np.log(T_end), np.log(T_start), 3000)
    T = np.exp(lnT)
    w = np.asarray(pr.broken_fraction(T))
    sv = (1 - w) * np.asarray(pr.sigma_v_thermal(T, m_S, lam, "symmetric")) + w * np.asarray(
        pr.sigma_v_thermal(T, m_S, lam, "broken", subtract_on_shell=True)
    )
    gamma_hss = float(hp.gamma_h_to_ss(m_S, lam))
    m_h = hp.MH
    scale = 1 + (T / m_S) ** 2
    sv_spl = CubicSpline(lnT, sv * scale)
    gr_spl = CubicSpline(lnT, np.log(np.asarray(thermal.g_rho(T))))
    gs_spl = CubicSpline(lnT, np.log(np.asarray(thermal.g_s(T))))

    def rhs(lnT_, Y):
        T_ = math.exp(lnT_)
        gs, gr = math.exp(gs_spl(lnT_)), math.exp(gr_spl(lnT_))
        s = 2 * math.pi**2 / 45 * gs * T_**3
        H = math.sqrt(4 * math.pi**3 * gr / 45) * T_**2 / M_PLANCK.value
        x = m_S / T_
        neq = m_S**2 * T_ * sp_kve(2, x) * math.exp(-x) / (2 * math.pi**2)
        Yeq = neq / s
        dYdt = -s * sv_spl(lnT_) / (1 + (T_ / m_S) ** 2) * (Y[0] ** 2 - Yeq**2)
        if gamma_hss > 0:  # h <-> SS: 2 gamma_D/s (1 - Y^2/Yeq^2), gamma_D = n_h K1/K2 Gamma(h -> SS)
            w_b = 0.5 * (1 - math.tanh((T_ - pr.T_EW) / pr.DELTA_T_EW))
            gam_d = w_b * m_h**2 * T_ * sp_kve(1, m_h / T_) * math.exp(-m_h / T_) * gamma_hss / (2 * math.pi**2)
            gam_d_over_neq2 = (
                w_b * gamma_hss * 2 * math.pi**2 * m_h**2 * sp_kve(1, m_h / T_)
                * math.exp(-(m_h - 2 * m_S) / T_) / (m_S**4 * T_ * sp_kve(2, x) ** 2)
            )
            dYdt += 2 * gam_d / s - 2 * gam_d_over_neq2 * s * Y[0] ** 2
        return [-dYdt * (1 + gs_spl(lnT_, 1) / 3) / H]  # d/d lnT = -dt/dlnT ...

    x0 = m_S / T_start
    Y0 = m_S**2 * T_start * sp_kve(2, x0) * math.exp(-x0) / (2 * math.pi**2) / (
        2 * math.pi**2 / 45 * math.exp(gs_spl(np.log(T_start))) * T_start**3
    )
    sol = solve_ivp(rhs, (np.log(T_start), np.log(T_end)), [Y0], method="Radau", rtol=1e-10, atol=1e-30)
    return sol.y[0, -1]


DIP_MASSES = (45.0, 55.0, 58.0, 60.0, 61.0, 62.0, 63.0, 66.0, 80.0, 100.0)


@pytest.fixture(scope="module")
def relic_yields():
    """Y_S of a stable S (y = 0) at lambda = 1e-3 for DIP_MASSES, in one batched solve."""
    m = jnp.asarray(DIP_MASSES)
    return np.asarray(fi.solve_freeze_in(m, 1e-3, 0.0, M_N, spectrum=False).Y_S)


@pytest.mark.parametrize("m_S", [100.0, 60.0])
def test_freeze_out_matches_scipy(m_S, relic_yields):
    assert relic_yields[DIP_MASSES.index(m_S)] == pytest.approx(scipy_freeze_out(m_S, 1e-3), rel=1e-4)


def test_resonance_dip(relic_yields):
    m = np.asarray(DIP_MASSES)
    omega_s = np.asarray(fi.omega_h2(relic_yields, m))  # stable S: its own relic density
    i = int(np.argmin(omega_s))
    assert 60.0 <= m[i] <= 62.0  # just below m_h/2 = 62.6 GeV: thermal motion reaches the pole
    assert omega_s[0] / omega_s[i] > 100 and omega_s[8] / omega_s[i] > 100


# --- acceptance 4: gradients against finite differences; finite everywhere on the seed's plane --------
GRAD_POINTS = np.array(
    [
        [np.log(1e-8), np.log(1e-9), 100.0],  # freeze-in (S never equilibrates)
        [np.log(1e-5), np.log(1e-10), 100.0],  # freeze-out, then late decay
        [np.log(1e-9), np.log(3e-9), 50.0],  # m_S < m_h/2: h -> SS dominates
    ]
)
# the seed's plane (KMT 2016, Fig. 4-6): lambda 1e-12..1e-4, y 1e-10..1e-6, m_S 20 GeV..1 TeV
PLANE = np.array(
    [[np.log(lam), np.log(y), m] for lam in (1e-12, 1e-8, 1e-4) for y in (1e-10, 1e-8, 1e-6) for m in (20.0, 62.0, 1000.0)]
)


# the solve is a fixed-grid collocation (module docstring): its outputs are smooth functions of the
# parameters, so finite differences at the default settings carry no step-size noise
TIGHT = fi.DEFAULT_SETTINGS


def log_omega_and_mean_q(p):
    r = fi.solve_freeze_in(p[..., 2], jnp.exp(p[..., 0]), jnp.exp(p[..., 1]), M_N, spectrum=False, settings=TIGHT)
    out = jnp.stack([jnp.log(r.omega_h2), r.mean_q], axis=-1)
    return out, out


FD_STEPS = np.array([1e-3, 1e-3, 1e-3 * 100.0])


def fd_points():
    """GRAD_POINTS shifted by +-FD_STEPS in each parameter, (point, parameter, sign) order."""
    out = []
    for p in GRAD_POINTS:
        for k in range(3):
            for sign in (1, -1):
                q = p.copy()
                q[k] += sign * FD_STEPS[k]
                out.append(q)
    return np.array(out)


@pytest.fixture(scope="module")
def jacobians():
    """(jacobians, values) of (log Omega h^2, <q>) w.r.t. (log lambda, log y, m_S) by reverse mode
    (which the solver's custom JVP rule turns into forward mode, module docstring) at GRAD_POINTS,
    PLANE and the finite-difference points: one compiled batch."""
    pts = jnp.asarray(np.concatenate([GRAD_POINTS, PLANE, fd_points()]))
    jac, val = jax.jit(jax.vmap(jax.jacrev(log_omega_and_mean_q, has_aux=True)))(pts)
    return np.asarray(jac), np.asarray(val)


def test_gradients_match_finite_differences(jacobians):
    jac, val = jacobians
    n, n_plane = len(GRAD_POINTS), len(PLANE)
    vals = val[n + n_plane :]
    fd = (vals[0::2] - vals[1::2]).reshape(n, 3, 2) / (2 * FD_STEPS[None, :, None])
    ad = jac[:n].transpose(0, 2, 1)  # (point, parameter, observable)
    scale = np.abs(ad).max(axis=1, keepdims=True)  # per point and observable
    # 1e-4 relative, derivatives far below the largest one of their observable measured against it
    assert np.all(np.abs(ad - fd) <= 1e-4 * np.abs(fd) + 1e-4 * scale)


def test_no_nan_over_the_seed_plane(jacobians):
    jac, val = jacobians
    n, n_plane = len(GRAD_POINTS), len(PLANE)
    assert np.all(np.isfinite(val[n : n + n_plane]))
    assert np.all(np.isfinite(jac[n : n + n_plane]))


def test_rate_table_interpolation():
    # the splined <sigma v> table of the solve against direct Gondolo-Gelmini evaluation between the
    # nodes, for m_S = 60 GeV where the resonance makes <sigma v>(T) steepest; relative to the total
    # <sigma v> including the on-shell part (the rate that enters), over T_start .. 20 keV
    m_S, lam = 60.0, 1e-3
    T_start = 100 * pr.T_EW
    table = pr.rate_table(m_S, fi.DEFAULT_SETTINGS.n_table, fi.T_FLOOR, fi.T_TABLE_TOP)
    u = np.linspace(0.0, np.log(T_start / fi.T_FLOOR), 1001)[1:-1]
    T = T_start * np.exp(-u)
    w = np.asarray(pr.broken_fraction(T))
    rates = pr.production_rates(T, m_S, lam)
    n_eq = m_S**2 * T * sp_kve(2, m_S / T) / (2 * np.pi**2)  # times e^{-m_S/T}
    gamma_d = w * hp.MH**2 * T * sp_kve(1, hp.MH / T) * float(hp.gamma_h_to_ss(m_S, lam)) / (2 * np.pi**2)
    direct = np.asarray(rates.sigma_v) + 2 * gamma_d * np.exp(-(hp.MH - 2 * m_S) / T) / n_eq**2
    total = (1 - w) * np.asarray(pr.sigma_v_thermal(T, m_S, lam, "symmetric")) + w * np.asarray(
        pr.sigma_v_thermal(T, m_S, lam, "broken", False)
    )
    err = np.abs(np.asarray(pr.effective_sigma_v(table, T, lam)) - direct)
    assert np.max(err / total) < 1e-4


def test_failed_solve_is_flagged_with_finite_values_and_gradients():
    """A solve whose Newton iterations do not converge (one iteration per step) is flagged MAX_STEPS per
    point, with finite placeholder values (zeros) and finite gradients."""
    few = fi.FreezeInSettings(newton_iterations=1)

    def total(ln_lam):
        r = fi.solve_freeze_in(100.0, jnp.exp(ln_lam), 1e-8, M_N, spectrum=False, settings=few)
        return jnp.sum(r.omega_h2 + r.mean_q + r.Y_S), r

    (value, r), g = jax.jit(jax.value_and_grad(total, has_aux=True))(jnp.log(jnp.array([1.3e-8])))
    assert r.status.dtype == jnp.int32 and int(r.status[0]) == Status.MAX_STEPS
    for field in ("Y_N", "Y_S", "omega_h2", "mean_q", "mean_q2"):
        assert float(getattr(r, field)[0]) == 0.0, field
    assert np.isfinite(float(value)) and np.all(np.isfinite(np.asarray(g)))


def test_converged_solve_has_status_ok(equilibrium_decay, late_decay):
    for r in (equilibrium_decay, late_decay):
        assert int(r.status) == Status.OK and np.all(np.isfinite(np.asarray(r.f)))


# --- issue 18: the fixed-grid Radau solver --------------------------------------------------------
# Values of this solver (jaxbsm after issue 18, default settings, m_N = 10 keV) at four points of the
# seed's plane: freeze-in (100 GeV), the resonance region with freeze-out and late decay (62.5 GeV),
# freeze-out (300 GeV) and freeze-in above the resonance (65 GeV). The solve is a fixed sequence of
# floating-point operations, so only the last bits differ between CPUs (FMA, vector width); the
# tolerance (1e-9, 1e-8 for f) is far above that and far below the solver's own error (≤ 1e-5).
STORED_POINTS = [(100.0, 1e-8, 1e-8), (62.5, 3e-6, 1e-10), (300.0, 1e-5, 1e-7), (65.0, 1e-10, 1e-9)]
STORED = {
    "omega_h2": [0.07006626538380854, 0.00010642135138029564, 14.3705975316223, 9.39340361945258e-06],
    "mean_q": [6.805301352386178, 55.29037029441879, 2.497283357776676, 45.50826311785373],
    "mean_q2": [58.627942915755845, 31889.454400689276, 8.644739456392356, 2640.151908080284],
}
STORED_BINS = {  # (bin index, f) per point: the bin of largest q^3 f and bin 40 (q = 0.1)
    "peak": ([77, 68, 68, 94], [2.197515287633221e-05, 5.327962315688423e-07, 0.08309601301614165, 8.264799503758532e-12]),
    "q_0.1": ([40] * 4, [0.0005339226758376268, 2.380038767775061e-05, 4.731924874333886, 1.2133852121455188e-09]),
}


@pytest.fixture(scope="module")
def stored_points_result():
    m, lam, y = (jnp.array(v) for v in zip(*STORED_POINTS))
    return fi.solve_freeze_in(m, lam, y, M_N)


def test_stored_values_of_the_solver(stored_points_result):
    """Stored values recomputed at 1e-9 (1e-8 for single bins of f): the spread between CPUs,
    measured 2026-12-06 by recompiling for SSE4_2 and AVX2 on this AVX-512 machine
    (XLA_FLAGS=--xla_cpu_max_isa=...), was at most 1.8e-15 in Ω_N h² and ⟨q⟩."""
    r = stored_points_result
    assert np.all(np.asarray(r.status) == Status.OK)
    for field, values in STORED.items():
        np.testing.assert_allclose(np.asarray(getattr(r, field)), values, rtol=1e-9, err_msg=field)
    f = np.asarray(r.f)
    for name, (bins, values) in STORED_BINS.items():
        np.testing.assert_allclose(f[np.arange(4), bins], values, rtol=1e-8, err_msg=name)


SHARE_LAM, SHARE_Y = jnp.array([1e-8, 3e-9]), jnp.array([1e-8, 1e-6])


def test_scalar_mass_shares_the_rate_table():
    """A scalar m_S with arrays of λ, y (one rate table for all) gives what one table per point gives."""
    shared = fi.solve_freeze_in(100.0, SHARE_LAM, SHARE_Y, M_N, spectrum=False)
    per_point = fi.solve_freeze_in(jnp.full(2, 100.0), SHARE_LAM, SHARE_Y, M_N, spectrum=False)
    for field in ("omega_h2", "mean_q", "Y_S"):
        np.testing.assert_allclose(np.asarray(getattr(shared, field)), np.asarray(getattr(per_point, field)), rtol=1e-12, err_msg=field)


def test_no_recompilation_for_new_values():
    fi.solve_freeze_in(jnp.full(2, 100.0), SHARE_LAM, SHARE_Y, M_N, spectrum=False)
    size = fi._solve._cache_size()
    r = fi.solve_freeze_in(jnp.array([110.0, 62.5]), SHARE_LAM * 2.0, SHARE_Y * 0.5, M_N * 2, spectrum=False)
    assert fi._solve._cache_size() == size
    assert np.all(np.asarray(r.status) == Status.OK)


def omega_and_mean_q(p):
    """(Ω_N h², ⟨q⟩) of p = (m_S [GeV], λ, y, m_N [GeV])."""
    r = fi.solve_freeze_in(p[0], p[1], p[2], p[3], spectrum=False)
    return jnp.stack([r.omega_h2, r.mean_q])


@jax.jit
def _jacobians_and_m_n_differences(p, steps):
    """jacrev of (Ω h², ⟨q⟩) at points p (n, 4) and the values at p ± steps along m_N: one compile."""
    rev = jax.vmap(jax.jacrev(omega_and_mean_q))(p)
    shift = jnp.zeros_like(p).at[:, 3].set(steps)
    return rev, jax.vmap(omega_and_mean_q)(jnp.concatenate([p + shift, p - shift]))


def test_gradient_in_all_four_inputs_against_finite_differences():
    """d(Ω h², ⟨q⟩)/d(m_S, λ, y, m_N) by jax.jacrev (which runs forward mode inside, module docstring):
    the m_N column (not in test_gradients_match_finite_differences) equals central
    finite differences: Ω ∝ m_N Y_N, and Y_N and ⟨q⟩ depend on m_N only through β_N = (1 − 4m_N²/m_S²)^{1/2}."""
    p = jnp.array([[100.0, 1e-8, 1e-8, 1e-5], [62.5, 3e-6, 1e-10, 2e-5]])
    steps = 1e-3 * p[:, 3]
    rev, values = (np.asarray(a) for a in _jacobians_and_m_n_differences(p, steps))
    fd = (values[:2] - values[2:]) / (2 * np.asarray(steps)[:, None])  # (point, output)
    np.testing.assert_allclose(rev[:, 0, 3], fd[:, 0], rtol=1e-6)
    assert rev[0, 0, 3] * 1e-5 / float(values[0, 0]) == pytest.approx(1.0, abs=1e-3)
    assert np.all(np.abs(rev[:, 1, 3] - fd[:, 1]) <= 1e-6 * np.abs(values[:2, 1] / np.asarray(p[:, 3])))


REFERENCE_FILE = Path(__file__).parent / "data" / "freeze_in_reference.json"


@pytest.mark.slow  # 540 points and 60 spectra: ≈ 1 min on 2 cores
def test_plane_against_the_previous_solver():
    """The seed's plane (λ 1e-12..1e-4, y 1e-10..1e-6) at m_S = 60, 62.5, 65, 100, 300 GeV against the
    diffrax solver this one replaced (data/freeze_in_reference.json): measured max relative
    differences 3.1e-6 (Ω h²), 7.9e-6 (⟨q⟩), 1.8e-5 (⟨q²⟩); spectra against that solver at rtol
    1e-10: L1 distance of q³f ≤ 1e-4 (measured 2.9e-5), bins holding ≥ 1e-4 of the peak of q³f
    within 1e-3 (measured 3.8e-4)."""
    ref = json.loads(REFERENCE_FILE.read_text())
    L, Y = np.meshgrid(ref["lams"], ref["ys"], indexing="ij")
    li, yi = np.array(ref["lam_index"]), np.array(ref["y_index"])
    q = np.array(ref["q"])
    for m in ref["masses"]:
        plane = ref["planes"][repr(float(m))]
        r = fi.solve_freeze_in(m, jnp.asarray(L), jnp.asarray(Y), ref["m_N_GeV"], spectrum=False)
        assert np.all(np.asarray(r.status) == Status.OK)
        for field, tol in (("omega_h2", 1e-5), ("mean_q", 2e-5), ("mean_q2", 5e-5)):
            np.testing.assert_allclose(np.asarray(getattr(r, field)), plane[field], rtol=tol, err_msg=f"{field} at {m}")
        s = fi.solve_freeze_in(m, jnp.asarray(L[np.ix_(li, yi)]), jnp.asarray(Y[np.ix_(li, yi)]), ref["m_N_GeV"])
        f, f_ref = np.asarray(s.f), np.array(plane["f"])
        weight = f_ref * q**3
        l1 = np.sum(np.abs(f - f_ref) * q**3, axis=-1) / np.sum(weight, axis=-1)
        assert l1.max() < 1e-4, (m, l1.max())
        held = weight > 1e-4 * weight.max(axis=-1, keepdims=True)
        assert np.all(np.abs(f[held] / f_ref[held] - 1) < 1e-3), m


def test_edges_of_the_coupling_range():
    """Issue 19: a size-1 batch returned a plain tuple; λ = 0 gave Ω = NaN, y = 0 ⟨q⟩ = NaN, and the
    gradient at λ = 0 raised. Now: a FreezeInResult of shape (1,); no S, no N at λ = 0 (Ω = 0 exactly,
    status OK: was flagged MAX_STEPS, ln Y_S starting at -inf);
    at y = 0 nothing decays into N with a momentum (⟨q⟩ = 0); the gradient at λ = 0 is finite."""
    r = fi.solve_freeze_in(100.0, np.array([1e-8]), 1e-7, M_N, spectrum=False)
    assert isinstance(r, fi.FreezeInResult) and r.omega_h2.shape == (1,)
    for lam, y in ((0.0, 1e-7), (1e-8, 0.0)):
        r = fi.solve_freeze_in(100.0, lam, y, M_N, spectrum=False)
        assert all(np.isfinite(float(getattr(r, k))) for k in ("omega_h2", "mean_q", "Y_S", "Y_N")), (lam, y)
    r = fi.solve_freeze_in(100.0, 0.0, 1e-7, M_N, spectrum=False)
    assert float(r.omega_h2) == 0.0 and int(r.status) == Status.OK
    g = jax.grad(lambda lam: fi.solve_freeze_in(100.0, lam, 1e-7, M_N, spectrum=False).omega_h2)(0.0)
    assert np.isfinite(float(g))


def test_bad_traced_input_is_flagged_and_spares_its_batch():
    """Issue 19: under jit the eager checks cannot see the values. A point with NaN, ±inf, a negative
    coupling or mass, or a closed S → NN (m_N ≥ m_S/2) is flagged OUT_OF_DOMAIN with zero values, and
    its batch neighbour keeps its value and status: before, NaN in m_N gave Ω = NaN with status OK,
    m_N = 1 TeV Ω = 7e6 with status OK, and a bad λ or y was reported as MAX_STEPS."""
    solve = jax.jit(lambda lam, y, m_N: fi.solve_freeze_in(100.0, lam, y, m_N, spectrum=False))
    good = solve(jnp.array([1e-8]), jnp.array([1e-8]), jnp.array([M_N]))
    bad = [(np.nan, 1e-8, M_N), (-1.0, 1e-8, M_N), (np.inf, 1e-8, M_N), (1e-8, np.nan, M_N), (1e-8, -1.0, M_N),
           (1e-8, 1e-8, np.nan), (1e-8, 1e-8, -M_N), (1e-8, 1e-8, 60.0)]
    lam, y, m_N = (jnp.array([p[i] for p in [(1e-8, 1e-8, M_N), *bad]]) for i in range(3))
    r = solve(lam, y, m_N)
    assert int(r.status[0]) == Status.OK and float(r.omega_h2[0]) == float(good.omega_h2[0])
    assert np.all(np.asarray(r.status[1:]) == Status.OUT_OF_DOMAIN), np.asarray(r.status)
    for field in ("Y_N", "Y_S", "omega_h2", "mean_q", "mean_q2", "occupancy"):
        assert np.all(np.asarray(getattr(r, field))[1:] == 0.0), field
