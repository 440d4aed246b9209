"""The balance callbacks (nbs/20_analysis.imbalance.ipynb) are reusable by any method through the Learner: one training
step with each of them runs, gives a finite loss and changes the weights, for every registered method that trains on
the `toy` classification task."""
import math
import pytest
import torch
from mmworkbench.balance import GradModulation, GradNorms, MarginTerm, UnimodalTerms, branch_parameters
from mmworkbench.core import dummy_batch
from mmworkbench.learner import Learner
from mmworkbench.model import create_model, fusion_entry, list_fusions


def _toy_methods():
    out = []
    for m in list_fusions():
        tasks = fusion_entry(m).tasks
        if tasks is None or "toy" in tasks or "classify" in tasks: out.append(m)
    return out


@pytest.mark.parametrize("method", _toy_methods())
@pytest.mark.parametrize("make", [lambda: UnimodalTerms(0.5), lambda: GradModulation(0.5), lambda: MarginTerm(0.5)],
                         ids=["unimodal_terms", "grad_modulation", "margin_term"])
def test_callback_trains_any_method(method, make):
    torch.manual_seed(0)
    model, b = create_model(method, "toy", seed=0), dummy_batch("toy")
    before = [p.detach().clone() for p in model.parameters()]
    norms = GradNorms()
    loss = float(Learner(model, [b], progress=False, cbs=[make(), norms]).train_step(b))
    assert math.isfinite(loss)
    assert any(not torch.equal(p, q) for p, q in zip(before, model.parameters()))
    assert set(norms.rows[0]) == {"step", *model.modalities}
    assert all(branch_parameters(model, m) for m in model.modalities)
