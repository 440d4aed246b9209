"""The package's floors (DESIGN.md §1): every module imports only from its own floor or below, with no cycles, no method
imports another, core imports nothing of the package, predict imports no gradio, and no exported module grows past
400 lines. Parsed from the source with `ast`, so it holds for imports inside functions too."""
import ast, subprocess, sys
from pathlib import Path
import pytest

PKG = Path(__file__).resolve().parents[1] / "mmworkbench"
FLOORS = {"core": 0, "layers": 1, "scenes": 2, "data": 2, "folders": 2, "batchview": 2, "redundant": 2, "trimodal": 2,
          "xseg": 2, "generative": 2, "relational": 2, "attributes": 2,
          "heads": 3, "model": 3, "checkpoint": 4, "learner": 4, "recipes": 4, "distributed": 4,
          "viz": 6, "charts": 6, "signals": 6, "gap": 6, "attrib": 6, "robust": 6, "explore": 6, "balance": 6, "interference": 6,
          "predict": 7, "defaults": 7, "inputs": 7, "reconview": 7, "segment_view": 7,
          "demo": 8, "bench": 8, "leaderboard": 8, "cli": 8, "docs": 8, "docs_offline": 8,
          "docs_text": 8, "registry_view": 8}
METHODS_FLOOR = 5
HAND_WRITTEN = {"__init__", "all", "_modidx", "methods.__init__"}
# same-floor imports that are allowed, as (importer, imported); anything else on one floor must be listed here
SAME_FLOOR = {("learner", "checkpoint"), ("learner", "distributed"), ("distributed", "checkpoint"), ("recipes", "learner"), ("model", "heads"),
              ("data", "scenes"), ("data", "batchview"), ("batchview", "scenes"), ("folders", "scenes"),
              ("folders", "data"), ("redundant", "data"), ("redundant", "scenes"), ("trimodal", "data"),
              ("trimodal", "scenes"), ("xseg", "data"), ("xseg", "scenes"), ("generative", "data"),
              ("generative", "scenes"), ("relational", "data"), ("relational", "scenes"), ("attributes", "data"), ("attributes", "scenes"),
              ("attrib", "viz"), ("explore", "viz"), ("explore", "attrib"), ("gap", "viz"), ("gap", "signals"), ("charts", "signals"), ("charts", "viz"), ("robust", "viz"),
              ("robust", "attrib"), ("robust", "charts"), ("balance", "signals"),
              ("predict", "defaults"), ("predict", "inputs"), ("predict", "reconview"), ("predict", "segment_view"), ("bench", "demo"),
              ("cli", "bench"), ("cli", "registry_view"), ("cli", "demo"), ("cli", "docs"), ("cli", "leaderboard"), ("leaderboard", "bench"),
              ("docs", "docs_offline"), ("docs", "docs_text")}


def modules() -> dict[str, Path]:
    out = {}
    for p in sorted(PKG.rglob("*.py")):
        name = ".".join(p.relative_to(PKG).with_suffix("").parts)
        if name not in HAND_WRITTEN: out[name] = p
    return out


def floor(name: str) -> int:
    if name.startswith("methods."): return METHODS_FLOOR
    if name not in FLOORS: raise KeyError(f"module mmworkbench.{name} has no floor: add it to FLOORS in {__file__}")
    return FLOORS[name]


def imports(name: str, path: Path) -> set[str]:
    "Package modules (relative to mmworkbench) that `name` imports anywhere in its source."
    tree, out = ast.parse(path.read_text()), set()
    pkg_parts = ["mmworkbench", *name.split(".")[:-1]]
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import): targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = pkg_parts[:len(pkg_parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        for t in targets:
            if t == "mmworkbench" or not t.startswith("mmworkbench."): continue
            rel = t[len("mmworkbench."):]
            # `from . import data` names a module; `from .core import Tokens` names a symbol: keep what is a module
            while rel and rel not in MODS and "." in rel: rel = rel.rsplit(".", 1)[0]
            if rel in MODS and rel != name: out.add(rel)
            elif rel == "methods" and name == "model": pass      # method discovery: importlib over the package
    return out


MODS = modules()
GRAPH = {n: imports(n, p) for n, p in MODS.items()}


@pytest.mark.parametrize("name", sorted(MODS))
def test_no_import_from_a_higher_floor(name):
    for dep in sorted(GRAPH[name]):
        assert floor(dep) <= floor(name), f"mmworkbench.{name} (floor {floor(name)}) imports mmworkbench.{dep} (floor {floor(dep)})"
        if floor(dep) == floor(name):
            if name.startswith("methods."):
                pytest.fail(f"method module mmworkbench.{name} imports another method, mmworkbench.{dep}: "
                            "move the shared block to mmworkbench.layers")
            assert (name, dep) in SAME_FLOOR, (f"mmworkbench.{name} imports mmworkbench.{dep} on the same floor; "
                                               f"allowed pairs are {sorted(SAME_FLOOR)}")


def test_no_cycles():
    state: dict[str, int] = {}
    def visit(n, stack):
        state[n] = 1
        for d in GRAPH[n]:
            if state.get(d) == 1: pytest.fail("import cycle: " + " -> ".join(stack + [n, d]))
            if d not in state: visit(d, stack + [n])
        state[n] = 2
    for n in GRAPH:
        if n not in state: visit(n, [])


def test_core_imports_nothing_of_the_package():
    assert GRAPH["core"] == set(), f"core imports {GRAPH['core']}"
    code = "import sys, mmworkbench.core; print(sorted(m for m in sys.modules if m.startswith('mmworkbench')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['mmworkbench', 'mmworkbench.core']", out


def test_predict_imports_no_gradio():
    if "predict" not in MODS: pytest.skip("no predict module yet")
    tree = ast.parse(MODS["predict"].read_text())
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names} | \
            {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(x == "gradio" or x.startswith("gradio.") for x in names), names
    code = "import sys, mmworkbench.predict; print('gradio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False", "importing mmworkbench.predict pulled in gradio"


@pytest.mark.parametrize("name", sorted(MODS))
def test_exported_module_at_most_400_lines(name):
    n = len(MODS[name].read_text().splitlines())
    assert n <= 400, f"mmworkbench/{name.replace('.', '/')}.py has {n} lines: split its notebook (DESIGN.md §8)"


def test_the_checker_sees_imports():
    "The parser is not vacuous: it finds known edges, relative and absolute, and resolves symbols to modules."
    assert "core" in GRAPH["layers"] and "model" in GRAPH["learner"] and "checkpoint" in GRAPH["learner"]
    assert {"core", "layers"} <= GRAPH["methods.early"]
