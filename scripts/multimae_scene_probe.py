"""nb17 data probe: does one fixed background (instead of recon/seg's random per-scene colour) let MultiMAE reconstruct
depth from RGB, and the fine-tunes segment?  nb17's training (120 pretraining steps of 64, tiny, patch P; 60
fine-tuning steps of 64), each scored against its bound from the data.

    OMP_NUM_THREADS=1 python scripts/multimae_scene_probe.py BG SEED [P] [--visible=N] [--steps=N] [--sup]
        [--seg [--ft_lr=X] [--ft_steps=N]]
        [--model='{"pos_std": 0.3, "pos_gain": 4.0, "alpha": 0.1}'] [--scene='{...}'] [--data='{"holes": 0}']

BG: "random" (the task default) or a neutral name among scenes.BACKGROUNDS (every scene's background). Prints the
least-squares depth probes (raw pixels, |pixel - corner|; 64 training batches, ridge 1e-2), depth from all RGB / the
per-pixel-mean bound, hidden RGB from half the RGB / its bound; --sup trains with all RGB and no depth visible; with
--seg the three fine-tunes' (mIoU, pixel accuracy) and the majority class's. nb17's recipe: black 0 8 --visible=16
--model='{"pos_std": 0.3, "pos_gain": 4.0, "alpha": 0.1}'."""
import json, sys, time, torch
from torch import Tensor
import mmworkbench.generative
from mmworkbench.data import ShapesWorld
from mmworkbench.heads import patchify, baselines
from mmworkbench.learner import Learner
from mmworkbench.model import create_model
from mmworkbench.core import get_task
from mmworkbench.methods.multimae import load_pretrained

args = [a for a in sys.argv[1:] if not a.startswith("--")]
opt = dict(a[2:].split("=") for a in sys.argv[1:] if a.startswith("--") and "=" in a)
STEPS, VIS = int(opt.get("steps", 120)), int(opt.get("visible", 8))
KW = json.loads(opt.get("model", "{}"))   # create_model overrides of the pretraining (pos_std, pos_gain, ...)
BG, SEED = args[0], int(args[1]); P = int(args[2]) if len(args) > 2 else 8; G = 32 // P
SCENE = {**({} if BG == "random" else dict(background=BG)), **json.loads(opt.get("scene", "{}"))}
DATA = json.loads(opt.get("data", "{}"))   # other ShapesWorld knobs (camo, holes) of both recon and seg

def batches(task, n, split, bs=64, seed=0):
    b = ShapesWorld(task, n, seed=seed, split=split, scene=SCENE, **DATA).batch(range(n))
    cut = lambda v, i: ({m: p[i:i + bs] for m, p in v.items()} if isinstance(v, dict)
                        else v[i:i + bs] if isinstance(v, Tensor) else v)
    return [{k: cut(v, i) for k, v in b.items()} for i in range(0, n, bs)]

def fit(task, train, valid, pre=None, seed=0, **kw):
    model = create_model("multimae", task, "tiny", seed=seed, patch=P, **kw)
    if pre is not None: load_pretrained(model, pre)
    lr = float(opt.get("ft_lr", 3e-3)) if task == "seg" else 3e-3      # --ft_lr=: the fine-tunes' lr
    learn = Learner(model, train, valid, lr=lr, progress=False, seed=seed); learn.fit(steps=len(train))
    return model.cpu().eval(), learn.validate()

T = get_task("recon").modalities
rtr, rva = batches("recon", STEPS * 64, "train", seed=SEED), batches("recon", 512, "valid", seed=SEED)
vd, vi = torch.cat([b["depth"] for b in rva]), torch.cat([b["image"] for b in rva])
md, mi = torch.cat([b["depth"] for b in rtr]).mean(0), torch.cat([b["image"] for b in rtr]).mean(0)
bound = {"depth": float(((vd - md) ** 2).mean()), "image": float(((vi - mi) ** 2).mean())}
if "--sup" in sys.argv:   # supervised depth from all RGB: every train batch shows all RGB and no depth
    for b in rtr:
        B = len(b["image"]); b["visible_image"] = torch.ones(B, G * G, dtype=torch.bool)
        b["visible_depth"] = torch.zeros(B, G * G, dtype=torch.bool)

def depth_lstsq(feat):
    def xy(bs):
        img, dep = torch.cat([b["image"] for b in bs]), torch.cat([b["depth"] for b in bs])
        f = feat(patchify(img, T["image"], P).view(len(img), G * G, 3, P, P))
        X = torch.cat([f, torch.eye(G * G).expand(len(img), -1, -1), torch.ones(len(img), G * G, 1)], -1)
        return X.flatten(0, 1), patchify(dep, T["depth"], P).flatten(0, 1)
    (X, Y), (Xv, Yv) = xy(rtr[:64]), xy(rva)
    W = torch.linalg.solve(X.T @ X + 1e-2 * torch.eye(X.shape[1]), X.T @ Y)
    return float(((Xv @ W - Yv) ** 2).mean()) / bound["depth"]

@torch.no_grad()
def recon_mse(model, show, target):
    g, B, L = torch.Generator().manual_seed(0), len(vi), G * G
    b = {"image": vi, "depth": vd, "present": {m: torch.full((B,), m in show) for m in ("image", "depth")}}
    for m, k in show.items(): b[f"visible_{m}"] = torch.rand(B, L, generator=g).argsort(1) < k
    o, t = model(b), {"image": vi, "depth": vd}[target]
    err = ((o.aux[f"recon_{target}"] - patchify(t, T[target], P)) ** 2).mean(-1)
    w = o.aux[f"masked_{target}"].float()
    return float((err * w).sum() / w.sum())

t0 = time.time()
lin = {"raw": depth_lstsq(lambda x: x.flatten(2)),
       "corner": depth_lstsq(lambda x: (x - x[..., :1, :1]).abs().sum(2).flatten(2))}
mm = fit("recon", rtr, rva, seed=SEED, visible=VIS, **KW)[0]
L = G * G
r = {"depth<-allRGB": recon_mse(mm, {"image": L}, "depth") / bound["depth"],
     "RGB<-halfRGB": recon_mse(mm, {"image": L // 2}, "image") / bound["image"]}
print(f"bg={BG} seed={SEED} P={P} {opt} {'--sup' if '--sup' in sys.argv else ''} lstsq",
      {k: round(v, 3) for k, v in lin.items()}, "multimae",
      {k: round(v, 3) for k, v in r.items()}, "bound", {k: round(v, 4) for k, v in bound.items()},
      f"{time.time() - t0:.0f}s", flush=True)
if "--seg" in sys.argv:
    mae = fit("recon", rtr, rva, seed=SEED, **{**KW, "visible": 8}, inputs=("image",), targets=("image",))[0]
    str_ = batches("seg", int(opt.get("ft_steps", 60)) * 64, "train", seed=SEED)
    sva = batches("seg", 512, "valid", seed=SEED)
    base = baselines(get_task("seg"), sva)["majority"]
    ft = {"mm->RGB+D": fit("seg", str_, sva, pre=mm, seed=SEED)[1],
          "mm->RGB": fit("seg", str_, sva, pre=mm, seed=SEED, inputs=("image",))[1],
          "MAE->RGB": fit("seg", str_, sva, pre=mae, seed=SEED, inputs=("image",))[1]}
    print(f"  seg majority {base} |",
          {k: (round(v["miou"], 3), round(v["pixel_acc"], 3)) for k, v in ft.items()},
          f"{time.time() - t0:.0f}s", flush=True)
