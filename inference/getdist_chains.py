"""Export of NUTS draws as GetDist plain-text chains (A. Lewis, arXiv:1910.13970).

GetDist reads a chain root ``ROOT`` from ``ROOT_1.txt, ROOT_2.txt, ...`` (one file per chain,
columns: weight, -log posterior, then the parameters), ``ROOT.paramnames`` (one ``name  latex``
line per column after the first two; derived parameters end with ``*``) and ``ROOT.ranges``
(``name  low  high`` of the prior box, so GetDist corrects its kernel densities at hard edges).
NUTS draws are unweighted, so every weight is 1. Besides the free parameters, chi^2 = -2 log L
is written as a derived parameter.

All files are first written to temporary names beside their final ones and renamed into place
only when every one of them is written (``.paramnames`` last): a writer that fails or is killed
while writing leaves no file, truncated or not, under a final name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from jaxbsm.inference.config import FitConfig

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_WITH_UNIT = re.compile(r"^\$(.*)\$\s*\[(.*)\]$")


def _latex(label: str) -> str:
    """GetDist wants the LaTeX of a label without dollars: ``$M$ [TeV]`` -> ``M\\ [\\mathrm{TeV}]``."""
    match = _WITH_UNIT.match(label.strip())
    if match:
        return f"{match[1]}\\ [\\mathrm{{{match[2]}}}]"
    return label.replace("$", "").strip()


def write_getdist(idata, config: FitConfig, root: str | Path, labels: Mapping[str, str] | None = None) -> list[Path]:
    """Write the posterior of ``idata`` as GetDist chains at ``root``; returns the written paths.

    ``labels`` maps parameter names to LaTeX labels (default: the name). The -log posterior column
    is NumPyro's potential energy (sample_stats ``lp`` = -potential energy, unconstrained space up
    to a constant), which is what GetDist uses only to find the best sample.
    """
    root = Path(root)
    for name in config.free:
        if not _NAME.match(name):
            raise ValueError(f"parameter name {name!r} cannot be a GetDist name; allowed: letters, digits, _")
    labels = dict(labels or {})
    draws = np.stack([idata.posterior[n].values for n in config.free], axis=-1)  # (chain, draw, n_free)
    chi2 = -2.0 * idata.log_likelihood["log_likelihood"].values.sum(axis=-1)  # (chain, draw)
    minus_log_post = -idata.sample_stats["lp"].values
    root.parent.mkdir(parents=True, exist_ok=True)
    writes = []  # (final path, writer of a path)
    for c in range(draws.shape[0]):
        table = np.column_stack([np.ones(draws.shape[1]), minus_log_post[c], draws[c], chi2[c]])
        writes.append((root.with_name(f"{root.name}_{c + 1}.txt"), lambda p, t=table: np.savetxt(p, t, fmt="%.17g")))
    ranges = "".join(f"{n}\t{s.low!r}\t{s.high!r}\n" for n, s in config.parameters.items())
    writes.append((root.with_name(root.name + ".ranges"), lambda p: p.write_text(ranges)))
    names = "".join(f"{n}\t{_latex(labels.get(n, n))}\n" for n in config.free) + "chi2*\t\\chi^2\n"
    writes.append((root.with_name(root.name + ".paramnames"), lambda p: p.write_text(names)))
    temporary = [path.with_name(f".{path.name}.tmp-{os.getpid()}") for path, _ in writes]
    try:
        for tmp, (_, write) in zip(temporary, writes):
            write(tmp)
        for tmp, (path, _) in zip(temporary, writes):
            os.replace(tmp, path)
    finally:
        for tmp in temporary:
            tmp.unlink(missing_ok=True)
    paths = [path for path, _ in writes]
    return [*paths[:-2], paths[-1], paths[-2]]  # chains, .paramnames, .ranges
