"""One printed model of a target table, shared by the xlsx and PDF renderers.

The model is a grid: column widths in millimetres, rows of cells with their
spans, a style name per cell, and each row's height (estimated from the text,
so it fits). Both renderers draw exactly this grid, so a spreadsheet and a
PDF of the same table cannot drift apart. Pagination also lives here: the
PDF renderer asks for page chunks, in which merged group cells cut by a page
break are split, closed and labelled again on the new page.

The model is built from an exchange dict (`target-table/1`) and a layout dict
(`tables.layouts`); it never touches the database.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from tables.layouts import COLUMN_LABELS, budget_labels

# ---------------------------------------------------------------------------
# The page (A4 landscape) and the type, in millimetres and points.

PAGE_W = 297.0
PAGE_H = 210.0
MARGIN_X = 15.0
MARGIN_TOP = 14.0
MARGIN_BOTTOM = 16.0  # the footer 第 X 页 共 Y 页 sits in this margin
CONTENT_W = PAGE_W - 2 * MARGIN_X
CONTENT_H = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM

MM_PER_PT = 25.4 / 72
FONT_PT = 10.0
LINE_HEIGHT = 1.35  # × font size
PAD_X = 1.2  # cell padding, mm
PAD_Y = 1.0
MIN_ROW = 6.6  # mm: the height of a one-line row in the official forms

TITLE_PT = 18.0
SUBTITLE_PT = 11.0
NOTE_PT = 10.0

UNIT_NOTE = "单位：万元"
INDICATORS = "indicators"  # the section whose header rows repeat on every page

# Advance widths (1/1000 em) of printable ASCII in Noto Serif/Sans CJK SC
# (the larger of the two), so row heights can be estimated without loading
# a 20 MB font. Every wide (CJK, full-width, ambiguous) character is 1 em.
_ASCII_ADVANCE = [
    256, 370, 574, 590, 590, 963, 779, 325, 378, 378, 507, 590, 327, 370, 327, 387,
    590, 590, 590, 590, 590, 590, 590, 590, 590, 590, 327, 327, 590, 590, 590, 514,
    1007, 718, 681, 691, 770, 652, 629, 741, 853, 405, 568, 731, 625, 975, 796, 770,
    667, 770, 715, 624, 659, 797, 714, 1053, 700, 687, 613, 378, 387, 378, 590, 567,
    626, 591, 644, 538, 644, 581, 388, 597, 663, 332, 311, 607, 334, 974, 661, 626,
    644, 644, 462, 495, 421, 653, 576, 863, 564, 574, 511, 378, 316, 378, 590,
]  # fmt: skip

# Characters that may not start a line (glued to the one before) or end one.
_NO_START = set("，。、；：？！）》」』】〕〉”’%％…—,.;:?!)]}")
_NO_END = set("（《「『【〔〈“‘([{")


@dataclass(frozen=True, slots=True)
class Style:
    """How a cell looks; the xlsx formats and the PDF's CSS both come from here."""

    font: str = "serif"  # serif → 宋体 (Noto Serif CJK SC); sans → 黑体 (Noto Sans CJK SC)
    bold: bool = False
    size: float = FONT_PT
    align: str = "center"  # left | center | right
    border: bool = True


STYLES: dict[str, Style] = {
    "head": Style(font="sans", bold=True),  # column headers: 一级指标 …
    "label": Style(),  # row labels: 年度主要任务 …
    "cell": Style(),  # short centred values: categories, 指标值
    "text": Style(align="left"),  # prose: 主要内容, 年度总体目标, 三级指标 …
    "amount": Style(align="right"),  # 万元 amounts and percentages
    "title": Style(font="sans", bold=True, size=TITLE_PT, border=False),
    "subtitle": Style(size=SUBTITLE_PT, border=False),
    "note": Style(size=NOTE_PT, align="left", border=False),
    "note_right": Style(size=NOTE_PT, align="right", border=False),
    "sign": Style(size=NOTE_PT, align="left", border=False),
}


@dataclass(slots=True)
class Cell:
    text: str = ""
    style: str = "cell"
    colspan: int = 1
    rowspan: int = 1
    # How a spreadsheet stores the value: "text", "amount" (万元, a decimal
    # string) or "percent" (a decimal string without its % sign).
    kind: str = "text"


@dataclass(slots=True)
class Row:
    cells: list[Cell | None]  # one slot per grid column; None = covered by a span
    height: float = MIN_ROW  # mm
    section: str = ""
    header: bool = False  # repeated at the top of a page that continues its section


@dataclass(slots=True)
class PrintedTable:
    title: str
    subtitle: str | None
    left_note: str | None
    unit_note: str | None
    widths: list[float]  # mm per grid column
    rows: list[Row]
    layout_code: str = ""

    @property
    def ncols(self) -> int:
        return len(self.widths)

    def header_rows(self, section: str = INDICATORS) -> list[int]:
        return [i for i, row in enumerate(self.rows) if row.section == section and row.header]

    def anchors(self):
        """(row, col, cell) for every cell that is printed (not covered)."""
        for r, row in enumerate(self.rows):
            for c, cell in enumerate(row.cells):
                if cell is not None:
                    yield r, c, cell

    def span_width(self, col: int, colspan: int) -> float:
        return sum(self.widths[col : col + colspan])

    def head_height(self) -> float:
        """Height (mm) of the title block printed above the grid on the first page."""
        return head_block_height(self.title, self.subtitle, bool(self.left_note or self.unit_note))


# ---------------------------------------------------------------------------
# Text measurement


@cache  # per character: a table measures a few thousand of a few hundred distinct ones
def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WFA"


@cache
def _advance(ch: str) -> float:
    code = ord(ch)
    if 32 <= code < 127:
        return _ASCII_ADVANCE[code - 32] / 1000
    return 1.0 if _is_wide(ch) else 0.65


def _tokens(paragraph: str) -> list[str]:
    """Split a paragraph at its line-break opportunities (CJK rules, roughly UAX #14)."""
    tokens: list[str] = []
    cur = ""
    for ch in paragraph:
        if ch == " ":
            if cur:
                tokens.append(cur)
            tokens.append(" ")
            cur = ""
        elif not cur or cur[-1] in _NO_END or ch in _NO_START:
            cur += ch
        elif _is_wide(ch) or _is_wide(cur[-1]):
            tokens.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        tokens.append(cur)
    return tokens


def count_lines(text: str, width_mm: float, size_pt: float = FONT_PT) -> int:
    """How many lines `text` takes in a box `width_mm` wide (greedy, like the renderer)."""
    if not text:
        return 1
    em = size_pt * MM_PER_PT
    avail = max(width_mm * 0.99, em)
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0.0
        for token in _tokens(paragraph):
            width = sum(_advance(ch) for ch in token) * em
            if token == " ":
                used += width if used else 0.0
            elif used + width <= avail:
                used += width
            elif width <= avail:
                lines += 1
                used = width
            else:  # a word longer than the line breaks anywhere (overflow-wrap: anywhere)
                for ch in token:
                    w = _advance(ch) * em
                    if used + w > avail:
                        lines += 1
                        used = w
                    else:
                        used += w
    return lines


def line_mm(size_pt: float = FONT_PT) -> float:
    return size_pt * LINE_HEIGHT * MM_PER_PT


def _up(mm: float) -> float:
    """Round up to 0.1 mm: few distinct heights, never less than needed."""
    return math.ceil(round(mm * 10, 6)) / 10


def cell_height(text: str, width_mm: float, size_pt: float = FONT_PT) -> float:
    lines = count_lines(text, width_mm - 2 * PAD_X - 0.4, size_pt)
    return max(MIN_ROW, _up(lines * line_mm(size_pt) + 2 * PAD_Y + 0.6))


def title_height(title: str) -> float:
    return round(count_lines(title, CONTENT_W * 0.9, TITLE_PT) * line_mm(TITLE_PT) + 3.0, 2)


def head_block_height(title: str, subtitle: str | None, notes: bool) -> float:
    """The title block: title lines, the year line and the unit line (fixed heights)."""
    height = title_height(title)
    if subtitle:
        height += 6.0
    if notes:
        height += 6.0
    return round(height, 2)


# ---------------------------------------------------------------------------
# Values


def clean_text(value) -> str:
    """Printable text: None → "", control characters (illegal in XML) dropped."""
    if value is None:
        return ""
    text = str(value)
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        text = "".join(ch for ch in text if ord(ch) >= 32 or ch in "\t\n\r")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decimal_places(text: str) -> int | None:
    """Decimals of a plain decimal string ("800.00" → 2), or None if it is not one."""
    if not isinstance(text, str) or not re.fullmatch(r"-?\d{1,15}(\.\d{1,10})?", text):
        return None
    return len(text.split(".")[1]) if "." in text else 0


def _sum_amounts(values: list[str | None]) -> str:
    total = Decimal(0)
    places = 0
    seen = False
    for value in values:
        if value in (None, ""):
            continue
        try:
            total += Decimal(str(value).replace(",", ""))
        except InvalidOperation:
            return ""
        seen = True
        places = max(places, decimal_places(str(value)) or 0)
    if not seen:
        return ""
    return f"{total:.{places}f}"


def percent_text(value) -> str:
    text = clean_text(value)
    return f"{text}%" if text and decimal_places(text) is not None else text


# ---------------------------------------------------------------------------
# Printing options per layout (data; a new province adds an entry or puts
# "print" in its layout's options).

PRINT_DEFAULTS: dict[str, dict] = {
    "xinjiang-2022-dept": {
        "subtitle": "({year}年)",
        "label_column": "年度绩效指标",
        "widths": {"label": 24, "level1": 26, "level2": 30, "level3": 121, "value": 66},
    },
    "henan-2023-dept": {
        "subtitle": "({year}年度)",
        "label_column": None,
        "widths": {"level1": 26, "level2": 32, "level3": 60, "value": 24, "note": 125},
    },
    "hebei-2023-project": {
        "subtitle": "（{year}年度）",
        "label_column": None,
        "widths": {"level1": 24, "level2": 30, "level3": 50, "description": 79, "value": 42, "basis": 42},
    },
}

_DEFAULT_WIDTHS = {
    "label": 24, "level1": 24, "level2": 30, "level3": 60, "description": 70,
    "value": 34, "basis": 34, "note": 90, "unit": 20, "weight": 16,
}  # fmt: skip


def layout_for(table: dict, layouts: dict) -> dict:
    """`layouts` is one layout dict, or {code: layout} looked up by the table's "layout" key or shape."""
    if "columns" in layouts:
        return layouts
    from tables.layouts import LAYOUTS_BY_CODE, infer_layout_code

    code = table.get("layout") or infer_layout_code(table)
    return layouts.get(code) or LAYOUTS_BY_CODE[code]


def print_options(layout: dict) -> dict:
    options = dict(PRINT_DEFAULTS.get(layout.get("code", ""), {}))
    options.update((layout.get("options") or {}).get("print", {}))
    if "label_column" not in options:
        options["label_column"] = "年度绩效指标" if layout.get("kind") == "department" else None
    options.setdefault("subtitle", "({year}年)")
    return options


def track_widths(layout: dict) -> list[tuple[str, float]]:
    """The indicator grid's tracks (label column first, if any), scaled to the page width."""
    options = print_options(layout)
    widths = {**_DEFAULT_WIDTHS, **options.get("widths", {})}
    keys = (["label"] if options["label_column"] else []) + list(layout["columns"])
    raw = [float(widths.get(key, 30)) for key in keys]
    scale = CONTENT_W / sum(raw)
    return [(key, round(w * scale, 3)) for key, w in zip(keys, raw, strict=True)]


# ---------------------------------------------------------------------------
# Building the grid


class _Builder:
    """Rows given as segments [x0, x1) in mm; the grid is the union of their edges."""

    def __init__(self) -> None:
        self.specs: list[tuple[list[tuple[float, float, Cell]], dict]] = []

    def row(self, segments: list[tuple[float, float, Cell]], **attrs) -> None:
        self.specs.append((segments, attrs))

    def build(self) -> tuple[list[float], list[Row]]:
        edges: list[float] = []
        for segments, _ in self.specs:
            for x0, x1, _cell in segments:
                for x in (x0, x1):
                    if not any(abs(x - e) < 0.5 for e in edges):
                        edges.append(x)
        edges.sort()

        nearest: dict[float, int] = {}  # rows share their edges: look each up once

        def col(x: float) -> int:
            if x not in nearest:
                nearest[x] = min(range(len(edges)), key=lambda i: abs(edges[i] - x))
            return nearest[x]

        ncols = len(edges) - 1
        covered: set[tuple[int, int]] = set()
        rows: list[Row] = []
        for r, (segments, attrs) in enumerate(self.specs):
            cells: list[Cell | None] = [None] * ncols
            for x0, x1, cell in segments:
                c0, c1 = col(x0), col(x1)
                cell.colspan = c1 - c0
                cells[c0] = cell
                for rr in range(r, r + cell.rowspan):
                    for cc in range(c0, c1):
                        if (rr, cc) != (r, c0):
                            covered.add((rr, cc))
            for c in range(ncols):
                if cells[c] is None and (r, c) not in covered:
                    cells[c] = Cell()  # a hole in the spec: print an empty bordered cell
            rows.append(Row(cells=cells, **attrs))
        widths = [round(edges[i + 1] - edges[i], 3) for i in range(ncols)]
        return widths, rows


def _fit_heights(table: PrintedTable) -> None:
    """Each row as tall as its tallest one-row cell; spans stretch their last row."""
    for row in table.rows:
        best = MIN_ROW
        for c, cell in enumerate(row.cells):
            if cell is not None and cell.rowspan == 1:
                size = STYLES[cell.style].size
                best = max(best, cell_height(cell.text, table.span_width(c, cell.colspan), size))
        row.height = best
    for r, c, cell in table.anchors():
        if cell.rowspan > 1:
            need = cell_height(cell.text, table.span_width(c, cell.colspan), STYLES[cell.style].size)
            have = sum(table.rows[i].height for i in range(r, r + cell.rowspan))
            if need > have:
                table.rows[r + cell.rowspan - 1].height = _up(table.rows[r + cell.rowspan - 1].height + need - have)


def build_table(data: dict, layout: dict, *, number: int | None = None, blank: bool = False) -> PrintedTable:
    """The printed model of one table (department or project) in `layout`.

    `number` prefixes the title as in a booklet ("1.…绩效目标表"); `blank`
    prints the empty form offered for download (year left to fill in).
    """
    options = print_options(layout)
    tracks = track_widths(layout)
    x: dict[str, tuple[float, float]] = {}
    pos = 0.0
    for key, width in tracks:
        x[key] = (pos, pos + width)
        pos += width
    keys = [key for key, _ in tracks]
    first = keys[0]  # the label column: "label" or the first indicator column
    start = x[first][1]  # where values start, right of the labels
    end = CONTENT_W
    kind = data.get("kind") or layout.get("kind")
    b = _Builder()

    def label_value(label: str, value: str, split: float, **cell) -> None:
        b.row([(0, split, Cell(label, "label")), (split, end, Cell(clean_text(value), "text", **cell))])

    if kind == "project":
        _project_rows(b, data, layout, x, keys, start, end)
    else:
        org = (data.get("organization") or {}).get("name")
        label_value("部门（单位）名称", org, x[keys[1]][1])
        for block in layout.get("blocks", []):
            if block == "mission":
                label_value("年度履职目标", data.get("mission"), start)
            elif block == "tasks":
                _task_rows(b, data, layout, x, keys, start, end)
            elif block == "budget":
                _budget_rows(b, data, layout, x, start, end)
            elif block == "goal":
                label_value("年度总体目标", data.get("goal"), start)

    _indicator_rows(b, data, layout, tracks, options, blank)

    widths, rows = b.build()
    year = data.get("year")
    subtitle_fmt = options.get("subtitle")
    if blank or not year:
        subtitle = subtitle_fmt.format(year="      ") if subtitle_fmt else None
    else:
        subtitle = subtitle_fmt.format(year=year) if subtitle_fmt else None
    title = clean_text(data.get("title") or layout.get("title") or "绩效目标表")
    left_note = None
    if kind == "project":
        org = data.get("organization") or {}
        left_note = clean_text(org.get("code")) + clean_text(org.get("name"))
    table = PrintedTable(
        title=f"{number}.{title}" if number else title,
        subtitle=subtitle,
        left_note=left_note or None,
        unit_note=UNIT_NOTE,
        widths=widths,
        rows=rows,
        layout_code=layout.get("code", ""),
    )
    _fit_heights(table)
    return table


def _task_rows(b: _Builder, data: dict, layout: dict, x, keys, start, end) -> None:
    tasks = data.get("tasks") or []
    amounts = "task_amounts" in layout.get("blocks", [])
    # The task name sits over the first indicator columns, the content over 三级指标.
    name_x0 = start
    if amounts:
        name_x1 = x["level3"][0] if "level3" in x else start + (end - start) * 0.25
        content_x1 = x["level3"][1] if "level3" in x else end - 66
        step = (end - content_x1) / 3
        money = [(content_x1 + i * step, content_x1 + (i + 1) * step) for i in range(3)]
    else:
        name_x1 = x["level3"][1] if "level3" in x else start + (end - start) * 0.4
        content_x1 = end
        money = []
    rows = max(len(tasks), 1)
    span = (2 if amounts else 1) + rows + (1 if amounts else 0)
    head = [
        (0, start, Cell("年度主要任务", "label", rowspan=span)),
        (name_x0, name_x1, Cell("任务名称", "head", rowspan=2 if amounts else 1)),
        (name_x1, content_x1, Cell("主要内容", "head", rowspan=2 if amounts else 1)),
    ]
    if amounts:
        head.append((content_x1, end, Cell("预算金额（万元）", "head")))
    b.row(head, section="tasks", header=True)
    if amounts:
        b.row(
            [
                (x0, x1, Cell(label, "head"))
                for (x0, x1), label in zip(money, ("总额", "财政拨款", "其他资金"), strict=True)
            ],
            section="tasks",
            header=True,
        )
    for task in tasks or [{}]:
        segments = [
            (name_x0, name_x1, Cell(clean_text(task.get("name")), "text")),
            (name_x1, content_x1, Cell(clean_text(task.get("content")), "text")),
        ]
        for (x0, x1), key in zip(money, ("total", "fiscal", "other"), strict=False):
            segments.append((x0, x1, Cell(clean_text(task.get(key)), "amount", kind="amount")))
        b.row(segments, section="tasks")
    if amounts:
        sums = [_sum_amounts([t.get(key) for t in tasks]) for key in ("total", "fiscal", "other")]
        segments = [(name_x0, content_x1, Cell("金额合计", "label"))]
        segments += [(x0, x1, Cell(s, "amount", kind="amount")) for (x0, x1), s in zip(money, sums, strict=True)]
        b.row(segments, section="tasks")


def _budget_rows(b: _Builder, data: dict, layout: dict, x, start, end) -> None:
    labels = budget_labels(layout)
    budget = data.get("budget") or {}
    budget_keys = layout.get("budget_keys") or []
    split = x["level3"][1] if "level3" in x else start + (end - start) / 2
    for i, key in enumerate(budget_keys):
        segments = []
        if i == 0:
            segments.append((0, start, Cell("预算情况", "label", rowspan=len(budget_keys))))
        segments.append((start, split, Cell(labels[key], "text")))
        segments.append((split, end, Cell(clean_text(budget.get(key)), "amount", kind="amount")))
        b.row(segments, section="budget")


def _project_rows(b: _Builder, data: dict, layout: dict, x, keys, start, end) -> None:
    """The Hebei-style head of a project table: 项目编码/名称, 预算规模, 支出计划, 绩效目标."""
    project = data.get("project") or {}
    budget = data.get("budget") or {}
    labels = budget_labels(layout)
    # Column edges of the head rows, taken from the indicator tracks so the grid stays small.
    edges = [x[k][1] for k in keys]  # right edges of each track
    e1 = edges[1] if len(edges) > 1 else start + 30  # after 二级
    e2 = edges[2] if len(edges) > 2 else start + 80  # after 三级
    e4 = edges[-2] if len(edges) > 3 else end - 40  # before the last column
    mid = round(e2 + (edges[3] - e2) / 2, 3) if len(edges) > 3 else (e2 + e4) / 2
    blocks = layout.get("blocks", [])
    if "project" in blocks:
        b.row([
            (0, start, Cell("项目编码", "label")),
            (start, e2, Cell(clean_text(project.get("code")), "cell")),
            (e2, mid, Cell("项目名称", "label")),
            (mid, end, Cell(clean_text(project.get("name")), "text")),
        ], section="project")  # fmt: skip
    if "budget" in blocks:
        keys_b = layout.get("budget_keys") or ["total", "fiscal", "other"]
        e3 = edges[3] if len(edges) > 3 else mid
        money_edges = [(start, e1, e2), (e2, mid, e3), (e3, e4, end)]
        segments = [(0, start, Cell("预算规模及资金用途", "label", rowspan=2))]
        for (a, m, z), key in zip(money_edges, keys_b, strict=False):
            label = labels.get(key, key)
            if key == "fiscal":
                label = f"其中：{label}"
            segments.append((a, m, Cell(label, "label")))
            segments.append((m, z, Cell(clean_text(budget.get(key)), "amount", kind="amount")))
        if segments[-1][1] < end:
            segments.append((segments[-1][1], end, Cell()))
        b.row(segments, section="project")
        b.row([(start, end, Cell(clean_text(project.get("purpose")), "text"))], section="project")
    if "spending_plan" in blocks:
        plan = data.get("spending_plan") or {}
        plan_edges = [start, e2, edges[3] if len(edges) > 3 else mid, e4, end]
        months = [("03", "3月底"), ("06", "6月底"), ("10", "10月底"), ("12", "12月底")]
        head = [(0, start, Cell("资金支出计划（%）", "label", rowspan=2))]
        head += [(plan_edges[i], plan_edges[i + 1], Cell(label, "label")) for i, (_, label) in enumerate(months)]
        b.row(head, section="project")
        b.row(
            [
                (plan_edges[i], plan_edges[i + 1], Cell(percent_text(plan.get(m)), "cell", kind="percent"))
                for i, (m, _) in enumerate(months)
            ],
            section="project",
        )
    if "goal" in blocks:
        b.row([(0, start, Cell("绩效目标", "label")), (start, end, Cell(clean_text(data.get("goal")), "text"))])


_TEXT_COLUMNS = {"level3", "description", "note"}


def _indicator_rows(b: _Builder, data: dict, layout: dict, tracks, options: dict, blank: bool) -> None:
    indicators = data.get("indicators") or []
    if blank and not indicators:
        indicators = blank_indicators(layout)
    label = options.get("label_column")
    columns = list(layout["columns"])
    pos = {}
    at = 0.0
    for key, width in tracks:
        pos[key] = (at, at + width)
        at += width
    head = []
    if label:
        head.append((*pos["label"], Cell(label, "label", rowspan=1 + max(len(indicators), 1))))
    head += [(*pos[key], Cell(COLUMN_LABELS.get(key, key), "head")) for key in columns]
    b.row(head, section=INDICATORS, header=True)

    # Merge equal 一级 runs, and equal 二级 runs inside them (never across a 一级 boundary).
    spans: dict[tuple[int, str], int] = {}
    for level, parent in (("level1", None), ("level2", "level1")):
        if level not in columns:
            continue
        i = 0
        while i < len(indicators):
            j = i + 1
            value = indicators[i].get(level)
            while (
                j < len(indicators)
                and value
                and indicators[j].get(level) == value
                and (parent is None or indicators[j].get(parent) == indicators[i].get(parent))
            ):
                j += 1
            spans[(i, level)] = j - i
            for k in range(i + 1, j):
                spans[(k, level)] = 0
            i = j
    for i, ind in enumerate(indicators or [{}]):
        segments = []
        for key in columns:
            n = spans.get((i, key), 1)
            if n == 0:
                continue
            style = "text" if key in _TEXT_COLUMNS else "cell"
            segments.append((*pos[key], Cell(clean_text(ind.get(key)), style, rowspan=n)))
        b.row(segments, section=INDICATORS)


def blank_indicators(layout: dict) -> list[dict]:
    """Empty indicator rows with the scheme's 一级/二级 filled in, for the blank form."""
    from indicators.schemes import scheme_tree

    try:
        tree = scheme_tree(layout.get("scheme") or "fin2015")
    except KeyError:
        tree = scheme_tree("fin2015")
    rows = []
    for level1, level2s in tree.items():
        for level2 in level2s:
            if level2 == "满意度指标" and "服务对象满意度指标" in level2s:
                continue  # the blank form offers the national name only
            for _ in range(2):
                rows.append({"level1": level1, "level2": level2})
    return rows


# ---------------------------------------------------------------------------
# Booklet part 1 as a grid (for the workbook; the PDF prints it as prose)


def build_overall(booklet: dict) -> PrintedTable:
    overall = booklet.get("overall") or {}
    edges = [0, 24, 104, 185.5, CONTENT_W]
    b = _Builder()
    org = (booklet.get("organization") or {}).get("name")
    b.row([(0, edges[1], Cell("部门名称", "label")), (edges[1], CONTENT_W, Cell(clean_text(org), "text"))])
    b.row(
        [
            (0, edges[1], Cell("总体绩效目标", "label")),
            (edges[1], CONTENT_W, Cell(clean_text(overall.get("goal")), "text")),
        ]
    )
    subgoals = overall.get("subgoals") or []
    b.row(
        [
            (0, edges[1], Cell("分项绩效目标", "label", rowspan=1 + max(len(subgoals), 1))),
            (edges[1], edges[2], Cell("目标名称", "head")),
            (edges[2], edges[3], Cell("绩效目标", "head")),
            (edges[3], edges[4], Cell("绩效指标", "head")),
        ],
        section="subgoals",
        header=True,
    )
    for sub in subgoals or [{}]:
        b.row(
            [
                (edges[1], edges[2], Cell(clean_text(sub.get("title")), "text")),
                (edges[2], edges[3], Cell(clean_text(sub.get("goal")), "text")),
                (edges[3], edges[4], Cell(clean_text(sub.get("indicators")), "text")),
            ],
            section="subgoals",
        )
    b.row(
        [
            (0, edges[1], Cell("工作保障措施", "label")),
            (edges[1], CONTENT_W, Cell(clean_text(overall.get("measures")), "text")),
        ]
    )
    widths, rows = b.build()
    year = booklet.get("year")
    table = PrintedTable(
        title="部门整体绩效目标",
        subtitle=f"（{year}年度）" if year else None,
        left_note=None,
        unit_note=None,
        widths=widths,
        rows=rows,
        layout_code="booklet-overall",
    )
    _fit_heights(table)
    return table


# ---------------------------------------------------------------------------
# Pagination: chunks of rows per page, with merged cells split at the breaks


@dataclass(slots=True)
class PrintedRow:
    index: int  # row index in the table
    height: float
    cells: list[tuple[int, Cell, int, int]]  # (col, cell, colspan, rowspan within the chunk)


def _owners(table: PrintedTable) -> list[tuple[int, int, int, Cell, float]]:
    """(first row, last row, col, cell, height its text needs) of every printed cell, in row order."""
    out = []
    for r, c, cell in table.anchors():
        need = 0.0
        if cell.rowspan > 1:
            need = cell_height(cell.text, table.span_width(c, cell.colspan), STYLES[cell.style].size)
        out.append((r, r + cell.rowspan - 1, c, cell, need))
    return out


def chunk_rows(table: PrintedTable, chunk: list[int], owners=None) -> list[PrintedRow]:
    """The rows of one page: cells whose span crosses the page edge are cut and relabelled."""
    owners = owners if owners is not None else _owners(table)
    position = {r: p for p, r in enumerate(chunk)}
    out = [PrintedRow(index=r, height=table.rows[r].height, cells=[]) for r in chunk]
    lo, hi = chunk[0], chunk[-1]
    for first, last, col, cell, need in owners:
        if first > hi:
            break  # owners come in row order: none further down reaches this page
        if last < lo:
            continue
        if first == last:  # most cells: one row, printed whole or not at all
            p = position.get(first)
            if p is not None:
                out[p].cells.append((col, cell, cell.colspan, 1))
            continue
        inside = [position[r] for r in range(max(first, lo), min(last, hi) + 1) if r in position]
        if not inside:
            continue
        p0 = inside[0]
        out[p0].cells.append((col, cell, cell.colspan, len(inside)))
        if cell.rowspan > 1:
            # The piece on this page must hold its label: stretch its last row if not.
            have = sum(out[p].height for p in inside)
            if need > have + 0.01:
                out[inside[-1]].height = _up(out[inside[-1]].height + need - have)
    for row in out:
        row.cells.sort(key=lambda item: item[0])
    return out


def paginate(table: PrintedTable, first_avail: float, avail: float = CONTENT_H, owners=None) -> list[list[int]]:
    """Split the rows into pages. A page that continues a section starts with its header rows."""
    owners = owners if owners is not None else _owners(table)
    headers: dict[str, list[int]] = {}
    for i, row in enumerate(table.rows):
        if row.header:
            headers.setdefault(row.section, []).append(i)

    def height(chunk: list[int]) -> float:
        return sum(r.height for r in chunk_rows(table, chunk, owners))

    chunks: list[list[int]] = []
    current: list[int] = []
    room = first_avail
    n = len(table.rows)
    i = 0
    while i < n:
        # Header rows travel with the first row after them.
        j = i
        while j < n - 1 and table.rows[j].header:
            j += 1
        group = list(range(i, j + 1))
        candidate = current + group
        body = any(not table.rows[r].header for r in current)
        if body and height(candidate) > room:
            chunks.append(current)
            room = avail
            section = table.rows[i].section
            repeat = headers.get(section, []) if not table.rows[i].header else []
            current = [h for h in repeat if h < i]
            continue
        current = candidate
        i = j + 1
    if current:
        chunks.append(current)
    return chunks


def page_rows(table: PrintedTable, first_avail: float, avail: float = CONTENT_H) -> list[list[PrintedRow]]:
    owners = _owners(table)
    return [chunk_rows(table, chunk, owners) for chunk in paginate(table, first_avail, avail, owners)]


# ---------------------------------------------------------------------------
# What is printed under the grid: signature line and review marks (from `meta`)

STATUS_LABELS = {"draft": "草稿", "submitted": "已提交", "returned": "已退回", "approved": "已批复"}


def _date_text(value) -> str:
    if not value:
        return ""
    if hasattr(value, "year") and hasattr(value, "month") and hasattr(value, "day"):
        return f"{value.year}年{value.month}月{value.day}日"
    return clean_text(value)


def signature_fields(data: dict, meta: dict | None) -> list[tuple[str, str]]:
    """填报单位（盖章）、单位负责人、填报人、联系电话、填报日期, filled from meta where known."""
    meta = meta or {}
    org = (data.get("organization") or {}).get("name") or ""
    return [
        ("填报单位（盖章）", clean_text(meta.get("organization") or org)),
        ("单位负责人", clean_text(meta.get("unit_head"))),
        ("填报人", clean_text(meta.get("filler"))),
        ("联系电话", clean_text(meta.get("phone"))),
        ("填报日期", _date_text(meta.get("filled_at"))),
    ]


def signature_line(data: dict, meta: dict | None) -> str:
    return "    ".join(f"{label}：{value or '　' * 4}" for label, value in signature_fields(data, meta))


def is_approved(meta: dict | None) -> bool:
    return bool(meta) and meta.get("status") == "approved"


def review_marks(meta: dict | None) -> dict | None:
    """The approval mark and review notes, or None when there is nothing to print.

    meta keys read: status, status_label, reviewer, approved_at, opinion,
    grade, checklist ({"完整性": True, …} or [{"name", "passed", "note"}, …]).
    """
    if not meta:
        return None
    status = meta.get("status") or "draft"
    checklist = meta.get("checklist") or []
    if isinstance(checklist, dict):
        checklist = [{"name": k, "passed": v} for k, v in checklist.items()]
    items = []
    for item in checklist:
        passed = item.get("passed")
        mark = "✓" if passed is True else ("✗" if passed is False else clean_text(passed))
        items.append({"name": clean_text(item.get("name")), "mark": mark, "note": clean_text(item.get("note"))})
    marks = {
        "status": status,
        "status_label": clean_text(meta.get("status_label") or STATUS_LABELS.get(status, status)),
        "reviewer": clean_text(meta.get("reviewer")),
        "date": _date_text(meta.get("approved_at") or meta.get("reviewed_at")),
        "opinion": clean_text(meta.get("opinion")),
        "grade": clean_text(meta.get("grade")),
        "checklist": items,
        "approved": status == "approved",
    }
    if not (marks["approved"] or marks["opinion"] or items or marks["reviewer"]):
        return None
    return marks


def review_lines(meta: dict | None) -> list[str]:
    """The review marks as plain lines (the workbook prints these under the signature)."""
    marks = review_marks(meta)
    if not marks:
        return []
    lines = [f"审核状态：{marks['status_label']}"
             + (f"    审核人：{marks['reviewer']}" if marks["reviewer"] else "")
             + (f"    审核日期：{marks['date']}" if marks["date"] else "")]  # fmt: skip
    if marks["checklist"]:
        lines.append(
            "四性审核："
            + "；".join(
                f"{i['name']}{i['mark']}{('（' + i['note'] + '）') if i['note'] else ''}" for i in marks["checklist"]
            )
        )
    if marks["grade"]:
        lines.append(f"审核等级：{marks['grade']}")
    if marks["opinion"]:
        lines.append(f"审核意见：{marks['opinion']}")
    return lines
