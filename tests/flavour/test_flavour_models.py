"""The flavour models: predictions, the JAX contract, physical region, and parameter validation."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jaxbsm import get_model, list_models
from jaxbsm.flavour import matching, mixing
from jaxbsm.flavour.observables import b_to_s_mumu_observables
from jaxbsm.registry import observables

FLAVOUR_MODELS = ["wilson", "cbar", "zprime", "zprime-33mumu", "S3", "V1", "V3"]
SCALARS = ["R_K[1.1,6]", "R_K*[0.045,1.1]", "BR(Bs->mumu)_over_SM", "DeltaM_s", "cbar_LL^mu"]


def test_registry():
    assert set(FLAVOUR_MODELS) <= set(list_models())
    with pytest.raises(ValueError, match="unknown model 'zprimee'; known models: .*zprime"):
        get_model("zprimee")


def _vector_fn(model):
    names = model.parameter_names

    def f(x):
        out = model.predict(dict(zip(names, x)))
        return jnp.stack([out[k] for k in SCALARS])

    return f


@pytest.fixture(scope="module")
def compiled():
    out = {}
    for name in FLAVOUR_MODELS:
        model = get_model(name)
        f = _vector_fn(model)
        out[name] = (model, f, jax.jit(f), jax.jit(jax.vmap(f)), jax.jit(jax.jacfwd(f)))
    return out


def _interior_point(model, rng):
    """A point well inside the box, with NP couplings small enough to be perturbative."""
    x = []
    for p in model.parameters:
        if p.unit == "TeV":
            x.append(rng.uniform(2.0, 20.0))
        else:
            x.append(rng.uniform(-0.5, 0.5))
    return np.asarray(x)


@pytest.mark.parametrize("name", FLAVOUR_MODELS)
def test_predict_contract(compiled, name):
    model, f, jf, vf, jac = compiled[name]
    rng = np.random.default_rng(3)
    pts = np.stack([_interior_point(model, rng) for _ in range(4)])
    batched = np.asarray(vf(jnp.asarray(pts)))
    for i, x in enumerate(pts):
        eager = np.asarray(f(jnp.asarray(x)))
        np.testing.assert_allclose(np.asarray(jf(jnp.asarray(x))), eager, rtol=1e-13)
        np.testing.assert_allclose(batched[i], eager, rtol=1e-13)
    x0 = jnp.asarray(pts[0])
    h = 1e-6 * np.maximum(1.0, np.abs(pts[0]))
    fd = np.stack([(f(x0.at[i].add(h[i])) - f(x0.at[i].add(-h[i]))) / (2 * h[i]) for i in range(len(pts[0]))], axis=1)
    np.testing.assert_allclose(np.asarray(jac(x0)), fd, rtol=2e-6, atol=1e-9 * np.abs(fd).max())


@pytest.mark.parametrize("name", FLAVOUR_MODELS)
def test_sm_point_and_observable_metadata(name):
    model = get_model(name)
    sm = model.predict({k: jnp.asarray(v) for k, v in model.sm_point(model.defaults()).items()})
    ref = b_to_s_mumu_observables(jnp.zeros(4), jnp.zeros(4))
    for k, v in ref.items():
        assert float(sm[k]) == pytest.approx(float(v), rel=1e-14)
    assert float(sm["DeltaM_s"]) == pytest.approx(18.4, rel=1e-14)
    assert set(sm) <= set(observables())


def test_zprime_sign_and_mixing():
    """Seed 002: g_sb g_mumu (36 TeV/M)^2 = -cbar_LL; a real g_sb raises Delta M_s (C_NP has the sign of C_SM)."""
    zp = get_model("zprime")
    out = zp.predict({"M_Zp": 10.0, "g_sb": 0.01, "g_mumu": 1.0})
    lam0 = 35.653376
    assert float(out["cbar_LL^mu"]) == pytest.approx(-((lam0 / 10.0) ** 2) * 0.01, rel=1e-6)
    assert float(out["C_bs^NP"]) == pytest.approx(0.01**2 / (2 * 1.0e8), rel=1e-12)
    assert float(out["DeltaM_s"]) > 18.4
    assert float(out["R_K[1.1,6]"]) < 1.0  # cbar_LL < 0 lowers R_K


def test_33mumu_uses_ckm():
    a = get_model("zprime-33mumu").predict({"M_Zp": 5.0, "g_q": 0.5, "g_mumu": 0.8})
    b = get_model("zprime").predict({"M_Zp": 5.0, "g_sb": float(matching.zprime_33mumu_gsb(0.5)), "g_mumu": 0.8})
    for k in ("cbar_LL^mu", "C_bs^NP", "R_K[1.1,6]"):
        assert float(a[k]) == pytest.approx(float(b[k]), rel=1e-13)
    assert float(a["Gamma_Zp_over_M"]) == pytest.approx((6 * 0.25 + 2 * 0.64) / (24 * np.pi), rel=1e-13)


def test_zprime_physical_region():
    zp = get_model("zprime")
    ok = zp.physical({"M_Zp": jnp.asarray(10.0), "g_sb": jnp.asarray(0.01), "g_mumu": jnp.asarray(1.0)})
    bad = zp.physical({"M_Zp": jnp.asarray(10.0), "g_sb": jnp.asarray(0.01), "g_mumu": jnp.asarray(3.5)})
    assert bool(ok) and not bool(bad)


@pytest.mark.parametrize("kind,k", [("S3", 5), ("V1", 4), ("V3", 20)])
def test_leptoquark_signs(kind, k):
    out = get_model(kind).predict({"M_LQ": 20.0, "y_bmu": 0.5, "y_smu": 0.3})
    kappa = matching.LEPTOQUARKS[kind]["kappa"]
    assert np.sign(float(out["cbar_LL^mu"])) == kappa
    assert float(out["C_bs^NP"]) == pytest.approx(k * 0.15**2 / (32 * np.pi**2 * 4e8), rel=1e-12)
    assert float(out["DeltaM_s"]) == pytest.approx(18.4 * (1 + float(out["C_bs^NP"]) / mixing.cbs_sm()), rel=1e-12)


def test_validation_errors():
    zp = get_model("zprime")
    with pytest.raises(ValueError, match=r"parameter M_Zp = -1.0 \[TeV\] is outside its allowed range \[0.1, 200.0\]"):
        zp.validate({"M_Zp": -1.0})
    with pytest.raises(ValueError, match="model 'zprime' has no parameter 'g_bs'; its parameters are M_Zp, g_sb, g_mumu"):
        zp.validate({"g_bs": 0.1})
    with pytest.raises(ValueError, match="outside its allowed range"):
        zp.validate({"g_sb": float("nan")})


@pytest.fixture(scope="module")
def zprime_value_grad():
    zp = get_model("zprime")
    f = _vector_fn(zp)
    return jax.jit(lambda x: (f(x), jax.jacfwd(f)(x)))


@given(st.floats(0.1, 200.0), st.floats(-3.5, 3.5), st.floats(-3.5, 3.5))
def test_zprime_no_nan_over_box(zprime_value_grad, m, g_sb, g_mm):
    val, jac = zprime_value_grad(jnp.array([m, g_sb, g_mm]))
    assert np.all(np.isfinite(val)) and np.all(np.isfinite(jac))
