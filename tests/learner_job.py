"""Training jobs run in subprocesses by test_resume.py and test_ddp.py (not collected by pytest).

usage: python tests/learner_job.py MODE OUT   with MODE in full | killable | resume | single | ddp (under torchrun)
Each job trains `late` on a small learnable synthetic task and writes its final weights to OUT/<name>.safetensors."""
import json, sys, time
from pathlib import Path
import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader, Dataset
from safetensors.torch import save_file
from mmworkbench.core import ModalitySpec, TaskSpec, FusionOutput, register_task, dummy_batch, batch_size, slice_batch
from mmworkbench.model import create_model
from mmworkbench.learner import Learner, Callback, init_distributed, finish_distributed, get_rank

SPEC = register_task(TaskSpec("learner_job", {"image": ModalitySpec("image", (1, 8, 8), patch=4), "tabular": ModalitySpec("tabular", (4,))},
                              n_classes=2, description="label = sign(8 * image mean + tabular[0])"))

class Synth(Dataset):
    def __init__(self, n, seed=0):
        self.b = dummy_batch(SPEC, n, seed=seed)
        self.b["y"] = (8 * self.b["image"].mean((1, 2, 3)) + self.b["tabular"][:, 0] > 0).long()
        self.n = n
    def __len__(self): return self.n
    def __getitem__(self, i):
        return {"image": self.b["image"][i], "tabular": self.b["tabular"][i], "y": self.b["y"][i],
                "present": {m: torch.tensor(True) for m in SPEC.modalities}}

class Announce(Callback):
    "Print each finished step (the parent kills us after a save) and slow down a little so the kill lands mid-run."
    def after_step(self):
        print(f"step {self.learn.step}", flush=True); time.sleep(0.05)

STEPS = 12
def init_model(dropout=0.1):
    "The model every job starts from (dropout: the resumed RNG state matters)."
    return create_model("late", SPEC, seed=0, dropout=dropout)

def learner(bs=8, cbs=(), dropout=0.1):
    return Learner(init_model(dropout), DataLoader(Synth(64), bs, shuffle=True), DataLoader(Synth(32, 1), 32), lr=3e-3,
                   progress=False, cbs=cbs)

def _copy(b):
    "A (nested) batch with its own tensors, so the kernels see the memory layout of a rank's freshly collated batch."
    return {k: _copy(v) for k, v in b.items()} if isinstance(b, dict) else b.clone() if torch.is_tensor(b) else b

def _cat(parts: list):
    "The rank batches of one step joined in rank order: the global batch the single process draws."
    return {k: _cat([p[k] for p in parts]) for k in parts[0]} if isinstance(parts[0], dict) else torch.cat(parts)

class InGroups(nn.Module):
    """`model` over the global batch in `groups` equal slices, logits joined: the grouping DDP's ranks use.
    The mean loss over B samples then backpropagates (p - y) / B per sample and autograd adds the groups' weight
    gradients, while each of W ranks backpropagates (p - y) / (B / W) and DDP averages (sums and divides by W).
    With W a power of two the two differ only by exact power-of-two scalings, so the results are bitwise equal."""
    def __init__(self, model, groups: int): super().__init__(); self.model, self.groups = model, groups
    def forward(self, batch):
        B = batch[self.model.task.target].shape[0]; n = B // self.groups
        if n * self.groups != B: raise ValueError(f"global batch {B} does not split into {self.groups} equal groups")
        outs = [self.model(_copy(slice_batch(batch, slice(i * n, (i + 1) * n)))) for i in range(self.groups)]
        aux = {k: sum(o.aux[k] for o in outs) / self.groups for k in outs[0].aux if k.endswith("_loss")}
        return FusionOutput(logits=torch.cat([o.logits for o in outs]), aux=aux)

class GradCheck(Callback):
    """Under DDP, before clipping: compare the averaged gradients with the gradient of one pass over the whole global
    batch at the same parameters (`torch.autograd.grad`, so `.grad` and the DDP hooks are untouched). Rank 0 writes
    per step and per tensor max|g_ddp - g_one| and max|g_one| to `path` at the end of the fit."""
    order = -5   # before GradClip (order 0) rescales the gradients
    def __init__(self, path): self.path, self.rows = Path(path), []
    def before_step(self):
        L = self.learn; parts = [None] * dist.get_world_size()
        dist.all_gather_object(parts, L.batch); gb = _cat(parts)
        named = [(n, p) for n, p in L.model.named_parameters() if p.grad is not None]
        out = L.model(gb)
        ref = torch.autograd.grad(L.model.loss(out, gb), [p for _, p in named], allow_unused=True)
        ref = [torch.zeros_like(p) if r is None else r for (_, p), r in zip(named, ref)]
        self.rows.append({n: [(p.grad - r).abs().max().item(), r.abs().max().item()] for (n, p), r in zip(named, ref)})
        self.shape = {"batch": batch_size(gb), "tokens": max(t.x.shape[1] for t in out.tokens.values())}
    def after_fit(self):
        c = self.learn.model.cfg
        if get_rank() == 0:
            self.path.write_text(json.dumps({"steps": self.rows, **self.shape, "d": c.d, "heads": c.heads,
                                             "layers": c.layers, "mlp_ratio": c.mlp_ratio}))

def dump(learn, path):
    if get_rank() == 0 or "rank" in path.name: save_file({k: v.contiguous() for k, v in learn.model.state_dict().items()}, str(path))

if __name__ == "__main__":
    mode, out = sys.argv[1], Path(sys.argv[2])
    if mode == "full":
        l = learner(); l.fit(steps=STEPS); dump(l, out / "full.safetensors")
    elif mode == "killable":
        l = learner(cbs=[Announce()]); l.fit(steps=STEPS, ckpt_dir=out / "run", save_every=3)
    elif mode == "resume":
        l = Learner.resume(out / "run", DataLoader(Synth(64), 8, shuffle=True), DataLoader(Synth(32, 1), 32), progress=False)
        print(f"resumed at {l.step}", flush=True); l.fit(); dump(l, out / "resumed.safetensors")
    elif mode == "single":   # one process, batches of 8, each computed as the two halves the ddp ranks take
        l = learner(bs=8, dropout=0.0); l._fwd = InGroups(l.model, 2)
        l.fit(steps=6); dump(l, out / "single.safetensors")
    elif mode == "ddp":
        assert init_distributed(), "run under torchrun"
        l = learner(bs=4, dropout=0.0, cbs=[GradCheck(out / "grad_check.json")])
        l.fit(steps=6, ckpt_dir=out / "ddp_run", save_every=3)
        dump(l, out / f"rank{get_rank()}.safetensors")
        finish_distributed()
    else: raise SystemExit(f"unknown mode {mode!r}")
