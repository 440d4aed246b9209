"Figures display as images in a plain IPython kernel (no `%matplotlib` magic, no --matplotlib flag), as in JupyterLab."
import nbformat
from nbclient import NotebookClient


def test_returned_figure_is_an_image_in_a_plain_kernel():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import mmworkbench\nfrom matplotlib.figure import Figure\n"
                                          "fig = Figure(figsize=(2, 2)); fig.subplots().plot([0, 1])\nfig"),
                nbformat.v4.new_code_cell("type(fig).__name__")]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    first, second = nb.cells[0].outputs, nb.cells[1].outputs
    assert any("image/png" in o.get("data", {}) for o in first), f"no PNG output: {first}"
    assert second[0]["data"]["text/plain"] == "'Figure'", "code still gets the Figure object"


def test_without_the_package_the_kernel_shows_text():
    "The check is not vacuous: the same cell without importing mmworkbench shows only text."
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from matplotlib.figure import Figure\n"
                                          "fig = Figure(figsize=(2, 2)); fig.subplots().plot([0, 1])\nfig")]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    assert not any("image/png" in o.get("data", {}) for o in nb.cells[0].outputs)
