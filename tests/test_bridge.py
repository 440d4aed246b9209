"BridgeTower beyond the registry-wide contract: which layer feeds which, the frozen tower, the pretraining stage."
import pytest, torch
from mmworkbench.core import dummy_batch
from mmworkbench.model import create_model, check_fusion
from mmworkbench.recipes import recipe, train_recipe
from mmworkbench.methods.bridge import BridgeConfig, PretrainTower, bridge_plan


def test_plans():
    assert bridge_plan(BridgeConfig(uni_layers=3, cross_layers=2)) == [1, 2]
    assert create_model("bridge_last", "toy").fusion.plan == [2, None]
    with pytest.raises(ValueError, match="do not exist"): create_model("bridge", "toy", bridge_from=(7,))
    with pytest.raises(ValueError, match="no modality"): create_model("bridge", "toy", frozen=("depth",))


def test_which_layers_reach_the_cross_modal_encoder():
    "Change the image tower's layer 1 but keep its top layer: `bridge` (fed layers 1 and 2) changes, `bridge_last` not."
    for name, sees_layer1 in [("bridge", True), ("bridge_last", False)]:
        m, b = create_model(name, "toy", seed=0).eval(), dummy_batch("toy")
        blocks, top = m.fusion.towers["image"].blocks, {}
        with torch.no_grad():
            h = blocks[2].register_forward_hook(lambda mod, a, o: top.setdefault("x", o))
            base = m(b).logits; h.remove()
            h1 = blocks[1].register_forward_hook(lambda mod, a, o: o.flip(-1))   # not a shift: LayerNorm removes those
            h2 = blocks[2].register_forward_hook(lambda mod, a, o: top["x"])
            out = m(b).logits; h1.remove(); h2.remove()
        assert (not torch.allclose(out, base)) == sees_layer1, name


@pytest.mark.parametrize("name", ["bridge", "bridge_last"])
def test_trained_config_contract(name):
    r = recipe(name, "attribute")
    assert r.cbs == (PretrainTower,) and r.model["frozen"] == ("image",)
    m = create_model(name, "attribute", seed=0, **r.model)
    assert not any(p.requires_grad for p in m.fusion.towers["image"].parameters())
    assert check_fusion(m)["ok"]


def test_recipe_pretrains_then_freezes():
    learn = train_recipe("bridge", "attribute", steps=2, n_valid=32, bs=8, cbs=(lambda: PretrainTower(steps=2, bs=8),))
    cb = next(c for c in learn.cbs if isinstance(c, PretrainTower))
    assert cb.accuracy is not None and 0 <= cb.accuracy <= 1 and learn.step == 2
    tower = learn.model.fusion.towers["image"]
    assert not any(p.requires_grad for p in tower.parameters())
    fresh = create_model("bridge", "attribute", seed=0, **recipe("bridge", "attribute").model).fusion.towers["image"]
    assert any(not torch.equal(a, b.to(a.device)) for a, b in zip(tower.state_dict().values(), fresh.state_dict().values()))
