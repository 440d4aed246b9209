"""JupyterLab as a user runs it: a real headless Chromium (every non-loopback request refused) opens a notebook in
JupyterLab started on 127.0.0.1 with a token and a plain "Python 3" kernel (no --matplotlib, no MPLBACKEND), runs
Run → Run All Cells, and finds every figure drawn as an <img>; changing the explorer's layer dropdown redraws its
figures. A screenshot goes to test-artifacts/lab.png."""
import os, secrets, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import nbformat, pytest

ROOT = Path(__file__).resolve().parents[1]
CELLS = [
    "import mmworkbench, torch\nfrom mmworkbench.core import dummy_batch\nfrom mmworkbench.model import create_model\n"
    "from mmworkbench.viz import attn_grid\nfrom mmworkbench.explore import explore\n"
    "model = create_model('early', 'toy', seed=0).eval()\nbatch = dummy_batch('toy', 2)\n"
    "with torch.no_grad(): out = model(batch, capture='all')",
    "attn_grid(out, max_layers=2, max_heads=2)     # a Figure built without pyplot, returned by the cell",
    "ex = explore(model, batch)\nex",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    pytest.importorskip("jupyterlab", reason="jupyterlab is not installed (pip install jupyterlab; "
                        "`bash scripts/dev test` installs it from settings.ini's dev requirements)")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, tmp_path / "figures.ipynb")
    port, token = _free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}       # a user's kernel: no backend chosen
    env.update(PYTHONPATH=str(ROOT), JUPYTER_CONFIG_DIR=str(tmp_path / "cfg"), JUPYTER_DATA_DIR=str(tmp_path / "data"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "ws"))
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")     # the venv's python3 kernel and extensions
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}", "--ServerApp.port_retries=0",
           "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0: cmd.append("--allow-root")                        # CI containers run as root
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try: urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2); break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text()[-3000:])
                time.sleep(0.3)
        yield f"{base}/lab/tree/figures.ipynb?token={token}"
    finally:
        proc.terminate()
        try: proc.wait(10)
        except subprocess.TimeoutExpired: proc.kill()
        log.close()


def test_run_all_draws_figures_and_the_explorer_redraws(lab, artifacts, offline_chromium):
    with offline_chromium() as browser:
        page = browser.page(1500, 1000)
        # a loaded 2-core CI machine: kernel start + torch import take most of it
        page.set_default_timeout(int(os.environ.get("MMWB_LAB_TIMEOUT_MS", 90_000)))
        page.goto(lab, wait_until="load")
        page.wait_for_selector(".jp-Notebook .jp-Cell")
        dialog = page.locator(".jp-Dialog .jp-mod-accept")          # "Select Kernel": take the proposed Python 3
        try: dialog.wait_for(timeout=20_000); dialog.click()
        except Exception: pass                                       # no dialog: the kernel starts by itself
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-content .lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        cells = page.locator(".jp-Notebook .jp-CodeCell")
        explorer = page.locator(".mmwb-explorer .widget-output img")
        try: explorer.nth(2).wait_for()                   # Run All finished: the explorer drew its three figures
        except Exception:
            page.screenshot(path=str(artifacts / "lab-failure.png"), full_page=True)
            raise AssertionError("the explorer drew no figures after Run All; outputs:\n" +
                                 page.locator(".jp-Notebook").inner_text()[-3000:]) from None
        fig = cells.nth(1).locator(".jp-OutputArea-output img")
        assert fig.count() == 1 and "<Figure size" not in cells.nth(1).inner_text()
        loaded = "els => els.every(e => e.complete && e.naturalWidth > 0 && e.src.startsWith('data:image/png'))"
        assert page.eval_on_selector_all(".jp-OutputArea-output img", loaded)
        before = explorer.evaluate_all("els => els.map(e => e.src)")
        select = page.locator(".mmwb-explorer .widget-dropdown select").first   # the layer dropdown
        options = select.locator("option").all_inner_texts()
        assert len(options) >= 2 and "→" in options[0], options             # layers named by what queries what
        select.select_option(index=0)
        redrawn = ("([sel, old]) => { const i = [...document.querySelectorAll(sel)]; return i.length === old.length"
                   " && i.every((e, k) => e.src !== old[k] && e.naturalWidth > 0); }")
        page.wait_for_function(redrawn, arg=[".mmwb-explorer .widget-output img", before])   # all three redrawn
        assert explorer.count() == 3
        page.locator(".mmwb-explorer").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "lab.png"))
        print("page errors:", browser.errors)
        assert not [e for e in browser.errors if "widget" in e.lower()], browser.errors
    assert all(map(browser.is_local, browser.attempted)), [u for u in browser.attempted if not browser.is_local(u)]
