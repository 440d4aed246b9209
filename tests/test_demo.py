"""The Gradio demo served on 127.0.0.1 and called through gradio_client: every public endpoint, and bad input
(a non-image file, a 10000x10000 image, an empty or 10k-character question, unknown words, seeds out of range)
answered with a clear one-line error, one terminal line and no traceback, after which the server still serves."""
import socket
from pathlib import Path
import pytest
from mmworkbench.model import create_model
from mmworkbench.demo import make_demo, close_demos, _LAUNCHED

ENDPOINTS = {"model_info", "next_seed", "scene", "predict", "attention", "attribution", "gap"}
Q = "is there a red circle?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


@pytest.fixture(scope="module")
def served():
    from gradio_client import Client
    models = {"early": create_model("early", "vqa", "tiny", seed=0), "concat": create_model("concat", "vqa", "tiny", seed=1)}
    demo = make_demo(models)
    port = free_port()
    _, url, _ = demo.launch(server_port=port, prevent_thread_lock=True, quiet=True)
    assert url.startswith(f"http://127.0.0.1:{port}")
    try: yield demo, Client(url, verbose=False, httpx_kwargs={"timeout": 60})
    finally: demo.close(); close_demos(port)


def predict(client, question=Q, method="early", upload=None, **kw):
    args = dict(method=method, seed=kw.get("seed", 3), objects=0, noise=0.0, missing=kw.get("missing", []), upload=upload, question=question)
    return client.predict(*args.values(), api_name="/predict")


def check_label(lab, answers=("no", "yes")):
    "The top answers (at most 5) of the question's form (yes/no for 'is there a red circle?'), not every class."
    got = [c["label"] for c in lab["confidences"]]
    assert set(got) <= set(answers) and len(got) == min(5, len(answers)), lab
    assert sum(c["confidence"] for c in lab["confidences"]) <= 1 + 1e-3
    assert lab["label"] in answers


def test_view_api_lists_every_endpoint(served):
    demo, client = served
    assert demo.analytics_enabled is False                                                  # no analytics
    limits = {d.api_name: (d.concurrency_id, d.concurrency_limit) for d in demo.fns.values()}
    n = demo.predictor.batcher.max_batch                # a forward serves up to n waiting requests; heavy panels one at a time
    assert limits["predict"] == limits["attention"] == ("forward", n) and limits["attribution"] == ("heavy", 1)
    api = client.view_api(print_info=False, return_format="dict")
    assert ENDPOINTS <= {k.lstrip("/") for k in api["named_endpoints"]}, api["named_endpoints"].keys()


def test_every_endpoint(served):
    _, client = served
    assert "early" in client.predict("early", api_name="/model_info")
    assert client.predict(4, api_name="/next_seed") == 5
    img, q, md = client.predict("concat", 2, 3, 0.1, [], api_name="/scene")
    assert Path(img).is_file() and q.endswith("?") and md.startswith("scene:") and md.count("@") == 3
    lab, img, md = predict(client, method="concat", missing=["text"])
    check_label(lab); assert Path(img).is_file() and "missing: text" in md
    over, layer, head, token = client.predict("early", 3, 0, 0.0, [], None, Q, "", "1", "", api_name="/attention")
    # the selectors come back as dropdown updates: the chosen value and the choices valid for this model and input
    layer, head, token = (u["value"] if isinstance(u, dict) else u for u in (layer, head, token))
    assert Path(over).is_file() and layer.startswith("fusion.") and head == "1" and token == "text[4] circle"  # the content word
    att, shares = client.predict("early", 3, 0, 0.0, [], None, Q, api_name="/attribution")
    assert Path(att).is_file() and {c["label"] for c in shares["confidences"]} == {"image", "text"}
    gap, md = client.predict("concat", api_name="/gap")
    assert Path(gap).is_file() and "centroid gap" in md


def bad_then_good(client, call, *needles):
    from gradio_client.exceptions import AppError
    with pytest.raises(AppError) as e: call()
    msg = str(e.value)
    for n in needles: assert n in msg, msg
    check_label(predict(client)[0])     # the server still answers


def test_bad_questions(served):
    _, client = served
    bad_then_good(client, lambda: predict(client, question=""), "question is empty")
    bad_then_good(client, lambda: predict(client, question="x" * 10_000), "10000 characters", "keep it under")
    bad_then_good(client, lambda: predict(client, question="is there a purple unicorn?"), "unknown word", "unicorn")
    bad_then_good(client, lambda: predict(client, method="nope"), "nope", "early")   # gradio names the valid choices


def test_bad_seeds(served, capfd, caplog):
    "Each out-of-range seed: a one-line message naming the input and the range; one terminal line, no traceback."
    _, client = served
    capfd.readouterr(); caplog.clear()
    for seed in (10**9, 2**63, 10**30):
        bad_then_good(client, lambda: predict(client, seed=seed), "scene seed", "0 to 999,999,999")
        bad_then_good(client, lambda: client.predict("early", seed, 0, 0.0, [], api_name="/scene"), "0 to 999,999,999")
    bad_then_good(client, lambda: client.predict(10**30, api_name="/next_seed"), "scene seed", "0 to 999,999,999")
    err = capfd.readouterr().err
    assert "Traceback" not in err, err                      # no traceback for a user error
    lines = [r.getMessage() for r in caplog.records if r.name == "mmworkbench.demo"]
    assert len(lines) == 7 and all(l.startswith("mmwb demo: bad seed") and "\n" not in l for l in lines), lines


def _post(client, body: dict):
    import json, urllib.request, urllib.error
    req = urllib.request.Request(client.src.rstrip("/") + "/mmwb/answer", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r: return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e: return e.code, json.loads(e.read())


def test_json_answer_route(served, caplog):
    "POST /mmwb/answer: the same probabilities as /predict without Gradio's queue; a bad field is a 400 naming it."
    demo, client = served
    lab, _, _ = predict(client, seed=11)
    status, a = _post(client, {"method": "early", "seed": 11, "question": Q})
    assert status == 200 and a["label"] == lab["label"] and a["question"] == Q
    want = {c["label"]: c["confidence"] for c in lab["confidences"]}
    assert a["probs"].keys() == want.keys() and all(abs(a["probs"][k] - want[k]) < 1e-4 for k in want)
    caplog.clear()
    for body, field in (({"method": "early", "seed": 10**9}, "seed"), ({"method": "nope"}, "method"),
                        ({"method": "early", "question": "is there a zebra?"}, "question")):
        status, err = _post(client, body)
        assert status == 400 and err["field"] == field and err["error"], (body, err)
        assert _post(client, {"method": "early", "seed": 12, "question": Q})[0] == 200   # the next good one answered
    assert _post(client, {"method": "early", "sed": 1})[0] == 400                        # an unknown field is named
    lines = [r.getMessage() for r in caplog.records if r.name == "mmworkbench.demo"]
    assert len(lines) == 3 and all(l.startswith("mmwb demo: bad ") and "\n" not in l for l in lines), lines


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")   # the huge upload is the point
def test_bad_uploads(served, tmp_path):
    from gradio_client import handle_file
    from PIL import Image
    _, client = served
    txt = tmp_path / "notes.txt"; txt.write_text("this is not a picture\n" * 20)
    bad_then_good(client, lambda: predict(client, upload=handle_file(str(txt))), "notes.txt", "not an image file", "PNG or JPEG")
    big = tmp_path / "huge.png"
    Image.new("1", (10_000, 10_000)).save(big)          # a small file that decodes to 100 megapixels
    bad_then_good(client, lambda: predict(client, upload=handle_file(str(big))), "10000x10000 pixels", "downscale")
    ok = tmp_path / "ok.png"; Image.new("RGB", (40, 40), (0, 0, 255)).save(ok)
    lab, img, md = predict(client, upload=handle_file(str(ok)))
    check_label(lab); assert "truth" not in md      # an uploaded image has no known answer
    lab = predict(client, question="what color is the circle?")[0]
    check_label(lab, ["red", "green", "blue", "yellow", "purple", "cyan", "orange", "white"])


def test_relaunch_closes_previous():
    m = create_model("late", "vqa", "tiny", seed=0)
    port = free_port()
    d1 = make_demo(m); d1.launch(server_port=port, prevent_thread_lock=True, quiet=True)
    d2 = make_demo(m)
    try:
        d2.launch(server_port=port, prevent_thread_lock=True, quiet=True)   # same port: the first one is closed, no "port in use"
        assert _LAUNCHED[port] is d2 and not d1.is_running and d2.is_running
    finally: close_demos(port)
    assert port not in _LAUNCHED and not d2.is_running
    with pytest.raises(ValueError, match="share links are off"): make_demo(m).launch(share=True)


def test_mmwb_demo_cli_trains_caches_and_recovers(tmp_path, capsys):
    "`mmwb demo --quick --check`: the first launch trains into the cache, a corrupt cache is retrained with a message, the next loads."
    from mmworkbench.cli import main
    argv = ["demo", "--quick", "--check", "--no-browser", "--cache-dir", str(tmp_path), "--port", str(free_port())]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "training a tiny 'early'" in out and "check answered" in out
    assert (tmp_path / "early-quick" / "model.json").exists() and (tmp_path / "concat-quick" / "model.safetensors").exists()
    (tmp_path / "concat-quick" / "model.safetensors").write_bytes(b"not safetensors")
    argv[-1] = str(free_port())
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "'concat' checkpoint" in out and "does not load" in out and "training a tiny 'early'" not in out
    argv[-1] = str(free_port())
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "training" not in out and "serving ['early', 'concat']" in out
    assert main(["demo", "--ckpt", str(tmp_path / "missing"), "--check"]) == 2        # a clean error, no traceback
    assert "no such checkpoint folder" in capsys.readouterr().err


def test_app_builds_lazily(tmp_path, monkeypatch):
    "demos/app.py: importing it lays out the page and loads or trains nothing; launch() loads the cached defaults first."
    import importlib.util
    from mmworkbench.checkpoint import save_checkpoint
    from mmworkbench.defaults import DEFAULT_METHODS, cache_dir
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    spec = importlib.util.spec_from_file_location("mmwb_demo_app", Path(__file__).resolve().parents[1] / "demos" / "app.py")
    app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)
    assert app.demo.predictor._models is None and not (tmp_path / "mmworkbench").exists()   # nothing loaded at import
    for i, m in enumerate(DEFAULT_METHODS): save_checkpoint(create_model(m, "vqa", "tiny", seed=i), cache_dir() / m)
    port = free_port()
    try:
        app.demo.launch(server_port=port, prevent_thread_lock=True, quiet=True)
        assert list(app.demo.predictor._models) == list(DEFAULT_METHODS)                  # loaded by launch()
    finally: close_demos(port)
