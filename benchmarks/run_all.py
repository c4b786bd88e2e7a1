"""Run every family's benchmark and write one summary table per device (DESIGN.md §7).

Each family script (``benchmarks.flavour``, ``.neutrino``, ``.freeze_in``, ``.qballs``,
``.structure``) runs in its own Python subprocess, one after the other (a clean process per family:
its compile times are not helped by another family's warm caches and its memory is returned), on
each device JAX sees: the CPU (``JAX_PLATFORMS=cpu``) and, where there is one, the accelerator.
The family JSONs are then read back into one row per family: compile time and latency of the
headline function at one point, throughput at the best batch size, NUTS ESS/s on the family's
shipped fit, and each peer code's seconds on the same work with the ratio. Written to
``<out>/summary-<device>.json`` and ``<out>/summary-<device>.md``.

    python -m benchmarks [--full] [--only FAMILY ...] [--devices cpu gpu] [--out DIR]
                         [--flavio-python PATH] [--classy-python PATH] [--timeout S] [--note TEXT]

The default (quick) mode is sized to finish in under 15 minutes on a 2-core CPU: small maximum
batches, 0.3 s timing loops, NUTS with ``common.QUICK_NUTS`` draws; its family JSONs go to
``<out>/quick/`` so that the full-mode results in ``<out>/`` are not overwritten. ``--full`` runs
each script with its own defaults and writes the family JSONs to ``<out>/``. Logs of every family
run go to ``<out>/logs/``. A family that fails (non-zero exit, timeout, no or malformed result) is
recorded as failed with its error; the others still run, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import common

REPO = Path(__file__).resolve().parents[1]
MODES = ("quick", "full")
PLATFORMS = ("cpu", "gpu", "tpu")


@dataclass(frozen=True)
class Family:
    """One benchmark script and how its result JSON maps onto a summary row.

    ``quick`` / ``quick_accelerator``: its command-line arguments in the default mode on a CPU /
    on a GPU or TPU (full mode passes none: the script's defaults). ``peer_option``: the option
    through which it is given a peer code's Python (``--flavio-python`` ...), if any. ``extract``
    maps the family JSON to compile_s, latency_s, best (a throughput row with batch and
    points_per_s), nuts (a ``nuts_benchmark`` dict or ``{"skipped": reason}``) and peers (see
    ``peer_entry``).
    """

    name: str
    timed: str
    unit: str
    fit: str | None
    quick: tuple[str, ...]
    quick_accelerator: tuple[str, ...]
    extract: Callable[[Mapping], dict]
    peer_option: str | None = None

    def arguments(self, mode: str, device: str, peer_python: str | None) -> list[str]:
        """The script's arguments (without ``--out``) in ``mode`` on ``device``."""
        args = [] if mode == "full" else list(self.quick if device == "cpu" else self.quick_accelerator)
        if self.peer_option and peer_python:
            args += [self.peer_option, peer_python]
        return args


def peer_entry(name: str, info: Mapping, seconds: float | None = None, work: str = "",
               version: str | None = None, status: str = "ok") -> dict:
    """A peer code's result: ``seconds`` per unit of work, or the reason it did not run.

    ``info`` is the family JSON's record of that peer; ``{"skipped": reason}`` there gives status
    "not installed" (reason "... not importable") or the reason itself.
    """
    if "skipped" in info:
        reason = str(info["skipped"])
        return {"name": name, "status": "not installed" if "not importable" in reason else reason}
    return {"name": name, "status": status, "version": version, "seconds_per_unit": float(seconds), "work": work}


def _flavour(d: Mapping) -> dict:
    fl = d["flavio"]
    peer = peer_entry("flavio", fl) if "skipped" in fl else peer_entry(
        "flavio", fl, fl["seconds_per_point"], version=fl["flavio_version"],
        work=f"FastLikelihood log L at a new Wilson point (after make_measurement, {fl['make_measurement_s']:.3g} s once)")
    return {"compile_s": d["latency"]["compile_s"], "latency_s": d["latency"]["seconds"],
            "best": d["throughput"]["best"]["log_likelihood"], "nuts": d["nuts"], "peers": [peer]}


def _neutrino(d: Mapping) -> dict:
    peers = d["peers"]
    nope = peers if "skipped" in peers else peers["nuoscprobexact"]
    nsq = peers if "skipped" in peers else peers["nusquids"]
    return {
        "compile_s": d["latency"]["compile_s"], "latency_s": d["latency"]["seconds"],
        "best": d["throughput"]["best"]["analytic"], "nuts": d.get("nuts", {"skipped": "not run"}),
        "peers": [
            peer_entry("NuOscProbExact", nope) if "skipped" in nope else peer_entry(
                "NuOscProbExact", nope, 1.0 / common.best_row(nope["throughput"])["points_per_s"],
                version=nope["version"], work="9 probabilities per point, best batch (H built by jaxbsm)"),
            peer_entry("nuSQuIDS", nsq) if "skipped" in nsq else peer_entry(
                "nuSQuIDS", nsq, 1.0 / nsq["points_per_s"], version=nsq["version"],
                work="9 probabilities per point (3 ODE evolutions, rel/abs error 1e-9)"),
        ],
    }


def _freeze_in(d: Mapping) -> dict:
    first = d["throughput"]["yields"][0]
    return {
        "compile_s": first["compile_s"], "latency_s": first["seconds_per_call"],
        "best": d["throughput"]["best"]["yields"], "nuts": d.get("nuts", {"skipped": "not run"}),
        "peers": [peer_entry("scipy solve_ivp (Radau)", d["scipy"], d["scipy"]["seconds_per_point"],
                             version=d["environment"]["versions"].get("scipy"),
                             work="same Boltzmann equations and <sigma v> table, rtol 1e-8, point by point")],
    }


def _qballs(d: Mapping) -> dict:
    first = d["throughput"]["bounce_omega"][0]
    peer = d["peer"]
    if "skipped" in peer:
        peers = [peer_entry("CosmoTransitions", peer)]
    else:
        peers = [peer_entry(f"CosmoTransitions ({tol})", peer, peer[tol]["seconds_per_bounce"],
                            version=peer["cosmotransitions_version"],
                            work=f"S3 bounce at {len(peer['omegas'])} omega, thin to thick wall, {tol} tolerances")
                 for tol in ("tight", "default")]
    return {"compile_s": first["compile_s"], "latency_s": first["seconds_per_call"],
            "best": d["throughput"]["best"]["bounce_omega"], "nuts": {"skipped": "no shipped fit"}, "peers": peers}


def _structure(d: Mapping) -> dict:
    rows = d["jaxbsm"]
    best = max(rows, key=lambda r: r["models_per_s"])
    cls = d["class"]
    status = "ok" if cls["source"].startswith("measured") else "stored time, not measured in this run"
    return {
        "compile_s": rows[0]["compile_s"], "latency_s": rows[0]["seconds"],
        "best": {"batch": best["batch"], "points_per_s": best["models_per_s"]},
        "nuts": d.get("nuts", {"skipped": "not run"}),
        "peers": [peer_entry(f"CLASS ({settings})", cls, cls[key], status=status, work=work)
                  for settings, key, work in (
                      ("converged", "converged_s", "T2(k) of one WDM model, converged NCDM settings (60 k, 5 z)"),
                      ("defaults", "default_s", "T2(k) of one WDM model, CLASS defaults (k_hm 7-13% off)"))],
    }


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("flavour", "log L of wilson on flavour-current at (dC9_mu, dC10_mu)", "point", "flavour-wilson-current",
           ("--quick", "--max-batch", "10000"), ("--quick",), _flavour, "--flavio-python"),
    Family("neutrino", "9 oscillation probabilities in constant matter at (E, L)", "point", "neutrino-global-NO",
           ("--quick", "--max-batch", "10000", "--max-peer-batch", "10000"), ("--quick",), _neutrino),
    Family("freeze_in", "scalar-decay freeze-in Boltzmann solve -> Omega_N h2", "point", "scalar-decay-omega",
           ("--quick", "--max-batch", "1", "--scipy-points", "4", "--no-gradient"), ("--quick", "--scipy-points", "4"), _freeze_in),
    Family("qballs", "d = 3 Q-ball bounce S3 over omega", "bounce", None,
           ("--quick", "--max-batch", "10", "--max-energy-batch", "1"),
           ("--quick", "--max-energy-batch", "10"), _qballs),
    Family("structure", "T2(k) of thermal WDM on 12 k -> k_hm", "model", "scalar-decay-structure",
           ("--quick", "--no-gradient"), ("--quick",), _structure, "--classy-python"),
)}


def nuts_entry(nuts: Mapping, fit: str | None) -> dict:
    """The summary's NUTS cell: ESS/s over sampling and over compile + warm-up + sampling."""
    if "min_ess_bulk" in nuts:
        keys = ("fit", "chains", "warmup", "samples", "min_ess_bulk", "ess_per_s", "ess_per_s_total",
                "warmup_s", "sampling_s", "divergences")
        return {"status": "ok", **{k: nuts[k] for k in keys}}
    return {"status": "none" if fit is None else str(nuts.get("skipped", "not run")), "fit": fit}


def summary_row(name: str, data: Mapping | None, run: Mapping) -> dict:
    """One family's summary row from its result JSON ``data`` and its ``run`` record.

    ``run`` has wall_s, error (None when the script succeeded) and result (the JSON path). A
    family with an error, no data, or data missing an expected key is a failed row. Each peer's
    ratio is its seconds per unit over jaxbsm's at the best batch (> 1: jaxbsm is faster).
    """
    if name not in FAMILIES:
        raise ValueError(f"family {name!r} is not one of {', '.join(FAMILIES)}")
    family = FAMILIES[name]
    row = {"family": name, "timed": family.timed, "unit": family.unit, "wall_s": run["wall_s"],
           "result": run.get("result"), "status": "ok", "error": run.get("error")}
    if row["error"] is None and data is None:
        row["error"] = "no result file"
    if row["error"] is None:
        try:
            out = family.extract(data)
        except (KeyError, IndexError, TypeError, ValueError) as e:
            row["error"] = f"malformed result: {type(e).__name__}: {e}"
    if row["error"] is not None:
        row["status"] = "failed"
        return row
    best = out["best"]
    jaxbsm_s = 1.0 / best["points_per_s"]
    for peer in out["peers"]:
        if "seconds_per_unit" in peer:
            peer["jaxbsm_seconds_per_unit"] = jaxbsm_s
            peer["ratio"] = peer["seconds_per_unit"] / jaxbsm_s
    row.update({
        "compile_s": out["compile_s"], "latency_s": out["latency_s"], "best_batch": best["batch"],
        "best_per_s": best["points_per_s"], "nuts": nuts_entry(out["nuts"], family.fit), "peers": out["peers"],
        "device": data.get("environment", {}).get("device"),
    })
    return row


def _g(x: float) -> str:
    return f"{x:.3g}"


def markdown(summary: Mapping) -> str:
    """The summary as markdown: a header paragraph and one table row per family."""
    dev = summary["device"]
    host = summary["host"]
    lines = [
        f"# jaxbsm benchmarks: {dev['platform']} ({dev['kind']} x {dev['count']}), {summary['mode']} mode",
        "",
        f"{summary['date']}; {host['cpu_count']} CPU cores, load average (1 min) {host['load_average_1min']:.2f}"
        f" at the start and {summary['load_average_1min_end']:.2f} at the end (other work on the host inflates"
        f" every time); total wall time {summary['wall_s']:.0f} s. Family results: `{summary['family_results']}`."
        " Compile and latency: the headline function at one point (jit, first call minus steady state;"
        " median steady call). Ratio: the peer's seconds per unit of work over jaxbsm's at its best batch"
        " (> 1: jaxbsm is faster). NUTS ESS/s: minimum bulk ESS over the free parameters per second of"
        " sampling (in brackets: per second of compile + warm-up + sampling).",
    ]
    if summary.get("note"):
        lines += ["", f"Note: {summary['note']}"]
    rows = []
    for r in summary["families"]:
        if r["status"] == "failed":
            rows.append((r["family"], r["timed"], "-", "-", "-", "-", "-", "-", "-", _g(r["wall_s"]),
                         f"FAILED: {r['error']}"))
            continue
        n = r["nuts"]
        nuts = (f"{_g(n['ess_per_s'])} ({_g(n['ess_per_s_total'])}) {n['fit']}, {n['chains']}x{n['samples']}"
                if n["status"] == "ok" else f"{n['status']}" + (f" ({n['fit']})" if n["fit"] else ""))
        peers = r["peers"]
        names = "<br>".join(f"{p['name']} {p.get('version') or ''}".strip() for p in peers)
        times = "<br>".join(_g(p["seconds_per_unit"]) if "seconds_per_unit" in p else p["status"] for p in peers)
        ratios = "<br>".join(
            (_g(p["ratio"]) + ("" if p["status"] == "ok" else f" ({p['status']})")) if "ratio" in p else "-"
            for p in peers)
        rows.append((r["family"], f"{r['timed']} (unit: {r['unit']})", _g(r["compile_s"]), _g(r["latency_s"]),
                     f"{_g(r['best_per_s'])} ({r['best_batch']})", nuts, names or "none", times or "-",
                     ratios or "-", _g(r["wall_s"]), "ok"))
    lines += ["", common.markdown_table(
        ["family", "timed", "compile s", "latency s", "best units/s (batch)", "NUTS ESS/s (incl. warm-up) fit",
         "peer", "peer s/unit", "ratio", "wall s", "status"], rows)]
    return "\n".join(lines) + "\n"


DETECT = """
import json, jax
from benchmarks import common
env = common.environment()
devices = {}
for platform in dict.fromkeys(("cpu", jax.default_backend())):
    found = jax.devices(platform)
    devices[platform] = {"platform": platform, "kind": found[0].device_kind, "count": len(found)}
print(json.dumps({"devices": devices, "host": env["host"], "versions": env["versions"]}))
"""


def _child_env(device: str | None) -> dict:
    """Environment of a child: JAX_PLATFORMS=cpu for the CPU, unset (JAX's default backend) otherwise."""
    env = dict(os.environ)
    env.pop("JAX_PLATFORMS", None)
    if device == "cpu":
        env["JAX_PLATFORMS"] = "cpu"
    return env


def detect_devices() -> dict:
    """Devices JAX sees (in a subprocess, so that this process holds no accelerator memory).

    Returns devices (platform -> platform, kind, count; the CPU first), host and versions.
    """
    done = subprocess.run([sys.executable, "-c", DETECT], cwd=REPO, env=_child_env(None), capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _last_line(path: Path) -> str:
    lines = [x.strip() for x in path.read_text(errors="replace").splitlines() if x.strip()]
    return lines[-1][:500] if lines else "(no output)"


def run_family(family: Family, mode: str, device: str, out_dir: Path, log_dir: Path,
               peer_python: str | None, timeout: float) -> tuple[dict | None, dict]:
    """Run one family script in a subprocess on ``device``; returns (its result JSON or None, run record).

    The script writes into a temporary directory; its JSON replaces ``out_dir/<family>-<device>.json``
    only on success, so a failed run leaves an older result in place.
    """
    cmd = [sys.executable, "-m", f"benchmarks.{family.name}", *family.arguments(mode, device, peer_python)]
    log = log_dir / f"{family.name}-{device}.log"
    log_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    record = {"command": cmd, "log": str(log), "error": None, "result": None}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, log.open("w") as stream:
        try:
            done = subprocess.run([*cmd, "--out", tmp], cwd=REPO, env=_child_env(device), stdout=stream,
                                  stderr=subprocess.STDOUT, timeout=timeout)
            if done.returncode != 0:
                record["error"] = f"exit status {done.returncode}: {_last_line(log)}"
        except subprocess.TimeoutExpired:
            record["error"] = f"timed out after {timeout:g} s"
        record["wall_s"] = time.perf_counter() - start
        produced = Path(tmp) / f"{family.name}-{device}.json"
        if record["error"] is None and not produced.exists():
            record["error"] = f"no {produced.name} written (results for another device?)"
        if record["error"] is not None:
            return None, record
        target = out_dir / produced.name
        shutil.move(produced, target)
    record["result"] = str(target)
    return json.loads(target.read_text()), record


def build_summary(rows: Sequence[Mapping], *, mode: str, device: Mapping, host: Mapping, versions: Mapping,
                  wall_s: float, load_end: float, family_results: str, note: str | None = None) -> dict:
    """The summary JSON of one device's run (the rows from ``summary_row``)."""
    if mode not in MODES:
        raise ValueError(f"mode {mode!r} is not one of {', '.join(MODES)}")
    return {
        "benchmark": "summary",
        "mode": mode,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "device": dict(device),
        "host": dict(host),
        "versions": dict(versions),
        "load_average_1min_end": load_end,
        "wall_s": wall_s,
        "family_results": family_results,
        "note": note,
        "units": {"*_s": "seconds", "best_per_s": "units per second", "seconds_per_unit": "seconds",
                  "ratio": "peer seconds per unit / jaxbsm seconds per unit at its best batch"},
        "failed": [r["family"] for r in rows if r["status"] == "failed"],
        "families": list(rows),
    }


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0, got {text!r}")
    return value


def _executable(text: str) -> str:
    if not (os.path.isfile(text) and os.access(text, os.X_OK)):
        raise argparse.ArgumentTypeError(f"{text!r} is not an executable file (a Python interpreter)")
    return text


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    ap.add_argument("--full", action="store_true", help="each script with its own defaults (much longer than the default mode)")
    ap.add_argument("--only", nargs="+", choices=list(FAMILIES), metavar="FAMILY",
                    help=f"run only these families (choices: {', '.join(FAMILIES)})")
    ap.add_argument("--devices", nargs="+", choices=PLATFORMS, metavar="DEVICE",
                    help="run on these JAX platforms (default: the CPU and the accelerator, if any)")
    ap.add_argument("--out", default=str(common.RESULTS_DIR), help="output directory (default benchmarks/results)")
    ap.add_argument("--flavio-python", type=_executable, help="Python with flavio 2.7 (the flavour peer)")
    ap.add_argument("--classy-python", type=_executable, help="Python with classy (the structure peer, CLASS)")
    ap.add_argument("--timeout", type=_positive_seconds, default=3600.0,
                    help="seconds after which one family's run is stopped and recorded as failed (3600)")
    ap.add_argument("--note", help="free text recorded with the summary (e.g. other jobs on the host)")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    ap = parser()
    args = ap.parse_args(argv)
    detected = detect_devices()
    available = detected["devices"]
    devices = args.devices or list(available)
    missing = [d for d in devices if d not in available]
    if missing:
        ap.error(f"argument --devices: {', '.join(missing)} not available here (JAX sees: {', '.join(available)})")
    mode = "full" if args.full else "quick"
    out = Path(args.out)
    family_dir = out if args.full else out / "quick"
    shown_dir = family_dir.resolve().relative_to(REPO) if family_dir.resolve().is_relative_to(REPO) else family_dir
    peers = {"--flavio-python": args.flavio_python, "--classy-python": args.classy_python}
    failed = False
    for device in devices:
        host = {**detected["host"], "load_average_1min": os.getloadavg()[0]}
        start = time.perf_counter()
        rows = []
        for name in args.only or FAMILIES:
            family = FAMILIES[name]
            print(f"[{device}] {name} ...", file=sys.stderr, flush=True)
            data, run = run_family(family, mode, device, family_dir, out / "logs",
                                   peers.get(family.peer_option), args.timeout)
            rows.append(summary_row(name, data, run))
            print(f"[{device}] {name}: {rows[-1]['status']} in {run['wall_s']:.0f} s"
                  + (f" ({run['error']})" if run["error"] else ""), file=sys.stderr, flush=True)
        summary = build_summary(rows, mode=mode, device=available[device], host=host, versions=detected["versions"],
                                wall_s=time.perf_counter() - start, load_end=os.getloadavg()[0],
                                family_results=str(shown_dir), note=args.note)
        failed |= bool(summary["failed"])
        common.write_json(summary, out, f"summary-{device}.json")
        text = markdown(summary)
        (out / f"summary-{device}.md").write_text(text)
        print(text)
    return 1 if failed else 0
