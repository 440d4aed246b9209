"""nb17 fine-tuning probe: does MultiMAE pretraining (RGB + depth) show in segmentation when labels are few or the
encoder is frozen?  Pretrains MultiMAE and the RGB-only MAE exactly as nb17 does (its recipes, 120 steps of 64 on the
black background; cached in /tmp per seed), then fine-tunes `seg` on N labelled scenes reused for STEPS steps of BS.

    OMP_NUM_THREADS=1 python scripts/multimae_lowlabel_probe.py SEED [--n=128] [--bs=32] [--steps=60] [--lr=3e-3]
        [--freeze=none|embed|enc] [--head_lr=X] [--sum] [--arms=mmD,mm,mae,scratch,scratchD] [--valid=512]

--freeze: none (all trained), embed (patch embeddings and positions frozen), enc (embeddings + encoder blocks frozen:
a probe of the pretrained states through the segment head's LayerNorm + linear map). Arms: mmD = MultiMAE -> RGB +
depth at train and test, mm = MultiMAE -> RGB, mae = RGB-only MAE -> RGB, scratch(D) = no pretraining, RGB (+ depth).
--head_lr: the segment head at its own lr (the rest at --lr). --sum: for the arms with depth, a probe-only readout
(a forward hook, not in the method) where the segment head reads each patch's RGB + depth encoder states summed
(nb17's head reads the RGB states only). Prints per arm (mIoU, pixel accuracy), the majority class and the seconds.
Measured (nb17's prose, "Fine-tuning for segmentation"): e.g. SEED --n=128 --bs=32 --steps=120 --head_lr=1e-1
--arms=mmD,mm,mae,scratch,scratchD [--sum]; SEED --n=128 --bs=32 --steps=120 --lr=1e-1 --freeze=enc --sum."""
import sys, time, torch
from dataclasses import replace
from pathlib import Path
from torch import Tensor
from mmworkbench.data import ShapesWorld
from mmworkbench.heads import baselines
from mmworkbench.learner import Learner
from mmworkbench.model import create_model
from mmworkbench.core import get_task
from mmworkbench.recipes import recipe
from mmworkbench.methods.multimae import load_pretrained

args = [a for a in sys.argv[1:] if not a.startswith("--")]
opt = dict(a[2:].split("=") for a in sys.argv[1:] if a.startswith("--") and "=" in a)
SEED, N, BS, STEPS = int(args[0]), int(opt.get("n", 128)), int(opt.get("bs", 32)), int(opt.get("steps", 60))
LR, FREEZE, NV = float(opt.get("lr", 3e-3)), opt.get("freeze", "none"), int(opt.get("valid", 512))
HEAD_LR, SUM = float(opt.get("head_lr", 0)), "--sum" in sys.argv
ARMS = opt.get("arms", "mmD,mm,mae,scratch").split(",")
R, RS = recipe("multimae", "recon"), recipe("multimae", "seg")

def batches(task, n, split, bs=64, seed=0, **knobs):
    b = ShapesWorld(task, n, seed=seed, split=split, **knobs).batch(range(n))
    cut = lambda v, i: ({m: p[i:i + bs] for m, p in v.items()} if isinstance(v, dict)
                        else v[i:i + bs] if isinstance(v, Tensor) else v)
    return [{k: cut(v, i) for k, v in b.items()} for i in range(0, n, bs)]

def fit(task, train, valid, pre=None, lr=3e-3, steps=None, freeze="none", **kw):
    r = recipe("multimae", task)
    model = create_model("multimae", task, "tiny", seed=SEED, **{**r.model, **kw})
    if pre is not None: load_pretrained(model, pre)
    if SUM and task == "seg" and "depth" in model.fusion.inputs:   # the head reads RGB + depth states per patch
        def hook(mod, args, out):
            t = out.tokens["image"]; out.tokens["image"] = replace(t, x=t.x + out.tokens["depth"].x); return out
        model.fusion.register_forward_hook(hook)
    frozen = {"none": (), "embed": ("embed.",), "enc": ("embed.", "blocks.")}[freeze]
    for k, p in model.fusion.named_parameters(): p.requires_grad_(not k.startswith(frozen) if frozen else True)
    learn = Learner(model, train, valid, lr=lr, progress=False, seed=SEED)
    if HEAD_LR and task == "seg":   # the segment head at its own lr (the encoder keeps `lr`)
        head = {id(p) for p in model.head.parameters()}
        learn.opt = torch.optim.AdamW([{**{k: v for k, v in g.items() if k != "params"}, "params": ps,
                                        "base_lr": HEAD_LR if h else g["base_lr"]}
                                       for g in learn.opt.param_groups for h in (0, 1)
                                       if (ps := [p for p in g["params"] if (id(p) in head) == h])], lr=lr)
    learn.fit(steps=steps or len(train))
    return model.cpu().eval(), learn.validate()

t0 = time.time()
cache = Path(f"/tmp/mm_lowlabel_pre_{SEED}.pt")
pre = {"mm": create_model("multimae", "recon", "tiny", seed=SEED, **R.model),
       "mae": create_model("multimae", "recon", "tiny", seed=SEED, **{**R.model, "visible": 8, "inputs": ("image",),
                                                                     "targets": ("image",)})}
if cache.exists():
    for k, sd in torch.load(cache).items(): pre[k].load_state_dict(sd)
else:
    rtr = batches("recon", R.steps * R.bs, "train", R.bs, seed=SEED, **R.data)
    rva = batches("recon", 512, "valid", seed=SEED, **R.data)
    pre["mm"] = fit("recon", rtr, rva)[0]
    pre["mae"] = fit("recon", rtr, rva, visible=8, inputs=("image",), targets=("image",))[0]
    torch.save({k: m.state_dict() for k, m in pre.items()}, cache)
t1 = time.time()
str_ = batches("seg", N, "train", BS, seed=SEED, **RS.data)
sva = batches("seg", NV, "valid", seed=SEED, **RS.data)
base = baselines(get_task("seg"), sva)["majority"]
spec = {"mmD": (pre["mm"], {}), "mm": (pre["mm"], {"inputs": ("image",)}), "mae": (pre["mae"], {"inputs": ("image",)}),
        "scratch": (None, {"inputs": ("image",)}), "scratchD": (None, {})}
res = {a: fit("seg", str_, sva, pre=spec[a][0], lr=LR, steps=STEPS, freeze=FREEZE, **spec[a][1])[1] for a in ARMS}
print(f"seed={SEED} n={N} bs={BS} steps={STEPS} lr={LR} head_lr={HEAD_LR} freeze={FREEZE} sum={SUM} |",
      f"majority miou {base['miou']:.3f} |",
      " ".join(f"{a} {r['miou']:.3f}/{r['pixel_acc']:.3f}" for a, r in res.items()),
      f"| pre {t1 - t0:.0f}s ft {time.time() - t1:.0f}s", flush=True)
