"The `mmwb` CLI: train then eval reproduces the metric; --help documents every option; bad names exit 2 without a traceback."
import json, os, subprocess, sys
from pathlib import Path
import pytest
from mmworkbench import cli

ROOT = Path(__file__).resolve().parents[1]

def mmwb(*args, timeout=300):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "mmworkbench.cli", *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)

def test_train_then_eval_reproduces_the_metric(tmp_path):
    out = tmp_path / "late_vqa"
    r = mmwb("train", "--method", "late", "--task", "vqa", "--size", "tiny", "--epochs", "1", "--n-train", "256", "--n-valid", "128",
             "--device", "cpu", "--no-progress", "--out", out)
    assert r.returncode == 0, r.stderr
    trained = json.loads(r.stdout.strip().splitlines()[-1])
    assert set(trained) == {"valid_loss", "accuracy"} and 0 <= trained["accuracy"] <= 1
    meta = json.loads((out / "model.json").read_text())
    assert meta["method"] == "late" and meta["task"]["name"] == "vqa" and meta["data"]["n_valid"] == 128 and meta["vocab"]
    assert meta["metrics"]["accuracy"] == pytest.approx(trained["accuracy"])
    r = mmwb("eval", "--ckpt", out, "--device", "cpu")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1]) == trained

def test_unknown_names_exit_2_listing_valid_ones(capsys):
    assert cli.main(["train", "--method", "nope", "--out", "x"]) == 2
    err = capsys.readouterr().err
    assert "unknown method 'nope'" in err and "'late'" in err and "Traceback" not in err
    assert cli.main(["train", "--task", "nope", "--out", "x"]) == 2
    err = capsys.readouterr().err
    assert "unknown task 'nope'" in err and "'vqa'" in err
    assert cli.main(["tour", "--size", "huge"]) == 2
    assert "unknown size 'huge'" in capsys.readouterr().err
    assert cli.main(["eval", "--ckpt", "/nonexistent/ckpt"]) == 2
    assert "/nonexistent/ckpt" in capsys.readouterr().err

def test_help_documents_every_option():
    r = mmwb("train", "--help")
    assert r.returncode == 0
    for opt in ("--method", "--task", "--size", "--epochs", "--steps", "--out", "--n-train", "--n-valid", "--bs", "--lr", "--seed",
                "--device", "--precision", "--compile", "--save-every", "--resume", "--no-progress"):
        assert opt in r.stdout, opt
    top = mmwb("--help").stdout
    for c in ("train", "eval", "tour", "list", "demo", "bench", "docs"): assert c in top, c
    script = Path(sys.executable).with_name("mmwb")
    if script.exists():                                   # the console script from settings.ini
        assert subprocess.run([str(script), "--help"], capture_output=True, text=True).returncode == 0

def test_list_and_dispatch(capsys, monkeypatch):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "late" in out and "concat" in out and "vqa" in out and "toy" in out
    monkeypatch.setitem(cli.SUBMODULES, "nosuch", "a command whose module is not there")
    assert cli.main(["nosuch", "--x"]) == 2
    assert "mmworkbench.nosuch" in capsys.readouterr().err
    import types
    fake = types.ModuleType("mmworkbench.fakecmd"); fake.cli_main = lambda argv: 7 if argv == ["--a", "b"] else 1
    monkeypatch.setitem(sys.modules, "mmworkbench.fakecmd", fake); monkeypatch.setitem(cli.SUBMODULES, "fakecmd", "x")
    assert cli.main(["fakecmd", "--a", "b"]) == 7

def test_tour_trains_saves_and_explains(tmp_path, capsys):
    assert cli.main(["tour", "--n-train", "128", "--n-valid", "64", "--epochs", "1", "--device", "cpu", "--no-progress", "--out", str(tmp_path / "tour")]) == 0
    out = capsys.readouterr().out
    assert "always answering the most common class" in out and "mmwb eval --ckpt" in out
    assert (tmp_path / "tour" / "model.safetensors").exists()
    assert "accuracy" in json.loads(out.strip().splitlines()[-1])

def test_cli_resume(tmp_path, capsys):
    args = ["train", "--method", "late", "--task", "vqa", "--steps", "4", "--n-train", "128", "--n-valid", "64", "--bs", "32",
            "--device", "cpu", "--no-progress", "--out", str(tmp_path), "--save-every", "2"]
    assert cli.main(args) == 0
    first = capsys.readouterr().out.strip().splitlines()
    assert (tmp_path / "train" / "latest").read_text() == "step-00000004"
    assert cli.main(args + ["--resume"]) == 0
    again = capsys.readouterr().out.strip().splitlines()
    assert "4 steps" in again[-2]                          # resumed at the end: nothing left to train
    assert json.loads(again[-1]) == json.loads(first[-1])
