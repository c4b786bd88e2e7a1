"""Corner plot of posterior draws: 1-d histograms on the diagonal, 68.3%/95.4% HPD contours below.

Contours enclose the highest-density regions holding 68.3% and 95.4% of the draws (the 2-d
analogue of 1 and 2 sigma), from a lightly smoothed 2-d histogram.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

LEVELS = (0.954, 0.683)  # enclosed probability of the outer and inner contour
BINS = 30


def _smooth(h: np.ndarray) -> np.ndarray:
    kernel = np.array([0.25, 0.5, 0.25])
    for axis in (0, 1):
        h = np.apply_along_axis(lambda r: np.convolve(r, kernel, mode="same"), axis, h)
    return h


def hpd_thresholds(density: np.ndarray, levels: Sequence[float]) -> list[float]:
    """Density values whose super-level sets hold the given fractions of the total mass."""
    flat = np.sort(density.ravel())[::-1]
    cumulative = np.cumsum(flat) / flat.sum()
    return [float(flat[min(np.searchsorted(cumulative, lev), flat.size - 1)]) for lev in levels]


def corner_plot(
    draws: Mapping[str, np.ndarray],
    path: str | Path,
    labels: Mapping[str, str] | None = None,
    best: Mapping[str, float] | None = None,
) -> None:
    """Write a corner plot (PNG) of ``draws`` (name -> array of draws) to ``path``.

    ``labels`` gives axis labels (e.g. LaTeX with units), ``best`` a point to mark (best fit).
    A single parameter gives a histogram.
    """
    names = list(draws)
    labels = dict(labels or {})
    n = len(names)
    fig, axes = plt.subplots(n, n, figsize=(2.6 * n + 1, 2.6 * n + 1), squeeze=False)
    samples = {k: np.asarray(v).ravel() for k, v in draws.items()}
    for i, yi in enumerate(names):
        for j, xj in enumerate(names):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                ax.hist(samples[xj], bins=BINS, histtype="stepfilled", color="C0", alpha=0.6)
                ax.set_yticks([])
                if best:
                    ax.axvline(best[xj], color="C3", lw=1)
            else:
                h, xe, ye = np.histogram2d(samples[xj], samples[yi], bins=BINS)
                h = _smooth(h)
                if h.max() > 0:
                    xc, yc = 0.5 * (xe[1:] + xe[:-1]), 0.5 * (ye[1:] + ye[:-1])
                    thresholds = sorted(set(hpd_thresholds(h, LEVELS) + [h.max() * 1.0001]))
                    if len(thresholds) > 1:
                        ax.contourf(
                            xc, yc, h.T, levels=thresholds, colors=["#9ecae1", "#3182bd"][-len(thresholds) + 1 :]
                        )
                        ax.contour(xc, yc, h.T, levels=thresholds[:-1], colors="C0", linewidths=1)
                if best:
                    ax.plot(best[xj], best[yi], marker="+", color="C3", ms=10)
                ax.set_ylim(samples[yi].min(), samples[yi].max())
            ax.set_xlim(samples[xj].min(), samples[xj].max())
            if i == n - 1:
                ax.set_xlabel(labels.get(xj, xj))
            else:
                ax.set_xticklabels([])
            if j == 0 and i > 0:
                ax.set_ylabel(labels.get(yi, yi))
            elif j != i:
                ax.set_yticklabels([])
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
