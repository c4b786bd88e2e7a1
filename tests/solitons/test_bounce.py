"""Tests of the O(d) bounce solver (issue 6, acceptance 1): S_ψ vs an independent scipy shooting."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from jaxbsm.solitons import S_PSI, bounce
from jaxbsm.solitons.qball import qball_bounce
from jaxbsm.status import Status


def _scipy_S_psi(d=3):
    """Independent reference: DOP853 (rtol 1e-13) + bisection on ψ(0) for V = ½ψ² − ψ³."""

    def shoot(p0, full=False):
        r0 = 1e-6
        dV = lambda p: p - 3 * p**2
        y0 = [p0 + dV(p0) * r0**2 / (2 * d), dV(p0) * r0 / d, 0.0]

        def f(r, y):
            return [
                y[1],
                dV(y[0]) - (d - 1) / r * y[1],
                4 * np.pi * r**2 * 0.5 * y[1] ** 2,
            ]

        cross = lambda r, y: y[0]
        cross.terminal = True
        turn = lambda r, y: y[1]
        turn.terminal, turn.direction = True, 1
        s = solve_ivp(
            f,
            (r0, 60.0),
            y0,
            method="DOP853",
            rtol=1e-13,
            atol=1e-15,
            events=[cross, turn],
        )
        return s if full else len(s.t_events[0]) > 0  # True: overshoot

    lo, hi = 0.5, 5.0
    while hi - lo > 4e-16 * hi:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if shoot(mid) else (mid, hi)
    s = shoot(lo, full=True)
    return (2.0 / d) * s.y[2, -1], lo  # S = (2/3) T (virial), T = 4π∫r²½ψ'²


def U_psi(phi, a):
    return 0.5 * phi**2 - a * phi**3


M, A, LAM = 1.0, 0.1, 0.01


def _qbounce(w):
    return qball_bounce(
        M**2 - w**2, A, LAM
    )  # escape point .. true minimum (3m²/A in thick wall)


@pytest.fixture(scope="module")
def psi_bounce():
    return jax.jit(lambda a, lo, hi: bounce(U_psi, a, lo, hi))


@pytest.fixture(scope="module")
def q_bounce():
    return jax.jit(jax.vmap(_qbounce))


def test_S_psi_against_scipy(psi_bounce):
    S_ref, p0_ref = _scipy_S_psi()
    r = psi_bounce(1.0, 0.5, 5.0)
    assert int(r.status) == 0
    assert abs(float(r.action) / S_ref - 1) < 1e-9
    assert abs(float(r.phi0) / p0_ref - 1) < 1e-9
    assert abs(S_PSI / S_ref - 1) < 1e-11
    assert round(S_ref, 2) == 4.85  # Kusenko's quoted S_ψ ≈ 4.85


def test_psi_scaling_and_gradient(psi_bounce):
    # Û = ½φ² − aφ³: φ = ψ/a gives S = S_ψ/a², dS/da = −2 S_ψ/a³ (envelope-theorem gradient)
    a = 2.0
    r = psi_bounce(a, 0.5 / a, 5.0 / a)
    assert abs(float(r.action) * a**2 / S_PSI - 1) < 1e-9
    g = jax.grad(lambda a: bounce(U_psi, a, 0.5 / a, 5.0 / a).action)(a)
    assert abs(float(g) / (-2 * S_PSI / a**3) - 1) < 1e-8


WS = np.array([0.7072, 0.708, 0.72, 0.8, 0.9, 0.99, 0.9999])


def test_qball_bounces_thin_to_thick(q_bounce):
    r = q_bounce(jnp.asarray(WS))
    assert np.all(np.asarray(r.status) == 0)
    assert np.all(np.abs(np.asarray(r.virial_residual)) < 1e-8)
    # thick wall (ω → M): S₃ → S_ψ (M² − ω²)^{3/2}/A² (Kusenko eq. 13ff)
    thick = S_PSI * (M**2 - WS[-1] ** 2) ** 1.5 / A**2
    assert abs(float(r.action[-1]) / thick - 1) < 2e-3
    # thin wall (ω → ω_min = 1/√2): φ(0) → true minimum φ = 5 and R grows like 1/(ω − ω_min)
    assert abs(float(r.phi0[0]) - 5.0) < 5e-3
    assert float(r.radius[0]) > 2e3
    assert np.all(np.diff(np.asarray(r.action)) < 0)


def test_dS_domega_equals_minus_Q(q_bounce):
    # dS₃/dω = −ω ∫d³x φ² = −Q (Kusenko eq. 8 stationarity), via the custom JVP
    ws = jnp.asarray(WS)
    g = jax.jit(jax.vmap(jax.grad(lambda w: _qbounce(w).action)))(ws)
    r = q_bounce(ws)
    np.testing.assert_allclose(
        np.asarray(g), -np.asarray(ws * r.phi2_integral), rtol=1e-8
    )
    # and against central finite differences where the action is smooth on the scale h
    # (same batch shape, no recompilation; thin-wall points replaced, ω ± h must stay above ω_min)
    h = 1e-5
    wf = jnp.asarray(np.where(WS < 0.75, 0.8, WS))
    fd = (q_bounce(wf + h).action - q_bounce(wf - h).action) / (2 * h)
    np.testing.assert_allclose(np.asarray(g)[3:6], np.asarray(fd)[3:6], rtol=1e-6)


def test_bad_bracket_flagged(psi_bounce):
    r = psi_bounce(1.0, 1.45, 5.0)  # 1.45 > ψ(0): phi_lo overshoots
    assert int(r.status) == Status.BAD_BRACKET
    r = psi_bounce(1.0, 0.5, 1.2)  # 1.2 < ψ(0): phi_hi undershoots
    assert int(r.status) == Status.BAD_BRACKET


def test_bad_dimension():
    with pytest.raises(ValueError):
        bounce(U_psi, 1.0, 0.5, 5.0, d=5)
