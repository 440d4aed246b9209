"The gating notebook's recipes beyond the registry-wide contract: one recipe for the compared methods, eP-ALM's stages."
import torch
from mmworkbench.learner import Callback
from mmworkbench.recipes import recipe, train_recipe
from mmworkbench.methods.gating import PrefixStages


def test_compared_methods_share_one_recipe():
    assert recipe("late", "redundant") == recipe("concat", "redundant") == recipe("gated", "redundant")
    assert recipe("prefix", "attribute").cbs == (PrefixStages,)


class _Snapshot(Callback):
    "The model's weights after the stages (which run first, order -10), before the run's own steps."
    order = -5
    def before_fit(self): self.sd = {k: v.detach().clone() for k, v in self.learn.model.state_dict().items()}


def test_prefix_stages_freeze_all_but_projection_and_token():
    snap, stages = _Snapshot(), PrefixStages(steps=2)
    learn = train_recipe("prefix", "attribute", steps=2, n_valid=32, bs=8, cbs=(lambda: stages, lambda: snap))
    assert set(stages.accuracy) == {"perceptual", "language", "untrained prefix"} and learn.step == 2
    trained = {"fusion.token", "fusion.proj.weight", "fusion.proj.bias"}
    assert {n for n, p in learn.model.named_parameters() if p.requires_grad} == trained
    after = learn.model.state_dict()
    changed = {k for k, v in snap.sd.items() if not torch.equal(v, after[k])}
    assert changed and changed <= trained, changed          # the frozen towers and head did not move
