"A CPU run killed with SIGKILL mid-training and resumed ends with the same weights as an uninterrupted run."
import os, signal, subprocess, sys
from pathlib import Path
import torch
from safetensors.torch import load_file

JOB = Path(__file__).with_name("learner_job.py")
ROOT = JOB.parents[1]

def _py(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(JOB), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)

def test_sigkill_then_resume_matches_uninterrupted(tmp_path):
    full = _py("full", tmp_path)
    victim = _py("killable", tmp_path)
    seen = []
    for line in victim.stdout:
        seen.append(line.strip())
        if line.strip() == "step 7":
            victim.send_signal(signal.SIGKILL); break
    victim.wait(timeout=120)
    assert victim.returncode == -signal.SIGKILL, (victim.returncode, seen, victim.stderr.read())
    latest = (tmp_path / "run" / "latest").read_text()
    assert latest in ("step-00000006", "step-00000003"), latest         # a complete save before the kill
    assert not (tmp_path / "run" / "step-00000012").exists()              # it really died mid-run
    saved = load_file(tmp_path / "run" / latest / "model.safetensors")
    res = _py("resume", tmp_path)
    out, err = res.communicate(timeout=300)
    assert res.returncode == 0, err
    assert f"resumed at {int(latest.split('-')[1])}" in out
    assert full.wait(timeout=300) == 0, full.stderr.read()
    a, b = load_file(tmp_path / "full.safetensors"), load_file(tmp_path / "resumed.safetensors")
    assert a.keys() == b.keys()
    worst = max((a[k] - b[k]).abs().max().item() for k in a)
    assert worst <= 1e-6, f"resumed weights differ from the uninterrupted run by {worst:.2e}"
    assert any(not torch.equal(a[k], saved[k]) for k in a)                  # training moved on after the save
    assert (tmp_path / "run" / "latest").read_text() == "step-00000012"   # the resumed run kept saving where it was
