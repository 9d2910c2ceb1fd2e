"""The shape of the code: every module imports first in a fresh interpreter, and `indicators` stands alone.

A module that only imports when something else was imported before it hides an
import cycle; each module of `tables/` and `indicators/` is therefore imported
first, in its own interpreter, right after `django.setup()` (which every entry
point runs: manage.py, wsgi, the task worker, the suite).

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
