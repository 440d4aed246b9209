"""The demo in a real headless Chromium (Debian's `chromium`, driven by pip playwright) with every non-loopback request
blocked, at 1400x1000: the page loads with every panel drawn and the point above the fold; a typed question is
answered; "New scene" and a method switch each redraw every panel (no panel left describing another input); a seed
out of range gets a message beside the seed while the scene stays, and the next good request is answered.
Screenshots go to test-artifacts/demo*.png."""
import socket
from mmworkbench.model import create_model
from mmworkbench.demo import make_demo, close_demos

IMG = "([sel, old]) => { const i = document.querySelector(sel + ' img'); return i && i.complete && i.naturalWidth > 50 && i.src !== old; }"
TEXT = "([sel, old]) => { const e = document.querySelector(sel); const t = e ? e.innerText.trim() : ''; return t.length > 0 && t !== old; }"
IMAGES = ["#scene-image", "#attention", "#attribution", "#gap"]
TEXTS = ["#answer", "#prediction", "#scene-md", "#shares", "#gap-md", "#model-info"]


def snapshot(page) -> dict:
    out = {s: page.locator(f"{s} img").first.get_attribute("src") for s in IMAGES}
    out.update({s: page.locator(s).inner_text().strip() for s in TEXTS})
    return out


def wait_changed(page, before: dict, panels):
    "Wait until each of `panels` shows something other than in `before` (images: a new src; text: new text)."
    for s in panels:
        page.wait_for_function(IMG if s in IMAGES else TEXT, arg=[s, before.get(s) or ""])


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
            wait_changed(page, {}, IMAGES + TEXTS)     # the load chain draws every panel
            page.wait_for_function("() => (document.querySelector('#question textarea, #question input')?.value || '').endsWith('?')")
            for sel in ["#scene-image", "#question", "#answer", "#attention"]:      # the point, above the fold
                b = page.locator(sel).bounding_box()
                assert b and b["y"] + min(b["height"], 200) <= 1000, (sel, b)
            page.screenshot(path=str(artifacts / "demo.png"))

            # ask our own question: the answer, the overlay and the attribution follow it
            before = snapshot(page)
            box.fill("what color is the circle?")
            page.locator("#ask").click()
            page.wait_for_function("() => (document.querySelector('#prediction')?.innerText || '').includes('what color is the circle?')")
            wait_changed(page, before, ["#attention", "#attribution"])
            answer = page.locator("#answer").inner_text()
            assert "%" in answer and any(c in answer for c in ["red", "green", "blue", "yellow", "purple", "cyan", "orange", "white"]), answer

            # New scene: every panel that describes the scene or the answer changes
            before = snapshot(page)
            page.locator("#new-scene").click()
            wait_changed(page, before, ["#scene-image", "#scene-md", "#prediction", "#attention", "#attribution", "#shares"])
            assert page.locator("#seed input").input_value() == "1"

            # another method: every panel, the model card and the gap included
            before = snapshot(page)
            page.locator("#method input").click()
            page.get_by_role("option", name="concat").click()
            wait_changed(page, before, ["#model-info", "#gap", "#gap-md", "#prediction", "#attention", "#attribution"])
            after = snapshot(page)
            changed = {k for k in before if before[k] != after[k]}
            assert set(IMAGES + TEXTS) - {"#scene-image", "#scene-md", "#answer", "#shares"} <= changed, changed
            assert "concat" in after["#model-info"] and "concat" in after["#gap-md"]
            page.screenshot(path=str(artifacts / "demo-concat.png"), full_page=True)

            # a seed out of range: a message beside the seed, the scene and the question stay
            before = snapshot(page); q = box.input_value()
            seed = page.locator("#seed input")
            seed.fill(str(10**30)); seed.press("Enter")
            page.wait_for_function("() => (document.querySelector('#seed-msg')?.innerText || '').includes('0 to 999,999,999')")
            page.wait_for_timeout(500)
            assert snapshot(page)["#scene-image"] == before["#scene-image"] and box.input_value() == q
            assert page.locator(".error, [data-testid='status-error']").count() == 0     # no red error badges
            page.screenshot(path=str(artifacts / "demo-error.png"))

            # a good seed clears the message; a bad question gets its message beside the question; the next good one is answered
            before = snapshot(page)
            seed.fill("7"); seed.press("Enter")
            page.wait_for_function("() => (document.querySelector('#seed-msg')?.innerText || '') === ''")
            wait_changed(page, before, ["#scene-md", "#attention", "#attribution"])      # scene 7, answered
            box.fill("is there a purple unicorn?"); page.locator("#ask").click()
            page.wait_for_function("() => (document.querySelector('#question-msg')?.innerText || '').includes('unicorn')")
            box.fill("is there a red circle?"); page.locator("#ask").click()
            page.wait_for_function("() => (document.querySelector('#prediction')?.innerText || '').includes('is there a red circle?')")
            assert page.locator("#question-msg").inner_text().strip() == ""
            # an example question is one click away, and picking it asks it
            page.locator("#examples input").click(); page.get_by_role("option").first.click()
            page.wait_for_function("() => { const q = document.querySelector('#question textarea, #question input')?.value || ''; "
                                   "return q !== 'is there a red circle?' && (document.querySelector('#prediction')?.innerText || '').includes(q); }")
            assert not browser.errors, f"JavaScript errors: {browser.errors}"
            for s in IMAGES: assert browser.is_local(page.locator(f"{s} img").first.get_attribute("src"))
            # the UI above worked with every non-local request refused; list them so a new CDN dependency shows in the log
            print("blocked non-local requests:", browser.blocked)
    finally:
        demo.close(); close_demos(port)
