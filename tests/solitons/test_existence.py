"""Multi-field Q-ball existence (issue 6, point 5): vmapped μ² search on Kusenko's slepton toy.

Canonical complex fields, moduli (h, L, l), charges (0, 1, 1), μ² = U/(L² + l²) (see
jaxbsm.solitons.existence / slepton for the normalisation and the analytic results checked here).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.optimize import minimize

from jaxbsm.solitons.existence import find_qballs, mu2_search, start_points
from jaxbsm.solitons.slepton import (
    SLEPTON_CHARGES,
    SleptonParams,
    equal_slepton_minimum,
    existence_scan,
    existence_window,
    higgs_threshold_factor,
    slepton_fields,
    slepton_mu2,
    slepton_mu2_profile,
    slepton_potential,
)

Y = 0.7
D_POINT = SleptonParams(m_H=0.8, m_L=1.2, m_l=0.9, y=0.6, A=2.2, g1=0.36, g2=0.65)


@pytest.fixture(scope="module")
def solve():
    """find_qballs on the slepton toy; compiled on the first call, reused by every test."""

    def run(p):
        F_s = max(p.A, p.m_H, p.m_L, p.m_l) / p.y
        return find_qballs(slepton_potential, p, SLEPTON_CHARGES, (0.1 * F_s, 3 * F_s))

    return run


def test_equal_mass_profile_formula():
    # eq. 19 minimised over F at θ = π/4, m_H = m_L = m_l = m, no D-terms: m²/(1−t) − A²t/(1+3t)
    m, A = 1.3, 2.1
    p = SleptonParams(m, m, m, Y, A)
    t = np.linspace(0.01, 0.9, 7)
    mu2, F = slepton_mu2_profile(np.arcsin(np.sqrt(t)), np.pi / 4, p)
    np.testing.assert_allclose(
        np.asarray(mu2), m**2 / (1 - t) - A**2 * t / (1 + 3 * t), rtol=1e-13
    )
    # F* is the minimum of the quadratic in F: eq. 19 at F* ± δ is higher
    xi = np.arcsin(np.sqrt(t))
    for d in (-1e-3, 1e-3):
        assert np.all(
            np.asarray(slepton_mu2(F + d, xi, np.pi / 4, p)) > np.asarray(mu2)
        )


@pytest.mark.parametrize("m_H, A", [(1.0, 1.5), (1.0, 2.5), (0.3, 0.8)])
def test_analytic_minimum(solve, m_H, A):
    m = 1.0
    r = solve(SleptonParams(m_H, m, m, Y, A))
    mu2, F, xi, theta = (float(v) for v in equal_slepton_minimum(m_H, m, Y, A))
    assert r.verdict == 1 and r.m2_free == pytest.approx(m**2, rel=1e-14)
    assert abs(r.mu2_min / mu2 - 1) < 1e-10 and mu2 == pytest.approx(
        m**2 - (A - m_H) ** 2 / 4, rel=1e-14
    )
    np.testing.assert_allclose(
        r.phi_min, np.asarray(slepton_fields(F, xi, theta)), rtol=1e-6
    )
    assert len(r.local_mu2) == 1 and r.local_bound[0]
    if m_H == m:
        assert mu2 == pytest.approx((3 * m - A) * (m + A) / 4, rel=1e-14)


def test_existence_threshold_and_ccb(solve):
    # m_H = m_L = m_l = 1: Q-balls iff A > 1 (not for every yA ≠ 0); U < 0 somewhere iff A > 3
    verdicts = [
        solve(SleptonParams(1.0, 1.0, 1.0, Y, A)).verdict
        for A in (0.5, 0.99, 1.01, 2.99, 3.01)
    ]
    assert verdicts == [0, 0, 1, 1, 2]
    r = solve(SleptonParams(1.0, 1.0, 1.0, Y, 3.2))
    assert r.mu2_min == pytest.approx((3 - 3.2) * (1 + 3.2) / 4, rel=1e-10)
    assert (
        slepton_potential(jnp.asarray(r.phi_min), SleptonParams(1.0, 1.0, 1.0, Y, 3.2))
        < 0
    )


def test_general_mass_window(solve):
    # no D-terms: exist iff A > m_H + √|m_L² − m_l²|, CCB iff A > m_H + m_L + m_l (independent of y)
    m_H, m_L, m_l = 0.5, 1.3, 1.0
    a_exist, a_ccb = (float(a) for a in existence_window(m_H, m_L, m_l))
    out = [
        solve(SleptonParams(m_H, m_L, m_l, y, A))
        for y in (0.3, 1.0)
        for A in (0.98 * a_exist, 1.02 * a_exist)
    ]
    assert [r.verdict for r in out] == [0, 1, 0, 1]
    assert (
        out[1].mu2_min == pytest.approx(out[3].mu2_min, rel=1e-9)
        and out[1].mu2_min < m_l**2
    )
    assert [
        solve(SleptonParams(m_H, m_L, m_l, 1.0, A)).verdict
        for A in (0.99 * a_ccb, 1.01 * a_ccb)
    ] == [1, 2]


def test_light_higgs(solve):
    # A ≪ m_L = m_l = 1: L-balls exist iff m_H < A (Kusenko's "any yA ≠ 0" needs a light Higgs)
    r = solve(SleptonParams(0.05, 1.0, 1.0, Y, 0.1))
    assert r.verdict == 1 and r.mu2_min == pytest.approx(1 - 0.05**2 / 4, rel=1e-12)
    assert solve(SleptonParams(0.15, 1.0, 1.0, Y, 0.1)).verdict == 0
    # m_H ≪ A ≪ m: bound for any A > m_H, sin²ξ* = (A − m_H)/(A + 3m_H) → 1 (Higgs-dominated) as m_H → 0
    r = solve(SleptonParams(0.001, 1.0, 1.0, Y, 0.01))
    assert r.verdict == 1 and r.mu2_min == pytest.approx(1 - 0.009**2 / 4, rel=1e-12)
    assert (r.phi_min[0] / np.linalg.norm(r.phi_min)) ** 2 == pytest.approx(
        0.009 / 0.013, rel=1e-6
    )
    # with D-terms the threshold is A = K m_H, K ∈ [1, √3]; just below it only a metastable
    # (μ² > m²) local minimum or nothing remains
    y, g1, g2, m_H = 0.1, 0.36, 0.65, 0.4
    K = float(higgs_threshold_factor(y, g1, g2))
    assert 1.5 < K < np.sqrt(3) and float(
        higgs_threshold_factor(1.0, 0.0, 0.0)
    ) == pytest.approx(1.0, abs=1e-12)
    below, above = (
        solve(SleptonParams(m_H, 1.0, 1.0, y, f * K * m_H, g1, g2))
        for f in (0.99, 1.01)
    )
    assert below.verdict in (0, 3) and below.mu2_min >= 1.0 - 1e-12
    assert above.verdict == 1 and above.mu2_min < 1.0 - 1e-4


def _mu2_numpy(x, p):
    h, L, l = np.abs(x)
    U = (
        p.m_H**2 * h * h
        + p.m_L**2 * L * L
        + p.m_l**2 * l * l
        - 2 * p.y * p.A * h * L * l
        + p.y**2 * (h * h * L * L + h * h * l * l + L * L * l * l)
        + p.g1**2 / 8 * (h * h - L * L) ** 2
        + p.g2**2 / 8 * (h * h + L * L - 2 * l * l) ** 2
    )
    return U / (L * L + l * l)


def test_scipy_with_d_terms(solve):
    r = solve(D_POINT)
    rng = np.random.default_rng(1)
    best = None
    for x0 in rng.uniform(0.1, 6.0, (24, 3)):
        nm = minimize(
            _mu2_numpy,
            x0,
            args=(D_POINT,),
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000},
        )
        lb = minimize(
            _mu2_numpy,
            np.abs(nm.x),
            args=(D_POINT,),
            method="L-BFGS-B",
            bounds=[(0, None)] * 3,
            options={"ftol": 1e-16, "gtol": 1e-12},
        )
        if best is None or lb.fun < best.fun:
            best = lb
    assert r.verdict == 1 and best.fun < D_POINT.m_l**2
    assert abs(r.mu2_min / best.fun - 1) < 1e-9
    np.testing.assert_allclose(r.phi_min, np.abs(best.x), rtol=1e-4)


def test_gradient_envelope(solve):
    starts = start_points(3, (0.3, 10.0), 16, 16)

    def mu2_min(A, g1):
        p = D_POINT._replace(A=A, g1=g1)
        return mu2_search(slepton_potential, p, SLEPTON_CHARGES, starts).mu2_min

    gA, gg = jax.jit(jax.grad(mu2_min, argnums=(0, 1)))(D_POINT.A, D_POINT.g1)
    h = 1e-4
    fd = [
        (
            solve(D_POINT._replace(**{k: v + h})).mu2_min
            - solve(D_POINT._replace(**{k: v - h})).mu2_min
        )
        / (2 * h)
        for k, v in (("A", D_POINT.A), ("g1", D_POINT.g1))
    ]
    np.testing.assert_allclose([float(gA), float(gg)], fd, rtol=1e-6)
    # equal masses, no D-terms: d μ²_min/dA = −(A − m_H)/2 at the minimiser
    p = SleptonParams(1.0, 1.0, 1.0, Y, 1.5)
    r = solve(p)
    g = jax.grad(
        lambda A: (
            slepton_potential(jnp.asarray(r.phi_min), p._replace(A=A))
            / (r.phi_min[1] ** 2 + r.phi_min[2] ** 2)
        )
    )(1.5)
    assert float(g) == pytest.approx(-0.25, rel=1e-6)


def test_scan_matches_window():
    A = np.array([0.5, 1.5, 2.5, 3.5])
    m_H = np.array([0.2, 1.0])
    r = existence_scan(A, m_H, 1.0, 1.0, Y)
    Ag, mg = np.meshgrid(A, m_H)
    np.testing.assert_array_equal(
        np.asarray(r.verdict), np.where(Ag > mg + 2, 2, np.where(Ag > mg, 1, 0))
    )
    np.testing.assert_allclose(
        np.asarray(r.mu2_min), np.where(Ag > mg, 1 - (Ag - mg) ** 2 / 4, 1.0), rtol=1e-9
    )


def test_bad_inputs():
    with pytest.raises(ValueError, match="m_L must be > 0"):
        slepton_mu2(1.0, 0.3, 0.3, SleptonParams(1.0, -1.0, 1.0, Y, 1.0))
    with pytest.raises(ValueError, match="m_H must be >= 0"):
        existence_window(-0.1, 1.0, 1.0)
    with pytest.raises(ValueError, match="y must be > 0"):
        equal_slepton_minimum(1.0, 1.0, 0.0, 1.5)
    with pytest.raises(ValueError, match="xi must be in"):
        slepton_fields(1.0, 2.0, 0.3)
    with pytest.raises(ValueError, match="F must be >= 0"):
        slepton_mu2(-1.0, 0.3, 0.3, SleptonParams(1.0, 1.0, 1.0, Y, 1.0))
    with pytest.raises(ValueError, match="f_range"):
        start_points(3, (1.0, 0.5))
    with pytest.raises(ValueError, match="charges"):
        find_qballs(
            slepton_potential,
            SleptonParams(1.0, 1.0, 1.0, Y, 1.0),
            (0, 0, 0),
            (0.1, 1.0),
        )
    with pytest.raises(ValueError, match="g2 must be >= 0"):
        existence_scan([1.0], [1.0], 1.0, 1.0, Y, 0.0, -0.5)
