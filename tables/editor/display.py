"""What the editor shows: a value's parse, and the rows of the grid."""

from __future__ import annotations

import html
import json
from collections import namedtuple
from dataclasses import dataclass, field
from functools import lru_cache

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from indicators import record
from indicators.catalog import name_key
from indicators.values import ParsedValue, parse_value
from tables.editor import editing
from tables.editor.editing import ROW_KINDS
from tables.editor.steps import FindingView
from tables.imports.exchange.export import indicator_values
from tables.imports.exchange.full_record import IndicatorExport
from tables.layouts import COLUMN_LABELS
from tables.models import TargetTable
from tables.review.badges import comment_badge, render_badge

_KIND_LABELS = {
    "quantity": "数量",
    "duration": "时长",
    "range": "区间",
    "date": "日期",
    "period": "期间",
    "grade": "等级",
    "qualitative": "定性",
    "quantitative_other": "定量（其他）",
    "not_applicable": "不适用",
}


def describe_value(parsed: ParsedValue) -> dict:
    """What the grammar read in a value, for the line under the cell."""
    if parsed.kind == "empty":
        return {"kind": "empty", "parts": [], "error": ""}
    if parsed.kind in ("unparseable", "placeholder", "comparator_only"):
        return {"kind": parsed.kind, "parts": [], "error": parsed.error or "无法识别"}
    parts: list[tuple[str, str]] = [("类型", _KIND_LABELS.get(parsed.kind, parsed.kind))]
    describe = _PARTS.get(parsed.kind)
    if describe is not None:
        parts += describe(parsed)
    warn = "缺少计量单位" if parsed.kind == "quantity" and not parsed.unit else ""
    return {"kind": parsed.kind, "parts": parts, "error": warn, "normalized": parsed.normalized}


def _measure_parts(parsed: ParsedValue) -> list[tuple[str, str]]:
    return [
        ("比较符", parsed.comparator or "=（未写，按等于）"),
        ("数值", format(parsed.number, "f")),
        ("单位", parsed.unit or "（缺少单位）"),
    ]


def _range_parts(parsed: ParsedValue) -> list[tuple[str, str]]:
    numbers = f"{format(parsed.number, 'f')}–{format(parsed.number_high, 'f')}"
    return [("数值", numbers), ("单位", parsed.unit or "（缺少单位）")]


def _date_parts(parsed: ParsedValue) -> list[tuple[str, str]]:
    parts = [("比较符", parsed.comparator)] if parsed.comparator else []
    parts.append(("日期", parsed.date.text if parsed.date else parsed.raw))
    return parts + ([("动作", parsed.suffix)] if parsed.suffix else [])


def _words_parts(parsed: ParsedValue) -> list[tuple[str, str]]:
    return [("等级" if parsed.kind == "grade" else "内容", parsed.grade or "定性")]


def _other_parts(parsed: ParsedValue) -> list[tuple[str, str]]:
    return [("数值", f"{format(parsed.number, 'f')}{parsed.unit}")] if parsed.number is not None else []


# What the line under a cell shows for each kind of value, after its 类型.
_PARTS = {
    "quantity": _measure_parts,
    "duration": _measure_parts,
    "range": _range_parts,
    "date": _date_parts,
    "period": lambda parsed: [("期间", parsed.normalized)],
    "grade": _words_parts,
    "qualitative": _words_parts,
    "quantitative_other": _other_parts,
}


@lru_cache(maxsize=4096)
def _describe_text(text: str) -> dict:
    """describe_value of a typed value; cached, as a grid repeats the same few values (≥95%, ≥90%…)."""
    return describe_value(parse_value(text))


@lru_cache(maxsize=4096)
def _parse_line(text: str) -> str:
    """parse_html of a typed value; cached with `_describe_text`, as every grid row draws one."""
    return parse_html(_describe_text(text))


def parse_html(parse: dict) -> str:
    """The line under a value cell (built here: it is drawn for every row of the grid)."""
    esc = html.escape
    error = f'<span class="parse-error" role="note">⚠ {esc(parse["error"])}</span>' if parse["error"] else ""
    parts = "".join(
        f'<span class="parse-part"><span class="parse-label">{label}</span> {esc(text)}</span>'
        for label, text in parse["parts"]
    )
    return mark_safe(f"{error} {parts}" if error and parts else error + parts)  # the texts went through html.escape


def findings_html(target: str, findings: list[FindingView]) -> str:
    """`editor/parts.html#row-findings` built in Python (tests/editor prove them equal): every save
    draws the lists of the whole table, and the template takes 7–11 ms for 200 findings."""
    items = "".join(f'<li class="finding-{f.severity}">{html.escape(f.message)}</li>' for f in findings)
    # The message went through html.escape; the target and severity are our own ids.
    return mark_safe(f'<ul class="row-findings list-unstyled small mb-0" data-target="{target}">{items}</ul>')


def findings_data(findings: list[FindingView]) -> str:
    """Every finding list of the table, for `editor/parts.html#findings-data`."""
    grouped: dict[str, list[FindingView]] = {}
    for finding in findings:
        grouped.setdefault(finding.target, []).append(finding)
    return mark_safe("".join(findings_html(target, found) for target, found in grouped.items()))


# ---------------------------------------------------------------- rows for display


class GridIndicator(namedtuple("GridIndicator", (*IndicatorExport.FIELDS, "position"))):
    """An indicator row as step 4 draws and checks it: `IndicatorExport.FIELDS`, then its position.

    Read as values (`grid_indicators`) rather than model instances: an indicator has some twenty
    columns, and building 200 instances on every draw of the grid showed in `make bench`. It reads
    as an `Indicator` does where the grid and its fingerprint look (`pk` and the field names).
    """

    __slots__ = ()

    @property
    def pk(self) -> int:
        return self.id

    @property
    def exported(self) -> tuple:
        """The row as `tables.imports.exchange.indicator_values` reads it, for the checks."""
        return self[:-1]


def grid_indicators(table: TargetTable) -> list[GridIndicator]:
    """The table's indicators in printed order, as `GridIndicator`s (one query)."""
    return list(map(GridIndicator._make, indicator_values(table, also=("position",))))


@dataclass
class RowView:
    obj: object
    dom: str
    base: str
    url: str
    findings: list = field(default_factory=list)
    cells: list = field(default_factory=list)  # (key, label, text, <option>s of a select or "")
    parse: dict | None = None
    parse_line: str | None = None  # parse_html(parse), built once per distinct value text
    last: tuple | None = None
    level1_options: str = ""
    level2_options: str = ""
    group: str = ""
    group_size: int = 0
    group_vals: str = ""
    html: str = ""
    threads: list = field(default_factory=list)  # reviewers' comment threads on this row
    joined: str | None = None  # a split form without a 指标值 column: the value its parts make, under 目标值

    @property
    def comment_badge(self) -> str:
        """A link to the row's comments in the step's comment panel ("" without comments)."""
        return render_badge(comment_badge(self.threads))

    @property
    def parse_html(self) -> str:
        if self.parse_line is not None:
            return self.parse_line
        return parse_html(self.parse) if self.parse else ""


class _Options:
    """<option> lists for the 一级/二级 selects, built once per distinct pair (a grid has few)."""

    def __init__(self, tree: dict[str, list[str]]):
        self.tree = tree
        self.cache: dict[tuple[str, str], tuple[str, str]] = {}

    def __call__(self, level1: str, level2: str) -> tuple[str, str]:
        key = (level1, level2)
        if key not in self.cache:
            names1 = list(self.tree)
            if level1 and level1 not in names1:
                names1.append(level1)
            names2 = list(self.tree.get(level1, []))
            if level2 and level2 not in names2:
                names2.append(level2)
            self.cache[key] = (self._options(names1, level1), self._options(names2, level2))
        return self.cache[key]

    def _options(self, names: list[str], selected: str) -> str:
        # html.escape rather than format_html_join: a grid builds a list per distinct 一级/二级 pair.
        esc = html.escape
        blank = f'<option value=""{" selected" if not selected else ""}>请选择</option>'
        items = "".join(
            f'<option value="{esc(n)}"{" selected" if n == selected else ""}>{esc(n)}</option>' for n in names
        )
        return mark_safe(blank + items)  # the names went through html.escape


# The record's columns drawn as a select: their choices (blank first), as `record` names them.
RECORD_CHOICES: dict[str, tuple[str, ...]] = {
    "comparator": record.COMPARATORS,
    "value_type": record.VALUE_TYPES,
    "direction": record.DIRECTIONS,
    "core": ("是", "否"),
}


@lru_cache(maxsize=256)
def record_options(key: str, selected: str) -> str:
    """<option>s of a record column's select; a stored text outside the choices stays selectable."""
    names = list(RECORD_CHOICES[key])
    if selected and selected not in names:
        names.append(selected)
    blank = format_html('<option value=""{}></option>', " selected" if not selected else "")
    items = format_html_join(
        "", '<option value="{}"{}>{}</option>', ((n, " selected" if n == selected else "", n) for n in names)
    )
    return blank + items


def cell_text(row, key: str) -> str:
    """What a grid cell shows for a column of an indicator row."""
    value = getattr(row, key)
    if key in ("number", "weight"):
        return record.format_number(value)
    if key == "core":
        return "" if value is None else ("是" if value else "否")
    return value or ""


def column_labels(layout) -> dict[str, str]:
    """The indicator columns' printed headers on this layout (`column_labels` over the defaults)."""
    return {**COLUMN_LABELS, **(layout.column_labels or {})}


def period_groups(layout, views: list[RowView]) -> list[dict] | None:
    """Where 中期/长期 and 年度 indicators stand side by side: the rows of each period, in the layout's order."""
    periods = list(layout.periods or [])
    if len(periods) < 2:
        return None
    groups = []
    for period in periods:
        rows = [view for view in views if view.obj.period == period]
        vals = {"period": period} | ({"after": rows[-1].obj.pk} if rows else {})
        groups.append(
            {
                "period": period,
                "label": f"{record.PERIODS[period]}指标",
                "rows": rows,
                "vals": json.dumps(vals, ensure_ascii=False),
            }
        )
    return groups


def _row_views(
    table: TargetTable,
    kind: str,
    rows: list,
    findings: list[FindingView],
    *,
    last=None,
    can_edit: bool = True,
    can_propose: bool = False,
    threads: dict | None = None,
) -> list[RowView]:
    spec = ROW_KINDS[kind]
    threads = threads or {}
    anchor = "task" if kind == "tasks" else "indicator"
    prefix = reverse("editor-row", args=[table.pk, kind, 0])[:-2]
    by_target: dict[str, list[FindingView]] = {}
    for f in findings:
        by_target.setdefault(f.target, []).append(f)
    views = []
    if kind == "tasks":
        for row in rows:
            dom = f"{spec.dom}-{row.pk}"
            view = RowView(row, dom, editing.row_fingerprint(row), f"{prefix}{row.pk}/", by_target.get(dom, []))
            view.threads = threads.get(f"{anchor}:{row.pk}", [])
            views.append(view)
        return views
    layout = table.layout
    columns = [key for key in layout.columns if key not in ("level1", "level2")]
    labels = column_labels(layout)
    options = _Options(layout.scheme.tree())
    periods = list(layout.periods or [])
    if len(periods) > 1:  # grouped by period first (the grid draws a group per period)
        order = {period: i for i, period in enumerate(periods)}
        rows = sorted(rows, key=lambda row: (order.get(row.period, len(order)), row.position))
    urls = {
        "suggest": reverse("editor-suggest", args=[table.pk]),
        "parse": reverse("editor-parse-value"),
        "new": reverse("editor-row-new", args=[table.pk, kind]),
        "library": reverse("library-indicator-sheet", args=[0])[:-2],
    }
    last = last if last is not None else {}
    previous_group = None
    views_in_group = None
    for row in rows:
        dom = f"{spec.dom}-{row.pk}"
        view = RowView(row, dom, editing.row_fingerprint(row), f"{prefix}{row.pk}/", by_target.get(dom, []))
        view.cells = [
            (key, labels[key], text := cell_text(row, key), record_options(key, text) if key in RECORD_CHOICES else "")
            for key in columns
        ]
        view.parse = _describe_text(row.value)
        view.parse_line = _parse_line(row.value)
        view.last = last.get(name_key(row.level3)) if row.level3 else None
        view.level1_options, view.level2_options = options(row.level1, row.level2)
        if "value" not in columns:
            view.joined = row.value or ""
        view.threads = threads.get(f"{anchor}:{row.pk}", [])
        view.html = _indicator_row(view, can_edit, can_propose, urls)
        group = (row.period, row.level1, row.level2) if len(periods) > 1 else (row.level1, row.level2)
        if group != previous_group:
            if views_in_group is not None:
                views_in_group.group_vals = _group_vals(views[-1].obj, periods)
            view.group = f"{row.level1 or '（未选一级）'} › {row.level2 or '（未选二级）'}"
            views_in_group = view
            previous_group = group
        views_in_group.group_size += 1
        views.append(view)
    if views_in_group is not None:
        views_in_group.group_vals = _group_vals(views[-1].obj, periods)
    return views


def _group_vals(last_row, periods: list[str]) -> str:
    """What a row added at the end of a group is given: after the group's last row, in its 一级/二级."""
    vals = {"after": last_row.pk, "level1": last_row.level1, "level2": last_row.level2}
    if len(periods) > 1:  # a row added in the group is of its period
        vals["period"] = last_row.period
    return json.dumps(vals, ensure_ascii=False)


def _value_notes(view: RowView) -> str:
    """Under the value (or, on a split form, under 目标值): what the grammar read, and last year's value."""
    last = f"上年（{view.last[0]}）：{html.escape(view.last[1])}" if view.last else ""
    return (
        f'<div id="{view.dom}-parse" class="parse small">{view.parse_html}</div>'
        f'<div id="{view.dom}-last" class="last-year small">{last}</div>'
    )


def _indicator_row(view: RowView, can_edit: bool, can_propose: bool, urls: dict) -> str:
    """One indicator row of the grid: `editor/step_indicators.html#indicator-row` built in Python.

    The grid's inner loop: drawn from the template, the 60-row step 4 takes 39 ms of CPU against
    a target of 30 (20 ms built here; `make bench`, measured again for issue 12). tests/editor
    prove the two equal, comment badge and findings included. `html.escape` rather than
    `format_html` for the same reason; every value below goes through `esc`, the option lists
    and the badge are already safe.
    """
    esc = html.escape
    dom = view.dom
    row = view.obj
    off = "" if can_edit else " disabled"
    save = (
        f' hx-post="{view.url}" hx-trigger="change" hx-include="this" hx-swap="none"'
        ' hx-sync="closest .editor-grid:queue all"'
        if can_edit
        else ""
    )
    base = f'<input type="hidden" name="base" id="{dom}-base" value="{view.base}">' if can_edit else ""
    out = [
        f'<tr id="{dom}" class="grid-row ind-row" data-row-id="{row.pk}" data-draft-key="{dom}"{save}>'
        f'<td class="pos">{row.position}{base}{view.comment_badge}</td>'
        f'<td class="col-level1"><select name="level1" id="{dom}-level1" aria-label="一级指标"'
        f' class="form-select form-select-sm cell level1"{off}>{view.level1_options}</select></td>'
        f'<td class="col-level2"><select name="level2" id="{dom}-level2" aria-label="二级指标"'
        f' class="form-select form-select-sm cell level2"{off}>{view.level2_options}</select></td>'
    ]
    for key, label, text, choices in view.cells:
        text = esc(text)
        if key == "level3":
            live = (
                f' hx-get="{urls["suggest"]}" hx-trigger="input changed delay:250ms" hx-target="#level3-suggestions"'
                f' hx-swap="innerHTML" hx-include="#{dom}-level2" hx-sync="this:replace"'
                if can_edit
                else off
            )
            cell = (
                f'<input name="level3" id="{dom}-level3" value="{text}" aria-label="三级指标"'
                f' list="level3-suggestions" autocomplete="off" class="form-control form-control-sm cell"{live}>'
            )
        elif key == "value":
            live = (
                f' hx-get="{urls["parse"]}" hx-trigger="input changed delay:200ms" hx-target="#{dom}-parse"'
                f' hx-swap="innerHTML" hx-include="none" hx-sync="this:replace"'
                if can_edit
                else off
            )
            suspect = " is-suspect" if view.parse["error"] else ""
            cell = (
                f'<input name="value" id="{dom}-value" value="{text}" aria-label="指标值" autocomplete="off"'
                f' class="form-control form-control-sm cell{suspect}"{live}>{_value_notes(view)}'
            )
        elif key == "basis":
            cell = (
                f'<input name="basis" id="{dom}-basis" value="{text}" aria-label="{esc(label)}" list="basis-options"'
                f' class="form-control form-control-sm cell"{off}>'
            )
        elif choices:
            cell = (
                f'<select name="{key}" id="{dom}-{key}" aria-label="{esc(label)}"'
                f' class="form-select form-select-sm cell"{off}>{choices}</select>'
            )
        elif key in ("number", "unit", "weight"):
            numeric = ' inputmode="decimal"' if key != "unit" else ""
            cell = (
                f'<input name="{key}" id="{dom}-{key}" value="{text}" aria-label="{esc(label)}"{numeric}'
                f' autocomplete="off" class="form-control form-control-sm cell"{off}>'
            )
            if key == "number" and view.joined is not None:
                cell += f'<div id="{dom}-joined" class="joined small">{esc(view.joined)}</div>{_value_notes(view)}'
        else:
            cell = (
                f'<textarea name="{key}" id="{dom}-{key}" rows="1" aria-label="{esc(label)}"'
                f' class="form-control form-control-sm cell"{off}>{text}</textarea>'
            )
        out.append(f'<td class="col-{key}">{cell}</td>')
    out.append(
        f'<td class="state-cell"><span id="{dom}-state" class="row-state small"></span>'
        f'{findings_html(dom, view.findings)}<div id="{dom}-conflict"></div></td><td class="actions">'
    )
    if can_edit:
        grid = 'hx-include="none" hx-target="#indicator-grid" hx-swap="outerHTML"'
        out.append(
            '<div class="btn-group btn-group-sm row-actions" role="group" aria-label="行操作">'
            f'<button type="button" class="btn btn-outline-secondary act-insert" tabindex="-1"'
            f' title="在下方插入一行（Ctrl+Enter）" aria-label="在下方插入一行" hx-post="{urls["new"]}"'
            f' hx-vals=\'{{"after": "{row.pk}"}}\' {grid}>＋</button>'
            f'<button type="button" class="btn btn-outline-secondary act-up" tabindex="-1" title="上移（Alt+↑）"'
            f' aria-label="上移" hx-post="{view.url}move/" hx-vals=\'{{"direction": "up"}}\' {grid}>↑</button>'
            f'<button type="button" class="btn btn-outline-secondary act-down" tabindex="-1" title="下移（Alt+↓）"'
            f' aria-label="下移" hx-post="{view.url}move/" hx-vals=\'{{"direction": "down"}}\' {grid}>↓</button>'
            f'<button type="button" class="btn btn-outline-danger act-delete" tabindex="-1"'
            f' title="删除（Alt+Delete，可撤销）" aria-label="删除" hx-post="{view.url}delete/"'
            f' hx-include="#{dom}-base" hx-target="#indicator-grid" hx-swap="outerHTML">✕</button></div>'
        )
    out.append(
        f'<a class="small act-sheet d-block mt-1" href="{urls["library"]}{row.pk}/" target="_blank"'
        ' title="指标解释、计算公式、典型指标值和使用它的已批复表">指标说明</a>'
    )
    if can_propose:
        out.append(
            f'<a class="btn btn-sm btn-outline-success act-catalog mt-1" href="{urls["library"]}{row.pk}/propose/"'
            ' title="推荐纳入指标库（财政局管理员审核）">纳入指标库</a>'
        )
    out.append("</td></tr>")
    return mark_safe("".join(out))  # user text above went through html.escape
