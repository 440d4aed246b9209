"""nb17 depth-from-RGB diagnosis without MultiMAE: how well, and how fast, the depth of a patch follows from its own RGB
patch. Least squares on raw pixels / on |pixel - scene background| / on |pixel - the patch's corner|; a one-hidden-layer
MLP (120 and 400 AdamW steps of 1024 patches); the same MLP inside a pre-norm residual block as `layers.Block` has it
(linear in + skip + LN), at 120/400 steps, other lrs, without the skip; smaller batches with more steps.
All as MSE / the per-pixel-mean bound on 512 validation scenes.   OMP_NUM_THREADS=1 python scripts/multimae_depth_probe.py"""
import torch, mmworkbench.generative
from mmworkbench.data import ShapesWorld
from mmworkbench.heads import patchify
from mmworkbench.core import get_task
T = get_task("recon").modalities
def data(n, split):
    b = ShapesWorld("recon", n, seed=0, split=split).batch(range(n))
    return patchify(b["image"], T["image"], 8), patchify(b["depth"], T["depth"], 8)   # (n,16,192), (n,16,64)
xi, xd = data(4096, "train"); vi, vd = data(512, "valid")
mean = xd.mean(0)
bound = float(((vd - mean) ** 2).mean())
def ridge(F, Y, Fv, Yv, lam=1e-2):
    F = torch.cat([F, torch.ones(len(F), 1)], 1); Fv = torch.cat([Fv, torch.ones(len(Fv), 1)], 1)
    W = torch.linalg.solve(F.T @ F + lam * torch.eye(F.shape[1]), F.T @ Y)
    return float(((Fv @ W - Yv) ** 2).mean())
pos = torch.eye(16)
def feats(x, kind):
    n = len(x); p = pos.expand(n, 16, 16)
    if kind == "raw": f = x
    elif kind == "absdiff":   # |pixel - scene background| : scene bg = per-sample mode ~ median over all pixels
        bg = x.view(n, 16, 64, 3).reshape(n, -1, 3).median(1).values[:, None, None]
        f = (x.view(n, 16, 64, 3) - bg).abs().sum(-1)
    elif kind == "absdiff_local":   # |pixel - this patch's corner pixel|
        xx = x.view(n, 16, 3, 8, 8); c = xx[..., :1, :1]
        f = (xx - c).abs().sum(2).flatten(2)
    return torch.cat([f, p], -1).flatten(0, 1)
for kind in ("raw", "absdiff", "absdiff_local"):
    print(kind, "ratio", round(ridge(feats(xi, kind), xd.flatten(0, 1), feats(vi, kind), vd.flatten(0, 1)) / bound, 3))
print("position-only", round(ridge(pos.expand(4096,16,16).flatten(0,1), xd.flatten(0,1), pos.expand(512,16,16).flatten(0,1), vd.flatten(0,1)) / bound, 3))
import torch.nn as nn
def mlp_run(steps=120, lr=3e-3, kind="raw", hidden=256, act=nn.GELU):
    torch.manual_seed(0)
    F, Fv = feats(xi, kind), feats(vi, kind); Y, Yv = xd.flatten(0, 1), vd.flatten(0, 1)
    net = nn.Sequential(nn.Linear(F.shape[1], hidden), act(), nn.Linear(hidden, 64))
    opt = torch.optim.AdamW(net.parameters(), lr)
    for s in range(steps):
        i = torch.randint(0, len(F), (1024,))
        loss = ((net(F[i]) - Y[i]) ** 2).mean(); opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad(): return round(float(((net(Fv) - Yv) ** 2).mean()) / bound, 3)
for st in (120, 400): print("mlp raw", st, mlp_run(st), "absdiff_local", mlp_run(st, kind="absdiff_local"))

# ---- frozen PatchEmbed (+LN) features
from mmworkbench.layers import PatchEmbed
torch.manual_seed(0)
pe = PatchEmbed(3, 64, 8, (32, 32))
def emb(x, ln):
    with torch.no_grad():
        n = len(x); img = x.view(n, 4, 4, 3, 8, 8).permute(0, 3, 1, 4, 2, 5).reshape(n, 3, 32, 32)
        e = pe(img)
        if ln: e = torch.nn.functional.layer_norm(e, (64,))
    return e
# check patchify layout: channel-major? test round trip
from mmworkbench.heads import unpatchify
b = ShapesWorld("recon", 8, seed=0, split="train").batch(range(8))
assert torch.allclose(unpatchify(patchify(b["image"], T["image"], 8), T["image"], 8), b["image"])
def emb(x, ln):
    with torch.no_grad():
        e = pe(unpatchify(x, T["image"], 8))
        if ln: e = torch.nn.functional.layer_norm(e, (64,))
    return e
for ln in (False, True):
    Ei, Ev = emb(xi, ln), emb(vi, ln)
    def feats(x, kind, E={id(xi): Ei, id(vi): Ev}): return torch.cat([E[id(x)], pos.expand(len(x), 16, 16)], -1).flatten(0, 1)
    print("patchembed ln", ln, "mlp 120:", mlp_run(120), "400:", mlp_run(400))

# ---- residual block
import torch.nn as nn
Ei, Ev = emb(xi, True), emb(vi, True)
class Res(nn.Module):
    def __init__(s, d=64, h=256):
        super().__init__(); s.n2, s.mlp = nn.LayerNorm(d), nn.Sequential(nn.Linear(d, h), nn.GELU(), nn.Linear(h, d))
        s.inp = nn.Linear(d, d); s.n3, s.n4, s.proj = nn.LayerNorm(d), nn.LayerNorm(d), nn.Linear(d, 64)
        s.pos = nn.Parameter(torch.randn(16, d) * 0.02)
    def forward(s, x, p):
        x = s.inp(x) + s.pos[p]; x = x + s.mlp(s.n2(x)); return s.proj(s.n4(s.n3(x)))
def run(steps=120, lr=3e-3):
    torch.manual_seed(0); net = Res(); opt = torch.optim.AdamW(net.parameters(), lr)
    F, Fv = Ei.flatten(0, 1), Ev.flatten(0, 1); P, Pv = torch.arange(16).repeat(4096), torch.arange(16).repeat(512)
    Y, Yv = xd.flatten(0, 1), vd.flatten(0, 1)
    for s_ in range(steps):
        i = torch.randint(0, len(F), (1024,)); loss = ((net(F[i], P[i]) - Y[i]) ** 2).mean(); opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad(): return round(float(((net(Fv, Pv) - Yv) ** 2).mean()) / bound, 3)
print("residual block probe 120:", run(120), "400:", run(400))
import time
for lr in (1e-2, 3e-2): print("lr", lr, run(120, lr))
orig = Res.forward
Res.forward = lambda s, x, p: s.proj(s.n3(s.inp(x) + s.pos[p] + s.mlp(s.n2(s.inp(x) + s.pos[p]))))
print("one LN", run(120))
Res.forward = lambda s, x, p: s.proj(s.mlp(s.n2(s.inp(x) + s.pos[p])))
print("no skip", run(120))
Res.forward = orig

# ---- batch size vs steps
def run2(steps, bsz, lr=3e-3):
    torch.manual_seed(0); net = Res(); opt = torch.optim.AdamW(net.parameters(), lr)
    F, Fv = Ei.flatten(0, 1), Ev.flatten(0, 1); P, Pv = torch.arange(16).repeat(4096), torch.arange(16).repeat(512)
    Y, Yv = xd.flatten(0, 1), vd.flatten(0, 1)
    for s_ in range(steps):
        i = torch.randint(0, len(F), (bsz,)); loss = ((net(F[i], P[i]) - Y[i]) ** 2).mean(); opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad(): return round(float(((net(Fv, Pv) - Yv) ** 2).mean()) / bound, 3)
print("bs 256 x 480:", run2(480, 256), "bs 128 x 960:", run2(960, 128))
# ---- which part of the block holds it: the skip or the LayerNorm before the projection
Res.forward = lambda s, x, p: s.proj(s.inp(x) + s.pos[p] + s.mlp(s.n2(s.inp(x) + s.pos[p])))
print("skip, no final LN", run(120))
Res.forward = lambda s, x, p: s.proj(s.n3(s.mlp(s.n2(s.inp(x) + s.pos[p]))))
print("no skip, final LN", run(120))
