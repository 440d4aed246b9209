"""nb18a's TIP comparison repeated: per seed, one plainly trained small `late` (300 steps of 16 on `tri_xor`), then
three continuations of 150 steps on three disjoint slices of fresh batches, plainly and TIP-style ([MASK] tokens +
`MaskedReconstruction(p=0.5, weight=1)`), tested with half the tabular features missing. Prints every pair's gap.

    OMP_NUM_THREADS=1 python scripts/tip_repeats.py      # and OMP_NUM_THREADS=2: the thread count moves the results"""
import sys, torch
from mmworkbench.model import create_model
from mmworkbench.data import dataloaders, ShapesWorld
from mmworkbench.learner import Learner
from mmworkbench.robust import evaluate, MaskedReconstruction, mask_missing_features
TRI = dict(options=dict(rule="majority")); SMALL = dict(patch=16, d=16, heads=1, layers=1)
R = 3
for seed in (0, 1, 2):
    xtr = list(dataloaders("tri_xor", n_train=(300 + 150 * R) * 16, n_valid=64, bs=16, seed=seed, **TRI)[0])
    xds = ShapesWorld("tri_xor", 512, seed, split="valid", feature_missing=0.5, **TRI)
    xva = [xds.batch(range(i, i + 256)) for i in (0, 256)]
    def tr(batches, cbs=(), prep=lambda m: m):
        m = prep(create_model("late", "tri_xor", "tiny", seed=seed, **SMALL))
        Learner(m, batches, None, lr=3e-3, progress=False, seed=seed, cbs=list(cbs)).fit(steps=len(batches)); return m
    base = tr(xtr[:300])
    def fb(m, tip=False): m.load_state_dict(base.state_dict()); return mask_missing_features(m) if tip else m
    gaps = []
    for r in range(R):
        b = xtr[300 + 150 * r: 450 + 150 * r]
        p = evaluate(tr(b, prep=fb), xva)["accuracy"]
        t = evaluate(tr(b, [MaskedReconstruction(p=0.5, weight=1.0, seed=seed)], prep=lambda m: fb(m, True)), xva)["accuracy"]
        gaps.append(t - p); print(f"threads {torch.get_num_threads()} seed {seed} rep {r}: plain {p:.3f} TIP {t:.3f} gap {t-p:+.3f}", flush=True)
    print(f"threads {torch.get_num_threads()} seed {seed}: mean gap {sum(gaps)/R:+.3f}", flush=True)
