"""Jobs run under torchrun (2 gloo ranks on CPU) by test_fsdp.py; not collected by pytest.

usage: python -m torch.distributed.run --nproc_per_node 2 tests/dist_job.py MODE OUT [METHOD]
  fsdp-full     FSDP2 training of METHOD (`early`, dropout on; or `contrastive` on `match`, whose CLIP temperature is
                a replicated scalar) for 8 steps, saving every 4; the gathered final weights
  fsdp-crash    the same run, stopped right after its save at step 4 (the test then runs fsdp-resume)
  fsdp-resume   Learner.resume from the crashed run's folder, trained to the end; the gathered final weights
  contrast      `contrastive` on `match`: each rank the half of one batch of 8; the ranks' mean loss and gradients"""
import json, sys
from pathlib import Path
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, Dataset
from safetensors.torch import save_file
from mmworkbench.core import dummy_batch, slice_batch
from mmworkbench.model import create_model
from mmworkbench.learner import Learner, Callback, init_distributed, finish_distributed, get_rank
from mmworkbench.checkpoint import load_checkpoint
from learner_job import Synth, SPEC

STEPS, EVERY = 8, 4

class Crash(Exception): pass

class CrashAfterSave(Callback):
    order = 10   # after the Checkpointer (5) saved this step
    def after_step(self):
        if self.learn.step == EVERY: raise Crash()

class Rows(Dataset):
    "The rows of one `dummy_batch` of `task`."
    def __init__(self, task, n, seed=0): self.b, self.n = dummy_batch(task, n, seed=seed), n
    def __len__(self): return self.n
    def __getitem__(self, i):
        return {k: ({m: p[i] for m, p in v.items()} if k == "present" else v[i]) for k, v in self.b.items()}

METHOD = sys.argv[3] if len(sys.argv) > 3 else "early"
TASK = SPEC if METHOD == "early" else "match"

def loaders():
    if METHOD == "early": return DataLoader(Synth(64), 4, shuffle=True), DataLoader(Synth(16, 1), 16)
    return DataLoader(Rows("match", 64), 4, shuffle=True), DataLoader(Rows("match", 16, 1), 16)

def learner(cbs=()):
    return Learner(create_model(METHOD, TASK, seed=0, dropout=0.1), *loaders(), lr=3e-3, progress=False,
                   parallel="fsdp", cbs=cbs)

def final(run: Path, out: Path):
    "The gathered weights of the run's last save, as rank 0 wrote them."
    if get_rank() == 0:
        m = load_checkpoint(run, device="cpu")
        save_file({k: v.contiguous() for k, v in m.state_dict().items()}, str(out))

def contrast(out: Path):
    "Half a batch per rank, every rank's negatives: the mean loss and the averaged gradients (what DDP/FSDP apply)."
    model = create_model("contrastive", "match", seed=0)
    model.train()
    b = dummy_batch("match", 8, seed=3)
    r, W = dist.get_rank(), dist.get_world_size()
    part = slice_batch(b, slice(r * 4, (r + 1) * 4))
    loss = model.loss(model(part), part)
    loss.backward()
    mean = loss.detach().clone(); dist.all_reduce(mean); mean /= W
    grads = {}
    for n, p in model.named_parameters():
        g = p.grad if p.grad is not None else torch.zeros_like(p)
        dist.all_reduce(g); grads[n] = (g / W).contiguous()
    if r == 0:
        save_file(grads, str(out / "contrast_grads.safetensors"))
        (out / "contrast.json").write_text(json.dumps({"loss": float(mean), "rank_loss": float(loss)}))

if __name__ == "__main__":
    mode, out = sys.argv[1], Path(sys.argv[2])
    assert init_distributed(), "run under torchrun"
    if mode == "fsdp-full":
        l = learner(); l.fit(steps=STEPS, ckpt_dir=out / "full_run", save_every=EVERY)
        for n, p in l.model.named_parameters():   # replicated scalars: their gradients were averaged, so they agree
            if p.ndim == 0:
                both = [torch.zeros_like(p) for _ in range(dist.get_world_size())]; dist.all_gather(both, p.detach())
                assert torch.equal(both[0], both[1]), f"{n} differs between the ranks: {both}"
        final(out / "full_run", out / "fsdp_full.safetensors")
    elif mode == "fsdp-crash":
        l = learner(cbs=[CrashAfterSave()])
        try: l.fit(steps=STEPS, ckpt_dir=out / "crash_run", save_every=EVERY)
        except Crash: pass
    elif mode == "fsdp-resume":
        l = Learner.resume(out / "crash_run", *loaders(), progress=False)
        assert l.step == EVERY and l.hparams["parallel"] == "fsdp", (l.step, l.hparams)
        l.fit(); final(out / "crash_run", out / "fsdp_resumed.safetensors")
    elif mode == "contrast": contrast(out)
    else: raise SystemExit(f"unknown mode {mode!r}")
    finish_distributed()   # a barrier, then leave: a rank exiting mid-teardown aborts (see its docstring)
