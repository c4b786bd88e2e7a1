"""Measurement records: one YAML file per dataset under likelihoods/data/ (DESIGN.md §3).

A dataset file has ``name``, ``description``, a list ``measurements``, optional ``correlations`` and
an optional ``chi2_offset``: the chi^2 of this dataset's minimum above a global one, for data given
as expansions around local minima (e.g. NuFIT's inverted-ordering minimum, Delta chi^2 above NO).
Each measurement names its ``observable`` (a jaxbsm observable name), then either a ``value`` with
``uncertainties`` (a mapping of named components, each a number or {plus, minus}; components add in
quadrature, separately above and below) or a ``limit`` {upper, cl}; and its ``experiment``, ``year``,
``arxiv``, ``inspire`` key, ``title`` and ``journal``. ``correlations`` entries give a correlation
matrix of the total uncertainties of listed observables. Files are read with
jaxbsm.yamlio.read_yaml (safe; YAML 1.2 floats; duplicate keys refused); every problem is reported
with the file, the record and the field.

The data layer knows no physics: observable names are checked against what a model predicts when
a likelihood binds the dataset to it (``load_dataset(..., observables=model names)``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from jaxbsm.yamlio import YAMLFileError, read_yaml

DATA_DIR = Path(str(resources.files("jaxbsm.likelihoods").joinpath("data")))


class DataError(ValueError):
    """A dataset file is malformed; the message names file, record and field."""


@dataclass(frozen=True)
class Measurement:
    """One measured observable: central value with asymmetric total errors, or an upper limit."""

    observable: str
    experiment: str
    year: int
    arxiv: str
    inspire: str
    title: str
    journal: str
    value: float | None = None
    sigma_plus: float | None = None
    sigma_minus: float | None = None
    limit: float | None = None
    cl: float | None = None

    @property
    def is_limit(self) -> bool:
        return self.limit is not None

    def bibtex(self) -> str:
        return (
            f"@article{{{self.inspire},\n    title = \"{{{self.title}}}\",\n"
            f"    collaboration = \"{self.experiment}\",\n    journal = \"{self.journal}\",\n"
            f"    year = \"{self.year}\",\n    eprint = \"{self.arxiv}\",\n    archivePrefix = \"arXiv\"\n}}"
        )


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    measurements: tuple[Measurement, ...]
    correlation: np.ndarray  # correlation of the non-limit measurements, in their order
    path: str
    chi2_offset: float = 0.0


def list_datasets() -> list[str]:
    """Names of the shipped datasets."""
    return sorted(p.stem for p in DATA_DIR.glob("*.yaml"))


def load_dataset(name_or_path: str, observables: Sequence[str] | None = None, model: str = "") -> Dataset:
    """Load and validate a shipped dataset by name, or a dataset YAML file by path.

    ``observables``: if given, the observable names allowed (those ``model`` predicts); a record
    naming another one is a DataError naming the file, the record and the field.
    """
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = DATA_DIR / f"{name_or_path}.yaml"
        if not path.exists():
            raise DataError(f"unknown dataset {name_or_path!r}; shipped datasets: {', '.join(list_datasets())}")
    try:
        raw = read_yaml(path)
    except YAMLFileError as exc:
        raise DataError(str(exc)) from None
    return _parse(raw, str(path), observables, model)


def _parse(raw, where: str, observables: Sequence[str] | None = None, model: str = "") -> Dataset:
    if not isinstance(raw, dict):
        raise DataError(f"{where}: top level must be a mapping with name, description, measurements")
    for key in ("name", "description", "measurements"):
        if key not in raw:
            raise DataError(f"{where}: missing field {key!r}")
    unknown = set(raw) - {"name", "description", "measurements", "correlations", "chi2_offset"}
    if unknown:
        raise DataError(f"{where}: unknown top-level field(s) {sorted(unknown)}")
    if not isinstance(raw["measurements"], list) or not raw["measurements"]:
        raise DataError(f"{where}: 'measurements' must be a non-empty list")
    meas = tuple(_measurement(r, f"{where}, measurement {i}", observables, model) for i, r in enumerate(raw["measurements"]))
    measured = [m.observable for m in meas if not m.is_limit]
    if len(set(m.observable for m in meas)) != len(meas):
        raise DataError(f"{where}: an observable appears twice; combine the measurements first")
    corr = np.eye(len(measured))
    blocks = raw.get("correlations") or []
    if not isinstance(blocks, list):
        raise DataError(f"{where}: field 'correlations' must be a list of {{observables, matrix}} blocks")
    owner: dict[str, int] = {}  # observable -> the block that set its correlations
    for j, block in enumerate(blocks):
        for n in _correlation_block(block, measured, corr, f"{where}, correlations {j}"):
            if n in owner:
                raise DataError(f"{where}, correlations {j}: observable {n!r} is also in block {owner[n]}; blocks must not overlap "
                                "(one block per group of correlated observables)")
            owner[n] = j
    if np.any(np.linalg.eigvalsh(corr) <= 0):
        raise DataError(f"{where}: correlation matrix is not positive definite")
    offset = _number(raw.get("chi2_offset", 0.0), where, "chi2_offset")
    if offset < 0:
        raise DataError(f"{where}: field 'chi2_offset' = {offset} must be >= 0")
    return Dataset(str(raw["name"]), str(raw["description"]).strip(), meas, corr, where, offset)


_MEAS_FIELDS = {"observable", "experiment", "year", "value", "uncertainties", "limit", "sm", "arxiv",
                "inspire", "title", "journal", "note"}


def _measurement(r, where: str, observables: Sequence[str] | None, model: str) -> Measurement:
    if not isinstance(r, dict):
        raise DataError(f"{where}: must be a mapping")
    unknown = set(r) - _MEAS_FIELDS
    if unknown:
        raise DataError(f"{where}: unknown field(s) {sorted(unknown)}; allowed: {sorted(_MEAS_FIELDS)}")
    for key in ("observable", "experiment", "year", "arxiv", "inspire", "title", "journal"):
        if key not in r:
            raise DataError(f"{where}: missing field {key!r}")
    if not isinstance(r["observable"], str) or not r["observable"]:
        raise DataError(f"{where}: field 'observable' = {r['observable']!r} must be an observable name (a non-empty string)")
    where = f"{where} ({r['observable']})"
    if observables is not None and str(r["observable"]) not in observables:
        raise DataError(
            f"{where}: field 'observable': model {model!r} does not predict {r['observable']!r}; "
            f"it predicts {', '.join(observables)}"
        )
    year = r["year"]
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2100:
        raise DataError(f"{where}: field 'year' = {year!r} must be a year (an integer in 1900-2100)")
    common = dict(
        observable=str(r["observable"]), experiment=str(r["experiment"]), year=year,
        arxiv=str(r["arxiv"]), inspire=str(r["inspire"]), title=str(r["title"]), journal=str(r["journal"]),
    )
    if ("value" in r) == ("limit" in r):
        raise DataError(f"{where}: give exactly one of 'value' (with 'uncertainties') or 'limit'")
    if "limit" in r:
        lim = r["limit"]
        if not isinstance(lim, dict) or set(lim) != {"upper", "cl"}:
            raise DataError(f"{where}: field 'limit' must be {{upper: number, cl: number in (0, 1)}}, got {lim!r}")
        upper, cl = _number(lim["upper"], where, "limit.upper"), _number(lim["cl"], where, "limit.cl")
        if not upper > 0:
            raise DataError(f"{where}: field 'limit.upper' = {upper} must be > 0")
        if not 0 < cl < 1:
            raise DataError(f"{where}: field 'limit.cl' = {cl} must be in (0, 1)")
        return Measurement(**common, limit=upper, cl=cl)
    value = _number(r["value"], where, "value")
    comps = r.get("uncertainties")
    if not isinstance(comps, dict) or not comps:
        raise DataError(f"{where}: field 'uncertainties' must be a mapping of named components")
    plus2 = minus2 = 0.0
    for cname, c in comps.items():
        if isinstance(c, dict):
            if set(c) != {"plus", "minus"}:
                raise DataError(f"{where}: uncertainty {cname!r} must be a number or {{plus, minus}}, got {c!r}")
            p, m = _number(c["plus"], where, f"uncertainties.{cname}.plus"), _number(c["minus"], where, f"uncertainties.{cname}.minus")
        else:
            p = m = _number(c, where, f"uncertainties.{cname}")
        if not (p > 0 and m > 0):
            raise DataError(f"{where}: uncertainty {cname!r} must be > 0, got plus={p}, minus={m}")
        plus2, minus2 = plus2 + p * p, minus2 + m * m
        if not math.isfinite(plus2 + minus2):  # e.g. 1e200: its square overflows to an infinite sigma
            raise DataError(f"{where}: uncertainty {cname!r} = plus {p:g}, minus {m:g} is too large; allowed: components "
                            "whose squares sum to a finite number (below about 1e154)")
    return Measurement(**common, value=value, sigma_plus=math.sqrt(plus2), sigma_minus=math.sqrt(minus2))


def _number(x, where: str, field: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not _finite(x):
        raise DataError(f"{where}: field {field!r} must be a finite number, got {x!r}")
    return float(x)


def _finite(x: int | float) -> bool:
    """math.isfinite, False (not OverflowError) for an integer beyond the float range."""
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


def _correlation_block(block, measured: list[str], corr: np.ndarray, where: str) -> list[str]:
    """Write one block into ``corr``; returns its observables."""
    if not isinstance(block, dict) or set(block) != {"observables", "matrix"}:
        raise DataError(f"{where}: must be {{observables: [...], matrix: [[...]]}}")
    names = block["observables"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise DataError(f"{where}: 'observables' must be a list of observable names, got {names!r}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DataError(f"{where}: observable(s) {', '.join(repeated)} listed twice in one block")
    for n in names:
        if n not in measured:
            raise DataError(f"{where}: observable {n!r} is not a measured (non-limit) observable of this dataset")
    try:
        mat = np.asarray(block["matrix"], dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise DataError(f"{where}: 'matrix' must be a square list of finite numbers") from None
    k = len(names)
    if mat.shape != (k, k) or not np.allclose(mat, mat.T) or not np.allclose(np.diag(mat), 1.0):
        raise DataError(f"{where}: 'matrix' must be a symmetric {k}x{k} correlation matrix with unit diagonal")
    if np.any(np.abs(mat) > 1):
        raise DataError(f"{where}: correlation entries must lie in [-1, 1]")
    idx = [measured.index(n) for n in names]
    corr[np.ix_(idx, idx)] = mat
    return names
