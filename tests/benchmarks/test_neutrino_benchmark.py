"""Smoke test of benchmarks.neutrino: batch size 1, no peers; checks the JSON written."""

import json

from benchmarks import common, neutrino


def test_neutrino_benchmark_writes_result(tmp_path):
    result = neutrino.run(max_batch=1, min_time=0.01, peer_codes=False)
    path = common.write_json(result, tmp_path, f"neutrino-{common.device_name()}.json")
    saved = json.loads(path.read_text())

    assert saved["environment"]["float64"] is True
    assert saved["latency"]["seconds"] > 0
    for kind in ("analytic", "eigh", "mbb_band"):
        rows = saved["throughput"][kind]
        assert [r["batch"] for r in rows] == [1]
        assert all(r["points_per_s"] > 0 and r["compile_s"] >= 0 for r in rows)
        assert saved["throughput"]["best"][kind] in rows
    assert saved["peers"] == {"skipped": "disabled"}
    assert saved["comparison"]["max_abs_diff_eigh"] < 1e-12
    assert saved["comparison"]["analytic_over_eigh"] > 0
    assert "| batch |" in neutrino.summary(saved)
