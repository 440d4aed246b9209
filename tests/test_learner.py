"Learner: it learns, callbacks fire in order, schedule/clipping/early stop work, metrics per head, the resumable sampler."
import math
import pytest, torch
from hypothesis import given, settings, strategies as st
from torch.utils.data import DataLoader
from mmworkbench.core import TaskSpec, ModalitySpec, dummy_batch, FusionOutput
from mmworkbench.model import create_model
from mmworkbench.learner import (Learner, Callback, CancelFit, EarlyStop, EpochBatchSampler, TaskMetrics, lr_factor, resumable_loader)
from learner_job import SPEC, Synth

def _learner(method="late", n=128, bs=16, **kw):
    kw.setdefault("progress", False)
    return Learner(create_model(method, SPEC, seed=0), DataLoader(Synth(n), bs, shuffle=True), DataLoader(Synth(64, 1), 64), **kw)

def test_fit_learns_and_records_history():
    learn = _learner(n=256, bs=32)
    hist = learn.fit(4)
    assert [h["epoch"] for h in hist] == [0, 1, 2, 3] and learn.step == 4 * 8
    assert hist[-1]["accuracy"] > 0.8 and hist[-1]["train_loss"] < hist[0]["train_loss"]
    assert set(hist[0]) >= {"epoch", "step", "train_loss", "valid_loss", "accuracy", "time"}
    assert learn.validate()["accuracy"] == pytest.approx(hist[-1]["accuracy"])

class Trace(Callback):
    order = 50
    def __init__(self): self.log, self.lrs, self.norms = [], [], []
    def before_fit(self): self.log.append("before_fit")
    def before_epoch(self): self.log.append("before_epoch")
    def before_batch(self): self.log.append("before_batch")
    def after_loss(self): self.log.append("after_loss"); assert self.learn.loss.requires_grad
    def before_step(self):
        self.log.append("before_step")
        self.norms.append(float(torch.nn.utils.get_total_norm([p.grad for p in self.learn.model.parameters() if p.grad is not None])))
    def after_step(self): self.log.append("after_step"); self.lrs.append(self.learn.opt.param_groups[0]["lr"])
    def after_epoch(self): self.log.append("after_epoch")
    def after_fit(self): self.log.append("after_fit")

def test_hooks_order_schedule_and_clipping():
    tr = Trace()
    learn = _learner(cbs=[tr], lr=1e-2, grad_clip=0.05)
    learn.fit(2)
    nb = len(learn.train_dl)
    step = ["before_batch", "after_loss", "before_step", "after_step"]
    assert tr.log == ["before_fit"] + (["before_epoch"] + step * nb + ["after_epoch"]) * 2 + ["after_fit"]
    assert tr.lrs[0] == pytest.approx(1e-2 * lr_factor("onecycle", 0.0)) and max(tr.lrs) == pytest.approx(1e-2, rel=0.05)
    assert tr.lrs[-1] < 1e-3
    assert max(tr.norms) <= 0.05 + 1e-6                    # GradClip ran before our before_step (lower order)

def test_train_step_outside_fit_uses_base_lr_and_returns_detached_loss():
    learn = _learner(lr=1e-3)
    b = next(iter(learn.train_dl))
    before = [p.detach().clone() for p in learn.model.parameters()]
    loss = learn.train_step(b)
    assert not loss.requires_grad and learn.step == 1 and learn.opt.param_groups[0]["lr"] == 1e-3
    assert any(not torch.equal(a, p) for a, p in zip(before, learn.model.parameters()))

def test_early_stop_and_cancel_fit():
    learn = _learner(lr=1e-6, schedule=None, cbs=[EarlyStop("accuracy", patience=1, min_delta=0.5)])
    learn.fit(6)
    assert len(learn.history) == 2 and "did not improve" in learn.stop_reason
    class Stop(Callback):
        def after_step(self):
            if self.learn.step == 3: raise CancelFit("enough")
    learn = _learner(cbs=[Stop()]); learn.fit(3)
    assert learn.step == 3 and learn.stop_reason == "enough"
    with pytest.raises(KeyError, match="nope"): _learner(cbs=[EarlyStop("nope")]).fit(1)

def test_predict_steps_and_plain_iterables():
    batches = [dict(dummy_batch(SPEC, 8, seed=i)) for i in range(5)]
    learn = Learner(create_model("concat", SPEC, seed=0), batches, batches[:2], progress=False)
    learn.fit(steps=7)                                      # 7 steps over a 5-batch list: epoch 0 and part of epoch 1
    assert learn.step == 7 and [h["step"] for h in learn.history] == [5, 7]
    out = learn.predict(dummy_batch(SPEC, 3))
    assert isinstance(out, FusionOutput) and out.logits.shape == (3, 2) and learn.model.training
    with pytest.raises(ValueError, match="no train_dl"): Learner(create_model("late", SPEC), None, progress=False).fit(1)
    with pytest.raises(ValueError, match="precision"): Learner(create_model("late", SPEC), None, precision="fp8")
    with pytest.raises(ValueError, match="schedule"): Learner(create_model("late", SPEC), None, schedule="linear")

def test_bf16_autocast_on_cpu_when_asked():
    learn = _learner(precision="bf16", n=32)
    learn.fit(1)
    assert math.isfinite(learn.history[-1]["train_loss"])

def test_metrics_for_segment_and_contrast_models():
    seg = TaskSpec("t_seg", {"image": ModalitySpec("image", (3, 8, 8)), "depth": ModalitySpec("image", (1, 8, 8))},
                   head="segment", n_classes=3, dense_modality="image")
    con = TaskSpec("t_con", {"image": ModalitySpec("image", (3, 8, 8)), "text": ModalitySpec("text", (5,), vocab_size=9)}, head="contrast")
    r = Learner(create_model("concat", seg, seed=0), None, [dummy_batch(seg, 4, seed=s) for s in range(2)], progress=False).validate()
    assert set(r) == {"valid_loss", "pixel_acc", "miou"} and 0 <= r["miou"] <= r["pixel_acc"] * 3 + 1
    r = Learner(create_model("late", con, seed=0), None, [dummy_batch(con, 6, seed=s) for s in range(2)], progress=False).validate()
    assert set(r) == {"valid_loss", "r1_image_to_text", "r1_text_to_image"}
    m = TaskMetrics(con); z = torch.eye(3)
    m.update(FusionOutput(embeddings={"image": z, "text": z}), {"image": torch.zeros(3, 3, 8, 8)}, 0.0)
    assert m.compute()["r1_image_to_text"] == 1.0

@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 50), bs=st.integers(1, 8), world=st.integers(1, 3), epoch=st.integers(0, 5), drop=st.booleans(), seed=st.integers(0, 99))
def test_sampler_partitions_each_epoch(n, bs, world, epoch, drop, seed):
    if drop and n < bs * world: return
    ss = [EpochBatchSampler(n, bs, True, seed, drop, r, world) for r in range(world)]
    for s in ss: s.set_epoch(epoch)
    per = [list(s) for s in ss]
    assert len({len(p) for p in per}) == 1                        # every rank steps the same number of times
    flat = [i for b in zip(*per) for r in b for i in r]
    if world == 1 and not drop: assert sorted(flat) == list(range(n))
    assert set(flat) <= set(range(n)) and (drop or set(flat) == set(range(n)))
    k = len(per[0]) // 2
    ss[0].set_epoch(epoch, start=k); assert list(ss[0]) == per[0][k:]

def test_resumable_loader_rebatches_dataloaders_only():
    dl = DataLoader(Synth(20), 6, shuffle=True)
    r = resumable_loader(dl, seed=1)
    assert isinstance(r.batch_sampler, EpochBatchSampler) and r.batch_sampler.shuffle and len(r) == len(dl)
    assert not resumable_loader(DataLoader(Synth(20), 6)).batch_sampler.shuffle
    lst = [1, 2]
    assert resumable_loader(lst) is lst
    with pytest.raises(ValueError, match="map-style"): resumable_loader(lst, world=2)

@pytest.mark.gpu
def test_cuda_bf16_fused_and_compile():
    learn = _learner(compile=True, device="cuda")
    assert learn.precision == "bf16" and learn.opt.defaults["fused"]
    learn.fit(1)
    assert math.isfinite(learn.history[-1]["train_loss"])
