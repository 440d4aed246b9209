"""The demo serves a reconstruct-head model (multimae on `recon`) through the same endpoints as the others: `predict`
answers with the reconstruction grid (mmworkbench.reconview), the hidden-token MSE of that very forward, and the share
of each modality the model did not see; a missing modality is predicted whole; attribution says why it has nothing."""
import pytest
import torch
from mmworkbench.model import create_model
from mmworkbench.demo import make_demo, handler
from mmworkbench.inputs import make_batch
from mmworkbench.predict import run_model
from mmworkbench.reconview import hidden_mse, reconstruction_rows


@pytest.fixture(scope="module")
def demo():
    torch.manual_seed(0)
    return make_demo({"multimae": create_model("multimae", "recon", "tiny", seed=0, patch=8, visible=8)})


def test_predict_shows_the_reconstruction(demo):
    model = demo.predictor.get("multimae")
    box, pic, md = handler(demo, "predict")("multimae", 3, 0, 0.0, [], None, "")
    b, _ = make_batch(model, seed=3); out = run_model(model, b)
    mse = hidden_mse(model, b, out)
    assert all(f"{m} {v:.4f}" in md for m, v in mse.items()) and "hidden tokens" in md    # the same forward's numbers
    hid = {m: float(out.aux[f"masked_{m}"][0].float().mean()) for m in ("image", "depth")}
    assert box == {f"{m} hidden": v for m, v in hid.items()} and 0 < sum(hid.values()) < 2
    assert (16 - 16 * hid["image"]) + (16 - 16 * hid["depth"]) == 8     # the model's 8 visible tokens, as trained
    rows = reconstruction_rows(model, b, out)
    assert list(rows) == ["image visible", "image predicted", "image", "depth visible", "depth predicted", "depth"]
    assert pic.ndim == 3 and pic.shape[2] == 3 and pic.shape[0] > 2 * pic.shape[1]      # 6 rows of one scene


def test_missing_depth_is_predicted_from_rgb(demo):
    box, pic, md = handler(demo, "predict")("multimae", 3, 0, 0.0, ["depth"], None, "")
    assert box["depth hidden"] == 1.0 and box["image hidden"] == 0.5 and "missing: depth" in md
    img, q, smd = handler(demo, "scene")("multimae", 3, 0, 0.0, ["depth"])
    assert img.ndim == 3 and q == ""


def test_answer_and_attribution_say_what_it_is(demo):
    with pytest.raises(Exception, match="reconstructs its inputs"):
        handler(demo, "attribution")("multimae", 3, 0, 0.0, [], None, "")
    with pytest.raises(Exception, match="reconstructs its inputs"):
        demo.predictor.answer("multimae", 3)
