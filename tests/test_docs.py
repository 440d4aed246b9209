"""The docs site: build a fast subset (index + a method notebook, executed) and open it in a real headless Chromium
with every non-local request blocked. Screenshots go to test-artifacts/."""
import re
from pathlib import Path
import nbformat, pytest
from mmworkbench.docs import build_docs, external_resources

ROOT = Path(__file__).resolve().parents[1]
METHOD = "09_methods.late"


def _figure_notebook(path: Path) -> Path:
    "A tiny notebook with one matplotlib figure, so the gallery and figure pipeline are exercised whatever 09 shows."
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Figure check\n\n> A page with one figure: $y = x^2$."),
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nimport numpy as np\nx = np.linspace(-1, 1, 50)\n"
                                  "plt.figure(figsize=(3, 2)); plt.plot(x, x**2); plt.title('y = x^2'); plt.show()")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("docs")
    fig_nb = _figure_notebook(tmp / "98_figure_check.ipynb")
    # the method notebook and the figure notebook run in fresh kernels; the index renders its stored cells
    res = build_docs(out=tmp / "site", notebooks=["index", METHOD, fig_nb], execute=[METHOD, fig_nb.stem],
                     build_dir=tmp / "build", run_flags=set())
    return res


def test_site_files(site):
    names = {p.stem: p for p in site.pages}
    assert list(names) == ["index", METHOD, "98_figure_check"]
    for p in site.pages: assert (site.site / p.html).exists(), p.html
    assert len(names["98_figure_check"].figures) == 1
    method_html = (site.site / f"{METHOD}.html").read_text()
    assert "LateFusion" in method_html and "ConcatFusion" in method_html      # show_doc API sections
    assert "#| export" not in method_html and "fastcore.test" not in method_html  # nbdev directives honoured
    assert (site.site / "search" / "search_index.js").exists()                 # offline search index
    assert external_resources(site.site) == {}
    # beyond resource tags: no script, stylesheet or image anywhere points off-machine
    for f in site.site.rglob("*.html"):
        txt = f.read_text()
        assert not re.search(r"""<(script|img|iframe|source|video|audio)\b[^>]*\bsrc=["']?(https?:)?//""", txt), f
        assert not re.search(r"""<link\b[^>]*\bhref=["']?(https?:)?//""", txt), f


def test_pages_in_chromium(site, artifacts, offline_chromium):
    with offline_chromium() as browser:
        page = browser.page(1280, 900)

        def check(html_name, min_imgs):
            page.goto((site.site / html_name).as_uri(), wait_until="load")
            page.wait_for_selector("article h1")
            assert page.locator("nav.md-nav--primary").count() >= 1, f"{html_name}: no navigation sidebar"
            assert page.locator("input.md-search__input").count() == 1, f"{html_name}: no search box"
            imgs = page.locator("article img")
            assert imgs.count() >= min_imgs, f"{html_name}: {imgs.count()} figures, expected {min_imgs}"
            widths = page.eval_on_selector_all("article img", "els => els.map(e => e.complete ? e.naturalWidth : 0)")
            assert all(w > 0 for w in widths), f"{html_name}: a figure did not load: {widths}"
            return page.locator("article h1").first.inner_text()

        title = check("index.html", min_imgs=1)                     # the gallery shows the figure page's plot
        assert "mmworkbench" in title
        nav = page.locator("nav.md-nav--primary").inner_text()
        assert nav.index("Late fusion") < nav.index("Figure check")  # sidebar in numeric order
        page.screenshot(path=str(artifacts / "docs-index.png"), full_page=True)
        method = next(p for p in site.pages if p.stem == METHOD)
        assert "Late fusion" in check(f"{METHOD}.html", min_imgs=len(method.figures))
        assert page.locator("article h3#latefusion").count() == 1     # API section anchor from show_doc
        # offline search (lunr index inlined by the offline plugin, worker shim vendored)
        page.locator("input.md-search__input").click()             # the index loads when the box gets focus
        page.wait_for_function("() => !/Initializing/i.test(document.querySelector('.md-search-result__meta')?.textContent || 'Initializing')",
                               timeout=20_000)
        page.keyboard.type("ConcatFusion", delay=20)
        page.wait_for_selector(".md-search-result__item", timeout=20_000)
        assert METHOD in page.locator(".md-search-result__item a").first.get_attribute("href")
        page.screenshot(path=str(artifacts / "docs-method-search.png"))
        page.keyboard.press("Escape")
        check("98_figure_check.html", min_imgs=1)
        assert page.locator("article math").count() >= 1            # server-side MathML, no MathJax
        page.goto((site.site / f"{METHOD}.html").as_uri(), wait_until="load")
        page.screenshot(path=str(artifacts / "docs-method.png"), full_page=True)
        assert not browser.errors, f"JavaScript errors: {browser.errors}"
    assert not browser.blocked, f"pages tried to reach the network: {browser.blocked}"
    assert all(map(browser.is_local, browser.attempted)), [u for u in browser.attempted if not browser.is_local(u)]
