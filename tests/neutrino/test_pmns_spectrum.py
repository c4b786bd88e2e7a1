"""PMNS matrix (pmns.py) and mass spectra / kinematic observables (spectrum.py).

References: seed 000 (PMNS parametrisation and Majorana phases); PDG 2024 eqs. 14.34 and 14.45;
NuFIT 6.0 (Esteban et al., arXiv:2410.05380) best fit, with the m_bb bands at m_lightest = 0 of
1.5-3.7 meV (NO) and 18-48 meV (IO).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxbsm.neutrino import pmns, spectrum

TWO_PI = 2.0 * np.pi
angle = st.floats(0.0, np.pi / 2)
phase = st.floats(0.0, TWO_PI)

# NuFIT 6.0 best fit (arXiv:2410.05380, with SK atmospheric data): sin^2 and Delta m^2 in eV^2.
NUFIT_NO = dict(s12sq=0.307, s13sq=0.02195, s23sq=0.561, dm21=7.49e-5, dm3l=2.534e-3)
NUFIT_IO = dict(s12sq=0.307, s13sq=0.02224, s23sq=0.562, dm21=7.49e-5, dm3l=-2.510e-3)


def _angles(p):
    return [np.arcsin(np.sqrt(p[k])) for k in ("s12sq", "s13sq", "s23sq")]


def observables(p):
    """p = (theta12, theta13, theta23, delta, Phi1, Phi2, m_lightest, dm21, dm3l) -> (m_bb, m_beta, Sigma)."""
    v = pmns.pmns(*p[:6])
    m = spectrum.masses(p[6], p[7], p[8])
    return jnp.stack([spectrum.m_betabeta(v, m), spectrum.m_beta(v, m), spectrum.sum_masses(m)])


@pytest.fixture(scope="module")
def obs_jit():
    return jax.jit(observables)


@pytest.fixture(scope="module")
def jac_jit():
    return jax.jit(jax.jacfwd(observables))


def numpy_pmns(t12, t13, t23, delta, phi1, phi2):
    """Independent V = R23 R13(delta) R12 diag(e^{i Phi1/2}, 1, e^{i Phi2/2}) from rotation matrices."""
    c, s = np.cos, np.sin
    r23 = np.array([[1, 0, 0], [0, c(t23), s(t23)], [0, -s(t23), c(t23)]], dtype=complex)
    r13 = np.array(
        [[c(t13), 0, s(t13) * np.exp(-1j * delta)], [0, 1, 0], [-s(t13) * np.exp(1j * delta), 0, c(t13)]]
    )
    r12 = np.array([[c(t12), s(t12), 0], [-s(t12), c(t12), 0], [0, 0, 1]], dtype=complex)
    return r23 @ r13 @ r12 @ np.diag([np.exp(0.5j * phi1), 1.0, np.exp(0.5j * phi2)])


# --- PMNS ------------------------------------------------------------------------------------------


@settings(max_examples=25)
@given(angle, angle, angle, phase, phase, phase)
def test_unitarity_and_numpy_product(t12, t13, t23, d, p1, p2):
    v = np.asarray(pmns.pmns(t12, t13, t23, d, p1, p2))
    assert np.max(np.abs(v @ v.conj().T - np.eye(3))) < 1e-14
    assert np.max(np.abs(v.conj().T @ v - np.eye(3))) < 1e-14
    np.testing.assert_allclose(v, numpy_pmns(t12, t13, t23, d, p1, p2), atol=1e-15)


@settings(max_examples=25)
@given(angle, angle, angle, phase, phase, phase)
def test_pdg_seed_phase_conversion(t12, t13, t23, d, p1, p2):
    """Seed diag(e^{iPhi1/2}, 1, e^{iPhi2/2}) and PDG diag(1, e^{i a21/2}, e^{i a31/2}) give one physics."""
    a21, a31 = pmns.pdg_majorana_phases(p1, p2)
    v_seed = pmns.pmns(t12, t13, t23, d, p1, p2)
    v_pdg = pmns.dirac_pmns(t12, t13, t23, d) * jnp.exp(0.5j * jnp.array([0.0, a21, a31]))
    m = jnp.array([0.01, 0.013, 0.051])
    np.testing.assert_allclose(spectrum.m_betabeta(v_seed, m), spectrum.m_betabeta(v_pdg, m), rtol=1e-12, atol=1e-17)
    np.testing.assert_allclose(jnp.abs(v_seed[0]) ** 2, jnp.abs(v_pdg[0]) ** 2, atol=1e-15)
    back = np.array(pmns.seed_majorana_phases(a21, a31))
    np.testing.assert_allclose(np.exp(1j * back), np.exp(1j * np.array([p1, p2])), atol=1e-12)


@settings(max_examples=25)
@given(angle, angle, angle, phase, phase, phase)
def test_jarlskog_formula_is_matrix_invariant(t12, t13, t23, d, p1, p2):
    v = pmns.pmns(t12, t13, t23, d, p1, p2)
    np.testing.assert_allclose(pmns.jarlskog_from_matrix(v), pmns.jarlskog(t12, t13, t23, d), atol=1e-16)


# --- spectra ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("dm3l", [2.534e-3, -2.510e-3])
@pytest.mark.parametrize("m_lightest", [0.0, 1e-3, 0.01, 0.1])
def test_spectrum_reproduces_splittings(m_lightest, dm3l):
    """dm21 = m2^2 - m1^2 and dm3l = m3^2 - m1^2 (NO) or m3^2 - m2^2 (IO), NuFIT's dm3l convention.

    Tolerance 1e-15 relative, times the condition number m_max^2/|dm| of the subtraction (1 for a
    hierarchical spectrum, 133 at m_lightest = 0.1 eV where m1 ~ m2).
    """
    dm21 = 7.49e-5
    m1, m2, m3 = np.asarray(spectrum.masses(m_lightest, dm21, dm3l))
    dm3l_back = m3**2 - (m1**2 if dm3l > 0 else m2**2)
    for dm, back in ((dm21, m2**2 - m1**2), (dm3l, dm3l_back)):
        cond = max(1.0, max(m1, m2, m3) ** 2 / abs(dm))
        assert abs(back - dm) <= 1e-15 * cond * abs(dm)
    assert (m1 < m2 < m3) if dm3l > 0 else (m3 < m1 < m2)
    assert min(m1, m2, m3) == pytest.approx(m_lightest, abs=1e-18)


@pytest.mark.parametrize(
    "fit, band_mev, tol_mev", [(NUFIT_NO, (1.5, 3.7), 0.01), (NUFIT_IO, (18.0, 48.0), 0.5)]
)
def test_mbb_band_at_zero_lightest_mass(fit, band_mev, tol_mev):
    """NuFIT 6.0 best fit, m_lightest = 0: NO 1.49-3.70 meV, IO 18.4-48.5 meV (quoted as 1.5-3.7, 18-48)."""
    t12, t13, t23 = _angles(fit)
    v = pmns.pmns(t12, t13, t23, 3.4)
    lo, hi = spectrum.m_betabeta_band(v, spectrum.masses(0.0, fit["dm21"], fit["dm3l"]))
    np.testing.assert_allclose(1e3 * np.array([lo, hi]), band_mev, atol=tol_mev)


@pytest.mark.parametrize("fit", [NUFIT_NO, NUFIT_IO])
@pytest.mark.parametrize("m_lightest", [0.0, 0.1])
def test_mbb_band_equals_phase_scan(fit, m_lightest):
    """The closed-form band equals min/max of m_bb over a dense numpy scan of (Phi1, Phi2).

    delta = 0 (delta only shifts Phi2 in m_bb), so the extremal phases are 0 and 2 pi (Phi/2 = 0, pi),
    which the grid (step 4 pi/720) contains: the scan hits the extremes exactly.
    """
    t12, t13, t23 = _angles(fit)
    m = np.asarray(spectrum.masses(m_lightest, fit["dm21"], fit["dm3l"]))
    v = numpy_pmns(t12, t13, t23, 0.0, 0.0, 0.0)
    phis = np.linspace(0.0, 2 * TWO_PI, 721)  # Phi/2 covers [0, 2 pi)
    p1, p2 = np.meshgrid(phis, phis, indexing="ij")
    ue2 = v[0] ** 2
    mbb = np.abs(ue2[0] * m[0] * np.exp(1j * p1) + ue2[1] * m[1] + ue2[2] * m[2] * np.exp(1j * p2))
    lo, hi = spectrum.m_betabeta_band(jnp.asarray(v), jnp.asarray(m))
    np.testing.assert_allclose([lo, hi], [mbb.min(), mbb.max()], rtol=1e-12, atol=1e-15)


@settings(max_examples=25)
@given(angle, angle, angle, phase, phase, phase, st.floats(0.0, 0.5), st.sampled_from([2.534e-3, -2.510e-3]))
def test_kinematic_observables_against_numpy(t12, t13, t23, d, p1, p2, ml, dm3l):
    dm21 = 7.49e-5
    v = numpy_pmns(t12, t13, t23, d, p1, p2)
    m2 = np.array([ml**2, ml**2 + dm21, ml**2 + dm3l]) if dm3l > 0 else np.array(
        [ml**2 - dm3l - dm21, ml**2 - dm3l, ml**2]
    )
    m = np.sqrt(m2)
    got = np.asarray(observables(jnp.array([t12, t13, t23, d, p1, p2, ml, dm21, dm3l])))
    want = [abs(np.sum(v[0] ** 2 * m)), np.sqrt(np.sum(np.abs(v[0]) ** 2 * m2)), m.sum()]
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-17)


# --- JAX behaviour ---------------------------------------------------------------------------------

POINTS = np.array(
    [
        [0.58, 0.149, 0.85, 3.4, 0.3, 2.0, 0.0, 7.49e-5, 2.534e-3],
        [0.58, 0.149, 0.85, 3.4, 0.3, 2.0, 0.0, 7.49e-5, -2.510e-3],
        [0.60, 0.15, 0.75, 1.2, 4.0, 5.5, 0.02, 7.3e-5, 2.45e-3],
        [0.55, 0.14, 0.80, 5.0, 1.0, 3.0, 0.1, 7.6e-5, -2.55e-3],
        [0.59, 0.148, 0.90, 0.7, 2.5, 1.1, 0.1, 7.49e-5, 2.534e-3],
    ]
)


def test_jit_equals_eager_and_vmap_equals_loop(obs_jit):
    eager = np.stack([np.asarray(observables(jnp.asarray(p))) for p in POINTS])
    np.testing.assert_allclose(np.stack([obs_jit(p) for p in POINTS]), eager, rtol=1e-14)
    np.testing.assert_allclose(jax.vmap(observables)(jnp.asarray(POINTS)), eager, rtol=1e-14)


def test_no_recompilation_on_new_values(obs_jit):
    obs_jit(jnp.asarray(POINTS[0]))
    size = obs_jit._cache_size()
    obs_jit(jnp.asarray(POINTS[2]))
    assert obs_jit._cache_size() == size


@pytest.mark.parametrize("p", list(POINTS[[0, 1, 3, 4]]) + [POINTS[2]])
def test_gradients_against_finite_differences(obs_jit, jac_jit, p):
    """d(m_bb, m_beta, Sigma)/d(all 9 parameters) vs central differences, up to m_lightest = 0.1 eV.

    At m_lightest = 0 the one-sided region m_lightest < 0 is avoided with a forward-shifted stencil
    (points 0, h, 2h): the masses use m_lightest^2, so the derivative there is the right derivative.
    """
    jac = np.asarray(jac_jit(jnp.asarray(p)))
    f = obs_jit
    for k in range(p.size):
        h = 1e-6 * (abs(p[k]) if p[k] != 0.0 else 1e-2)
        e = np.zeros_like(p)
        e[k] = h
        if k == 6 and p[k] == 0.0:
            fd = (-3 * f(p) + 4 * f(p + e) - f(p + 2 * e)) / (2 * h)
        else:
            fd = (f(p + e) - f(p - e)) / (2 * h)
        scale = np.abs(np.asarray(f(p))) / max(abs(p[k]), h)
        err = np.abs(jac[:, k] - fd)
        assert np.all(err <= 1e-5 * np.abs(fd) + 1e-6 * scale + 1e-12), (k, jac[:, k], fd)


@settings(max_examples=25)
@given(
    st.floats(0.50, 0.70), st.floats(0.13, 0.17), st.floats(0.65, 0.95), phase, phase, phase,
    st.floats(0.0, 0.5), st.floats(6.8e-5, 8.1e-5), st.floats(2.3e-3, 2.7e-3), st.booleans(),
)
def test_no_nan_over_physical_box(obs_jit, jac_jit, t12, t13, t23, d, p1, p2, ml, dm21, dm3l_abs, inverted):
    """NuFIT 6.0 3-sigma-widened angles and splittings, all phases, m_lightest in [0, 0.5] eV."""
    p = jnp.array([t12, t13, t23, d, p1, p2, ml, dm21, -dm3l_abs if inverted else dm3l_abs])
    assert np.all(np.isfinite(obs_jit(p)))
    assert np.all(np.isfinite(jac_jit(p)))


def test_bad_inputs_raise():
    with pytest.raises(TypeError):
        pmns.pmns("0.5", 0.1, 0.7, 0.0)
    with pytest.raises(TypeError):
        spectrum.masses("0.0", 7.5e-5, 2.5e-3)
