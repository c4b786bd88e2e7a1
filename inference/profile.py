"""Profile likelihood in one or two parameters, with Wilks intervals and contours.

On a grid of the profiled parameters, chi^2 = -2 log L is minimised over every other free
parameter (the nuisances) of the fit, inside their prior boxes. All grid points are minimised
together (vmapped), in two passes:

1. every point starts from the nuisance values of the global best fit;
2. every point restarts from the pass-1 solutions of its grid neighbours (warm starts), and keeps the
   lowest chi^2 it has seen. This follows a valley that bends away from the best fit.

Delta chi^2 is taken relative to the lowest chi^2 found (best fit or profile). Intervals and regions
follow Wilks' theorem (S. S. Wilks, Ann. Math. Statist. 9 (1938) 60): one profiled parameter gives
the 1 sigma and 2 sigma intervals where Delta chi^2 < 1 and < 4; two give the regions where it is
below 2.30 and 6.18. The 1-d crossings come from a cubic spline through the grid profile, so a
coarse grid still gives accurate interval ends.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from scipy.interpolate import CubicSpline

from jaxbsm.inference.bestfit import BestFit, best_fit, optimise, unconstraining_transforms
from jaxbsm.inference.config import FitConfig, full_parameters
from jaxbsm.inference.scan import grid_scan

WILKS_LEVELS = {1: (1.0, 4.0), 2: (2.2957, 6.1801)}  # Delta chi^2 of 68.27% / 95.45% for 1 and 2 dof
DEFAULT_POINTS = {1: 41, 2: 21}


@dataclass(frozen=True)
class Profile:
    """A profile likelihood on a grid.

    ``axes``: profiled parameter -> grid values (parameter units); ``chi2``: profiled chi^2 with
    shape of the grid (first axis = first parameter); ``nuisance``: nuisance name -> its minimising
    value at each grid point; ``chi2_min``: the reference of ``delta_chi2`` (lowest of the best fit
    and the profile); ``bestfit``: the global best fit the profile started from.
    """

    fit: str
    axes: dict[str, np.ndarray]
    chi2: np.ndarray
    nuisance: dict[str, np.ndarray]
    chi2_min: float
    bestfit: BestFit

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.axes)

    @property
    def delta_chi2(self) -> np.ndarray:
        return self.chi2 - self.chi2_min

    def intervals(self) -> dict[str, list[tuple[float, float, bool, bool]]]:
        """Wilks 1 sigma / 2 sigma intervals of a 1-d profile: ``{"1sigma": [(lo, hi, open_lo, open_hi)], ...}``.

        Each entry is one connected piece of {Delta chi^2 < level} (several when the profile has
        several minima); ``open_lo``/``open_hi`` flag an end that is the grid edge, not a crossing.
        """
        if len(self.axes) != 1:
            raise ValueError(f"intervals: a 1-d profile is needed, this one profiles {', '.join(self.names)}")
        x = next(iter(self.axes.values()))
        d = self.delta_chi2
        finite = np.isfinite(d)
        out = {}
        for label, level in zip(("1sigma", "2sigma"), WILKS_LEVELS[1]):
            out[label] = _below_level(x[finite], d[finite], level)
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per grid point: profiled values, chi^2, Delta chi^2 and the minimising nuisances."""
        mesh = np.meshgrid(*self.axes.values(), indexing="ij")
        columns = {name: m.ravel() for name, m in zip(self.axes, mesh)}
        columns |= {"chi2": self.chi2.ravel(), "delta_chi2": self.delta_chi2.ravel()}
        columns |= {name: v.ravel() for name, v in self.nuisance.items()}
        return pd.DataFrame(columns)

    def table(self) -> str:
        """Human-readable summary: the best point, and the Wilks intervals of a 1-d profile."""
        b = self.bestfit
        lines = [f"profile of {', '.join(self.names)} in fit {self.fit}; nuisances: {', '.join(self.nuisance) or '(none)'}"]
        lines.append("best fit: " + ", ".join(f"{k} = {v:.6g}" for k, v in b.values.items()) + f"   chi2 = {b.chi2:.4f}")
        i_min = np.unravel_index(np.nanargmin(self.chi2), self.chi2.shape)
        at = ", ".join(f"{k} = {ax[i]:.6g}" for (k, ax), i in zip(self.axes.items(), i_min))
        lines.append(f"lowest grid point: {at}   chi2 = {self.chi2[i_min]:.4f}")
        if len(self.axes) == 1:
            name = self.names[0]
            for (label, pieces), level in zip(self.intervals().items(), WILKS_LEVELS[1]):
                text = " U ".join(
                    f"[{lo:.5g}{' (grid edge)' if olo else ''}, {hi:.5g}{' (grid edge)' if ohi else ''}]"
                    for lo, hi, olo, ohi in pieces
                )
                lines.append(f"{label} (Delta chi2 < {level:g}): {name} in {text or '(empty)'}")
        else:
            lines.append("regions: Delta chi2 < 2.30 (1 sigma) and < 6.18 (2 sigma), see the plot")
        return "\n".join(lines)


def _below_level(x: np.ndarray, d: np.ndarray, level: float) -> list[tuple[float, float, bool, bool]]:
    """Connected pieces of {d(x) < level} for a profile sampled at x, ends from a cubic spline."""
    if x.size < 2:
        return []
    spline = CubicSpline(x, d)
    roots = [r for r in spline.solve(level, extrapolate=False) if x[0] < r < x[-1]]
    edges = [x[0], *roots, x[-1]]
    pieces = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        if spline(0.5 * (lo + hi)) < level:
            pieces.append((float(lo), float(hi), lo == x[0], hi == x[-1]))
    return pieces


def default_axis(config: FitConfig, name: str, points: int, bestfit: BestFit | None = None) -> np.ndarray:
    """Default grid of a profiled parameter.

    With a best fit whose Hessian error sigma is finite: best +- 5 sigma (Delta chi^2 = 25 for a
    Gaussian, so the 2 sigma interval is well inside), clipped to the prior box. Otherwise the
    whole prior box. Log-spaced for a loguniform prior, linear otherwise.
    """
    spec = config.parameters[name]
    low, high = spec.low, spec.high
    if bestfit is not None and math.isfinite(bestfit.errors[name]) and bestfit.errors[name] > 0:
        best, sd = bestfit.values[name], bestfit.errors[name]
        if spec.prior == "loguniform":  # 5 sigma of ln|x|
            low, high = sorted((best * math.exp(-5 * sd / abs(best)), best * math.exp(5 * sd / abs(best))))
        else:
            low, high = best - 5 * sd, best + 5 * sd
        low, high = max(low, spec.low), min(high, spec.high)
    if spec.prior == "loguniform":  # a loguniform box lies on one side of 0; geomspace keeps the sign
        return np.geomspace(low, high, points)
    return np.linspace(low, high, points)


def _check_axes(config: FitConfig, axes: Mapping[str, Sequence[float]]) -> dict[str, np.ndarray]:
    if not 1 <= len(axes) <= 2:
        raise ValueError(f"profile: 1 or 2 profiled parameters are allowed, got {len(axes)}: {', '.join(axes)}")
    checked = {}
    for name, values in axes.items():
        if name not in config.parameters:
            raise ValueError(
                f"profile: parameter {name!r} is not free in fit {config.name}; free parameters: {', '.join(config.free)}"
            )
        grid = np.asarray(values, dtype=float)
        spec = config.parameters[name]
        if grid.ndim != 1 or grid.size < 2 or not np.all(np.diff(grid) > 0):
            raise ValueError(f"profile: the grid of {name} must be increasing with at least 2 points, got {grid}")
        if grid[0] < spec.low or grid[-1] > spec.high:
            raise ValueError(
                f"profile: the grid of {name}, [{grid[0]:g}, {grid[-1]:g}], leaves the prior box [{spec.low:g}, {spec.high:g}]"
            )
        checked[name] = grid
    return checked


def neighbour_index(shape: tuple[int, ...]) -> np.ndarray:
    """Neighbours on a grid of ``shape``: array (n_points, 1 + 2 * len(shape)) of flat ('C' order) indices.

    Row i holds i itself, then its neighbour below and above along each axis in turn (i itself
    where that neighbour would be beyond the grid edge: no wrap-around). Used for the warm starts
    of the second profiling pass.
    """
    idx = np.arange(math.prod(shape)).reshape(shape)
    neighbours = [idx]
    for axis in range(len(shape)):
        for step in (-1, 1):
            shifted = np.roll(idx, step, axis=axis)
            edge = [slice(None)] * len(shape)
            edge[axis] = 0 if step == 1 else -1
            shifted[tuple(edge)] = idx[tuple(edge)]  # no wrap-around at the grid edge: use the point itself
            neighbours.append(shifted)
    return np.stack([n.ravel() for n in neighbours], axis=-1)


def profile(
    likelihood, config: FitConfig, axes: Mapping[str, Sequence[float]], bestfit: BestFit | None = None
) -> Profile:
    """Profile chi^2 = -2 log L of ``config`` on the outer-product grid ``axes`` (name -> values).

    The nuisances (free parameters not in ``axes``) are minimised in their prior boxes with the
    best-fit optimiser (``config.bestfit.steps`` Adam + L-BFGS steps per pass). ``bestfit``
    (computed if not given) supplies the starting nuisances and the global minimum.
    """
    axes = _check_axes(config, axes)
    bestfit = bestfit if bestfit is not None else best_fit(likelihood, config)
    nuisance_names = tuple(n for n in config.free if n not in axes)
    mesh = np.meshgrid(*axes.values(), indexing="ij")
    shape = mesh[0].shape
    grid = jnp.asarray(np.stack([m.ravel() for m in mesh], axis=-1))  # (n_points, n_profiled)

    def chi2_at(x_nuisance, x_profiled):
        free = dict(zip(nuisance_names, x_nuisance)) | dict(zip(axes, x_profiled))
        return -2.0 * likelihood.log_likelihood(full_parameters(config, free))

    if not nuisance_names:  # nothing to minimise: chi2 on the grid, batched as every scan
        chi2 = -2.0 * grid_scan(likelihood, config, axes).ravel()
        nuisance = {}
    else:
        sub = dataclasses.replace(config, parameters={n: config.parameters[n] for n in nuisance_names})
        to_physical, to_unconstrained = unconstraining_transforms(sub)
        steps = config.bestfit.steps

        @jax.jit
        @jax.vmap
        def minimise(u0, xp):
            u = optimise(lambda u: chi2_at(to_physical(u), xp), u0, steps)
            return u, chi2_at(to_physical(u), xp)

        u_best = to_unconstrained(jnp.asarray([bestfit.values[n] for n in nuisance_names]))
        u, chi2 = minimise(jnp.broadcast_to(u_best, (grid.shape[0], len(nuisance_names))), grid)
        u1 = u
        for neighbour in neighbour_index(shape).T[1:]:  # one call per direction: same shapes, one compilation
            u2, c2 = minimise(u1[neighbour], grid)
            better = c2 < jnp.where(jnp.isfinite(chi2), chi2, jnp.inf)
            u, chi2 = jnp.where(better[:, None], u2, u), jnp.where(better, c2, chi2)
        x_nuisance = np.asarray(jax.vmap(to_physical)(u))
        nuisance = {n: x_nuisance[:, i].reshape(shape) for i, n in enumerate(nuisance_names)}
    chi2 = np.where(np.isfinite(chi2), chi2, np.inf).reshape(shape)
    return Profile(
        fit=config.name,
        axes=axes,
        chi2=chi2,
        nuisance=nuisance,
        chi2_min=float(min(bestfit.chi2, np.min(chi2))),
        bestfit=bestfit,
    )


def profile_plot(prof: Profile, path: str | Path, labels: Mapping[str, str] | None = None) -> None:
    """PNG of the profile: Delta chi^2 curve with the 1/2 sigma lines (1-d), or the Wilks regions (2-d)."""
    from jaxbsm.inference.plots import plt  # Agg backend set there

    labels = {n: (labels or {}).get(n, n) for n in prof.names}
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    if len(prof.axes) == 1:
        (name, x), d = next(iter(prof.axes.items())), prof.delta_chi2
        ax.plot(x, d, "o", ms=3, color="C0", label="profile (grid)")
        fine = np.linspace(x[0], x[-1], 400)
        finite = np.isfinite(d)
        ax.plot(fine, CubicSpline(x[finite], d[finite])(fine), color="C0", lw=1)
        for level, style in zip(WILKS_LEVELS[1], ("--", ":")):
            ax.axhline(level, color="k", ls=style, lw=0.8)
        ax.set_ylim(0, max(9.0, 1.1 * WILKS_LEVELS[1][1]))
        ax.set_xlabel(labels[name])
        ax.set_ylabel(r"$\Delta\chi^2$")
    else:
        (nx, x), (ny, y) = prof.axes.items()
        levels = [0.0, *WILKS_LEVELS[2]]
        ax.contourf(x, y, prof.delta_chi2.T, levels=levels, colors=["#3182bd", "#9ecae1"])
        ax.contour(x, y, prof.delta_chi2.T, levels=list(WILKS_LEVELS[2]), colors="C0", linewidths=1)
        ax.set_xlabel(labels[nx])
        ax.set_ylabel(labels[ny])
    best = prof.bestfit.values
    if len(prof.axes) == 1:
        ax.axvline(best[prof.names[0]], color="C3", lw=1, label="best fit")
        ax.legend(frameon=False)
    else:
        ax.plot(best[prof.names[0]], best[prof.names[1]], "+", color="C3", ms=10)
    ax.set_title(f"profile likelihood: {prof.fit}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
