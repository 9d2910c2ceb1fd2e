"""The printed model of a table in a layout that declares its form as a record (issue 13).

Everything printed comes from the layout: the header lines in its order and with its
labels (two keys under one label share a printed cell: `项目起止时间` start–end,
`主管部门及编码` `[code]name`), the budget lines with their labels, the caption and the
indicator columns with `column_labels`, the periods side by side (the 88号 form: one 一级
column, then each period's 二级/三级/指标值) or one grid after the other
(`options.period_grids: "stacked"`), the printed notes, the footer lines and the 审核意见
rows with the table's `footer.opinions`. Widths: `options.widths` (or
`options.print.widths`) per column, else a default per column kind.

The three seed layouts keep their hand-set forms (`build.PRINT_DEFAULTS`); every other
layout with header lines prints through here.
"""

from __future__ import annotations

from collections.abc import Callable

from indicators.record import ANNUAL, LONG_TERM
from tables.exports.printed.grid import _Builder, _category_spans, _fit_heights
from tables.exports.printed.model import CONTENT_W, INDICATORS, UNIT_NOTE, Cell, PrintedTable, clean_text
from tables.layout_spec import amounts_in_yuan, column_label, footer_lines, header_lines, periods, printed_amount

# Default width (mm, before scaling to the page) per indicator column kind.
WIDTHS = {
    "level1": 22, "level2": 26, "level3": 50, "description": 56, "value": 30, "basis": 34, "note": 30,
    "comparator": 14, "number": 18, "unit": 16, "value_type": 16, "direction": 16, "weight": 14,
    "explanation": 50, "scoring": 50, "core": 14, "values": 18,
}  # fmt: skip
TEXT_COLUMNS = {"level3", "description", "note", "explanation", "scoring", "basis"}
PERIOD_LABELS = {LONG_TERM: "中期", ANNUAL: "年度"}
# Exchange `footer` keys of the layout's footer lines (target-table/2).
FOOTER_KEYS = {"filled_by": "filler", "filler_phone": "phone", "filled_on": "date", "responsible": "responsible"}
GOAL_KEYS = ("long_term_goal", "goal", "mission")
OPINION_ROW = 18.0  # mm: room for an opinion and a seal


# ---------------------------------------------------------------------------
# Values of the header lines


def header_value(data: dict, key: str) -> str:
    """The exchange dict's value for a header key of `tables.layout_spec.HEADER_FIELDS`."""
    org = data.get("organization") or {}
    department = data.get("department") or {}
    project = data.get("project") or {}
    if key == "organization":
        return clean_text(org.get("name"))
    if key == "organization_code":
        return clean_text(org.get("code"))
    if key.startswith("department_"):
        return clean_text(department.get(key.removeprefix("department_")))
    if key.startswith("project_"):
        return clean_text(project.get(key.removeprefix("project_")))
    return clean_text(data.get(key))


def _joined(data: dict, keys: list[str]) -> str:
    """One printed cell for the keys sharing a label: `[code]name`, `start-end`, `name phone`."""
    values = {key: header_value(data, key) for key in keys}
    codes = [k for k in keys if k.endswith("_code")]
    if codes and len(keys) == 2:
        code, name = values[codes[0]], values[next(k for k in keys if k not in codes)]
        return f"[{code}]{name}" if code and name else code or name
    if set(keys) == {"project_start", "project_end"}:
        start, end = values["project_start"], values["project_end"]
        return f"{start}-{end}" if start and end and start != end else start or end
    return " ".join(v for v in values.values() if v)


def header_groups(layout: dict) -> list[tuple[str, list[str]]]:
    """(printed label, keys) in printed order; keys with the same label share one line."""
    groups: dict[str, list[str]] = {}
    for line in header_lines(layout):
        groups.setdefault(line["label"], []).append(line["key"])
    return list(groups.items())


# ---------------------------------------------------------------------------
# The indicator grid's tracks


def _widths(layout: dict) -> dict:
    options = layout.get("options") or {}
    return {**WIDTHS, **options.get("widths", {}), **(options.get("print") or {}).get("widths", {})}


def _period_columns(layout: dict) -> list[str]:
    """The columns each period prints for itself when periods stand side by side."""
    columns = list(layout["columns"])
    given = (layout.get("options") or {}).get("period_columns")
    if given:
        return [c for c in columns if c in given]
    return [c for c in columns if c != "level1"] if "level1" in columns else columns


def side_by_side(layout: dict) -> bool:
    return len(periods(layout)) > 1 and (layout.get("options") or {}).get("period_grids") != "stacked"


def value_columns(data: dict, layout: dict) -> list[str]:
    """Per-sub-project target columns (`options.value_columns`), headed by the table's `value_columns`."""
    if not (layout.get("options") or {}).get("value_columns"):
        return []
    return [clean_text(c) for c in data.get("value_columns") or []]


def tracks(data: dict, layout: dict) -> list[tuple[str, str, float]]:
    """(period or "", column, width mm) of every grid column, scaled to the page width."""
    widths = _widths(layout)
    out: list[tuple[str, str, float]] = []
    extra = value_columns(data, layout)
    if side_by_side(layout):
        own = _period_columns(layout)
        shared = [c for c in layout["columns"] if c not in own]
        lead = [c for c in shared if layout["columns"].index(c) < layout["columns"].index(own[0])]
        out += [("", c, widths.get(c, 30)) for c in lead]
        for period in periods(layout):
            out += [(period, c, widths.get(c, 30)) for c in own]
        out += [("", c, widths.get(c, 30)) for c in shared if c not in lead]
    else:
        for column in layout["columns"]:
            if column == "value" and extra:
                out += [("", f"values:{name}", widths["values"]) for name in extra]
            else:
                out.append(("", column, widths.get(column, 30)))
    scale = CONTENT_W / sum(w for *_, w in out)
    return [(p, c, round(w * scale, 3)) for p, c, w in out]


# ---------------------------------------------------------------------------
# Cell text of an indicator column


def cell_text(ind: dict, column: str, layout: dict) -> str:
    if column.startswith("values:"):
        return clean_text((ind.get("values") or {}).get(column.removeprefix("values:")))
    value = ind.get(column)
    if column == "core":
        mark = (layout.get("options") or {}).get("core_mark")
        return (mark or "是") if value is True else ("" if mark or value is None else "否")
    if column == "level2" and value and ((layout.get("options") or {}).get("level2_tags") or {}).get(value):
        return f"{clean_text(value)}（{layout['options']['level2_tags'][value]}）"  # 宁夏: 数量指标（必填硬性指标）
    if column == "level3" and ind.get("core") is True and (layout.get("options") or {}).get("core_mark"):
        return layout["options"]["core_mark"] + clean_text(value)
    return clean_text(value)


def column_head(layout: dict, column: str) -> str:
    if column.startswith("values:"):
        return column.removeprefix("values:")
    return column_label(layout, column)


def period_label(layout: dict, period: str) -> str:
    return ((layout.get("options") or {}).get("period_labels") or {}).get(period) or PERIOD_LABELS.get(period, "")


def footer_text(data: dict, layout: dict) -> str:
    """The footer lines as one printed line: `填表人：王芳    联系电话：…`."""
    footer = data.get("footer") or {}
    parts = []
    for line in footer_lines(layout):
        value = clean_text(footer.get(FOOTER_KEYS[line["key"]]))
        parts.append(f"{line['label']}：{value or '　' * 4}")
    return "    ".join(parts)


def opinion_text(data: dict, label: str) -> str:
    """The table's opinion for the 审核意见 row `label` (matched on the words, spaces and brackets aside)."""

    def plain(text) -> str:
        return "".join(ch for ch in clean_text(text) if ch not in " 　()（）")

    for opinion in (data.get("footer") or {}).get("opinions") or []:
        by = plain(opinion.get("by"))
        if by and (by in plain(label) or plain(label) in by):
            return clean_text(opinion.get("text"))
    return ""


def stretch_opinions(table: PrintedTable) -> None:
    """Opinion rows leave room to write and seal (after the rows were fitted to their text)."""
    for row in table.rows:
        if row.section == "opinions":
            row.height = max(row.height, OPINION_ROW)


# ---------------------------------------------------------------------------
# Building


class _Frame:
    """Where things go across the page: the indicator tracks' edges, and the label column of the head."""

    def __init__(self, grid: list[tuple[str, str, float]]):
        self.x: dict[tuple[str, str], tuple[float, float]] = {}
        pos = 0.0
        for period, column, width in grid:
            self.x[(period, column)] = (pos, pos + width)
            pos += width
        self.end = CONTENT_W
        self.edges = sorted({x0 for x0, _ in self.x.values()} | {CONTENT_W})
        self.start = self.snap(CONTENT_W * 0.14)  # head labels
        self.mid = self.snap(self.start + (CONTENT_W - self.start) * 0.5)

    def snap(self, target: float, slack: float = 15.0) -> float:
        """The track edge nearest `target` (few grid columns), or `target` itself when none is near."""
        inner = [e for e in self.edges if 0 < e < CONTENT_W]
        best = min(inner, key=lambda e: abs(e - target), default=target)
        return best if abs(best - target) <= slack else round(target, 3)

    def thirds(self) -> list[tuple[float, float]]:
        """Three cells right of the head labels (name | content | amount, 内容 | 开始 | 完成)."""
        a = self.snap(self.start + (self.end - self.start) * 0.3)
        b = self.snap(self.start + (self.end - self.start) * 0.75)
        return [(self.start, a), (a, b), (b, self.end)]


def build_record_table(
    data: dict,
    layout: dict,
    *,
    number: int | None = None,
    blank: bool = False,
    blank_rows: Callable[[dict], list[dict]] | None = None,
) -> PrintedTable:
    """The printed model of a table in a record-declared layout (see the module's docstring)."""
    options = layout.get("options") or {}
    grid = tracks(data, layout)
    frame = _Frame(grid)
    indicators = list(data.get("indicators") or [])
    if blank and not indicators and blank_rows:
        indicators = _blank(layout, blank_rows)
    b = _Builder()
    _head_rows(b, data, layout, frame)
    if options.get("caption"):
        b.row([(0, frame.end, Cell(clean_text(options["caption"]), "head"))], section="caption")
    if side_by_side(layout):
        _side_by_side_rows(b, layout, grid, frame, indicators)
    else:
        _stacked_rows(b, layout, grid, frame, indicators)
    _tail_rows(b, data, layout, frame)
    widths, rows = b.build()
    title = clean_text(data.get("title") or layout.get("title") or "绩效目标表")
    subtitle = (options.get("print") or {}).get("subtitle", "（{year}年度）")
    year = None if blank else data.get("year")
    amounts = "budget" in layout.get("blocks", ())
    table = PrintedTable(
        title=f"{number}.{title}" if number else title,
        subtitle=subtitle.format(year=year or "      ") if subtitle else None,
        left_note=None,
        unit_note=clean_text(options.get("amount_unit")) or (UNIT_NOTE if amounts else None),
        widths=widths,
        rows=rows,
        layout_code=layout.get("code", ""),
        signed=False,
    )
    _fit_heights(table)
    stretch_opinions(table)
    return table


def _blank(layout: dict, blank_rows: Callable[[dict], list[dict]]) -> list[dict]:
    """The blank form's rows: the scheme's 一级/二级 for each period (a flat form: ten empty rows)."""
    if not {"level1", "level2"} & set(layout["columns"]):
        return [{} for _ in range(10)]
    return [{**row, "period": period} for period in periods(layout) for row in blank_rows(layout)]


def _head_rows(b: _Builder, data: dict, layout: dict, frame: _Frame) -> None:
    """The header lines in the layout's order; the budget, task and schedule blocks before the goals."""
    groups = header_groups(layout)
    first_goal = next((i for i, (_, keys) in enumerate(groups) if set(keys) & set(GOAL_KEYS)), len(groups))
    for label, keys in groups[:first_goal]:
        _line(b, frame, label, _joined(data, keys))
    blocks = {"budget": _budget_rows, "tasks": _task_rows, "schedule": _schedule_rows}
    for block in layout.get("blocks", []):  # in the record's order: 鄂州's cost rows come before their 合计
        if block in blocks:
            blocks[block](b, data, layout, frame)
    goals = groups[first_goal:]
    i = 0
    while i < len(goals):
        label, keys = goals[i]
        after = goals[i + 1] if i + 1 < len(goals) else None
        if keys == ["long_term_goal"] and after and after[1] == ["goal"] and max(len(label), len(after[0])) <= 4:
            # 总体目标 {中期目标 | 年度目标}: the two goals side by side under one caption.
            head = [(frame.start, frame.mid, Cell(label, "head")), (frame.mid, frame.end, Cell(after[0], "head"))]
            b.row([(0, frame.start, Cell("总体目标", "label", rowspan=2)), *head], section="head")
            b.row(
                [
                    (frame.start, frame.mid, Cell(header_value(data, "long_term_goal"), "text")),
                    (frame.mid, frame.end, Cell(header_value(data, "goal"), "text")),
                ],
                section="head",
            )
            i += 2
            continue
        _line(b, frame, label, _joined(data, keys))
        i += 1


def _line(b: _Builder, frame: _Frame, label: str, value: str) -> None:
    b.row([(0, frame.start, Cell(label, "label")), (frame.start, frame.end, Cell(value, "text"))], section="head")


def _budget_rows(b: _Builder, data: dict, layout: dict, frame: _Frame) -> None:
    labels = (layout.get("options") or {}).get("budget_labels") or {}
    budget = data.get("budget") or {}
    keys = layout.get("budget_keys") or []
    if len(keys) == 1:  # one line: its label is the row's label
        key = keys[0]
        b.row(
            [
                (0, frame.start, Cell(clean_text(labels.get(key, key)), "label")),
                (
                    frame.start,
                    frame.end,
                    Cell(clean_text(printed_amount(budget.get(key), layout)), "amount", kind="amount"),
                ),
            ],
            section="budget",
        )
        return
    split = frame.mid
    for i, key in enumerate(keys):
        segments = []
        if i == 0:
            unit = "元" if amounts_in_yuan(layout) else "万元"
            segments.append((0, frame.start, Cell(f"资金情况（{unit}）", "label", rowspan=len(keys))))
        segments.append((frame.start, split, Cell(clean_text(labels.get(key, key)), "text")))
        segments.append(
            (split, frame.end, Cell(clean_text(printed_amount(budget.get(key), layout)), "amount", kind="amount"))
        )
        b.row(segments, section="budget")


def _task_rows(b: _Builder, data: dict, layout: dict, frame: _Frame) -> None:
    """The task block (e.g. 鄂州's 项目预算成本构成 | 测算（公式）依据 | 金额), labels from `options.task_labels`."""
    names = {"name": "任务名称", "content": "主要内容", "total": "金额", **(layout["options"].get("task_labels") or {})}
    amount = frame.thirds()[2]
    spots = [(0, frame.start), (frame.start, amount[0]), amount]
    b.row([(x0, x1, Cell(names[k], "head")) for (x0, x1), k in zip(spots, ("name", "content", "total"), strict=True)])
    for task in data.get("tasks") or [{}]:
        b.row(
            [
                (*spots[0], Cell(clean_text(task.get("name")), "text")),
                (*spots[1], Cell(clean_text(task.get("content")), "text")),
                (*spots[2], Cell(clean_text(printed_amount(task.get("total"), layout)), "amount", kind="amount")),
            ],
            section="tasks",
        )


def _schedule_rows(b: _Builder, data: dict, layout: dict, frame: _Frame) -> None:
    """项目实施进度计划 {项目实施内容 | 开始时间 | 完成时间}."""
    labels = {"caption": "项目实施进度计划", "content": "项目实施内容", "start": "开始时间", "end": "完成时间"}
    labels.update((layout.get("options") or {}).get("schedule_labels") or {})
    rows = data.get("schedule") or [{}]
    thirds = frame.thirds()
    head = [(0, frame.start, Cell(labels["caption"], "label", rowspan=len(rows) + 1))]
    head += [(x0, x1, Cell(labels[k], "head")) for (x0, x1), k in zip(thirds, ("content", "start", "end"), strict=True)]
    b.row(head, section="schedule")
    for item in rows:
        b.row(
            [
                (*thirds[0], Cell(clean_text(item.get("content")), "text")),
                (*thirds[1], Cell(clean_text(item.get("start")), "cell")),
                (*thirds[2], Cell(clean_text(item.get("end")), "cell")),
            ],
            section="schedule",
        )


def _indicator_cells(layout, grid, frame, period: str, ind: dict | None, spans, i: int, only=None):
    segments = []
    for track_period, column, _ in grid:
        if track_period != period or (only is not None and column not in only):
            continue
        n = spans.get((i, column), 1)
        if n == 0:
            continue
        style = "text" if column in TEXT_COLUMNS else "cell"
        text = cell_text(ind, column, layout) if ind else ""
        segments.append((*frame.x[(track_period, column)], Cell(text, style, rowspan=n)))
    return segments


def _stacked_rows(b: _Builder, layout: dict, grid, frame: _Frame, indicators: list[dict]) -> None:
    """One grid, or one grid per period one after the other (`period_grids: "stacked"`)."""
    own = periods(layout)
    blocks = [(p, [i for i in indicators if (i.get("period") or ANNUAL) == p]) for p in own] if len(own) > 1 else []
    if not blocks:
        blocks = [("", indicators)]
    for n, (period, rows) in enumerate(blocks):
        section = INDICATORS if n == 0 else f"{INDICATORS}:{period}"
        if period:
            b.row([(0, frame.end, Cell(period_label(layout, period), "head"))], section=section)
        head = [(*frame.x[("", column)], Cell(column_head(layout, column), "head")) for _, column, _ in grid]
        b.row(head, section=section, header=True)
        spans = _category_spans(rows, [c for _, c, _ in grid])
        for i, ind in enumerate(rows or [{}]):
            b.row(_indicator_cells(layout, grid, frame, "", ind, spans, i), section=section)


def _side_by_side_rows(b: _Builder, layout: dict, grid, frame: _Frame, indicators: list[dict]) -> None:
    """The 88号 form: shared columns (一级), then each period's own columns, a pair of indicators a row."""
    shared = [c for p, c, _ in grid if not p]
    own = periods(layout)
    # One column a period (广东's 年度目标值 | 实施周期目标值): the period's label heads it; more: a caption row.
    single = len(_period_columns(layout)) == 1
    first = [(*frame.x[("", c)], Cell(column_head(layout, c), "head", rowspan=1 if single else 2)) for c in shared]
    for period in own:
        xs = [frame.x[(p, c)] for p, c, _ in grid if p == period]
        first.append((xs[0][0], xs[-1][1], Cell(period_label(layout, period), "head")))
    b.row(sorted(first, key=lambda s: s[0]), section=INDICATORS, header=True)
    if not single:
        b.row(
            [(*frame.x[(p, c)], Cell(column_head(layout, c), "head")) for p, c, _ in grid if p],
            section=INDICATORS,
            header=True,
        )
    pairs = _pairs(indicators, shared, own)
    lead = [pair[0] for pair in pairs]
    spans = _category_spans(lead, shared)
    halves = {p: [pair[1].get(p) or {} for pair in pairs] for p in own}
    half_spans = {p: _category_spans(halves[p], ["level1", "level2"] if "level2" in shared else []) for p in own}
    for i, (common, _) in enumerate(pairs or [({}, {})]):
        segments = _indicator_cells(layout, grid, frame, "", common, spans, i)
        for period in own:
            half = halves[period][i] if pairs else {}
            segments += _indicator_cells(layout, grid, frame, period, half, half_spans[period], i)
        b.row(sorted(segments, key=lambda s: s[0]), section=INDICATORS)


def _pairs(indicators: list[dict], shared: list[str], own: list[str]) -> list[tuple[dict, dict]]:
    """Rows of the side-by-side grid: (shared cells, {period: indicator}); within equal shared cells
    the n-th indicator of each period stand in the n-th row."""
    groups: dict[tuple, dict[str, list[dict]]] = {}
    for ind in indicators:
        key = tuple(ind.get(c) for c in shared)
        groups.setdefault(key, {}).setdefault(ind.get("period") or ANNUAL, []).append(ind)
    out = []
    for key, by_period in groups.items():
        for n in range(max(len(v) for v in by_period.values())):
            row = {p: by_period[p][n] for p in own if n < len(by_period.get(p, []))}
            out.append((dict(zip(shared, key, strict=True)), row))
    return out


def _tail_rows(b: _Builder, data: dict, layout: dict, frame: _Frame) -> None:
    """Printed notes, the footer line and the 审核意见 rows."""
    for note in (layout.get("options") or {}).get("notes") or []:
        b.row([(0, frame.end, Cell(clean_text(note), "note"))], section="notes")
    if layout.get("footer"):
        b.row([(0, frame.end, Cell(footer_text(data, layout), "sign"))], section="footer")
    label_end = frame.snap(CONTENT_W * 0.25)
    for label in layout.get("opinion_rows") or []:
        b.row(
            [
                (0, label_end, Cell(clean_text(label), "label")),
                (label_end, frame.end, Cell(opinion_text(data, label), "text")),
            ],
            section="opinions",
        )
