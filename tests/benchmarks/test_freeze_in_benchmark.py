"""Smoke test of benchmarks.freeze_in: batch size 1, one scipy point; checks the JSON written."""

import json

import pytest

from benchmarks import common, freeze_in


@pytest.mark.slow  # four compiles of the solve (value, spectrum, Jacobian, fixed-mass plane): ~1 min
def test_freeze_in_benchmark_writes_result(tmp_path):
    result = freeze_in.run(max_batch=1, scipy_points=1, min_time=0.01)
    path = common.write_json(result, tmp_path, f"freeze_in-{common.device_name()}.json")
    saved = json.loads(path.read_text())
    assert saved["environment"]["float64"] is True
    for kind in ("yields", "with_spectrum", "gradient"):
        rows = saved["throughput"][kind]
        assert [r["batch"] for r in rows] == [1]
        assert rows[0]["points_per_s"] > 0
    assert abs(saved["scipy"]["points"][0]["rel_diff"]) < 1e-3  # same equations, two solvers
    assert saved["ratio_best_batch_vs_scipy"] > 0
    assert len(saved["load_average"]["start"]) == 3 and len(saved["load_average"]["end"]) == 3
    assert set(saved["targets"]["met"]) == {"points_per_s_with_spectrum", "gradient_s_per_point"}
    assert saved["cpu_time"]["yields"]["cpu_s_per_call"] > 0
    assert saved["throughput"]["fixed_mass_yields"][0]["points_per_s"] > 0
    assert "| batch |" in freeze_in.summary(saved)
