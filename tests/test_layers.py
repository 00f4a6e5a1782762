"""The house's layers, checked on the import graph (every import, in functions too).

    records, errors, clock                      the shared vocabulary
    parse, extract, search, figures             pure understanding of pages (search: the index)
    similar                                     pure: copy detection (uses the figures' vocabulary)
    db                                          storage; the only SQL on the core tables
    ingest                                      one capture -> one report
    derive, crawler                             everything derived; the crawl
    build, export, web                          rebuilds, exports, the Datasette site
    app                                         the shell: the only code importing crawler/

`crawler/` sits beside derive: it may use storage, the parser and ingest, never derive,
web or the shell. No two modules import each other, directly or around a loop.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("archive", "crawler")
LAYERS = [
    ("archive.records", "archive.errors", "archive.clock", "archive.pool", "archive"),
    ("archive.parse", "archive.extract", "archive.search", "archive.figures"),
    ("archive.similar",),
    ("archive.db",),
    ("archive.ingest",),
    ("archive.derive", "crawler"),
    ("archive.build", "archive.export", "archive.web"),
    ("archive.app",),
]
PURE = ("archive.parse", "archive.extract", "archive.figures", "archive.similar")
SQL_MODULES = ("sqlite3", "sqlite_utils", "pysqlite3")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, modules: frozenset[str] = frozenset()) -> set[str]:
    """Every module `path` imports, at the top or inside functions. `from pkg import mod`
    counts as importing `pkg.mod` when that is a module, else as importing `pkg`."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in modules else node.module)
    return found


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    known = frozenset(files)
    edges: dict[str, set[str]] = {}
    for name, path in files.items():
        targets = {t for t in imports_of(path, known) if t in files and t != name}
        edges[name] = targets
    return edges


def layer_of(module: str) -> int:
    for index, layer in enumerate(LAYERS):
        if any(module == top or (module.startswith(top + ".") and top != "archive")
               for top in layer):
            return index
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


EDGES = graph()


def test_every_module_has_a_layer() -> None:
    for module in EDGES:
        layer_of(module)


@pytest.mark.parametrize("module", sorted(EDGES))
def test_imports_point_down(module: str) -> None:
    mine = layer_of(module)
    for target in EDGES[module]:
        if module.startswith("crawler") and target.startswith("crawler"):
            continue
        assert layer_of(target) < mine or (
            layer_of(target) == mine and target.split(".")[:2] == module.split(".")[:2]), (
            f"{module} (layer {mine}) imports {target} (layer {layer_of(target)})")


def test_only_the_shell_imports_the_crawler() -> None:
    for module, targets in EDGES.items():
        if module.startswith("archive") and not module.startswith("archive.app"):
            assert not [t for t in targets if t.startswith("crawler")], module


def test_crawler_never_reaches_above_storage_and_ingest() -> None:
    for module, targets in EDGES.items():
        if module.startswith("crawler"):
            above = [t for t in targets if t.startswith(("archive.derive", "archive.web",
                                                          "archive.app", "archive.build"))]
            assert not above, f"{module} imports {above}"


def test_pure_layers_run_no_sql() -> None:
    for pkg in PURE:
        for path in (ROOT / Path(*pkg.split("."))).rglob("*.py"):
            sql = {t for t in imports_of(path) if t.split(".")[0] in SQL_MODULES}
            assert not sql, f"{module_name(path)} imports {sql}"


def test_no_import_cycles() -> None:
    """Tarjan's strongly connected components: every component is one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in EDGES[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(EDGES):
        if node not in index:
            visit(node)
    assert cycles == []
