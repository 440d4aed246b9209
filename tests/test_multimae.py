"""MultiMAE must be able to overfit one batch: its decoders read the encoder tokens at the right positions and learn.

Catches the failure nb17 first shipped with (position table initialised at std 1.0: the patch content was a sliver of
each token, and every hidden-token prediction stayed at the per-pixel mean, the input-blind bound)."""
import torch
from mmworkbench.core import get_task
from mmworkbench.data import ShapesWorld
from mmworkbench.heads import patchify
from mmworkbench.model import create_model


def _batch(n=32):
    b = ShapesWorld("recon", n, seed=0, split="train").batch(range(n))
    b["present"] = {m: torch.ones(n, dtype=torch.bool) for m in ("image", "depth")}
    return b


def _hidden_mse(model, b, m):
    with torch.no_grad(): o = model(b)
    t = patchify(b[m], get_task("recon").modalities[m], 8)
    w = o.aux[f"masked_{m}"].float()
    return float((((o.aux[f"recon_{m}"] - t) ** 2).mean(-1) * w).sum() / w.sum()), float(((t - t.mean(0)) ** 2).mean())


def _fit(model, b, steps, lr=1e-3):
    torch.manual_seed(0); opt = torch.optim.AdamW(model.parameters(), lr)
    for _ in range(steps):
        loss = model.loss(model(b), b); opt.zero_grad(); loss.backward(); opt.step()
    return model.eval()


def test_depth_decoder_reads_rgb_at_its_own_position():
    "Depth := the grey level of the RGB patch at the same position: a per-position copy the decoder must learn fast."
    b = _batch(); B = len(b["image"])
    b["depth"] = b["image"].mean(1, keepdim=True)
    b["visible_image"], b["visible_depth"] = torch.ones(B, 16, dtype=torch.bool), torch.zeros(B, 16, dtype=torch.bool)
    m = _fit(create_model("multimae", "recon", "tiny", seed=0, patch=8, visible=8), b, 100)
    mse, bound = _hidden_mse(m, b, "depth")
    assert mse < 0.5 * bound, f"depth-from-RGB copy: hidden MSE {mse:.4f} vs per-pixel-mean bound {bound:.4f}"


def test_multimae_overfits_one_batch_of_hidden_rgb():
    "Trained with its own Dirichlet masks on one batch, MultiMAE predicts hidden RGB from 8 visible RGB patches."
    b = _batch(); B = len(b["image"])
    m = _fit(create_model("multimae", "recon", "tiny", seed=0, patch=8, visible=8).train(), b, 150)
    ev = {"image": b["image"], "present": {"image": torch.ones(B, dtype=torch.bool)},
          "visible_image": torch.rand(B, 16, generator=torch.Generator().manual_seed(0)).argsort(1) < 8}
    mse, bound = _hidden_mse(m, ev, "image")
    assert mse < 0.5 * bound, f"hidden RGB: MSE {mse:.4f} vs per-pixel-mean bound {bound:.4f}"
