"""Smoke test of benchmarks.structure: the 3 keV model (value and gradient), batch sizes 1 and 2, the
CLASS times stored with the reference tables, no NUTS; checks the JSON written, the load average in
it, and the keys benchmarks.run_all reads."""

import json

import pytest

from benchmarks import run_all, structure


@pytest.mark.slow  # compiles of the root find, its gradient and the batched map: ~1.5-2 min on 2 cores
def test_structure_benchmark_writes_result(tmp_path):
    structure.main(["--quick", "--no-nuts", "--out", str(tmp_path)])
    saved = json.loads(next(tmp_path.glob("structure-*.json")).read_text())

    assert saved["environment"]["float64"] is True
    assert {"start", "after_models", "after_batches", "after_class", "end"} <= set(saved["load_average"])
    row = saved["models"]["wdm_3keV"]
    assert row["status"] == 0 and abs(row["k_hm_rel_diff_vs_class"]) < 3e-3
    for kind in ("value", "gradient"):
        assert row[kind]["seconds"] > 0 and row[kind]["cpu_s"] > 0 and row[kind]["compile_s"] >= 0
    assert len(row["gradient"]["d_k_hm_d_inputs"]) == 2 and row["gradient"]["d_k_hm_d_inputs"][0] > 0  # colder: larger k_hm
    assert [r["batch"] for r in saved["jaxbsm"]] == [1, 2] and all(r["all_ok"] for r in saved["jaxbsm"])
    cls = saved["class"]
    assert cls["source"].startswith("stored") and cls["per_model"]["wdm_3keV"]["core_s"] == 2 * cls["per_model"]["wdm_3keV"]["wall_s"]
    assert saved["ratios"]["wdm_3keV"]["value_per_core"] > 0
    assert run_all.summary_row("structure", saved, {"wall_s": 1.0, "error": None, "result": "x.json"})["status"] == "ok"


def test_model_inputs_cover_the_reference_models():
    """Every reference model maps to a spectrum family with two named inputs (mass, spectrum parameter)."""
    reference = json.loads(structure.REFERENCE.read_text())
    for name in structure.MODELS:
        family, p = structure.model_inputs(name, reference)
        assert family in structure.FAMILIES and p.shape == (2,) and len(structure.FAMILIES[family][1]) == 2
