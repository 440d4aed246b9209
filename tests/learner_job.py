"""Training jobs run in subprocesses by test_resume.py and test_ddp.py (not collected by pytest).

usage: python tests/learner_job.py MODE OUT   with MODE in full | killable | resume | single | ddp (under torchrun)
Each job trains `late` on a small learnable synthetic task and writes its final weights to OUT/<name>.safetensors."""
import sys, time
from pathlib import Path
import torch
from torch.utils.data import DataLoader, Dataset
from safetensors.torch import save_file
from mmworkbench.core import ModalitySpec, TaskSpec, register_task, dummy_batch
from mmworkbench.model import create_model
from mmworkbench.learner import Learner, Callback, init_distributed, get_rank

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
def learner(bs=8, cbs=(), dropout=0.1):
    model = create_model("late", SPEC, seed=0, dropout=dropout)   # dropout: the resumed RNG state matters
    return Learner(model, DataLoader(Synth(64), bs, shuffle=True), DataLoader(Synth(32, 1), 32), lr=3e-3, progress=False, cbs=cbs)

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
    elif mode == "single":
        l = learner(bs=8, dropout=0.0); l.fit(steps=6); dump(l, out / "single.safetensors")
    elif mode == "ddp":
        assert init_distributed(), "run under torchrun"
        l = learner(bs=4, dropout=0.0); l.fit(steps=6, ckpt_dir=out / "ddp_run", save_every=3)
        dump(l, out / f"rank{get_rank()}.safetensors")
        torch.distributed.destroy_process_group()
    else: raise SystemExit(f"unknown mode {mode!r}")
