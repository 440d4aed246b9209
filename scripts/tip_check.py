"""nb18a's TIP claim on several seeds: plain training vs TIP-style masked reconstruction (`robust.MaskedReconstruction`)
on ShapesWorld `tri_xor` (majority rule), tested with every tabular feature missing with probability 0.5, against the
bound from the data (c known when some object's depth survives, else a + b decides or a coin flip).

    OMP_NUM_THREADS=1 python scripts/tip_check.py --seeds 0 1 2 [--method early --steps 120 --bs 32 --lr 3e-3
        --p 0.5 --weight 1 --model patch=16 d=32 layers=1 --mask]

Prints per seed: complete and half-missing accuracy of the plain and the TIP model, the bound, the CPU seconds of each
training; then the smallest TIP - plain gap. Run it one process at a time on a shared machine."""
import argparse, resource, torch
import mmworkbench.all  # noqa: F401  (registers the tasks and methods)
from mmworkbench.data import ShapesWorld, dataloaders, _WARM_COOL
from mmworkbench.scenes import N_SLOTS, TAB_F
from mmworkbench.model import create_model
from mmworkbench.learner import Learner
from mmworkbench.robust import MaskedReconstruction, evaluate, mask_missing_features

TRI = dict(options=dict(rule="majority"))


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime


def test_sets(n: int = 512, miss: float = 0.5):
    "The notebook's test batches (seed 0, fixed for every training seed): half the features missing, and complete."
    ds = ShapesWorld("tri_xor", n, 0, split="valid", feature_missing=miss, **TRI)
    half = [ds.batch(range(i, min(i + 256, n))) for i in range(0, n, 256)]
    full_ds = ShapesWorld("tri_xor", n, 0, split="valid", **TRI)
    full = [full_ds.batch(range(i, min(i + 256, n))) for i in range(0, n, 256)]
    s = ds.scenes(range(n)); fm = torch.cat([b["tabular_missing"] for b in half]).view(n, N_SLOTS, TAB_F)
    known = ((~fm[..., 17]) & s.valid).any(1)
    tie = (s.shape[:, 0] % 2 == 1).long() + torch.isin(s.color[:, 0], _WARM_COOL[1]).long() == 1
    return half, full, float(torch.where(known | ~tie, 1.0, 0.5).mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--method", default="early")
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--p", type=float, default=0.5)
    ap.add_argument("--weight", type=float, default=1.0)
    ap.add_argument("--finetune", type=int, default=0, help="F > 0: train plainly `steps`, then F more steps "
                    "plainly (plain) or with masked reconstruction (tip) and masking alone (masked), from one base")
    ap.add_argument("--mask", action="store_true", help="TIP model reads missing features as a [MASK] token")
    ap.add_argument("--model", nargs="*", default=["patch=8"], help="create_model overrides, k=v")
    ap.add_argument("--reveal", nargs="*", default=None, help="tabular feature groups shown (default: the task's)")
    a = ap.parse_args()
    if a.reveal is not None: TRI["reveal"] = {"tabular": tuple(a.reveal)}
    kw = {k: int(v) for k, v in (s.split("=") for s in a.model)}
    half, full, bound = test_sets()
    print(f"{vars(a)}\nbound with half the features missing: {bound:.3f}")
    gaps = []
    for seed in a.seeds:
        F = a.finetune
        tr = list(dataloaders("tri_xor", n_train=(a.steps + F) * a.bs, n_valid=64, bs=a.bs, seed=seed, **TRI)[0])
        mr = lambda w: [MaskedReconstruction(p=a.p, weight=w, seed=seed)]
        row, base = {}, None
        if F:
            c0 = cpu(); base = create_model(a.method, "tri_xor", "tiny", seed=seed, **kw)
            Learner(base, tr[:a.steps], None, lr=a.lr, progress=False, seed=seed).fit(steps=a.steps)
            row["base"] = (evaluate(base, full)["accuracy"], evaluate(base, half)["accuracy"], cpu() - c0)
        runs = (("plain", []), ("tip", mr(a.weight))) + ((("masked", mr(0.0)),) if F else ())
        for name, cbs in runs:
            c0 = cpu(); model = create_model(a.method, "tri_xor", "tiny", seed=seed, **kw)
            if base is not None: model.load_state_dict(base.state_dict())
            if name != "plain" and a.mask: model = mask_missing_features(model)
            part = tr[a.steps:] if F else tr
            Learner(model, part, None, lr=a.lr, progress=False, seed=seed, cbs=cbs).fit(steps=len(part))
            row[name] = (evaluate(model, full)["accuracy"], evaluate(model, half)["accuracy"], cpu() - c0)
        gaps.append(row["tip"][1] - row["plain"][1])
        print(f"seed {seed}: " + "  ".join(f"{n} complete {c:.3f} half-missing {h:.3f} ({t:.1f} s CPU)"
                                           for n, (c, h, t) in row.items())
              + f"  tip-plain {gaps[-1]:+.3f}  bound {bound:.3f}", flush=True)
    print(f"min tip-plain {min(gaps):+.3f}  max tip-plain {max(gaps):+.3f}")


if __name__ == "__main__":
    main()
