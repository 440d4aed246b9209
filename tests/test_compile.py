"""No graph breaks in any method's train step (DESIGN §10, issue 28): `torch._dynamo.explain` traces forward, loss and
backward of every registered method at `tiny` on CPU as one graph. A break splits the compiled step on a GPU (a host
sync, a Python-side branch on tensor values, an unsupported op) and costs the fused kernels their reach.

`Tensor.backward()` is traced with `torch._dynamo.config.trace_autograd_ops`, so the backward is inside the graph
being checked; the captured graph, run (`fullgraph=True`), must give the eager step's loss and gradients, so what was
checked is the real step."""
import pytest
import torch
from mmworkbench.core import dummy_batch
from mmworkbench.model import create_model, fusion_entry, list_fusions


def _batch(model) -> dict:
    """The contract batch with one modality missing in half the samples (training batches have holes), plus every
    extra input the fusion reads (`text_neg`: hard-negative captions, here the captions of other samples)."""
    b = dummy_batch(model.task, 4)
    m = sorted(b["present"])[0]
    b["present"][m] = torch.tensor([True, False, True, False])
    for k in model.fusion.extra_inputs:
        if k.startswith("visible_"): continue      # optional: MultiMAE draws its own visible tokens without them
        base = k.removesuffix("_neg")
        if base not in b: raise KeyError(f"test_compile: no rule builds extra input {k!r}; add one to _batch")
        b[k] = b[base].roll(1, 0)
    return b


# Known breaks, each with its cause; strict, so a fix shows up as XPASS and the entry must go.
KNOWN_BREAKS = {}

@pytest.mark.slow   # 11-50 s per method on the shared 2-core machine (two traces each)
@pytest.mark.parametrize("method", [pytest.param(m, marks=pytest.mark.xfail(reason=KNOWN_BREAKS[m], strict=True))
                                    if m in KNOWN_BREAKS else m for m in list_fusions()])
def test_train_step_has_no_graph_breaks(method):
    task = fusion_entry(method).contract_task
    model = create_model(method, task, "tiny", seed=0, dropout=0.0); b = _batch(model)   # seeded runs: same random draws
    def step(batch):
        loss = model.loss(model(batch), batch)
        loss.backward()
        return loss.detach()
    torch.manual_seed(0); eager = step(b); grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    model.zero_grad(set_to_none=True)
    torch._dynamo.reset()
    with torch._dynamo.config.patch(trace_autograd_ops=True):
        ex = torch._dynamo.explain(step)(b)
    reasons = [f"{r.reason.splitlines()[0]} at {r.user_stack[-1] if r.user_stack else '?'}" for r in ex.break_reasons]
    assert ex.graph_break_count == 0 and ex.graph_count == 1, \
        f"{method}: {ex.graph_count} graphs, {ex.graph_break_count} breaks: {reasons}"
    model.zero_grad(set_to_none=True)   # explain ran the step once; now run the captured graph itself
    with torch._dynamo.config.patch(trace_autograd_ops=True):
        torch.manual_seed(0); traced = torch.compile(step, backend="eager", fullgraph=True)(b)
    assert torch.allclose(traced, eager, atol=1e-6), f"{method}: traced loss {float(traced):.6f} != {float(eager):.6f}"
    got = {n: p.grad for n, p in model.named_parameters() if p.grad is not None}
    assert got.keys() == grads.keys(), f"{method}: gradients reach {sorted(set(got) ^ set(grads))} in one path only"
    for n in grads:
        assert torch.allclose(got[n], grads[n], atol=1e-6, rtol=1e-5), f"{method}: gradient of {n} differs"
