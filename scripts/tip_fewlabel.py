"""TIP probes for nb18a on ShapesWorld `tri_xor` (majority rule): three regimes, one script.

TIP's own regime (default): masked-reconstruction PRETRAINING on `--pre` steps of unlabelled scenes
(`robust.MaskedReconstruction`, the supervised loss switched off), then supervised training on `--labels` FEW labelled
scenes; against the same supervised training from scratch (plain) and with masking + [MASK] tokens but no
reconstruction (masked). With `--base B --labels 0 --pre 0`: nb18a's recipe, one plain model trained B steps, then
`--steps` more on fresh batches (the `--rep`-th slice) plainly, TIP-style, or masked. Tested on `--n-test` fixed scenes
with a fraction `--miss` of every tabular feature missing, against the bound from the data (c known when some object's
depth survives, else a + b decides or a coin flip) and the no-tabular ceiling. Commands behind nb18a's prose:

    OMP_NUM_THREADS=1 python scripts/tip_fewlabel.py --pre 0 --labels 0 --base 300 --steps 150 --bs 32 \\
        --objects 3 5 [--rep 1]
    OMP_NUM_THREADS=1 python scripts/tip_fewlabel.py --seeds 0 --objects 3 5 --ft-p 0.25 --steps 400   # few labels
    OMP_NUM_THREADS=1 python scripts/tip_fewlabel.py --seeds 0 [--ft-p 0.25 --steps 400 --n-test 1024]  # 1-3 objects

Prints per seed each arm's complete / missing-feature accuracy, and TIP - the best other arm. One process at a time."""
import argparse, resource, time, torch
import mmworkbench.all  # noqa: F401  (registers the tasks and methods)
from mmworkbench.data import ShapesWorld, _WARM_COOL
from mmworkbench.scenes import N_SLOTS, TAB_F
from mmworkbench.model import create_model
from mmworkbench.learner import Learner, Callback
from mmworkbench.robust import MaskedReconstruction, evaluate, mask_missing_features

TRI = dict(options=dict(rule="majority"))


class NoLabels(Callback):
    "Self-supervised: drop the supervised loss (runs before `MaskedReconstruction` adds its own)."
    order = -30
    def after_loss(self): self.learn.loss = self.learn.loss * 0.0


def test_sets(n: int, miss: float, seed: int = 0, bs: int = 512):
    ds = ShapesWorld("tri_xor", n, seed, split="valid", feature_missing=miss, **TRI)
    part = [ds.batch(range(i, min(i + bs, n))) for i in range(0, n, bs)]
    fds = ShapesWorld("tri_xor", n, seed, split="valid", **TRI)
    full = [fds.batch(range(i, min(i + bs, n))) for i in range(0, n, bs)]
    s = ds.scenes(range(n)); fm = torch.cat([b["tabular_missing"] for b in part]).view(n, N_SLOTS, TAB_F)
    known = ((~fm[..., 17]) & s.valid).any(1)
    tie = (s.shape[:, 0] % 2 == 1).long() + torch.isin(s.color[:, 0], _WARM_COOL[1]).long() == 1
    return part, full, float(torch.where(known | ~tie, 1.0, 0.5).mean()), float(torch.where(~tie, 1.0, 0.5).mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--method", default="late")
    ap.add_argument("--pre", type=int, default=300, help="pretraining steps (unlabelled)")
    ap.add_argument("--pre-bs", type=int, default=32)
    ap.add_argument("--labels", type=int, default=256, help="0: fresh labelled batches for every step")
    ap.add_argument("--base", type=int, default=0, help="B > 0: every arm starts from one plain model (B steps)")
    ap.add_argument("--bs", type=int, default=16)
    ap.add_argument("--steps", type=int, default=300, help="supervised steps (epochs over the labels)")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--rep", type=int, default=0, help="with --base: continue on the rep-th disjoint slice of batches")
    ap.add_argument("--ft-lr", type=float, default=None, help="learning rate of the arms (default --lr)")
    ap.add_argument("--p", type=float, default=0.5)
    ap.add_argument("--ft-p", type=float, default=None, help="masking fraction while training on labels (default --p)")
    ap.add_argument("--ft-weight", type=float, default=1.0, help="reconstruction weight while fine-tuning TIP")
    ap.add_argument("--miss", type=float, default=0.75)
    ap.add_argument("--n-test", type=int, default=2048)
    ap.add_argument("--arms", nargs="+", default=["plain", "masked", "tip"])
    ap.add_argument("--model", nargs="*", default=["patch=16", "d=16", "heads=1", "layers=1"])
    ap.add_argument("--objects", type=int, nargs=2, default=None, help="n_min n_max objects per scene (task: 1 3)")
    a = ap.parse_args()
    if a.objects: TRI["scene"] = dict(n_min=a.objects[0], n_max=a.objects[1])
    kw = {k: int(v) for k, v in (s.split("=") for s in a.model)}
    part, full, bound, ceil = test_sets(a.n_test, a.miss)
    print(f"{vars(a)} threads {torch.get_num_threads()}\nbound {bound:.3f}  image+audio ceiling {ceil:.3f}", flush=True)
    for seed in a.seeds:
        new = lambda: create_model(a.method, "tri_xor", "tiny", seed=seed, **kw)
        nl = a.labels or (a.base + a.steps * (1 + a.rep)) * a.bs
        lab = ShapesWorld("tri_xor", nl, seed, split="train", **TRI)
        g = torch.Generator().manual_seed(seed)
        order = torch.cat([torch.randperm(nl, generator=g) for _ in range(a.steps * a.bs // nl + 1)])
        if a.base:
            base = new(); Learner(base, [lab.batch(range(i * a.bs, (i + 1) * a.bs)) for i in range(a.base)], None,
                                  lr=a.lr, progress=False, seed=seed).fit(steps=a.base)
            order = torch.arange((a.base + a.rep * a.steps) * a.bs, nl)
        sup = [lab.batch(order[i * a.bs:(i + 1) * a.bs].tolist()) for i in range(a.steps)]
        mr = lambda w, p=a.p: MaskedReconstruction(p=p, weight=w, seed=seed)
        fp = a.p if a.ft_p is None else a.ft_p
        row = {}
        for arm in a.arms:
            t0 = time.time(); m = new()
            if a.base: m.load_state_dict(base.state_dict())
            if arm == "plain": cbs = []
            else:
                m = mask_missing_features(m)
                cbs = [mr(0.0 if arm == "masked" else a.ft_weight, fp)] if fp > 0 else []
            if arm == "tip" and a.pre:
                un = ShapesWorld("tri_xor", a.pre * a.pre_bs, seed + 1000, split="train", **TRI)
                pre = [un.batch(range(i * a.pre_bs, (i + 1) * a.pre_bs)) for i in range(a.pre)]
                Learner(m, pre, None, lr=a.lr, progress=False, seed=seed, cbs=[NoLabels(), mr(1.0)]).fit(steps=a.pre)
            Learner(m, sup, None, lr=a.ft_lr or a.lr, progress=False, seed=seed, cbs=cbs).fit(steps=a.steps)
            row[arm] = (evaluate(m, full)["accuracy"], evaluate(m, part)["accuracy"], time.time() - t0)
        best = max(v[1] for k, v in row.items() if k != "tip") if len(row) > 1 else float("nan")
        print(f"threads {torch.get_num_threads()} seed {seed}: " + "  ".join(
            f"{n} {c:.3f}/{h:.3f} ({t:.0f}s)" for n, (c, h, t) in row.items())
            + (f"  tip-best {row['tip'][1] - best:+.3f}" if "tip" in row else "") + f"  bound {bound:.3f}", flush=True)


if __name__ == "__main__":
    main()
