"Look inside every registered method with no per-method code: every viz/gap/attrib figure kind renders, IG is complete."
import io
import pytest, torch
from matplotlib.figure import Figure
from mmworkbench.core import dummy_batch
from mmworkbench.model import list_fusions, fusion_entry, create_model
from mmworkbench import viz, gap, attrib

@pytest.fixture(autouse=True, scope="module")
def one_thread():
    "Tiny tensors: one intra-op thread avoids thread-pool overhead on a shared machine (restored afterwards)."
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

def _model(method):
    task = fusion_entry(method).contract_task
    return create_model(method, task, "tiny", seed=0).eval(), task

def _render(fig):
    assert isinstance(fig, Figure)
    fig.savefig(io.BytesIO(), format="png", dpi=30)

@pytest.mark.parametrize("method", list_fusions())
def test_viz_figures(method):
    model, task = _model(method)
    batch = dummy_batch(task, 2)
    with torch.no_grad(): fast, out = model(batch), model(batch, capture="all")
    if fast.logits is not None: assert torch.allclose(fast.logits, out.logits, atol=1e-5)
    if not out.attn:   # a fusion with no attention layer (CMX's convolutional stages) records none, and says so
        with pytest.raises(ValueError, match="no attention maps"): viz.figures(out, batch)
        return
    figs = viz.figures(out, batch, max_layers=1, max_heads=1)
    assert {"grid", "head_average", "blocks", "mass", "aux"} <= set(figs)
    for f in figs.values(): _render(f)
    for m, pts in viz.cross_modal_mass(out).items(): assert all(0 <= v <= 1 + 1e-6 for _, v in pts), m

@pytest.mark.parametrize("method", list_fusions())
def test_gap_figures(method):
    model, task = _model(method)
    emb = gap.collect_embeddings(model, (dummy_batch(task, 8, seed=s) for s in range(3)), max_n=20)
    assert all(v.shape[0] == 20 for v in emb.values())
    rep = gap.gap_report(emb)
    assert 0 <= rep["centroid_gap"] <= 2 and 0 <= rep["modality_acc"] <= 1
    x, y = list(emb.values())[:2]
    c = gap.gap_shift_curve(x, y, lambdas=(0.0, 1.0))
    assert c["gap"][1] < c["gap"][0] + 1e-6
    for f in (gap.pca_scatter(emb), gap.cosine_histograms(emb), gap.plot_gap_shift(c)): _render(f)

@pytest.mark.parametrize("method", list_fusions())
def test_attrib_figures(method):
    model, task = _model(method)
    batch = dummy_batch(task, 2)
    if model.task.head == "reconstruct": pytest.skip("a reconstruction head has no scalar output for IG to explain")
    seg = model.task.head == "segment"        # conv rectification curves more: a finer path (nb06 measures it)
    ig = attrib.integrated_gradients(model, batch, n_steps=256 if seg else 8, internal_batch_size=64 if seg else 16)
    assert set(ig.attr) == set(model.modalities)
    assert float(ig.rel_delta().max()) < 0.05, f"IG completeness off by {float(ig.rel_delta().max()):.2e}"
    abl = attrib.modality_ablation(model, batch, modes=("absent", "shuffle"))
    assert set(abl["absent"]) == set(model.modalities)
    sv = attrib.modality_shapley(model, batch, n_samples=2)
    for f in (attrib.plot_attribution(ig, batch), attrib.plot_ablation(abl), attrib.plot_shares(sv, "shapley")): _render(f)

def test_capped_axes_on_a_big_stack():
    segs = [viz.Segment("text", 0, 40), viz.Segment("image", 40, 140, grid=(10, 10))]
    maps = {f"l{l}": viz.AttnMap(torch.rand(1, 12, 140, 140).softmax(-1), segs, segs, f"l{l}", l) for l in range(12)}
    assert len(viz.attn_grid(maps, max_layers=3, max_heads=2).axes) == 3 * 3
    assert len(viz.head_average(maps, max_layers=4).axes) == 4

def test_errors_name_the_fix():
    with pytest.raises(ValueError, match="capture="): viz.ordered_maps({})
    with pytest.raises(ValueError, match="2\\+ samples"):
        attrib.integrated_gradients(create_model("late", "toy", seed=0), dummy_batch("toy", 1))
    with pytest.raises(ValueError, match="use 'pca'"): gap.project_2d({"a": torch.randn(4, 3), "b": torch.randn(4, 3)}, "tsne")

@pytest.mark.parametrize("method", list_fusions()[:1] + (["cross_attn"] if "cross_attn" in list_fusions() else []))
def test_explorer_rerenders_on_change(method):
    from mmworkbench.explore import explore
    model, task = _model(method)
    ex = explore(model, dummy_batch(task, 2))
    n = ex.n_renders
    ex.head.value = ex.head.options[-1][1]
    assert ex.n_renders == n + 1
    ex.on_change({"owner": ex.layer, "new": ex.layer.value})
    assert ex.n_renders == n + 2 and set(ex.figs) == {"map", "token", "blocks"}
    for f in ex.figs.values(): _render(f)
