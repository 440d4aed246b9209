"DDP on CPU: 2 gloo processes under torchrun end with identical parameters that match one process on the same global batch."
import os, socket, subprocess, sys
from pathlib import Path
import torch
from safetensors.torch import load_file
from mmworkbench.learner import load_checkpoint

JOB = Path(__file__).with_name("learner_job.py")
ROOT = JOB.parents[1]

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

def test_two_gloo_ranks_match_one_process(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    single = subprocess.Popen([sys.executable, str(JOB), "single", str(tmp_path)], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ddp = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
                          "--master_port", str(_free_port()), str(JOB), "ddp", str(tmp_path)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert ddp.returncode == 0, ddp.stderr[-3000:]
    assert single.wait(timeout=300) == 0, single.stderr.read()[-3000:]
    r0, r1, one = (load_file(tmp_path / f"{n}.safetensors") for n in ("rank0", "rank1", "single"))
    assert r0.keys() == r1.keys() == one.keys()
    for k in r0: assert torch.equal(r0[k], r1[k]), f"ranks disagree on {k}"
    worst = max((r0[k] - one[k]).abs().max().item() for k in r0)
    assert worst < 1e-4, f"2 ranks x bs 4 differ from 1 process x bs 8 by {worst:.2e}"
    moved = max((r0[k] - load_file(tmp_path / "ddp_run" / "step-00000003" / "model.safetensors")[k]).abs().max().item() for k in r0) \
        if (tmp_path / "ddp_run" / "step-00000003").exists() else 1.0
    assert moved > 0, "training changed nothing"
    # rank 0 alone wrote the checkpoints, and they load
    assert (tmp_path / "ddp_run" / "latest").read_text() == "step-00000006"
    m = load_checkpoint(tmp_path / "ddp_run", device="cpu")
    assert all(torch.equal(v, r0[k]) for k, v in m.state_dict().items())
