"""The scalar-decay model's tables (jaxbsm.cosmology.scalar_decay_tables) against the live chain.

Reference: the live chain (freeze-in solve, find_half_mode) at 200 random points of the fit box, 20 of
them within 0.5 GeV of the h → SS threshold (data/scalar_decay_live_points.json, made by
data/make_scalar_decay_live_points.py). Issue 18's targets: λ_hm within 1%, Ω_N h² within 0.3%.
"""

from __future__ import annotations

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxbsm.cosmology import half_mode, scalar_decay_tables
from jaxbsm.cosmology.freeze_in import solve_freeze_in
from jaxbsm.registry import get_model

POINTS = json.loads((Path(__file__).parent / "data" / "scalar_decay_live_points.json").read_text())["points"]
NAMES = ("Omega_N_h2", "mean_q_N", "lambda_hm")


# λ_hm, measured 2026-12-06 on the refined λ_hm table (28 m_S nodes, 0.136 apart in ln m_S above
# 67 GeV; 32 λ nodes, 8 per decade above 10^-6.5; 17 y nodes, 4 per decade; 4 m_N nodes): worst 6.4%,
# 7 of 200 points above 1%, all at small y (1.6e-10 to 4.7e-9), six of them in the freeze-out region
# (λ > 3e-6). Before (22 m_S nodes, 2 per decade in λ): worst 20.6%, 20 above 1%. There λ_hm moves
# from the scale of the hot, equilibrium-decay component of f_N to that of the cold, late-decay one
# along λ·y ≈ const; the step is now resolved in λ and m_S but not yet in y (4 per decade). The
# target stays (issue 18 open); strict: when regenerated tables meet it, the test passes and the mark
# must go.
TABLES_SHORT = "the lambda_hm table misses the target in the freeze-out region (module comment); issue 18 open"


@pytest.fixture(scope="module")
def tables_at_points():
    model = get_model("scalar-decay")
    params = {k: jnp.array([p[k] for p in POINTS]) for k in ("m_S", "lam", "y", "m_N")}
    pred = jax.jit(jax.vmap(model.predict))(params)
    return {k: np.asarray(pred[k]) for k in NAMES}


def _errors(tables_at_points, name):
    live = np.array([p[name] for p in POINTS])
    return np.abs(tables_at_points[name] / live - 1.0)


def test_omega_within_target(tables_at_points):
    """Ω_N h² = m_N F(m_S, λ, y) exactly (m_N ≪ m_S), F from the tables: worst case over 200 points
    below 0.3% (issue 18). Measured 2026-12-06 (238 m_S nodes, 97 x 33 (λ, y) nodes): worst 1.3e-4
    (m_S = 166.1 GeV, λ = 1.67e-7, y = 9.3e-9), median 2.0e-7. Worst at the midpoints of the (λ, y)
    cells at 11 m_S nodes, 60-300 GeV: 3.5e-4 (test_cell_midpoints_within_target)."""
    err = _errors(tables_at_points, "Omega_N_h2")
    assert err.max() < 3e-3, (err.max(), POINTS[int(err.argmax())])


def test_mean_q_within_target(tables_at_points):
    """⟨q⟩ below 0.3% (the target of Ω). Measured 2026-12-06: worst 1.2e-4 (m_S = 62.38 GeV,
    λ = 6.4e-5, y = 1.6e-10), median 5.4e-7; at (λ, y) cell midpoints up to 1.9e-3, in the lowest y
    cell below the threshold (freeze-out, late decay)."""
    err = _errors(tables_at_points, "mean_q_N")
    assert err.max() < 3e-3, (err.max(), POINTS[int(err.argmax())])


@pytest.mark.parametrize("m_S", [60.0, 61.92])
def test_cell_midpoints_within_target(m_S):
    """Where a spline is worst: the centres of the (λ, y) cells, at the m_S node nearest to m_S, against
    the live freeze-in solve (scalar_decay_tables.omega_slab). Below the threshold at the lowest y
    (freeze-out, then late decay) ⟨q⟩ varies fastest; measured 2026-12-06: Ω worst 3.5e-4 and 3.5e-4,
    ⟨q⟩ worst 1.89e-3 and 1.87e-3 (at y = 1.15e-10)."""
    g = scalar_decay_tables.GRID
    nodes = g.m_S_nodes()
    m_S = float(nodes[np.argmin(np.abs(nodes - m_S))])
    mid_lam, mid_y = 0.5 * (g.ln_lam[1:] + g.ln_lam[:-1]), 0.5 * (g.ln_y[1:] + g.ln_y[:-1])
    ln_f, ln_q = scalar_decay_tables.omega_slab(m_S, mid_lam, mid_y)
    A, B = (jnp.asarray(a.ravel()) for a in np.meshgrid(mid_lam, mid_y, indexing="ij"))
    sur = scalar_decay_tables.surrogate()
    omega, mean_q, _ = jax.jit(jax.vmap(lambda a, b: sur.predict(m_S, jnp.exp(a), jnp.exp(b), 1.0)))(A, B)
    assert np.max(np.abs(np.asarray(omega) / np.exp(ln_f.ravel()) - 1.0)) < 3e-3  # m_N = 1 keV: Ω = F
    assert np.max(np.abs(np.asarray(mean_q) / np.exp(ln_q.ravel()) - 1.0)) < 3e-3


@pytest.mark.xfail(strict=True, reason=TABLES_SHORT)
def test_lambda_hm_within_target(tables_at_points):
    """λ_hm from the 4-d table: worst case over 200 points below 1% (issue 18). Measured 2026-12-06:
    worst 6.4% (m_S = 62.67 GeV, λ = 3.2e-5, y = 1.6e-10, m_N = 11.9 keV), median 0.009%, 7 of 200
    above 1% (module comment); with the older table worst 20.6%, 20 above 1%."""
    err = _errors(tables_at_points, "lambda_hm")
    assert err.max() < 1e-2, (err.max(), POINTS[int(err.argmax())])


def test_gradients_finite_and_match_finite_differences():
    """d ln λ_hm and d ln Ω along each parameter: the splines' gradient against central differences."""
    model = get_model("scalar-decay")
    p = {"m_S": 100.0, "lam": 2e-8, "y": 3e-8, "m_N": 8.0}  # above the threshold: the other side sits at its end node
    f = lambda q: jnp.stack([jnp.log(model.predict(q)[k]) for k in ("Omega_N_h2", "lambda_hm")])  # noqa: E731
    jac = jax.jacfwd(lambda q: f(q))({k: jnp.asarray(v) for k, v in p.items()})
    rev = jax.jacrev(lambda q: f(q))({k: jnp.asarray(v) for k, v in p.items()})  # NUTS uses reverse mode
    for k, v in p.items():
        h = 1e-4 * v
        fd = (f({**p, k: v + h}) - f({**p, k: v - h})) / (2 * h)
        np.testing.assert_allclose(np.asarray(jac[k]), np.asarray(fd), rtol=1e-4, atol=1e-8)
        np.testing.assert_allclose(np.asarray(rev[k]), np.asarray(jac[k]), rtol=1e-12, atol=0)


@pytest.mark.parametrize("i", [0, 57])
def test_stored_point_is_the_live_chain(i):
    """Two stored reference points recomputed now (one at the threshold). The spread between CPUs,
    measured 2026-12-06 by recompiling for older instruction sets on this AVX-512 machine
    (XLA_FLAGS=--xla_cpu_max_isa=SSE4_2 or AVX2: no FMA, narrower vectors): λ_hm moves by up to
    2.3e-6 (SSE4_2) and 5e-10 (AVX2) relative, Ω_N h² by 3e-16. Hence 1e-4 for λ_hm (the adaptive
    perturbation solver's rtol 1e-5 amplifies rounding) and 1e-6 for Ω, each with a wide margin."""
    p = POINTS[i]
    r = solve_freeze_in(p["m_S"], p["lam"], p["y"], p["m_N"] * 1e-6)
    hm = half_mode.find_half_mode(half_mode.species_from_freeze_in(r, p["m_N"]))
    assert float(r.omega_h2) == pytest.approx(p["Omega_N_h2"], rel=1e-6)
    assert hm.lambda_hm == pytest.approx(p["lambda_hm"], rel=1e-4)


@pytest.mark.slow
def test_every_stored_point_is_the_live_chain():
    for p in POINTS:
        r = solve_freeze_in(p["m_S"], p["lam"], p["y"], p["m_N"] * 1e-6)
        hm = half_mode.find_half_mode(half_mode.species_from_freeze_in(r, p["m_N"]))
        assert hm.lambda_hm == pytest.approx(p["lambda_hm"], rel=1e-4), p


def test_threshold_patches_meet_the_live_jump():
    """Across m_h/2 the freeze-in yield jumps by e^2.7 (h → SS closes); each side's patch follows its
    own side: Ω at m_h/2 ∓ 0.05 GeV from the tables against the live solve."""
    model = get_model("scalar-decay")
    for dm in (-0.05, 0.05):
        m_S = scalar_decay_tables.M_THRESHOLD + dm
        live = float(solve_freeze_in(m_S, 1e-8, 1e-8, 1e-5, spectrum=False).omega_h2)
        assert float(model.predict({"m_S": m_S, "lam": 1e-8, "y": 1e-8, "m_N": 10.0})["Omega_N_h2"]) == pytest.approx(live, rel=3e-3)
