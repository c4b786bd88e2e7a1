"""R_K, R_K*, B_s -> mu mu: against stored flavio predictions, and the JAX contract
(jit = eager, vmap = loop, gradient = finite differences, no NaN in the physical box)."""

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jaxbsm.flavour import observables as ob

REF = json.loads((Path(__file__).parents[1] / "data" / "flavio_reference.json").read_text())
FLAVIO_R = {
    "<Rmue>(B+->Kll) 1.1-6.0": ("R_K[1.1,6]", ob.r_k, (1.1, 6.0)),
    "<Rmue>(B+->Kll) 1.0-6.0": ("R_K[1,6]", ob.r_k, (1.0, 6.0)),
    "<Rmue>(B0->K*ll) 0.045-1.1": ("R_K*[0.045,1.1]", ob.r_kstar, (0.045, 1.1)),
    "<Rmue>(B0->K*ll) 0.1-1.1": ("R_K*[0.1,1.1]", ob.r_kstar, (0.1, 1.1)),
    "<Rmue>(B0->K*ll) 1.1-6.0": ("R_K*[1.1,6]", ob.r_kstar, (1.1, 6.0)),
}
WET = ("C9", "C10", "C9p", "C10p")


def _point_wcs(point):
    dc = {"mu": np.zeros(4, complex), "e": np.zeros(4, complex)}
    for key, (re, im) in point["wc"].items():
        name, lep = key.split("_bs")
        dc["mu" if lep == "mumu" else "e"][WET.index(name)] = re + 1j * im
    return dc["mu"], dc["e"]


@pytest.fixture(scope="module")
def all_observables():
    return jax.jit(ob.b_to_s_mumu_observables)


def test_against_flavio(all_observables):
    """flavio 2.7.1 Rmue and BR(Bs->mumu), computed directly by flavio (tests/data/flavio_reference.json,
    56 points: |dC9|,|dC10| <= 1.5 real; all 8 mu/e coefficients; complex mu coefficients).

    Issue tolerance: 2% for R_K(*), 0.5% for BR/BR_SM. Achieved: the hadronic matrices reproduce
    flavio to the precision of flavio's own adaptive q^2 integration (fit residual <= 2e-5, stored in
    hadronic_matrices.json), so we assert 1e-4 for the ratios and 1e-12 for B_s -> mu mu.
    """
    worst = 0.0
    for point in REF["points"]:
        dc_mu, dc_e = _point_wcs(point)
        pred = all_observables(jnp.asarray(dc_mu), jnp.asarray(dc_e))
        for fname, (name, _, _) in FLAVIO_R.items():
            rel = abs(float(pred[name]) / point["predictions"][fname] - 1)
            worst = max(worst, rel)
        ratio_ref = point["predictions"]["BR(Bs->mumu)"] / REF["sm"]["BR(Bs->mumu)"]
        assert float(pred["BR(Bs->mumu)_over_SM"]) == pytest.approx(ratio_ref, rel=1e-12)
        assert float(pred["BR(Bs->mumu)"]) == pytest.approx(point["predictions"]["BR(Bs->mumu)"], rel=1e-12)
    assert worst < 1e-4


def test_sm_values_match_seed_table():
    """Seed 002 table: SM R_K[1,6] = 1.00 +- 0.01, R_K*[0.045,1.1] = 0.91 +- 0.03, R_K*[1.1,6] = 1.00 +- 0.01;
    BR(Bs->mumu)_SM = (3.65 +- 0.23)e-9."""
    zero = jnp.zeros(4)
    assert float(ob.r_k(zero, zero, (1.0, 6.0))) == pytest.approx(1.00, abs=0.01)
    assert float(ob.r_kstar(zero, zero, (0.045, 1.1))) == pytest.approx(0.91, abs=0.03)
    assert float(ob.r_kstar(zero, zero, (1.1, 6.0))) == pytest.approx(1.00, abs=0.01)
    assert ob.bs_mumu_sm() == pytest.approx(3.65e-9, abs=0.23e-9)
    assert float(ob.bs_mumu_ratio(zero)) == pytest.approx(1.0, rel=1e-14)


def test_hadronic_matrices_are_positive_semidefinite():
    """A rate sum_i |A_i|^2 is >= 0 for every v, so each M must be Hermitian PSD (up to fit noise)."""
    for meson in ("K", "K*"):
        for lepton in ob.LEPTONS:
            for q2bin in ob.available_bins(meson):
                m = np.asarray(ob._matrix(ob.PROCESSES[meson], lepton, ob._bin_key(q2bin)))
                np.testing.assert_allclose(m, m.conj().T, atol=0)
                eig = np.linalg.eigvalsh(m)
                assert eig.min() > -1e-6 * eig.max(), (meson, lepton, q2bin, eig)


def test_photon_pole_matters_in_low_kstar_bin():
    """The low R_K* bin is dominated by the photon pole (C7): R_K*[0.045,1.1] responds to dC9 with a
    far smaller slope than the central bin. A plain |C9|^2+|C10|^2 formula misses this."""
    e = jnp.zeros(4)
    d = jnp.array([-1.0, 0.0, 0.0, 0.0])
    low = float(ob.r_kstar(d, e, (0.045, 1.1)) - ob.r_kstar(e, e, (0.045, 1.1)))
    cen = float(ob.r_kstar(d, e, (1.1, 6.0)) - ob.r_kstar(e, e, (1.1, 6.0)))
    assert 0 < low / cen < 0.5


def test_jit_equals_eager_and_vmap_equals_loop(all_observables):
    rng = np.random.default_rng(7)
    dc_mu = rng.uniform(-1.5, 1.5, size=(5, 4))
    dc_e = rng.uniform(-1.5, 1.5, size=(5, 4))
    batched = jax.vmap(all_observables)(jnp.asarray(dc_mu), jnp.asarray(dc_e))
    for i in range(5):
        eager = ob.b_to_s_mumu_observables(jnp.asarray(dc_mu[i]), jnp.asarray(dc_e[i]))
        jitted = all_observables(jnp.asarray(dc_mu[i]), jnp.asarray(dc_e[i]))
        for name in eager:
            assert float(jitted[name]) == pytest.approx(float(eager[name]), rel=1e-13)
            assert float(batched[name][i]) == pytest.approx(float(eager[name]), rel=1e-13)
    # broadcasting over leading axes gives the same as vmap
    direct = ob.b_to_s_mumu_observables(jnp.asarray(dc_mu), jnp.asarray(dc_e))
    np.testing.assert_allclose(direct["R_K[1.1,6]"], batched["R_K[1.1,6]"], rtol=1e-13)


def test_no_recompile_for_new_values(all_observables):
    all_observables(jnp.asarray(np.ones(4)), jnp.asarray(np.zeros(4)))
    size = all_observables._cache_size()
    all_observables(jnp.asarray(np.full(4, -0.3)), jnp.asarray(np.full(4, 0.2)))
    assert all_observables._cache_size() == size


@pytest.mark.parametrize("name", ["R_K[1.1,6]", "R_K*[0.045,1.1]", "R_K*[1.1,6]", "BR(Bs->mumu)_over_SM"])
def test_gradient_matches_finite_differences(name):
    def f(x):
        return ob.b_to_s_mumu_observables(x[:4], x[4:])[name]

    x0 = jnp.array([-0.7, 0.4, 0.2, -0.1, 0.3, -0.2, 0.1, 0.05])
    grad = np.asarray(jax.grad(f)(x0))
    h = 1e-6
    fd = np.array([(f(x0.at[i].add(h)) - f(x0.at[i].add(-h))) / (2 * h) for i in range(8)])
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-9)


@pytest.fixture(scope="module")
def value_and_grad_all():
    def total(x):
        out = ob.b_to_s_mumu_observables(x[:4], x[4:])
        return jnp.stack([out[k] for k in sorted(out)])

    return jax.jit(lambda x: (total(x), jax.jacfwd(total)(x)))


@given(st.lists(st.floats(-5.0, 5.0), min_size=8, max_size=8))
def test_no_nan_over_physical_box(value_and_grad_all, coeffs):
    """Over the 'wilson' model box |dC| <= 5 (mu and e), values and gradients are finite."""
    val, jac = value_and_grad_all(jnp.asarray(coeffs))
    assert np.all(np.isfinite(val)) and np.all(np.isfinite(jac))
    assert np.all(np.asarray(val) > 0)


def test_bad_inputs():
    z = jnp.zeros(4)
    with pytest.raises(ValueError, match=r"q2bin \(2.0, 4.0\) GeV\^2 not available"):
        ob.r_k(z, z, (2.0, 4.0))
    with pytest.raises(ValueError, match="lepton 'tau' unknown"):
        ob.binned_rate("K", "tau", (1.1, 6.0), z)
    with pytest.raises(ValueError, match="meson 'phi' unknown"):
        ob.binned_rate("phi", "mu", (1.1, 6.0), z)
    with pytest.raises(ValueError, match="last axis of length 4"):
        ob.r_k(jnp.zeros(3), z)
