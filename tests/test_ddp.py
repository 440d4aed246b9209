"""DDP on CPU: 2 gloo processes under torchrun (global batch 8 = 2 ranks x 4) against one process on the same batches.

Why the old `2 ranks x bs 4 == 1 process x bs 8 within 1e-4` failed (measured, torch 2.14.1 CPU): the averaged DDP
gradients equal the one-pass gradients to <= 7 units of float32 roundoff, but the key third of every `qkv.bias` has an
exact gradient of 0 (softmax is shift-invariant in the keys), so its computed gradient is rounding noise (~4e-10),
different in each reduction order; AdamW divides by sqrt(v), turning that noise into O(lr) steps. That bias ended
8e-5 (2e-4 in the issue) apart while every other weight agreed to 3e-6, and the models compute the same function.
Comparing parameters after Adam cannot be made tight; it also could not catch a gradient scaled by 2 (Adam is
scale-invariant). So the test checks:
- exact: both ranks hold the same weights, and they equal one process whose forward runs each batch of 8 as the
  two halves the ranks take (`InGroups`: the same sums in the same grouping, up to exact powers of two);
- principled: at every step, at the same parameters, DDP's averaged gradient against the gradient of one pass over
  the whole global batch, within a float32 rounding bound derived below (any real bug - wrong slice, summed instead
  of averaged, per-rank dropout - is an O(1) relative error)."""
import json, os, socket, subprocess, sys
from pathlib import Path
import torch
from safetensors.torch import load_file
from mmworkbench.learner import load_checkpoint
from learner_job import init_model

JOB = Path(__file__).with_name("learner_job.py")
ROOT = JOB.parents[1]

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

def rounding_bound(batch: int, tokens: int, d: int, heads: int, layers: int, mlp_ratio: float) -> float:
    """Largest relative difference two float32 evaluations of one gradient may show when only the order of their sums
    differs. A sum of n terms in any order is within gamma_n = n*u / (1 - n*u) of the exact sum, relative to the
    terms' magnitudes (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., Lemma 3.1 and eq. 3.4),
    u = 2**-24 the float32 unit roundoff; two orders differ by at most twice that. To first order the errors of a chain
    of sums add, so n counts every term summed on the way to one gradient entry: per block forward LayerNorm (d),
    qkv (d), scores (d/heads), attention-weighted values (tokens), projection (d), LayerNorm (d), fc1 (d), fc2
    (mlp_ratio*d); the backward pass repeats the chain; the weight gradient then sums over batch*tokens. The test
    measures each tensor's difference against its largest entry, standing in for the terms' magnitudes. For the
    tiny job (batch 8, 4 tokens, d 64) this is 2.9e-4 = 4,833 u; measured: at most 6.4 u over all steps and tensors."""
    u = 2.0 ** -24
    per_block = 5 * d + d / heads + tokens + mlp_ratio * d
    n = 2 * layers * per_block + batch * tokens
    return 2 * n * u / (1 - n * u)

def test_two_gloo_ranks_match_one_process(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    single = subprocess.Popen([sys.executable, str(JOB), "single", str(tmp_path)], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ddp = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc_per_node", "2",
                          "--master_addr", "127.0.0.1", "--master_port", str(_free_port()), str(JOB), "ddp",
                          str(tmp_path)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert ddp.returncode == 0, ddp.stderr[-3000:]
    assert single.wait(timeout=300) == 0, single.stderr.read()[-3000:]
    r0, r1, one = (load_file(tmp_path / f"{n}.safetensors") for n in ("rank0", "rank1", "single"))
    assert r0.keys() == r1.keys() == one.keys()
    for k in r0: assert torch.equal(r0[k], r1[k]), f"ranks disagree on {k}"
    for k in r0:
        assert torch.equal(r0[k], one[k]), (f"{k}: 2 ranks x bs 4 differ from 1 process x bs 8 in halves by "
                                            f"{(r0[k] - one[k]).abs().max():.2e}; the same sums must give the same "
                                            "bits")

    check = json.loads((tmp_path / "grad_check.json").read_text())
    tol = rounding_bound(*(check[k] for k in ("batch", "tokens", "d", "heads", "layers", "mlp_ratio")))
    assert check["batch"] == 8 and len(check["steps"]) == 6
    for step, row in enumerate(check["steps"]):
        assert any(m > 0 for _, m in row.values()), f"step {step}: every gradient is zero"
        for name, (diff, scale) in row.items():
            assert diff <= tol * scale, (f"step {step}, {name}: DDP's averaged gradient differs from one pass over "
                                         f"the global batch by {diff:.2e} (largest entry {scale:.2e}): "
                                         f"{diff / max(scale, 1e-30):.2e} relative > {tol:.2e}")

    start = init_model(dropout=0.0).state_dict()
    assert max((r0[k] - start[k]).abs().max().item() for k in r0) > 1e-3, "training changed nothing"
    # rank 0 alone wrote the checkpoints, and they load
    assert (tmp_path / "ddp_run" / "latest").read_text() == "step-00000006"
    m = load_checkpoint(tmp_path / "ddp_run", device="cpu")
    assert all(torch.equal(v, r0[k]) for k, v in m.state_dict().items())
