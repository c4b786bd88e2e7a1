"""The ``jaxbsm`` command line: run fits, best fits and predictions; list models, data and fits.

    jaxbsm fit NAME_OR_YAML [--out DIR] [--chains N] [--warmup N] [--samples N] [--seed S]
                            [--force] [--resume] [--no-progress]
    jaxbsm bestfit NAME_OR_YAML [--starts N] [--seed S]
    jaxbsm list [models|datasets|fits|observables]
    jaxbsm predict MODEL --set NAME=VALUE ...
    jaxbsm profile NAME_OR_YAML --param NAME[:LOW:HIGH:N] [--param ...] [--out DIR] [--force]
    jaxbsm bib NAME_OR_YAML [--methods fit profile compare]
    jaxbsm check MODEL_YAML_OR_NAME
    jaxbsm compare FIT_A FIT_B [--live-points N] [--seed S] [--out FILE.json] [--force]
    jaxbsm scan NAME_OR_YAML --param NAME:LOW:HIGH:N [--param ...] [--set NAME=VALUE ...]
                             [--out FILE.csv] [--force]

User errors (bad names, values, files) print one line ``jaxbsm: error: ...`` and exit with code 2.
"""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from collections.abc import Sequence

from jaxbsm.yamlio import read_yaml

warnings.filterwarnings("ignore", message="ArviZ is undergoing a major refactor", category=FutureWarning)

from jaxbsm.inference.config import MAX_SEED, exact_variant, load_config, load_likelihood, shipped_fits  # noqa: E402  (after the filter)

SUMMARY_COLUMNS = ["mean", "sd", "hdi_16%", "hdi_84%", "r_hat", "ess_bulk", "ess_tail"]
#: Most grid points `jaxbsm scan` (and `profile`) accept: the table holds every point's parameters,
#: chi2 and predictions in memory before it is written (about 0.3 kB per point for the flavour fits,
#: i.e. 30 GB at this size). Larger grids: inference.scan.grid_scan, which keeps log L only.
MAX_GRID_POINTS = 10**8
SCAN_LIMIT = "the table is held in memory; for larger grids use jaxbsm.inference.scan.grid_scan"


class Interrupted(Exception):
    """Ctrl-C during a command; the message says what was kept and how to continue."""


def refuse_existing_file(path, force: bool) -> None:
    """ValueError if the output file ``path`` exists and ``--force`` was not given."""
    if path.exists() and not force:
        raise ValueError(f"{path} exists; use --force to overwrite it")


def check_int_option(option: str, value: int | None, low: int, high: int) -> None:
    """ValueError naming ``option``, its value and [low, high] unless ``value`` is None or inside."""
    if value is not None and not low <= value <= high:
        raise ValueError(f"{option} {value} is invalid; allowed: an integer in [{low}, {high}]")


def check_grid_size(sizes: Sequence[int], why: str = SCAN_LIMIT) -> None:
    """ValueError if a grid of ``sizes`` points per axis has more than MAX_GRID_POINTS points."""
    total = math.prod(sizes)
    if total > MAX_GRID_POINTS:
        raise ValueError(
            f"--param: the grid has {total:.3g} points ({' x '.join(str(n) for n in sizes)}); "
            f"allowed: at most {MAX_GRID_POINTS:.0e} points ({why})"
        )


def axis_labels(model) -> dict[str, str]:
    """Parameter name -> plot label: its LaTeX symbol with the unit in brackets."""
    return {p.name: f"{p.latex} [{p.unit}]" if p.unit else p.latex for p in model.parameters}


def _cmd_fit(args) -> None:
    from jaxbsm.inference.results import output_lock

    config = load_config(args.fit)
    if args.exact:
        config = exact_variant(config)
    config = config.with_overrides(
        nuts={"chains": args.chains, "warmup": args.warmup, "samples": args.samples, "seed": args.seed},
        output={"dir": args.out},
    )
    out = config.output_dir()
    likelihood = load_likelihood(config)
    with output_lock(out):  # one run at a time in a directory
        _run_fit(args, config, out, likelihood)


def _run_fit(args, config, out, likelihood) -> None:
    import numpy as np

    from jaxbsm.inference.bestfit import best_fit
    from jaxbsm.inference.checkpoint import CHECKPOINT_FILE
    from jaxbsm.inference.nuts import diagnostics, run_nuts
    from jaxbsm.inference.results import OutputExistsError, prepare_output, summary_table, write_results

    checkpoint = out / CHECKPOINT_FILE
    resume = args.resume and checkpoint.is_file()
    if not resume:  # fail before sampling, not after
        if checkpoint.is_file() and not args.force:
            raise OutputExistsError(
                f"output directory {out} holds the checkpoint of an unfinished run; "
                "use --resume to continue it or --force to start again"
            )
        prepare_output(out, args.force)
    print(f"fit {config.name}: model {config.model} on {', '.join(config.datasets)}; free: {', '.join(config.free)}")
    if config.sampler == "nested":
        from jaxbsm.inference.nested import run_nested

        m = config.nested
        live = m.live_points or f"50 x {len(config.free)}"
        print(f"nested sampling: {m.runs} independent runs x {live} live points, seeds from {m.seed} (no checkpoints: --resume reruns)")
        idata = run_nested(likelihood, config, progress=not args.no_progress)
    elif config.sampler == "importance":
        from jaxbsm.inference.importance import run_importance

        m = config.importance
        print(f"importance sampling from the prior: {m.chains} independent streams x {m.points} points, "
              f"seeds from {m.seed} (no checkpoints: --resume reruns)")
        idata = run_importance(likelihood, config, progress=not args.no_progress)
    else:
        n = config.nuts
        print(f"NUTS: {n.chains} chains x ({n.warmup} warm-up + {n.samples} draws), seed {n.seed}")
        if args.resume:
            print(f"resuming from {checkpoint}" if resume else f"no checkpoint {checkpoint}: starting a new run")
        try:
            idata = run_nuts(likelihood, config, progress=not args.no_progress, checkpoint=checkpoint, resume=resume)
        except KeyboardInterrupt:
            where = f"the draws so far are in {checkpoint}" if checkpoint.is_file() else "no block of draws was finished yet"
            raise Interrupted(f"interrupted; {where}; continue with: jaxbsm fit {args.fit} --resume (and the same options)") from None
    print(f"best fit: {config.bestfit.starts} starts x {config.bestfit.steps} steps")
    best = best_fit(likelihood, config)
    write_results(out, idata, config, best, force=True, labels=axis_labels(likelihood.model))
    checkpoint.unlink(missing_ok=config.sampler != "nuts")  # its draws are in posterior.nc now

    print()
    print(summary_table(idata)[SUMMARY_COLUMNS].to_string(float_format=lambda v: f"{v:.4g}"))
    d = diagnostics(idata)
    print(
        f"divergences: {d['divergences']}   non-finite log L draws: {d['nonfinite_log_likelihood']}   "
        f"failed solver points: {d['failed_points']}   "
        f"max R-hat: {d['max_r_hat']:.3f}   min ESS bulk/tail: {d['min_ess_bulk']:.0f}/{d['min_ess_tail']:.0f}"
    )
    if config.sampler in ("nested", "importance"):
        ln_z = np.asarray(idata.attrs["log_z"])
        runs = "runs" if config.sampler == "nested" else "streams"
        print(f"ln Z (evidence) of the {ln_z.size} {runs}: {', '.join(f'{v:.3f}' for v in ln_z)} "
              f"(error of each ~{np.mean(idata.attrs['log_z_err']):.2f})")
    print()
    print(best.table())
    print(f"\nresults written to {out}/")


def _cmd_bestfit(args) -> None:
    from jaxbsm.inference.bestfit import best_fit
    from jaxbsm.inference.evidence import laplace_evidence

    config = load_config(args.fit).with_overrides(bestfit={"starts": args.starts, "seed": args.seed})
    likelihood = load_likelihood(config)
    best = best_fit(likelihood, config)
    print(best.table())
    laplace = laplace_evidence(likelihood, config, best)
    print(f"Laplace approximation of the evidence: log Z = {laplace.log_z:.4f} (a quick look; `jaxbsm compare` for nested sampling)")


def _cmd_list(args) -> None:
    from jaxbsm.registry import get_model, list_models, observables

    if args.what == "models":
        for name in list_models():
            model = get_model(name)
            print(f"{name}: {model.description}")
            for p in model.parameters:
                unit = f" [{p.unit}]" if p.unit else ""
                print(f"    {p.name}{unit} in [{p.low:g}, {p.high:g}], default {p.default:g}: {p.description}")
    elif args.what == "datasets":
        from jaxbsm.likelihoods.records import list_datasets

        print("\n".join(list_datasets()))
    elif args.what == "fits":
        for name, path in shipped_fits().items():
            data = read_yaml(path)
            description = data.get("description", "") if isinstance(data, dict) else ""
            print(f"{name}: {' '.join(str(description).split())}")
    else:
        for name, info in observables().items():
            print(f"{name}{f' [{info.unit}]' if info.unit else ''}: {info.description}")


def _parse_set(items: Sequence[str]) -> dict[str, float]:
    values = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            if not sep or not name:
                raise ValueError
            values[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"--set {item!r}: expected NAME=NUMBER") from None
    return values


def _cmd_predict(args) -> None:
    import jax.numpy as jnp

    from jaxbsm.registry import get_model

    model = get_model(args.model)
    params = model.validate(_parse_set(args.set))
    predictions = model.predict({k: jnp.asarray(v) for k, v in params.items()})
    print(f"model {model.name}: " + ", ".join(f"{k} = {v:g}" for k, v in params.items()))
    width = max(len(k) for k in predictions)
    for name, value in predictions.items():
        info = model.observable(name) if name in model.observable_names else None
        unit = info.unit if info else ""
        description = info.description if info else "solver status (jaxbsm.status)"
        print(f"{name:<{width}}  {float(value):>14.6g}  {unit:<8}  {description}")


def _cmd_profile(args) -> None:
    from pathlib import Path

    from jaxbsm.inference.bestfit import best_fit
    from jaxbsm.inference.profile import DEFAULT_POINTS, default_axis, profile, profile_plot
    from jaxbsm.inference.results import output_lock, prepare_output, write_atomic

    config = load_config(args.fit).with_overrides(bestfit={"starts": args.starts, "seed": args.seed})
    if not 1 <= len(args.param) <= 2:
        raise ValueError(f"--param given {len(args.param)} times; allowed: 1 or 2 profiled parameters")
    given = dict(_parse_param(item) if ":" in item else (item, None) for item in args.param)
    if len(given) != len(args.param):
        raise ValueError(f"--param: {', '.join(args.param)} names a parameter twice; allowed: two different parameters")
    for name in given:
        if name not in config.parameters:
            raise ValueError(f"--param {name!r} is not free in fit {config.name}; free parameters: {', '.join(config.free)}")
    sizes = [len(axis) if axis is not None else DEFAULT_POINTS[len(given)] for axis in given.values()]
    check_grid_size(sizes, "one best fit per point")  # before the output directory is made
    stem = "profile-" + "-".join(given)
    out = Path(args.out or config.output_dir().with_name(f"{config.name}-{stem}"))
    likelihood = load_likelihood(config)
    with output_lock(out):  # one run at a time in a directory, as for `jaxbsm fit`
        prepare_output(out, args.force)
        best = best_fit(likelihood, config)
        points = DEFAULT_POINTS[len(given)]
        axes = {n: axis if axis is not None else default_axis(config, n, points, best) for n, axis in given.items()}
        print(f"profile of {', '.join(axes)} in fit {config.name}: {' x '.join(str(len(a)) for a in axes.values())} grid points")
        prof = profile(likelihood, config, axes, best)
        write_atomic(out / f"{stem}.csv", lambda p: prof.to_frame().to_csv(p, index=False))
        write_atomic(out / f"{stem}.png", lambda p: profile_plot(prof, p, axis_labels(likelihood.model)))
    print(prof.table())
    print(f"\nresults written to {out}/{stem}.csv and .png")


def _cmd_bib(args) -> None:
    from jaxbsm.inference.citations import bibtex

    data = load_likelihood(load_config(args.fit)).bibtex()
    methods = bibtex(tuple(args.methods))
    print("\n\n".join([*data, f"% methods ({', '.join(args.methods)}):", *methods]))


def _cmd_check(args) -> None:
    from jaxbsm.consistency.io import load_model
    from jaxbsm.consistency.report import check_report

    print(check_report(load_model(args.model)))


def _cmd_compare(args) -> None:
    import json
    from pathlib import Path

    from jaxbsm.inference import evidence
    from jaxbsm.inference.results import write_atomic

    # before any fit is read or likelihood built (the seed went to jax.random.PRNGKey: OverflowError)
    check_int_option("--seed", args.seed, 0, MAX_SEED)
    check_int_option("--live-points", args.live_points, 2, evidence.MAX_LIVE_POINTS)

    configs = [load_config(args.fit_a), load_config(args.fit_b)]
    a, b = configs
    evidence.check_same_datasets(a.name, a.datasets, b.name, b.datasets)  # before any sampling
    out = Path(args.out) if args.out else None
    if out is not None:
        refuse_existing_file(out, args.force)
    results = []
    for config in configs:
        print(f"nested sampling {config.name}: model {config.model}, free: {', '.join(config.free)}", flush=True)
        ev = evidence.nested_sampling(load_likelihood(config), config, num_live_points=args.live_points, seed=args.seed)
        print(ev.table(), flush=True)
        results.append(ev)
    factor = evidence.bayes_factor(*results)
    print(f"\nln B({a.name} / {b.name}) = {factor.ln_b:.3f} ± {factor.ln_b_err:.3f}: {factor.wording()}")
    print("(Jeffreys scale of Trotta 2008: |ln B| < 1 inconclusive, < 2.5 weak, < 5 moderate, else strong)")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        record = {"a": results[0].to_dict(), "b": results[1].to_dict(), "bayes_factor": factor.to_dict()}
        text = json.dumps(record, indent=2) + "\n"
        write_atomic(out, lambda p: p.write_text(text))  # a killed write leaves no truncated JSON under its name
        print(f"written to {out}")


def _parse_param(item: str):
    """``NAME:LOW:HIGH:N`` -> (NAME, N evenly spaced values from LOW to HIGH, both included)."""
    import numpy as np

    parts = item.rsplit(":", 3)
    try:
        if len(parts) != 4 or not parts[0]:
            raise ValueError
        name, low, high, n = parts[0], float(parts[1]), float(parts[2]), int(parts[3])
    except ValueError:
        raise ValueError(f"--param {item!r}: expected NAME:LOW:HIGH:N with numbers LOW, HIGH and an integer N") from None
    if not 2 <= n <= MAX_GRID_POINTS:
        raise ValueError(f"--param {item!r}: N = {n} grid points is invalid; allowed: 2 <= N <= {MAX_GRID_POINTS:.0e}")
    for label, value in (("LOW", low), ("HIGH", high)):
        if not np.isfinite(value):
            raise ValueError(f"--param {item!r}: {label} = {value:g} is invalid; allowed: a finite number inside the prior box")
    if not low < high:
        raise ValueError(f"--param {item!r}: LOW = {low:g} is invalid; allowed: LOW < HIGH = {high:g}")
    return name, np.linspace(low, high, n)


def _cmd_scan(args) -> None:
    import time
    from pathlib import Path

    import jax
    import numpy as np

    from jaxbsm.inference.results import write_atomic
    from jaxbsm.inference.scan import evaluate_points, grid_points, scan_table

    config = load_config(args.fit)
    axes = {}
    for item in args.param:
        name, axis = _parse_param(item)
        if name in axes:
            raise ValueError(f"--param {name}: given twice; allowed: one --param per parameter")
        axes[name] = axis
    check_grid_size([len(axis) for axis in axes.values()])
    free = grid_points(config, axes, _parse_set(args.set))
    out = Path(args.out) if args.out else config.output_dir().with_name(f"{config.name}-scan.nc")
    refuse_existing_file(out, args.force)
    likelihood = load_likelihood(config)
    n_points = np.size(next(iter(free.values())))
    grid = " x ".join(f"{name}[{len(axis)}]" for name, axis in axes.items())
    print(f"scan {config.name}: {grid} = {n_points} points on {jax.device_count()} {jax.default_backend()} device(s)")
    start = time.perf_counter()
    log_l, _, predictions, status = evaluate_points(likelihood, config, free)
    print(f"evaluated in {time.perf_counter() - start:.2f} s (compilation included)")
    table = scan_table(free, log_l, predictions, status)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".nc":  # columnar, compressed: far smaller than CSV for millions of points
        write_atomic(out, lambda p: table.to_xarray().to_netcdf(p, engine="h5netcdf"))
    else:
        write_atomic(out, lambda p: table.to_csv(p, index=False))
    finite = np.isfinite(table["chi2"])
    if finite.any():
        best = table.loc[table["chi2"][finite].idxmin()]
        at = ", ".join(f"{name} = {best[name]:g}" for name in config.free)
        print(f"grid minimum: chi2 = {best['chi2']:.4f} at {at}")
    print(
        f"{int((~finite).sum())} points with non-finite log L, of which {int((table['status'] != 0).sum())} "
        f"where a solver failed (column status, jaxbsm.status); table written to {out}"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jaxbsm", description="Differentiable BSM inference in JAX.")
    sub = parser.add_subparsers(dest="command", required=True)

    fit = sub.add_parser("fit", help="run NUTS and the best fit of a fit configuration")
    fit.add_argument("fit", help="YAML file or name of a shipped fit (see `jaxbsm list fits`)")
    fit.add_argument("--out", help="output directory (default: config output.dir or results/<fit name>)")
    fit.add_argument("--chains", type=int)
    fit.add_argument("--warmup", type=int)
    fit.add_argument("--samples", type=int)
    fit.add_argument("--seed", type=int)
    fit.add_argument(
        "--force", action="store_true",
        help="write into an existing non-empty output directory (its results and checkpoint.npz are removed first)",
    )
    fit.add_argument(
        "--exact",
        action="store_true",
        help="sample the model's exact variant (the live solvers at every point, e.g. scalar-decay-exact) instead "
        "of its tables; slow on a CPU; output in results/<fit>-exact",
    )
    fit.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted run checkpointed in the output directory (checkpoint.npz), with the "
        "same fit and options; without a checkpoint, start a new run",
    )
    fit.add_argument("--no-progress", action="store_true", help="no progress bar")
    fit.set_defaults(run=_cmd_fit)

    best = sub.add_parser("bestfit", help="multi-start best fit with Hessian errors")
    best.add_argument("fit", help="YAML file or name of a shipped fit")
    best.add_argument("--starts", type=int)
    best.add_argument("--seed", type=int)
    best.set_defaults(run=_cmd_bestfit)

    lst = sub.add_parser("list", help="list models, datasets, shipped fits or observables")
    lst.add_argument("what", nargs="?", default="models", choices=["models", "datasets", "fits", "observables"])
    lst.set_defaults(run=_cmd_list)

    pred = sub.add_parser("predict", help="print every observable a model predicts at a parameter point")
    pred.add_argument("model")
    pred.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="parameter value (repeatable)")
    pred.set_defaults(run=_cmd_predict)

    prof = sub.add_parser("profile", help="profile likelihood in 1 or 2 parameters, with Wilks intervals")
    prof.add_argument("fit", help="YAML file or name of a shipped fit")
    prof.add_argument(
        "--param",
        action="append",
        required=True,
        metavar="NAME[:LOW:HIGH:N]",
        help="profiled parameter, once or twice; default grid: best fit +- 5 Hessian sigma within the prior box, 41 (1-d) or 21 (2-d) points",
    )
    prof.add_argument("--out", help="output directory (default: results/<fit name>-profile-<params>)")
    prof.add_argument("--starts", type=int, help="best-fit starts")
    prof.add_argument("--seed", type=int, help="best-fit seed")
    prof.add_argument("--force", action="store_true", help="write into an existing non-empty output directory")
    prof.set_defaults(run=_cmd_profile)

    bib = sub.add_parser("bib", help="print the BibTeX of the datasets and theory a fit uses")
    bib.add_argument("fit", help="YAML file or name of a shipped fit")
    bib.add_argument(
        "--methods",
        nargs="+",
        default=["fit"],
        choices=["fit", "profile", "compare"],
        help="the commands whose methods to cite (default: fit = NUTS, best fit, diagnostics, output)",
    )
    bib.set_defaults(run=_cmd_bib)

    check = sub.add_parser(
        "check", help="gauge anomalies, residual Z_n, neutrino nature, dark sector and allowed operators of a model"
    )
    check.add_argument("model", help="YAML model file or name of a shipped model (jaxbsm/consistency/data/*.yaml)")
    check.set_defaults(run=_cmd_check)

    comp = sub.add_parser("compare", help="Bayes factor of two fits on the same data (nested-sampling evidences)")
    comp.add_argument("fit_a", help="YAML file or name of a shipped fit (numerator of B)")
    comp.add_argument("fit_b", help="YAML file or name of a shipped fit (denominator of B)")
    comp.add_argument("--live-points", type=int, help="live points, 2 to 100000 (default: 50 per free parameter)")
    comp.add_argument("--seed", type=int, help="sampler seed, 0 to 2**32 - 1 (default: each fit's nuts.seed)")
    comp.add_argument("--out", help="JSON file with both evidences and the Bayes factor")
    comp.add_argument("--force", action="store_true", help="overwrite an existing JSON file")
    comp.set_defaults(run=_cmd_compare)

    scan = sub.add_parser(
        "scan", help="chi2 and every prediction on a grid of free parameters (CSV; batched, sharded over devices)"
    )
    scan.add_argument("fit", help="YAML file or name of a shipped fit")
    scan.add_argument(
        "--param",
        action="append",
        required=True,
        metavar="NAME:LOW:HIGH:N",
        help="grid axis: N evenly spaced values of a free parameter from LOW to HIGH (repeatable)",
    )
    scan.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="value of a free parameter not on the grid"
    )
    scan.add_argument("--out", help="output table: .nc for netCDF (columnar, compressed; default results/<fit name>-scan.nc), or .csv on request")
    scan.add_argument("--force", action="store_true", help="overwrite an existing output table")
    scan.set_defaults(run=_cmd_scan)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jaxbsm`` console script; returns the exit code (0, or 2 on user error)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except (ValueError, OSError) as e:
        print(f"jaxbsm: error: {e}", file=sys.stderr)
        return 2
    except Interrupted as e:
        print(f"\njaxbsm: {e}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("\njaxbsm: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
