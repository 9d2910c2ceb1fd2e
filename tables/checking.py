"""The checks (智能审核) run on what `tables` stores and ships.

`indicators.checks` reads plain data — an exchange-format dict, a layout dict,
a scheme's tree and params — and knows nothing of `tables`. This module is the
adapter from stored tables, shipped layouts and exchange documents to that input:

- `check_stored_table(table)` on a `TargetTable` (a constant number of queries);
- `check_document(data)` on a whole exchange file (a table or a booklet), with
  the shipped layouts and schemes unless told how to resolve a layout code;
- `shipped_layout(code)`: the (layout, scheme tree, params) of a shipped layout, or of
  a layout record in the database (the province layouts live only there).

A stored table is checked through its `target-table/2` export, which carries the
record fields (period, direction, weight; the split parts where the form prints them),
against its layout record: what the table holds is checked exactly as the same
document checked from a file.
"""

from __future__ import annotations

from collections.abc import Callable

from indicators.checks import DEFAULT_PARAMS, Finding, TableReport, check_table, document_tables
from indicators.schemes import scheme_params
from indicators.schemes import scheme_tree as shipped_scheme_tree
from tables.imports.exchange import export_table
from tables.layouts import LAYOUTS_BY_CODE, infer_layout_code, layout_as_dict
from tables.models import Layout


def check_stored_table(table, *, indicators: list[tuple] | None = None) -> list[Finding]:
    """Findings for a stored `TargetTable`, in a number of queries that does not grow with its rows.

    Pass a table from `tables.imports.exchange.tables_for_export()` (layout, scheme,
    tasks and indicators fetched up front); the scheme's categories are one
    more query. `indicators`: its rows as `tables.imports.exchange.indicator_values`
    reads them, for a table whose indicators are not loaded (`export_table`).
    """
    data = export_table(table, with_ids=True, indicators=indicators)
    layout, tree, params = stored_layout(table.layout)
    return check_table(data, layout=layout, scheme_tree=tree, params=params)


def check_document(
    data: dict,
    label: str = "",
    *,
    resolve: Callable[[str], tuple[dict, dict[str, list[str]], dict]] | None = None,
) -> list[TableReport]:
    """Check every table of an exchange document (a booklet: each project table).

    `resolve(layout_code)` gives `(layout, scheme_tree, params)`; by default
    the layouts and schemes shipped in `tables.layouts` / `indicators.schemes`.
    """
    resolve = resolve or shipped_layout
    reports = []
    for suffix, table in document_tables(data):
        # A transcription names its layout `layout_family` (tests/data/provinces/README.md).
        code = table.get("layout") or table.get("layout_family") or infer_layout_code(table)
        layout, tree, params = resolve(code)
        findings = check_table(table, layout=layout, scheme_tree=tree, params=params)
        reports.append(TableReport(f"{label}{suffix}", str(table.get("title") or ""), findings))
    return reports


def shipped_layout(code: str) -> tuple[dict, dict[str, list[str]], dict]:
    """(layout, scheme tree, params) of a layout shipped in `tables.layouts`, else of the database's record."""
    if code in LAYOUTS_BY_CODE:
        layout = layout_as_dict(LAYOUTS_BY_CODE[code])  # with the names of its budget keys
        return layout, shipped_scheme_tree(layout["scheme"]), scheme_params(layout["scheme"])
    record = Layout.objects.select_related("scheme").filter(code=code).first()
    if record is None:
        raise ValueError(f"未知的表样“{code}”")
    return stored_layout(record)


def stored_layout(layout) -> tuple[dict, dict[str, list[str]], dict]:
    """(layout, scheme tree, params) of a `Layout` record, as the checks read them."""
    scheme = layout.scheme
    return layout_as_dict(layout), scheme.tree(), {**DEFAULT_PARAMS, **(scheme.params or {})}
