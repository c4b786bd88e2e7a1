r"""Tabulated predictions of the scalar-decay model over its whole 4-d fit box, and the live chain
that computes them (seed 003; König, Merle & Totzauer, JCAP 1611 (2016) 038, arXiv:1609.01289).

NUTS needs log L and its gradient thousands of times per chain; the live chain (freeze-in →
f_N(q) → linear Boltzmann solver → T² = 1/2) costs far more than that allows on a CPU. The fit
therefore samples C² cubic splines (interpax ``cubic2``) of the live chain's output on a grid
over the box, using what the physics guarantees to keep the grid small:

- m_N ≪ m_S: the S → NN phase space is (1 − 4m_N²/m_S²)^{3/2} = 1 − O(1e-11) in the box, so the
  yield Y_N and the spectrum f_N(q) do not depend on m_N, and Ω_N h² = m_N F(m_S, λ, y) exactly
  (``freeze_in.omega_h2``). The tables hold ln F [per keV] and ln ⟨q⟩ on a 3-d grid in
  (ln m_S, ln λ, ln y).
- m_N enters the transfer function through the velocity scale ⟨p⟩/m_N only: ln λ_hm is a smooth,
  nearly linear function of ln m_N at fixed (m_S, λ, y) (thermal relics: λ_hm ∝ m^{-1.11}), so the
  4-d table of ln λ_hm has few nodes in ln m_N.

Units: m_S in GeV, m_N in keV, λ_hm in Mpc/h; λ, y dimensionless. The grid (``GRID``) and the
box (``BOX``) are fixed here; the stored values live in ``data/scalar_decay_tables.npz``, made by
``scripts/make_scalar_decay_tables.py`` with the live functions below (``omega_slab``,
``lambda_hm_slab``), which this module only reads. Accuracy against the live chain at random
points of the box is measured in tests/cosmology/test_scalar_decay_tables.py.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import NamedTuple

import interpax
import jax
import jax.numpy as jnp
import numpy as np

from jaxbsm.constants import M_H, M_W, M_Z
from jaxbsm.cosmology import half_mode
from jaxbsm.cosmology.freeze_in import solve_freeze_in
from jaxbsm.status import Status, raise_if_failed

#: The fit box (parameter units): m_S [GeV] around the Higgs resonance m_h/2 and through regimes
#: I–III of seed 003, λ and y over the seed's plane, m_N [keV].
BOX = {"m_S": (60.0, 300.0), "lam": (1e-12, 1e-4), "y": (1e-10, 1e-6), "m_N": (2.0, 50.0)}

TABLE_FILE = "data/scalar_decay_tables.npz"


def _log_nodes(lo: float, hi: float, per_decade: float) -> np.ndarray:
    return np.linspace(np.log(lo), np.log(hi), int(round(np.log10(hi / lo) * per_decade)) + 1)


#: Threshold of h → SS [GeV]: below it S is produced in Higgs decays (regime III of seed 003),
#: above it by annihilations through the Higgs (regimes I–II). At fixed λ the freeze-in yield drops
#: by e^{2.7} between m_S = 62.5 and 62.75 GeV (the decay rate ∝ β vanishes at threshold), which no
#: spline in m_S follows: each side gets its own patch with a coordinate in which it is smooth.
M_THRESHOLD = M_H.value / 2.0
BETA_MIN, DELTA_MIN = 1e-4, 0.02  # below these the patches are continued flat (a 3e-7 and a 0.02 GeV sliver)


def below_coordinate(m_S):
    """ln β, β = √(1 − 4m_S²/m_h²) the Higgs-decay velocity (m_S < m_h/2 [GeV]); at least ln BETA_MIN."""
    b2 = 1.0 - (m_S / M_THRESHOLD) ** 2
    return 0.5 * jnp.log(jnp.maximum(b2, BETA_MIN**2))


def above_coordinate(m_S):
    """ln(m_S − m_h/2) [GeV] (m_S > m_h/2); at least ln DELTA_MIN."""
    return jnp.log(jnp.maximum(m_S - M_THRESHOLD, DELTA_MIN))


def _above_nodes(hi: float) -> np.ndarray:
    """Nodes of ``above_coordinate`` for the Ω and ⟨q⟩ tables, from m_h/2 + DELTA_MIN to hi [GeV]:
    log-spaced within 8 GeV of the threshold, every 2 GeV beyond, and finer across the thresholds of
    SS → WW, ZZ (every 0.75 GeV) and SS → hh (every 0.5 GeV). Where S freezes out, its relic
    abundance, and with it Ω_N h² and ⟨q⟩, bends at each threshold over about T_fo ≈ m_S/25; with
    2 GeV throughout a spline in m_S misses the bend at m_S ≈ m_h by 0.5% (measured against live
    solves every 0.5 GeV; 1e-4 to 5e-4 with these nodes)."""
    near = np.exp(np.arange(np.log(DELTA_MIN), np.log(8.0), 0.12))
    far = np.arange(M_THRESHOLD + 8.0, hi, 2.0) - M_THRESHOLD
    weak = np.arange(M_W.value - 4.0, M_Z.value + 4.0, 0.75) - M_THRESHOLD
    higgs = np.arange(M_H.value - 7.0, M_H.value + 9.0, 0.5) - M_THRESHOLD
    x = np.sort(np.log(np.concatenate([near, far, weak, higgs, [hi - M_THRESHOLD]])))
    keep = np.concatenate([[True], np.diff(x) > 4e-3])  # drop near-duplicates where the sets meet
    keep[-2] &= x[-1] - x[-2] > 4e-3  # the last node is hi itself
    return x[keep]


def _merge(*node_sets: np.ndarray) -> np.ndarray:
    """Sorted union of node sets, nodes closer than 1e-9 counted once."""
    x = np.sort(np.concatenate(node_sets))
    return x[np.concatenate([[True], np.diff(x) > 1e-9])]


def _above_nodes_hm() -> np.ndarray:
    """Nodes of ``above_coordinate`` for the λ_hm table: 8 log-spaced from m_h/2 + DELTA_MIN to
    m_S ≈ 67.4 GeV, then 11 evenly spaced in ln m_S to the top of the box. In the freeze-out region
    the step of λ_hm from the hot to the cold scale moves with m_S as with λ; the former 13 log-spaced
    nodes (0.53 apart in ln m_S above 115 GeV) missed λ_hm by 9.5% at 260 GeV."""
    near = np.linspace(np.log(DELTA_MIN), np.log(BOX["m_S"][1] - M_THRESHOLD), 13)[:8]
    far = np.exp(np.linspace(np.log(M_THRESHOLD + np.exp(near[-1])), np.log(BOX["m_S"][1]), 12)[1:]) - M_THRESHOLD
    return np.concatenate([near, np.log(far)])


def _m_S(x_below: np.ndarray, x_above: np.ndarray) -> np.ndarray:
    below = M_THRESHOLD * np.sqrt(1.0 - np.exp(2.0 * x_below))
    return np.concatenate([below, M_THRESHOLD + np.exp(x_above)])


class Grid(NamedTuple):
    """Nodes of the stored tables: the m_S coordinate of each patch (``below_coordinate``,
    ``above_coordinate``), and natural logs of λ, y, m_N [keV]. The Ω and ⟨q⟩ tables (one
    freeze-in solve per node, cheap) are dense in m_S; the λ_hm table (a Boltzmann solve per node
    and m_N) has its own, coarser m_S nodes."""

    x_below: np.ndarray  # Ω and ⟨q⟩ tables
    x_above: np.ndarray
    ln_lam: np.ndarray
    ln_y: np.ndarray
    x_below_hm: np.ndarray  # λ_hm table
    x_above_hm: np.ndarray
    ln_lam_hm: np.ndarray
    ln_y_hm: np.ndarray
    ln_m_N: np.ndarray

    def m_S_nodes(self) -> np.ndarray:
        """m_S nodes [GeV] of the Ω and ⟨q⟩ tables, the below-threshold patch first."""
        return _m_S(self.x_below, self.x_above)

    def m_S_nodes_hm(self) -> np.ndarray:
        """m_S nodes [GeV] of the λ_hm table, the below-threshold patch first."""
        return _m_S(self.x_below_hm, self.x_above_hm)


_X_BELOW_LO = np.log(np.sqrt(1.0 - (BOX["m_S"][0] / M_THRESHOLD) ** 2))
# (λ, y) of the Ω and ⟨q⟩ tables: 12 and 8 nodes per decade. At 6 and 4 the splines missed by up to
# 0.5% (Ω, where S starts to thermalise, λ ≈ 1e-7) and 2.5% (⟨q⟩, freeze-out then late decay at
# y ≈ 1e-10, when S decays while g*s(T) changes); now ≤ 3.5e-4 and ≤ 1.9e-3 at the cell midpoints.
GRID = Grid(
    x_below=np.linspace(_X_BELOW_LO, np.log(BETA_MIN), 25),
    x_above=_above_nodes(BOX["m_S"][1]),
    ln_lam=_log_nodes(*BOX["lam"], 12),
    ln_y=_log_nodes(*BOX["y"], 8),
    x_below_hm=np.linspace(_X_BELOW_LO, np.log(BETA_MIN), 9),
    x_above_hm=_above_nodes_hm(),
    ln_lam_hm=_merge(_log_nodes(*BOX["lam"], 2), _log_nodes(10**-6.5, BOX["lam"][1], 8)),  # 8 per decade where
    # λ_hm steps from the hot to the cold scale (freeze-out); 2 per decade missed it by up to 20%
    ln_y_hm=_log_nodes(*BOX["y"], 4),
    ln_m_N=_log_nodes(*BOX["m_N"], 2),
)


class Tables(NamedTuple):
    """Stored values on ``GRID``: ln F = ln(Ω_N h²/m_N[keV]) and ln ⟨q⟩, shape (m_S, λ, y) with m_S
    over ``GRID.m_S_nodes()``; ln λ_hm [Mpc/h], shape (m_S_hm, λ_hm, y_hm, m_N) with m_S over
    ``GRID.m_S_nodes_hm()``, and the half-mode status of each of its nodes."""

    ln_omega_per_keV: np.ndarray
    ln_mean_q: np.ndarray
    ln_lambda_hm: np.ndarray
    lambda_hm_status: np.ndarray
    meta: dict


# --- the live chain (used by scripts/make_scalar_decay_tables.py and the validation tests) ----------
def omega_slab(m_S: float, ln_lam: np.ndarray, ln_y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ln(Ω_N h²/m_N[keV]) and ln ⟨q⟩ at one m_S [GeV] on the (ln λ, ln y) grid, by the full
    freeze-in solve (row by row in λ: a batched solve holds every point's rate tables). Raises
    ``jaxbsm.status.SolverError`` where the solve fails."""
    solve = jax.jit(lambda la, ly: solve_freeze_in(m_S, jnp.exp(la), jnp.exp(ly), 1e-6, spectrum=False))
    A, B = np.meshgrid(ln_lam, ln_y, indexing="ij")
    rows = [solve(jnp.asarray(A[i]), jnp.asarray(B[i])) for i in range(ln_lam.size)]
    raise_if_failed(np.array([np.asarray(r.status) for r in rows]), f"omega_slab at m_S = {m_S} GeV")
    return (
        np.log(np.array([np.asarray(r.omega_h2) for r in rows])),
        np.log(np.array([np.asarray(r.mean_q) for r in rows])),
    )


def lambda_hm_point(m_S: float, lam: float, y: float, m_N_keV) -> tuple[np.ndarray, np.ndarray]:
    """ln λ_hm [Mpc/h] and the half-mode status at one (m_S [GeV], λ, y) for each m_N [keV] in
    ``m_N_keV`` (one freeze-in solve, one half-mode search per mass). Raises
    ``jaxbsm.status.SolverError`` if a solve fails."""
    r = solve_freeze_in(m_S, lam, y, 1e-6)
    raise_if_failed(r.status, f"lambda_hm_point: freeze-in at m_S = {m_S} GeV, lam = {lam:.4g}, y = {y:.4g}")
    masses = np.atleast_1d(np.asarray(m_N_keV, float))
    out = [half_mode.find_half_mode(half_mode.species_from_freeze_in(r, float(m))) for m in masses]
    return np.log([hm.lambda_hm for hm in out]), np.array([hm.status for hm in out], np.int32)


# --- the surrogate ------------------------------------------------------------------------------
def read_tables() -> Tables:
    """The stored tables (``TABLE_FILE``), checked against ``GRID``. Read with allow_pickle=False."""
    with resources.files("jaxbsm.cosmology").joinpath(TABLE_FILE).open("rb") as fh, np.load(fh, allow_pickle=False) as z:
        data = {k: z[k] for k in z.files}
    for name, nodes in GRID._asdict().items():  # the axes the tables were made on
        if not np.allclose(data[name], nodes, rtol=0, atol=1e-12):
            raise ValueError(f"{TABLE_FILE}: axis {name} differs from scalar_decay_tables.GRID; regenerate the tables")
    return Tables(
        data["ln_omega_per_keV"], data["ln_mean_q"], data["ln_lambda_hm"], data["lambda_hm_status"], json.loads(str(data["meta"]))
    )


class Patch(NamedTuple):
    """Splines of one side of the threshold in (m_S coordinate, ln λ, ln y) (interpax ``cubic2``)."""

    ln_omega_per_keV: interpax.Interpolator3D
    ln_mean_q: interpax.Interpolator3D
    ln_lambda_hm: interpax.Interpolator3D  # the m_N nodes as a trailing axis


class Surrogate(NamedTuple):
    """The two patches; ``predict`` evaluates them (traceable, differentiable)."""

    below: Patch
    above: Patch

    def predict(self, m_S, lam, y, m_N):
        """(Ω_N h², ⟨q⟩, λ_hm [Mpc/h]) at m_S [GeV], λ, y, m_N [keV] inside ``BOX`` (scalars)."""
        ln_lam, ln_y = jnp.log(lam), jnp.log(y)

        def side(patch: Patch, x):
            at_nodes = patch.ln_lambda_hm(x, ln_lam, ln_y)  # ln λ_hm at the m_N nodes
            ln_hm = interpax.interp1d(jnp.log(m_N), jnp.asarray(GRID.ln_m_N), at_nodes, method="cubic2", extrap=True)
            return jnp.stack([patch.ln_omega_per_keV(x, ln_lam, ln_y), patch.ln_mean_q(x, ln_lam, ln_y), ln_hm])

        below = m_S < M_THRESHOLD
        # both sides at clamped coordinates (finite everywhere), then the one that applies
        ln_f, ln_q, ln_hm = jnp.where(below, side(self.below, below_coordinate(jnp.minimum(m_S, M_THRESHOLD))),
                                      side(self.above, above_coordinate(jnp.maximum(m_S, M_THRESHOLD))))
        return jnp.exp(ln_f) * m_N, jnp.exp(ln_q), jnp.exp(ln_hm)


@functools.cache
def surrogate() -> Surrogate:
    """The splines of the stored tables (read once per process; built eagerly even when first asked
    for under jit, so that the cached splines hold arrays, not tracers)."""
    with jax.ensure_compile_time_eval():
        return _build_surrogate()


def _build_surrogate() -> Surrogate:
    t = read_tables()
    if np.any(t.lambda_hm_status != Status.OK):
        raise ValueError(f"{TABLE_FILE}: {int(np.sum(t.lambda_hm_status != Status.OK))} λ_hm nodes without a bracketed half mode")
    g = {k: jnp.asarray(v) for k, v in GRID._asdict().items()}
    # extrap: the side of the threshold not taken is evaluated at its end node, which rounding can put
    # a hair outside; interpax's default NaN there turned every reverse-mode gradient into NaN (0·NaN)
    spline = functools.partial(interpax.Interpolator3D, method="cubic2", extrap=True)
    n, n_hm = GRID.x_below.size, GRID.x_below_hm.size

    def patch(x, x_hm, rows: slice, rows_hm: slice) -> Patch:
        return Patch(
            spline(x, g["ln_lam"], g["ln_y"], jnp.asarray(t.ln_omega_per_keV[rows])),
            spline(x, g["ln_lam"], g["ln_y"], jnp.asarray(t.ln_mean_q[rows])),
            spline(x_hm, g["ln_lam_hm"], g["ln_y_hm"], jnp.asarray(t.ln_lambda_hm[rows_hm])),
        )

    # the below patch's coordinate ln β falls with m_S: its nodes run from high to low; interpax wants them increasing
    below = patch(g["x_below"][::-1], g["x_below_hm"][::-1], slice(n - 1, None, -1), slice(n_hm - 1, None, -1))
    return Surrogate(below, patch(g["x_above"], g["x_above_hm"], slice(n, None), slice(n_hm, None)))


__all__ = [
    "BOX", "GRID", "M_THRESHOLD", "TABLE_FILE", "Grid", "Patch", "Surrogate", "Tables",
    "above_coordinate", "below_coordinate", "lambda_hm_point", "omega_slab", "read_tables", "surrogate",
]
