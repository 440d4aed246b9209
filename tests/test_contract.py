"The conformance contract over the whole registry: a new method is tested with no new test code."
import pytest, torch
from mmworkbench.model import list_fusions, fusion_entry, create_model, check_fusion

@pytest.mark.parametrize("method", list_fusions())
def test_contract(method):
    e = fusion_entry(method)
    report = check_fusion(create_model(method, e.contract_task, "tiny", seed=0))
    assert report["ok"] and report["missing_subsets"] >= 1

def test_registry_is_not_empty():
    assert {"late", "concat"} <= set(list_fusions())

def test_unknown_names_list_the_valid_ones():
    with pytest.raises(KeyError, match="registered methods"): create_model("nope")
    with pytest.raises(KeyError, match="registered tasks"): create_model("late", "nope")
    with pytest.raises(TypeError, match="its fields are"): create_model("late", "toy", widht=3)
