"""The editor's five steps, and which step each finding belongs to."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from indicators.checks import SEVERITY_LABELS
from tables.checking import check_stored_table
from tables.editor.editing import ROW_KINDS
from tables.models import TargetTable

STEPS: list[tuple[str, str]] = [
    ("basic", "基本信息"),
    ("tasks", "任务与预算"),
    ("goals", "绩效目标"),
    ("indicators", "绩效指标"),
    ("check", "检查与提交"),
]
STEP_LABELS = dict(STEPS)
STATE_LABELS = {"empty": "未填写", "errors": "有错误", "complete": "已完成"}

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
    "long_term_goal": "goals",
    "indicators": "indicators",
    "weights": "indicators",
}


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


def _finding_views(table: TargetTable, indicators: list[tuple] | None = None) -> list[FindingView]:
    """The table's findings with their step and place; `indicators` as `check_stored_table` takes them."""
    views = []
    urls: dict[str, str] = {}  # one reverse() per step, not per finding (a large table has hundreds)
    for f in check_stored_table(table, indicators=indicators):
        step = _step_of(f.location)
        target = _dom(f.location)
        if step not in urls:
            urls[step] = reverse("editor-step", args=[table.pk, step])
        views.append(FindingView(f.code, f.severity, f.message, step, target, f"{urls[step]}#{target}"))
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
        "goals": not (table.mission or table.goal or table.long_term_goal),
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
