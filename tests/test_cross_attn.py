"The cross-attention family beyond the registry-wide contract: the pointer head on the refer task, presets, bad config."
import pytest, torch
from mmworkbench.core import dummy_batch
from mmworkbench.model import create_model, check_fusion
from mmworkbench.layers import capture_attention


@pytest.mark.parametrize("mode", ["cross", "co", "cls", "bottleneck"])
def test_pointer_contract_on_refer(mode):
    m = create_model("cross_attn", "refer", "tiny", seed=0, mode=mode)
    assert m.fusion.pointer is not None, "the pointer head is on by default for the refer task"
    assert check_fusion(m)["ok"]


def test_pointer_probabilities_are_attention_mass():
    m = create_model("co_attn", "refer", "tiny", seed=0).eval()
    b = dummy_batch("refer", B=3)
    with torch.no_grad(): out = m(b, capture="fusion.pointer")
    w = out.attn["fusion.pointer"].block("text", "image")[:, 0, 0]          # (B, 64) over the 8x8 grid
    cells = w.view(3, 4, 2, 4, 2).sum((2, 4)).flatten(1)                  # (B, 16) row-major cells
    torch.testing.assert_close(out.logits.softmax(-1), cells, atol=1e-5, rtol=1e-4)


def test_absent_image_gives_uniform_pointer():
    m = create_model("cross_attn", "refer", "tiny", seed=0).eval()
    b = dummy_batch("refer", B=2); b["present"]["image"] = torch.tensor([True, False])
    with torch.no_grad(): lg = m(b).logits
    assert torch.isfinite(lg).all() and torch.equal(lg[1], torch.zeros(16))


def test_presets_and_errors():
    assert {create_model(k, "toy").cfg.mode for k in ["cross_attn", "co_attn", "cls_exchange", "bottleneck_attn"]} == {"cross", "co", "cls", "bottleneck"}
    with pytest.raises(ValueError, match="use one of"): create_model("cross_attn", "toy", mode="sideways")
    with pytest.raises(ValueError, match="pointer=False"): create_model("cross_attn", "seg", pointer=True)       # not a classify task
    with pytest.raises(ValueError, match="pointer=False"): create_model("cross_attn", "toy", pointer=True, patch=16)  # 1x1 grid, 4 cells
