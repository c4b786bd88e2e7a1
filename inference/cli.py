"""The ``jaxbsm`` command line: run fits, best fits and predictions; list models, data and fits.

    jaxbsm fit NAME_OR_YAML [--out DIR] [--chains N] [--warmup N] [--samples N] [--seed S]
                            [--force] [--no-progress]
    jaxbsm bestfit NAME_OR_YAML [--starts N] [--seed S]
    jaxbsm list [models|datasets|fits|observables]
    jaxbsm predict MODEL --set NAME=VALUE ...
    jaxbsm bib NAME_OR_YAML
    jaxbsm check MODEL_YAML_OR_NAME

User errors (bad names, values, files) print one line ``jaxbsm: error: ...`` and exit with code 2.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

import yaml

warnings.filterwarnings("ignore", message="ArviZ is undergoing a major refactor", category=FutureWarning)

from inference.config import FitConfig, load_config, shipped_fits

SUMMARY_COLUMNS = ["mean", "sd", "hdi_16%", "hdi_84%", "r_hat", "ess_bulk", "ess_tail"]


def load_likelihood(config: FitConfig):
    """The likelihood of ``config``: its model bound to its datasets."""
    from likelihoods.likelihood import build_likelihood

    return build_likelihood(config.model, list(config.datasets), fixed=config.fixed)


def _cmd_fit(args) -> None:
    from inference.bestfit import best_fit
    from inference.nuts import diagnostics, run_nuts
    from inference.results import prepare_output, summary_table, write_results

    config = load_config(args.fit)
    config = config.with_overrides(
        nuts={"chains": args.chains, "warmup": args.warmup, "samples": args.samples, "seed": args.seed},
        output={"dir": args.out},
    )
    out = config.output_dir()
    likelihood = load_likelihood(config)
    prepare_output(out, args.force)  # fail before sampling, not after
    n = config.nuts
    print(f"fit {config.name}: model {config.model} on {', '.join(config.datasets)}; free: {', '.join(config.free)}")
    print(f"NUTS: {n.chains} chains x ({n.warmup} warm-up + {n.samples} draws), seed {n.seed}")
    idata = run_nuts(likelihood, config, progress=not args.no_progress)
    print(f"best fit: {config.bestfit.starts} starts x {config.bestfit.steps} steps")
    best = best_fit(likelihood, config)
    labels = {p.name: f"{p.latex} [{p.unit}]" if p.unit else p.latex for p in likelihood.model.parameters}
    write_results(out, idata, config, best, force=True, labels=labels)

    print()
    print(summary_table(idata)[SUMMARY_COLUMNS].to_string(float_format=lambda v: f"{v:.4g}"))
    d = diagnostics(idata)
    print(
        f"divergences: {d['divergences']}   non-finite log L draws: {d['nonfinite_log_likelihood']}   "
        f"max R-hat: {d['max_r_hat']:.3f}   min ESS bulk/tail: {d['min_ess_bulk']:.0f}/{d['min_ess_tail']:.0f}"
    )
    print()
    print(best.table())
    print(f"\nresults written to {out}/")


def _cmd_bestfit(args) -> None:
    from inference.bestfit import best_fit

    config = load_config(args.fit).with_overrides(bestfit={"starts": args.starts, "seed": args.seed})
    print(best_fit(load_likelihood(config), config).table())


def _cmd_list(args) -> None:
    from jaxbsm.model import get_model, list_models, load_builtin_models

    if args.what == "models":
        for name in list_models():
            model = get_model(name)
            print(f"{name}: {model.description}")
            for p in model.parameters:
                unit = f" [{p.unit}]" if p.unit else ""
                print(f"    {p.name}{unit} in [{p.low:g}, {p.high:g}], default {p.default:g}: {p.description}")
    elif args.what == "datasets":
        from likelihoods.likelihood import list_datasets

        print("\n".join(list_datasets()))
    elif args.what == "fits":
        for name, path in shipped_fits().items():
            data = yaml.safe_load(path.read_text())
            description = data.get("description", "") if isinstance(data, dict) else ""
            print(f"{name}: {' '.join(str(description).split())}")
    else:
        from jaxbsm.observables import OBSERVABLES

        load_builtin_models()
        for name in sorted(OBSERVABLES):
            info = OBSERVABLES[name]
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

    from jaxbsm.model import get_model
    from jaxbsm.observables import OBSERVABLES

    model = get_model(args.model)
    params = model.validate(_parse_set(args.set))
    predictions = model.predict({k: jnp.asarray(v) for k, v in params.items()})
    print(f"model {model.name}: " + ", ".join(f"{k} = {v:g}" for k, v in params.items()))
    width = max(len(k) for k in predictions)
    for name, value in predictions.items():
        info = OBSERVABLES.get(name)
        unit = info.unit if info else ""
        description = info.description if info else ""
        print(f"{name:<{width}}  {float(value):>14.6g}  {unit:<8}  {description}")


def _cmd_bib(args) -> None:
    print("\n\n".join(load_likelihood(load_config(args.fit)).bibtex()))


def _cmd_check(args) -> None:
    from jaxbsm.models.io import load_model
    from jaxbsm.models.report import check_report

    print(check_report(load_model(args.model)))


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
    fit.add_argument("--force", action="store_true", help="write into an existing non-empty output directory")
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

    bib = sub.add_parser("bib", help="print the BibTeX of the datasets and theory a fit uses")
    bib.add_argument("fit", help="YAML file or name of a shipped fit")
    bib.set_defaults(run=_cmd_bib)

    check = sub.add_parser(
        "check", help="gauge anomalies, residual Z_n, neutrino nature, dark sector and allowed operators of a model"
    )
    check.add_argument("model", help="YAML model file or name of a shipped model (jaxbsm/models/data/*.yaml)")
    check.set_defaults(run=_cmd_check)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
