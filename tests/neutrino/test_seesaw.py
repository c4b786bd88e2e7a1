"""Type I and inverse seesaw: identities, Casas-Ibarra round trip, full-matrix diagonalisation."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxbsm.neutrino import seesaw
from jaxbsm.neutrino.pmns import pmns
from jaxbsm.neutrino.spectrum import masses

EPS = np.finfo(float).eps
# NuFIT 6.0 best fits (Esteban et al., arXiv:2410.05380), a representative point only.
NO = dict(angles=(0.5878, 0.1494, 0.7557, 3.700), dm21=7.49e-5, dm3l=2.513e-3)
IO = dict(angles=(0.5878, 0.1499, 0.8360, 4.782), dm21=7.49e-5, dm3l=-2.484e-3)
R_GENERIC = (0.3 + 0.2j, 0.5 - 0.1j, 1.0 + 0.3j)


def _light(point, m_lightest, phi1=0.4, phi2=1.3):
    v = pmns(*point["angles"], phi1, phi2)
    return v, masses(m_lightest, point["dm21"], point["dm3l"])


def _rel(a, b):
    return float(jnp.max(jnp.abs(a - b)) / jnp.max(jnp.abs(b)))


def _random_complex(key, shape, scale=1.0):
    k1, k2 = jax.random.split(key)
    return scale * (jax.random.normal(k1, shape) + 1j * jax.random.normal(k2, shape))


@pytest.fixture(scope="module")
def ci_round_trip():
    """jit(parameters -> seesaw(casas_ibarra(...)) in eV, target V* m V^dagger in eV)."""

    def f(angles, phases, m_lightest, dm21, dm3l, m_heavy, z):
        v = pmns(*angles, *phases)
        m = masses(m_lightest, dm21, dm3l)
        y = seesaw.casas_ibarra(v, m, m_heavy, seesaw.complex_orthogonal(*z))
        m_d = y * seesaw.V_HIGGS.value / jnp.sqrt(2.0)
        light = seesaw.type_i_light_mass_matrix(m_d, jnp.diag(m_heavy).astype(complex)) / seesaw.EV_TO_GEV
        target = (jnp.conj(v) * m) @ jnp.conj(v.T)
        return light, target

    return jax.jit(f)


def test_complex_orthogonal_identity_and_broadcast():
    z12 = jnp.array([0.3 + 0.2j, 1.1 - 2.0j])[:, None]
    z13 = jnp.array([0.5 - 0.1j, -0.7 + 0.4j, 2.0 + 1.0j])
    r = seesaw.complex_orthogonal(z12, z13, 1.0 + 0.3j)
    assert r.shape == (2, 3, 3, 3)
    eye = jnp.eye(3)
    assert float(jnp.max(jnp.abs(jnp.swapaxes(r, -1, -2) @ r - eye))) < 1e-13
    assert np.allclose(jnp.linalg.det(r), 1.0, atol=1e-13)
    # real angles: an ordinary rotation, unitary too
    rr = seesaw.complex_orthogonal(0.3, 0.5, 1.0)
    assert float(jnp.max(jnp.abs(jnp.conj(rr.T) @ rr - eye))) < 1e-14


def test_type_i_formula_and_symmetry():
    key = jax.random.PRNGKey(0)
    m_d = _random_complex(key, (4, 3, 3))
    a = _random_complex(jax.random.PRNGKey(1), (4, 3, 3), 10.0)
    m_r = a + jnp.swapaxes(a, -1, -2)
    light = seesaw.type_i_light_mass_matrix(m_d, m_r)
    assert _rel(light, -m_d @ jnp.linalg.inv(m_r) @ jnp.swapaxes(m_d, -1, -2)) < 1e-12
    assert _rel(light, jnp.swapaxes(light, -1, -2)) < 1e-13


@pytest.mark.parametrize("point", [NO, IO], ids=["NO", "IO"])
@pytest.mark.parametrize("m_lightest", [0.0, 0.02, 0.2])
@pytest.mark.parametrize("z", [(0.0, 0.0, 0.0), R_GENERIC, (1.2 + 1.5j, -0.4 + 2.0j, 0.9 - 1.0j)])
def test_casas_ibarra_round_trip(ci_round_trip, point, m_lightest, z):
    """-M_D M_R^-1 M_D^T = V* m V^dagger to 1e-12 relative (R with Im z up to 2: |R| ~ e^2)."""
    light, target = ci_round_trip(
        jnp.array(point["angles"]), jnp.array([0.4, 1.3]), m_lightest, point["dm21"], point["dm3l"],
        jnp.array([1e9, 3e11, 2e14]), jnp.array(z),
    )
    assert _rel(light, target) < 1e-12


def test_casas_ibarra_jit_vmap_and_gradient(ci_round_trip):
    """jit = eager; vmap over heavy masses = loop; gradient of sum|Y|^2 w.r.t. M_R = finite differences."""
    v, m = _light(NO, 0.01)
    r = seesaw.complex_orthogonal(*R_GENERIC)
    heavy = jnp.array([[1e3, 2e3, 5e3], [1e10, 1e11, 1e12], [7.0, 8.0, 9.0]])
    f = lambda mh: seesaw.casas_ibarra(v, m, mh, r)  # noqa: E731
    jf = jax.jit(f)
    assert _rel(jf(heavy[0]), f(heavy[0])) < 1e-14
    batched = jax.vmap(jf)(heavy)
    for i in range(3):
        assert _rel(batched[i], f(heavy[i])) < 1e-14
    # |Y|^2 summed is linear in each M_k: analytic derivative check against central differences
    norm = jax.jit(lambda mh: jnp.sum(jnp.abs(f(mh)) ** 2))
    x = heavy[0]
    g = jax.grad(norm)(x)
    for k in range(3):
        h = 1e-4 * x[k]
        fd = (norm(x.at[k].add(h)) - norm(x.at[k].add(-h))) / (2 * h)
        assert float(g[k]) == pytest.approx(float(fd), rel=1e-7)


def test_full_type_i_matrix_reproduces_light_masses():
    """Singular values of the 6x6 matrix vs the input light masses (m_light ~ 0.01-0.05 eV).

    An SVD in float64 is backward stable: |sigma_i - m_i| <= c eps sigma_max with c ~ n. So the light
    masses are resolvable only while m_i >> eps M_R: at M_R ~ 1e2 GeV to ~1e-4, at 1e3 GeV to ~1e-2, and
    at M_R >~ 1e5 GeV (m/M_R < 1e-15) not at all; at the GUT scale (m/M_R ~ 1e-25) the light masses must
    come from type_i_light_mass_matrix. The seesaw corrections, O(M_D^2/M_R^2) ~ m/M_R, are far below
    these numerical limits here.
    """
    v, m = _light(NO, 0.01)
    r = seesaw.complex_orthogonal(*R_GENERIC)
    for scale in (1e1, 1e2, 1e3, 1e4, 1e6):
        heavy = scale * jnp.array([1.0, 2.0, 3.5])
        m_d = seesaw.casas_ibarra(v, m, heavy, r) * seesaw.V_HIGGS.value / jnp.sqrt(2.0)
        full = seesaw.full_type_i_matrix(m_d, jnp.diag(heavy).astype(complex))
        assert full.shape == (6, 6)
        assert _rel(full, full.T) == 0.0
        sv = jnp.sort(jnp.linalg.svd(full, compute_uv=False))
        assert np.allclose(sv[3:], heavy, rtol=1e-12)
        err = jnp.abs(sv[:3] - m * seesaw.EV_TO_GEV)
        assert float(jnp.max(err)) <= 6 * EPS * float(sv[-1])
        if scale <= 1e2:
            assert float(jnp.max(err / (m * seesaw.EV_TO_GEV))) < 1e-3


def test_full_type_i_matrix_next_order_scaling():
    """At a hierarchy M_D/M_R = 1e-2 the exact light masses differ from the leading-order ones by
    O((M_D/M_R)^2): the deviation is of that size and drops 4x when M_D is halved."""
    m_d = jnp.array([[1.0, 0.3, 0.1], [0.2, 1.2, 0.4], [0.1, 0.5, 0.8]]) * (1 + 0.2j)
    m_r = jnp.diag(jnp.array([100.0, 150.0, 230.0])).astype(complex)
    devs = []
    for s in (1.0, 0.5):
        full_sv = jnp.sort(jnp.linalg.svd(seesaw.full_type_i_matrix(s * m_d, m_r), compute_uv=False))[:3]
        lo_sv = jnp.sort(jnp.linalg.svd(seesaw.type_i_light_mass_matrix(s * m_d, m_r), compute_uv=False))
        devs.append(float(jnp.max(jnp.abs(full_sv / lo_sv - 1))))
    ratio2 = (float(jnp.max(jnp.abs(m_d))) / 100.0) ** 2
    assert 1e-3 * ratio2 < devs[0] < 10 * ratio2
    assert devs[0] / devs[1] == pytest.approx(4.0, rel=0.05)


def test_inverse_seesaw_scalar_limit():
    """One generation: M_D M_chi^-T mu M_chi^-1 M_D^T = mu (M_D/M_chi)^2 (seed 000)."""
    eye = jnp.eye(3)
    light = seesaw.inverse_seesaw_light_mass(2e-6 * eye, 30.0 * eye, 1e3 * eye)
    assert _rel(light, 2e-6 * (30.0 / 1e3) ** 2 * eye) < 1e-14


@pytest.fixture(scope="module")
def inverse_sv():
    def f(m_d, m_chi, mu):
        full = seesaw.inverse_seesaw_matrix(m_d, m_chi, mu)
        approx = seesaw.inverse_seesaw_light_mass(mu, m_d, m_chi)
        return (
            jnp.sort(jnp.linalg.svd(full, compute_uv=False), axis=-1),
            jnp.sort(jnp.linalg.svd(approx, compute_uv=False), axis=-1),
        )

    return jax.jit(f)


def test_inverse_seesaw_matrix_vs_approximation(inverse_sv):
    """Three lightest singular values of the 9x9 matrix = approximate formula up to relative
    O((M_D/M_chi)^2) + O(mu/M_chi); with mu/M_chi negligible the deviation falls 4x when M_D halves.
    Heavy states: three pseudo-Dirac pairs at ~ M_chi."""
    key = jax.random.PRNGKey(3)
    m_d = 20.0 * (jnp.eye(3) + 0.3 * _random_complex(key, (3, 3)))
    m_chi = jnp.diag(jnp.array([500.0, 700.0, 1000.0])) + 20.0 * _random_complex(jax.random.PRNGKey(4), (3, 3))
    a = _random_complex(jax.random.PRNGKey(5), (3, 3))
    mu = 1e-3 * (a + a.T)
    full = seesaw.inverse_seesaw_matrix(m_d, m_chi, mu)
    assert full.shape == (9, 9) and _rel(full, full.T) == 0.0
    devs = []
    for s in (1.0, 0.5):
        sv_full, sv_approx = inverse_sv(s * m_d, m_chi, mu)
        devs.append(float(jnp.max(jnp.abs(sv_full[:3] / sv_approx - 1))))
    expected = (float(jnp.max(jnp.abs(m_d))) / 450.0) ** 2 + 1e-3 * 5 / 450.0
    assert devs[0] < 10 * expected
    assert devs[0] / devs[1] == pytest.approx(4.0, rel=0.1)
    heavy = np.asarray(sv_full[3:]).reshape(3, 2)
    assert np.all(np.abs(heavy[:, 1] - heavy[:, 0]) / heavy[:, 0] < 1e-3)


def test_inverse_seesaw_vmap_equals_loop(inverse_sv):
    mus = jnp.stack([1e-4 * jnp.eye(3) * (1 + k) for k in range(3)]).astype(complex)
    m_d, m_chi = 5.0 * jnp.eye(3), 600.0 * jnp.eye(3)
    batched = jax.vmap(inverse_sv, in_axes=(None, None, 0))(m_d, m_chi, mus)
    for k in range(3):
        single = inverse_sv(m_d, m_chi, mus[k])
        assert np.allclose(batched[0][k], single[0], rtol=1e-13)
        assert np.allclose(seesaw.inverse_seesaw_light_mass(mus[k], m_d, m_chi), mus[k] * (5.0 / 600.0) ** 2)


@settings(max_examples=15)
@given(
    m_lightest=st.floats(0.0, 0.5),
    log_m=st.floats(2.0, 15.0),
    re_z=st.floats(-3.2, 3.2),
    im_z=st.floats(-2.0, 2.0),
    io=st.booleans(),
)
def test_casas_ibarra_no_nan(ci_round_trip, m_lightest, log_m, re_z, im_z, io):
    point = IO if io else NO
    light, target = ci_round_trip(
        jnp.array(point["angles"]), jnp.array([0.4, 1.3]), m_lightest, point["dm21"], point["dm3l"],
        10.0 ** jnp.array([log_m, log_m + 0.5, log_m + 1.0]), jnp.array([re_z + 1j * im_z, 0.5j, im_z]),
    )
    assert np.all(np.isfinite(light))
    assert _rel(light, target) < 1e-9


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(m_light_ev=jnp.array([-0.01, 0.01, 0.05])), "m_light_ev"),
        (dict(m_heavy=jnp.array([0.0, 1e3, 1e4])), "m_heavy"),
        (dict(vev=-246.0), "vev"),
    ],
)
def test_casas_ibarra_bad_inputs(kwargs, match):
    v, m = _light(NO, 0.01)
    args = dict(v_pmns=v, m_light_ev=m, m_heavy=jnp.array([1e3, 1e4, 1e5]), r=jnp.eye(3)) | kwargs
    with pytest.raises(ValueError, match=match):
        seesaw.casas_ibarra(**args)
