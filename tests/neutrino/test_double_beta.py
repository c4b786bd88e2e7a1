"""0nu beta beta half-lives and m_bb limits (double_beta.py) against the experiments' quoted ranges."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxbsm.neutrino import double_beta as dbd


@pytest.mark.parametrize(
    "isotope, t_half, quoted_mev, rtol",
    [
        ("136Xe", 3.8e26, (28.0, 122.0), 0.01),  # KamLAND-Zen 2024, arXiv:2406.11438
        ("136Xe", 2.3e26, (36.0, 156.0), 0.01),  # KamLAND-Zen 2023, PRL 130, 051801
        ("76Ge", 1.8e26, (79.0, 180.0), 0.03),  # GERDA final, PRL 125, 252502 (2020)
    ],
)
def test_experiments_m_bb_ranges(isotope, t_half, quoted_mev, rtol):
    """m_bb limits from T_1/2 limits with Kotila-Iachello G0nu, g_A = 1.27 and the ISOTOPES NME range.

    KamLAND-Zen: 28.2-121.3 meV (quoted 28-122) and 36.3-155.9 meV (quoted 36-156), within 1%.
    GERDA: 80.4-182.6 meV vs the quoted 79-180, 1.8% and 1.4% high: the ratio of the ends (2.27 vs
    2.28) matches the NME range, the common offset points to a ~3% larger G0nu g_A^4 in GERDA's
    evaluation (e.g. a different phase-space factor), not checked against the paper text here.
    """
    nme_lo, nme_hi = dbd.ISOTOPES[isotope].nme_range
    got = 1e3 * np.asarray(dbd.m_bb_limit(t_half, isotope, jnp.array([nme_hi, nme_lo])))
    np.testing.assert_allclose(got, quoted_mev, rtol=rtol)


def test_formula_against_numpy():
    """1/T = G0nu g_A^4 M^2 (m_bb/m_e)^2 (Kotila & Iachello 2012, eq. 1), with their Table III G0nu."""
    m_bb, nme = 0.05, 3.0
    for iso, g0nu in (("76Ge", 2.363e-15), ("136Xe", 14.58e-15)):
        want = g0nu * 1.27**4 * nme**2 * (m_bb / 510998.95) ** 2
        np.testing.assert_allclose(dbd.inverse_half_life(m_bb, iso, nme), want, rtol=1e-14)
        np.testing.assert_allclose(dbd.half_life(m_bb, iso, nme), 1.0 / want, rtol=1e-14)
        np.testing.assert_allclose(dbd.inverse_half_life(m_bb, iso, nme, g_a=1.0), want / 1.27**4, rtol=1e-14)


@settings(max_examples=25)
@given(st.floats(1e-4, 1.0), st.floats(0.5, 7.0), st.floats(1e24, 1e29), st.sampled_from(sorted(dbd.ISOTOPES)))
def test_limit_inverts_half_life_and_no_nan(m_bb, nme, t_half, iso):
    np.testing.assert_allclose(dbd.half_life(dbd.m_bb_limit(t_half, iso, nme), iso, nme), t_half, rtol=1e-13)
    np.testing.assert_allclose(dbd.m_bb_limit(dbd.half_life(m_bb, iso, nme), iso, nme), m_bb, rtol=1e-13)
    grads = jax.grad(lambda x: dbd.m_bb_limit(x[0], iso, x[1]) + dbd.inverse_half_life(x[2], iso, x[1]) * 1e25)(
        jnp.array([t_half, nme, m_bb])
    )
    assert np.all(np.isfinite(grads))


def test_jit_vmap_and_gradient():
    m_bb = jnp.array([1e-3, 0.018, 0.05, 0.2])
    f = jax.jit(lambda m, nme: dbd.inverse_half_life(m, "136Xe", nme))
    eager = dbd.inverse_half_life(m_bb, "136Xe", 2.5)
    np.testing.assert_allclose(f(m_bb, 2.5), eager, rtol=1e-15)
    np.testing.assert_allclose(jax.vmap(f, in_axes=(0, None))(m_bb, 2.5), [f(m, 2.5) for m in m_bb], rtol=1e-15)
    size = f._cache_size()
    f(m_bb * 2, 3.0)
    assert f._cache_size() == size
    for m in (0.018, 0.2):
        for argnum, x in ((0, m), (1, 2.5)):
            g = jax.grad(f, argnums=argnum)(m, 2.5)
            h = 1e-6 * x
            args = [m, 2.5]
            args[argnum] = x + h
            up = f(*args)
            args[argnum] = x - h
            np.testing.assert_allclose(g, (up - f(*args)) / (2 * h), rtol=1e-8)
            np.testing.assert_allclose(g, 2.0 * f(m, 2.5) / x, rtol=1e-13)  # rate ∝ m_bb^2 nme^2


def test_unknown_isotope_raises():
    with pytest.raises(ValueError, match=r"'130Te'.*allowed: \['136Xe', '76Ge'\]"):
        dbd.half_life(0.05, "130Te", 3.0)
    with pytest.raises(ValueError, match="allowed"):
        dbd.m_bb_limit(1e26, "Ge76", 3.0)
