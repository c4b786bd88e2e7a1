"""Majorana mass matrix, Takagi factorisation and the inverse problem (majorana.py)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxbsm.neutrino import majorana, pmns, spectrum

TWO_PI = 2.0 * np.pi
DM21 = 7.49e-5
NO, IO = 2.534e-3, -2.510e-3


def params_to_matrix(p):
    """p = (m_lightest, theta12, theta13, theta23, delta, Phi1, Phi2, dm3l) -> M_nu (eV)."""
    m = spectrum.masses(p[0], DM21, p[7])
    return majorana.mass_matrix(pmns.pmns(*p[1:7]), m)


def round_trip(p):
    """p -> M_nu -> (m1, m2, m3, theta12, theta13, theta23, delta, Phi1, Phi2)."""
    return jnp.stack(majorana.oscillation_parameters(params_to_matrix(p)))


def expected(p):
    m = spectrum.masses(p[0], DM21, p[7])
    return jnp.concatenate([m, p[1:7]])


@pytest.fixture(scope="module")
def trip_jit():
    return jax.jit(round_trip)


@pytest.fixture(scope="module")
def trip_jac():
    return jax.jit(jax.jacfwd(round_trip))


def wrapped(diff):
    """Differences of angles/phases mapped to (-pi, pi]."""
    return np.angle(np.exp(1j * np.asarray(diff)))


def numpy_takagi(mass):
    """Independent Takagi via SVD: M = U S V^H, and M = M^T gives conj(V) = U D for distinct singular
    values, so M = (U D^{1/2}) S (U D^{1/2})^T; in the majorana.py convention W = conj(U D^{1/2})."""
    u, s, vh = np.linalg.svd(mass)
    d = np.einsum("ai,ai->i", u.conj(), vh.T)  # diag(U^H conj(V)), conj(V) = vh^T
    w = np.conj(u * np.sqrt(d))
    order = np.argsort(s)
    return s[order], w[:, order]


# --- mass matrix -----------------------------------------------------------------------------------


def test_mass_matrix_convention():
    """V^T M V = diag(m) (nu_alpha = V_ai nu_i), M = M^T, |M_ee| = m_bb (seed 000 Gamma_++ ∝ V* m V^+)."""
    v = pmns.pmns(0.58, 0.149, 0.85, 3.4, 0.3, 2.0)
    m = spectrum.masses(0.02, DM21, NO)
    mass = majorana.mass_matrix(v, m)
    np.testing.assert_allclose(v.T @ mass @ v, jnp.diag(m), atol=1e-17)
    np.testing.assert_allclose(mass, mass.T, atol=1e-18)
    np.testing.assert_allclose(jnp.abs(mass[0, 0]), spectrum.m_betabeta(v, m), rtol=1e-13)


# --- Takagi ----------------------------------------------------------------------------------------


@settings(max_examples=20)
@given(st.lists(st.floats(-1.0, 1.0), min_size=12, max_size=12))
def test_takagi_random_symmetric_against_svd(x):
    """Generic complex symmetric M (eV): reconstruction, unitarity, ascending m, columns = numpy's up to sign."""
    x = np.asarray(x)
    a = (x[:6] + 1j * x[6:]) * 0.05
    mass = np.zeros((3, 3), complex)
    mass[np.triu_indices(3)] = a
    mass = mass + np.triu(mass, 1).T
    m, w = (np.asarray(t) for t in majorana.takagi(jnp.asarray(mass)))
    scale = max(np.abs(mass).max(), 1e-300)
    np.testing.assert_allclose(w.conj() @ np.diag(m) @ w.conj().T, mass, atol=1e-14 * scale)
    np.testing.assert_allclose(w.conj().T @ w, np.eye(3), atol=1e-13)
    assert np.all(np.diff(m) >= 0) and np.all(m >= 0)
    s, w_np = numpy_takagi(mass)
    np.testing.assert_allclose(m, s, atol=1e-14 * scale)
    gaps = np.diff(np.concatenate([[0.0], s]))
    if gaps.min() > 1e-3 * scale:  # columns are unique up to sign only for distinct non-zero masses
        overlap = np.einsum("ai,ai->i", w_np.conj(), w)
        np.testing.assert_allclose(np.abs(overlap.real), 1.0, atol=1e-10)
        np.testing.assert_allclose(overlap.imag, 0.0, atol=1e-10)


@pytest.mark.parametrize("m", [[0.0, 0.05, 0.05], [0.1, 0.1, 0.1], [0.0, 8.7e-3, 0.0503], [0.0, 0.0, 0.05]])
def test_takagi_degenerate_and_zero_masses(m):
    """Exact degeneracies and zero masses: finite values, M reconstructed; W unitary unless two masses
    vanish (rank-1 M, unphysical with two measured splittings), where only the reconstruction holds."""
    v = pmns.pmns(0.58, 0.149, 0.85, 3.4, 0.3, 2.0)
    mass = majorana.mass_matrix(v, jnp.asarray(m))
    mt, w = majorana.takagi(mass)
    np.testing.assert_allclose(mt, np.sort(m), atol=1e-16)
    np.testing.assert_allclose(jnp.conj(w) @ jnp.diag(mt) @ jnp.conj(w).T, mass, atol=1e-16)
    if np.count_nonzero(m) >= 2:
        np.testing.assert_allclose(jnp.conj(w).T @ w, np.eye(3), atol=1e-13)


def _invariants(mass, e, t):
    """(Sum m_i^2, Sum m_i, Re and Im of W* m W^+) of the Takagi factors of M + t E."""
    mt, w = majorana.takagi(mass + t * e)
    rebuilt = jnp.conj(w) @ jnp.diag(mt) @ jnp.conj(w).T
    return jnp.concatenate([jnp.stack([jnp.sum(mt**2), jnp.sum(mt)]), rebuilt.real.ravel(), rebuilt.imag.ravel()])


@pytest.fixture(scope="module")
def directional():
    """m -> (d/dt, central difference, E) of _invariants along a fixed complex symmetric direction E."""
    value = jax.jit(_invariants)
    deriv = jax.jit(jax.jacfwd(_invariants, argnums=2))
    rng = np.random.default_rng(1)
    e = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))
    e = jnp.asarray(0.01 * (e + e.T))
    v = pmns.pmns(0.58, 0.149, 0.85, 3.4, 0.3, 2.0)

    def run(m):
        mass = majorana.mass_matrix(v, jnp.asarray(m))
        h = 1e-7
        return deriv(mass, e, 0.0), (value(mass, e, h) - value(mass, e, -h)) / (2 * h), e

    return run


@pytest.mark.parametrize("m", [[0.01, 0.0134, 0.0513], [0.1, 0.100374, 0.1125], [0.1, 0.100001, 0.11]])
def test_takagi_gradients_distinct_masses(directional, m):
    """Distinct non-zero masses, up to near-degenerate (m_lightest = 0.1 eV, and a 1e-6 eV gap):
    d(Sum m^2, Sum m, W* m W^+)/dt along M + t E equals central differences, and d(W* m W^+) = E.
    (The gap broadening of majorana._eigh_jvp biases a relative gap g by (1e-9/g)^2: 1e-8 here.)"""
    grad, fd, e = directional(m)
    np.testing.assert_allclose(grad[2:], np.concatenate([e.real.ravel(), e.imag.ravel()]), atol=1e-12)
    np.testing.assert_allclose(grad[:2], fd[:2], rtol=1e-6)


@pytest.mark.parametrize("m", [[0.0, 0.05, 0.05], [0.1, 0.1, 0.1], [0.0, 8.7e-3, 0.0503]])
def test_takagi_gradients_at_degeneracy_are_finite(directional, m):
    """Exact degeneracy, or a zero mass (m_i = |t| r there: a kink), makes the factorisation itself
    non-differentiable. The derivative is still finite, and exact for spectral invariants: Sum m_i^2
    always, Sum m_i when no mass vanishes (the degenerate block enters through its trace only)."""
    grad, fd, _ = directional(m)
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad[0], fd[0], rtol=1e-6)
    if min(m) > 0:
        np.testing.assert_allclose(grad[1], fd[1], rtol=1e-6)


# --- inverse problem -------------------------------------------------------------------------------

box = dict(
    ml=st.floats(1e-3, 0.1),
    t12=st.floats(0.45, 0.75),
    t13=st.floats(0.10, 0.20),
    t23=st.floats(0.60, 0.97),
    d=st.floats(0.0, TWO_PI),
    p1=st.floats(0.0, TWO_PI),
    p2=st.floats(0.0, TWO_PI),
    dm3l=st.sampled_from([NO, IO]),
)


@settings(max_examples=30)
@given(**box)
def test_round_trip(trip_jit, ml, t12, t13, t23, d, p1, p2, dm3l):
    """params -> mass_matrix -> oscillation_parameters -> params to 1e-10 (phases mod 2 pi), NO and IO."""
    p = jnp.array([ml, t12, t13, t23, d, p1, p2, dm3l])
    got, want = np.asarray(trip_jit(p)), np.asarray(expected(p))
    np.testing.assert_allclose(got[:3], want[:3], rtol=1e-10)
    np.testing.assert_allclose(wrapped(got[3:] - want[3:]), 0.0, atol=1e-10)
    assert np.all(got[6:] >= 0.0) and np.all(got[6:] < TWO_PI)


@pytest.mark.parametrize("dm3l", [NO, IO])
def test_round_trip_massless_lightest(trip_jit, dm3l):
    """m_lightest = 0: everything but the Majorana phase of the massless state comes back (NO: Phi1;
    IO: m3 = 0, whose phase Phi2 is unphysical)."""
    p = jnp.array([0.0, 0.58, 0.149, 0.85, 3.4, 0.3, 2.0, dm3l])
    got, want = np.asarray(trip_jit(p)), np.asarray(expected(p))
    keep_phase = 8 if dm3l > 0 else 7
    np.testing.assert_allclose(got[:3], want[:3], atol=1e-15, rtol=1e-10)
    np.testing.assert_allclose(wrapped(got[[3, 4, 5, 6, keep_phase]] - want[[3, 4, 5, 6, keep_phase]]), 0.0, atol=1e-10)
    assert np.all(np.isfinite(got))


@pytest.mark.parametrize("dm3l", [NO, IO])
@pytest.mark.parametrize("ml", [0.01, 0.1])
def test_round_trip_jacobian_is_identity(trip_jac, ml, dm3l):
    """d(output)/d(input) of the round trip = d(expected)/d(input): every eigenvector derivative is exercised,
    up to near-degenerate masses (m_lightest = 0.1 eV, m2 - m1 = 3.7e-4 eV) where they are ~1/(m2 - m1)."""
    p = jnp.array([ml, 0.58, 0.149, 0.85, 3.4, 0.3, 2.0, dm3l])
    jac = np.asarray(trip_jac(p))
    want = np.asarray(jax.jacfwd(expected)(p))
    np.testing.assert_allclose(jac, want, atol=1e-7 * np.abs(want).max())


def test_inverse_gradient_against_finite_differences():
    """d theta_ij, delta, Phi_i / d Re M_ee by central differences at a near-degenerate NO point."""
    mass = params_to_matrix(jnp.array([0.1, 0.58, 0.149, 0.85, 3.4, 0.3, 2.0, NO]))
    e = jnp.zeros((3, 3), complex).at[0, 0].set(1e-3)

    @jax.jit
    def f(t):
        return jnp.stack(majorana.oscillation_parameters(mass + t * e))

    h = 1e-6
    fd = (f(h) - f(-h)) / (2 * h)
    np.testing.assert_allclose(jax.jit(jax.jacfwd(f))(0.0), fd, rtol=1e-5, atol=1e-9)


@settings(max_examples=20)
@given(**{**box, "ml": st.floats(0.0, 0.5)})
def test_no_nan_over_physical_box(trip_jit, trip_jac, ml, t12, t13, t23, d, p1, p2, dm3l):
    p = jnp.array([ml, t12, t13, t23, d, p1, p2, dm3l])
    assert np.all(np.isfinite(trip_jit(p)))
    assert np.all(np.isfinite(trip_jac(p)))


POINTS = jnp.array(
    [
        [0.01, 0.58, 0.149, 0.85, 3.4, 0.3, 2.0, NO],
        [0.01, 0.58, 0.149, 0.85, 3.4, 0.3, 2.0, IO],
        [0.1, 0.60, 0.15, 0.75, 1.2, 4.0, 5.5, NO],
        [0.05, 0.55, 0.14, 0.80, 5.0, 1.0, 3.0, IO],
    ]
)


def test_jit_eager_vmap_loop(trip_jit):
    eager = np.stack([round_trip(p) for p in POINTS])
    np.testing.assert_allclose(np.stack([trip_jit(p) for p in POINTS]), eager, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(jax.vmap(round_trip)(POINTS), eager, rtol=1e-12, atol=1e-14)
    size = trip_jit._cache_size()
    trip_jit(POINTS[0] * 1.01)
    assert trip_jit._cache_size() == size


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match=r"\(\.\.\., 3, 3\)"):
        majorana.takagi(jnp.ones((2, 2)))
    with pytest.raises(ValueError, match=r"\(\.\.\., 3, 3\)"):
        majorana.mass_matrix(jnp.eye(2), jnp.ones(2))
    with pytest.raises(ValueError, match=r"\(\.\.\., 3\)"):
        majorana.mass_matrix(jnp.eye(3), jnp.ones(2))
    with pytest.raises(ValueError):
        majorana.oscillation_parameters(jnp.ones(3))
