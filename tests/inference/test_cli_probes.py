"""Issue 19's command-line probes, each run as a new user runs it: the real command in a subprocess
(`python -m jaxbsm.inference.cli`, what the `jaxbsm` script runs) from an empty folder. Each must end
with exit code 2 and one line on stderr naming the problem, no traceback, and no folder created
(or, for `check`, finish quickly with its answer). The in-process tests beside this file check the
same behaviours in detail; these check the whole path a user sees."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

FIT = "model: wilson\ndatasets: [flavour-2017]\nparameters: {{dC9_mu: {{}}}}\nname: {name}\n{extra}"
DATASET = """name: mine
description: one measurement
measurements:
  - observable: "R_K[1.1,6]"
    experiment: LHCb
    year: abc
    value: 0.95
    uncertainties: {stat: 0.05}
    arxiv: "2212.09152"
    inspire: "LHCb:2022zom"
    title: t
    journal: j
"""

PROBES = {
    # name: (files {name: text or bytes}, argv, what stderr must say)
    "name-with-path": ({"f.yaml": FIT.format(name="../../x", extra="")}, ["fit", "f.yaml"], "field 'name' = '../../x' is invalid"),
    "dataset-twice": (
        {"f.yaml": FIT.format(name="t", extra="").replace("[flavour-2017]", "[flavour-2017, flavour-2017]")},
        ["fit", "f.yaml"], "flavour-2017",
    ),
    "duplicate-key": ({"f.yaml": FIT.format(name="t", extra="name: u\n")}, ["fit", "f.yaml"], "key 'name' repeated"),
    "samples-1e20": ({"f.yaml": FIT.format(name="t", extra="nuts: {samples: 100000000000000000000}\n")}, ["fit", "f.yaml"], "nuts.samples"),
    "chains-1e9": ({"f.yaml": FIT.format(name="t", extra="nuts: {chains: 1000000000}\n")}, ["fit", "f.yaml"], "nuts.chains"),
    "seed-1e20": ({"f.yaml": FIT.format(name="t", extra="")}, ["fit", "f.yaml", "--seed", "99999999999999999999"], "seed"),
    "year-abc": (
        {"d.yaml": DATASET, "f.yaml": FIT.format(name="t", extra="").replace("[flavour-2017]", "[d.yaml]")},
        ["fit", "f.yaml"], "field 'year' = 'abc' must be a year",
    ),
    "binary-file": ({"f.yaml": bytes(range(256))}, ["fit", "f.yaml"], "f.yaml"),
    "scan-1e12": (
        {}, ["scan", "flavour-wilson-current", "--param", "dC9_mu:-2:2:1000001", "--param", "dC10_mu:-2:2:1000001"], "points",
    ),
}


def _run(tmp_path, files, argv):
    for name, text in files.items():
        (tmp_path / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    return subprocess.run([sys.executable, "-m", "jaxbsm.inference.cli", *argv], capture_output=True, text=True, timeout=300, cwd=tmp_path)


@pytest.mark.parametrize("probe", PROBES)
def test_bad_input_is_one_clear_line(tmp_path, probe):
    files, argv, needle = PROBES[probe]
    done = _run(tmp_path, files, argv)
    assert done.returncode == 2 and done.stdout == "", (done.returncode, done.stdout, done.stderr)
    assert needle in done.stderr and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)  # no output folder was created


def test_check_with_a_huge_charge_finishes(tmp_path):
    """`jaxbsm check` of a vev with charge 1000000007 (it used to enumerate Z_N and never finish)."""
    model = ("charges: [X]\nfields:\n"
             "  - {name: l_L, su2: 2, Y: -1/2, chirality: L, charges: {X: 1/7}, sm: true}\n"
             "  - {name: nu_R, Y: 0, chirality: R, charges: {X: 1/7}}\n"
             "  - {name: S, Y: 0, chirality: S, charges: {X: 1000000007}, vev: true}\n")
    start = time.perf_counter()
    done = _run(tmp_path, {"m.yaml": model}, ["check", "m.yaml"])
    assert done.returncode == 0 and "Z_7000000049" in done.stdout, done.stderr
    assert time.perf_counter() - start < 120.0  # a hang guard, not a speed test


def test_ctrl_c_during_a_fit_is_one_line_with_the_resume_command(tmp_path):
    """A real SIGINT to a running `jaxbsm fit` (sent once NUTS has started): exit code 130 and one line
    saying where the draws are and how to resume, no KeyboardInterrupt traceback."""
    import signal

    # 10^6 draws: the run cannot end before the signal; SIGINT reset to its default in the child (a test
    # worker may ignore it, and a child that starts with SIGINT ignored never raises KeyboardInterrupt)
    proc = subprocess.Popen([sys.executable, "-u", "-m", "jaxbsm.inference.cli", "fit", "flavour-wilson-current", "--out", "out",
                             "--no-progress", "--samples", "1000000"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        for line in proc.stdout:  # wait until sampling has started
            if line.startswith("NUTS:"):
                break
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    err = err.strip()  # the line starts on a fresh line, after the terminal's "^C"
    assert "\n" not in err and err.startswith("jaxbsm: interrupted;") and "--resume" in err and "Traceback" not in err, err
