"""FSDP2 and cross-rank negatives on CPU: 2 gloo processes under torchrun (tests/dist_job.py).

- exact resume: FSDP2 training (dropout on) stopped right after its step-4 save and resumed by `Learner.resume` ends
  with bitwise the weights of the uninterrupted run: sharded weights, AdamW moments and per-rank RNG all came back;
  the sharded run's save loads as an ordinary checkpoint (rank 0's gathered weights).
- gathered negatives: two ranks with half a batch each, every rank's rows as negatives, give the loss of one process
  over the whole batch (their mean) and, averaged as DDP/FSDP average, its gradients. Without the gather each rank's
  loss would see 3 negatives instead of 7, an O(1) difference.
- the jobs end with `learner.finish_distributed` (a barrier, then destroy_process_group): without the barrier a rank
  aborted at interpreter exit ("terminate called without an active exception"; gdb: a gloo worker thread freeing the
  last all_reduce's tensors needed the GIL during finalisation) in 8 of 47 two-rank jobs on a loaded CPU, 0 of 43
  with it (25 `contrast` jobs, 18 FSDP full/crash/resume jobs)."""
import json, os, socket, subprocess, sys
from pathlib import Path
import pytest
import torch
from safetensors.torch import load_file
from mmworkbench.core import dummy_batch, slice_batch
from mmworkbench.model import create_model
from mmworkbench.learner import load_checkpoint

JOB = Path(__file__).with_name("dist_job.py")
ROOT = JOB.parents[1]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


def torchrun(mode: str, out: Path, *args: str):
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{JOB.parent}", "OMP_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc_per_node", "2",
                        "--master_addr", "127.0.0.1", "--master_port", str(_free_port()), str(JOB), mode, str(out), *args],
                       env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"{mode}: {r.stderr[-4000:]}"


@pytest.mark.slow
@pytest.mark.parametrize("method", ["early", "contrastive"])   # contrastive: a replicated scalar (CLIP's temperature)
def test_fsdp_resume_is_exact(tmp_path, method):
    for mode in ("fsdp-full", "fsdp-crash", "fsdp-resume"): torchrun(mode, tmp_path, method)
    full, resumed = load_file(tmp_path / "fsdp_full.safetensors"), load_file(tmp_path / "fsdp_resumed.safetensors")
    assert full.keys() == resumed.keys()
    for k in full:
        assert torch.equal(full[k], resumed[k]), (f"{k}: resumed FSDP run differs from the uninterrupted one by "
                                                  f"{(full[k] - resumed[k]).abs().max():.2e}")
    start = create_model(method, load_checkpoint(tmp_path / "full_run").task, seed=0, dropout=0.1).state_dict()
    assert max((full[k] - start[k]).abs().max().item() for k in full) > 1e-3, "training changed nothing"
    saved = tmp_path / "crash_run" / "step-00000008"   # the resumed run's save (it removed step 4's)
    files = {p.relative_to(saved).as_posix() for p in saved.rglob("*") if p.is_file()}
    assert any(f.startswith("dcp/shard-") for f in files) and all(f.endswith((".safetensors", ".json")) for f in files), \
        f"the sharded save must be safetensors + JSON only: {sorted(files)}"
    assert (tmp_path / "full_run" / "latest").read_text() == "step-00000008"


@pytest.mark.slow
def test_contrastive_negatives_span_ranks(tmp_path):
    torchrun("contrast", tmp_path)
    got = json.loads((tmp_path / "contrast.json").read_text())
    model = create_model("contrastive", "match", seed=0); model.train()
    b = dummy_batch("match", 8, seed=3)
    loss = model.loss(model(b), b); loss.backward()
    assert abs(got["loss"] - loss.item()) <= 1e-5 * abs(loss.item()), (got, loss.item())
    with torch.no_grad():   # the check can fail: each half alone (local negatives only) gives another loss
        halves = [slice_batch(b, slice(i, i + 4)) for i in (0, 4)]
        local = sum(model.loss(model(h), h).item() for h in halves) / 2
    assert abs(local - loss.item()) > 1e-2, (local, loss.item())
    grads = load_file(tmp_path / "contrast_grads.safetensors")
    for n, p in model.named_parameters():
        ref = p.grad if p.grad is not None else torch.zeros_like(p)
        scale = ref.abs().max().item()
        assert (grads[n] - ref).abs().max().item() <= 1e-5 * max(scale, 1e-8) + 1e-7, \
            f"{n}: 2-rank gradient differs from the whole-batch gradient"
