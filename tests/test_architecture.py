"""The shape of the code: every module imports first in a fresh interpreter, and `indicators` stands alone.

A module that only imports when something else was imported before it hides an
import cycle; each module of `tables/` and `indicators/` is therefore imported
first, in its own interpreter, right after `django.setup()` (which every entry
point runs: manage.py, wsgi, the task worker, the suite).

No module imports, at its top, a module that imports it back (directly or around
a longer loop): the graph of top-level imports has no cycle, so no import has to
hide inside a function to dodge one.

`tables` uses `indicators`, never the reverse: no module of `indicators`
imports `tables`, at its top or inside a function. What the checks need from
`tables` (stored tables, shipped layouts, labels) comes in as data, through the
adapter in `tables/checking.py`.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("tables", "indicators")


def module_files(app: str) -> dict[str, Path]:
    """{dotted name: path} of an app's modules, migrations left out."""
    found = {}
    for path in sorted((ROOT / app).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def import_alone(module: str) -> tuple[str, int, str]:
    code = f"import django; django.setup(); import {module}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "TESTING": "1"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    return module, done.returncode, done.stderr[-2000:]


def test_every_module_imports_first_in_a_fresh_interpreter():
    modules = [name for app in APPS for name in module_files(app)]
    assert len(modules) > 80  # the walk found the packages
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        failed = [(m, err) for m, code, err in pool.map(import_alone, modules) if code != 0]
    assert not failed, "\n\n".join(f"{m}:\n{err}" for m, err in failed)


def imports_of_tables(path: Path) -> set[tuple[str, str]]:
    """(where, `tables` module) for every import of `tables` in a module: at its top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()

    def named(node) -> list[str]:
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            return [node.module]
        return []

    def walk(node, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                walk(child, child.name if function == "<module>" else function)
                continue
            for module in named(child):
                if module == "tables" or module.startswith("tables."):
                    found.add((function, module))
            walk(child, function)

    walk(tree, "<module>")
    return found


def test_indicators_imports_nothing_from_tables_anywhere():
    modules = module_files("indicators")
    assert "indicators.checks.engine" in modules  # the walk found the package
    imports = {(name, where, module) for name, path in modules.items() for where, module in imports_of_tables(path)}
    assert imports == set(), f"indicators imports tables (module, where, imported): {sorted(imports)}"


def test_the_import_scan_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "import tables.models\n"
        "def f():\n"
        "    def g():\n"
        "        from tables.layouts import LAYOUTS\n"
        "class C:\n"
        "    def h(self):\n"
        "        import tables\n",
        encoding="utf-8",
    )
    assert imports_of_tables(source) == {
        ("<module>", "tables.models"),
        ("f", "tables.layouts"),
        ("h", "tables"),
    }


def imported_modules(module: str, path: Path, known: set[str], *, everywhere: bool = False) -> set[str]:
    """The modules of `known` that `module` imports when it is imported: the imports at its top
    (inside `if`/`try` blocks too, but not under `if TYPE_CHECKING:`); with `everywhere`, those
    inside functions as well. `from package import name` imports `package.name` when that is a
    module, else `package`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def add_from(node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parts = package.split(".")
            parts = parts[: len(parts) - node.level + 1]
            base = ".".join([*parts, base] if base else parts)
        for alias in node.names:
            found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)

    def visit(statements) -> None:
        for node in statements:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                add_from(node)
            elif isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
                visit(node.orelse)
            elif isinstance(node, ast.If | ast.Try):
                visit([child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)])
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)
            elif everywhere and isinstance(node, ast.stmt):
                visit([child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)])

    visit(tree.body)
    return (found & known) - {module}


def import_graph(*, everywhere: bool = False) -> dict[str, set[str]]:
    """{module: modules of `tables` and `indicators` it imports (at its top, or `everywhere`)}."""
    files = {name: path for app in APPS for name, path in module_files(app).items()}
    known = set(files)
    return {name: imported_modules(name, path, known, everywhere=everywhere) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as [a, b, …, a], or None."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" once explored
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_modules_of_tables_and_indicators_import_each_other_without_a_cycle():
    graph = import_graph()
    assert "tables.permissions" in graph["tables.access"]  # the scan sees the imports
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " → ".join(cycle)


def test_no_import_inside_a_function_hides_a_cycle():
    """An import moved into a function to dodge a cycle still makes one: counted here, it fails."""
    graph = import_graph(everywhere=True)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle through an import inside a function: " + " → ".join(cycle)


def test_the_cycle_finder_names_the_cycle(tmp_path):
    (tmp_path / "a.py").write_text("from pkg import b\n", encoding="utf-8")
    (tmp_path / "b.py").write_text(
        "from __future__ import annotations\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import pkg.c\ndef f():\n    import pkg.c\nimport pkg.a\n",
        encoding="utf-8",
    )
    (tmp_path / "c.py").write_text("import pkg.a\n", encoding="utf-8")
    known = {"pkg.a", "pkg.b", "pkg.c"}
    graph = {name: imported_modules(name, tmp_path / f"{name[4:]}.py", known) for name in known}
    assert graph == {"pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}, "pkg.c": {"pkg.a"}}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.a"]
    everywhere = imported_modules("pkg.b", tmp_path / "b.py", known, everywhere=True)
    assert everywhere == {"pkg.a", "pkg.c"}  # the import in f() counts; the TYPE_CHECKING one never runs
    assert find_cycle({"x": {"y"}, "y": set()}) is None
