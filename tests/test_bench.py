"CPU smoke run of `mmwb bench` with tiny presets: checks the output's fields, never its speed."
import json
import pytest
from mmworkbench.cli import main

FIELDS = {"name", "kind", "size", "batch", "tokens", "params_m", "step_s", "samples_per_s", "step_tflop", "tflops", "mfu",
          "peak_mem_gb", "latency_b1_ms", "latency_batch_ms", "capture_one", "capture_all"}

def test_bench_cli_writes_json_markdown_and_plot(tmp_path, capsys):
    assert main(["bench", "--methods", "late,early", "--batch", "4", "--device", "cpu", "--repeats", "1",
                 "--out", str(tmp_path)]) == 0
    res = json.loads((tmp_path / "bench.json").read_text())
    assert {"device", "torch", "peak", "size", "batch", "compile"} <= set(res["info"])
    rows = {r["name"]: r for r in res["results"]}
    assert set(rows) == {"late", "early", "plain-sdpa-stack", "open_clip tiny"}
    for r in rows.values():
        assert FIELDS <= set(r) and r["samples_per_s"] > 0 and r["step_tflop"] > 0 and 0 < r["mfu"]
    assert rows["early"]["capture_one"] > 0 and rows["early"]["capture_all"] > 0
    assert (tmp_path / "bench.png").stat().st_size > 1000
    md = (tmp_path / "bench.md").read_text()
    assert "| early |" in md and "torch" in md

def test_bench_rejects_unknown_methods(capsys):
    assert main(["bench", "--methods", "late,nope"]) == 2
    assert "unknown method 'nope'; registered methods" in capsys.readouterr().err
    assert main(["bench", "--batch", "0"]) == 2 and "--batch 0" in capsys.readouterr().err

def test_gpu_bench_driver_runs_each_job_in_its_own_process(tmp_path):
    "scripts/gpu_bench.py (which docs/benchmarks.md cites) on CPU: a failing job is an error row, the rest is written."
    import os, subprocess, sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    r = subprocess.run([sys.executable, str(root / "scripts" / "gpu_bench.py"), "--size", "tiny", "--batch", "4",
                        "--device", "cpu", "--repeats", "1", "--no-compile", "--no-refs", "--methods", "late,nope",
                        "--out", str(tmp_path)], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": str(root), "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"})
    assert r.returncode == 1, r.stderr[-2000:]     # one job failed
    res = json.loads((tmp_path / "bench.json").read_text())
    assert {"device", "torch", "peak", "size", "batch", "compile"} <= set(res["info"]) and res["info"]["size"] == "tiny"
    assert res["info"]["compile_mode"] == "eager" and res["info"]["driver"]["budget_s"] == 480
    late, nope = res["results"]
    assert FIELDS <= set(late) and late["name"] == "late" and late["samples_per_s"] > 0
    assert late["mode"] == "eager" and late["graph_breaks"] is None and late["latency_b1_ms"] is None   # train step
    assert nope["name"] == "nope" and "unknown method 'nope'" in nope["error"]
    assert "| late |" in (tmp_path / "bench.md").read_text() and (tmp_path / "bench.png").exists()


@pytest.mark.slow
def test_gpu_bench_smoke_compiles_and_records_the_mode(tmp_path):
    "`scripts/gpu_bench.py --smoke` on CPU, compiled: every row says it ran compiled, as one graph with no breaks."
    import os, subprocess, sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    r = subprocess.run([sys.executable, str(root / "scripts" / "gpu_bench.py"), "--smoke", "--methods", "late,early",
                        "--out", str(tmp_path)], capture_output=True, text=True, timeout=1200,
                       env={**os.environ, "PYTHONPATH": str(root), "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"})
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads((tmp_path / "bench.json").read_text())
    assert res["info"]["compile_mode"] == "compiled:default" and res["info"]["size"] == "tiny"
    rows = {x["name"]: x for x in res["results"]}
    assert rows.keys() == {"plain-sdpa-stack", "late", "early", "open_clip tiny"}
    for x in rows.values(): assert x["mode"] == "compiled:default" and x["samples_per_s"] > 0, x
    for m in ("late", "early"): assert rows[m]["graph_breaks"] == 0 and rows[m]["graphs"] >= 1, rows[m]
    assert "compiled:default" in (tmp_path / "bench.md").read_text()
