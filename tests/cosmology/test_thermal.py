"""Thermal history of the SM plasma: g*(T), g*s(T) from the Saikawa-Shirai 2020 table, s, rho, H, t(T)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxbsm.constants import M_PLANCK
from jaxbsm.cosmology import thermal as th

T_NODE, G_RHO_NODE, G_S_NODE = th.gstar_table()
PUBLIC = [
    th.g_rho, th.g_s, th.dln_g_rho_dlnT, th.dln_g_s_dlnT, th.energy_density, th.entropy_density,
    th.hubble_rate, th.dt_dT, th.time_of_temperature,
]
# 1e-8 ... 1e12 GeV, with the table's edges and a few nodes hit exactly
T_SWEEP = np.unique(np.concatenate([np.geomspace(1e-8, 1e12, 301), T_NODE[[0, 1, 200, 400, -2, -1]]]))


def test_table_is_the_shipped_saikawa_shirai_file():
    assert T_NODE.shape == (528,)
    assert T_NODE[0] == 1e-5 and T_NODE[-1] == pytest.approx(1.46812e6)
    assert np.all(np.diff(np.log(T_NODE)) == pytest.approx(np.log(1.05), rel=1e-3))


def test_low_temperature_limit():
    """Today: g_s = 3.931, g_rho = 3.383 (N_eff = 3.045), vs instantaneous decoupling 3.91, 3.36."""
    for T in (1e-5, 1e-7):  # table edge and the constant continuation below it
        assert float(th.g_s(T)) == pytest.approx(G_S_NODE[0], rel=1e-13)
        assert float(th.g_rho(T)) == pytest.approx(G_RHO_NODE[0], rel=1e-13)
    assert G_S_NODE[0] == pytest.approx(3.91, rel=0.01)
    assert G_RHO_NODE[0] == pytest.approx(3.36, rel=0.01)
    # g_rho = 2 + (7/8) 2 N_eff (4/11)^(4/3) with the paper's N_eff = 3.045
    n_eff = (G_RHO_NODE[0] - 2.0) / (7.0 / 4.0 * (4.0 / 11.0) ** (4.0 / 3.0))
    assert n_eff == pytest.approx(3.045, abs=1e-3)
    # between e+- annihilation and the muon threshold: gamma + e+- + 3 nu = 10.75
    assert float(th.g_s(5e-3)) == pytest.approx(10.75, rel=3e-3)
    assert float(th.g_rho(5e-3)) == pytest.approx(10.75, rel=3e-3)


def test_high_temperature_limit():
    """Top of the table: about 104.4, 2% below the free-gas 106.75 (interaction corrections)."""
    g_top_rho, g_top_s = G_RHO_NODE[-1], G_S_NODE[-1]
    assert g_top_rho == pytest.approx(104.44, abs=0.01) and g_top_s == pytest.approx(104.43, abs=0.01)
    assert 0.97 * th.G_SM_FREE < g_top_s < th.G_SM_FREE
    for T in (1e7, 1e16):  # clamped continuation above the table
        assert float(th.g_rho(T)) == pytest.approx(g_top_rho, rel=1e-13)
        assert float(th.g_s(T)) == pytest.approx(g_top_s, rel=1e-13)
    # from 10 TeV up, every SM state relativistic: g within 3% of 106.75, rising slowly towards it
    g_high = np.asarray(th.g_s(np.geomspace(1e4, 1e6, 20)))
    assert np.all(np.diff(g_high) > 0) and np.all(np.abs(g_high / th.G_SM_FREE - 1) < 0.03)


def test_interpolation_reproduces_nodes():
    np.testing.assert_allclose(np.asarray(th.g_rho(T_NODE)), G_RHO_NODE, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(th.g_s(T_NODE)), G_S_NODE, rtol=1e-12)


def test_log_derivatives_against_finite_differences():
    rng = np.random.default_rng(0)
    lnT = rng.uniform(np.log(T_NODE[0]), np.log(T_NODE[-1]), 64)
    h = 1e-5
    for g, dg in ((th.g_rho, th.dln_g_rho_dlnT), (th.g_s, th.dln_g_s_dlnT)):
        fd = (np.log(np.asarray(g(np.exp(lnT + h)))) - np.log(np.asarray(g(np.exp(lnT - h))))) / (2 * h)
        np.testing.assert_allclose(np.asarray(dg(np.exp(lnT))), fd, atol=1e-7)
        # and autodiff of g agrees with the analytic spline derivative
        ad = jax.jit(jax.vmap(jax.grad(lambda T, g=g: jnp.log(g(T)))))(jnp.exp(lnT)) * np.exp(lnT)
        np.testing.assert_allclose(np.asarray(ad), np.asarray(dg(np.exp(lnT))), rtol=1e-10, atol=1e-14)
    # outside the table g is constant, and at the QCD crossover g_s rises steeply
    assert float(th.dln_g_s_dlnT(1e-7)) == 0.0 and float(th.dln_g_s_dlnT(1e9)) == 0.0
    assert float(th.dln_g_s_dlnT(0.15)) > 1.0


def test_densities_and_hubble_rate_against_numpy():
    i = np.array([0, 100, 230, 300, 400, 527])
    T, g_rho, g_s = T_NODE[i], G_RHO_NODE[i], G_S_NODE[i]
    rho = np.pi**2 / 30 * g_rho * T**4
    G_newton = 1.0 / 1.220890e19**2  # GeV^-2, PDG 2024 M_Pl
    np.testing.assert_allclose(np.asarray(th.energy_density(T)), rho, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(th.entropy_density(T)), 2 * np.pi**2 / 45 * g_s * T**3, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(th.hubble_rate(T)), np.sqrt(8 * np.pi * G_newton * rho / 3), rtol=1e-12)
    # the familiar 1.66 sqrt(g) T^2 / M_Pl, and a fixed-g override
    np.testing.assert_allclose(np.asarray(th.hubble_rate(T)), 1.66 * np.sqrt(g_rho) * T**2 / M_PLANCK.value, rtol=1e-3)
    assert float(th.hubble_rate(100.0, g=106.75)) == pytest.approx(
        np.sqrt(4 * np.pi**3 * 106.75 / 45) * 1e4 / M_PLANCK.value, rel=1e-14
    )


def test_time_temperature_relation():
    sec = th.HBAR_GEV_S
    # textbook radiation era t = 0.301 g*^(-1/2) M_Pl / T^2: at 1 MeV with g* = 10.75 it is 0.738 s;
    # the table's g_rho(1 MeV) = 10.55 and the earlier history give 0.746 s
    t_textbook = 0.301 / np.sqrt(10.75) * M_PLANCK.value / 1e-3**2 * sec
    assert t_textbook == pytest.approx(0.738, abs=1e-3)
    assert float(th.time_of_temperature(1e-3)) * sec == pytest.approx(t_textbook, rel=0.02)
    # after e+- annihilation: the textbook t = 1.32 s (MeV/T)^2 (g* = 3.36)
    assert float(th.time_of_temperature(1e-5)) * sec == pytest.approx(1.32e4, rel=5e-3)
    # constant g above the table: exactly t = 1/(2H)
    assert float(th.time_of_temperature(1e8) * th.hubble_rate(1e8)) == pytest.approx(0.5, rel=1e-12)
    # against an independent trapezoid of (1 + dln g_s/dlnT / 3)/H over ln T, from 1e8 GeV down
    T_check = np.array([100.0, 0.15, 1e-3])
    edges = np.log(np.concatenate([[1e8], T_check]))
    u = np.concatenate([np.linspace(a, b, 40_001)[1:] for a, b in zip(edges[:-1], edges[1:])])
    u = np.concatenate([[edges[0]], u])
    w = np.asarray((1 + th.dln_g_s_dlnT(np.exp(u)) / 3) / th.hubble_rate(np.exp(u)))
    t_ref = 0.5 / float(th.hubble_rate(1e8)) - np.cumsum(np.append(0.0, 0.5 * (w[1:] + w[:-1]) * np.diff(u)))
    np.testing.assert_allclose(np.asarray(th.time_of_temperature(T_check)), t_ref[40_000::40_000], rtol=1e-7)
    # t falls monotonically with T (dt/dT = d t(T)/dT: test_jit_vmap_and_finite_gradients)
    assert np.all(np.diff(np.asarray(th.time_of_temperature(T_SWEEP))) < 0)


def test_jit_vmap_and_finite_gradients():
    """All public functions at once: jit = eager, vmap = eager, finite gradients on 1e-8..1e12 GeV."""
    T = jnp.asarray(T_SWEEP)

    def every(T):
        return jnp.stack([f(T) for f in PUBLIC], axis=-1)

    eager = np.stack([np.asarray(f(T)) for f in PUBLIC], axis=-1)
    assert np.all(np.isfinite(eager))
    np.testing.assert_allclose(np.asarray(jax.jit(every)(T)), eager, rtol=1e-13)
    np.testing.assert_allclose(np.asarray(jax.jit(jax.vmap(every))(T)), eager, rtol=1e-13)
    grads = np.asarray(jax.jit(jax.vmap(jax.jacfwd(every)))(T))
    assert np.all(np.isfinite(grads))
    # dt_dT is the derivative of time_of_temperature
    it, idt = PUBLIC.index(th.time_of_temperature), PUBLIC.index(th.dt_dT)
    np.testing.assert_allclose(grads[:, it], eager[:, idt], rtol=1e-9)
    # broadcasting over leading axes
    assert th.hubble_rate(jnp.ones((3, 4))).shape == (3, 4)


def test_no_recompilation_for_new_values():
    f = jax.jit(th.time_of_temperature)
    f(jnp.asarray([1e-3, 1.0]))
    before = f._cache_size()
    f(jnp.asarray([2e-2, 5.0]))
    assert f._cache_size() == before


@pytest.mark.parametrize("f", PUBLIC, ids=lambda f: f.__name__)
@pytest.mark.parametrize("T", [0.0, -1.0, float("nan"), [1.0, -2.0]])
def test_bad_temperature_rejected(f, T):
    with pytest.raises(ValueError, match=r"T must be > 0"):
        f(T)


def test_computed_interval_equals_the_searched_spline():
    """The spline evaluation with the interval computed from ln T (issue 18) equals interpax.PPoly's
    searched evaluation of the same coefficients, values and derivatives, at the knots and between."""
    T_knots = th.gstar_table()[0]
    T = np.concatenate([T_knots, np.geomspace(1e-6, 1e7, 5001), T_knots * (1 + 1e-12), T_knots * (1 - 1e-12)])
    lo, hi = th._table_range()
    u = jnp.clip(jnp.log(T), lo, hi)
    inside = ((np.log(T) >= lo) & (np.log(T) <= hi))[:, None]
    np.testing.assert_allclose(np.asarray(th._ln_g(T)), np.asarray(th._spline()(u)), rtol=0, atol=1e-14)
    np.testing.assert_allclose(
        np.asarray(th._dln_g(T)), np.where(inside, np.asarray(th._spline()(u, nu=1)), 0.0), rtol=0, atol=1e-13
    )
