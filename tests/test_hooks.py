"""`scripts/pre-commit` (installed by `bash scripts/dev setup`): a notebook staged with outputs (as JupyterLab
autosaves it) is committed clean, the working copy keeps its outputs, and the committed file passes `scripts/dev
test`'s nbdev_clean gate unchanged."""
import json, shutil, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _git(repo, *args):
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path):
    if shutil.which("git") is None: pytest.skip("git is not installed")
    r = tmp_path / "repo"; (r / "nbs").mkdir(parents=True)
    shutil.copy(ROOT / "settings.ini", r / "settings.ini")      # nbdev_clean reads its options from here
    _git(r, "init", "-q"); _git(r, "config", "user.email", "t@example.invalid"); _git(r, "config", "user.name", "t")
    hook = r / ".git" / "hooks" / "pre-commit"
    shutil.copy(ROOT / "scripts" / "pre-commit", hook); hook.chmod(0o755)
    return r


def _dirty_notebook(path: Path):
    out = {"output_type": "stream", "name": "stdout", "text": ["hi\n"]}
    nb = {"cells": [{"cell_type": "code", "execution_count": 7, "id": "a1", "metadata": {"scrolled": True},
                     "outputs": [out], "source": ["print('hi')"]}],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                       "language_info": {"name": "python", "version": "3.11.2"}, "widgets": {"state": {}}},
          "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))


def _commit(repo):
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(repo)}   # the venv's nbdev_clean
    return subprocess.run(["git", "commit", "-qm", "add"], cwd=repo, capture_output=True, text=True, env=env)


def test_commit_cleans_notebooks(repo):
    nb = repo / "nbs" / "x.ipynb"; _dirty_notebook(nb)
    _git(repo, "add", "."); p = _commit(repo)
    assert p.returncode == 0, p.stderr
    committed = _git(repo, "show", "HEAD:nbs/x.ipynb")
    cell = json.loads(committed)["cells"][0]
    assert cell["outputs"] == [] and cell["execution_count"] is None and cell["metadata"] == {}
    assert "language_info" not in json.loads(committed)["metadata"]
    assert "hi" in json.loads(nb.read_text())["cells"][0]["outputs"][0]["text"][0]   # the working copy keeps outputs
    # what CI checks out passes the gate: nbdev_clean leaves the committed notebook byte for byte
    nb.write_text(committed)
    subprocess.run([str(Path(sys.executable).parent / "nbdev_clean"), "--fname", str(nb)], cwd=repo, check=True)
    assert nb.read_text() == committed
