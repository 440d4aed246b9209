"contrastive (nb 11): pretrained weights offline, local weights files, BPE text ids, MaxSim scores."
import pytest, torch
import open_clip
from mmworkbench.core import dummy_batch
from mmworkbench.model import create_model, check_fusion
from mmworkbench.methods import contrastive as C


def test_offline_tag_fails_with_instructions(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(RuntimeError, match="HF_HUB_OFFLINE is set.*pretrained='/path/to"):
        create_model("contrastive", "match", arch="ViT-B-32", pretrained="laion2b_s34b_b79k")


def test_unreachable_hub_fails_with_instructions(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False); monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(C, "_reachable", lambda url, timeout=3.0: False)   # never touch the network in a test
    with pytest.raises(RuntimeError, match="huggingface.co is unreachable"):
        C.resolve_pretrained("ViT-B-32", "laion2b_s34b_b79k", cache_dir="/nonexistent-cache")


def test_unknown_tag_and_missing_file():
    with pytest.raises(ValueError, match="its tags"): C.resolve_pretrained("ViT-B-32", "no-such-tag")
    with pytest.raises(ValueError, match="is not a file"): create_model("contrastive", "match", d=16, pretrained="/no/such.safetensors")
    assert not C._reachable("https://host.invalid", timeout=1.0)


def test_local_weights_file_loads(tmp_path):
    from safetensors.torch import save_file
    src = create_model("contrastive", "match", seed=0, d=16, heads=2, layers=1, patch=8).eval()
    path = tmp_path / "w.safetensors"
    save_file({k: v.contiguous() for k, v in src.fusion.clip.state_dict().items()}, str(path))
    twin = create_model("contrastive", "match", seed=1, d=16, heads=2, layers=1, patch=8, pretrained=str(path)).eval()
    b = dummy_batch("match", 3)
    with torch.no_grad(): a, t = src(b), twin(b)
    for m in ("image", "text"): torch.testing.assert_close(a.embeddings[m], t.embeddings[m])


def test_words_to_bpe_matches_open_clip_tokenizer():
    from mmworkbench.data import VOCAB, encode, MAX_LEN
    w2b, tok = C.WordsToBPE(VOCAB, 40), open_clip.get_tokenizer("ViT-B-32")
    for s in ["a red square left of a blue circle", "a green triangle above a orange diamond with a white cross and a cyan square"]:
        assert torch.equal(w2b(encode(s, MAX_LEN)[None])[0], tok([s])[0, :40])


def test_bpe_towers_pass_the_contract():
    m = create_model("contrastive", "match", seed=0, d=16, heads=2, layers=1, patch=8, tokenizer="bpe", scoring="maxsim")
    assert m.fusion.clip.token_embedding.num_embeddings == 49408
    assert check_fusion(m)["ok"]


def test_bad_config_names_the_fix():
    with pytest.raises(ValueError, match="use 'cosine' or 'maxsim'"): create_model("contrastive", "match", scoring="dot")
    with pytest.raises(ValueError, match="must be > 0"): create_model("contrastive", "match", temperature=0.0)
    with pytest.raises(ValueError, match="supports tasks/heads"): create_model("contrastive", "toy")
