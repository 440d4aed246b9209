"""nb17 depth-from-RGB diagnosis: MultiMAE variants trained as nb17 does (120 steps of 64 unless bs given) and scored as
depth from all 16 RGB patches / hidden RGB from 8 / depth from 4+4, each / its per-pixel-mean bound.

    OMP_NUM_THREADS=1 python scripts/multimae_depth_variants.py VARIANT SEED [JSON create_model/fit kwargs]

VARIANT: base, depthx ({"k": ...} scales depth, i.e. its loss weight by k^2), norm (global per-channel standardisation),
sincos / normsin ({"scale": s}: fixed 2-D sine-cosine positions), sup (every train batch shows all RGB, no depth),
supsin, gridq (decoder queries start from the co-located visible tokens of every modality), mlptok (a per-patch MLP
tokenizer), noln (no LayerNorm in the decoder and the head before the projection: 1.02 on seed 0, base 1.06),
noencln (nor after the encoder: 1.03),
combinations by substring (gridq_supq, mlptok_supq, noln_noencln_supq); {"bs": n} trains on 120*64/n batches of n."""
import sys, time, json, math, torch
from torch import Tensor
import mmworkbench.generative, mmworkbench.methods.multimae as mmae
from mmworkbench.data import ShapesWorld
from mmworkbench.heads import patchify
from mmworkbench.learner import Learner
from mmworkbench.model import create_model
from mmworkbench.core import get_task
from mmworkbench.methods.multimae import load_pretrained

def batches(task, n, split, bs=64, seed=0):
    b = ShapesWorld(task, n, seed=seed, split=split).batch(range(n))
    cut = lambda v, i: {m: p[i:i + bs] for m, p in v.items()} if isinstance(v, dict) else v[i:i + bs] if isinstance(v, Tensor) else v
    return [{k: cut(v, i) for k, v in b.items()} for i in range(0, n, bs)]

def fit(task, train, valid, pre=None, seed=0, lr=3e-3, **kw):
    model = create_model("multimae", task, "tiny", seed=seed, patch=8, **kw)
    if pre is not None: load_pretrained(model, pre)
    learn = Learner(model, train, valid, lr=lr, progress=False, seed=seed); learn.fit(steps=len(train))
    return model.cpu().eval(), learn.validate()

@torch.no_grad()
def recon_mse(model, vi, vd, show, target):
    g, B = torch.Generator().manual_seed(0), len(vi)
    b = {"image": vi, "depth": vd, "present": {m: torch.full((B,), m in show) for m in ("image", "depth")}}
    for m, k in show.items(): b[f"visible_{m}"] = torch.rand(B, 16, generator=g).argsort(1) < k
    o, t = model(b), {"image": vi, "depth": vd}[target]
    err = ((o.aux[f"recon_{target}"] - patchify(t, get_task("recon").modalities[target], 8)) ** 2).mean(-1)
    w = o.aux[f"masked_{target}"].float()
    return float((err * w).sum() / w.sum())

def setup(seed=0, PRE=120, bs=64):
    rtr, rva = batches("recon", PRE * 64, "train", bs=bs, seed=seed), batches("recon", 512, "valid", seed=seed)
    vd, vi = torch.cat([b["depth"] for b in rva]), torch.cat([b["image"] for b in rva])
    md, mi = torch.cat([b["depth"] for b in rtr]).mean(0), torch.cat([b["image"] for b in rtr]).mean(0)
    bound = {"depth": float(((vd - md) ** 2).mean()), "image": float(((vi - mi) ** 2).mean())}
    return rtr, rva, vi, vd, bound


class _NoNorm(torch.nn.Identity):
    "Identity with a `weight` (MultiMAE reads the device from its norm's weight)."
    def __init__(self, d): super().__init__(); self.register_buffer("weight", torch.zeros(d))

class MLPPatch(torch.nn.Module):
    "conv patchify -> GELU -> 1x1 (a per-patch MLP tokenizer)"
    def __init__(self, channels, d, patch, size, h=4):
        super().__init__(); self.grid = (size[0] // patch, size[1] // patch)
        self.conv = torch.nn.Sequential(torch.nn.Conv2d(channels, d * h, patch, patch), torch.nn.GELU(), torch.nn.Conv2d(d * h, d, 1))
    def forward(self, x): return self.conv(x).flatten(2).transpose(1, 2)

def _gridq_query(self, m, enc, vis, full):
    "Decoder queries from the same-position visible tokens of every input on the target's grid (their mean)."
    same = [k for k in self.inputs if self.embed.grid[k] == self.embed.grid[m]]
    w = torch.stack([vis[k].float() for k in same], 0)
    own = (torch.stack([enc[k] for k in same], 0) * w[..., None]).sum(0) / w.sum(0).clamp_min(1)[..., None]
    return own, w.sum(0) > 0

if __name__ == "__main__":
    variant, seed = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0
    kw = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    torch.manual_seed(seed)
    rtr, rva, vi, vd, bound = setup(seed, bs=kw.pop("bs", 64))
    if variant == "depthx":   # scale depth so its loss weight matches RGB
        k = kw.pop("k")
        for b in rtr + rva: b["depth"] = b["depth"] * k
        vd = vd * k; bound["depth"] *= k * k
    if variant in ("norm", "normsin"):   # global per-channel standardisation of inputs and targets
        for m_ in ("image", "depth"):
            x = torch.cat([b[m_] for b in rtr]); mu, sd = x.mean((0, 2, 3), keepdim=True)[0], x.std((0, 2, 3), keepdim=True)[0]
            for b in rtr + rva: b[m_] = (b[m_] - mu) / sd
            if m_ == "image": vi = (vi - mu) / sd; bound["image"] /= float((sd ** 2).mean()) if False else 1
            else: vd = (vd - mu) / sd
        md_, mi_ = torch.cat([b["depth"] for b in rtr]).mean(0), torch.cat([b["image"] for b in rtr]).mean(0)
        bound = {"depth": float(((vd - md_) ** 2).mean()), "image": float(((vi - mi_) ** 2).mean())}
    if variant in ("sincos", "normsin", "supsin"):
        scale = kw.pop("scale", 1.0)
        orig = mmae.MultiEmbed.__init__
        def init(self, *a, **k):
            orig(self, *a, **k)
            for key, p in self.grid_pos.items():
                gh, gw = map(int, key.split("x")); d = p.shape[-1]
                yy, xx = torch.meshgrid(torch.arange(gh).float(), torch.arange(gw).float(), indexing="ij")
                om = 1 / 10000 ** (torch.arange(d // 4).float() / (d // 4))
                e = torch.cat([torch.sin(yy.flatten()[:, None] * om), torch.cos(yy.flatten()[:, None] * om),
                               torch.sin(xx.flatten()[:, None] * om), torch.cos(xx.flatten()[:, None] * om)], 1)
                p.data.copy_(e[None] * scale); p.requires_grad_(False)
        mmae.MultiEmbed.__init__ = init
    if variant in ("sup", "supsin"):      # supervised depth from all RGB: every train batch shows all RGB and no depth
        for b in rtr:
            B = len(b["image"]); b["visible_image"] = torch.ones(B, 16, dtype=torch.bool)
            b["visible_depth"] = torch.zeros(B, 16, dtype=torch.bool)
    if "mlptok" in variant: mmae.PatchEmbed = MLPPatch
    if "gridq" in variant: mmae.MultiMAEFusion._query = _gridq_query
    if "supq" in variant:
        for b in rtr:
            B = len(b["image"]); b["visible_image"] = torch.ones(B, 16, dtype=torch.bool); b["visible_depth"] = torch.zeros(B, 16, dtype=torch.bool)
    if "noln" in variant or "noencln" in variant:   # the LayerNorms right before the reconstruction projections
        import mmworkbench.heads as hd
        o_dec, o_head = mmae.TaskDecoder.__init__, hd.ReconstructHead.__init__
        def dec_init(self, *a, **k): o_dec(self, *a, **k); self.norm = torch.nn.Identity()
        def head_init(self, *a, **k):
            o_head(self, *a, **k); self.norm = torch.nn.ModuleDict({m: torch.nn.Identity() for m in self.norm})
        if "noln" in variant: mmae.TaskDecoder.__init__, hd.ReconstructHead.__init__ = dec_init, head_init
        if "noencln" in variant:
            o_mm = mmae.MultiMAEFusion.__init__
            def mm_init(self, *a, **k): o_mm(self, *a, **k); self.norm = _NoNorm(self.cfg.d)
            mmae.MultiMAEFusion.__init__ = mm_init
    t0 = time.time(); m = fit("recon", rtr, rva, seed=seed, **kw)[0]
    r = {"depth<-RGB16": recon_mse(m, vi, vd, {"image": 16}, "depth") / bound["depth"],
         "RGB<-RGB8": recon_mse(m, vi, vd, {"image": 8}, "image") / bound["image"],
         "depth<-RGB4+D4": recon_mse(m, vi, vd, {"image": 4, "depth": 4}, "depth") / bound["depth"]}
    print(variant, seed, kw, {k: round(v, 3) for k, v in r.items()}, f"{time.time()-t0:.0f}s", flush=True)
