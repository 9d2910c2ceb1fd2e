"""The step-by-step editor: start a table, five steps, htmx row editing, paste, suggestions, catalog.

Views translate between HTTP and `tables.editing`; they hold no domain
logic. The htmx contract (see STYLE.md and tables/middleware.py):

* a cell or form autosave (`hx-swap="none"`) answers with out-of-band
  fragments only (the new base, the row's state, the value's parse, the
  step bar and the findings), so the text a user is typing elsewhere is
  never replaced;
* a structural change (insert, delete, move, paste, undo) answers with the
  whole grid;
* 422 = invalid input, 409 = the row or form changed since the user saw it
  (the answer shows the newer values and offers a reload), 403 = read-only;
* `X-Table-Version` carries the table's version after every write, and
  `HX-Trigger` the events `editor:saved` / `editor:focus` (ASCII JSON).
"""

from __future__ import annotations

import html
import json
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from indicators.catalog import add_to_catalog, last_year_values, name_key, suggest
from indicators.checks import SEVERITY_LABELS, check_stored_table
from indicators.models import CatalogEntry, Indicator
from indicators.values import ParsedValue, parse_value
from tables import editing, workflow
from tables.editing import ROW_KINDS, Conflict, EditError, NotEditable, StartError, TooManyRows
from tables.editor_forms import (
    BasicForm,
    BlankStartForm,
    BudgetForm,
    CopyStartForm,
    GoalsForm,
    ImportStartForm,
    IndicatorRowForm,
    PasteRowsForm,
    PasteStartForm,
    TaskRowForm,
)
from tables.imports.exchange import attach_rows
from tables.layouts import BUDGET_LABELS, COLUMN_LABELS
from tables.models import TargetTable, one
from tables.permissions import get_table_for_user, role_for
from tables.review import SubmitForm
from tables.summary import task_totals

STEPS: list[tuple[str, str]] = [
    ("basic", "基本信息"),
    ("tasks", "任务与预算"),
    ("goals", "绩效目标"),
    ("indicators", "绩效指标"),
    ("check", "检查与提交"),
]
STEP_LABELS = dict(STEPS)
STATE_LABELS = {"empty": "未填写", "errors": "有错误", "complete": "已完成"}
BASIS_OPTIONS = ["计划标准", "历史标准", "行业标准", "预算支出标准", "其他标准"]
_UNDO_SALT = "tables.editor.undo"
_UNDO_MAX_AGE = 24 * 3600

# Which step a finding about a header field belongs to.
_FIELD_STEP = {
    "organization": "basic",
    "title": "basic",
    "year": "basic",
    "project_code": "basic",
    "project_name": "basic",
    "project_purpose": "basic",
    "tasks": "tasks",
    "spending_plan": "tasks",
    "mission": "goals",
    "goal": "goals",
    "indicators": "indicators",
    "weights": "indicators",
}


# ---------------------------------------------------------------- access


def _load_table(pk: int, *, full: bool) -> TargetTable | None:
    """The table with its layout and scheme; `full` adds the tasks and indicators the editor and the
    checks read (two more queries, whatever the number of rows)."""
    table = one(TargetTable.objects.select_related("organisation", "layout", "layout__scheme", "round").filter(pk=pk))
    if table is not None and full:
        attach_rows(table)
    return table


def _editor_table(
    request: HttpRequest, pk: int, *, write: bool = False, full: bool = False
) -> tuple[TargetTable, bool]:
    """The table and whether the user may edit it; 404 when not visible, 403 when read-only and writing.

    Fillers of the table's organisation and admins edit draft or returned
    tables; reviewers (and everyone on a submitted or approved table) only read.
    The role decides visibility as `TargetTable.objects.visible_to` does (no role, no table),
    from the organisation loaded with the table; rows are loaded only once access is granted.
    """
    table = _load_table(pk, full=False)
    role = role_for(request.user, table.organisation) if table is not None else None
    if role is None:
        raise Http404("没有找到该绩效目标表")
    can_edit = role in ("filler", "admin") and table.is_editable
    if write and not can_edit:
        raise PermissionDenied(_readonly_reason(table, role))
    if full:
        attach_rows(table)
    table.editor_role = role
    return table, can_edit


def _readonly_reason(table: TargetTable, role: str | None) -> str:
    if role not in ("filler", "admin"):
        return "您是审核人，只能查看，不能修改。"
    return f"该表{table.get_status_display()}，不能修改。"


def _kind(kind: str):
    if kind not in ROW_KINDS:
        raise Http404("没有这种行")
    return ROW_KINDS[kind]


def _int(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- findings and steps


@dataclass
class StepState:
    slug: str
    number: int
    label: str
    state: str
    url: str
    errors: int = 0
    warnings: int = 0

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def _dom(location: dict) -> str:
    scope = location["scope"]
    if scope == "table":
        return f"field-{location.get('field') or 'table'}"
    prefix = ROW_KINDS["tasks" if scope == "task" else "indicators"].dom
    return f"{prefix}-{location.get('id') or location.get('position')}"


def _step_of(location: dict) -> str:
    scope = location["scope"]
    if scope == "task":
        return "tasks"
    if scope == "indicator":
        return "indicators"
    name = location.get("field") or ""
    if name.startswith("budget"):
        return "tasks"
    return _FIELD_STEP.get(name, "basic")


@dataclass
class FindingView:
    code: str
    severity: str
    message: str
    step: str
    target: str
    href: str

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]


def _finding_views(table: TargetTable) -> list[FindingView]:
    views = []
    for f in check_stored_table(table):
        step = _step_of(f.location)
        target = _dom(f.location)
        href = reverse("editor-step", args=[table.pk, step]) + f"#{target}"
        views.append(FindingView(f.code, f.severity, f.message, step, target, href))
    return views


def _step_states(table: TargetTable, tasks: list, indicators: list, findings: list[FindingView]) -> list[StepState]:
    layout = table.layout
    errors: dict[str, int] = {slug: 0 for slug, _ in STEPS}
    warnings: dict[str, int] = {slug: 0 for slug, _ in STEPS}
    for f in findings:
        if f.severity == "error":
            errors[f.step] += 1
        elif f.severity == "warning":
            warnings[f.step] += 1
    errors["check"] = sum(errors.values())
    warnings["check"] = sum(warnings.values())
    budget_fields = [f"budget_{k}" for k in layout.budget_keys]
    if layout.has("spending_plan"):
        budget_fields += [f"plan_{m}" for m in TargetTable.PLAN_MONTHS]
    empty = {
        "basic": not table.title,
        "tasks": not tasks and all(getattr(table, name) is None for name in budget_fields),
        "goals": not (table.mission or table.goal),
        "indicators": not indicators,
        "check": False,
    }
    states = []
    for number, (slug, label) in enumerate(STEPS, start=1):
        # An empty step is "empty" even where the checks already say it is required.
        state = "empty" if empty[slug] else ("errors" if errors[slug] else "complete")
        if slug == "tasks" and not (layout.has("tasks") or budget_fields):
            state = "complete"
        states.append(
            StepState(
                slug, number, label, state, reverse("editor-step", args=[table.pk, slug]), errors[slug], warnings[slug]
            )
        )
    return states


def _findings_json(findings: list[FindingView]) -> str:
    return json.dumps(
        [
            {"target": f.target, "severity": f.severity, "label": f.severity_label, "message": f.message}
            for f in findings
        ],
        ensure_ascii=False,
    )


# ---------------------------------------------------------------- value parse display


_KIND_LABELS = {
    "quantity": "数量",
    "duration": "时长",
    "range": "区间",
    "date": "日期",
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
    cmp = parsed.comparator if parsed.kind not in ("grade", "qualitative") else None
    if parsed.kind in ("quantity", "duration"):
        parts.append(("比较符", cmp or "=（未写，按等于）"))
        parts.append(("数值", format(parsed.number, "f")))
        parts.append(("单位", parsed.unit or "（缺少单位）"))
    elif parsed.kind == "range":
        parts.append(("数值", f"{format(parsed.number, 'f')}–{format(parsed.number_high, 'f')}"))
        parts.append(("单位", parsed.unit or "（缺少单位）"))
    elif parsed.kind == "date":
        if cmp:
            parts.append(("比较符", cmp))
        parts.append(("日期", parsed.date.text if parsed.date else parsed.raw))
        if parsed.suffix:
            parts.append(("动作", parsed.suffix))
    elif parsed.kind in ("grade", "qualitative"):
        parts.append(("等级" if parsed.kind == "grade" else "内容", parsed.grade or "定性"))
    elif parsed.kind == "quantitative_other" and parsed.number is not None:
        parts.append(("数值", f"{format(parsed.number, 'f')}{parsed.unit}"))
    warn = ""
    if parsed.kind in ("quantity",) and not parsed.unit:
        warn = "缺少计量单位"
    return {"kind": parsed.kind, "parts": parts, "error": warn, "normalized": parsed.normalized}


@lru_cache(maxsize=4096)
def _describe_text(text: str) -> dict:
    """describe_value of a typed value; cached, as a grid repeats the same few values (≥95%, ≥90%…)."""
    return describe_value(parse_value(text))


def parse_html(parse: dict) -> str:
    """The line under a value cell (built here: it is drawn for every row of the grid)."""
    esc = html.escape
    error = f'<span class="parse-error" role="note">⚠ {esc(parse["error"])}</span>' if parse["error"] else ""
    parts = "".join(
        f'<span class="parse-part"><span class="parse-label">{label}</span> {esc(text)}</span>'
        for label, text in parse["parts"]
    )
    return mark_safe(f"{error} {parts}" if error and parts else error + parts)  # the texts went through html.escape


# ---------------------------------------------------------------- rows for display


@dataclass
class RowView:
    obj: object
    dom: str
    base: str
    url: str
    findings: list = field(default_factory=list)
    cells: list = field(default_factory=list)  # (key, label, text)
    parse: dict | None = None
    last: tuple | None = None
    level1_options: str = ""
    level2_options: str = ""
    group: str = ""
    group_size: int = 0
    group_vals: str = ""
    html: str = ""
    threads: list = field(default_factory=list)  # reviewers' comment threads on this row

    @property
    def open_threads(self) -> int:
        return sum(1 for thread in self.threads if not thread.resolved)

    @property
    def comment_badge(self) -> str:
        """A link to the row's comments in the step's comment panel ("" without comments)."""
        if not self.threads:
            return ""
        count = self.open_threads
        label = f"批注 {count}" if count else "批注已解决"
        tone = "text-bg-warning" if count else "text-bg-light border"
        return (
            f'<a class="badge {tone} comment-badge d-block mt-1" href="#comment-{self.threads[0].pk}"'
            f' title="审核人对该行的批注">{label}</a>'
        )

    @property
    def parse_html(self) -> str:
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
        blank = format_html('<option value=""{}>请选择</option>', " selected" if not selected else "")
        items = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((n, " selected" if n == selected else "", n) for n in names),
        )
        return blank + items


def _row_views(
    table: TargetTable,
    kind: str,
    rows: list,
    findings: list[FindingView],
    *,
    last=None,
    can_edit: bool = True,
    can_catalog: bool = False,
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
    columns = [key for key in table.layout.columns if key not in ("level1", "level2")]
    options = _Options(table.layout.scheme.tree())
    urls = {
        "suggest": reverse("editor-suggest", args=[table.pk]),
        "parse": reverse("editor-parse-value"),
        "new": reverse("editor-row-new", args=[table.pk, kind]),
        "catalog": reverse("editor-catalog-add", args=[0])[:-2],
    }
    last = last if last is not None else {}
    previous_group = None
    for row in rows:
        dom = f"{spec.dom}-{row.pk}"
        view = RowView(row, dom, editing.row_fingerprint(row), f"{prefix}{row.pk}/", by_target.get(dom, []))
        view.cells = [(key, COLUMN_LABELS[key], getattr(row, key) or "") for key in columns]
        view.parse = _describe_text(row.value)
        view.last = last.get(name_key(row.level3)) if row.level3 else None
        view.level1_options, view.level2_options = options(row.level1, row.level2)
        view.threads = threads.get(f"{anchor}:{row.pk}", [])
        view.html = _indicator_row(view, can_edit, can_catalog, urls)
        group = (row.level1, row.level2)
        if group != previous_group:
            view.group = f"{row.level1 or '（未选一级）'} › {row.level2 or '（未选二级）'}"
            views_in_group = view
            previous_group = group
        views_in_group.group_size += 1
        views_in_group.group_vals = json.dumps(
            {"after": row.pk, "level1": row.level1, "level2": row.level2}, ensure_ascii=False
        )
        views.append(view)
    return views


def _indicator_row(view: RowView, can_edit: bool, can_catalog: bool, urls: dict) -> str:
    """One indicator row of the grid, as HTML.

    Built in Python rather than in the template, and with `html.escape` rather than
    `format_html`: this is the grid's inner loop, and the template version cost about
    0.3 ms a row (a 60-row step took 50 ms against a target of 30). Every value below
    goes through `esc`; the option lists are already safe.
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
    for key, label, text in view.cells:
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
            last = f"上年（{view.last[0]}）：{esc(view.last[1])}" if view.last else ""
            suspect = " is-suspect" if view.parse["error"] else ""
            cell = (
                f'<input name="value" id="{dom}-value" value="{text}" aria-label="指标值" autocomplete="off"'
                f' class="form-control form-control-sm cell{suspect}"{live}>'
                f'<div id="{dom}-parse" class="parse small">{parse_html(view.parse)}</div>'
                f'<div id="{dom}-last" class="last-year small">{last}</div>'
            )
        elif key == "basis":
            cell = (
                f'<input name="basis" id="{dom}-basis" value="{text}" aria-label="{label}" list="basis-options"'
                f' class="form-control form-control-sm cell"{off}>'
            )
        else:
            cell = (
                f'<textarea name="{key}" id="{dom}-{key}" rows="1" aria-label="{label}"'
                f' class="form-control form-control-sm cell"{off}>{text}</textarea>'
            )
        out.append(f'<td class="col-{key}">{cell}</td>')
    findings = "".join(f'<li class="finding-{f.severity}">{esc(f.message)}</li>' for f in view.findings)
    out.append(
        f'<td class="state-cell"><span id="{dom}-state" class="row-state small"></span>'
        f'<ul class="row-findings list-unstyled small mb-0" data-target="{dom}">{findings}</ul>'
        f'<div id="{dom}-conflict"></div></td><td class="actions">'
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
    if can_catalog:
        out.append(
            f'<button type="button" class="btn btn-sm btn-outline-success act-catalog mt-1"'
            f' hx-post="{urls["catalog"]}{row.pk}/" hx-include="none" hx-swap="outerHTML"'
            ' title="纳入指标库（按一级/二级分类）">纳入指标库</button>'
        )
    out.append("</td></tr>")
    return mark_safe("".join(out))  # user text above went through html.escape


# ---------------------------------------------------------------- step context


def _step_context(
    request: HttpRequest,
    table: TargetTable,
    can_edit: bool,
    step: str,
    *,
    only_row: int | None = None,
    last_year: bool = True,
    **extra,
) -> dict:
    """Everything a step's page (or fragment) shows; `only_row` builds the grid row of that one row only."""
    layout = table.layout
    tasks = list(table.tasks.all())
    indicators = list(table.indicators.all())
    shown_tasks = tasks if only_row is None else [t for t in tasks if t.pk == only_row]
    shown_indicators = indicators if only_row is None else [i for i in indicators if i.pk == only_row]
    findings = _finding_views(table)
    steps = _step_states(table, tasks, indicators, findings)
    current = next(s for s in steps if s.slug == step)
    # Reviewers' comments: on full renders only (an autosave leaves the row's badge in place).
    threads = _comment_threads(table) if only_row is None else {}
    step_findings = findings if step == "check" else [f for f in findings if f.step == step]
    counts = {s: sum(1 for f in step_findings if f.severity == s) for s in ("error", "warning", "info")}
    context = {
        "table": table,
        "layout": layout,
        "can_edit": can_edit,
        "readonly_reason": "" if can_edit else _readonly_reason(table, getattr(table, "editor_role", None)),
        "steps": steps,
        "current": current,
        "next_step": steps[current.number] if current.number < len(steps) else None,
        "previous_step": steps[current.number - 2] if current.number > 1 else None,
        "findings": findings,
        "step_findings": step_findings,
        "counts": counts,
        "findings_json": _findings_json(findings),
        "can_catalog": getattr(table, "editor_role", None) in ("reviewer", "admin"),
        "suggest_url": reverse("editor-suggest", args=[table.pk]),
        "parse_url": reverse("editor-parse-value"),
        "catalog_url": reverse("editor-catalog-add", args=[0])[:-2],
        "new_url": reverse("editor-row-new", args=[table.pk, step]) if step in ROW_KINDS else "",
        "comment_threads": (step_threads := _threads_of_step(step, threads)),
        "open_comments": sum(1 for thread in step_threads if not thread.resolved),
        "can_reply": bool(threads) and "reply" in workflow.available_actions(table, request.user),
        **extra,
    }
    if step == "tasks":
        amounts = layout.has("task_amounts")
        context.update(
            has_tasks=layout.has("tasks") or bool(tasks),
            amounts=amounts,
            task_rows=_row_views(table, "tasks", shown_tasks, findings, threads=threads),
            totals=task_totals(tasks),
            budget_sums=_budget_sums(table),
            task_colspan=5 + (3 if amounts else 0),
        )
    elif step == "indicators":
        columns = [(key, COLUMN_LABELS[key]) for key in layout.columns if key not in ("level1", "level2")]
        context.update(
            rows=_row_views(
                table,
                "indicators",
                shown_indicators,
                findings,
                last=last_year_values(table) if last_year else {},
                can_edit=can_edit,
                can_catalog=getattr(table, "editor_role", None) in ("reviewer", "admin"),
                threads=threads,
            ),
            columns=columns,
            colspan=len(columns) + 5,
            tree=layout.scheme.tree(),
            basis_options=BASIS_OPTIONS,
            paste_form=PasteRowsForm(),
        )
    elif step == "check":
        from tables.views import indicator_groups

        if can_edit and "submit" in workflow.available_actions(table, request.user):
            data = workflow.current_data(table)
            context["submit_form"] = SubmitForm(initial={"fingerprint": workflow.fingerprint(data)})

        labels = {**BUDGET_LABELS, **(layout.options or {}).get("budget_labels", {})}
        context.update(
            by_severity=[
                (s, SEVERITY_LABELS[s], [f for f in findings if f.severity == s]) for s in ("error", "warning", "info")
            ],
            tasks=tasks,
            totals=task_totals(tasks),
            groups=indicator_groups(indicators),
            indicator_count=len(indicators),
            columns=[(key, COLUMN_LABELS[key]) for key in layout.columns if key not in ("level1", "level2")],
            budget_rows=[(labels[key], getattr(table, f"budget_{key}")) for key in layout.budget_keys],
            plan=table.spending_plan() if layout.has("spending_plan") else None,
        )
    return context


# Which comment anchors each step shows (comments on the whole table show on every step).
_STEP_ANCHORS = {
    "basic": ("field:title", "field:project", "field:project_purpose"),
    "tasks": ("task:", "field:budget", "field:spending_plan"),
    "goals": ("field:mission", "field:goal"),
    "indicators": ("indicator:",),
}


def _comment_threads(table: TargetTable) -> dict[str, list]:
    """The reviewers' comment threads by place (tables.workflow.comments_by_anchor); one query
    when the table has none."""
    if not table.comments.exists():
        return {}
    return workflow.comments_by_anchor(table, workflow.current_data(table))


def _threads_of_step(step: str, threads: dict[str, list]) -> list:
    """The threads to list on a step, unresolved first, in printed order."""
    prefixes = _STEP_ANCHORS.get(step)
    chosen = [
        thread
        for key, found in threads.items()
        if step == "check" or key == "table" or key.startswith(prefixes or ())
        for thread in found
    ]
    return sorted(chosen, key=lambda thread: thread.resolved)


def _budget_sums(table: TargetTable) -> list[dict]:
    """The layout's 资金来源/资金结构 groups with their sums beside the total (running totals)."""
    layout = table.layout
    labels = {**BUDGET_LABELS, **(layout.options or {}).get("budget_labels", {})}
    total = table.budget_total
    sums = []
    for group in (layout.options or {}).get("budget_sums", []):
        values = [getattr(table, f"budget_{k}") for k in group]
        known = [v for v in values if v is not None]
        amount = sum(known) if known else None
        sums.append(
            {
                "label": "＋".join(_short(labels[k]) for k in group),
                "sum": amount,
                "total": total,
                "ok": amount is None or total is None or amount == total,
            }
        )
    return sums


def _short(label: str) -> str:
    return label.split("）")[-1].replace("（万元）", "").strip("：:") or label


def _forms_for(step: str, table: TargetTable, user, data=None):
    """The header form of a step (None for the grid and check steps)."""
    if step == "basic":
        orgs = editing.fillable_organisations(user) | type(table.organisation).objects.filter(pk=table.organisation_id)
        return BasicForm(data, table=table, organisations=orgs.distinct(), initial=BasicForm.initial_for(table))
    if step == "tasks":
        form = BudgetForm(data, table=table, initial=BudgetForm.initial_for(table))
        return form if form.fields else None
    if step == "goals":
        return GoalsForm(data, table=table, initial=GoalsForm.initial_for(table))
    return None


def _form_base(form, table: TargetTable) -> str:
    return editing.fingerprint(editing.values_of(table, form.model_fields)) if form is not None else ""


# ---------------------------------------------------------------- responses


def _trigger(response: HttpResponse, events: dict) -> HttpResponse:
    # ASCII JSON: a header value with Chinese would be MIME-encoded and unreadable to htmx.
    response["HX-Trigger"] = json.dumps(events, ensure_ascii=True)
    return response


def _oob_status(request: HttpRequest, table: TargetTable, step: str, can_edit: bool = True, **extra) -> str:
    """Step bar, findings panel and findings data, out of band (after any change)."""
    context = _step_context(request, table, can_edit, step, oob=True, **extra)
    return render_to_string("editor/parts.html#oob-status", context, request=request)


def _with_saved_row(table: TargetTable, kind: str, saved) -> TargetTable:
    """The table as fetched before the save, with the saved row put in (instead of fetching it all again).

    A colleague's save to another row in the same few milliseconds shows in the findings on the
    next save or reload; the row itself was checked under the lock.
    """
    rows = table._prefetched_objects_cache[kind]
    rows._result_cache = [saved.obj if r.pk == saved.obj.pk else r for r in rows]
    table.version = saved.version
    return table


def _reload(table: TargetTable) -> TargetTable:
    fresh = _load_table(table.pk, full=True)
    if fresh is None:
        raise Http404("没有找到该绩效目标表")
    fresh.editor_role = getattr(table, "editor_role", None)
    return fresh


def _grid_response(
    request: HttpRequest,
    table: TargetTable,
    kind: str,
    *,
    status: int = 200,
    extra: str = "",
    focus: str | None = None,
    saved=None,
) -> HttpResponse:
    step = kind
    context = _step_context(request, table, True, step)
    body = render_to_string(f"editor/step_{step}.html#grid", context, request=request)
    body += render_to_string("editor/parts.html#oob-status", {**context, "oob": True}, request=request)
    response = HttpResponse(body + extra, status=status)
    if focus:
        # After settle: the element exists only once the new grid is in the page.
        response["HX-Trigger-After-Settle"] = json.dumps({"editor:focus": {"id": focus}})
    events: dict = {}
    if saved is not None:
        response["X-Table-Version"] = str(saved.version)
        events["editor:version"] = {"version": saved.version, "changedElsewhere": saved.changed_elsewhere}
    if events:
        _trigger(response, events)
    return response


def _conflict_response(
    request: HttpRequest, table: TargetTable, kind: str, dom: str, conflict: Conflict, mine: dict, url: str
) -> HttpResponse:
    spec = ROW_KINDS[kind]
    labels = _field_labels(table, kind)
    diffs = []
    if conflict.current is not None:
        for name in spec.fields:
            theirs = conflict.current.get(name) or ""
            if name in mine and (mine[name] or "") != theirs:
                diffs.append((labels.get(name, name), theirs or "（空）", mine[name] or "（空）"))
            elif not mine and theirs:  # a delete: show what would have gone
                diffs.append((labels.get(name, name), theirs, "（删除）"))
    context = {
        "dom": dom,
        "conflict": conflict,
        "diffs": diffs,
        "url": url,
        "kind": kind,
        "table": table,
        "new_url": reverse("editor-row-new", args=[table.pk, kind]),
        "grid_url": reverse("editor-step", args=[table.pk, kind]),
    }
    body = render_to_string("editor/parts.html#row-conflict", context, request=request)
    response = HttpResponse(body, status=409)
    return _trigger(response, {"editor:conflict": {"key": dom}})


def _field_labels(table: TargetTable, kind: str) -> dict[str, str]:
    if kind == "tasks":
        return {"name": "任务名称", "content": "主要内容", "total": "总额", "fiscal": "财政拨款", "other": "其他资金"}
    return dict(COLUMN_LABELS)


def _posted(request: HttpRequest, names) -> dict[str, str]:
    return {name: request.POST[name] for name in names if name in request.POST}


# ---------------------------------------------------------------- starting a table


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """新建绩效目标表: blank, copied from an earlier year, imported from a file, or from pasted text."""
    orgs = editing.fillable_organisations(request.user)
    if not orgs.exists():
        raise PermissionDenied("您没有填报权限，不能新建绩效目标表。")
    sources = editing.copy_sources(request.user)
    mode = request.POST.get("mode", "") if request.method == "POST" else request.GET.get("mode", "blank")
    data = request.POST if request.method == "POST" else None
    forms = {
        "blank": BlankStartForm(data if mode == "blank" else None, prefix="blank", organisations=orgs),
        "copy": CopyStartForm(data if mode == "copy" else None, prefix="copy", sources=sources),
        "import": ImportStartForm(
            data if mode == "import" else None,
            request.FILES if mode == "import" else None,
            prefix="import",
            organisations=orgs,
        ),
        "paste": PasteStartForm(data if mode == "paste" else None, prefix="paste", organisations=orgs),
    }
    if request.method == "GET":
        first = sources.first()
        if first is not None:
            forms["copy"].initial["source"] = first.pk
        if orgs.count() == 1:
            for key in ("blank", "import", "paste"):
                forms[key].initial["organisation"] = orgs.first().pk
    context = {"forms": forms, "mode": mode if mode in forms else "blank", "problems": [], "existing": None}
    if request.method == "GET":
        return render(request, "editor/start.html", context)
    if mode not in forms:
        return HttpResponseBadRequest("未知的新建方式")
    form = forms[mode]
    if not form.is_valid():
        return render(request, "editor/start.html", context, status=422)
    data = form.cleaned_data
    try:
        if mode == "blank":
            table = editing.start_blank(
                data["round"],
                data["organisation"],
                user=request.user,
                project_code=data["project_code"].strip(),
                project_name=data["project_name"].strip(),
            )
            messages.success(request, "已新建绩效目标表。")
        elif mode == "copy":
            table = editing.copy_table(data["source"], data["round"], user=request.user)
            messages.success(request, f"已从{data['source'].year}年的表复制全部内容，请逐项核对更新。")
        elif mode == "import":
            table = _import_upload(data, request.user)
            messages.success(request, "已导入文件。")
        else:
            result = _paste_table(data, request.user)
            if isinstance(result, list):  # problems to confirm first
                context["problems"] = result
                return render(request, "editor/start.html", context, status=200)
            table, problems = result
            messages.success(request, "已从粘贴的文本新建绩效目标表。")
            for problem in problems:
                messages.warning(request, problem)
    except StartError as exc:
        form.add_error(None, str(exc))
        context["existing"] = exc.existing
        return render(request, "editor/start.html", context, status=422)
    return redirect("editor-step", pk=table.pk, step="basic")


def _import_upload(data: dict, user) -> TargetTable:
    from tables.imports.dispatch import ImportFailed, check_size, read_document

    upload = data["file"]
    suffix = Path(upload.name).suffix.lower()
    try:
        check_size(upload.size, upload.name)  # before copying it: Django accepts any size of file
    except ImportFailed as exc:
        raise StartError(str(exc)) from exc
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            document, problems = read_document(path, name=upload.name)
        except ImportFailed as exc:
            raise StartError(str(exc)) from exc
    if problems:
        raise StartError("文件中有无法识别的内容：" + "；".join(problems[:10]))
    return editing.import_exchange(
        document, round_=data["round"], organisation=data["organisation"], user=user, name=upload.name
    )


def _paste_table(data: dict, user):
    """Problems to confirm (a list of lines), or (table, notes) once created."""
    from tables.imports.text import parse_table_text

    round_ = data["round"]
    if round_.layout.kind != TargetTable.Kind.DEPARTMENT:
        raise StartError("粘贴整张表目前只支持部门（单位）整体表；项目支出表请新建后在“绩效指标”步骤粘贴指标行。")
    parsed = parse_table_text(data["text"], source="粘贴的文本")
    problems = [f"第 {line} 行“{text.strip()[:60]}”：{reason}" for line, text, reason in parsed.problems]
    if not parsed.data.get("indicators") and not parsed.data.get("tasks") and not parsed.data.get("goal"):
        raise StartError("没有从粘贴的文本中识别出任务、目标或指标。" + ("；".join(problems[:5])))
    if problems and not data.get("confirm"):
        return problems
    table, notes = editing.create_from_data(
        parsed.data, round_=round_, organisation=data["organisation"], user=user, source="粘贴的文本"
    )
    return table, [f"未导入：{p}" for p in problems] + notes


# ---------------------------------------------------------------- steps


@login_required
@require_GET
def table_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """The editor of a table: its first step."""
    _editor_table(request, pk)
    return redirect("editor-step", pk=pk, step="basic")


@login_required
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One step of the editor; POST saves the step's header form (steps 1–3)."""
    if step not in STEP_LABELS:
        raise Http404("没有这一步")
    table, can_edit = _editor_table(request, pk, write=request.method == "POST", full=True)
    if request.method == "POST":
        return _save_step_form(request, table, step)
    form = _forms_for(step, table, request.user)
    if form is not None and not can_edit:
        for f in form.fields.values():
            f.disabled = True
    context = _step_context(request, table, can_edit, step, form=form, form_base=_form_base(form, table))
    template = f"editor/step_{step}.html"
    if request.htmx:
        template += "#grid" if step in ("tasks", "indicators") else "#content"
    return render(request, template, context)


def _save_step_form(request: HttpRequest, table: TargetTable, step: str) -> HttpResponse:
    form = _forms_for(step, table, request.user, data=request.POST)
    if form is None:
        return HttpResponse("这一步没有可保存的表单", status=405)
    base = request.POST.get("overwrite_base") or request.POST.get("base", "")
    based_on = _int(request.POST.get("version"))
    key = f"form-{step}"
    conflict = error = None
    saved = None
    if form.is_valid():
        try:
            saved = editing.save_fields(
                table, form.model_values(), fields=form.model_fields, base=base, based_on=based_on, user=request.user
            )
        except NotEditable as exc:
            raise PermissionDenied(str(exc)) from exc
        except Conflict as exc:
            conflict = exc
        except EditError as exc:
            error = str(exc)
            form.add_error(None, error)
    fresh = _reload(table)
    if saved is not None:
        if not request.htmx:
            messages.success(request, "已保存。")
            following = {s: STEPS[i + 1][0] for i, (s, _) in enumerate(STEPS[:-1])}
            return redirect("editor-step", pk=table.pk, step=following[step] if request.POST.get("next") else step)
        context = _step_context(request, fresh, True, step, oob=True, form=form, form_base=_form_base(form, fresh))
        body = render_to_string("editor/parts.html#form-saved", context, request=request)
        response = HttpResponse(body)
        response["X-Table-Version"] = str(saved.version)
        if step == "basic" and any(
            getattr(table, name) != getattr(fresh, name) for name in ("organisation_id", "round_id", "title")
        ):
            response["HX-Refresh"] = "true"  # the page header names them
        return _trigger(
            response,
            {
                "editor:saved": {
                    "key": key,
                    "version": saved.version,
                    "base": context["form_base"],
                    "changedElsewhere": saved.changed_elsewhere,
                }
            },
        )
    status = 409 if conflict is not None else 422
    diffs = []
    if conflict is not None:
        labels = {name: form.fields[name].label for name in form.fields}
        for name in form.model_fields:
            field_name = name[:-3] if name.endswith("_id") else name
            current = conflict.current.get(name, "")
            mine = request.POST.get(field_name, "")
            if str(current) != str(mine):
                shown = current
                if field_name in ("organisation", "round") and current:
                    shown = str(form.fields[field_name].queryset.filter(pk=current).first() or current)
                diffs.append(
                    (labels.get(field_name, field_name), shown or "（空）", _choice_text(form, field_name, mine))
                )
    context = _step_context(
        request,
        fresh,
        True,
        step,
        form=form,
        form_base=_form_base(form, fresh) if conflict is None else base,
        conflict=conflict,
        diffs=diffs,
        oob=bool(request.htmx),
    )
    if request.htmx:
        body = render_to_string("editor/parts.html#form-failed", context, request=request)
        return _trigger(HttpResponse(body, status=status), {"editor:failed": {"key": key}})
    return render(request, f"editor/step_{step}.html", {**context, "oob": False}, status=status)


def _choice_text(form, name: str, raw: str) -> str:
    field = form.fields.get(name)
    if field is not None and hasattr(field, "queryset") and raw:
        found = field.queryset.filter(pk=_int(raw)).first()
        return str(found) if found else raw
    return raw or "（空）"


# ---------------------------------------------------------------- rows


def _row_form(table: TargetTable, kind: str, data):
    if kind == "tasks":
        return TaskRowForm(data, with_amounts=table.layout.has("task_amounts"))
    return IndicatorRowForm(data, columns=list(table.layout.columns))


@login_required
@require_http_methods(["GET", "POST"])
def row(request: HttpRequest, pk: int, kind: str, row_id: int) -> HttpResponse:
    """GET: the row as stored (reload after a conflict). POST: save the row's cells."""
    spec = _kind(kind)
    table, can_edit = _editor_table(request, pk, write=request.method == "POST", full=True)
    if request.method == "GET":
        context = _step_context(request, table, can_edit, kind)
        rows = context["task_rows" if kind == "tasks" else "rows"]
        found = next((r for r in rows if r.obj.pk == row_id), None)
        if found is None:
            raise Http404("该行已不存在")
        partial = "task-row" if kind == "tasks" else "indicator-row"
        return render(request, f"editor/step_{kind}.html#{partial}", {**context, "row": found})

    form = _row_form(table, kind, request.POST)
    dom = f"{spec.dom}-{row_id}"
    url = reverse("editor-row", args=[table.pk, kind, row_id])
    if not form.is_valid():
        errors = [
            f"{form.fields[name].label}：{'；'.join(errs)}" for name, errs in form.errors.items() if name in form.fields
        ]
        body = render_to_string("editor/parts.html#row-failed", {"dom": dom, "errors": errors}, request=request)
        return _trigger(HttpResponse(body, status=422), {"editor:failed": {"key": dom}})
    base = request.POST.get("overwrite_base") or request.POST.get("base", "")
    values = {name: form.cleaned_data[name] for name in form.fields}
    try:
        saved = editing.save_row(
            table, kind, row_id, values, base=base, based_on=_int(request.POST.get("version")), user=request.user
        )
    except NotEditable as exc:
        raise PermissionDenied(str(exc)) from exc
    except Conflict as exc:
        return _conflict_response(request, table, kind, dom, exc, _posted(request, spec.fields), url)
    fresh = _with_saved_row(table, kind, saved)
    events = {
        "editor:saved": {
            "key": dom,
            "version": saved.version,
            "base": editing.row_fingerprint(saved.obj),
            "changedElsewhere": saved.changed_elsewhere,
        }
    }
    regroup = kind == "indicators" and bool({"level1", "level2"} & set(saved.changed))
    if regroup:
        # The row joined another 一级/二级 group: the grid's group headings change.
        response = _grid_response(request, fresh, kind, saved=saved)
        response["HX-Retarget"] = "#indicator-grid"
        response["HX-Reswap"] = "outerHTML"
        return _trigger(response, {**events, "editor:version": {"version": saved.version}})
    # Last year's value follows the name: look it up again only when the name changed.
    renamed = "level3" in saved.changed
    context = _step_context(request, fresh, True, kind, oob=True, only_row=row_id, last_year=renamed, renamed=renamed)
    rows = context["task_rows" if kind == "tasks" else "rows"]
    context["row"] = rows[0] if rows else None
    body = render_to_string("editor/parts.html#row-saved", context, request=request)
    response = HttpResponse(body)
    response["X-Table-Version"] = str(saved.version)
    return _trigger(response, events)


@login_required
@require_POST
def row_new(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Add a row after `after` (or at the end), optionally with values (一级/二级 of its group)."""
    spec = _kind(kind)
    table, _ = _editor_table(request, pk, write=True)
    values = {name: request.POST[name] for name in spec.fields if name in request.POST}
    if kind == "indicators" and not values.get("level1") and "after" not in request.POST:
        last = spec.queryset(table.pk).order_by("-position").values("level1", "level2").first()
        if last:
            values.setdefault("level1", last["level1"])
            values.setdefault("level2", last["level2"])
    try:
        saved = editing.insert_rows(
            table,
            kind,
            [values],
            after_id=_int(request.POST.get("after")),
            based_on=_int(request.POST.get("version")),
            user=request.user,
        )
    except NotEditable as exc:
        raise PermissionDenied(str(exc)) from exc
    except TooManyRows as exc:  # the grid as it was, and the limit in a message
        messages.error(request, str(exc))
        return _grid_response(request, _reload(table), kind, status=422)
    except ValueError as exc:  # an amount that is not a number
        # The message quotes what was typed, and htmx swaps a 422 in as HTML.
        return HttpResponse(html.escape(str(exc)), status=422)
    first = "name" if kind == "tasks" else "level3"
    return _grid_response(request, _reload(table), kind, focus=f"{spec.dom}-{saved.obj.pk}-{first}", saved=saved)


@login_required
@require_POST
def row_delete(request: HttpRequest, pk: int, kind: str, row_id: int) -> HttpResponse:
    """Delete a row (if unchanged since seen); the answer carries an undo for it."""
    spec = _kind(kind)
    table, _ = _editor_table(request, pk, write=True)
    try:
        saved = editing.delete_row(
            table,
            kind,
            row_id,
            base=request.POST.get("overwrite_base") or request.POST.get("base", ""),
            based_on=_int(request.POST.get("version")),
            user=request.user,
        )
    except NotEditable as exc:
        raise PermissionDenied(str(exc)) from exc
    except Conflict as exc:
        dom = f"{spec.dom}-{row_id}"
        url = reverse("editor-row", args=[table.pk, kind, row_id])
        return _conflict_response(request, table, kind, dom, exc, {}, url)
    snapshot = saved.snapshot
    name = snapshot["values"].get("name" if kind == "tasks" else "level3") or "（未命名）"
    undo = render_to_string(
        "editor/parts.html#undo-bar",
        {
            "oob": True,
            "table": table,
            "kind": kind,
            "label": f"已删除第 {snapshot['position']} 行{spec.label}“{name}”",
            "token": signing.dumps(snapshot, salt=_UNDO_SALT, compress=True),
        },
        request=request,
    )
    return _grid_response(request, _reload(table), kind, extra=undo, saved=saved)


@login_required
@require_POST
def row_move(request: HttpRequest, pk: int, kind: str, row_id: int) -> HttpResponse:
    """Move a row one place up or down."""
    _kind(kind)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponseBadRequest("direction 应为 up 或 down")
    table, _ = _editor_table(request, pk, write=True)
    try:
        saved = editing.move_row(
            table, kind, row_id, direction, based_on=_int(request.POST.get("version")), user=request.user
        )
    except NotEditable as exc:
        raise PermissionDenied(str(exc)) from exc
    except Conflict:
        return _grid_response(request, _reload(table), kind, status=409)
    return _grid_response(request, _reload(table), kind, saved=saved)


@login_required
@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo the last delete: put the row back where it was."""
    table, _ = _editor_table(request, pk, write=True)
    try:
        snapshot = signing.loads(request.POST.get("token", ""), salt=_UNDO_SALT, max_age=_UNDO_MAX_AGE)
    except signing.BadSignature:
        return HttpResponseBadRequest("撤销信息无效或已过期")
    try:
        saved = editing.restore_row(table, snapshot, based_on=_int(request.POST.get("version")), user=request.user)
    except NotEditable as exc:
        raise PermissionDenied(str(exc)) from exc
    except EditError as exc:
        return HttpResponseBadRequest(str(exc))
    kind = snapshot["kind"]
    clear = '<div id="undo-bar" hx-swap-oob="true"></div>'
    first = "name" if kind == "tasks" else "level3"
    return _grid_response(
        request,
        _reload(table),
        kind,
        extra=clear,
        saved=saved,
        focus=f"{ROW_KINDS[kind].dom}-{saved.obj.pk}-{first}",
    )


@login_required
@require_POST
def paste_rows(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Rows pasted from Excel/WPS/Word: parse, insert after `after`, report what could not be placed."""
    spec = _kind(kind)
    table, _ = _editor_table(request, pk, write=True, full=True)
    form = PasteRowsForm(request.POST)
    from tables.imports.text import MAX_CHARS, MAX_LINES

    text = form.cleaned_data["text"] if form.is_valid() else ""
    if "text" in form.errors:
        refused = "请粘贴从 Excel / WPS / Word 复制的行。"
    elif form.errors:  # `after`, a hidden row id, is not a number: a page from another version
        refused = "插入位置无法识别，请刷新页面后再粘贴。"
    elif len(text) > MAX_CHARS or text.count("\n") > MAX_LINES:
        refused = f"粘贴的内容过长（最多 {MAX_LINES} 行、{MAX_CHARS // 10000} 万字），请分次粘贴。"
    else:
        refused = ""
    if refused:
        # The form targets the grid: answer with the grid unchanged and the reason in the paste report
        # (a bare text answer would replace the grid with one line).
        report = render_to_string(
            "editor/parts.html#paste-report",
            {"oob": True, "added": 0, "problems": [], "label": spec.label, "refused": refused},
            request=request,
        )
        return _grid_response(request, table, kind, extra=report, status=422)
    after = form.cleaned_data.get("after")
    qs = spec.queryset(table.pk)
    if kind == "indicators":
        from tables.imports.text import parse_indicator_rows

        anchor = qs.filter(pk=after).first() if after else qs.order_by("-position").first()
        previous = {"level1": anchor.level1, "level2": anchor.level2} if anchor else None
        result = parse_indicator_rows(
            text, columns=list(table.layout.columns), tree=table.layout.scheme.tree(), previous=previous
        )
        rows, problems = result.rows, result.problems
    else:
        rows, problems = editing.parse_task_rows(text, with_amounts=table.layout.has("task_amounts"))
    saved = None
    refused = ""
    if rows:
        try:
            saved = editing.insert_rows(
                table, kind, rows, after_id=after, based_on=_int(request.POST.get("version")), user=request.user
            )
        except NotEditable as exc:
            raise PermissionDenied(str(exc)) from exc
        except TooManyRows as exc:
            refused = str(exc)
    added = 0 if refused else len(rows)
    report = render_to_string(
        "editor/parts.html#paste-report",
        {"oob": True, "added": added, "problems": problems, "label": spec.label, "refused": refused},
        request=request,
    )
    response = _grid_response(
        request,
        _reload(table),
        kind,
        extra=report,
        saved=saved,
        status=200 if added else 422,
    )
    return response


# ---------------------------------------------------------------- suggestions, value parse, catalog


@login_required
@require_GET
def suggest_names(request: HttpRequest, pk: int) -> HttpResponse:
    """<option>s for the 三级 name being typed: earlier years of the organisation, then the catalog."""
    table, _ = _editor_table(request, pk)
    items = suggest(
        request.GET.get("level3", ""),
        organisation_id=table.organisation_id,
        before_year=table.year,
        level2=request.GET.get("level2", ""),
    )
    return render(request, "editor/parts.html#suggestions", {"items": items})


@login_required
@require_GET
def parse_value_view(request: HttpRequest) -> HttpResponse:
    """What the value grammar reads in `value` (shown under the cell as you type)."""
    return HttpResponse(parse_html(describe_value(parse_value(request.GET.get("value", "")))))


@login_required
@require_POST
def catalog_add(request: HttpRequest, indicator_id: int) -> HttpResponse:
    """纳入指标库: a reviewer or admin keeps a well-written indicator as an example."""
    indicator = Indicator.objects.select_related("table__layout").filter(pk=indicator_id).first()
    if indicator is None:
        raise Http404("没有这个指标")
    table = get_table_for_user(request.user, indicator.table_id)
    if role_for(request.user, table.organisation_id) not in ("reviewer", "admin"):
        raise PermissionDenied("只有审核人或管理员可以纳入指标库。")
    entry, created = add_to_catalog(indicator, user=request.user)
    if request.htmx:
        return render(request, "editor/parts.html#catalog-added", {"entry": entry, "created": created})
    messages.success(request, f"已将“{entry.level3}”纳入指标库。")
    return redirect("editor-step", pk=table.pk, step="indicators")


@login_required
@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    """The catalog of common indicators, searchable."""
    q = request.GET.get("q", "").strip()
    level1 = request.GET.get("level1", "").strip()
    entries = CatalogEntry.objects.filter(active=True).select_related("source_table__organisation")
    if q:
        entries = entries.filter(level3__icontains=q)
    if level1:
        entries = entries.filter(level1=level1)
    level1_names = (
        CatalogEntry.objects.filter(active=True).order_by("level1").values_list("level1", flat=True).distinct()
    )
    context = {"entries": entries[:500], "q": q, "level1": level1, "level1_names": level1_names}
    template = "editor/catalog.html#list" if request.htmx else "editor/catalog.html"
    return render(request, template, context)
