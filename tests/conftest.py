import os, pathlib, re, shutil
from contextlib import contextmanager
import pytest

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


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL = re.compile(r"^(file:|data:|blob:|about:|https?://(127\.0\.0\.1|localhost)(:\d+)?/)")


class OfflineBrowser:
    "A launched Chromium whose pages refuse every non-local request; `blocked`, `attempted` and `errors` collect what happened."
    def __init__(self, browser):
        self.browser, self.blocked, self.attempted, self.errors = browser, [], [], []

    def _guard(self, route):
        if LOCAL.match(route.request.url): return route.continue_()
        self.blocked.append(route.request.url); return route.abort()

    @staticmethod
    def is_local(url: str) -> bool: return bool(LOCAL.match(url))

    def page(self, width: int = 1280, height: int = 900):
        ctx = self.browser.new_context(viewport={"width": width, "height": height}, service_workers="block")
        ctx.route("**/*", self._guard)
        page = ctx.new_page()
        page.on("request", lambda r: self.attempted.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        return page


@pytest.fixture
def offline_chromium():
    "A context-manager factory: `with offline_chromium() as b: page = b.page()` (Debian chromium driven by pip playwright)."
    exe = shutil.which("chromium")
    if exe is None: pytest.skip("Debian chromium is not installed (apt-get install chromium); `bash scripts/dev test` installs it")

    @contextmanager
    def launch():
        from playwright.sync_api import sync_playwright
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            try: yield OfflineBrowser(browser)
            finally: browser.close()
    return launch
