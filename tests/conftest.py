import os, pathlib, pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"

@pytest.fixture(scope="session")
def artifacts():
    "Folder for files a test leaves for people to look at (screenshots, figures)."
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

def pytest_collection_modifyitems(config, items):
    import torch
    if torch.cuda.is_available(): return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for it in items:
        if "gpu" in it.keywords: it.add_marker(skip)
