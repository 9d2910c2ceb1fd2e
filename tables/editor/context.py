"""The context of one step's page: its rows, forms, comments and budget sums."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from indicators.catalog import last_year_values
from indicators.checks import SEVERITY_LABELS
from tables import permissions
from tables.editor import editing
from tables.editor.display import _row_views, column_labels, findings_data, period_groups
from tables.editor.editing import ROW_KINDS
from tables.editor.forms import BasicForm, BudgetForm, GoalsForm, PasteRowsForm
from tables.editor.steps import _finding_views, _step_states
from tables.imports.exchange import indicator_values
from tables.models import TargetTable
from tables.official import official_context
from tables.review import comments, workflow
from tables.review.forms import SubmitForm
from tables.summary import task_totals

BASIS_OPTIONS = ["计划标准", "历史标准", "行业标准", "预算支出标准", "其他标准"]


def _step_context(
    request: HttpRequest,
    table: TargetTable,
    can_edit: bool,
    step: str,
    *,
    only_row: int | None = None,
    last_year: bool = True,
    saved_row=None,
    indicator_rows: list | None = None,
    **extra,
) -> dict:
    """Everything a step's page (or fragment) shows; `only_row` builds the grid row of that one row only.

    `saved_row` (a row's autosave, with `only_row`): the row as saved. The table then has its tasks
    loaded but not its indicators: the check reads those as `indicator_values` (one query) and the
    grid draws the saved row alone, so no other indicator becomes a model instance.

    `indicator_rows` (a full draw of step 4): the indicators as `display.grid_indicators` reads them,
    for a table whose indicators are not loaded; the grid and the checks read those values.
    """
    layout = table.layout
    tasks = list(table.tasks.all())
    shown_tasks = tasks if only_row is None else [t for t in tasks if t.pk == only_row]
    if indicator_rows is not None:
        indicators = indicator_rows
        checked = [row.exported for row in indicator_rows]
        shown_indicators = indicators if only_row is None else [i for i in indicators if i.pk == only_row]
    elif saved_row is None:
        checked = None
        indicators = list(table.indicators.all())
        shown_indicators = indicators if only_row is None else [i for i in indicators if i.pk == only_row]
    else:
        indicators = checked = indicator_values(table)
        shown_tasks = [saved_row] if step == "tasks" else []
        shown_indicators = [saved_row] if step == "indicators" else []
    findings = _finding_views(table, checked)
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
        "readonly_reason": "" if can_edit else permissions.can_edit(request.user, table).reason,
        "steps": steps,
        "current": current,
        "next_step": steps[current.number] if current.number < len(steps) else None,
        "previous_step": steps[current.number - 2] if current.number > 1 else None,
        "findings": findings,
        "step_findings": step_findings,
        "counts": counts,
        "findings_data": findings_data(findings),
        "can_propose": (can_propose := bool(permissions.can_propose(request.user, table))),
        "suggest_url": reverse("editor-suggest", args=[table.pk]),
        "parse_url": reverse("editor-parse-value"),
        "library_url": reverse("library-indicator-sheet", args=[0])[:-2],
        "new_url": reverse("editor-row-new", args=[table.pk, step]) if step in ROW_KINDS else "",
        "comment_threads": (step_threads := _threads_of_step(step, threads)),
        "open_comments": sum(1 for thread in step_threads if not thread.resolved),
        "can_reply": bool(threads) and "reply" in permissions.available_actions(table, request.user),
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
        labels = column_labels(layout)
        columns = [(key, labels[key]) for key in layout.columns if key not in ("level1", "level2")]
        context.update(
            rows=(
                rows := _row_views(
                    table,
                    "indicators",
                    shown_indicators,
                    findings,
                    last=last_year_values(TargetTable.objects.approved_before(table)) if last_year else {},
                    can_edit=can_edit,
                    can_propose=can_propose,
                    threads=threads,
                )
            ),
            period_groups=period_groups(layout, rows) if only_row is None else None,
            columns=columns,
            colspan=len(columns) + 5,
            tree=layout.scheme.tree(),
            basis_options=BASIS_OPTIONS,
            paste_form=PasteRowsForm(),
        )
    elif step == "check":
        if can_edit and "submit" in permissions.available_actions(table, request.user):
            data = workflow.current_data(table)
            context["submit_form"] = SubmitForm(initial={"fingerprint": workflow.fingerprint(data)})

        context.update(official_context(table))  # the preview is the form as the table page draws it
        context["by_severity"] = [
            (s, SEVERITY_LABELS[s], [f for f in findings if f.severity == s]) for s in ("error", "warning", "info")
        ]
    return context


# Which comment anchors each step shows (comments on the whole table show on every step).
_STEP_ANCHORS = {
    "basic": ("field:title", "field:project", "field:project_purpose"),
    "tasks": ("task:", "field:budget", "field:spending_plan"),
    "goals": ("field:mission", "field:goal"),
    "indicators": ("indicator:",),
}


def _comment_threads(table: TargetTable) -> dict[str, list]:
    """The reviewers' comment threads by place (tables.review.comments.comments_by_anchor); one query
    when the table has none."""
    if not table.comments.exists():
        return {}
    return comments.comments_by_anchor(table, workflow.current_data(table))


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
    labels = layout.budget_labels()
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
        orgs = permissions.fillable_organisations(user) | type(table.organisation).objects.filter(
            pk=table.organisation_id
        )
        return BasicForm(data, table=table, organisations=orgs.distinct(), initial=BasicForm.initial_for(table))
    if step == "tasks":
        form = BudgetForm(data, table=table, initial=BudgetForm.initial_for(table))
        return form if form.fields else None
    if step == "goals":
        return GoalsForm(data, table=table, initial=GoalsForm.initial_for(table))
    return None


def _form_base(form, table: TargetTable) -> str:
    return editing.fingerprint(editing.values_of(table, form.model_fields)) if form is not None else ""
