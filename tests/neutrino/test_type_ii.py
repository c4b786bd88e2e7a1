"""Type II seesaw: couplings, H++ / H+ leptonic branching ratios (Fileviez Perez, Han, Huang, Li, Wang,
arXiv:0805.3536 = FHHLW) and the H++ -> W+W+ crossover; plus the JAX contract."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxbsm.neutrino import type_ii as t2
from jaxbsm.neutrino.pmns import pmns
from jaxbsm.neutrino.spectrum import masses

# NuFIT 6.0 best fits (Esteban et al., arXiv:2410.05380): (th12, th13, th23, delta) in rad, dm21, dm3l.
NO = (0.5878, 0.1494, 0.7557, 3.700, 7.49e-5, 2.513e-3)
IO = (0.5878, 0.1499, 0.8360, 4.782, 7.49e-5, -2.484e-3)
EE, EMU, ETAU, MUMU, MUTAU, TAUTAU = range(6)


def _args(point, phi1, phi2, m_lightest):
    th12, th13, th23, delta, dm21, dm3l = point
    return (th12, th13, th23, delta, phi1, phi2, m_lightest, dm21, dm3l)


@pytest.fixture(scope="module")
def brs():
    """jit(9 parameters -> concatenated (H++ BRs (6), H+ BRs (3)))."""
    return jax.jit(lambda *a: jnp.concatenate([t2.hpp_branching_ratios(*a), t2.hp_branching_ratios(*a)], -1))


@pytest.fixture(scope="module")
def brs_vec(brs):
    """(f, forward Jacobian, reverse Jacobian) of the 9 BRs as functions of a 9-vector, jitted once."""
    f = lambda x: brs(*x)  # noqa: E731
    return jax.jit(f), jax.jit(jax.jacfwd(f)), jax.jit(jax.jacrev(f))


def test_couplings_reproduce_mass_matrix_and_relations():
    v = pmns(0.59, 0.15, 0.76, 3.7, 0.4, 1.3)
    m = masses(0.03, 7.49e-5, 2.513e-3)
    v_delta = 3e-6
    g_pp = t2.gamma_pp(v, m, v_delta)
    m_nu = (jnp.conj(v) * m) @ jnp.conj(v.T) * 1e-9
    assert np.allclose(np.sqrt(2) * g_pp * v_delta, m_nu, rtol=0, atol=1e-13 * float(jnp.max(m)) * 1e-9)
    assert np.allclose(g_pp, g_pp.T, rtol=1e-14)
    # Gamma_+ = sqrt(2) V^T Gamma_++ (cos theta_+ = 1): the same Yukawa rotated to the nu mass basis
    assert np.allclose(t2.gamma_p(v, m, v_delta), np.sqrt(2) * v.T @ g_pp, rtol=1e-12)
    assert np.allclose(t2.gamma_p(v, m, v_delta, 0.5), 0.5 * t2.gamma_p(v, m, v_delta), rtol=1e-14)


def test_widths_totals_and_vdelta_independence():
    v = pmns(0.59, 0.15, 0.76, 3.7, 0.4, 1.3)
    m = masses(0.03, 7.49e-5, 2.513e-3)
    for v_delta, m_h in ((1e-6, 300.0), (1e-9, 800.0)):
        w_pp = t2.hpp_lepton_widths(t2.gamma_pp(v, m, v_delta), m_h)
        w_p = t2.hp_lepton_widths(t2.gamma_p(v, m, v_delta), m_h)
        total = t2.hpp_lepton_total_width(v_delta, m_h, 0.03, 7.49e-5, 2.513e-3)
        # both totals = m_H sum m^2 / (16 pi v_Delta^2)
        assert float(jnp.sum(w_pp)) == pytest.approx(float(total), rel=1e-12)
        assert float(jnp.sum(w_p)) == pytest.approx(float(total), rel=1e-12)
        assert float(total) == pytest.approx(m_h * float(jnp.sum(m**2)) * 1e-18 / (16 * math.pi * v_delta**2))
        br = t2.hpp_branching_ratios(0.59, 0.15, 0.76, 3.7, 0.4, 1.3, 0.03, 7.49e-5, 2.513e-3)
        assert np.allclose(w_pp / total, br, rtol=1e-12)
    # single channel by hand: Gamma(ee) = m |Gamma_ee|^2 / (8 pi), Gamma(e mu) = m |Gamma_emu|^2 / (4 pi)
    g = t2.gamma_pp(v, m, 1e-6)
    w = t2.hpp_lepton_widths(g, 300.0)
    assert float(w[EE]) == pytest.approx(300.0 * abs(complex(g[0, 0])) ** 2 / (8 * math.pi), rel=1e-13)
    assert float(w[EMU]) == pytest.approx(300.0 * abs(complex(g[0, 1])) ** 2 / (4 * math.pi), rel=1e-13)


def test_normal_ordering_m1_zero(brs):
    """FHHLW (NH, m1 = 0): BR(ee) tiny, mu mu, mu tau, tau tau dominate, for any phases.
    |M_ee| <= m2 s12^2 c13^2 + m3 s13^2 ~ 4 meV, so BR(ee) <= |M_ee|^2 / sum m^2 < 1%.
    H+: BR(e nu) = (m2^2 s12^2 c13^2 + m3^2 s13^2)/sum m^2 ~ 3%; mu nu, tau nu ~ 1/2 each."""
    for phi2 in np.linspace(0.0, 2 * np.pi, 7):
        for delta in (0.0, 1.5, 3.7):
            point = NO[:3] + (delta,) + NO[4:]
            out = brs(*_args(point, 0.0, phi2, 0.0))
            hpp, hp = out[:6], out[6:]
            assert float(hpp[EE]) < 0.01
            assert float(hpp[MUMU] + hpp[MUTAU] + hpp[TAUTAU]) > 0.9
            assert float(hp[0]) < 0.05
            assert 0.4 < float(hp[1]) < 0.6 and 0.4 < float(hp[2]) < 0.6
    out = brs(*_args(NO, 0.0, 0.0, 0.0))
    assert all(float(out[k]) > 0.2 for k in (MUMU, MUTAU, TAUTAU))


def test_inverted_ordering_m3_zero(brs):
    """FHHLW (IH, m3 = 0): without phases BR(ee) ~ 1/2 and largest; Phi1 = pi suppresses it.

    With m3 = 0, M_ee = c13^2 (c12^2 m1 + s12^2 m2 e^{-i Phi1}) and sum m^2 = m1^2 + m2^2 with
    m1 ~ m2, so BR(ee) = c13^4 |c12^2 m1 + s12^2 m2|^2 / (m1^2 + m2^2) -> c13^4 / 2 = 0.478 (Phi1 = 0)
    and -> c13^4 cos^2(2 th12) / 2 ~ 0.07 (Phi1 = pi). H+: BR(e nu) = c13^2 / 2 ~ 0.49 for any phases.
    """
    c12, s12, c13 = math.cos(IO[0]), math.sin(IO[0]), math.cos(IO[1])
    m1, m2, _ = (float(x) for x in masses(0.0, IO[4], IO[5]))
    exact = c13**4 * (c12**2 * m1 + s12**2 * m2) ** 2 / (m1**2 + m2**2)
    out = brs(*_args(IO, 0.0, 0.0, 0.0))
    assert float(out[EE]) == pytest.approx(exact, rel=1e-12)
    assert 0.45 < float(out[EE]) < 0.5
    assert float(out[EE]) == float(jnp.max(out[:6]))
    flipped = brs(*_args(IO, np.pi, 0.0, 0.0))
    assert float(flipped[EE]) == pytest.approx(c13**4 * (c12**2 * m1 - s12**2 * m2) ** 2 / (m1**2 + m2**2), rel=1e-12)
    assert float(flipped[EE]) < 0.1 and float(flipped[EMU] + flipped[ETAU]) > 0.75
    for phis in ((0.0, 0.0), (np.pi, 0.0), (1.0, 2.0)):
        hp = brs(*_args(IO, *phis, 0.0))[6:]
        assert float(hp[0]) == pytest.approx(c13**2 / 2 * (1 + (m1**2 - m2**2) / (m1**2 + m2**2) * math.cos(2 * IO[0])))
        assert 0.45 < float(hp[0]) < 0.5


@pytest.mark.parametrize("point", [NO, IO], ids=["NO", "IO"])
@pytest.mark.parametrize("phis", [(0.0, 0.0), (2.0, 0.7)])
def test_quasi_degenerate_limit(brs, point, phis):
    """m_lightest -> 0.1 eV and beyond: M -> m V* V^dagger, so BR -> (2 - delta_ij) |(V V^T)_ij|^2 / 3
    (FHHLW, QD spectrum); the distance falls monotonically, like dm3l / m^2, and H+ BRs -> 1/3 each."""
    v = pmns(*point[:4], *phis)
    vvt = np.abs(np.asarray(v @ v.T)) ** 2
    limit = np.array([vvt[i, j] * (2 - (i == j)) / 3 for i, j in t2.HPP_INDICES])
    dists = []
    for ml in (0.0, 0.03, 0.1, 0.3, 1.0):
        out = np.asarray(brs(*_args(point, *phis, ml)))
        dists.append(np.max(np.abs(out[:6] - limit)) + np.max(np.abs(out[6:] - 1 / 3)))
    assert all(a > b for a, b in zip(dists, dists[1:]))
    assert dists[2] < 0.1 and dists[4] < 3e-3
    if phis == (0.0, 0.0) and point[3] == 0.0:
        assert np.allclose(limit, [1 / 3, 0, 0, 1 / 3, 0, 1 / 3])


def test_hp_independent_of_majorana_phases_and_sums(brs):
    a = brs(*_args(NO, 0.0, 0.0, 0.02))
    b = brs(*_args(NO, 2.1, 5.0, 0.02))
    assert np.allclose(a[6:], b[6:], rtol=1e-13)
    assert not np.allclose(a[:6], b[:6], rtol=1e-3)


PARAM_NAMES = ("theta12", "theta13", "theta23", "delta", "phi1", "phi2", "m_lightest", "dm21", "dm3l")


@pytest.mark.parametrize(
    "args",
    [
        _args(NO, 0.4, 1.3, 0.02),
        _args(IO, 2.0, 0.7, 0.005),
        _args(NO, 0.4, 1.3, 0.5),  # near-degenerate: (m3 - m1)/m1 ~ 5e-3
        (0.59, 0.15, 0.76, 3.7, 0.4, 1.3, 0.01, 1e-7, 2.5e-3),  # m1 ~ m2: dm21 -> 1e-7 eV^2
    ],
    ids=["NO", "IO", "NO-QD", "m1~m2"],
)
def test_gradients_vs_finite_differences(brs_vec, args):
    """Jacobian of all 9 BRs w.r.t. all 9 parameters vs central differences (step 1e-5 relative)."""
    x0 = jnp.array(args)
    f, jacfwd, jacrev = brs_vec
    jac = np.asarray(jacfwd(x0))
    rev = np.asarray(jacrev(x0))
    assert np.allclose(jac, rev, rtol=1e-10, atol=1e-12)
    for k, name in enumerate(PARAM_NAMES):
        h = 1e-5 * max(abs(float(x0[k])), 1e-2 if k < 7 else abs(float(x0[k])))
        fd = (np.asarray(f(x0.at[k].add(h))) - np.asarray(f(x0.at[k].add(-h)))) / (2 * h)
        scale = max(np.max(np.abs(fd)), 1e-3 / abs(float(x0[k])) if k >= 6 else 1e-3)
        assert np.max(np.abs(jac[:, k] - fd)) < 1e-5 * scale, name


def test_jit_equals_eager_vmap_equals_loop_no_recompile(brs, brs_vec):
    rng = np.random.default_rng(1)
    batch = np.column_stack(
        [rng.uniform(0.5, 0.65, 3), rng.uniform(0.13, 0.16, 3), rng.uniform(0.7, 0.9, 3),
         rng.uniform(0, 2 * np.pi, (3, 3)), rng.uniform(0, 0.2, 3), np.full(3, 7.49e-5),
         np.array([2.5e-3, -2.5e-3, 2.6e-3])]
    )
    eager = np.stack([np.concatenate([t2.hpp_branching_ratios(*row), t2.hp_branching_ratios(*row)]) for row in batch])
    vm = np.asarray(jax.vmap(brs_vec[0])(jnp.asarray(batch)))
    loop = np.stack([np.asarray(brs(*row)) for row in batch])
    assert np.allclose(vm, eager, rtol=1e-13, atol=1e-15)
    assert np.allclose(loop, eager, rtol=1e-13, atol=1e-15)
    # broadcasting over leading axes gives the same rows
    bcast = t2.hpp_branching_ratios(*(jnp.asarray(batch[:, k]) for k in range(9)))
    assert np.allclose(bcast, eager[:, :6], rtol=1e-13, atol=1e-15)
    traced = jax.jit(t2.hpp_ww_branching_ratio)
    traced(1e-4, 300.0, 0.0, 7.49e-5, 2.5e-3)
    n = traced._cache_size()
    traced(3e-5, 500.0, 0.01, 7.4e-5, -2.5e-3)
    assert traced._cache_size() == n


@settings(max_examples=25)
@given(
    th12=st.floats(0.5, 0.65), th13=st.floats(0.13, 0.16), th23=st.floats(0.6, 0.95),
    delta=st.floats(0, 2 * np.pi), phi1=st.floats(0, 2 * np.pi), phi2=st.floats(0, 2 * np.pi),
    m_lightest=st.floats(0.0, 0.8), dm21=st.floats(6.5e-5, 8.5e-5), dm3l=st.floats(2.3e-3, 2.7e-3),
    io=st.booleans(),
)
def test_no_nan_and_sum_to_one(brs, th12, th13, th23, delta, phi1, phi2, m_lightest, dm21, dm3l, io):
    out = np.asarray(brs(th12, th13, th23, delta, phi1, phi2, m_lightest, dm21, -dm3l if io else dm3l))
    assert np.all(np.isfinite(out)) and np.all(out >= 0)
    assert out[:6].sum() == pytest.approx(1.0, abs=1e-13)
    assert out[6:].sum() == pytest.approx(1.0, abs=1e-13)


def test_ww_width_and_crossover():
    """Gamma(H++ -> W+W+) against the independent helicity-sum form G^2 beta [2 + (m^2/2mW^2 - 1)^2]
    / (32 pi m) with G = sqrt(2) g^2 v_Delta, g = 2 m_W / v; crossover ~ 1e-4 GeV (FHHLW abstract)."""
    m_w, v = t2.M_W.value, t2.V_HIGGS.value
    g2 = 4 * m_w**2 / v**2
    for m in (200.0, 300.0, 1000.0):
        beta = math.sqrt(1 - 4 * m_w**2 / m**2)
        ref = 2 * g2**2 * 1e-8 * beta * (2 + (m**2 / (2 * m_w**2) - 1) ** 2) / (32 * math.pi * m)
        assert float(t2.hpp_ww_width(1e-4, m)) == pytest.approx(ref, rel=1e-12)
    assert float(t2.hpp_ww_width(1e-3, 150.0)) == 0.0
    assert float(t2.hpp_ww_width(2e-4, 300.0)) == pytest.approx(4 * float(t2.hpp_ww_width(1e-4, 300.0)))
    for dm3l in (2.513e-3, -2.484e-3):
        vc = float(t2.crossover_v_delta(300.0, 0.0, 7.49e-5, dm3l))
        assert 5e-5 < vc < 2e-4
        assert float(t2.hpp_ww_branching_ratio(vc, 300.0, 0.0, 7.49e-5, dm3l)) == pytest.approx(0.5, rel=1e-12)
    brw = np.asarray(t2.hpp_ww_branching_ratio(jnp.logspace(-6, -2, 9), 300.0, 0.0, 7.49e-5, 2.513e-3))
    assert np.all(np.diff(brw) > 0) and brw[0] < 1e-6 and brw[-1] > 1 - 1e-6
    grad = jax.grad(t2.hpp_ww_branching_ratio)(1e-4, 300.0, 0.0, 7.49e-5, 2.513e-3)
    h = 1e-9
    fd = (t2.hpp_ww_branching_ratio(1e-4 + h, 300.0, 0.0, 7.49e-5, 2.513e-3)
          - t2.hpp_ww_branching_ratio(1e-4 - h, 300.0, 0.0, 7.49e-5, 2.513e-3)) / (2 * h)
    assert float(grad) == pytest.approx(float(fd), rel=1e-6)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: t2.gamma_pp(jnp.eye(3), jnp.ones(3) * 0.01, -1e-6), "v_delta"),
        (lambda: t2.gamma_p(jnp.eye(3), jnp.array([-0.01, 0.01, 0.05]), 1e-6), "m_ev"),
        (lambda: t2.hpp_branching_ratios(0.6, 0.15, 0.8, 1.0, 0, 0, -0.01, 7.5e-5, 2.5e-3), "m_lightest"),
        (lambda: t2.hp_branching_ratios(0.6, 0.15, 0.8, 1.0, 0, 0, 0.01, 0.0, 2.5e-3), "dm21"),
        (lambda: t2.hpp_branching_ratios(0.6, 0.15, 0.8, 1.0, 0, 0, 0.01, 7.5e-5, 0.0), "dm3l"),
        (lambda: t2.hpp_lepton_widths(jnp.eye(3), -300.0), "m_hpp"),
        (lambda: t2.hpp_ww_branching_ratio(-1e-4, 300.0, 0.0, 7.5e-5, 2.5e-3), "v_delta"),
        (lambda: t2.crossover_v_delta(0.0, 0.0, 7.5e-5, 2.5e-3), "m_hpp"),
    ],
)
def test_bad_inputs(call, match):
    with pytest.raises(ValueError, match=match):
        call()
