"""The mmworkbench demo as a plain Gradio app.

    python demos/app.py          # serves on http://127.0.0.1:7860 (same as `mmwb demo --no-browser`)
    gradio demos/app.py          # Gradio's reload mode finds the module-level `demo`

Importing this module only lays out the page: `demo` serves the default models, which are loaded from the cache
(trained there on the very first run, with a progress bar) when the app is launched or first asked, not at import.
A server starts only under `__main__`.
"""
from mmworkbench.demo import make_demo

demo = make_demo()   # lazy: the default models load on launch() or on the first request

if __name__ == "__main__":
    demo.launch()   # 127.0.0.1, no share link, local fonts (mmworkbench.demo.DemoBlocks.launch)
