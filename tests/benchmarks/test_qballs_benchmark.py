"""Smoke test of benchmarks.qballs: batch size 1, no peer; checks the JSON written."""

import json

import pytest

from benchmarks import common, qballs


@pytest.mark.slow  # three compiles of the bounce and of E(Q): ~25 s; run with `pytest -m slow`
def test_qballs_benchmark_writes_result(tmp_path):
    result = qballs.run(max_batch=1, max_energy_batch=1, min_time=0.01, peer=False)
    path = common.write_json(result, tmp_path, f"qballs-{common.device_name()}.json")
    saved = json.loads(path.read_text())

    assert saved["environment"]["float64"] is True
    assert {"jax", "diffrax", "jaxbsm", "cosmoTransitions"} <= set(saved["environment"]["versions"])
    for kind in ("bounce_omega", "bounce_params", "energy"):
        rows = saved["throughput"][kind]
        assert [r["batch"] for r in rows] == [1]
        assert all(r["points_per_s"] > 0 and r["compile_s"] >= 0 for r in rows)
        assert saved["throughput"]["best"][kind] in rows
    assert saved["throughput"]["bounce_omega"][0]["ok_fraction"] == 1.0
    assert saved["throughput"]["bounce_params"][0]["ok_fraction"] == 1.0
    assert saved["peer"] == {"skipped": "disabled"}
    assert "comparison" not in saved
    assert "| batch |" in qballs.summary(saved)


@pytest.mark.peer
def test_qballs_peer_timing():
    pytest.importorskip("cosmoTransitions")
    peer = qballs.peer_benchmark(omegas=(0.9,))
    assert peer["jaxbsm_status"] == [0]
    assert abs(peer["tight"]["rel_diff_from_jaxbsm"][0]) < 1e-5
    assert abs(peer["default"]["rel_diff_from_jaxbsm"][0]) < 1e-2
    assert peer["tight"]["seconds_per_bounce"] > 0 and peer["jaxbsm_seconds_per_bounce_same_points"] > 0
