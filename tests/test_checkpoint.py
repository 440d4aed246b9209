"Checkpoints: every registered method round-trips by name; bad files give errors naming the file and the mismatch; no pickle is ever loaded."
import json, pickle
from pathlib import Path
import pytest, torch
from safetensors.torch import load_file, save_file
from torch.utils.data import DataLoader
from mmworkbench.core import dummy_batch
from mmworkbench.model import create_model, list_fusions, fusion_entry
from mmworkbench.learner import Learner, save_checkpoint, load_checkpoint, checkpoint_dir
from learner_job import SPEC, Synth

@pytest.mark.parametrize("method", list_fusions())
def test_round_trip_every_method(method, tmp_path):
    task = fusion_entry(method).contract_task
    m = create_model(method, task, seed=0).eval()
    save_checkpoint(m, tmp_path, metrics={"accuracy": 0.25})
    m2 = load_checkpoint(tmp_path, device="cpu")
    assert type(m2.fusion) is type(m.fusion) and not m2.training
    meta = json.loads((tmp_path / "model.json").read_text())
    assert {"method", "size", "task", "cfg", "vocab", "metrics", "versions", "step"} <= set(meta)
    assert meta["method"] == method and meta["metrics"] == {"accuracy": 0.25} and meta["versions"]["torch"] == torch.__version__
    b = dummy_batch(task, 3)
    with torch.no_grad():
        o1, o2 = m(b), m2(b)
    assert torch.equal(o1.logits, o2.logits)
    for k, v in m.state_dict().items(): assert torch.equal(v, m2.state_dict()[k]), k

@pytest.fixture
def ckpt(tmp_path):
    save_checkpoint(create_model("late", "toy", seed=0), tmp_path)
    return tmp_path

def test_missing_and_unexpected_keys_are_named(ckpt):
    sd = load_file(ckpt / "model.safetensors"); k = sorted(sd)[0]; sd.pop(k); sd["extra.weight"] = torch.zeros(1)
    save_file(sd, str(ckpt / "model.safetensors"))
    with pytest.raises(ValueError) as e: load_checkpoint(ckpt)
    msg = str(e.value)
    assert str(ckpt / "model.safetensors") in msg and k in msg and "extra.weight" in msg

def test_shape_mismatch_is_named(ckpt):
    j = json.loads((ckpt / "model.json").read_text()); j["cfg"]["d"] = 32; (ckpt / "model.json").write_text(json.dumps(j))
    with pytest.raises(ValueError, match="shape mismatch.*checkpoint \\(.*64.*\\) vs model"): load_checkpoint(ckpt)

def test_corrupt_files_and_unknown_method(ckpt, tmp_path_factory):
    good = (ckpt / "model.json").read_text()
    (ckpt / "model.json").write_text("{not json")
    with pytest.raises(ValueError, match="model.json: corrupt JSON"): load_checkpoint(ckpt)
    (ckpt / "model.json").write_text(json.dumps({**json.loads(good), "method": "nope"}))
    with pytest.raises(KeyError, match="model.json.*unknown method 'nope'.*late"): load_checkpoint(ckpt)
    (ckpt / "model.json").write_text(json.dumps({"weights": 1}))
    with pytest.raises(ValueError, match="not an mmworkbench checkpoint"): load_checkpoint(ckpt)
    (ckpt / "model.json").write_text(good)
    data = (ckpt / "model.safetensors").read_bytes(); (ckpt / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="model.safetensors: not a readable safetensors file"): load_checkpoint(ckpt)
    (ckpt / "model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="model.safetensors"): load_checkpoint(ckpt)
    with pytest.raises(FileNotFoundError, match="no such checkpoint"): load_checkpoint(tmp_path_factory.mktemp("empty") / "nothing")

def test_resumable_state_round_trip_without_pickle(tmp_path, monkeypatch):
    def learner(): return Learner(create_model("late", SPEC, seed=0), DataLoader(Synth(64), 16, shuffle=True), None, progress=False)
    a = learner(); a.fit(steps=3, ckpt_dir=tmp_path, save_every=2)
    assert (tmp_path / "latest").read_text() == "step-00000003" and not (tmp_path / "step-00000002").exists()
    assert checkpoint_dir(tmp_path) == tmp_path / "step-00000003"
    for f in ("model.safetensors", "model.json", "train.safetensors", "train.json"): assert (tmp_path / "step-00000003" / f).exists()
    def no_pickle(*a, **k): raise AssertionError("a checkpoint was unpickled")
    monkeypatch.setattr(pickle, "load", no_pickle); monkeypatch.setattr(pickle, "loads", no_pickle); monkeypatch.setattr(torch, "load", no_pickle)
    b = Learner.resume(tmp_path, DataLoader(Synth(64), 16, shuffle=True), progress=False)
    assert b.step == 3 and b.total == 3
    sa, sb = a.opt.state_dict(), b.opt.state_dict()
    assert sa["param_groups"] == sb["param_groups"]
    for i, st in sa["state"].items():
        for k, v in st.items(): assert torch.equal(v, sb["state"][i][k]), (i, k)
    assert load_checkpoint(tmp_path).meta["step"] == 3

def test_save_rejects_non_workbench(tmp_path):
    with pytest.raises(TypeError, match="Workbench"): save_checkpoint(torch.nn.Linear(2, 2), tmp_path)
