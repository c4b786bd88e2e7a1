"""Fit configuration: a typed description of one fit that round-trips to YAML.

A fit names a model, the datasets its likelihood uses, the free parameters with their priors and
ranges (in the parameters' own units, see ``jaxbsm.model.Parameter.unit``), fixed values for the
others, and the settings of the engines (NUTS, best fit) and of the output. YAML is read with
``jaxbsm.yamlio.read_yaml`` (safe, YAML 1.2 floats, duplicate keys refused) and written with
``yaml.safe_dump``: nothing in a file is evaluated.

Every validation error names the file, the field, the offending value and what is allowed.

:func:`full_parameters` completes a point of the free parameters with the fixed values;
:func:`load_likelihood` resolves a configuration's model and dataset names to its likelihood.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import yaml

from jaxbsm.model import Model
from jaxbsm.registry import get_model
from jaxbsm.yamlio import YAMLFileError, read_yaml

FITS_DIR = Path(__file__).parent / "fits"
PRIOR_KINDS = ("uniform", "loguniform", "normal")


#: A fit's name: it becomes the folder results/<name>, so no path separators and no leading dot
NAME_PATTERN = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


class ConfigError(ValueError):
    """A fit configuration that cannot be used; the message names file, field, value and allowed."""


@dataclass(frozen=True)
class PriorSpec:
    """Prior of one free parameter on the box [low, high] (parameter units).

    ``uniform`` and ``loguniform`` are flat in x and log|x| (a loguniform box lies entirely on one
    side of 0); ``normal`` is a Gaussian of mean ``mu``
    and width ``sigma`` truncated to the box. The box also bounds the best-fit search.
    """

    prior: str
    low: float
    high: float
    mu: float | None = None
    sigma: float | None = None


@dataclass(frozen=True)
class NutsSettings:
    """NUTS settings: chains, warm-up and kept draws per chain, PRNG seed, step-size adaptation.

    ``block`` is the number of NUTS steps per chain between two checkpoints of a run (warm-up and
    draws are each cut into blocks of at most this length); it does not change the draws.
    ``init``: where the chains start, "uniform" (NumPyro's default: uniform in (−2, 2) in the
    unconstrained coordinates, i.e. in the upper part of a log-uniform box) or "median" (the median
    of 15 prior draws per chain: the middle of the box in the prior's own measure).
    """

    chains: int = 4
    warmup: int = 1000
    samples: int = 1000
    seed: int = 0
    target_accept: float = 0.8
    max_tree_depth: int = 10
    dense_mass: bool = False
    block: int = 200
    init: str = "uniform"


NUTS_INITS = ("uniform", "median")

#: Posterior samplers of ``jaxbsm fit``: NUTS (``nuts`` settings), nested sampling (``nested``) or
#: importance sampling from the prior (``importance``).
SAMPLERS = ("nuts", "nested", "importance")


@dataclass(frozen=True)
class NestedSettings:
    """Nested-sampling settings, used when a fit's ``sampler`` is "nested": ``runs`` independent runs
    (seeds ``seed``, ``seed`` + 1, ...), each a chain of the posterior (equal-weight draws, as many as
    the smallest Kish ESS of the runs), so that R-hat compares independent runs; ``live_points`` per
    run (None: 50 per free parameter, ``jaxbsm.inference.evidence.LIVE_POINTS_PER_DIMENSION``).
    Nested sampling finds every mode of a multimodal posterior and weighs it by its mass, which
    chains of NUTS, started together, do not."""

    runs: int = 4
    live_points: int | None = None
    seed: int = 0


@dataclass(frozen=True)
class ImportanceSettings:
    """Importance-sampling settings, used when a fit's ``sampler`` is "importance"
    (``jaxbsm.inference.importance``): ``chains`` independent streams (seeds ``seed``, ``seed`` + 1,
    ...) of ``points`` prior points each, evaluated ``batch`` at a time. Exact for any posterior
    shape (modes, thin shells); efficient where the posterior fills a fair part of the prior box."""

    chains: int = 4
    points: int = 1_000_000
    batch: int = 100_000
    seed: int = 0


@dataclass(frozen=True)
class BestFitSettings:
    """Best-fit settings: number of random starts, optimiser steps per start, PRNG seed."""

    starts: int = 32
    steps: int = 2000
    seed: int = 0


@dataclass(frozen=True)
class OutputSettings:
    """Output directory; None means ``results/<fit name>`` relative to the working directory."""

    dir: str | None = None


@dataclass(frozen=True)
class FitConfig:
    """A resolved fit: every free parameter has a full PriorSpec, every other one a fixed value."""

    name: str
    model: str
    datasets: tuple[str, ...]
    parameters: Mapping[str, PriorSpec]
    fixed: Mapping[str, float] = field(default_factory=dict)
    description: str = ""
    nuts: NutsSettings = NutsSettings()
    bestfit: BestFitSettings = BestFitSettings()
    output: OutputSettings = OutputSettings()
    sampler: str = "nuts"
    nested: NestedSettings = NestedSettings()
    importance: ImportanceSettings = ImportanceSettings()

    @property
    def free(self) -> tuple[str, ...]:
        """Names of the free (sampled / optimised) parameters, in configuration order."""
        return tuple(self.parameters)

    def output_dir(self) -> Path:
        return Path(self.output.dir) if self.output.dir else Path("results") / self.name

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form (only str, float, int, list, dict, None), as written to YAML."""
        return {
            "name": self.name,
            "description": self.description,
            "model": self.model,
            "datasets": list(self.datasets),
            "parameters": {
                k: {f: v for f, v in dataclasses.asdict(p).items() if v is not None} for k, p in self.parameters.items()
            },
            "fixed": dict(self.fixed),
            "sampler": self.sampler,
            "nuts": dataclasses.asdict(self.nuts),
            "nested": dataclasses.asdict(self.nested),
            "importance": dataclasses.asdict(self.importance),
            "bestfit": dataclasses.asdict(self.bestfit),
            "output": dataclasses.asdict(self.output),
        }

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    def with_overrides(self, **settings: Any) -> FitConfig:
        """Copy with engine settings replaced, e.g. ``nuts={"chains": 2}``; re-validates counts."""
        groups = {}
        for group, values in settings.items():
            current = getattr(self, group)
            groups[group] = dataclasses.replace(current, **{k: v for k, v in values.items() if v is not None})
        new = dataclasses.replace(self, **groups)
        _check_settings(new, "command line")
        return new


EXACT_SUFFIX = "-exact"


def exact_variant(config: FitConfig, model_lookup: Callable[[str], Model] = get_model) -> FitConfig:
    """The fit on the model's exact variant (registry name + "-exact", e.g. ``scalar-decay-exact``:
    the live solvers at every point instead of tables of them), named ``<fit>-exact`` so its output
    goes elsewhere. ConfigError if the model has no exact variant; the variant must accept the fit's
    parameter values (same names, a box that contains the fit's)."""
    name = config.model + EXACT_SUFFIX
    try:
        model = model_lookup(name)
    except ValueError:
        raise ConfigError(f"fit {config.name}: model {config.model!r} has no exact variant ({name!r} is not registered)") from None
    for pname, spec in config.parameters.items():
        p = model.parameter(pname)
        if not p.low <= spec.low < spec.high <= p.high:
            raise ConfigError(f"fit {config.name}: prior box of {pname} [{spec.low}, {spec.high}] is outside {name}'s [{p.low}, {p.high}]")
    for pname, value in config.fixed.items():
        model.parameter(pname).check(value)
    return dataclasses.replace(config, model=name, name=config.name + EXACT_SUFFIX)


def full_parameters(config: FitConfig, free: Mapping[str, jax.Array]) -> dict[str, jax.Array]:
    """All model parameters: the free values given, the fixed ones from the configuration."""
    return {**{k: jnp.asarray(v) for k, v in config.fixed.items()}, **free}


def _err(source: str, fieldname: str, value: Any, allowed: str) -> ConfigError:
    return ConfigError(f"{source}: field '{fieldname}' = {value!r} is invalid; {allowed}")


def _number(source: str, fieldname: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value):
        raise _err(source, fieldname, value, "allowed: a finite number")
    return float(value)


def _finite(value: int | float) -> bool:
    """math.isfinite, False (not OverflowError) for an integer beyond the float range."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _settings(cls, data: Any, source: str, fieldname: str):
    if data is None:
        return cls()
    if not isinstance(data, Mapping):
        raise _err(source, fieldname, data, "allowed: a mapping")
    names = [f.name for f in dataclasses.fields(cls)]
    for key in data:
        if key not in names:
            raise _err(source, f"{fieldname}.{key}", data[key], f"allowed fields: {', '.join(names)}")
    return cls(**data)


#: Largest PRNG seed (jax.random.key takes an unsigned 32-bit integer)
MAX_SEED = 2**32 - 1
#: Largest number of stored draws, chains x samples: 10^8 draws of a few parameters are several GB
MAX_DRAWS = 10**8


def _check_settings(config: FitConfig, source: str) -> None:
    """Counts are integers inside bounds that the machine can hold (checked before any work starts)."""
    counts = {
        "nuts.chains": (config.nuts.chains, 1, 4096),
        "nuts.warmup": (config.nuts.warmup, 0, 10**7),
        "nuts.samples": (config.nuts.samples, 1, 10**7),
        "nuts.seed": (config.nuts.seed, 0, MAX_SEED),
        "nuts.max_tree_depth": (config.nuts.max_tree_depth, 1, 15),
        "nuts.block": (config.nuts.block, 1, 10**7),
        "bestfit.starts": (config.bestfit.starts, 1, 10**6),
        "bestfit.steps": (config.bestfit.steps, 1, 10**7),
        "bestfit.seed": (config.bestfit.seed, 0, MAX_SEED),
        "nested.runs": (config.nested.runs, 1, 64),
        "nested.seed": (config.nested.seed, 0, MAX_SEED - 64),
        "importance.chains": (config.importance.chains, 1, 64),
        "importance.points": (config.importance.points, 1, 10**11),
        "importance.batch": (config.importance.batch, 1, 10**7),
        "importance.seed": (config.importance.seed, 0, MAX_SEED - 64),
    }
    if config.nested.live_points is not None:
        counts["nested.live_points"] = (config.nested.live_points, 10, 10**5)
    for fieldname, (value, minimum, maximum) in counts.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise _err(source, fieldname, value, f"allowed: an integer >= {minimum}")
        if value > maximum:
            raise _err(source, fieldname, value, f"allowed: an integer in [{minimum}, {maximum}]")
    draws = config.nuts.chains * config.nuts.samples
    if draws > MAX_DRAWS:
        raise _err(source, "nuts.samples", config.nuts.samples,
                   f"allowed: chains x samples <= {MAX_DRAWS:.0e} draws in memory (here {config.nuts.chains} x {config.nuts.samples})")
    if config.sampler not in SAMPLERS:
        raise _err(source, "sampler", config.sampler, f"allowed: {', '.join(SAMPLERS)}")
    if config.nuts.init not in NUTS_INITS:
        raise _err(source, "nuts.init", config.nuts.init, f"allowed: {', '.join(NUTS_INITS)}")
    if not isinstance(config.nuts.dense_mass, bool):
        raise _err(source, "nuts.dense_mass", config.nuts.dense_mass, "allowed: true or false")
    ta = config.nuts.target_accept
    if isinstance(ta, bool) or not isinstance(ta, (int, float)) or not 0 < ta < 1:
        raise _err(source, "nuts.target_accept", ta, "allowed: a number in (0, 1)")
    if config.output.dir is not None and not isinstance(config.output.dir, str):
        raise _err(source, "output.dir", config.output.dir, "allowed: a path string or null")


def _prior(model: Model, name: str, data: Any, source: str) -> PriorSpec:
    fieldname = f"parameters.{name}"
    par = model.parameter(name)
    data = {} if data is None else data
    if not isinstance(data, Mapping):
        raise _err(source, fieldname, data, "allowed: a mapping with prior, low, high, mu, sigma")
    allowed = ("prior", "low", "high", "mu", "sigma")
    for key in data:
        if key not in allowed:
            raise _err(source, f"{fieldname}.{key}", data[key], f"allowed fields: {', '.join(allowed)}")
    kind = data.get("prior", par.prior)
    if kind not in PRIOR_KINDS:
        raise _err(source, f"{fieldname}.prior", kind, f"allowed: {', '.join(PRIOR_KINDS)}")
    low = _number(source, f"{fieldname}.low", data.get("low", par.low))
    high = _number(source, f"{fieldname}.high", data.get("high", par.high))
    if not low < high:
        raise _err(source, f"{fieldname}.low", low, f"allowed: low < high = {high}")
    if low < par.low or high > par.high:
        raise _err(
            source,
            fieldname,
            [low, high],
            f"allowed: inside the range of {par.name}, [{par.low}, {par.high}] {par.unit}".rstrip(),
        )
    if kind == "loguniform" and low <= 0 <= high:
        raise _err(source, fieldname, [low, high], "allowed: a loguniform box excludes 0 (0 < low, or high < 0)")
    mu = sigma = None
    if kind == "normal":
        mu = _number(source, f"{fieldname}.mu", data.get("mu"))
        sigma = _number(source, f"{fieldname}.sigma", data.get("sigma"))
        if sigma <= 0:
            raise _err(source, f"{fieldname}.sigma", sigma, "allowed: sigma > 0")
    elif data.get("mu") is not None or data.get("sigma") is not None:
        raise _err(source, fieldname, dict(data), "allowed: mu and sigma only with prior: normal")
    return PriorSpec(kind, low, high, mu, sigma)


def config_from_dict(
    data: Any,
    source: str = "<config>",
    *,
    known_datasets: Sequence[str] | None = None,
    model_lookup: Callable[[str], Model] = get_model,
    base_dir: Path | None = None,
) -> FitConfig:
    """Validate a plain mapping (as read from YAML) and resolve it against the model.

    A dataset given as a .yaml path is made absolute: a relative one is taken relative to
    ``base_dir`` (the fit file's folder; default the working directory), so the config that a run
    writes stays usable from anywhere.

    ``known_datasets`` defaults to ``jaxbsm.likelihoods.records.list_datasets()``. Free parameters
    without explicit fields take the model's range and default prior; every model parameter that
    is neither free nor listed in ``fixed`` is fixed at the model default.
    """
    if not isinstance(data, Mapping):
        raise _err(source, "<top level>", data, "allowed: a mapping of fit fields")
    top = ("name", "description", "model", "datasets", "parameters", "fixed", "sampler", "nuts", "nested", "importance", "bestfit", "output")
    for key in data:
        if key not in top:
            raise _err(source, key, data[key], f"allowed fields: {', '.join(top)}")
    for key in ("name", "model"):
        if not isinstance(data.get(key), str) or not data.get(key):
            raise _err(source, key, data.get(key), "allowed: a non-empty string")
    if not NAME_PATTERN.fullmatch(data["name"]):
        raise _err(source, "name", data["name"], "allowed: letters, digits, '.', '_' and '-', not starting with '.' (it names results/<name>/)")
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise _err(source, "description", description, "allowed: a string")
    try:
        model = model_lookup(data["model"])
    except ValueError as e:
        raise _err(source, "model", data["model"], str(e).split("; ", 1)[-1]) from None

    datasets = data.get("datasets")
    if not isinstance(datasets, list) or not datasets or not all(isinstance(d, str) for d in datasets):
        raise _err(source, "datasets", datasets, "allowed: a non-empty list of dataset names")
    from jaxbsm.likelihoods.records import DATA_DIR, list_datasets

    if known_datasets is None:
        known_datasets = list_datasets()
    resolved = []
    files: dict[str, list[str]] = {}  # the file each entry reads (a shipped name's own file) -> entries
    for d in datasets:
        if d in known_datasets:
            resolved.append(d)
            shipped = DATA_DIR / f"{d}.yaml"
            files.setdefault(str(shipped.resolve()) if shipped.is_file() else d, []).append(d)
            continue
        if not d.endswith((".yaml", ".yml")):
            raise _err(source, "datasets", d, f"known datasets: {', '.join(sorted(known_datasets))} (or a dataset .yaml path)")
        try:
            path = (Path(base_dir or ".") / Path(d).expanduser()).resolve()
            found = path.is_file()
        except (OSError, RuntimeError, ValueError) as e:  # ~unknown-user, a name too long, a NUL byte
            raise _err(source, "datasets", d, f"allowed: a dataset file path ({e})") from None
        if not found:
            raise _err(source, "datasets", d, f"dataset file {path} not found (a relative path is taken from the fit file's folder)")
        resolved.append(str(path))
        files.setdefault(str(path), []).append(d)
    datasets = resolved
    repeated = [
        f"{entries[0]} repeated" if len(set(entries)) == 1 else f"{' and '.join(dict.fromkeys(entries))} are the same file {file}"
        for file, entries in files.items()
        if len(entries) > 1
    ]
    if repeated:
        raise _err(source, "datasets", data.get("datasets"),
                   f"allowed: each dataset once ({'; '.join(repeated)}: it would count twice)")

    params = data.get("parameters")
    if not isinstance(params, Mapping) or not params:
        raise _err(source, "parameters", params, "allowed: a non-empty mapping of free parameters")
    fixed_in = data.get("fixed") or {}
    if not isinstance(fixed_in, Mapping):
        raise _err(source, "fixed", fixed_in, "allowed: a mapping of parameter name to value")
    for name in (*params, *fixed_in):
        if name not in model.parameter_names:
            section = "parameters" if name in params else "fixed"
            raise _err(
                source,
                section,
                name,
                f"model {model.name!r} has parameters {', '.join(model.parameter_names)}",
            )
    priors = {name: _prior(model, name, params[name], source) for name in params}
    fixed = {}
    for par in model.parameters:
        if par.name in priors:
            if par.name in fixed_in:
                raise _err(
                    source, f"fixed.{par.name}", fixed_in[par.name], "allowed: a parameter is free or fixed, not both"
                )
            continue
        value = _number(source, f"fixed.{par.name}", fixed_in.get(par.name, par.default))
        try:
            par.check(value)
        except ValueError as e:
            raise _err(source, f"fixed.{par.name}", value, str(e)) from None
        fixed[par.name] = value

    config = FitConfig(
        name=data["name"],
        description=description,
        model=model.name,
        datasets=tuple(datasets),
        parameters=priors,
        fixed=fixed,
        nuts=_settings(NutsSettings, data.get("nuts"), source, "nuts"),
        sampler=data.get("sampler", "nuts"),
        nested=_settings(NestedSettings, data.get("nested"), source, "nested"),
        importance=_settings(ImportanceSettings, data.get("importance"), source, "importance"),
        bestfit=_settings(BestFitSettings, data.get("bestfit"), source, "bestfit"),
        output=_settings(OutputSettings, data.get("output"), source, "output"),
    )
    _check_settings(config, source)
    return config


def shipped_fits() -> dict[str, Path]:
    """Names and paths of the fits shipped in ``inference/fits/*.yaml``."""
    return {p.stem: p for p in sorted(FITS_DIR.glob("*.yaml"))}


def resolve_path(name_or_path: str | Path) -> Path:
    """Path of a YAML file, or of the shipped fit of that name; ConfigError if neither exists."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    fits = shipped_fits()
    if str(name_or_path) in fits:
        return fits[str(name_or_path)]
    raise ConfigError(
        f"no fit file {str(name_or_path)!r} and no shipped fit of that name; "
        f"shipped fits: {', '.join(fits) or '(none)'}"
    )


def load_config(
    name_or_path: str | Path,
    *,
    known_datasets: Sequence[str] | None = None,
    model_lookup: Callable[[str], Model] = get_model,
) -> FitConfig:
    """Load and validate a fit from a YAML file path or the name of a shipped fit.

    ``known_datasets`` and ``model_lookup`` are as in :func:`config_from_dict`.
    """
    path = resolve_path(name_or_path)
    try:
        data = read_yaml(path)
    except YAMLFileError as e:
        raise ConfigError(str(e)) from None
    return config_from_dict(data, str(path), known_datasets=known_datasets, model_lookup=model_lookup, base_dir=path.parent)


def load_likelihood(config: FitConfig):
    """The likelihood of ``config``: its model bound to its datasets, with its fixed values."""
    from jaxbsm.likelihoods.likelihood import build_likelihood

    return build_likelihood(config.model, list(config.datasets))
