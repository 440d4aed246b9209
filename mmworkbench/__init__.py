__version__ = "0.1.0"


def _figure_png(fig) -> bytes:
    "PNG bytes of a matplotlib `Figure` (the package builds figures without pyplot) for IPython's rich display."
    import io
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def _register_figure_display():
    """In an IPython kernel (JupyterLab, classic notebook, qtconsole), show returned `Figure`s as images with no
    `%matplotlib` magic. Registered by type name, so matplotlib is not imported here; code still gets the `Figure`."""
    import sys
    ipython = sys.modules.get("IPython")
    ip = ipython.get_ipython() if ipython is not None else None
    if ip is None or not hasattr(ip, "display_formatter"): return
    ip.display_formatter.formatters["image/png"].for_type_by_name("matplotlib.figure", "Figure", _figure_png)


_register_figure_display()
