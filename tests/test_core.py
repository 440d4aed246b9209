"Attention capture equals the SDPA path; masks, missing modalities and the batch checks, fuzzed with hypothesis."
import subprocess, sys
import torch, pytest
from hypothesis import given, settings, strategies as st
from torch import nn
from mmworkbench.core import dummy_batch, validate_batch, get_task
from mmworkbench.model import create_model
from mmworkbench.layers import Attention, capture_attention

@settings(max_examples=25, deadline=None)
@given(B=st.integers(1, 3), Lq=st.integers(1, 9), Lk=st.integers(1, 9), heads=st.sampled_from([1, 2, 4]),
       cross=st.booleans(), seed=st.integers(0, 1000))
def test_capture_matches_sdpa_and_rows_sum_to_one(B, Lq, Lk, heads, cross, seed):
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    att = Attention(8, heads, cross=cross).eval()
    x = torch.randn(B, Lq, 8, generator=g)
    ctx = torch.randn(B, Lk, 8, generator=g) if cross else None
    L = Lk if cross else Lq
    km = torch.rand(B, L, generator=g) > 0.3
    with torch.no_grad():
        fast = att(x, context=ctx, key_mask=km)
        with capture_attention(att) as maps: slow = att(x, context=ctx, key_mask=km)
    assert torch.allclose(fast, slow, atol=1e-5)
    w = maps[""].weights
    live = km.any(-1)
    rows = w.sum(-1)   # (B, H, Lq)
    assert torch.allclose(rows[live], torch.ones_like(rows[live]), atol=1e-5)
    assert (rows[~live] == 0).all()
    assert (w.masked_select(~km[:, None, None, :].expand_as(w)) == 0).all()
    assert att._capture is None

@settings(max_examples=10, deadline=None)
@given(method=st.sampled_from(["late", "concat"]), B=st.integers(1, 5),
       present=st.lists(st.booleans(), min_size=3, max_size=3), seed=st.integers(0, 100))
def test_random_presence_gives_finite_outputs(method, B, present, seed):
    m = create_model(method, "toy", seed=0).eval()
    b = dummy_batch("toy", B, seed=seed)
    g = torch.Generator().manual_seed(seed)
    b["present"] = {k: (torch.rand(B, generator=g) > 0.5) | p for k, p in zip(b["present"], map(bool, present))}
    with torch.no_grad(): out = m(b)
    assert torch.isfinite(out.logits).all()

def test_bad_batches_name_the_input():
    spec = get_task("toy")
    b = dummy_batch("toy"); b["audio"] = b["audio"][:, :5]
    with pytest.raises(ValueError, match=r"batch\['audio'\]"): validate_batch(b, spec)
    b = dummy_batch("toy"); b["present"]["image"] = b["present"]["image"].float()
    with pytest.raises(ValueError, match="bool"): validate_batch(b, spec)
    with pytest.raises(KeyError, match="has none of"): validate_batch({"pixels": torch.zeros(2, 3)}, spec)

def test_import_all_in_a_fresh_process():
    r = subprocess.run([sys.executable, "-c", "import mmworkbench.all as a; print(len(a.__all__))"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout.strip().splitlines()[-1]) > 20


def test_registry_refuses_a_name_from_another_module_and_records_the_module():
    import types
    from mmworkbench.core import Fusion, register_fusion, _FUSIONS
    from mmworkbench.model import fusion_entry
    assert fusion_entry("late").module == "mmworkbench.methods.late"
    other = types.ModuleType("someone.elses")
    exec("from mmworkbench.core import Fusion\nclass LateFusion(Fusion): 'a clash'", other.__dict__)
    with pytest.raises(ValueError, match=r"'late' is taken by mmworkbench.methods.late.LateFusion; someone.elses.LateFusion"):
        register_fusion("late")(other.LateFusion)
    assert fusion_entry("late").cls.__module__ == "mmworkbench.methods.late"
    assert not hasattr(fusion_entry("late").cls, "registry_name")
