"""The package's layers (docs/architecture.md): no import reaches a layer it must not, no import circle,
no function-local import of a toolkit module, and a comment naming the cost on every deferred import.

The checks read the source with ``ast`` (function-local imports count too), so they need no import of the
package. Each check is also run on a small package written here with one deliberate mistake, so a check
that could never fail would fail these tests.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from toolkit.core.paths import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "toolkit"

#: What each layer may import from toolkit (besides itself). ``inputs.catalog`` is the one input module
#: the engine reads (indicators and targets); params are the pages' business, not the engine's.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "contracts": {"core"},
    "inputs": {"core", "contracts"},
    "engine": {"core", "contracts", "inputs.catalog"},
    "evaluation": {"core", "contracts", "inputs", "engine"},
    "demo": {"core", "contracts", "inputs", "engine"},
    "reports": {"core", "contracts", "inputs", "engine", "evaluation"},
    "batch": {"core", "contracts", "inputs"},
    "commands": {"core", "contracts", "inputs", "engine", "evaluation", "demo", "reports", "batch"},
    "cli": {"commands", "core"},
    "__main__": {"cli"},
    "__init__": set(),
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def toolkit_imports(path: Path) -> Iterator[tuple[ast.stmt, str, bool]]:
    """(node, imported toolkit module without the 'toolkit.' prefix, is it at module level) for each import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and (node.module + ".").startswith("toolkit."):
            base = node.module.removeprefix("toolkit").lstrip(".")
            # ``from toolkit.a import b``: b may be a module (toolkit.a.b) or a name of toolkit.a; the
            # graph walks up to the nearest module. ``__version__`` is the top package's own.
            names = [f"{base}.{a.name}" if base else a.name for a in node.names if a.name != "__version__"]
        elif isinstance(node, ast.Import):
            names = [a.name.removeprefix("toolkit.") for a in node.names if a.name.startswith("toolkit.")]
        for name in names:
            yield node, name, id(node) in top


def layer_violations(root: Path) -> list[str]:
    bad = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root)
        layer = module.split(".")[0]
        allowed = ALLOWED.get(layer)
        if allowed is None:
            bad.append(f"{module}: not in any layer of the table")
            continue
        for node, target, _ in toolkit_imports(path):
            target_layer = target.split(".")[0]
            if target_layer == layer:
                continue
            if not any(target == a or target.startswith(a + ".") for a in allowed):
                bad.append(f"{module} (line {node.lineno}): {ast.unparse(node)}")
    return bad


def local_imports(root: Path) -> list[str]:
    """Function-local imports of toolkit modules, and function-local third-party imports without a comment."""
    bad = []
    for path in sorted(root.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)
        top = {id(node) for node in tree.body}
        type_checking = {id(n) for block in tree.body if isinstance(block, ast.If)
                         and "TYPE_CHECKING" in ast.unparse(block.test) for n in block.body}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom) or id(node) in top | type_checking:
                continue
            text = lines[node.lineno - 1].strip()
            is_toolkit = "toolkit" in (getattr(node, "module", None) or "") or any(
                a.name.startswith("toolkit") for a in node.names)
            if is_toolkit:
                bad.append(f"{module_name(path, root)} line {node.lineno}: function-local `{text}`")
            elif "#" not in text or " s" not in text.split("#", 1)[1]:
                bad.append(f"{module_name(path, root)} line {node.lineno}: `{text}` is deferred without a comment "
                           "naming its measured cost")
    return bad


def import_graph(root: Path, *, scale: str) -> dict[str, set[str]]:
    """Module-level import edges between modules (``scale='module'``) or top-level packages (``'package'``)."""
    modules = {module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        src = module if scale == "module" else module.split(".")[0]
        graph.setdefault(src, set())
        for _, target, at_top in toolkit_imports(path):
            if not at_top:
                continue
            while target and target not in modules:  # a name imported from a module: point at the module
                target = target.rpartition(".")[0]
            if not target:
                continue
            dst = target if scale == "module" else target.split(".")[0]
            if dst != src:
                graph[src].add(dst)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one node (Tarjan), i.e. every import circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def floors(graph: dict[str, set[str]]) -> int:
    """Length of the longest import chain, counted in floors (a module importing nothing is floor 1)."""
    memo: dict[str, int] = {}

    def height(node: str) -> int:
        if node not in memo:
            memo[node] = 1 + max((height(n) for n in graph.get(node, ()) if n in graph), default=0)
        return memo[node]

    return max(map(height, graph), default=0)


# ------------------------------------------------------------------------------------------- the package


def test_no_package_imports_a_layer_it_must_not():
    assert layer_violations(PACKAGE) == []


def test_no_function_local_toolkit_import_and_every_deferred_import_names_its_cost():
    assert local_imports(PACKAGE) == []


@pytest.mark.parametrize("scale", ["package", "module"])
def test_no_import_circle(scale):
    assert cycles(import_graph(PACKAGE, scale=scale)) == []


def test_the_layers_stack_no_higher_than_the_table():
    """core -> contracts -> inputs -> engine -> evaluation -> reports -> commands -> cli -> __main__."""
    assert floors(import_graph(PACKAGE, scale="package")) <= 9


# ------------------------------------------------------------------------------------------- the checks


@pytest.fixture
def fake(tmp_path) -> Path:
    """A toolkit-shaped package with clean layers; each test below breaks it once."""
    root = tmp_path / "toolkit"
    files = {
        "__init__.py": "",
        "core/__init__.py": "",
        "core/errors.py": "class ToolkitError(Exception):\n    pass\n",
        "contracts/__init__.py": "",
        "contracts/results.py": "from toolkit.core.errors import ToolkitError\n",
        "engine/__init__.py": "",
        "engine/assess.py": "from toolkit.contracts.results import ToolkitError\n",
        "batch/__init__.py": "",
        "batch/run.py": "from toolkit.core import errors\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_the_checks_pass_the_clean_fake(fake):
    assert layer_violations(fake) == [] and local_imports(fake) == []
    assert cycles(import_graph(fake, scale="package")) == []
    assert floors(import_graph(fake, scale="package")) == 3  # engine -> contracts -> core


def test_an_upward_import_is_caught(fake):
    (fake / "batch" / "run.py").write_text("from toolkit.engine.assess import ToolkitError\n", encoding="utf-8")
    assert layer_violations(fake) == ["batch.run (line 1): from toolkit.engine.assess import ToolkitError"]


def test_a_function_local_import_is_caught(fake):
    (fake / "engine" / "assess.py").write_text(
        "def f():\n    from toolkit.core.errors import ToolkitError\n    import json\n    import papermill  # 2.9 s\n",
        encoding="utf-8")
    assert local_imports(fake) == [
        "engine.assess line 2: function-local `from toolkit.core.errors import ToolkitError`",
        "engine.assess line 3: `import json` is deferred without a comment naming its measured cost"]


def test_a_circle_is_caught(fake):
    (fake / "core" / "errors.py").write_text("from toolkit.contracts.results import x\n", encoding="utf-8")
    assert cycles(import_graph(fake, scale="package")) == [["contracts", "core"]]
    assert cycles(import_graph(fake, scale="module")) == [["contracts.results", "core.errors"]]
