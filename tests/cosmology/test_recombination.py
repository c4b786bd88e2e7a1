"""Recombination and reionisation history (jaxbsm.cosmology.recombination) against CLASS 3.4.1.

Reference: tests/cosmology/data/class_thermo.json, written by make_class_thermo.py (same
directory) for jaxbsm's default cosmology, with CLASS's default HyRec and with
recombination = RECFAST (CLASS's RECFAST 1.5.2 with Heswitch 6, which the module reproduces
formula for formula). Measured maximum relative deviations of x_e (n = 2048 grid):

    range              vs RECFAST   vs HyRec
    0 < z <= 20        5e-4         4.6e-3  (reionisation; HyRec's freeze-out x_e is 0.8% lower)
    20 < z <= 800      2.6e-3       7.9e-3  (freeze-out tail; fudged 3-level atom vs HyRec)
    800 < z <= 1600    2.6e-3       3.3e-3  (recombination; the maximum is at z = 800)
    1600 < z <= 3000   2e-4         3.3e-3  (helium; HyRec's He I recombination differs)

The remaining RECFAST-mode deviation (0.26% at z ~ 800) comes from differences in the
background/constants (CODATA 2018 vs CLASS's older constants, m_H) and the ODE switches CLASS makes
(C = 1 for x_H > 0.995, simplified helium flags at z < 800). Visibility peak (CLASS z_rec) and
kappa = 1 (CLASS z_star) agree to 2e-4 and 1.1e-4.

One compile: the module fixture evaluates jax.jvp of the forward-mode history (primal and the
omega_b tangent together, ~18 s on 2 cores); finite differences reuse it.
"""

from __future__ import annotations

import json
import math
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxbsm.cosmology import recfast
from jaxbsm.cosmology import recombination as rec
from jaxbsm.cosmology.background import PLANCK18
from jaxbsm.status import Status

DATA = pathlib.Path(__file__).parent / "data" / "class_thermo.json"
OMEGA_B = PLANCK18.omega_b


def _history(omega_b):
    return rec.thermal_history(PLANCK18._replace(omega_b=omega_b), forward_mode=True)


_interp = jax.jit(rec.interpolate)
_JVP = jax.jit(lambda ob: jax.jvp(_history, (ob,), (jnp.ones_like(ob),)))


@pytest.fixture(scope="module")
def hist():
    th, dth = _JVP(jnp.asarray(OMEGA_B))
    return th, dth


@pytest.fixture(scope="module")
def th(hist):
    return hist[0]


@pytest.fixture(scope="module")
def ref():
    data = json.loads(DATA.read_text())
    assert data["params"]["YHe"] == PLANCK18.Y_He and data["params"]["z_reio"] == PLANCK18.z_reio
    return data


@pytest.fixture(scope="module")
def ours(th, ref):
    z = np.asarray(ref["z"])
    kd, cs2, xe = (np.asarray(v) for v in _interp(th, jnp.asarray(-np.log1p(z))))
    tb = np.exp(np.interp(-np.log1p(z), np.asarray(th.ln_a), np.log(np.asarray(th.T_b))))
    return {"z": z, "x_e": xe, "kappa_dot": kd, "c_b2": cs2, "T_b": tb}


def _max_dev(ours, ref, mode, key, lo, hi):
    z = ours["z"]
    m = (z > lo) & (z <= hi)
    return float(np.max(np.abs(ours[key][m] / np.asarray(ref[mode][key])[m] - 1.0)))


def test_grid_finite_and_early_limits(th):
    for name, v in th._asdict().items():
        assert np.all(np.isfinite(np.asarray(v))), name
    ln_a = np.asarray(th.ln_a)
    assert ln_a[0] == pytest.approx(math.log(1e-8)) and ln_a[-1] == 0.0
    assert np.all(np.diff(ln_a) > 0)
    f = recfast.f_helium(PLANCK18.Y_He)
    assert float(th.x_e[0]) == pytest.approx(1.0 + 2.0 * f, rel=1e-9)  # fully ionised H, He III (Saha)
    assert float(th.T_b[0]) == pytest.approx(PLANCK18.T_cmb / 1e-8, rel=1e-12)
    assert np.all(np.asarray(th.x_e) > 1e-4) and np.all(np.asarray(th.kappa_dot) > 0)


@pytest.mark.parametrize(
    ("mode", "bounds"),
    [
        ("recfast", {(0, 20): 1.5e-3, (20, 800): 5e-3, (800, 1600): 5e-3, (1600, 3000): 1e-3}),
        ("hyrec", {(0, 20): 1e-2, (20, 800): 1.5e-2, (800, 1600): 6e-3, (1600, 3000): 6e-3}),
    ],
)
def test_x_e_and_kappa_dot_vs_class(ours, ref, mode, bounds):
    for (lo, hi), bound in bounds.items():
        assert _max_dev(ours, ref, mode, "x_e", lo, hi) < bound, (mode, lo, hi)
        assert _max_dev(ours, ref, mode, "kappa_dot", lo, hi) < bound, (mode, lo, hi)


@pytest.mark.parametrize("mode", ["recfast", "hyrec"])
def test_baryon_temperature_and_sound_speed_vs_class(ours, ref, mode):
    # T_b: < 1e-3 (max 9e-4 at z ~ 8, reionisation heating).
    assert _max_dev(ours, ref, mode, "T_b", 0, 3000) < 2e-3
    # c_s^2 passes through zero during reionisation (dln T_b/dln a > 3), skip 6 < z < 12 there.
    assert _max_dev(ours, ref, mode, "c_b2", 0, 6) < 1e-3
    assert _max_dev(ours, ref, mode, "c_b2", 12, 1e4) < 3e-3


@pytest.mark.parametrize("mode", ["recfast", "hyrec"])
def test_visibility_peak_and_last_scattering(th, ref, mode):
    z_peak = float(rec.visibility_peak_z(th))  # CLASS's z_rec
    z_star = float(rec.last_scattering_z(th))  # CLASS's z_star, kappa = 1
    assert z_peak == pytest.approx(ref[mode]["z_rec"], rel=1e-3)
    assert z_star == pytest.approx(ref[mode]["z_star"], rel=1e-3)
    # Reionisation optical depth: kappa at z = 50 vs CLASS's tau_reio (0.27% apart).
    kappa = np.asarray(rec.optical_depth(th))
    tau = np.interp(-math.log(51.0), np.asarray(th.ln_a), kappa)
    assert tau == pytest.approx(ref[mode]["tau_reio"], rel=1e-2)


def test_reionisation_plateaus(th):
    f = recfast.f_helium(PLANCK18.Y_He)
    _, _, xe = _interp(th, jnp.log(jnp.array([1.0 / 6.0, 1.0])))
    # z = 5: hydrogen and He I reionised (tanh tails 1e-4 left), z = 0: He II too.
    assert float(xe[0]) == pytest.approx(1.0 + f, rel=5e-4)
    assert float(xe[1]) == pytest.approx(1.0 + 2.0 * f, rel=1e-5)
    # before reionisation: the freeze-out residual ~2e-4
    _, _, xe20 = _interp(th, jnp.log(1.0 / 21.0))
    assert 1e-4 < float(xe20) < 4e-4


def test_interpolate_below_grid_and_derivatives(th):
    lo = float(th.ln_a[0])
    kd, cs2, xe = _interp(th, jnp.array([lo - 1.0, lo]))
    assert float(kd[0]) == pytest.approx(float(kd[1]) * math.e**2, rel=1e-12)
    assert float(cs2[0]) == pytest.approx(float(cs2[1]) * math.e, rel=1e-12)
    assert float(xe[0]) == pytest.approx(float(xe[1]), rel=1e-12)
    # nodes reproduced, grad in ln a finite everywhere (vmap)
    kd_nodes, _, _ = _interp(th, th.ln_a)
    np.testing.assert_allclose(np.asarray(kd_nodes), np.asarray(th.kappa_dot), rtol=1e-10)
    ln_a = jnp.linspace(lo - 2.0, 0.0, 3001)
    d = jax.jit(jax.vmap(jax.grad(lambda l: jnp.log(rec.interpolate(th, l)[0]))))(ln_a)
    assert np.all(np.isfinite(np.asarray(d)))
    # d ln kappa'/d ln a = -2 in the fully ionised era
    assert float(d[0]) == pytest.approx(-2.0, abs=1e-9)


def test_derivative_wrt_omega_b_matches_finite_differences(hist):
    th, dth = hist
    ln_a = jnp.log(1.0 / 1101.0)
    _, dxe = jax.jvp(lambda t: _interp(t, ln_a)[2], (th,), (dth,))
    h = 1e-5
    xp = _interp(_JVP(jnp.asarray(OMEGA_B + h))[0], ln_a)[2]
    xm = _interp(_JVP(jnp.asarray(OMEGA_B - h))[0], ln_a)[2]
    fd = (xp - xm) / (2 * h)
    assert np.isfinite(float(dxe)) and float(dxe) < 0  # more baryons, faster recombination
    assert float(dxe) == pytest.approx(float(fd), rel=1e-3)
    for name, v in dth._asdict().items():
        if name != "status":  # an integer output: its tangent is float0
            assert np.all(np.isfinite(np.asarray(v))), name


@pytest.mark.slow
def test_reverse_mode_gradient_matches_forward(hist):
    """jax.grad through the default RecursiveCheckpointAdjoint (~40 s to compile on 2 cores)."""
    th, dth = hist
    ln_a = jnp.log(1.0 / 1101.0)
    _, dxe = jax.jvp(lambda t: _interp(t, ln_a)[2], (th,), (dth,))

    def xe(ob):
        return _interp(rec.thermal_history(PLANCK18._replace(omega_b=ob)), ln_a)[2]

    g = jax.jit(jax.grad(xe))(OMEGA_B)
    assert float(g) == pytest.approx(float(dxe), rel=1e-4)


def test_status_ok(th):
    assert int(th.status) == Status.OK


def test_failed_solve_is_flagged_with_finite_values(monkeypatch):
    """A solve that runs out of steps is flagged MAX_STEPS (never thrown) and keeps finite values."""
    monkeypatch.setattr(rec, "_MAX_STEPS", 16)
    th = rec.thermal_history(n=256)
    assert int(th.status) == Status.MAX_STEPS
    assert all(np.all(np.isfinite(np.asarray(x))) for x in (th.x_e, th.T_b, th.kappa_dot, th.cs2))
