"""The docs site: build a fast subset (index + a method notebook, executed) and open it in a real headless Chromium
with every non-local request blocked; every page loads with no missing file and every <img> resolves, also when a
notebook of the build calls the builder itself with a bad name (as nb99 does). Screenshots go to test-artifacts/."""
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
import nbformat, pytest
from mmworkbench.docs import build_docs, external_resources

ROOT = Path(__file__).resolve().parents[1]
METHOD = "09_methods.late"


def _figure_notebook(path: Path) -> Path:
    "A tiny notebook with one matplotlib figure, so the gallery and figure pipeline are exercised whatever 09 shows."
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Figure check\n\n> A page with one figure: $y = x^2$, `mmwb demo|docs` and\n"
                                      "> a claim on two lines.\n\nAsk \"what color is the <shape>?\""),
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nimport numpy as np\nx = np.linspace(-1, 1, 50)\n"
                                  "plt.figure(figsize=(3, 2)); plt.plot(x, x**2); plt.title('y = x^2'); plt.show()")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _nested_build_notebook(path: Path, out: Path, build: Path) -> Path:
    "A last notebook that calls the builder with a bad name into the same folders, as nb99 does during `mmwb docs`."
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Nested build\n\n> The builder refuses a bad name and touches nothing."),
        nbformat.v4.new_code_cell("from mmworkbench.docs import build_docs\n"
                                  f"try: build_docs(out={str(out)!r}, build_dir={str(build)!r},\n"
                                  "                 notebooks=['no_such'])\n"
                                  "except FileNotFoundError as e: print('refused:', str(e)[:40])")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("docs")
    fig_nb = _figure_notebook(tmp / "98_figure_check.ipynb")
    nested = _nested_build_notebook(tmp / "99_nested_build.ipynb", tmp / "site", tmp / "build")
    # the method, figure and nested notebooks run in fresh kernels; the index renders its stored cells
    res = build_docs(out=tmp / "site", notebooks=["index", METHOD, fig_nb, nested],
                     execute=[METHOD, fig_nb.stem, nested.stem], build_dir=tmp / "build", run_flags=set())
    return res


class _Refs(HTMLParser):
    "Every src= and href= of a page."
    def __init__(self):
        super().__init__(); self.refs = []
    def handle_starttag(self, tag, attrs):
        self.refs += [(tag, v) for k, v in attrs if k in ("src", "href") and v]


def missing_files(site_dir: Path) -> list[str]:
    "`page: ref` for each local src/href of the site's pages that names no file (fragments, queries, URLs aside)."
    bad = []
    for page in site_dir.rglob("*.html"):
        p = _Refs(); p.feed(page.read_text())
        for tag, ref in p.refs:
            u = urlsplit(ref)
            if u.scheme or u.netloc or not u.path: continue           # remote links (only followed when clicked), #x
            base = site_dir if u.path.startswith("/") else page.parent     # 404.html links from the site root
            target = (base / unquote(u.path).lstrip("/")).resolve()
            if target.is_dir(): target = target / "index.html"
            if not target.exists(): bad.append(f"{page.relative_to(site_dir)}: <{tag}> {ref}")
    return bad


def test_site_files(site):
    names = {p.stem: p for p in site.pages}
    assert list(names) == ["index", METHOD, "98_figure_check", "99_nested_build"]
    assert "refused:" in (site.site / "99_nested_build.html").read_text()
    assert missing_files(site.site) == []                  # every <img>, stylesheet, script and page link resolves
    figs = [f for p in site.pages for f in p.figures]
    assert figs and all((site.site / f).exists() for f in figs)   # the nested bad-name build deleted none of them
    index = (site.site / "index.html").read_text()
    assert "demo|docs" in index and "&amp;#124;" not in index and "two lines" in index   # table cell: pipe, whole claim
    assert "&lt;shape&gt;" in (site.site / "98_figure_check.html").read_text()           # a placeholder stays visible
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
        failed = []
        page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.url} ({r.status})"))
        for html_file in sorted(site.site.glob("*.html")):                 # every page: no 404, every image drawn
            if html_file.name == "404.html": continue
            page.goto(html_file.as_uri(), wait_until="load")
            widths = page.eval_on_selector_all("img", "els => els.map(e => e.complete ? e.naturalWidth : 0)")
            assert all(w > 0 for w in widths), f"{html_file.name}: an image did not load: {widths}"
            text = page.locator("article").inner_text()
            assert "&#124;" not in text and "&lt;" not in text, f"{html_file.name}: an entity shows as text"
        assert not failed, f"missing files: {failed}"
        page.goto((site.site / "98_figure_check.html").as_uri(), wait_until="load")
        assert 'what color is the <shape>?' in page.locator("article").inner_text()      # placeholder visible
        page.goto((site.site / "index.html").as_uri(), wait_until="load")
        assert "mmwb demo|docs" in page.locator("article table").inner_text()           # a pipe in code, in the table

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
