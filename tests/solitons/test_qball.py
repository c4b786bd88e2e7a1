"""Q-ball energies (issue 6): thick-wall limit at small Q, envelope gradients, binding energy."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxbsm.solitons.qball import qball_energy, thick_wall_energy

M, A, LAM = 1.0, 0.1, 0.01
QS = jnp.array([1.0, 10.0])


@pytest.fixture(scope="module")
def qballs():
    return jax.jit(jax.vmap(lambda Q: qball_energy(Q, M, A, LAM)))(QS)


def test_thick_wall_small_Q(qballs):
    r = qballs
    assert np.all(np.asarray(r.status) == 0)
    exact, series = thick_wall_energy(QS, M, A)
    # binding QM − E vs the λ = 0 thick-wall result QM ε²/6 (1 + 3ε²/4 + …): the λ-correction is
    # O(λ m²/A²) = O(ε² λM²/A²), i.e. ~1e−6 at Q = 1 and ~1e−4 at Q = 10 here
    rel = np.asarray(r.binding / (QS * M - exact)) - 1
    assert abs(rel[0]) < 5e-6 and abs(rel[1]) < 5e-4
    assert abs(rel[1]) > abs(rel[0])
    np.testing.assert_allclose(np.asarray(exact), np.asarray(series), rtol=1e-12)
    np.testing.assert_allclose(
        np.asarray(r.E + r.binding), np.asarray(QS * M), rtol=1e-14
    )
    # ω* ≈ M(1 − ε²/2): the soliton is bound and its size grows like 1/ε
    assert np.all(np.asarray(r.omega) < M) and float(r.radius[0]) > 9 * float(
        r.radius[1]
    )


@pytest.mark.slow
def test_energy_gradients_envelope(qballs):
    # dE/dQ = ω* (Kusenko eq. 8 stationarity), exactly, through the custom JVP of the bounce
    g = jax.grad(lambda Q: qball_energy(Q, M, A, LAM).E)(10.0)
    assert abs(float(g) / float(qballs.omega[1]) - 1) < 1e-12
