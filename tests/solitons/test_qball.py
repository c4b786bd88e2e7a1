"""Q-ball energies (issue 6, acceptance 2 and 4): E(Q) against an independent scipy reference,
the thick- and thin-wall limits, and gradients.

Potential of the issue: U = ½φ² − 0.1φ³ + 0.01φ⁴ (M = 1, A = 0.1, λ = 0.01, so λM²/A² = 1).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from jaxbsm.solitons import S_PSI
from jaxbsm.solitons.qball import (
    S_PSI4,
    qball_charge,
    qball_energy,
    qball_profile,
    thick_wall_energy,
    thin_wall_energy,
)
from jaxbsm.status import Status

M, A, LAM = 1.0, 0.1, 0.01
QS = np.array([1.0, 10.0, 100.0, 1e3, 1e4])


# --- independent reference: scipy DOP853 shooting in rescaled variables + brentq in ω -------------
def _scipy_bounce(kappa):
    """d = 3 bounce of u(ψ) = ½ψ² − ψ³ + κψ⁴ (ρ units) by bisection on ψ(0) with DOP853 (rtol 1e-13).

    Returns (S, N, P): S = (2/3)·4π∫ρ²½ψ'² (virial), N = 4π∫ρ²ψ², P = 4π∫ρ²ψ⁴."""
    du = lambda p: p - 3 * p**2 + 4 * kappa * p**3

    def shoot(p0, full=False):
        r0, g = 1e-7, du(p0)
        y0 = [p0 + g * r0**2 / 6, g * r0 / 3, 0.0, 0.0, 0.0]

        def f(r, y):
            w = 4 * np.pi * r**2
            return [y[1], du(y[0]) - 2 / r * y[1], w * 0.5 * y[1] ** 2, w * y[0] ** 2, w * y[0] ** 4]

        cross = lambda r, y: y[0]
        cross.terminal = True
        turn = lambda r, y: y[1]
        turn.terminal, turn.direction = True, 1
        s = solve_ivp(f, (r0, 200.0), y0, method="DOP853", rtol=1e-13, atol=1e-16, events=[cross, turn])
        return s if full else len(s.t_events[0]) > 0  # overshoot

    lo = (1 - np.sqrt(1 - 2 * kappa)) / (2 * kappa) if kappa > 0 else 0.5  # escape point
    hi = min((3 + np.sqrt(9 - 16 * kappa)) / (8 * kappa), 3.0) if kappa > 0 else 3.0
    while hi - lo > 2e-16 * hi:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if shoot(mid) else (mid, hi)
    s = shoot(lo, full=True)
    return 2.0 / 3.0 * s.y[2, -1], s.y[3, -1], s.y[4, -1]


def _scipy_energy(Q):
    """E(Q): S₃ = (m³/A²)S(κ), Q(ω) = ω(m/A²)N(κ), κ = λm²/A²; brentq on log Q(t), t = log m²."""

    def S_and_Q(t):
        m2 = np.exp(t)
        S, N, _ = _scipy_bounce(LAM * m2 / A**2)
        m, w = np.sqrt(m2), np.sqrt(M**2 - m2)
        return m**3 / A**2 * S, w * m / A**2 * N, w

    lo = 2 * np.log(min(Q * A**2 / (3 * S_PSI * M), 0.1)) - 2
    hi = np.log(0.46 * A**2 / LAM)  # κ = 0.46 < 1/2: Q(hi) ≈ 1.6e5
    t = brentq(lambda t: np.log(S_and_Q(t)[1] / Q), lo, hi, xtol=1e-9, rtol=1e-13)
    S, _, w = S_and_Q(t)
    return S + w * Q  # stationary in ω: the xtol error enters at O(1e-18)


# one compiled, vmapped E(Q, A, λ) for every test: the Q grid, large Q, and the finite-difference
# stencil of the gradient test around P0 = (Q, A, λ) = (300, 0.1, 0.01)
P0 = np.array([300.0, A, LAM])
H = np.array([1e-2, 1e-6, 1e-7])
STENCIL = [P0 + s * H[k] * np.eye(3)[k] for k in range(3) for s in (1, -1)]
# points outside the domain, traced in the same batch (issue 19: a lam = 0 point made its batch
# 20-40 times slower, Q = -1 gave a finite E): lam = 0, Q < 0, Q = NaN, M^2 < A^2/(2 lam), A = inf
OUTSIDE = [[10.0, A, 0.0], [-1.0, A, LAM], [np.nan, A, LAM], [10.0, A, 1e-4], [10.0, np.inf, LAM]]
BATCH = np.array([[Q, A, LAM] for Q in [*QS, 1e5, 1e6]] + [P0] + STENCIL + OUTSIDE)
I_OUTSIDE = slice(len(BATCH) - len(OUTSIDE), None)
I_LARGE = [3, 5, 6]  # Q = 1e3, 1e5, 1e6
I_P0 = 7


@pytest.fixture(scope="module")
def batch():
    f = jax.jit(jax.vmap(lambda Q, a, lam: qball_energy(Q, M, a, lam)))
    return f(*jnp.asarray(BATCH.T))


@pytest.fixture(scope="module")
def qballs(batch):
    return jax.tree_util.tree_map(lambda x: x[: len(QS)], batch)


@pytest.fixture(scope="module")
def large_qballs(batch):
    pick = np.array(I_LARGE)
    return jnp.asarray(BATCH[pick, 0]), jax.tree_util.tree_map(lambda x: x[pick], batch)


def test_S_psi4_against_scipy():
    S, _, P = _scipy_bounce(0.0)
    assert abs(S / S_PSI - 1) < 1e-11
    assert abs(P / S_PSI4 - 1) < 1e-10


@pytest.mark.parametrize("i", [0, 4])
def test_energy_against_scipy_reference(qballs, i):
    assert int(qballs.status[i]) == 0
    assert abs(float(qballs.E[i]) / _scipy_energy(QS[i]) - 1) < 1e-6


@pytest.mark.slow
@pytest.mark.parametrize("i", [1, 2, 3])
def test_energy_against_scipy_reference_more(qballs, i):
    assert abs(float(qballs.E[i]) / _scipy_energy(QS[i]) - 1) < 1e-6


def test_thick_wall_small_Q(qballs):
    r = qballs
    assert np.all(np.asarray(r.status) == 0)
    E, binding = np.asarray(r.E), np.asarray(r.binding)
    np.testing.assert_allclose(E + binding, QS * M, rtol=1e-14)
    # λ = 0 thick-wall formula (Kusenko eq. 14): off by the λ term +0.567(λM²/A²)ε⁴, which is
    # larger than −ε⁴/8; with it the remainder is O(ε⁶) (ε = 6.9e-4 Q)
    eps = QS * A**2 / (3 * S_PSI * M**2)
    bare, _ = thick_wall_energy(QS, M, A)
    closed, series = thick_wall_energy(QS, M, A, LAM)
    # ε = 0.69, 6.9 at Q = 1e3, 1e4: beyond ε = 1/2 no thick-wall solution, the closed form is NaN
    assert np.all(np.isfinite(np.asarray(closed)[:3])) and np.all(np.isnan(np.asarray(closed)[3:]))
    rel_bare = E[:3] / np.asarray(bare)[:3] - 1
    # coefficient of ε⁴: at Q = 10 the O(ε²) relative correction is 5e-5, the rounding of E 1e-7
    assert abs(rel_bare[1] / eps[1] ** 4 / (S_PSI4 / (3 * S_PSI)) - 1) < 1e-3
    assert np.all(np.abs(E[:3] / np.asarray(closed)[:3] - 1) < 5 * eps[:3] ** 6 + 1e-15)
    np.testing.assert_allclose(np.asarray(series)[:3], np.asarray(closed)[:3], rtol=5 * eps[2] ** 6)
    # Kusenko eq. 15: the size grows like 1/ε; ω* ≈ M(1 − ε²/2) up to O(ε²) relative (3.5ε² here)
    R = np.asarray(r.radius)
    assert 9 < R[0] / R[1] < 11
    np.testing.assert_allclose(1 - np.asarray(r.omega)[:2], eps[:2] ** 2 / 2, rtol=5e-4)


def test_thin_wall_large_Q(large_qballs):
    Q, r = large_qballs
    assert np.all(np.asarray(r.status) == 0)
    lead, surf = thin_wall_energy(Q, M, A, LAM)
    E = np.asarray(r.E)
    # ω₀ = 1/√2 (M² − A²/2λ = 1/2): E/Q → ω₀ from above
    assert np.all(E / np.asarray(Q) > 1 / np.sqrt(2))
    err_lead = np.asarray(lead) / E - 1
    err_surf = np.asarray(surf) / E - 1
    # the surface term removes most of the binding-energy deficit, increasingly so at large Q
    assert np.all(np.abs(err_surf) < np.abs(err_lead))
    ratio = np.abs(err_surf / err_lead)
    assert ratio[2] < ratio[1] < ratio[0]
    assert abs(err_surf[2]) < 3e-3
    # the remainder is O(Q^{1/3}) of E − ω₀Q ∝ Q^{2/3}: ratio falls like Q^{−1/3}
    assert 0.3 < (ratio[2] / ratio[1]) * 10 ** (1 / 3) < 3


def test_energy_gradients_against_fd(batch):
    # dE/dQ = ω* exactly (envelope theorem, Kusenko eq. 8); dE/dA, dE/dλ = ∂S₃/∂θ at ω* (custom JVP
    # of the bounce); all against central differences of E on the stencil (acceptance 4)
    g = np.asarray(jax.grad(lambda p: qball_energy(p[0], M, p[1], p[2]).E)(jnp.asarray(P0)))
    assert np.all(np.asarray(batch.status[: I_OUTSIDE.start]) == 0)
    assert abs(g[0] / float(batch.omega[I_P0]) - 1) < 1e-12
    E = np.asarray(batch.E)
    fd = [(E[I_P0 + 1 + 2 * k] - E[I_P0 + 2 + 2 * k]) / (2 * H[k]) for k in range(3)]
    np.testing.assert_allclose(g, fd, rtol=1e-6)


def test_profile_consistent_with_bounce(large_qballs):
    # Q = ω∫d³x φ² and the rms radius from the profile on a fine grid (Simpson) reproduce the bounce's own
    # numbers; the analytic tail beyond φ = 1e-5 φ(0) joins continuously
    from scipy.integrate import simpson

    Q, r = large_qballs
    w = float(r.omega[0])  # Q = 1e3: moderate wall, R ≈ 4.3/M
    rr = np.linspace(0.0, 60.0, 6001)
    phi = np.asarray(jax.jit(qball_profile)(w, M, A, LAM, jnp.asarray(rr)))
    assert np.all(np.isfinite(phi)) and np.all(np.diff(phi) <= 0)
    q = w * simpson(4 * np.pi * rr**2 * phi**2, x=rr)
    assert abs(q / float(Q[0]) - 1) < 1e-7
    rms = np.sqrt(simpson(rr**4 * phi**2, x=rr) / simpson(rr**2 * phi**2, x=rr))
    assert abs(rms / float(r.radius[0]) - 1) < 1e-6


def test_charge_at_omega_star(large_qballs):
    # Q(ω*) = ω*∫d³x φ² returns the charge that qball_energy solved for (its secant tolerance)
    Q, r = large_qballs
    q, status = jax.jit(jax.vmap(lambda w: qball_charge(w, M, A, LAM)))(r.omega)
    assert np.all(np.asarray(status) == 0)
    np.testing.assert_allclose(np.asarray(q), np.asarray(Q), rtol=1e-8)


@pytest.mark.parametrize(
    "call, message",
    [
        # issue 19: ZeroDivisionError, or E = 1.1e9 with only a status code
        (lambda: qball_energy(10.0, 1.0, 1.0, 0.0), r"qball_energy: lam must be > 0 \(quartic coupling\), got"),
        (lambda: qball_energy(-1.0, 1.0, 1.0, 1.0), r"qball_energy: Q must be finite and > 0 \(charge, dimensionless\), got"),
        (lambda: qball_energy(0.0, 1.0, 1.0, 1.0), r"qball_energy: Q must be finite and > 0"),
        (lambda: qball_energy(np.inf, 1.0, 1.0, 1.0), r"qball_energy: Q must be finite and > 0"),
        (lambda: qball_energy(10.0, 1.0, 2.0, 1.0), r"qball_energy: need M\^2 > A\^2/\(2 lam\)"),
        (lambda: thick_wall_energy(1.0, 1.0, 0.0), r"thick_wall_energy: A must be finite and > 0 \[GeV\], got"),
        (lambda: thin_wall_energy(1e6, 1.0, 1.0, 0.0), r"thin_wall_energy: lam must be > 0"),
        (lambda: thin_wall_energy(1e6, 0.0, 1.0, 1.0), r"thin_wall_energy: M must be finite and > 0 \[GeV\]"),
    ],
)
def test_unphysical_inputs_are_refused_by_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_points_outside_the_domain_are_flagged_and_spare_their_batch(batch):
    """Traced points outside the domain get status OUT_OF_DOMAIN and NaN values; the good points
    of the same batch are those of a batch without them (same compiled function, rows sliced)."""
    bad = jax.tree_util.tree_map(lambda x: np.asarray(x[I_OUTSIDE]), batch)
    assert np.all(bad.status == Status.OUT_OF_DOMAIN) and np.all(np.isnan(bad.E))
    good = np.asarray(batch.status[: I_OUTSIDE.start])
    assert np.all(good == Status.OK)
    alone = qball_energy(*(jnp.asarray(v) for v in (BATCH[0, 0], M, BATCH[0, 1], BATCH[0, 2])))
    assert float(batch.E[0]) == pytest.approx(float(alone.E), rel=1e-12)
