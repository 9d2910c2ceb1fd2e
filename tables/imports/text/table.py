"""How a pasted table is read: `parse_table_text`, a whole 部门（单位）整体绩效目标表, line by line.

The lines above the indicator grid (title and year, 部门（单位）名称, 年度履职目标,
年度总体目标, 年度主要任务 with their amounts, 预算情况) are read here; the grid
itself goes to the shared row parser in `indicators.py`. The overview of what
pasted text looks like, and what the parser does about it, is in the package's
docstring (`tables/imports/text/__init__.py`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Literal

from tables.imports.text.indicators import (
    _header_columns,
    _is_footer,
    _is_header,
    _parse_indicator_block,
    _unknown_columns_reason,
)
from tables.imports.text.rows import Row, _bounded, split_rows
from tables.imports.text.words import (
    _FOOTER_REASON,
    _SECTION_LABELS,
    Problem,
    _amount,
    _Categories,
    _header_field,
    _is_section_label,
    _key,
    _looks_like_amount,
    _too_long,
)

_GOAL_LABELS: frozenset[str] = frozenset({"年度总体目标", "总体目标", "整体绩效目标", "年度整体目标"})
_MISSION_LABELS: frozenset[str] = frozenset({"年度履职目标", "履职目标"})
_ORG_LABEL = re.compile(
    r"^(?:部门[(（]单位[)）]名称|部门名称|单位名称|预算单位名称|预算部门名称)\s*[:：]?\s*(.*)$", re.S
)

# Task amount columns under 预算金额（万元）.
_AMOUNT_FIELDS: dict[str, str] = {
    "总额": "total",
    "合计": "total",
    "小计": "total",
    "财政拨款": "fiscal",
    "财政资金": "fiscal",
    "财政拨款资金": "fiscal",
    "其他资金": "other",
}
_TASK_HEADER_LABELS: frozenset[str] = frozenset({"任务名称", "主要内容", "预算金额(万元)", "预算金额"})
_TASK_TOTAL_LABELS: frozenset[str] = frozenset({"金额合计", "合计", "总计"})

# Rows of the 预算情况 block → budget key (after the numbering prefix is removed).
_BUDGET_FIELDS: dict[str, str] = {
    "部门预算总额": "total",
    "预算总额": "total",
    "部门预算": "total",
    "政府预算资金": "fiscal",
    "财政拨款": "fiscal",
    "财政拨款资金": "fiscal",
    "财政专户管理资金": "special_account",
    "单位资金": "unit_funds",
    "其他资金": "other",
    "基本支出": "basic",
    "项目支出": "project",
}
_BUDGET_GROUP_LABELS: frozenset[str] = frozenset({"资金来源", "资金结构"})
_BUDGET_PREFIX = re.compile(r"^(?:\d+[、.]\s*)?(?:资金来源|资金结构)?\s*[:：]?\s*(?:[(]\d+[)])?\s*")
_UNIT_SUFFIX = re.compile(r"[(]万元[)]$|[:：]$")

_TITLE_WORDS = re.compile(r"绩效目标(?:申报)?表")
_YEAR_IN_PARENS = re.compile(r"[(（]\s*(\d{4})\s*年度?\s*[)）]")
_YEAR_LINE = re.compile(r"^[(（]?\s*(\d{4})\s*年度?\s*[)）]?$")
_YEAR_PREFIX = re.compile(r"^(\d{4})\s*年度?\s*")


@dataclass
class ParseResult:
    """A `target-table/1` dict, the lines not placed, and parts the text never stated."""

    data: dict
    problems: list[Problem] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # e.g. "预算年度" when no year was found


@dataclass
class _TableState:
    """What `parse_table_text` has read so far."""

    data: dict
    problems: list[Problem] = field(default_factory=list)
    mode: Literal["head", "tasks", "budget", "goal", "mission"] = "head"
    amount_fields: list[str] = field(default_factory=list)
    saw_table_row: bool = False


def _empty_table(source: str | None) -> dict:
    return {
        "format": "target-table/1",
        "source": source,
        "kind": "department",
        "year": None,
        "title": None,
        "organization": {"code": None, "name": None},
        "project": None,
        "mission": None,
        "goal": None,
        "budget": {},
        "spending_plan": None,
        "tasks": [],
        "indicators": [],
    }


def _clean_goal(text: str) -> str:
    """Paragraph markup (<p>, <br>) → line breaks; other tags removed; blank lines dropped."""
    text = re.sub(r"(?i)<\s*br\s*/?>|</\s*p\s*>|</\s*div\s*>", "\n", text)
    text = re.sub(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>", "", text)
    text = html.unescape(text)
    lines = (line.strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _title_and_year(cell: str) -> tuple[str | None, int | None]:
    """Split a heading line into (title, year); either may be None."""
    text = re.sub(r"^#+\s*", "", cell).strip()
    year_line = _YEAR_LINE.match(_key(text))
    if year_line:
        return None, int(year_line.group(1))
    if not _TITLE_WORDS.search(text):
        return None, None
    year = None
    found = _YEAR_IN_PARENS.search(text)
    if found:
        year = int(found.group(1))
        text = (text[: found.start()] + text[found.end() :]).strip()
    prefix = _YEAR_PREFIX.match(text)
    if prefix:
        year = year or int(prefix.group(1))
        text = text[prefix.end() :].strip()
    return text, year


def _organization(text: str) -> dict:
    found = re.match(r"^[\[【(（]?(\d{3,})[\]】)）]?\s*(.+)$", text)
    if found:
        return {"code": found.group(1), "name": found.group(2).strip()}
    return {"code": None, "name": text}


def _label_and_text(row: Row, labels: frozenset[str]) -> str | None:
    """The text after a label cell (e.g. 年度总体目标) in the same row, or None if no such label."""
    for i, cell in enumerate(row.cells):
        if _key(cell) in labels:
            return "\n".join(c for c in row.cells[i + 1 :] if c)
    return None


def _budget_field(cell: str) -> str | None:
    label = _UNIT_SUFFIX.sub("", _BUDGET_PREFIX.sub("", _key(cell)))
    return _BUDGET_FIELDS.get(label)


def _is_amount_header(row: Row) -> bool:
    labels = [_key(c) for c in row.filled]
    return len(labels) >= 2 and all(c in _AMOUNT_FIELDS or c in _TASK_HEADER_LABELS for c in labels)


def _read_task_header(state: _TableState, row: Row) -> None:
    state.mode = "tasks"
    fields = [_AMOUNT_FIELDS[_key(c)] for c in row.filled if _key(c) in _AMOUNT_FIELDS]
    if fields:
        state.amount_fields = fields
    elif any(_key(c).startswith("预算金额") for c in row.filled):
        state.amount_fields = ["total", "fiscal", "other"]  # the sub-header row may still reorder them


def _read_task(state: _TableState, row: Row) -> None:
    """A 年度主要任务 row: name, content, then the amounts in the header's order."""
    columns = ["name", "content", *state.amount_fields]
    best: tuple | None = None
    for skip in range(min(len(row.cells), 4)):
        if skip and row.cells[skip - 1] and not _is_section_label(row.cells[skip - 1]):
            break
        cells = row.cells[skip:]
        values = dict(zip(columns, cells, strict=False))
        extra = [c for c in cells[len(columns) :] if c]
        score = -5 * len(extra)
        for name in ("name", "content"):
            cell = values.get(name, "")
            score += -3 if _looks_like_amount(cell) else (1 if cell else -2)
        for name in state.amount_fields:
            cell = values.get(name, "")
            score += 0.5 if _looks_like_amount(cell) else (0 if not cell else -3)
        if best is None or score > best[0]:
            best = (score, values, extra)
    assert best is not None
    _, values, extra = best
    if not values.get("name") and not values.get("content"):
        state.problems.append((row.line, row.text, "无法识别的任务行，未导入"))
        return
    if reason := _too_long("task", values.get("name")):
        state.problems.append((row.line, row.text, reason))
        return
    if extra:
        state.problems.append((row.line, row.text, f"多出的单元格未导入：{'、'.join(extra)}"))
    state.data["tasks"].append(
        {
            "name": values.get("name") or None,
            "content": values.get("content") or None,
            **{name: _checked_amount(state, row, values.get(name)) for name in ("total", "fiscal", "other")},
        }
    )


def _checked_amount(state: _TableState, row: Row, cell: str | None) -> str | None:
    """An amount cell as printed; anything but a plain number (1e9, 约10) is reported and left blank."""
    if cell and not _looks_like_amount(cell):
        state.problems.append((row.line, row.text, f"金额「{cell[:40]}」不是数字，未导入"))
        return None
    return _amount(cell)


def _read_task_totals(state: _TableState, row: Row) -> None:
    """The 金额合计 row under the tasks states the table's budget."""
    start = next((i for i, c in enumerate(row.cells) if _key(c) in _TASK_TOTAL_LABELS), 0) + 1
    cells = row.cells[start:]
    # The label may span the name and content columns: skip blanks up to the first amount.
    while cells and not cells[0] and len(cells) > len(state.amount_fields):
        cells = cells[1:]
    for name, cell in zip(state.amount_fields or ["total", "fiscal", "other"], cells, strict=False):
        if cell and not _looks_like_amount(cell):
            state.problems.append((row.line, row.text, f"金额「{cell}」不是数字，未导入"))
            continue
        state.data["budget"][name] = _amount(cell)


def _read_budget(state: _TableState, row: Row, pending: list[tuple[Row, str]]) -> None:
    """A row of the 预算情况 block: a label cell and the amount in the next cell."""
    state.mode = "budget"
    index = next(i for i, c in enumerate(row.cells) if _budget_field(c))
    name = _budget_field(row.cells[index])
    amount = row.cells[index + 1] if index + 1 < len(row.cells) else ""
    assert name is not None
    state.data["budget"][name] = _checked_amount(state, row, amount)
    for i, cell in enumerate(row.cells):
        if i in (index, index + 1) or not cell or _is_section_label(cell):
            continue
        if _header_field(cell):
            pending.append((row, cell))  # half of the indicator header, printed beside the budget (merged cell)
        else:
            state.problems.append((row.line, row.text, f"预算情况行中多出的内容未导入：{cell}"))


def _read_heading(state: _TableState, row: Row) -> bool:
    """Title, year and 单位：万元 lines above the table. Returns whether the row was one of them."""
    if len(row.filled) != 1 or state.saw_table_row:
        return False
    cell = row.filled[0]
    if _key(cell) in _SECTION_LABELS:
        return True
    title, year = _title_and_year(cell)
    if title is None and year is None:
        return False
    if reason := _too_long("title", title):
        state.problems.append((row.line, row.text, reason))
        title = None
    if title and state.data["title"] is None:
        state.data["title"] = title
    if year and state.data["year"] is None:
        state.data["year"] = year
    return True


def _continues_text(row: Row) -> bool:
    """A row holding only more text of a goal/mission cell cut by a page break."""
    return len(row.filled) == 1 and not row.cells[0] and not _is_header(row)


def parse_table_text(text: str, source: str | None = None) -> ParseResult:
    """Parse a whole 部门（单位）整体绩效目标表 into a `target-table/1` dict.

    The indicator part is handed to the same row parser as `parse_indicator_rows`.
    """
    state = _TableState(_empty_table(source))
    data = state.data
    cats = _Categories(None)
    text, state.problems = _bounded(text)
    rows = split_rows(text)
    # Header labels printed beside the budget rows (merged cells); the header row that follows uses them.
    pending_header: list[tuple[Row, str]] = []
    for index, row in enumerate(rows):
        if row.blank:
            continue
        if _is_header(row):
            _read_indicators(state, row, rows[index + 1 :], cats)
            pending_header = []
            break
        if state.mode != "tasks" and _opens_indicators(row, cats):
            _read_indicators(state, None, rows[index:], cats)
            break
        _read_table_row(state, row, pending_header)
    for row, cell in pending_header:
        state.problems.append((row.line, row.text, f"「{cell}」像是指标表头，但后面没有指标表"))
    wanted = (("year", "预算年度"), ("title", "表名"), ("goal", "年度总体目标"))
    missing = [label for key, label in wanted if not data[key]]
    if not data["organization"]["name"]:
        missing.append("部门（单位）名称")
    if data["mission"] and "年度总体目标" in missing:
        missing.remove("年度总体目标")  # layouts with 年度履职目标 may have no 总体目标
    return ParseResult(data, sorted(state.problems), missing)


def _read_indicators(state: _TableState, header: Row | None, body: list[Row], cats: _Categories) -> None:
    """Hand the indicator grid to the shared row parser."""
    if header is None:
        columns: list[str | None] = ["level1", "level2", "level3", "value"]
        hint = None
    else:
        columns, skip, unknown = _header_columns(header)
        hint = (skip, next((c for c in columns if c), None))
        if unknown:
            state.problems.append((header.line, header.text, _unknown_columns_reason(unknown)))
    result = _parse_indicator_block(body, columns, cats, None, hint)
    state.data["indicators"] = result.rows
    state.problems += result.problems


def _opens_indicators(row: Row, cats: _Categories) -> bool:
    """Indicator rows with no header before them: a row naming a 一级/二级 and more cells."""
    return len(row.filled) >= 3 and any(cats.is_category(c) for c in row.cells[:3])


def _read_table_row(state: _TableState, row: Row, pending_header: list[tuple[Row, str]]) -> None:
    """One row above the indicator grid: heading, organisation, tasks, goal, budget."""
    if _read_heading(state, row):
        return
    state.saw_table_row = True
    if _is_footer(row):
        state.problems.append((row.line, row.text, _FOOTER_REASON))
    elif not (_read_organisation(state, row) or _read_goal_or_mission(state, row)):
        _read_block_row(state, row, pending_header)


def _read_organisation(state: _TableState, row: Row) -> bool:
    """The 部门（单位）名称 row; returns whether the row was it."""
    org = _ORG_LABEL.match(row.filled[0])
    if not org:
        return False
    rest = [org.group(1).strip(), *row.filled[1:]]
    name = next((c for c in rest if c), "")
    organization = _organization(name)
    if reason := _too_long("organization", organization["name"]):
        state.problems.append((row.line, row.text, reason))
    elif name:
        state.data["organization"] = organization
    state.mode = "head"
    return True


def _read_goal_or_mission(state: _TableState, row: Row) -> bool:
    """A 年度总体目标 or 年度履职目标 row (label, then its text); returns whether the row was one."""
    for labels, key in ((_GOAL_LABELS, "goal"), (_MISSION_LABELS, "mission")):
        found = _label_and_text(row, labels)
        if found is not None:
            state.data[key] = _clean_goal(found) or None
            state.mode = key
            return True
    return False


def _read_block_row(state: _TableState, row: Row, pending_header: list[tuple[Row, str]]) -> None:
    """A row of the tasks or budget blocks, or more text of the goal above."""
    data = state.data
    if any(_key(c) in _TASK_HEADER_LABELS for c in row.filled) or _is_amount_header(row):
        _read_task_header(state, row)
    elif any(_key(c) in _TASK_TOTAL_LABELS for c in row.filled):
        _read_task_totals(state, row)
    elif any(_budget_field(c) for c in row.cells):
        _read_budget(state, row, pending_header)
    elif all(_is_section_label(c) or _key(c) in _BUDGET_GROUP_LABELS for c in row.filled):
        pass  # block labels only (年度主要任务, 资金来源：)
    elif state.mode in ("goal", "mission") and _continues_text(row):
        data[state.mode] = "\n".join(filter(None, [data[state.mode], _clean_goal(row.filled[0])]))
    elif state.mode == "tasks":
        _read_task(state, row)
    else:
        state.problems.append((row.line, row.text, "无法识别的行，未导入"))
