"""The demo in a real headless Chromium (Debian's `chromium`, driven by pip playwright) with every non-loopback request
blocked: the page loads, a typed question is answered, the answer label and the attention overlay <img> appear.
A screenshot goes to test-artifacts/demo.png."""
import re, socket
from mmworkbench.model import create_model
from mmworkbench.data import ANSWERS
from mmworkbench.demo import make_demo, close_demos


def test_demo_in_chromium(artifacts, offline_chromium):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    demo = make_demo({"early": create_model("early", "vqa", "tiny", seed=0), "concat": create_model("concat", "vqa", "tiny", seed=0)})
    _, url, _ = demo.launch(server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        with offline_chromium() as browser:
            page = browser.page(1400, 1000)
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
            assert src and browser.is_local(src), src
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
            assert not browser.errors, f"JavaScript errors: {browser.errors}"
            # the UI above worked with every non-local request refused; list them so a new CDN dependency shows in the log
            print("blocked non-local requests:", browser.blocked)
    finally:
        demo.close(); close_demos(port)
