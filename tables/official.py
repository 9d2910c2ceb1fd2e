"""The official form drawn on a page (the table page, the review page, the editor's preview).

The seeds' three layouts keep their hand-set arrangement (`templates/tables/table_detail.html`,
the same forms `tables.exports.printed.PRINT_DEFAULTS` prints); every other layout is drawn from
its record (`tables/layout_spec.py`): the header lines in its order with its labels (two keys
under one label share a cell), its indicator columns with their labels, one grid per period
where 中期 and 年度 stand apart, the footer lines and the 审核意见 rows.
"""

from __future__ import annotations

from itertools import groupby

from indicators.record import ANNUAL, LONG_TERM, format_number
from tables.exports.printed import is_record_layout
from tables.layout_spec import column_label, footer_lines, header_lines, periods
from tables.layouts import layout_as_dict
from tables.models import TargetTable
from tables.summary import task_totals

PERIOD_LABELS = {LONG_TERM: "中期（长期）指标", ANNUAL: "年度指标"}
# Header keys drawn apart from the header lines (they have blocks of their own on the page).
_BLOCK_KEYS = {"mission", "goal", "long_term_goal"}
# Two keys under one label print as one cell: how they are joined.
_JOINS = {("project_start", "project_end"): "–", ("department_code", "department_name"): " "}


def indicator_groups(indicators) -> list[dict]:
    """Indicators grouped for the printed grid: 一级 → 二级 → rows, with rowspans."""
    groups = []
    for level1, rows1 in groupby(indicators, key=lambda i: i.level1):
        rows1 = list(rows1)
        subgroups = []
        for level2, rows2 in groupby(rows1, key=lambda i: i.level2):
            subgroups.append({"name": level2, "rows": list(rows2)})
        groups.append({"name": level1, "rowspan": len(rows1), "subgroups": subgroups})
    return groups


def official_context(table: TargetTable) -> dict:
    """What the page's official form shows: its blocks, rows and labels."""
    layout = table.layout
    tasks = list(table.tasks.all())
    indicators = list(table.indicators.all())
    budget_labels = layout.budget_labels()
    spec = layout_as_dict(layout)
    columns = [(key, column_label(spec, key)) for key in layout.columns if key not in ("level1", "level2")]
    groups = indicator_groups(indicators)
    context = {
        "table": table,
        "layout": layout,
        "tasks": tasks,
        "totals": task_totals(tasks),
        "indicator_count": len(indicators),
        "columns": columns,
        "budget_rows": [(budget_labels[key], getattr(table, f"budget_{key}")) for key in layout.budget_keys],
        "plan": table.spending_plan() if layout.has("spending_plan") else None,
        "record_form": is_record_layout(spec),
        "show_categories": True,
        "period_grids": [("", groups)],  # one grid; a record layout may print one per period
        "groups": groups,
    }
    for row in indicators:
        row.cells = [_cell(row, key) for key, _ in columns]
    if context["record_form"]:
        context.update(_record_form(table, spec, indicators))
    return context


def _record_form(table: TargetTable, spec: dict, indicators: list) -> dict:
    own = periods(spec)
    grids = [
        (PERIOD_LABELS[period] if len(own) > 1 else "", indicator_groups([i for i in indicators if i.period == period]))
        for period in own
    ]
    footer = [(line["label"], getattr(table, line["key"], "")) for line in footer_lines(spec)]
    return {
        "header_rows": header_rows(table, spec),
        "show_categories": "level1" in spec["columns"],
        "period_grids": grids,
        "long_term_goal": table.long_term_goal if "long_term_goal" in _keys(spec) else None,
        "block_labels": {line["key"]: line["label"] for line in header_lines(spec) if line["key"] in _BLOCK_KEYS},
        "footer_rows": footer,
        "opinion_rows": _opinions(table, spec),
        "opinion_colspan": max(1, 2 * len(footer) - 1),
    }


def header_rows(table: TargetTable, spec: dict) -> list[tuple[str, str, str]]:
    """(label, text, first key) per printed header cell, keys under one label joined into one cell."""
    rows: list[tuple[str, list[str]]] = []
    for line in header_lines(spec):
        if line["key"] in _BLOCK_KEYS:
            continue
        if rows and rows[-1][0] == line["label"]:
            rows[-1][1].append(line["key"])
        else:
            rows.append((line["label"], [line["key"]]))
    return [(label, _joined(table, keys), keys[0]) for label, keys in rows]


def _joined(table: TargetTable, keys: list[str]) -> str:
    texts = [_header_value(table, key) for key in keys]
    if len(keys) == 2:
        pair = tuple(sorted(keys))
        for joined_keys, sep in _JOINS.items():
            if pair == tuple(sorted(joined_keys)):
                ordered = [_header_value(table, key) for key in joined_keys]
                return sep.join(t for t in ordered if t)
    return " ".join(t for t in texts if t)


def _header_value(table: TargetTable, key: str) -> str:
    if key == "organization":
        return table.organisation.name
    if key == "organization_code":
        return table.organisation.code or ""
    return getattr(table, key, "") or ""


def _keys(spec: dict) -> set[str]:
    return {line["key"] for line in spec.get("header") or []}


def _opinions(table: TargetTable, spec: dict) -> list[tuple[str, str]]:
    texts = {o.get("by"): o.get("text") or "" for o in table.opinions or [] if isinstance(o, dict)}
    return [(by, texts.get(by, "")) for by in spec.get("opinion_rows") or []]


def _cell(row, key: str) -> str:
    value = getattr(row, key, None)
    if key == "number":
        return format_number(value)
    if key == "core":
        return {True: "是", False: "否"}.get(value, "")
    if key == "weight":
        return format_number(value)
    return "" if value is None else str(value)
