"""The scalar-decay model: its two registry entries (tables and live chain), the planck-dm wiring, the
`--exact` switch, and seed 003's statements about the (λ, y) plane at m_S = 65 and 100 GeV."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxbsm.cosmology import half_mode, scalar_decay_tables
from jaxbsm.cosmology.freeze_in import solve_freeze_in
from jaxbsm.inference.config import ConfigError, exact_variant, load_config
from jaxbsm.likelihoods import build_likelihood, load_dataset
from jaxbsm.model import STATUS
from jaxbsm.registry import get_model
from jaxbsm.status import Status


def test_model_and_dataset_wiring():
    model, exact = get_model("scalar-decay"), get_model("scalar-decay-exact")
    assert model.parameter_names == exact.parameter_names == ("lam", "y", "m_S", "m_N")
    assert model.observable_names == exact.observable_names == ("Omega_N_h2", "mean_q_N", "lambda_hm")
    assert (model.parameter("m_S").low, model.parameter("m_S").high) == scalar_decay_tables.BOX["m_S"]
    lk = build_likelihood(model, ["planck-dm", "lyman-alpha"])
    assert lk.observables == ("Omega_N_h2", "lambda_hm")
    assert any("1807.06209" in ref for ref in lk.bibtex())


@pytest.fixture(scope="module")
def exact_at_a_point():
    """The live chain inside jit at one freeze-in point (m_S = 100 GeV, λ = 1.3e-8, y = 1e-7, m_N = 10 keV)."""
    p = {"lam": 1.3e-8, "y": 1e-7, "m_S": 100.0, "m_N": 10.0}
    return p, jax.jit(get_model("scalar-decay-exact").predict)({k: jnp.asarray(v) for k, v in p.items()})


def test_exact_model_is_the_live_chain_and_carries_its_status(exact_at_a_point):
    """Under jit the exact model gives what the eager solvers give (freeze-in solve, find_half_mode)."""
    p, pred = exact_at_a_point
    assert int(pred[STATUS]) == Status.OK
    r = solve_freeze_in(p["m_S"], p["lam"], p["y"], p["m_N"] * 1e-6)
    hm = half_mode.find_half_mode(half_mode.species_from_freeze_in(r, p["m_N"]))
    assert float(pred["Omega_N_h2"]) == pytest.approx(float(r.omega_h2), rel=1e-9)
    assert float(pred["mean_q_N"]) == pytest.approx(float(r.mean_q), rel=1e-9)
    assert float(pred["lambda_hm"]) == pytest.approx(hm.lambda_hm, rel=1e-5)


def test_exact_switch_of_a_fit():
    config = exact_variant(load_config("scalar-decay-structure"))
    assert (config.model, config.name) == ("scalar-decay-exact", "scalar-decay-structure-exact")
    with pytest.raises(ConfigError, match="model 'wilson' has no exact variant"):
        exact_variant(load_config("flavour-wilson-current"))


# Live chain on the Ω_N h² = 0.120 surface in the freeze-out region: λ on a half-decade grid from 1e-6 to
# 1e-4, y on a half-decade grid over the seed's plane; m_N = 0.120/F(m_S, λ, y) where it lies in [2, 50] keV.
FO_LAM, FO_Y = np.geomspace(1e-6, 1e-4, 5), np.geomspace(1e-10, 1e-6, 9)


def _freeze_out_surface(m_S):
    """(λ, y, m_N [keV], λ_hm [Mpc/h]) of the live chain on the surface (FO_LAM × FO_Y, m_N in the box)."""
    ln_f, _ = scalar_decay_tables.omega_slab(m_S, np.log(FO_LAM), np.log(FO_Y))
    m_N = 0.120 / np.exp(ln_f)
    rows = []
    for a, b in zip(*np.nonzero((m_N >= 2.0) & (m_N <= 50.0))):
        r = solve_freeze_in(m_S, FO_LAM[a], FO_Y[b], m_N[a, b] * 1e-6)
        hm = half_mode.find_half_mode(half_mode.species_from_freeze_in(r, m_N[a, b]))
        rows.append((FO_LAM[a], FO_Y[b], m_N[a, b], hm.lambda_hm))
    return np.array(rows)


def test_seed_003_freeze_out_region_at_65_GeV_is_forbidden():
    """Seed 003 (KMT 2016 figures): "for m_S = 65 GeV, the 'freeze-out region' is completely forbidden",
    while at 100 GeV it is not. With the live chain on the Ω_N h² = 0.120 surface, m_N in [2, 50] keV,
    in the freeze-out region (λ ≥ 1e-6: S reaches equilibrium and freezes out; between the turnover of
    Ω(λ) at λ ≈ 1.5e-7 and 1e-6 the surface has m_N < 2 keV at both masses): at 65 GeV every point has
    λ_hm above the Lyman-α limit (Iršič et al. 2017, 0.1428 Mpc/h), the coldest 0.1654 Mpc/h (λ = 1e-4,
    y = 3.16e-9, m_N = 13.28 keV); at 100 GeV some are allowed (0.1082 Mpc/h at m_N = 21.43 keV)."""
    limit = load_dataset("lyman-alpha").measurements[0].limit
    at_65, at_100 = _freeze_out_surface(65.0), _freeze_out_surface(100.0)
    assert len(at_65) >= 5 and len(at_100) >= 5  # the surface crosses the freeze-out region at both masses
    assert at_65[:, 3].min() == pytest.approx(0.1654, rel=2e-3) and at_65[:, 3].min() > limit
    assert at_100[:, 3].min() == pytest.approx(0.1082, rel=2e-3) and at_100[:, 3].min() < limit
