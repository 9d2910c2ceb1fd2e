"""Lay a `target-table/2` transcription out as its province's printed form (a `Grid`).

`form_grid(table, layout)` takes one transcription of `tests/data/provinces/` (or a list,
for a page or sheet holding several) and its layout record (`tables/layout_data/<code>.json`)
and prints it top to bottom as the form does:

1. the title, merged across, with the year inside it as provinces print it
   (`2023年度项目支出绩效目标申报表`), and a subtitle where the form has one;
2. the 金额单位 line where the layout prints one (or when amounts are printed in 元);
3. the header lines in the layout's order, short ones two to a row (label | value | label |
   value), long text one to a row with its value merged across; a label the layout gives to
   two keys is one cell holding both (`[015001]武汉市青山区教育局`, `202001-202012`);
4. the schedule (项目实施进度计划) and cost rows (项目预算成本构成) where the table has them;
5. the budget block: a caption cell merged down its lines, each line's printed label and
   amount (in 元 ×10000 when `amount_unit="元"`);
6. the goal rows (中期目标 / 年度目标) and the lines the layout has no key for (`header_extra`);
7. the indicator grid: its caption merged down the left, one or two header rows, 中期 and
   年度 side by side (一级 once, then 二级/三级/指标值 per period) or one grid per period
   (`period_grids: stacked`), split sign | number | unit columns, grade and per-column value
   groups under a merged heading, and the 一级 and 二级 cells merged down their rows;
8. the notes, the footer line (填表人 … 联系电话 … 填报日期) and the 审核意见 rows.

A flat multi-project layout (`options.multi_project`) prints all projects in one sheet, each
project's 单位名称 / 项目名称 / 预算数 / 年度目标 merged down its indicator rows.
"""

from __future__ import annotations

import re
from decimal import Decimal

from indicators.record import ANNUAL
from tables.layout_spec import column_label, footer_lines, header_lines, periods
from tables.layouts import budget_labels

from .grid import Cell, Grid

WAN = "万元"
YUAN = "元"

# Header keys whose value is long prose: printed one to a row, merged across.
LONG_KEYS = {"goal", "long_term_goal", "mission", "project_purpose"}
LONG_TEXT = 24  # characters: a longer value gets a row of its own too

# Two keys one printed cell holds, and how the form writes them together.
_JOINED = {
    ("department_name", "department_code"): lambda name, code: f"[{code}]{name}" if code else name,
    ("organization", "organization_code"): lambda name, code: f"[{code}]{name}" if code else name,
    ("project_start", "project_end"): lambda start, end: f"{start}-{end}" if end else start,
    ("project_manager", "project_phone"): lambda name, phone: f"{name}{phone}",
}
_FOOTER_KEYS = {"filled_by": "filler", "filler_phone": "phone", "filled_on": "date", "responsible": "responsible"}
_SUBTITLE = "(副标题)"


def form_grid(table: dict | list[dict], layout: dict, *, amount_unit: str | None = None) -> Grid:
    """The printed form of a transcription (or of several, back to back) in its layout.

    `amount_unit` is 万元 or 元; by default the layout's `options.amount_unit` says (万元 when
    it says nothing). In 元 every amount is printed ×10000.
    """
    unit = amount_unit or _layout_unit(layout)
    if unit not in (WAN, YUAN):
        raise ValueError(f"amount_unit should be 万元 or 元, not {unit!r}")
    tables = table if isinstance(table, list) else [table]
    if (layout.get("options") or {}).get("multi_project"):
        return _FlatSheet(tables, layout, unit).build()
    return Grid.stack([_Form(t, layout, unit).build() for t in tables])


def with_indicators(table: dict, count: int) -> dict:
    """A copy of `table` holding `count` indicators (for timings: "a 60-indicator xlsx"), each of its
    rows repeated in place with a numbered name (`受益群众满意度（2）`), so categories stay together."""
    indicators = table.get("indicators") or []
    if not indicators:
        raise ValueError("the table has no indicators to repeat")
    times = -(-count // len(indicators))
    rows = [
        {**ind, "level3": f"{ind.get('level3') or ''}（{i}）" if i > 1 else ind.get("level3")}
        for ind in indicators
        for i in range(1, times + 1)
    ]
    return {**table, "indicators": rows[:count]}


def with_extra_column(table: dict, layout: dict, label: str, values: list[str]) -> tuple[dict, dict]:
    """Copies of `table` and its layout with one more indicator column, headed `label` and printed last,
    that no field of any form is called (a column the recogniser can place nowhere): row i holds
    `values[i]`, cycled."""
    key = "extra_column"
    if key in (layout.get("columns") or []):
        raise ValueError("the layout already has an extra column")
    indicators = [{**ind, key: values[i % len(values)]} for i, ind in enumerate(table.get("indicators") or [])]
    layout = {
        **layout,
        "columns": [*(layout.get("columns") or []), key],
        "column_labels": {**(layout.get("column_labels") or {}), key: label},
    }
    return {**table, "indicators": indicators}, layout


def printed_title(table: dict, layout: dict) -> str:
    """The title as printed: the year inside it when the transcription's title has none."""
    title = table.get("title") or layout.get("title") or ""
    year = table.get("year")
    if year and str(year) not in title:
        title = f"{year}年度{title}"
    return title


def printed_amount(text: object, unit: str) -> str:
    """A 万元 amount as printed in `unit`: `"6.30"` → `"63000.00"` in 元 (exact, Decimal)."""
    if text in (None, ""):
        return ""
    if unit == WAN:
        return str(text)
    yuan = Decimal(str(text)) * 10000
    cents = yuan.quantize(Decimal("0.01"))
    return str(cents) if cents == yuan else str(yuan)  # 元 to the fen, unless that would round


def header_value(table: dict, key: str) -> str:
    """The transcription's value for a layout header key ("" when blank)."""
    if key in ("organization", "organization_code"):
        value = (table.get("organization") or {}).get("name" if key == "organization" else "code")
    elif key.startswith("department_"):
        value = (table.get("department") or {}).get(key.removeprefix("department_"))
    elif key.startswith("project_"):
        value = (table.get("project") or {}).get(key.removeprefix("project_"))
    else:
        value = table.get(key)
    return "" if value is None else str(value)


def printed_header(table: dict, layout: dict) -> list[tuple[str, list[str], str]]:
    """The header cells in printed order: (label, the keys the cell holds, its text)."""
    cells: list[tuple[str, list[str], str]] = []
    for line in header_lines(layout):
        if cells and cells[-1][0] == line["label"]:
            label, keys, _ = cells.pop()
            keys = [*keys, line["key"]]
            join = _JOINED.get((keys[0], keys[1]))
            values = [header_value(table, key) for key in keys]
            text = join(*values) if join and len(keys) == 2 else "".join(values)
            cells.append((label, keys, text))
        else:
            cells.append((line["label"], [line["key"]], header_value(table, line["key"])))
    return cells


def grade_cells(scoring: object, grades: list[str]) -> list[str]:
    """`优:100%;良:90%;…` as the four grade cells."""
    parts = dict(part.split(":", 1) for part in str(scoring or "").split(";") if ":" in part)
    return [parts.get(grade, "") for grade in grades]


def _layout_unit(layout: dict) -> str:
    text = str((layout.get("options") or {}).get("amount_unit") or "")
    return YUAN if YUAN in text and WAN not in text else WAN


def _plain(label: str) -> str:
    """A label as compared: no spaces, colons or bracket styles."""
    return re.sub(r"[\s:：()（）]", "", label or "")


# ---------------------------------------------------------------- the indicator grid


class _Columns:
    """The indicator grid's columns: for each, its header text(s) and how a row fills it."""

    def __init__(self, layout: dict, table: dict, *, side_by_side: list[str] | None = None):
        self.layout = layout
        self.options = layout.get("options") or {}
        self.heads: list[tuple[str, str]] = []  # (top header, second header or "" when merged down)
        self.fills: list[tuple[str, str, str]] = []  # (key, period or "", grade / value column or "")
        self.labels = self.options.get("period_labels") or {}
        keys = list(layout.get("columns") or [])
        # Periods side by side whose captions name a value (年度目标值 | 实施周期目标值) share one name.
        self.pairs = bool(side_by_side) and all(self.labels.get(p, "").endswith("值") for p in side_by_side)
        if self.pairs:
            self._value_per_period(keys, side_by_side)
        elif side_by_side:
            self._block_per_period(keys, side_by_side)
        else:
            self._one_period(keys, table)

    def _value_per_period(self, keys: list[str], side_by_side: list[str]) -> None:
        """The names once, one value column per period."""
        for key in keys:
            if key == "value":
                for period in side_by_side:
                    self._add(self.labels[period], "", "value", period)
            else:
                self._add(column_label(self.layout, key), "", key)

    def _block_per_period(self, keys: list[str], side_by_side: list[str]) -> None:
        """一级 once, then 二级 / 三级 / 指标值 for each period under its caption (the 88号 form)."""
        if "level1" in keys:
            self._add(column_label(self.layout, "level1"), "", "level1")
        for period in side_by_side:
            for key in keys:
                if key != "level1":
                    self._add(self.labels.get(period, period), column_label(self.layout, key), key, period)

    def _one_period(self, keys: list[str], table: dict) -> None:
        """The layout's columns; grades and per-column values as groups under one heading."""
        grades = self.options.get("grades")
        value_columns = table.get("value_columns") if self.options.get("value_columns") else None
        for key in keys:
            if key == "value" and grades:
                for grade in grades:
                    self._add(column_label(self.layout, "scoring"), grade, "grade", "", grade)
            elif key == "value" and value_columns:
                for name in value_columns:
                    self._add(column_label(self.layout, "value"), name, "values", "", name)
            elif key != "scoring" or not grades:  # with grades, 评价标准 is the grades' heading
                self._add(column_label(self.layout, key), "", key)

    def _add(self, top: str, sub: str, key: str, period: str = "", part: str = "") -> None:
        self.heads.append((top, sub))
        self.fills.append((key, period, part))

    @property
    def two_rows(self) -> bool:
        return any(sub for _, sub in self.heads)

    def cells(self, row: dict[str, dict | None]) -> list[str]:
        """One printed row; `row` maps a period ("" for one-period grids) to its indicator."""
        out = []
        for key, period, part in self.fills:
            ind = row[period] if period in row else next((each for each in row.values() if each), None)
            out.append(self._text(ind, key, part) if ind else "")
        return out

    def _text(self, ind: dict, key: str, part: str) -> str:
        if key == "grade":
            return grade_cells(ind.get("scoring"), self.options["grades"])[self.options["grades"].index(part)]
        if key == "values":
            return str((ind.get("values") or {}).get(part) or "")
        if key == "number" and ind.get("number") is None:
            return str(ind.get("value") or "")  # a qualitative row prints its text in the 指标值 column
        if key == "core":
            return {True: "是", False: "否"}.get(ind.get("core"), "")
        if key == "level3" and ind.get("core") and self.options.get("core_mark"):
            return f"{self.options['core_mark']}{ind.get('level3') or ''}"
        value = ind.get(key)
        return "" if value is None else str(value)


def _indicator_rows(indicators: list[dict], side_by_side: list[str] | None) -> list[dict[str, dict | None]]:
    """The printed rows: one indicator each, or for side-by-side periods the pairs a row holds."""
    if not side_by_side:
        return [{"": ind} for ind in indicators]
    rows: list[dict[str, dict | None]] = []
    groups: dict[tuple, dict[str, list[dict]]] = {}
    for ind in indicators:
        key = (ind.get("level1") or "",)
        groups.setdefault(key, {p: [] for p in side_by_side})[ind.get("period") or ANNUAL].append(ind)
    for by_period in groups.values():
        for i in range(max(len(each) for each in by_period.values())):
            rows.append({p: (each[i] if i < len(each) else None) for p, each in by_period.items()})
    return rows


def _pair_rows(indicators: list[dict], side_by_side: list[str]) -> list[dict[str, dict | None]]:
    """Side-by-side values of one indicator (年度目标值 | 实施周期目标值): one row per name."""
    rows: dict[tuple, dict[str, dict | None]] = {}
    for ind in indicators:
        key = (ind.get("level1"), ind.get("level2"), ind.get("level3"))
        rows.setdefault(key, dict.fromkeys(side_by_side))[ind.get("period") or ANNUAL] = ind
    return list(rows.values())


def _merge_categories(grid: Grid, columns: _Columns, first: int, last: int, offset: int) -> None:
    """Merge the 一级 cells down their runs, and the 二级 cells down theirs within one 一级."""
    texts = [list(grid.rows[r]) for r in range(first, last + 1)]  # as laid out, before any blanking
    level1 = [c + offset for c, (key, _, _) in enumerate(columns.fills) if key == "level1"]
    for c, (key, _, _) in enumerate(columns.fills):
        if key not in ("level1", "level2"):
            continue
        col = c + offset
        parents = level1 if key == "level2" else []

        def run_key(i: int, col: int = col, parents: list[int] = parents) -> tuple:
            return (*(texts[i][p] for p in parents), texts[i][col])

        start = 0
        for i in range(1, len(texts) + 1):
            if i < len(texts) and texts[start][col] and run_key(i) == run_key(start):
                continue
            if i - 1 > start:
                for r in range(first + start + 1, first + i):
                    grid.rows[r][col] = ""
                grid.merge(first + start, col, first + i - 1, col)
            start = i


# ---------------------------------------------------------------- one form


class _Form:
    def __init__(self, table: dict, layout: dict, unit: str):
        self.table = table
        self.layout = layout
        self.unit = unit
        self.options = layout.get("options") or {}
        self.periods = periods(layout)
        self.stacked = self.options.get("period_grids") == "stacked"
        side = self.periods if len(self.periods) > 1 and not self.stacked else None
        self.columns = _Columns(layout, table, side_by_side=side)
        self.caption = self.options.get("caption") if not self.stacked else None
        self.grid = Grid(max(len(self.columns.heads) + (1 if self.caption else 0), 4))
        self.printed_labels: set[str] = set()

    def build(self) -> Grid:
        self._title()
        header = printed_header(self.table, self.layout)
        goals = [cell for cell in header if set(cell[1]) & {"goal", "long_term_goal", "mission"}]
        self._header([cell for cell in header if cell not in goals])
        self._schedule()
        self._tasks()
        self._budget()
        for label, _, text in goals:
            self._long("goal", label, text)
        self._extras()
        if self.stacked:
            for period in self.periods:
                self._indicators(period)
        else:
            self._indicators(None)
        self._footer()
        return self.grid

    # -- title and header --------------------------------------------------

    def _title(self) -> None:
        self.grid.line("title", [printed_title(self.table, self.layout)])
        for extra in self.table.get("header_extra") or []:
            if extra.get("label") == _SUBTITLE and extra.get("value"):
                self.grid.line("subtitle", [f"（{extra['value']}）"])
        if self.unit == YUAN or self.options.get("amount_unit"):
            text = str(self.options.get("amount_unit") or "金额单位：万元")
            text = text.replace(WAN, YUAN) if self.unit == YUAN else text
            self.grid.line("unit", [("", self.grid.width - 2), text])

    def _header(self, cells: list[tuple[str, list[str], str]]) -> None:
        pending: list[tuple[str, str]] = []
        for label, keys, text in cells:
            self.printed_labels.add(_plain(label))
            if set(keys) & LONG_KEYS or len(text) > LONG_TEXT:
                self._flush(pending)
                self._long("header", label, text)
            else:
                pending.append((label, text))
                if len(pending) == 2:
                    self._flush(pending)
        self._flush(pending)

    def _flush(self, pending: list[tuple[str, str]]) -> None:
        if len(pending) == 2:
            half = self.grid.width // 2
            (l1, v1), (l2, v2) = pending
            self.grid.line("header", [l1, (v1, half - 1), l2, v2])
        elif pending:
            self._long("header", *pending[0])
        pending.clear()

    def _long(self, role: str, label: str, text: str) -> None:
        self.printed_labels.add(_plain(label))
        self.grid.line(role, [label, text])

    def _extras(self) -> None:
        """The lines the layout has no key for, as printed; none that repeats a printed label."""
        for extra in self.table.get("header_extra") or []:
            label = extra.get("label") or ""
            if label == _SUBTITLE or _plain(label) in self.printed_labels:
                continue
            self._long("extra", label, extra.get("value") or "")

    # -- blocks ------------------------------------------------------------

    def _budget(self) -> None:
        keys = list(self.layout.get("budget_keys") or [])
        if not keys:
            return
        labels = budget_labels(self.layout)
        amounts = self.table.get("budget") or {}
        first = len(self.grid.rows)
        caption = f"资金情况（{self.unit}）"
        for i, key in enumerate(keys):
            label = labels[key].replace(WAN, YUAN) if self.unit == YUAN else labels[key]
            self.printed_labels.add(_plain(labels[key]))
            amount = printed_amount(amounts.get(key), self.unit)
            self.grid.line("budget", [caption if i == 0 else "", label, amount], numbers=(2,))
        self.grid.merge(first, 0, len(self.grid.rows) - 1, 0)

    def _schedule(self) -> None:
        rows = self.table.get("schedule") or []
        if not rows:
            return
        first = len(self.grid.rows)
        span = self.grid.width - 3
        self.grid.line("schedule", ["项目实施进度计划", ("实施内容", span), "开始时间", "完成时间"])
        for i, row in enumerate(rows, start=1):
            content = f"{i}、{row.get('content') or ''}"
            self.grid.line("schedule", ["", (content, span), row.get("start") or "", row.get("end") or ""])
        self.grid.merge(first, 0, len(self.grid.rows) - 1, 0)

    def _tasks(self) -> None:
        tasks = self.table.get("tasks") or []
        if not tasks:
            return
        labels = {"name": "任务名称", "content": "主要内容", "total": "金额", **self.options.get("task_labels", {})}
        span = self.grid.width - 2
        self.grid.line("tasks", [labels["name"], (labels["content"], span), labels["total"]])
        for task in tasks:
            amount = printed_amount(task.get("total"), self.unit)
            self.grid.line("tasks", [task.get("name") or "", (task.get("content") or "", span), amount], numbers=(2,))

    # -- indicators --------------------------------------------------------

    def _indicators(self, period: str | None) -> None:
        grid, columns = self.grid, self.columns
        indicators = self.table.get("indicators") or []
        if period:
            indicators = [ind for ind in indicators if (ind.get("period") or ANNUAL) == period]
            label = (self.options.get("period_labels") or {}).get(period, period)
            grid.line("indicator_head", [label])
        offset = 1 if self.caption else 0
        first = len(grid.rows)
        top = [""] * offset + [top for top, _ in columns.heads]
        grid.line("indicator_head", _spans(top, grid.width))
        if columns.two_rows:
            sub = [""] * offset + [sub for _, sub in columns.heads]
            grid.line("indicator_head", _spans(sub, grid.width))
            self._merge_head(first, offset)
        side = None if period else (self.periods if len(self.periods) > 1 else None)
        rows = _pair_rows(indicators, side) if side and columns.pairs else _indicator_rows(indicators, side)
        body = len(grid.rows)
        for row in rows:
            grid.line("indicator", _spans([""] * offset + columns.cells(row), grid.width))
        if rows:
            _merge_categories(grid, columns, body, len(grid.rows) - 1, offset)
        if self.caption:
            grid.rows[first][0] = self.caption
            grid.merge(first, 0, len(grid.rows) - 1, 0)

    def _merge_head(self, first: int, offset: int) -> None:
        """Two header rows: a heading over a group (长期, 绩效指标评价标准) merged across it; a
        column without a second header merged down both rows."""
        grid = self.grid
        heads = self.columns.heads
        c = 0
        while c < len(heads):
            top, sub = heads[c]
            col = c + offset
            if not sub:
                grid.merge(first, col, first + 1, col)
                c += 1
                continue
            end = c
            while end + 1 < len(heads) and heads[end + 1][0] == top and heads[end + 1][1]:
                end += 1
            for cc in range(c + 1, end + 1):
                grid.rows[first][cc + offset] = ""
            grid.merge(first, col, first, end + offset)
            c = end + 1

    # -- footer ------------------------------------------------------------

    def _footer(self) -> None:
        for note in self.options.get("notes") or []:
            self.grid.line("note", [note])
        footer = self.table.get("footer") or {}
        lines = footer_lines(self.layout)
        if lines:
            parts = [f"{line['label']}：{footer.get(_FOOTER_KEYS[line['key']]) or ''}" for line in lines]
            self.grid.line("footer", ["    ".join(parts)])
        opinions = footer.get("opinions") or []
        label_span = 2 if self.grid.width >= 6 else 1
        for i, label in enumerate(self.layout.get("opinion_rows") or []):
            text = (opinions[i].get("text") if i < len(opinions) else None) or ""
            self.grid.line("opinion", [(label, label_span), text])


def _spans(texts: list[str], width: int) -> list[Cell]:
    """Cells for a row of `len(texts)` columns in a grid `width` wide: the last one stretches."""
    cells: list[Cell] = list(texts)
    if len(texts) < width:
        cells[-1] = (texts[-1], width - len(texts) + 1)
    return cells


# ---------------------------------------------------------------- several projects in one sheet


class _FlatSheet:
    """单位名称 / 项目名称 / 预算数 / 年度目标 / 一级 / … : one row per indicator, projects one after another."""

    def __init__(self, tables: list[dict], layout: dict, unit: str):
        self.tables = tables
        self.layout = layout
        self.unit = unit
        self.head = [(line["label"], line["key"]) for line in header_lines(layout)]
        self.budget = list(layout.get("budget_keys") or [])
        self.columns = _Columns(layout, tables[0])

    def build(self) -> Grid:
        project_cols = len(self.head) + len(self.budget)
        grid = Grid(project_cols + len(self.columns.heads))
        grid.line("title", [printed_title(self.tables[0], self.layout)])
        labels = budget_labels(self.layout)
        budget_heads = [labels[key].replace(WAN, YUAN) if self.unit == YUAN else labels[key] for key in self.budget]
        # 预算数 sits before 年度目标 on this sheet: the goal is the last project column
        order = [*self.head[:-1], *[(label, None) for label in budget_heads], self.head[-1]]
        grid.line("indicator_head", [label for label, _ in order] + [top for top, _ in self.columns.heads])
        budget_col = len(self.head) - 1
        for table in self.tables:
            first = len(grid.rows)
            values = [header_value(table, key) for _, key in self.head]
            amounts = [printed_amount((table.get("budget") or {}).get(key), self.unit) for key in self.budget]
            project = [*values[:-1], *amounts, values[-1]]
            numbers = tuple(range(budget_col, budget_col + len(amounts)))
            for i, ind in enumerate(table.get("indicators") or []):
                lead = project if i == 0 else [""] * project_cols
                grid.line("indicator", lead + self.columns.cells({"": ind}), numbers=numbers if i == 0 else ())
            last = len(grid.rows) - 1
            for c in range(project_cols):
                grid.merge(first, c, last, c)
            _merge_categories(grid, self.columns, first, last, project_cols)
        return grid
