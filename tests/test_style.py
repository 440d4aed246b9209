"""No line of the generated package runs over 120 characters (`_modidx.py`, nbdev's index, aside): exported code stays
readable in an editor, a diff and the rendered docs. A failure names the module; wrap the line in its notebook."""
from pathlib import Path
import pytest

PKG = Path(__file__).resolve().parents[1] / "mmworkbench"
WIDTH = 120

# Modules whose notebooks other engineers are still wrapping (issue 15, item 9): skipped here so this test passes
# while that work is in flight. The lead removes each entry once its fix is merged; the set should end empty.
PENDING: set[str] = set()   # modules whose notebooks are still being wrapped (none)


def _modules():
    return sorted(p for p in [*PKG.glob("*.py"), *PKG.glob("methods/*.py")] if p.name != "_modidx.py")


def long_lines(path: Path, width: int = WIDTH):
    "(line number, length) of each line over `width`; nbdev writes `__all__ = ` before a list it wraps at 120 itself."
    return [(i, len(l)) for i, l in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if len(l) > width and not l.startswith("__all__ = [")]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(PKG).as_posix())
def test_no_line_over_120(path):
    if path.stem in PENDING: pytest.skip(f"{path.stem} is in PENDING: its notebook is being wrapped elsewhere")
    long = long_lines(path)
    assert not long, (f"mmworkbench/{path.relative_to(PKG).as_posix()}: lines over {WIDTH} characters (line, length): "
                      f"{long}; wrap them in the notebook named at the top of the file and run nbdev_export")


def test_the_checker_sees_long_lines(tmp_path):
    p = tmp_path / "m.py"
    p.write_text("x = 1\n" + "y = '" + "a" * 130 + "'\n" + "__all__ = ['" + "b" * 115 + "',\n", encoding="utf-8")
    assert long_lines(p) == [(2, 136)]
