"ShapesWorld: determinism across processes and batch compositions, shapes per task, knobs, label needs both modalities, user folders."
import subprocess, sys
import numpy as np, pytest, torch
from mmworkbench.core import get_task
from mmworkbench.model import create_model, check_fusion
from mmworkbench import data as D, scenes as S
from mmworkbench.data import ShapesWorld, dataloaders, encode, decode, VOCAB
from mmworkbench.folders import ImageCaptionFolder

TASKS = list(D._TASK_DEFS)

def _digest(b):
    return {k: float(v.double().sum() + (v.double().flatten() * torch.arange(v.numel(), dtype=torch.float64)).sum() % 1e6)
            for k, v in b.items() if isinstance(v, torch.Tensor)}

def test_same_sample_in_a_fresh_process():
    code = ("from mmworkbench.data import ShapesWorld; import torch, json;"
            "b = ShapesWorld('vqa', 100, seed=3, noise={'image': 0.1}).batch([5, 17, 42]);"
            "print(json.dumps({k: float(v.double().sum() + (v.double().flatten() * torch.arange(v.numel(), dtype=torch.float64)).sum() % 1e6)"
            " for k, v in b.items() if isinstance(v, torch.Tensor)}))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    import json
    assert json.loads(r.stdout.strip().splitlines()[-1]) == pytest.approx(_digest(ShapesWorld("vqa", 100, seed=3, noise={"image": 0.1}).batch([5, 17, 42])), rel=1e-12)

@pytest.mark.parametrize("task", TASKS)
def test_batch_composition_does_not_matter(task):
    first = list(get_task(task).modalities)[0]
    ds = ShapesWorld(task, 64, seed=1, noise={first: 0.05}, missing=0.2)
    a, b = ds.batch([1, 9, 30, 4]), ds.batch([30, 2, 9, 1, 63])
    for k, v in a.items():
        if isinstance(v, torch.Tensor): assert torch.equal(v[[0, 1, 2]], b[k][[3, 2, 0]]), k
    for m in a["present"]: assert torch.equal(a["present"][m][[0, 1, 2]], b["present"][m][[3, 2, 0]])
    one = ds[9]
    assert torch.equal(one[first], a[first][1])

def test_dataloader_workers_give_the_same_batches():
    tr0, _ = dataloaders("binding", 128, 64, bs=32, seed=5)
    tr2, _ = dataloaders("binding", 128, 64, bs=32, seed=5, num_workers=2)
    for x, y in zip(tr0, tr2): assert torch.equal(x["image"], y["image"]) and torch.equal(x["y"], y["y"])

def test_train_and_valid_are_disjoint():
    tr, va = dataloaders("refer", 256, 128, bs=128, seed=0)
    a = torch.cat([b["image"].flatten(1) for b in tr]); v = torch.cat([b["image"].flatten(1) for b in va])
    assert torch.cdist(v, a).min() > 0

@pytest.mark.parametrize("task", TASKS)
def test_shapes_and_dtypes(task):
    spec, b = get_task(task), ShapesWorld(task, 16).batch(range(16))
    for m, ms in spec.modalities.items():
        assert tuple(b[m].shape) == (16, *ms.shape)
        assert b[m].dtype == (torch.long if ms.kind == "text" else torch.float32)
        if ms.kind == "text": assert 0 <= b[m].min() and b[m].max() < ms.vocab_size and ms.vocab_size == len(spec.vocab)
        assert b["present"][m].dtype == torch.bool and b["present"][m].shape == (16,)
    if spec.head == "classify": assert b["y"].shape == (16,) and b["y"].dtype == torch.long and b["y"].max() < spec.n_classes
    if spec.head == "segment": assert b["y"].shape == (16, 32, 32) and b["y"].dtype == torch.long
    if spec.head == "lm": assert b["y"].shape == b[spec.dense_modality].shape and torch.equal(b["y"][:, :-1], b[spec.dense_modality][:, 1:])
    if spec.head == "contrast" and "text" in spec.modalities: assert b["text_neg"].shape == b["text"].shape and not torch.equal(b["text_neg"], b["text"])

@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("method", ["late", "concat", "early"])
def test_baselines_build_and_run(task, method):
    "Every ShapesWorld task (every head kind: classify, segment, contrast, lm, reconstruct) with late, concat and early."
    b = ShapesWorld(task, 8).batch(range(4))
    model = create_model(method, task, seed=0)
    out = model(b)
    assert torch.isfinite(model.loss(out, b))
    assert check_fusion(model, batch=b)["ok"]

def test_vocab_round_trip_and_errors():
    ids = encode("is the red square left of the blue circle?", 16)
    assert decode(ids) == "is the red square left of the blue circle?" and ids.shape == (16,)
    with pytest.raises(ValueError, match=r"unknown word\(s\) \['magenta'\].*e\.g\."): encode("the magenta square")

def test_mcar_mnar_noise_and_mismatch():
    b = ShapesWorld("binding", 4000, missing={"text": 0.25}, mnar={"image": (0.1, 0.6)}).batch(range(4000))
    assert abs((~b["present"]["text"]).float().mean() - 0.25) < 0.03
    pos = b["y"] == 1
    assert abs((~b["present"]["image"][pos]).float().mean() - 0.6) < 0.04 and abs((~b["present"]["image"][~pos]).float().mean() - 0.1) < 0.03
    clean = ShapesWorld("seg", 8).batch(range(8))
    noisy = ShapesWorld("seg", 8, noise={"image": 0.2, "depth": 0.05}).batch(range(8))
    assert abs((noisy["image"] - clean["image"]).std() - 0.2) < 0.02 and abs((noisy["depth"] - clean["depth"]).std() - 0.05) < 0.005
    assert torch.equal(noisy["y"], clean["y"])
    mm = ShapesWorld("match", 1000, mismatch=0.5).batch(range(1000))["mismatched"]
    assert abs(mm.float().mean() - 0.5) < 0.05
    with pytest.raises(KeyError, match="has no modality"): ShapesWorld("vqa", 8, noise={"audio": 1.0})

def test_camouflage_is_background_in_rgb_but_not_in_depth():
    ds = ShapesWorld("seg", 64, camo=1.0, holes=0.0)
    b, s = ds.batch(range(64)), ds.scenes(range(64))
    bg = S._BG_RGB[s.bg][:, :, None, None]
    assert torch.equal(b["image"], bg.expand_as(b["image"]))                           # every object hidden in RGB
    plane = (1 - 0.25 * (torch.arange(32) + 0.5) / 32)[:, None]
    obj = b["y"] > 0
    assert obj.any() and ((plane - b["depth"][:, 0])[obj] > 0.05).all()               # ... and visible in depth
    h = ShapesWorld("seg", 64, camo=0.0, holes=1.0).batch(range(64))
    assert (h["depth"][:, 0][h["y"] > 0] == 0).all() and (h["image"].std((1, 2, 3)) > 0).all()

def test_binding_needs_both_modalities():
    ds = ShapesWorld("binding", 3000)
    b, s = ds.batch(range(3000)), ds.scenes(range(3000))
    # the answer is the binding of the asked colour and shape in the scene
    qc, qs = b["text"][:, 3] - D._C0, b["text"][:, 4] - D._S0
    bound = ((s.color == qc[:, None]) & (s.shape == qs[:, None]) & s.valid).any(1)
    assert torch.equal(bound.long(), b["y"])
    # text alone: each (colour, shape) question is about as often yes as no
    key = qc * 5 + qs
    rates = torch.stack([b["y"][key == k].float().mean() for k in key.unique() if (key == k).sum() > 40])
    assert (rates - 0.5).abs().max() < 0.2 and abs(b["y"].float().mean() - 0.5) < 0.03
    # image alone: the same scene with re-drawn questions is yes half the time, whatever the scene
    idx = np.arange(400); sc = S.sample_scenes(ds._stream("scene", idx), **D._TASK_DEFS["binding"].scene)
    ys = torch.stack([D._binding(sc, S._Stream(S._key(9, "probe", k), idx), ds)[1]["y"] for k in range(40)], 1).float()
    assert abs(ys.mean() - 0.5) < 0.02 and (ys.mean(1) - 0.5).abs().mean() < 0.1
    agree = (ys[:, :20].mean(1, keepdim=True).round() == ys[:, 20:]).float().mean()       # predict a fresh draw from 20 others
    assert agree < 0.56
    # a colour/shape histogram is not enough: 'no' questions mostly name present colours and shapes
    both = ((s.color == qc[:, None]) & s.valid).any(1) & ((s.shape == qs[:, None]) & s.valid).any(1)
    assert both[b["y"] == 0].float().mean() > 0.9

def test_xor_each_modality_alone_is_chance():
    ds = ShapesWorld("xor", 6000)
    b, s = ds.batch(range(6000)), ds.scenes(range(6000))
    a, c = (s.shape[:, 0] % 2 == 1), (s.depth[:, 0] < 0.4)
    assert torch.equal(b["y"], (a ^ c).long())
    for z in (a, c): assert abs((b["y"][z] == 1).float().mean() - 0.5) < 0.04 and abs((b["y"][~z] == 1).float().mean() - 0.5) < 0.04
    tab = b["tabular"].view(6000, 5, 18)
    assert tab[..., 1:14].abs().sum() == 0                                     # no colour/shape in the tabular vector

def _write_folder(tmp_path, n=5):
    from PIL import Image
    demo = ShapesWorld("match", n).batch(range(n))
    for i in range(n): Image.fromarray((demo["image"][i].permute(1, 2, 0) * 255).byte().numpy()).save(tmp_path / f"im{i}.png")
    (tmp_path / "captions.csv").write_text("image,caption\n" + "".join(f"im{i}.png,{decode(demo['text'][i])}\n" for i in range(n)))
    return demo

def test_image_caption_folder(tmp_path):
    demo = _write_folder(tmp_path)
    f = ImageCaptionFolder(tmp_path)
    b = next(iter(f.dataloader(bs=5, shuffle=False)))
    assert b["image"].shape == (5, 3, 32, 32) and (b["image"] - demo["image"]).abs().max() < 0.01
    assert [f.decode(t) for t in b["text"]] == decode(demo["text"])
    big = ImageCaptionFolder(tmp_path / "captions.csv", size=64)
    assert big.images.shape == (5, 3, 64, 64) and big.spec.modalities["image"].shape == (3, 64, 64)
    m = create_model("concat", f.spec, seed=0)
    out = m(b); assert out.logits.shape == (5, 5) and torch.isfinite(m.loss(out, b))

def test_image_caption_folder_errors(tmp_path):
    _write_folder(tmp_path, 2)
    (tmp_path / "broken.png").write_bytes(b"\x89PNG garbage")
    (tmp_path / "a.csv").write_text("image,caption\nim0.png,a red square\nbroken.png,a blue circle\n")
    with pytest.raises(ValueError, match=r"a\.csv row 3: cannot read image .*broken\.png"): ImageCaptionFolder(tmp_path / "a.csv")
    (tmp_path / "b.csv").write_text("picture,caption\nim0.png,a red square\n")
    with pytest.raises(ValueError, match=r"b\.csv: missing column\(s\) \['image'\]"): ImageCaptionFolder(tmp_path / "b.csv")
    (tmp_path / "c.csv").write_text("image,caption\nim0.png,a red square\nnope.png,a cat\n")
    with pytest.raises(FileNotFoundError, match=r"c\.csv row 3: image file .*nope\.png does not exist"): ImageCaptionFolder(tmp_path / "c.csv")
    with pytest.raises(FileNotFoundError, match="captions.csv"): ImageCaptionFolder(tmp_path / "empty_dir_that_is_missing")

def test_distinct_combo_with_fewer_combos_than_slots():
    "2 colours x 2 shapes = 4 combos < 5 slots: allowed for n_max <= 4 (it used to crash on a shape mismatch)."
    ds = ShapesWorld("binding", 256, scene=dict(n_min=2, n_max=4, n_colors=2, n_shapes=2))
    s = ds.scenes(range(256)); b = ds.batch(range(256))
    combo = torch.where(s.valid, s.color * 16 + s.shape, -1)
    assert all(len(set(r[r >= 0].tolist())) == int(v.sum()) for r, v in zip(combo, s.valid))   # distinct combos
    assert 2 <= int(s.valid.sum(1).min()) and int(s.valid.sum(1).max()) <= 4 and set(b["y"].tolist()) == {0, 1}
