"""The scalar-decay model, the planck-dm dataset and the grid binding used by fits at fixed masses."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxbsm.cosmology import freeze_in as fi
from jaxbsm.cosmology import models
from jaxbsm.likelihoods import build_likelihood
from jaxbsm.registry import get_model


def test_model_and_dataset_wiring():
    model = get_model("scalar-decay")
    assert model.parameter_names == ("lam", "y", "m_S", "m_N")
    lk = build_likelihood(model, ["planck-dm"])  # unbound: the full solve at the defaults
    assert lk.observables == ("Omega_N_h2",)
    assert any("1807.06209" in ref for ref in lk.bibtex())
    with pytest.raises(ValueError, match="m_N"):
        model.bind({"m_S": 100.0, "m_N": 0.1})  # outside [1, 100] keV


def test_binding_needs_both_masses_fixed():
    model = get_model("scalar-decay")
    assert model.bind({"m_S": 100.0}) is model
    assert model.bind({"m_S": 100.0, "m_N": 10.0, "y": 1e-8}) is model


def test_stored_omega_grid_is_the_live_solver():
    """The stored Ω grid at the shipped masses (data/omega_grids.json) is what the solver gives now,
    at the grid point λ = 1e-8, y = 1e-8 (a changed solver must regenerate it: python
    scripts/make_scalar_decay_grids.py 100 10)."""
    table = models.stored_omega_table(100.0, 10.0)
    i = int(np.argmin(np.abs(np.array(table["ln_lam"]) - np.log(1e-8))))
    j = int(np.argmin(np.abs(np.array(table["ln_y"]) - np.log(1e-8))))
    r = fi.solve_freeze_in(100.0, np.exp(table["ln_lam"][i]), np.exp(table["ln_y"][j]), 1e-5, spectrum=False)
    assert np.log(float(r.omega_h2)) == pytest.approx(table["ln_omega_h2"][i][j], abs=1e-6)
    assert np.log(float(r.mean_q)) == pytest.approx(table["ln_mean_q"][i][j], abs=1e-6)


def test_unbound_prediction_carries_the_solver_status():
    """The unbound model returns the freeze-in solve's status under jaxbsm.model.STATUS."""
    from jaxbsm.model import STATUS
    from jaxbsm.status import Status

    pred = get_model("scalar-decay").predict({"lam": 1e-8, "y": 1e-8, "m_S": 100.0, "m_N": 10.0})
    assert int(pred[STATUS]) == Status.OK and float(pred["Omega_N_h2"]) > 0


@pytest.mark.slow
def test_grid_matches_the_solver():
    omega, mean_q = models.omega_grid(100.0, 10.0)
    rng = np.random.default_rng(1)
    la = rng.uniform(np.log(1e-12), np.log(1e-4), 40)
    ly = rng.uniform(np.log(1e-10), np.log(1e-6), 40)
    r = fi.solve_freeze_in(100.0, jnp.exp(la), jnp.exp(ly), 1e-5, spectrum=False)
    err_omega = np.exp(np.asarray(omega(jnp.asarray(la), jnp.asarray(ly)))) / np.asarray(r.omega_h2) - 1
    err_q = np.exp(np.asarray(mean_q(jnp.asarray(la), jnp.asarray(ly)))) / np.asarray(r.mean_q) - 1
    assert np.abs(err_omega).max() < 2e-3  # module docstring: four times below Planck's 0.8%
    assert np.abs(err_q).max() < 2e-3
    bound = get_model("scalar-decay").bind({"m_S": 100.0, "m_N": 10.0})
    g = jax.grad(lambda x: jnp.log(bound.predict({"lam": jnp.exp(x), "y": 1e-8})["Omega_N_h2"]))(np.log(1.3e-8))
    assert float(g) == pytest.approx(2.0, rel=1e-3)  # freeze-in: Omega ~ lambda^2
