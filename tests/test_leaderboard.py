"""`mmwb leaderboard` on a 2-method × 1-task grid: the outputs, the cache (a second run trains nothing) and the resume
(a run killed after its first cell finishes the rest, and only the rest)."""
import json, os, subprocess, sys, time
from pathlib import Path
import pytest
from mmworkbench.leaderboard import run_grid, write_outputs, cli_main

ARGS = ["--methods", "late,early", "--tasks", "vqa", "--seeds", "0", "--steps", "2", "--no-unimodal"]


def _env():
    return {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg",
            "PYTHONPATH": str(Path(__file__).resolve().parents[1])}


def test_outputs_and_cache(tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "out"
    assert cli_main([*ARGS, "--cache", str(cache), "--out", str(out)]) == 0
    assert len(list(cache.glob("*.json"))) == 2
    data = json.loads((out / "leaderboard.json").read_text())
    assert sorted(data["tasks"]["vqa"]["rows"]) == ["early", "late"] and data["info"]["computed"] == 2
    md = (out / "leaderboard.md").read_text()
    assert "### vqa — accuracy" in md and "| `early` |" in md and "no image" in md and "leaderboard/heatmap.png" in md
    for f in ("heatmap", "robustness", "cost"): assert (out / "leaderboard" / f"{f}.png").stat().st_size > 1000
    again = run_grid(["late", "early"], ["vqa"], (0,), cache=cache, changes={"steps": 2}, progress=False,
                     unimodal=False)
    assert (again.computed, again.cached) == (0, 2)
    assert json.loads((out / "leaderboard.json").read_text())["tasks"] == data["tasks"]


def test_killed_run_resumes(tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "out"
    cmd = [sys.executable, "-m", "mmworkbench.cli", "leaderboard", *ARGS, "--cache", str(cache), "--out", str(out)]
    p = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while not list(cache.glob("*.json")) and p.poll() is None and time.time() - t0 < 300: time.sleep(0.05)
    p.kill(); p.wait()
    finished = list(cache.glob("*.json"))
    assert len(finished) >= 1, "the first cell never finished"
    assert not list(cache.glob("*.tmp*")), "a kill left a half-written file"
    run = run_grid(["late", "early"], ["vqa"], (0,), cache=cache, changes={"steps": 2}, progress=False, unimodal=False)
    assert run.cached == len(finished) and run.computed == 2 - len(finished) and not run.errors
