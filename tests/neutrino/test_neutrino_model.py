"""The 'neutrino' model and its likelihoods: predictions against the physics modules, the JAX
contract (jit, vmap, gradients, no NaN) and the NuFIT / mass-limit datasets."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jaxbsm import get_model
from jaxbsm.likelihoods import build_likelihood
from jaxbsm.neutrino import double_beta, type_ii

MODEL = get_model("neutrino")
NAMES = MODEL.parameter_names
SCALARS = ["m_bb", "m_beta", "sum_mnu", "J_CP", "inv_T_half(136Xe)", "BR(H++->ee)", "BR(H++->mumu)", "BR(H+->e nu)"]


def _point(**kw):
    return {**MODEL.defaults(), **kw}


def _vec(x):
    out = MODEL.predict(dict(zip(NAMES, x)))
    return jnp.stack([out[k] for k in SCALARS])


@pytest.fixture(scope="module")
def compiled():
    return jax.jit(_vec), jax.jit(jax.vmap(_vec)), jax.jit(jax.jacfwd(_vec))


@pytest.mark.parametrize("dm3l", [2.534, -2.510])
def test_branching_ratios_match_type_ii_module(dm3l):
    """The model's H++/H+ BRs equal type_ii.hpp/hp_branching_ratios (angles in rad, masses in eV)."""
    p = _point(dm3l=dm3l, m_lightest=0.02, phi1=40.0, phi2=250.0, delta_cp=212.0)
    out = MODEL.predict(p)
    args = (np.arcsin(np.sqrt(p["sin2_theta12"])), np.arcsin(np.sqrt(p["sin2_theta13"])),
            np.arcsin(np.sqrt(p["sin2_theta23"])), np.deg2rad(212.0), np.deg2rad(40.0), np.deg2rad(250.0),
            0.02, p["dm21"] * 1e-5, dm3l * 1e-3)
    hpp = np.asarray(type_ii.hpp_branching_ratios(*args))
    hp = np.asarray(type_ii.hp_branching_ratios(*args))
    for k, ch in enumerate(type_ii.HPP_CHANNELS):
        assert float(out[f"BR(H++->{ch})"]) == pytest.approx(hpp[k], rel=1e-12)
    for k, ch in enumerate(type_ii.HP_CHANNELS):
        assert float(out[f"BR(H+->{ch})"]) == pytest.approx(hp[k], rel=1e-12)


def test_0nubb_rate_uses_m_bb_and_nme():
    p = _point(m_lightest=0.05, nme_136Xe=3.0)
    out = MODEL.predict(p)
    expect = double_beta.inverse_half_life(out["m_bb"], "136Xe", 3.0)
    assert float(out["inv_T_half(136Xe)"]) == pytest.approx(float(expect), rel=1e-14)


def test_contract(compiled):
    jf, vf, jac = compiled
    rng = np.random.default_rng(5)
    pts = []
    for dm3l in (2.5, -2.5):
        x = np.array([MODEL.defaults()[n] for n in NAMES])
        x[NAMES.index("dm3l")] = dm3l
        x[NAMES.index("m_lightest")] = rng.uniform(0.001, 0.1)
        x[NAMES.index("phi1")], x[NAMES.index("phi2")] = rng.uniform(0, 360, 2)
        pts.append(x)
    pts = np.stack(pts)
    batched = np.asarray(vf(jnp.asarray(pts)))
    for i, x in enumerate(pts):
        eager = np.asarray(_vec(jnp.asarray(x)))
        np.testing.assert_allclose(np.asarray(jf(jnp.asarray(x))), eager, rtol=1e-13)
        np.testing.assert_allclose(batched[i], eager, rtol=1e-13)
        x0 = jnp.asarray(x)
        h = 1e-6 * np.maximum(1.0, np.abs(x))
        fd = np.stack([(_vec(x0.at[k].add(h[k])) - _vec(x0.at[k].add(-h[k]))) / (2 * h[k]) for k in range(len(x))], axis=1)
        analytic = np.asarray(jac(x0))
        for row in range(len(SCALARS)):  # tolerance relative to each observable's largest derivative
            np.testing.assert_allclose(analytic[row], fd[row], rtol=1e-5, atol=1e-7 * np.abs(fd[row]).max(), err_msg=SCALARS[row])


@given(
    st.floats(0.25, 0.37), st.floats(0.019, 0.026), st.floats(0.38, 0.65), st.floats(0.0, 360.0),
    st.floats(-2.7, 2.7).filter(lambda d: abs(d) > 2.2), st.floats(0.0, 0.5), st.floats(0.0, 360.0), st.floats(0.0, 360.0),
)
def test_no_nan_over_box(compiled, s12, s13, s23, delta, dm3l, ml, phi1, phi2):
    _, _, jac = compiled
    x = np.array([MODEL.defaults()[n] for n in NAMES])
    for name, val in zip(("sin2_theta12", "sin2_theta13", "sin2_theta23", "delta_cp", "dm3l", "m_lightest", "phi1", "phi2"),
                         (s12, s13, s23, delta, dm3l, ml, phi1, phi2)):
        x[NAMES.index(name)] = val
    val = np.asarray(compiled[0](jnp.asarray(x)))
    assert np.all(np.isfinite(val))
    j = np.asarray(jac(jnp.asarray(x)))
    assert np.all(np.isfinite(j))


def test_likelihoods_build_and_reject_unphysical_points():
    lk = build_likelihood("neutrino", ["neutrino-nufit6-NO-sk", "neutrino-mass"])
    assert np.isfinite(float(lk.log_likelihood(MODEL.defaults())))
    assert float(lk.log_likelihood(_point(dm3l=0.0))) == -np.inf
    assert float(lk.log_likelihood(_point(m_lightest=-0.1))) == -np.inf
    io = build_likelihood("neutrino", ["neutrino-nufit6-IO-sk"])
    # IO at its own NuFIT best fit: only the NuFIT chi2 offset (6.1) remains
    best_io = _point(sin2_theta12=0.308, sin2_theta13=0.02231, sin2_theta23=0.550, delta_cp=274.0, dm21=7.49, dm3l=-2.484)
    assert -2 * float(io.log_likelihood(best_io)) == pytest.approx(6.1, abs=1e-12)


def test_cosmology_disfavours_inverted_ordering():
    """At m_lightest = 0, Sigma m = 0.059 (NO) vs 0.099 eV (IO): DESI DR2 (< 0.0642 eV, 95% CL) penalises IO."""
    lk = build_likelihood("neutrino", ["neutrino-mass-desi"])
    no, io = _point(dm3l=2.513), _point(dm3l=-2.484)
    k = [i for i, t in enumerate(lk.term_names) if t.startswith("sum_mnu")][0]
    chi2_no, chi2_io = (-2 * float(lk.pointwise(p)[k]) for p in (no, io))
    sigma = 0.0642 / 1.6448536269514722
    sum_io, sum_no = (float(MODEL.predict(p)["sum_mnu"]) for p in (io, no))
    assert chi2_io - chi2_no == pytest.approx((sum_io**2 - sum_no**2) / sigma**2, rel=1e-6)
    assert chi2_io - chi2_no > 4


def test_m_bb_gradient_finite_at_exact_cancellation():
    """m_bb = |sum V_ei^2 m_i| has a cone kink at 0 (reachable in NO for m_lightest ~ 2-7 meV); at an
    exact zero (V_e = (1, i, 0)/sqrt2, m = (1, 1, 0): 1/2 - 1/2 = 0) the gradient is 0, not NaN."""
    from jaxbsm.neutrino import spectrum

    row = jnp.array([1.0, 1j, 0.0]) / jnp.sqrt(2.0)
    v = jnp.stack([row, jnp.array([0.0, 0.0, 1.0 + 0j]), jnp.array([1.0, -1j, 0.0]) / jnp.sqrt(2.0)])
    m = jnp.array([1.0, 1.0, 0.0])
    assert float(spectrum.m_betabeta(v, m)) == 0.0
    g = np.asarray(jax.grad(lambda mm: spectrum.m_betabeta(v, mm))(m))
    assert np.all(np.isfinite(g))


def test_gradients_finite_at_the_corners_of_the_angle_box(compiled):
    """Issue 19: sin²θ = 0 or 1 (corners of the box) gave NaN gradients (d arcsin√s²/ds² = ∞ times 0)."""
    import itertools

    _, _, jac = compiled
    for corner in itertools.product((0.0, 1.0), repeat=3):
        x = np.array([MODEL.defaults()[n] for n in NAMES])
        for name, val in zip(("sin2_theta12", "sin2_theta13", "sin2_theta23"), corner):
            x[NAMES.index(name)] = val
        assert np.all(np.isfinite(np.asarray(jac(jnp.asarray(x))))), corner


def test_inverted_ordering_needs_dm32_above_dm21():
    """Issue 19: IO with |Δm²32| < Δm²21 has m1 < m3 (no inverted spectrum) and had a finite log L."""
    assert bool(MODEL.physical(_point(dm3l=-2.5)))
    assert not bool(MODEL.physical(_point(dm3l=-0.05, dm21=7.49)))  # |Δm²32| = 5e-5 < Δm²21 = 7.49e-5 eV²
    lk = build_likelihood("neutrino", ["neutrino-mass"])
    assert float(lk.log_likelihood(_point(dm3l=-0.05))) == -np.inf
