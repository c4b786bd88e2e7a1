"""benchmarks.run_all (``python -m benchmarks``): summary rows and table from synthetic family JSONs,
the orchestration of ``main`` with the family runs and device detection replaced, a real failing
subprocess, and argument errors. No benchmark is run here."""

import json
import sys

import pytest

from benchmarks import common, run_all

CPU = {"platform": "cpu", "kind": "cpu", "count": 1}
HOST = {"cpu_count": 2, "load_average_1min": 1.5, "platform": "test"}
NUTS = {"fit": "flavour-wilson-current", "chains": 4, "warmup": 300, "samples": 300, "min_ess_bulk": 600.0,
        "ess_per_s": 150.0, "ess_per_s_total": 40.0, "warmup_s": 11.0, "sampling_s": 4.0, "divergences": 0}


def flavour_result(flavio: bool = True) -> dict:
    return {
        "environment": {"device": CPU},
        "latency": {"seconds": 3.0e-5, "compile_s": 0.46, "first_call_s": 0.46003},
        "throughput": {"best": {"log_likelihood": {"batch": 10000, "points_per_s": 1.0e6},
                                "value_and_grad": {"batch": 1000, "points_per_s": 5.0e5}}},
        "nuts": NUTS,
        "flavio": ({"flavio_version": "2.7.1", "seconds_per_point": 0.43, "make_measurement_s": 47.7} if flavio
                   else {"skipped": "flavio not importable and no --flavio-python given"}),
    }


def neutrino_result() -> dict:
    return {
        "environment": {"device": CPU},
        "latency": {"seconds": 2.0e-5, "compile_s": 0.49},
        "throughput": {"best": {"analytic": {"batch": 10000, "points_per_s": 1.7e6},
                                "eigh": {"batch": 10000, "points_per_s": 4.3e5}}},
        "peers": {"nuoscprobexact": {"version": "1.13.0", "throughput": [{"batch": 1, "points_per_s": 1.0e4},
                                                                          {"batch": 10000, "points_per_s": 3.1e6}]},
                  "nusquids": {"skipped": "nuSQuIDS not importable"}},
        "nuts": {"skipped": "disabled"},
    }


def qballs_result() -> dict:
    rows = [{"batch": 1, "compile_s": 7.7, "seconds_per_call": 0.52, "points_per_s": 1.9},
            {"batch": 10, "compile_s": 8.3, "seconds_per_call": 0.5, "points_per_s": 20.0}]
    return {"environment": {"device": CPU}, "throughput": {"bounce_omega": rows, "best": {"bounce_omega": rows[1]}},
            "peer": {"skipped": "disabled"}}


def structure_result() -> dict:
    return {"environment": {"device": CPU},
            "jaxbsm": [{"batch": 1, "compile_s": 10.9, "seconds": 3.6, "models_per_s": 0.28},
                       {"batch": 2, "compile_s": 7.0, "seconds": 8.0, "models_per_s": 0.25}],
            "class": {"converged_s": 75.8, "default_s": 8.9, "source": "stored with tests/cosmology/data/..."}}


def ok_run(name):
    return {"wall_s": 12.0, "error": None, "result": f"/x/{name}-cpu.json"}


@pytest.fixture(scope="module")
def rows():
    return {
        "flavour": run_all.summary_row("flavour", flavour_result(), ok_run("flavour")),
        "neutrino": run_all.summary_row("neutrino", neutrino_result(), ok_run("neutrino")),
        "freeze_in": run_all.summary_row("freeze_in", None, {"wall_s": 5.0, "error": "exit status 1: RuntimeError: boom"}),
        "qballs": run_all.summary_row("qballs", qballs_result(), ok_run("qballs")),
        "structure": run_all.summary_row("structure", structure_result(), ok_run("structure")),
    }


def test_rows_take_the_headline_numbers(rows):
    f = rows["flavour"]
    assert f["status"] == "ok" and f["error"] is None
    assert (f["compile_s"], f["latency_s"], f["best_batch"], f["best_per_s"]) == (0.46, 3.0e-5, 10000, 1.0e6)
    assert f["nuts"]["status"] == "ok" and f["nuts"]["ess_per_s"] == 150.0 and f["nuts"]["fit"] == NUTS["fit"]
    (flavio,) = f["peers"]
    # ratio = peer s/point over jaxbsm s/point at its best batch = 0.43 s x 1e6 points/s
    assert flavio["ratio"] == pytest.approx(0.43 * 1.0e6, rel=1e-12)
    assert flavio["jaxbsm_seconds_per_unit"] == pytest.approx(1e-6, rel=1e-12)
    q = rows["qballs"]
    assert (q["compile_s"], q["latency_s"], q["best_batch"], q["best_per_s"]) == (7.7, 0.52, 10, 20.0)
    assert q["nuts"] == {"status": "none", "fit": None}
    s = rows["structure"]
    assert (s["compile_s"], s["latency_s"], s["best_batch"], s["best_per_s"]) == (10.9, 3.6, 1, 0.28)


def test_peers_installed_missing_disabled_and_stored(rows):
    nope, nsq = rows["neutrino"]["peers"]
    assert nope["name"] == "NuOscProbExact" and nope["status"] == "ok"
    # peer at its best batch 3.1e6 points/s, jaxbsm at 1.7e6: ratio of seconds 1.7e6 / 3.1e6
    assert nope["ratio"] == pytest.approx(1.7e6 / 3.1e6, rel=1e-12)
    assert nsq == {"name": "nuSQuIDS", "status": "not installed"}
    assert rows["neutrino"]["nuts"] == {"status": "disabled", "fit": "neutrino-global-NO"}
    assert run_all.summary_row("flavour", flavour_result(flavio=False), ok_run("flavour"))["peers"] == [
        {"name": "flavio", "status": "not installed"}]
    assert rows["qballs"]["peers"] == [{"name": "CosmoTransitions", "status": "disabled"}]
    converged, default = rows["structure"]["peers"]
    assert converged["status"].startswith("stored time")
    assert converged["ratio"] == pytest.approx(75.8 * 0.28, rel=1e-12)
    assert default["ratio"] == pytest.approx(8.9 * 0.28, rel=1e-12)


def test_failed_and_malformed_families(rows):
    assert rows["freeze_in"]["status"] == "failed"
    assert rows["freeze_in"]["error"] == "exit status 1: RuntimeError: boom"
    broken = flavour_result()
    del broken["latency"]
    row = run_all.summary_row("flavour", broken, ok_run("flavour"))
    assert row["status"] == "failed" and row["error"] == "malformed result: KeyError: 'latency'"
    assert run_all.summary_row("qballs", None, ok_run("qballs"))["error"] == "no result file"
    with pytest.raises(ValueError, match="family 'bogus' is not one of flavour, neutrino"):
        run_all.summary_row("bogus", {}, ok_run("bogus"))


def test_summary_and_markdown_table(rows):
    summary = run_all.build_summary(list(rows.values()), mode="quick", device=CPU, host=HOST, versions={"jax": "x"},
                                    wall_s=700.0, load_end=2.5, family_results="benchmarks/results/quick",
                                    note="2 cores shared")
    assert summary["failed"] == ["freeze_in"]
    assert json.loads(json.dumps(summary)) == summary  # JSON-serialisable as written
    text = run_all.markdown(summary)
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(table) == 1 + 5  # header + one row per family
    by_family = {line.split(" | ")[0][2:]: line for line in table[1:]}
    assert set(by_family) == set(rows)
    assert "FAILED: exit status 1: RuntimeError: boom" in by_family["freeze_in"]
    assert "nuSQuIDS" in by_family["neutrino"] and "not installed" in by_family["neutrino"]
    assert "| 150 (40) flavour-wilson-current, 4x300 |" in by_family["flavour"]
    assert "| 4.3e+05 |" in by_family["flavour"]  # the flavio ratio, 3 significant digits
    assert "(stored time, not measured in this run)" in by_family["structure"]
    assert "| none |" in by_family["qballs"]
    assert "load average (1 min) 1.50 at the start and 2.50 at the end" in text
    assert "Note: 2 cores shared" in text
    with pytest.raises(ValueError, match="mode 'fast' is not one of quick, full"):
        run_all.build_summary([], mode="fast", device=CPU, host=HOST, versions={}, wall_s=0.0, load_end=0.0,
                              family_results="")


def test_family_arguments():
    flavour = run_all.FAMILIES["flavour"]
    assert flavour.arguments("full", "cpu", None) == []
    assert flavour.arguments("quick", "cpu", "/p/python") == ["--quick", "--max-batch", "10000",
                                                              "--flavio-python", "/p/python"]
    assert flavour.arguments("quick", "gpu", None) == ["--quick"]
    assert run_all.FAMILIES["neutrino"].arguments("full", "cpu", "/p/python") == []  # no peer option


def test_main_runs_every_family_records_failures_and_exits_nonzero(tmp_path, monkeypatch):
    results = {"flavour": flavour_result(), "neutrino": neutrino_result(), "qballs": qballs_result(),
               "structure": structure_result()}
    calls = []

    def fake_run_family(family, mode, device, out_dir, log_dir, peer_python, timeout):
        calls.append((family.name, mode, device, out_dir, peer_python, timeout))
        if family.name == "freeze_in":
            return None, {"wall_s": 1.0, "error": "exit status 1: RuntimeError: boom", "result": None}
        return results[family.name], ok_run(family.name)

    monkeypatch.setattr(run_all, "detect_devices", lambda: {"devices": {"cpu": CPU}, "host": HOST, "versions": {}})
    monkeypatch.setattr(run_all, "run_family", fake_run_family)
    flavio = sys.executable
    assert run_all.main(["--out", str(tmp_path), "--timeout", "60", "--flavio-python", flavio]) == 1
    assert [c[0] for c in calls] == list(run_all.FAMILIES)  # the failure did not stop the others
    assert {c[1:4] for c in calls} == {("quick", "cpu", tmp_path / "quick")}
    assert {c[0]: c[4] for c in calls}["flavour"] == flavio and {c[5] for c in calls} == {60.0}
    saved = json.loads((tmp_path / "summary-cpu.json").read_text())
    assert saved["failed"] == ["freeze_in"] and saved["mode"] == "quick" and saved["device"] == CPU
    assert "FAILED" in (tmp_path / "summary-cpu.md").read_text()

    calls.clear()
    assert run_all.main(["--out", str(tmp_path), "--full", "--only", "qballs", "flavour"]) == 0
    assert [c[:3] for c in calls] == [("qballs", "full", "cpu"), ("flavour", "full", "cpu")]
    assert calls[0][3] == tmp_path


def test_failing_subprocess_is_recorded(tmp_path):
    """A real child that fails at once (no such module): exit status and its last line are kept."""
    family = run_all.Family("no_such_family", "nothing", "point", None, (), (), lambda d: {})
    data, record = run_all.run_family(family, "quick", "cpu", tmp_path / "out", tmp_path / "logs", None, 60.0)
    assert data is None
    assert record["error"].startswith("exit status 1: ") and "No module named benchmarks.no_such_family" in record["error"]
    assert (tmp_path / "logs" / "no_such_family-cpu.log").exists()
    assert not (tmp_path / "out" / "no_such_family-cpu.json").exists()


@pytest.mark.parametrize("argv, words", [
    (["--only", "bogus"], ["--only", "'bogus'", "flavour", "structure"]),
    (["--timeout", "0"], ["--timeout", "> 0", "'0'"]),
    (["--timeout", "soon"], ["--timeout", "'soon'"]),
    (["--flavio-python", "/no/such/python"], ["--flavio-python", "'/no/such/python'", "not an executable"]),
    (["--devices", "quantum"], ["--devices", "'quantum'", "'cpu', 'gpu', 'tpu'"]),
])
def test_argument_errors(argv, words, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run_all.main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert all(w in err for w in words), err


def test_unavailable_device_is_an_error(monkeypatch, capsys):
    monkeypatch.setattr(run_all, "detect_devices", lambda: {"devices": {"cpu": CPU}, "host": HOST, "versions": {}})
    with pytest.raises(SystemExit) as exit_info:
        run_all.main(["--devices", "cpu", "gpu"])
    assert exit_info.value.code == 2
    assert "argument --devices: gpu not available here (JAX sees: cpu)" in capsys.readouterr().err


@pytest.mark.parametrize("name", list(run_all.FAMILIES))
def test_shipped_family_results_parse(name):
    """The family JSONs in benchmarks/results (written by the real scripts) give ok rows."""
    path = common.RESULTS_DIR / f"{name}-cpu.json"
    if not path.exists():
        pytest.skip(f"{path} not present")
    row = run_all.summary_row(name, json.loads(path.read_text()), ok_run(name))
    assert row["status"] == "ok", row["error"]
    assert row["best_per_s"] > 0 and row["latency_s"] > 0 and row["compile_s"] >= 0
