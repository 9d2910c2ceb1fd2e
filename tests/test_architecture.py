"""The shape of the code: every module imports first in a fresh interpreter, and `indicators` stands alone.

A module that only imports when something else was imported before it hides an
import cycle; each module of `tables/` and `indicators/` is therefore imported
first, in its own interpreter, right after `django.setup()` (which every entry
point runs: manage.py, wsgi, the task worker, the suite).

`tables` uses `indicators`, never the reverse at import time. The imports of
`tables` that `indicators` still makes inside functions are listed below by
name, so the list can only shrink on purpose (issue 12 moves them out).
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

# indicators → tables imports made inside functions (module, function, imported module).
KNOWN_LAZY_IMPORTS_OF_TABLES = {
    ("indicators.checks.engine", "check_stored_table", "tables.imports.exchange"),
    ("indicators.checks.engine", "check_document", "tables.layouts"),
    ("indicators.checks.engine", "shipped_layout", "tables.layouts"),
    ("indicators.management.commands.check_tables", "_check", "tables.imports.dispatch"),
    ("indicators.management.commands.check_tables", "_check", "tables.imports.exchange"),
    ("indicators.management.commands.check_tables", "_stored_or_shipped_layout", "tables.models"),
}


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


def imports_of_tables(path: Path) -> tuple[set[str], set[tuple[str, str]]]:
    """(`tables` modules imported at module level, (function, module) imported inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    at_import, in_functions = set(), set()

    def named(node) -> list[str]:
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            return [node.module]
        return []

    def walk(node, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                walk(child, function or child.name)
                continue
            for module in named(child):
                if module == "tables" or module.startswith("tables."):
                    if function is None:
                        at_import.add(module)
                    else:
                        in_functions.add((function, module))
            walk(child, function)

    walk(tree, None)
    return at_import, in_functions


def test_indicators_imports_nothing_from_tables_when_it_is_imported():
    at_import, lazy = {}, set()
    for name, path in module_files("indicators").items():
        top, inside = imports_of_tables(path)
        if top:
            at_import[name] = sorted(top)
        lazy |= {(name, function, module) for function, module in inside}
    assert not at_import, f"indicators imports tables at module level: {at_import}"
    # The known exception: these imports run when the function is called. Remove an entry when
    # its import goes; a new one is a new dependency of indicators on tables.
    assert lazy == KNOWN_LAZY_IMPORTS_OF_TABLES
