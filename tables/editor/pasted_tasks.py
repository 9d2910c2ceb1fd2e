"""Task rows pasted into step 2 from a spreadsheet: 任务名称, 主要内容[, 总额, 财政拨款, 其他资金].

The rows are split by the pasted-text reader (`tables/imports/text.py`); this
module reads them as tasks. A row that cannot be stored whole is not imported
and is reported with its line, like the indicator parser's problems.
"""

from __future__ import annotations

from tables.fields import parse_amount
from tables.imports.text import split_rows
from tables.models import Task

_COLUMNS = ("name", "content", "total", "fiscal", "other")
_AMOUNTS = ("total", "fiscal", "other")
_LABELS = ("年度主要任务", "主要任务")  # the printed table's label column, copied along
_TOTALS = ("金额合计", "合计")


def parse_task_rows(text: str, *, with_amounts: bool) -> tuple[list[dict], list[tuple[int, str, str]]]:
    """Task rows pasted from a spreadsheet: 任务名称, 主要内容[, 总额, 财政拨款, 其他资金].

    Returns (rows, problems) with problems as `(line, text, reason)` like the indicator parser.
    """
    columns = _COLUMNS if with_amounts else _COLUMNS[:2]
    rows: list[dict] = []
    problems: list[tuple[int, str, str]] = []
    for row in split_rows(text):
        cells = _task_cells(row.cells)
        if not cells or _is_header(cells):
            continue
        values, reasons = _task_values(cells, columns)
        problems += [(row.line, row.text, reason) for reason in reasons]
        if values is not None:
            rows.append(values)
    return rows, problems


def _task_cells(cells: list[str]) -> list[str]:
    """A row's cells, stripped, without trailing blanks and without the 年度主要任务 label column."""
    cells = [c.strip() for c in cells]
    while cells and not cells[-1]:
        cells.pop()
    if cells and cells[0] in _LABELS:
        cells = cells[1:]
    while cells and not cells[0]:
        cells = cells[1:]  # the merged label column, blank on every row but one
    return cells


def _is_header(cells: list[str]) -> bool:
    return cells[0] == "任务名称" and any(c in ("主要内容", "总额", "财政拨款") for c in cells)


def _task_values(cells: list[str], columns: tuple[str, ...]) -> tuple[dict | None, list[str]]:
    """One task's values (None when the row is not imported) and the reasons to report about it."""
    if cells[0] in _TOTALS:
        return None, ["合计行由系统计算，未导入"]
    notes = []
    if len(cells) > len(columns):
        notes.append(f"多出的单元格未导入：{'、'.join(cells[len(columns) :])}")
    values: dict = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(columns)}
    refusals = [*_too_long(values), *_read_amounts(values)]
    if not values["name"]:
        return None, [*notes, *refusals, "找不到任务名称，未导入"]
    return (None if refusals else values), [*notes, *refusals]


def _too_long(values: dict) -> list[str]:
    reasons = []
    for name in ("name", "content"):
        limit = Task._meta.get_field(name).max_length
        if limit and len(values[name]) > limit:
            label = Task._meta.get_field(name).verbose_name
            reasons.append(f"“{label}”过长（{len(values[name])} 个字，最多 {limit} 个字），未导入")
    return reasons


def _read_amounts(values: dict) -> list[str]:
    """Amounts in place of their text; the reason for each that is not a number."""
    reasons = []
    for name in _AMOUNTS:
        if name in values:
            try:
                values[name] = parse_amount(values[name])
            except ValueError as exc:
                reasons.append(str(exc))
    return reasons
