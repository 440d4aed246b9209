"""The `mmwb` CLI: train then eval reproduces the metric beside its baselines; --help documents every option; bad names
exit 2 without a traceback; --help, argument errors and `mmwb list` never import torch; the static registry equals the
real one."""
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
    assert set(trained) == {"valid_loss", "accuracy", "baselines"} and 0 <= trained["accuracy"] <= 1
    # beside the result: the majority class and a uniform guess on the same validation set (vqa has 18 answers)
    import mmworkbench.model  # noqa: F401  (registers ShapesWorld's tasks)
    from mmworkbench.core import get_task
    base = trained["baselines"]
    assert base["chance"] == {"accuracy": pytest.approx(1 / get_task("vqa").n_classes, abs=1e-6)}
    assert set(base["majority"]) == {"accuracy"} and base["chance"]["accuracy"] < base["majority"]["accuracy"] < 1
    assert "baselines on the same validation set: majority accuracy" in r.stdout
    meta = json.loads((out / "model.json").read_text())
    assert meta["method"] == "late" and meta["task"]["name"] == "vqa" and meta["data"]["n_valid"] == 128 and meta["vocab"]
    assert meta["metrics"]["accuracy"] == pytest.approx(trained["accuracy"], abs=1e-6)   # stdout rounds to 6 places
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
    assert "4 steps" in next(l for l in again if l.startswith("trained "))   # resumed at the end: nothing to train
    assert json.loads(again[-1]) == json.loads(first[-1])


NO_TORCH = """
import contextlib, io, sys
from mmworkbench import cli
cli.parser()
for argv in {cases!r}:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(err):
        try: code = cli.main(argv)
        except SystemExit as e: code = e.code
    print(repr((argv, code, out.getvalue(), err.getvalue())))
print("torch imported:", "torch" in sys.modules)
"""

def test_help_errors_and_list_do_not_import_torch():
    "In a fresh process: the parser, every --help, bad names and `mmwb list` answer with torch never imported."
    cases = [["--help"], ["train", "--help"], ["bench", "--help"], ["demo", "--help"], ["list"],
             ["train", "--method", "nope", "--out", "x"], ["tour", "--task", "nope"],
             ["train", "--size", "huge", "--out", "x"], ["bench", "--methods", "late,nope"],
             ["eval", "--ckpt", "/nonexistent/ckpt"], ["train", "--out", "x", "--bogus-option"]]
    r = subprocess.run([sys.executable, "-c", NO_TORCH.format(cases=cases)], capture_output=True, text=True,
                       timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.strip().splitlines()
    assert lines[-1] == "torch imported: False", r.stdout[-3000:]
    got = {tuple(a): (code, out, err) for a, code, out, err in map(eval, lines[:-1])}
    for argv in cases[:4]: assert got[tuple(argv)][0] == 0 and "usage: mmwb" in got[tuple(argv)][1], argv
    assert "--methods" in got[("bench", "--help")][1] and "--ckpt" in got[("demo", "--help")][1]
    code, out, _ = got[("list",)]
    assert code == 0 and "  late " in out and "  co_attn " in out and "  vqa " in out and "  toy " in out
    for argv, words in ((cases[5], "unknown method 'nope'; registered methods"), (cases[6], "unknown task 'nope'"),
                        (cases[7], "unknown size 'huge'"), (cases[8], "unknown method 'nope'"),
                        (cases[9], "/nonexistent/ckpt"), (cases[10], "unrecognized arguments: --bogus-option")):
        code, _, err = got[tuple(argv)]
        assert code == 2 and words in err and "Traceback" not in err, (argv, err)

def test_static_registry_matches_the_imported_one():
    "Entry by entry (names, docs, heads, modalities, descriptions, sizes): `mmwb list` without torch tells the truth."
    s = cli.static_registry()
    assert s["unreadable"] == [], s["unreadable"]
    assert s == cli.imported_registry(package_only=True)

def test_unreadable_registrations_fall_back_to_the_imported_registry(tmp_path):
    (tmp_path / "methods").mkdir(); (tmp_path / "core.py").write_text("SIZES = {'tiny': {}}\n")
    (tmp_path / "methods" / "mine.py").write_text('register_fusion(pick_a_name(), Cfg)(Mine)\n')
    s = cli.static_registry(tmp_path)
    assert s["methods"] == {} and len(s["unreadable"]) == 1 and "mine.py:1" in s["unreadable"][0]
    # in a fresh process, a static view with something unreadable makes registry() import the real registry
    code = ("import sys; from mmworkbench import registry_view as rv; s = rv.static_registry(); "
            "rv.static_registry = lambda pkg=None: {**s, 'methods': {}, 'unreadable': ['mine.py:1: pick_a_name()']}; "
            "r = rv.registry(); print('late' in r['methods'], 'torch' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    assert r.stdout.split() == ["True", "True"], r.stderr[-2000:]
