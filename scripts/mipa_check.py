"""The MiPa-style patch-mixing check that nbs/20_analysis.imbalance.ipynb does not run (its 'Not done here'): `concat`
on an image + depth classification built from ShapesWorld `seg` scenes with one object (label: is the object in the
left or the right half of the grid; camouflaged objects only in depth, depth holes over others), trained plainly and
with `PatchMix`, then tested with both modalities, image only and depth only.

    OMP_NUM_THREADS=1 python scripts/mipa_check.py 0 [1 2 ...]
"""
import sys, time
import torch
from mmworkbench.balance import PatchMix, only
from mmworkbench.core import TaskSpec, get_task
from mmworkbench.data import ShapesWorld
from mmworkbench.learner import Learner
from mmworkbench.model import create_model

STEPS, BS = 100, 64
SPEC = TaskSpec("rgbd_side", dict(get_task("seg").modalities), head="classify", n_classes=2, labels=["left", "right"])


def batches(n: int, split: str, bs: int, seed: int) -> list[dict]:
    ds = ShapesWorld("seg", n, seed=seed, split=split, scene=dict(n_min=1, n_max=1))
    out = []
    for i in range(0, n, bs):
        b = ds.batch(range(i, min(n, i + bs)), with_scene=True)
        side = (b["_scene"].cell[:, 0] % 4 >= 2).long()
        out.append({"image": b["image"], "depth": b["depth"], "present": b["present"], "y": side})
    return out


def run(seed: int):
    tr, va = batches(STEPS * BS, "train", BS, seed), batches(1024, "valid", 256, seed)
    for name, cbs in [("plain", []), ("patch-mixed", [PatchMix(patch=8)])]:
        t = time.time()
        model = create_model("concat", SPEC, "tiny", seed=seed, d=32, layers=1, patch=8)
        learn = Learner(model, tr, va, lr=5e-3, progress=False, seed=seed, cbs=cbs)
        learn.fit(steps=len(tr))
        acc = {"both": learn.history[-1]["accuracy"],
               **{m: learn.validate([only(b, m) for b in va])["accuracy"] for m in ("image", "depth")}}
        print(seed, name, {k: round(v, 3) for k, v in acc.items()}, f"{time.time() - t:.0f} s", flush=True)


if __name__ == "__main__":
    for s in [int(a) for a in sys.argv[1:]] or [0]: run(s)
