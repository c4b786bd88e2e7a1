"""Smoke test of benchmarks.flavour: small batches, no NUTS, no flavio; checks the JSON written."""

import json

from benchmarks import common, flavour


def test_flavour_benchmark_writes_result(tmp_path):
    result = flavour.run(max_batch=100, min_time=0.01, nuts=False, flavio=False)
    path = common.write_json(result, tmp_path, f"flavour-{common.device_name()}.json")
    saved = json.loads(path.read_text())

    assert saved["environment"]["float64"] is True
    assert saved["environment"]["host"]["cpu_count"] >= 1
    assert {"jax", "jaxlib", "numpyro", "jaxbsm"} <= set(saved["environment"]["versions"])
    assert saved["latency"]["seconds"] > 0
    for kind in ("log_likelihood", "value_and_grad"):
        rows = saved["throughput"][kind]
        assert [r["batch"] for r in rows] == [1, 10, 100]
        assert all(r["points_per_s"] > 0 and r["compile_s"] >= 0 for r in rows)
        assert saved["throughput"]["best"][kind] in rows
    assert saved["nuts"] == {"skipped": "disabled"}
    assert saved["flavio"] == {"skipped": "disabled"}
    assert "comparison" not in saved
    assert "| batch |" in flavour.summary(saved)
