"""The mmworkbench demo as a plain Gradio app.

    python demos/app.py          # serves on http://127.0.0.1:7860 (same as `mmwb demo --no-browser`)
    gradio demos/app.py          # Gradio's reload mode finds the module-level `demo`

Importing this module builds `demo` from the cached default checkpoints (training them on the very first run, with a
progress bar); it only starts a server under `__main__`.
"""
from mmworkbench.demo import make_demo, default_models

demo = make_demo(default_models())

if __name__ == "__main__":
    demo.launch()   # 127.0.0.1, no share link, local fonts (mmworkbench.demo.DemoBlocks.launch)
