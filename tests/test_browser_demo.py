"""The demo in a real headless Chromium (Debian's `chromium`, driven by pip playwright) with every non-loopback request
blocked: the page loads, a typed question is answered, the answer label and the attention overlay <img> appear.
A screenshot goes to test-artifacts/demo.png."""
import re, shutil, socket
import pytest
from mmworkbench.core import create_model
from mmworkbench.data import ANSWERS
from mmworkbench.demo import make_demo, close_demos

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL = re.compile(r"^(data:|blob:|about:|https?://(127\.0\.0\.1|localhost)(:\d+)?/)")


def test_demo_in_chromium(artifacts):
    exe = shutil.which("chromium")
    if exe is None: pytest.skip("Debian chromium is not installed (apt-get install chromium); `bash scripts/dev test` installs it")
    from playwright.sync_api import sync_playwright
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    demo = make_demo({"early": create_model("early", "vqa", "tiny", seed=0), "concat": create_model("concat", "vqa", "tiny", seed=0)})
    _, url, _ = demo.launch(server_port=port, prevent_thread_lock=True, quiet=True)
    blocked, errors = [], []

    def guard(route):
        if LOCAL.match(route.request.url): return route.continue_()
        blocked.append(route.request.url); return route.abort()

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            try:
                ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, service_workers="block")
                ctx.route("**/*", guard)
                page = ctx.new_page()
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.set_default_timeout(120_000)          # a loaded 2-core CI machine can be slow
                page.goto(url, wait_until="load")
                box = page.locator("#question textarea, #question input").first
                box.wait_for()
                # the page fills in the scene's question on load; ask our own
                page.wait_for_function("() => { const e = document.querySelector('#question textarea, #question input'); return e && e.value.endsWith('?'); }")
                img_ready = "([sel, old]) => { const i = document.querySelector(sel + ' img'); return i && i.complete && i.naturalWidth > 100 && i.src !== old; }"
                page.wait_for_function(img_ready, arg=["#attention", ""])          # the load chain drew the first overlay
                old = page.locator("#attention img").get_attribute("src")
                box.fill("what color is the circle?")
                page.locator("#ask").click()
                page.wait_for_function("() => (document.querySelector('#prediction')?.innerText || '').includes('what color is the circle?')")
                answer = page.locator("#answer").inner_text()
                assert any(a in answer.split() for a in ANSWERS), answer
                assert "%" in answer                                          # the confidences are drawn
                page.wait_for_function(img_ready, arg=["#attention", old])        # the overlay for *this* question
                src = page.locator("#attention img").get_attribute("src")
                assert src and LOCAL.match(src), src
                assert page.locator("#scene-image img").count() == 1
                page.locator("#attr-btn").click(); page.locator("#gap-btn").click()
                page.wait_for_function(img_ready, arg=["#attribution", ""]); page.wait_for_function(img_ready, arg=["#gap", ""])
                assert "image" in page.locator("#shares").inner_text()
                page.wait_for_timeout(500)
                page.screenshot(path=str(artifacts / "demo.png"), full_page=True)
                # a bad question shows the error in the page, and the next good one is still answered
                box.fill("is there a purple unicorn?")
                page.locator("#ask").click()
                page.get_by_text(re.compile("unknown word")).first.wait_for()
                page.screenshot(path=str(artifacts / "demo-error.png"))
                box.fill("is there a red circle?")
                page.locator("#ask").click()
                page.wait_for_function("() => (document.querySelector('#prediction')?.innerText || '').includes('is there a red circle?')")
                assert not errors, f"JavaScript errors: {errors}"
            finally: browser.close()
    finally:
        demo.close(); close_demos(port)
    # the UI above worked with every non-local request refused; list them so a new CDN dependency shows in the log
    print("blocked non-local requests:", blocked)
