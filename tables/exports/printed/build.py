"""Building the printed model of a table from an exchange dict and a layout: a builder per block."""

from __future__ import annotations

from indicators.schemes import scheme_tree
from tables.exports.printed.grid import _Builder, _category_spans, _fit_heights, _positions
from tables.exports.printed.model import (
    CONTENT_W,
    INDICATORS,
    UNIT_NOTE,
    Cell,
    PrintedTable,
    _sum_amounts,
    clean_text,
    percent_text,
)
from tables.exports.printed.record import build_record_table
from tables.layouts import COLUMN_LABELS, LAYOUTS_BY_CODE, budget_labels, infer_layout_code

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
    code = table.get("layout") or infer_layout_code(table)
    return layouts.get(code) or LAYOUTS_BY_CODE[code]


def is_record_layout(layout: dict) -> bool:
    """Printed from its record (`printed.record`): every layout with header lines but the seeds' hand-set forms."""
    return bool(layout.get("header")) and layout.get("code") not in PRINT_DEFAULTS


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


def build_table(data: dict, layout: dict, *, number: int | None = None, blank: bool = False) -> PrintedTable:
    """The printed model of one table (department or project) in `layout`.

    `number` prefixes the title as in a booklet ("1.…绩效目标表"); `blank`
    prints the empty form offered for download (year left to fill in).
    """
    if is_record_layout(layout):
        return build_record_table(data, layout, number=number, blank=blank, blank_rows=blank_indicators)
    options = print_options(layout)
    tracks = track_widths(layout)
    x = _positions(tracks)
    keys = [key for key, _ in tracks]
    first = keys[0]  # the label column: "label" or the first indicator column
    start = x[first][1]  # where values start, right of the labels
    end = CONTENT_W
    kind = data.get("kind") or layout.get("kind")
    b = _Builder()
    if kind == "project":
        _project_rows(b, data, layout, x, keys, start, end)
    else:
        _department_rows(b, data, layout, x, keys, start, end)
    _indicator_rows(b, data, layout, tracks, options, blank)

    widths, rows = b.build()
    title = clean_text(data.get("title") or layout.get("title") or "绩效目标表")
    left_note = None
    if kind == "project":
        org = data.get("organization") or {}
        left_note = clean_text(org.get("code")) + clean_text(org.get("name"))
    table = PrintedTable(
        title=f"{number}.{title}" if number else title,
        subtitle=_subtitle(options.get("subtitle"), None if blank else data.get("year")),
        left_note=left_note or None,
        unit_note=UNIT_NOTE,
        widths=widths,
        rows=rows,
        layout_code=layout.get("code", ""),
    )
    _fit_heights(table)
    return table


def _subtitle(subtitle_fmt: str | None, year) -> str | None:
    """`({year}年)` with the year, or with room to write it in (a blank form, a table without a year)."""
    if not subtitle_fmt:
        return None
    return subtitle_fmt.format(year=year or "      ")


def _department_rows(b: _Builder, data: dict, layout: dict, x, keys, start, end) -> None:
    """The head of a department table: its name, then the layout's blocks in order."""

    def label_value(label: str, value: str, split: float) -> None:
        b.row([(0, split, Cell(label, "label")), (split, end, Cell(clean_text(value), "text"))])

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
    pos = _positions(tracks)
    head = []
    if label:
        head.append((*pos["label"], Cell(label, "label", rowspan=1 + max(len(indicators), 1))))
    head += [(*pos[key], Cell(COLUMN_LABELS.get(key, key), "head")) for key in columns]
    b.row(head, section=INDICATORS, header=True)

    spans = _category_spans(indicators, columns)
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
