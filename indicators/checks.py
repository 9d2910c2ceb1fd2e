"""Checks (智能审核): the rules a seasoned reviewer applies to a target table.

A rule is a function registered with `@rule(code, severity, title)` that reads
a `Context` (one table, parsed once) and yields `(location, message)` pairs;
the engine turns them into `Finding`s. Severities:

- ``error``   blocks submission;
- ``warning`` needs a written reason to submit;
- ``info``    a hint.

What differs by scheme or layout is data: the scheme's `params` (required 一级
categories, the satisfaction floor, the share of qualitative values that warns,
spending-plan floors, which 二级 names mean satisfaction / cost / timeliness)
and the layout's `blocks`, `budget_keys`, `columns` and `options`
(`budget_sums`, `budget_labels`, `required_fields`, `weight_bands`).

Entry points:

- `check_table(data, layout=…, scheme_tree=…, params=…)` on an exchange dict;
- `check_document(data)` on a whole exchange file (a table or a booklet),
  with the shipped layouts and schemes;
- `check_stored_table(table)` on a `TargetTable` (a constant number of queries).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from indicators.schemes import DEFAULT_PARAMS, scheme_params
from indicators.schemes import scheme_tree as shipped_scheme_tree
from indicators.values import ParsedValue, is_placeholder, parse_value, with_comparator

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)
SEVERITY_LABELS = {ERROR: "错误", WARNING: "警告", INFO: "提示"}
_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_SCOPE_RANK = {"table": 0, "task": 1, "indicator": 2}

# Parameters the checks read beyond `indicators.schemes.DEFAULT_PARAMS`; a scheme's params override them.

_BUDGET_LABELS = {
    "total": "预算总额",
    "fiscal": "财政拨款",
    "special_account": "财政专户管理资金",
    "unit_funds": "单位资金",
    "other": "其他资金",
    "basic": "基本支出",
    "project": "项目支出",
}
_TASK_AMOUNT_LABELS = {"total": "总额", "fiscal": "财政拨款", "other": "其他资金"}
_PLAN_MONTHS = ("03", "06", "10", "12")
_FIELD_LABELS = {
    "organization": "部门（单位）名称",
    "title": "表名",
    "year": "预算年度",
    "mission": "年度履职目标",
    "goal": "年度总体目标",
    "project_code": "项目编码",
    "project_name": "项目名称",
    "project_purpose": "资金用途",
    "spending_plan": "资金支出计划",
    "tasks": "年度主要任务",
    "indicators": "绩效指标",
    "weights": "权重",
}
# Which header fields each block of a layout makes required.
_REQUIRED_BY_BLOCK = {
    "mission": ["mission"],
    "goal": ["goal"],
    "project": ["project_code", "project_name"],
}


# ---------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    """One problem found in one place.

    `location` is `{"scope": "table"|"task"|"indicator", "field": str|None,
    "position": int|None (1-based), "name": str|None}` and, for stored tables,
    `"id"` (the row's primary key).
    """

    code: str
    severity: str
    message: str
    location: dict = field(hash=False)

    @property
    def anchor(self) -> str:
        """The HTML id of the place: `indicator-12`, `task-3`, `field-goal`."""
        loc = self.location
        if loc["scope"] == "table":
            return f"field-{loc.get('field') or 'table'}"
        return f"{loc['scope']}-{loc['position']}"

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    @property
    def blocks_submission(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "location": dict(self.location),
            "anchor": self.anchor,
            "message": self.message,
        }


def by_severity(findings: Iterable[Finding]) -> list[tuple[str, str, list[Finding]]]:
    """`[(severity, 中文, findings), …]` for errors, warnings and hints, in that order, empty groups left out."""
    groups: dict[str, list[Finding]] = {s: [] for s in SEVERITIES}
    for f in findings:
        groups[f.severity].append(f)
    return [(s, SEVERITY_LABELS[s], fs) for s, fs in groups.items() if fs]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    title: str
    func: Callable[[Context], Iterable[tuple[dict, str]]]


RULES: dict[str, Rule] = {}


def rule(code: str, severity: str, title: str):
    """Register a check. The function yields `(location, message)` pairs."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")

    def register(func):
        if code in RULES:
            raise ValueError(f"rule {code} registered twice")
        RULES[code] = Rule(code, severity, title, func)
        return func

    return register


# ---------------------------------------------------------------- the table, read once


def _amount(raw: object) -> tuple[Decimal | None, bool]:
    """(amount, valid) from an exchange amount: a decimal string, a number or null."""
    if raw is None or raw == "":
        return None, True
    if isinstance(raw, bool):
        return None, False
    try:
        text = str(raw).strip().replace(",", "").replace("，", "")
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None, False
    return (value, True) if value.is_finite() else (None, False)


def _text(raw: object) -> str:
    return raw.strip() if isinstance(raw, str) else ""


@dataclass
class TaskRow:
    position: int
    name: str
    content: str
    amounts: dict[str, Decimal | None]
    invalid: dict[str, object]
    id: int | None = None

    @property
    def label(self) -> str:
        return f"第{self.position}项任务“{self.name}”" if self.name else f"第{self.position}项任务"

    def at(self, field: str | None = None) -> dict:
        loc = {"scope": "task", "field": field, "position": self.position, "name": self.name or None}
        if self.id is not None:
            loc["id"] = self.id
        return loc


@dataclass
class Row:
    """An indicator row with its value parsed."""

    position: int
    level1: str
    level2: str
    level3: str
    value_text: str
    value: ParsedValue
    note: str
    description: str
    weight: object = None
    id: int | None = None

    @property
    def label(self) -> str:
        return f"第{self.position}行“{self.level3}”" if self.level3 else f"第{self.position}行"

    def at(self, field: str | None = "value") -> dict:
        loc = {"scope": "indicator", "field": field, "position": self.position, "name": self.level3 or None}
        if self.id is not None:
            loc["id"] = self.id
        return loc


def at_table(field: str) -> dict:
    return {"scope": "table", "field": field, "position": None, "name": None}


class Context:
    """Everything the rules read, computed once per table."""

    def __init__(self, data: dict, layout: dict, tree: dict[str, list[str]], params: dict):
        self.data = data
        self.layout = layout
        self.blocks: list[str] = list(layout.get("blocks") or [])
        self.columns: list[str] = list(layout.get("columns") or [])
        self.options: dict = dict(layout.get("options") or {})
        self.budget_keys: list[str] = list(layout.get("budget_keys") or [])
        self.tree = {_norm(k): [_norm(v) for v in vs] for k, vs in tree.items()}
        self.params = {**DEFAULT_PARAMS, **params}
        self.kind = data.get("kind")
        year = data.get("year")
        self.year: int | None = year if isinstance(year, int) and not isinstance(year, bool) else None

        self.budget: dict[str, Decimal | None] = {}
        self.budget_invalid: dict[str, object] = {}
        for key, raw in (data.get("budget") or {}).items():
            value, ok = _amount(raw)
            self.budget[key] = value
            if not ok:
                self.budget_invalid[key] = raw

        self.tasks: list[TaskRow] = []
        for i, raw in enumerate(data.get("tasks") or [], start=1):
            raw = raw if isinstance(raw, dict) else {}
            amounts, invalid = {}, {}
            for key in ("total", "fiscal", "other"):
                value, ok = _amount(raw.get(key))
                amounts[key] = value
                if not ok:
                    invalid[key] = raw.get(key)
            self.tasks.append(
                TaskRow(i, _text(raw.get("name")), _text(raw.get("content")), amounts, invalid, raw.get("id"))
            )

        self.rows: list[Row] = []
        for i, raw in enumerate(data.get("indicators") or [], start=1):
            raw = raw if isinstance(raw, dict) else {}
            value_text = raw.get("value") if isinstance(raw.get("value"), str) else ""
            self.rows.append(
                Row(
                    position=i,
                    level1=_norm(raw.get("level1")),
                    level2=_norm(raw.get("level2")),
                    level3=_text(raw.get("level3")),
                    value_text=value_text.strip(),
                    value=parse_value(value_text),
                    note=_text(raw.get("note")),
                    description=_text(raw.get("description")),
                    weight=raw.get("weight", raw.get("score")),
                    id=raw.get("id"),
                )
            )

        p = self.params
        self.satisfaction_level2 = {_norm(x) for x in p.get("satisfaction_level2") or []}
        self.cost_level2 = {_norm(x) for x in p.get("cost_level2") or []}
        self.timeliness_level2 = {_norm(x) for x in p.get("timeliness_level2") or []}
        self.quantity_level2 = {_norm(x) for x in p.get("quantity_level2") or []}

    # ---- derived facts

    def budget_label(self, key: str) -> str:
        labels = self.options.get("budget_labels") or {}
        return _short_label(labels.get(key)) or _BUDGET_LABELS.get(key, key)

    def table_total(self) -> tuple[Decimal | None, str]:
        """The table's budget in 万元 and what it is called."""
        total = self.budget.get("total")
        if total is not None:
            return total, self.budget_label("total")
        task_totals = [t.amounts["total"] for t in self.tasks if t.amounts["total"] is not None]
        if task_totals:
            return sum(task_totals, Decimal(0)), "年度主要任务金额合计"
        return None, ""

    def is_cost(self, row: Row) -> bool:
        return row.level2 in self.cost_level2 or row.level1 in self.cost_level2

    def is_timeliness(self, row: Row) -> bool:
        return row.level2 in self.timeliness_level2

    def is_satisfaction(self, row: Row) -> bool:
        """A satisfaction rate: named so, or a percent in a satisfaction category."""
        name = row.level3
        if "不满意" in name:
            return False
        if "满意" in name:
            return True
        return row.level2 in self.satisfaction_level2 and row.value.is_percent and not _DOWN_END.search(name)

    def field_label(self, field: str) -> str:
        if field == "goal" and self.kind == "project":
            return "绩效目标"
        if field.startswith("budget_"):
            return self.budget_label(field[len("budget_") :])
        return _FIELD_LABELS.get(field, field)


def _norm(raw: object) -> str:
    return "".join(raw.split()) if isinstance(raw, str) else ""


def _short_label(label: str | None) -> str:
    """`1、资金来源：（1）政府预算资金` → `政府预算资金`; `部门预算总额（万元）` → `部门预算总额`."""
    if not label:
        return ""
    label = re.sub(r"[（(]万元[)）]", "", label)
    label = re.split(r"[：:]", label)[-1]
    return re.sub(r"^[0-9０-９、.]*[（(][0-9０-９]+[)）]|^[0-9０-９]+、", "", label).strip()


def _wan(value: Decimal) -> str:
    """An amount for a message: no trailing zeros, at most 4 decimals (1 元)."""
    if value.as_tuple().exponent < -4:
        value = value.quantize(Decimal("0.0001"))
    return format(value.normalize(), "f") if value else "0"


def _pct(value: Decimal | float) -> str:
    return format(Decimal(str(value)).quantize(Decimal("0.1")).normalize(), "f")


# ---------------------------------------------------------------- running


def check_table(data: dict, *, layout: dict, scheme_tree: dict[str, list[str]], params: dict) -> list[Finding]:
    """All findings for one exchange-format table, errors first, then in the order of the table."""
    ctx = Context(data, layout, scheme_tree, params)
    findings: list[tuple[tuple, Finding]] = []
    for index, r in enumerate(RULES.values()):
        for location, message in r.func(ctx):
            finding = Finding(r.code, r.severity, message, location)
            key = (
                _SEVERITY_RANK[r.severity],
                _SCOPE_RANK[location["scope"]],
                location.get("position") or 0,
                index,
            )
            findings.append((key, finding))
    findings.sort(key=lambda pair: pair[0])
    return [f for _, f in findings]


def layout_as_dict(layout) -> dict:
    """A `tables.models.Layout` (or a dict from `tables.layouts.LAYOUTS`) as the dict the checks read."""
    if isinstance(layout, dict):
        return layout
    return {
        "code": layout.code,
        "kind": layout.kind,
        "blocks": list(layout.blocks or []),
        "budget_keys": list(layout.budget_keys or []),
        "columns": list(layout.columns or []),
        "options": dict(layout.options or {}),
    }


def check_stored_table(table) -> list[Finding]:
    """Findings for a stored `TargetTable`, in a number of queries that does not grow with its rows.

    Pass a table from `tables.exchange.tables_for_export()` (layout, scheme,
    tasks and indicators fetched up front); the scheme's categories are one
    more query.
    """
    from tables.exchange import export_table

    data = export_table(table, with_ids=True)
    layout = table.layout
    scheme = layout.scheme
    params = {**DEFAULT_PARAMS, **(scheme.params or {})}
    return check_table(data, layout=layout_as_dict(layout), scheme_tree=scheme.tree(), params=params)


@dataclass
class TableReport:
    """The findings of one table of a document."""

    label: str  # e.g. `002_….json`, `004_….json#3`, or a stored table's id
    title: str
    findings: list[Finding]

    def as_dicts(self) -> list[dict]:
        return [{"table": self.label, "title": self.title, **f.as_dict()} for f in self.findings]


def document_tables(data: dict) -> list[tuple[str, dict]]:
    """The tables of an exchange document: `[("", table)]` or `[("#1", project), …]` for a booklet."""
    fmt = data.get("format")
    if fmt == "target-booklet/1":
        return [(f"#{i}", t) for i, t in enumerate(data.get("projects") or [], start=1)]
    if fmt == "target-table/1":
        return [("", data)]
    raise ValueError(f"格式应为“target-table/1”或“target-booklet/1”，实际为“{fmt}”")


def check_document(
    data: dict,
    label: str = "",
    *,
    resolve: Callable[[str], tuple[dict, dict[str, list[str]], dict]] | None = None,
) -> list[TableReport]:
    """Check every table of an exchange document (a booklet: each project table).

    `resolve(layout_code)` gives `(layout, scheme_tree, params)`; by default
    the layouts and schemes shipped in `tables.layouts` / `indicators.schemes`.
    """
    from tables.layouts import infer_layout_code

    resolve = resolve or shipped_layout
    reports = []
    for suffix, table in document_tables(data):
        layout, tree, params = resolve(table.get("layout") or infer_layout_code(table))
        findings = check_table(table, layout=layout, scheme_tree=tree, params=params)
        reports.append(TableReport(f"{label}{suffix}", str(table.get("title") or ""), findings))
    return reports


def shipped_layout(code: str) -> tuple[dict, dict[str, list[str]], dict]:
    """(layout, scheme tree, params) of a layout shipped in `tables.layouts`."""
    from tables.layouts import LAYOUTS_BY_CODE

    if code not in LAYOUTS_BY_CODE:
        raise ValueError(f"未知的表样“{code}”")
    layout = LAYOUTS_BY_CODE[code]
    return layout, shipped_scheme_tree(layout["scheme"]), scheme_params(layout["scheme"])


# ================================================================ the rules
# Order here is the order findings of the same place are listed in.

# ---------------------------------------------------------------- header and tasks


@rule("header.required", ERROR, "表头必填项")
def _header_required(ctx: Context):
    fields = ctx.options.get("required_fields")
    if fields is None:
        fields = ["organization", "title"]
        for block in ctx.blocks:
            fields += _REQUIRED_BY_BLOCK.get(block, [])
        if "budget" in ctx.blocks and "total" in ctx.budget_keys:
            fields.append("budget_total")
    data = ctx.data
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    values = {
        "organization": (data.get("organization") or {}).get("name")
        if isinstance(data.get("organization"), dict)
        else None,
        "title": data.get("title"),
        "mission": data.get("mission"),
        "goal": data.get("goal"),
        "project_code": project.get("code"),
        "project_name": project.get("name"),
        "project_purpose": project.get("purpose"),
    }
    for f in fields:
        if f.startswith("budget_"):
            key = f[len("budget_") :]
            if ctx.budget.get(key) is None and key not in ctx.budget_invalid:
                yield at_table(f), f"未填写“{ctx.field_label(f)}”，请填写金额（万元）。"
        elif not _text(values.get(f)):
            yield at_table(f), f"未填写“{ctx.field_label(f)}”，请补充。"
    if ctx.year is None:
        yield at_table("year"), "预算年度缺失或不是年份，请填写如“2024”。"


@rule("tasks.missing", ERROR, "缺少年度主要任务")
def _tasks_missing(ctx: Context):
    if "tasks" in ctx.blocks and not ctx.tasks:
        yield at_table("tasks"), "未填写年度主要任务，请至少列出一项任务及其主要内容。"


@rule("task.name_empty", ERROR, "任务名称为空")
def _task_name_empty(ctx: Context):
    for task in ctx.tasks:
        if not task.name:
            yield task.at("name"), f"{task.label}：任务名称为空，请填写。"


@rule("task.content_empty", WARNING, "任务主要内容为空")
def _task_content_empty(ctx: Context):
    for task in ctx.tasks:
        if task.name and not task.content:
            yield task.at("content"), f"{task.label}：未填写主要内容，请说明该任务做什么、做到什么程度。"


# ---------------------------------------------------------------- money


@rule("money.invalid", ERROR, "金额不是数字")
def _money_invalid(ctx: Context):
    for key, raw in ctx.budget_invalid.items():
        yield at_table(f"budget_{key}"), f"“{ctx.budget_label(key)}”的金额“{raw}”不是数字，请填写以万元为单位的金额。"
    for task in ctx.tasks:
        for key, raw in task.invalid.items():
            yield task.at(key), f"{task.label}：{_TASK_AMOUNT_LABELS[key]}“{raw}”不是数字，请填写以万元为单位的金额。"


@rule("money.negative", ERROR, "金额为负数")
def _money_negative(ctx: Context):
    for key, value in ctx.budget.items():
        if value is not None and value < 0:
            yield at_table(f"budget_{key}"), f"“{ctx.budget_label(key)}”为负数（{_wan(value)}万元），金额不能为负。"
    for task in ctx.tasks:
        for key, value in task.amounts.items():
            if value is not None and value < 0:
                yield (
                    task.at(key),
                    f"{task.label}：{_TASK_AMOUNT_LABELS[key]}为负数（{_wan(value)}万元），金额不能为负。",
                )


@rule("task.amount_missing", ERROR, "任务未填预算金额")
def _task_amount_missing(ctx: Context):
    if "task_amounts" not in ctx.blocks:
        return
    for task in ctx.tasks:
        if all(v is None for v in task.amounts.values()) and not task.invalid:
            yield task.at("total"), f"{task.label}：未填写预算金额，请填写总额及财政拨款、其他资金（万元）。"


@rule("task.amount_sum", ERROR, "任务金额不平衡")
def _task_amount_sum(ctx: Context):
    for task in ctx.tasks:
        if task.invalid:
            continue
        total, fiscal, other = (task.amounts[k] for k in ("total", "fiscal", "other"))
        given = sum(v is not None for v in (total, fiscal, other))
        # An empty cell counts as 0 only when the other two are filled in.
        if given < 2:
            continue
        parts = (fiscal or 0) + (other or 0)
        if total is None:
            yield task.at("total"), f"{task.label}：总额为空，但财政拨款与其他资金合计{_wan(parts)}万元，请填写总额。"
        elif parts != total:
            yield (
                task.at("total"),
                (
                    f"{task.label}：财政拨款{_wan(fiscal or Decimal(0))}万元＋其他资金{_wan(other or Decimal(0))}万元"
                    f"＝{_wan(parts)}万元，与总额{_wan(total)}万元不符（差{_wan(total - parts)}万元）。"
                ),
            )


@rule("budget.tasks_total", ERROR, "任务金额与预算总额不符")
def _budget_tasks_total(ctx: Context):
    total = ctx.budget.get("total")
    task_totals = [t.amounts["total"] for t in ctx.tasks if t.amounts["total"] is not None]
    if total is None or not task_totals:
        return
    tasks_sum = sum(task_totals, Decimal(0))
    if tasks_sum != total:
        yield (
            at_table("budget_total"),
            (
                f"年度主要任务金额合计{_wan(tasks_sum)}万元，与“{ctx.budget_label('total')}”{_wan(total)}万元不符"
                f"（差{_wan(total - tasks_sum)}万元），请核对任务金额或预算总额。"
            ),
        )


def _budget_groups(ctx: Context) -> list[list[str]]:
    groups = ctx.options.get("budget_sums")
    if groups is not None:
        return [list(g) for g in groups]
    sources = [k for k in ("fiscal", "special_account", "unit_funds", "other") if k in ctx.budget_keys]
    result = [sources] if sources else []
    if "basic" in ctx.budget_keys and "project" in ctx.budget_keys:
        result.append(["basic", "project"])
    return result


@rule("budget.parts_sum", ERROR, "预算构成与总额不符")
def _budget_parts_sum(ctx: Context):
    total = ctx.budget.get("total")
    if total is None:
        return
    for group in _budget_groups(ctx):
        values = [ctx.budget.get(k) for k in group]
        if all(v is None for v in values) or any(k in ctx.budget_invalid for k in group):
            continue
        parts = sum((v for v in values if v is not None), Decimal(0))
        if parts != total:
            names = "＋".join(
                f"{ctx.budget_label(k)}{_wan(v or Decimal(0))}" for k, v in zip(group, values, strict=True)
            )
            yield (
                at_table(f"budget_{group[0]}"),
                (
                    f"{names}＝{_wan(parts)}万元，与“{ctx.budget_label('total')}”{_wan(total)}万元不符"
                    f"（差{_wan(total - parts)}万元）。"
                ),
            )


@rule("money.unit_suspect", INFO, "金额单位可能不是万元")
def _money_unit_suspect(ctx: Context):
    limit = Decimal(str(ctx.params["amount_suspect_wan"]))
    for key, value in ctx.budget.items():
        if value is not None and value >= limit:
            yield (
                at_table(f"budget_{key}"),
                f"“{ctx.budget_label(key)}”{_wan(value)}万元金额异常大，请确认单位是万元而不是元。",
            )
    for task in ctx.tasks:
        value = task.amounts["total"]
        if value is not None and value >= limit:
            yield task.at("total"), f"{task.label}：总额{_wan(value)}万元金额异常大，请确认单位是万元而不是元。"


# ---------------------------------------------------------------- spending plan


def _plan(ctx: Context) -> tuple[dict[str, Decimal | None], dict[str, object]]:
    raw = ctx.data.get("spending_plan")
    values, invalid = {}, {}
    if not isinstance(raw, dict):
        return {}, {}
    for month in _PLAN_MONTHS:
        text = raw.get(month)
        if isinstance(text, str):
            text = text.strip().rstrip("%％")
        value, ok = _amount(text)
        values[month] = value
        if not ok:
            invalid[month] = raw.get(month)
    return values, invalid


def _month(month: str) -> str:
    return f"{int(month)}月底"


@rule("plan.missing", ERROR, "未填资金支出计划")
def _plan_missing(ctx: Context):
    if "spending_plan" not in ctx.blocks:
        return
    values, invalid = _plan(ctx)
    if not invalid and all(v is None for v in values.values()):
        yield at_table("spending_plan"), "未填写资金支出计划，请填写3月底、6月底、10月底、12月底的累计支出进度（%）。"


@rule("plan.invalid", ERROR, "支出进度不是0–100的百分数")
def _plan_invalid(ctx: Context):
    values, invalid = _plan(ctx)
    for month, raw in invalid.items():
        yield at_table("spending_plan"), f"资金支出计划{_month(month)}“{raw}”不是数字，请填写0–100之间的累计百分比。"
    for month, value in values.items():
        if value is not None and not 0 <= value <= 100:
            yield (
                at_table("spending_plan"),
                f"资金支出计划{_month(month)}为{_pct(value)}%，累计支出进度应在0–100%之间。",
            )


@rule("plan.decreasing", ERROR, "累计支出进度下降")
def _plan_decreasing(ctx: Context):
    values, _ = _plan(ctx)
    previous: tuple[str, Decimal] | None = None
    for month in _PLAN_MONTHS:
        value = values.get(month)
        if value is None:
            continue
        if previous and value < previous[1]:
            yield (
                at_table("spending_plan"),
                (
                    f"资金支出计划是累计进度，{_month(month)}{_pct(value)}%低于{_month(previous[0])}{_pct(previous[1])}%；"
                    "请按月末累计填写，不应下降。"
                ),
            )
        previous = (month, value)


@rule("plan.incomplete", ERROR, "年底未达到100%")
def _plan_incomplete(ctx: Context):
    values, invalid = _plan(ctx)
    stated = [(m, v) for m, v in values.items() if v is not None]
    if invalid or not stated:
        return
    last = max(v for _, v in stated)
    if last < 100:
        yield at_table("spending_plan"), f"资金支出计划累计只到{_pct(last)}%，12月底累计支出应达到100%。"


@rule("plan.back_loaded", WARNING, "支出进度偏后")
def _plan_back_loaded(ctx: Context):
    values, invalid = _plan(ctx)
    floors = ctx.params.get("spending_plan_floors") or {}
    if invalid or not floors or all(v is None for v in values.values()):
        return
    short = []
    reached = Decimal(0)
    for month in _PLAN_MONTHS:
        value = values.get(month)
        if value is not None:
            reached = max(reached, value)
        floor = floors.get(month)
        # A blank month after a stated one keeps the cumulative figure; before any, it is 0%.
        if floor is not None and reached < Decimal(str(floor)):
            short.append(f"{_month(month)}{_pct(reached)}%（不低于{_pct(floor)}%）")
    if short:
        yield (
            at_table("spending_plan"),
            (f"资金支出计划偏后：{'；'.join(short)}。请按实际用款进度提前安排，或说明原因。"),
        )


# ---------------------------------------------------------------- weights


def _weight_column(ctx: Context) -> bool:
    return "weight" in ctx.columns or "score" in ctx.columns


def _weights(ctx: Context) -> list[tuple[Row, Decimal | None, bool]]:
    result = []
    for row in ctx.rows:
        raw = row.weight
        if isinstance(raw, str):
            raw = raw.strip().rstrip("%％分")
        value, ok = _amount(raw)
        result.append((row, value, ok))
    return result


@rule("weights.invalid", ERROR, "权重不是数字")
def _weights_invalid(ctx: Context):
    if not _weight_column(ctx):
        return
    for row, value, ok in _weights(ctx):
        if not ok or value is None:
            yield (
                row.at("weight"),
                f"{row.label}：权重“{row.weight if row.weight is not None else ''}”未填写或不是数字。",
            )
        elif value < 0:
            yield row.at("weight"), f"{row.label}：权重{_pct(value)}为负数。"


@rule("weights.sum", ERROR, "权重合计不是100")
def _weights_sum(ctx: Context):
    if not _weight_column(ctx) or not ctx.rows:
        return
    weights = _weights(ctx)
    if not all(ok and v is not None for _, v, ok in weights):
        return
    total = sum((v for _, v, _ in weights), Decimal(0))
    expected = Decimal(str(ctx.params["weight_total"]))
    if total != expected:
        yield at_table("weights"), f"各指标权重合计{_pct(total)}，应为{_pct(expected)}。"
    bands = ctx.options.get("weight_bands") or {}
    for level1, band in bands.items():
        band_total = sum((v for r, v, _ in weights if r.level1 == _norm(level1)), Decimal(0))
        if band_total != Decimal(str(band)):
            yield at_table("weights"), f"一级指标“{level1}”下权重合计{_pct(band_total)}，应为{_pct(band)}。"


# ---------------------------------------------------------------- categories


def _level1_of(ctx: Context, level2: str) -> list[str]:
    return [l1 for l1, l2s in ctx.tree.items() if level2 in l2s]


@rule("category.empty", ERROR, "一级或二级指标为空")
def _category_empty(ctx: Context):
    for row in ctx.rows:
        if not row.level1:
            yield row.at("level1"), f"{row.label}：一级指标为空，请选择。"
        if not row.level2:
            yield row.at("level2"), f"{row.label}：二级指标为空，请选择。"


@rule("category.level1_missing", ERROR, "缺少必设的一级指标")
def _level1_missing(ctx: Context):
    present = {row.level1 for row in ctx.rows}
    for name in ctx.params.get("required_level1") or []:
        if _norm(name) not in present:
            children = "、".join(ctx.tree.get(_norm(name), []))
            hint = f"（如{children}）" if children else ""
            yield at_table("indicators"), f"缺少一级指标“{name}”，请至少设置一项{name}{hint}。"


@rule("category.level2_missing", WARNING, "缺少应设的二级指标")
def _level2_missing(ctx: Context):
    present = {(row.level1, row.level2) for row in ctx.rows}
    for level1, names in (ctx.params.get("required_level2") or {}).items():
        for name in names:
            if (_norm(level1), _norm(name)) not in present:
                yield at_table("indicators"), f"一级指标“{level1}”下缺少二级指标“{name}”，请补充。"


@rule("category.level1_unknown", ERROR, "一级指标不在指标体系中")
def _level1_unknown(ctx: Context):
    if not ctx.tree:
        return
    for row in ctx.rows:
        if row.level1 and row.level1 not in ctx.tree:
            known = "、".join(ctx.tree)
            guess = next((k for k in ctx.tree if k.startswith(row.level1) or row.level1.startswith(k)), None)
            hint = f"，是否应为“{guess}”？" if guess else f"，应为{known}之一。"
            yield row.at("level1"), f"{row.label}：一级指标“{row.level1}”不在本表指标体系中{hint}"


@rule("category.level2_mismatch", ERROR, "二级指标不属于其一级指标")
def _level2_mismatch(ctx: Context):
    if not ctx.tree:
        return
    for row in ctx.rows:
        if not row.level2 or row.level1 not in ctx.tree or row.level2 in ctx.tree[row.level1]:
            continue
        owners = _level1_of(ctx, row.level2)
        if owners:
            fix = f"“{row.level2}”属于一级指标“{owners[0]}”，请改正一级指标或改选二级指标。"
        else:
            fix = f"“{row.level1}”下的二级指标应为{'、'.join(ctx.tree[row.level1])}之一。"
        yield row.at("level2"), f"{row.label}：二级指标“{row.level2}”不属于一级指标“{row.level1}”；{fix}"


# ---------------------------------------------------------------- indicator rows


@rule("indicator.level3_empty", ERROR, "三级指标名称为空")
def _level3_empty(ctx: Context):
    for row in ctx.rows:
        if not row.level3:
            yield row.at("level3"), f"{row.label}：三级指标名称为空，请填写具体指标。"


@rule("indicator.value_empty", ERROR, "指标值为空")
def _value_empty(ctx: Context):
    for row in ctx.rows:
        if row.value.kind == "empty":
            yield row.at("value"), f"{row.label}：未填写指标值，请填写，如“≥95%”“=10个”“2024年12月底前”。"


@rule("indicator.placeholder", ERROR, "只填了占位符")
def _placeholder(ctx: Context):
    for row in ctx.rows:
        if is_placeholder(row.level3):
            yield row.at("level3"), f"{row.label}：三级指标名称不能只填“*”“_”或“-”，请填写具体指标名称。"
        if row.value.kind == "placeholder":
            yield row.at("value"), f"{row.label}：指标值不能只填“{row.value_text}”，请填写具体目标值。"


@rule("indicator.duplicate", ERROR, "重复的指标")
def _duplicate(ctx: Context):
    seen: dict[tuple, Row] = {}
    for row in ctx.rows:
        if not row.level3:
            continue
        key = (row.level1, row.level2, _norm(row.level3), row.value.normalized)
        if key in seen:
            yield row.at("level3"), f"{row.label}：与第{seen[key].position}行完全重复，请删除其中一行。"
        else:
            seen[key] = row


@rule("indicator.duplicate_name", WARNING, "三级指标名称重复")
def _duplicate_name(ctx: Context):
    seen: dict[str, Row] = {}
    exact: set[tuple] = set()
    for row in ctx.rows:
        if not row.level3:
            continue
        name = _norm(row.level3)
        key = (row.level1, row.level2, name, row.value.normalized)
        if name in seen and key not in exact:
            first = seen[name]
            yield (
                row.at("level3"),
                (
                    f"{row.label}：与第{first.position}行的三级指标同名（指标值“{first.value_text}”与“{row.value_text}”），"
                    "请合并，或改用能区分的名称。"
                ),
            )
        seen.setdefault(name, row)
        exact.add(key)


# ---------------------------------------------------------------- values

# How an indicator's name says which way is good. Chinese puts the head noun
# last, so the END of the name decides (`投诉处理及时率` is a 及时率).
_DOWN_END = re.compile(
    r"(?:故障|差错|错误|失误|出错|误差|投诉|事故|不合格|返工|损耗|流失|空置|闲置|超支|调整|结转结余|结余|延误|逾期"
    r"|违规|违纪|违法|偏差|死亡|发病|发生|不满意|退回|退件|失败|漏报|误报|缺陷|超标|拖欠|上访|信访|返贫|辍学|丢失)"
    r"(?:率|次数|数|量|件数|起数|人次|人数|金额)?$"
)
_UP_END = re.compile(
    r"(?:完成|及时|覆盖|合格|达标|满意|知晓|到位|执行|使用|利用|履约|出勤|保障|通过|公开|落实|整改|准确|正确|入网"
    r"|细化|回收|参与|就业|普及|达成|采纳|办结|受理|响应|处置|上线|在线|可用|完好|安装|录入|归档|应用|监控|签约"
    r"|支付|发放|拨付|验收|收缴|征收|参保|入学|救助|转化|成活|存活|优良|开工|竣工|下降|降低|节约|节能|监测"
    r"|审核|抽检|申报|到岗|上岗|配备|建成|解决|结案|办理|采购|政府采购)(?:率|度|性)$"
)
_COST_GROWTH = re.compile(r"(?:成本|费用|支出|经费|价格|单价|造价|运维费|维护费)(?:的)?(?:增长|增幅|上涨|涨幅)(?:率)?$")
_TIME_NAME = re.compile(r"(?:时间|时长|时限|用时|耗时|周期|工期|天数)$")
_TIME_VERB = re.compile(
    r"响应|处理|修复|维修|办结|处置|审批|审核|办理|等待|到达|受理|反馈|解决|答复|排除|恢复|完成|发放|支付|拨付|整改|上报|报送"
)
_NOT_TIME_LIMIT = re.compile(
    r"有效期|年限|使用期|寿命|保修期|保质期|质保期|运行时间|开放时间|服务时间|在线时长|培训时长|学时"
)
_GROWTH_NAME = re.compile(r"增长|增幅|增加|提高|提升|同比|环比|比上年|比去年|倍")
_RATE_NAME = re.compile(r"(?:率|比例|比率|占比|比重)$")
_NOT_PERCENT_RATE = re.compile(r"(?:频率|效率|功率|速率|帧率|倍率|容积率|汇率)$")
_COUNT_NAME = re.compile(r"(?:人数|次数|个数|件数|户数|天数|数量|场次|台数|套数|家数)$")
_LOOSE_LIMIT = re.compile(r"(?:故障|差错|错误|失误|出错|投诉|不合格|返工|损耗|增长|增幅|超支)率$")
_RE_TRAILING_PAREN = re.compile(r"[（(][^)）]*[)）]$")
_UP = ("≥", ">")
_DOWN = ("≤", "<")


@dataclass(frozen=True)
class _Polarity:
    want: str  # "≥" or "≤"
    what: str  # how the message names the kind of indicator
    reason: str  # why that way


def polarity(ctx: Context, row: Row) -> _Polarity | None:
    """Which comparator the indicator should take, judged from its name, category and unit."""
    name = _RE_TRAILING_PAREN.sub("", row.level3)
    v = row.value
    if v.kind == "date" and (ctx.is_timeliness(row) or _TIME_NAME.search(name)):
        return _Polarity("≤", "完成时间", "期限应使用“≤”或直接填写日期")
    time_taken = _TIME_NAME.search(name) and not _NOT_TIME_LIMIT.search(name)
    if v.is_duration and time_taken and (ctx.is_timeliness(row) or _TIME_VERB.search(name)):
        return _Polarity("≤", "时效指标", "时限应使用“≤”")
    if _COST_GROWTH.search(name):
        return _Polarity("≤", "成本增长率", "成本增长是上限，应使用“≤”")
    if ctx.is_cost(row) and (v.is_money or v.is_money_per_unit):
        return _Polarity("≤", "成本指标", "成本是上限，应使用“≤”")
    m = _DOWN_END.search(name)
    if m:
        return _Polarity("≤", f"“{m.group(0)}”", f"{m.group(0)}越低越好，应使用“≤”")
    if row.level2 in ctx.quantity_level2 and v.kind == "quantity" and v.unit and not (v.is_percent or v.is_money):
        return _Polarity("≥", "数量指标", "产出数量是应完成的下限，应使用“≥”")
    m = _UP_END.search(name)
    if m and (v.is_percent or v.is_quantitative):
        return _Polarity("≥", f"“{m.group(0)}”", f"{m.group(0)}越高越好，应使用“≥”")
    return None


# An error, like a missing unit: `≥` promises a measure and gives none, so there is no target to review.
@rule("value.number_missing", ERROR, "比较符后缺少数值")
def _number_missing(ctx: Context):
    for row in ctx.rows:
        if row.value.kind == "comparator_only":
            yield (
                row.at("value"),
                (
                    f"{row.label}：指标值“{row.value_text}”{row.value.error}；请填写数值和计量单位（如“≥95%”“≤3天”），"
                    "定性指标请直接填写等级（如“优”“达到预期”），不加比较符。"
                ),
            )


@rule("value.unparseable", WARNING, "指标值无法识别")
def _unparseable(ctx: Context):
    for row in ctx.rows:
        if row.value.kind == "unparseable":
            why = row.value.error or "无法识别"
            yield (
                row.at("value"),
                (
                    f"{row.label}：指标值“{row.value_text}”{why}；"
                    "请按“比较符＋数值＋计量单位”填写（如“≥95%”“≤3天”“=10个”），或填写日期、定性等级。"
                ),
            )


@rule("value.unit_missing", ERROR, "定量指标缺少计量单位")
def _unit_missing(ctx: Context):
    for row in ctx.rows:
        v = row.value
        if v.is_quantitative and not v.unit:
            yield (
                row.at("value"),
                (f"{row.label}：指标值“{row.value_text}”缺少计量单位，请补充（如“%”“个”“人次”“万元”）。"),
            )


@rule("value.note_required", ERROR, "定量（其他）未说明")
def _note_required(ctx: Context):
    for row in ctx.rows:
        if row.value.kind == "quantitative_other" and not row.note and not row.description:
            yield row.at("note"), f"{row.label}：指标值类型为“定量（其他）”，须在“指标值说明”中写明目标值及计算口径。"


@rule("value.percent_out_of_range", ERROR, "百分比超出0–100%")
def _percent_out_of_range(ctx: Context):
    for row in ctx.rows:
        v = row.value
        if v.unit != "%" or not v.is_quantitative or _GROWTH_NAME.search(row.level3):
            continue
        numbers = [n for n in (v.number, v.number_high) if n is not None]
        if any(n > 100 for n in numbers) or (v.comparator == ">" and v.number == 100):
            yield row.at("value"), f"{row.label}：指标值“{row.value_text}”超过100%，比率应在0–100%之间。"
        elif any(n < 0 for n in numbers):
            yield row.at("value"), f"{row.label}：指标值“{row.value_text}”为负数，比率应在0–100%之间。"


@rule("value.satisfaction_direction", WARNING, "满意度方向相反")
def _satisfaction_direction(ctx: Context):
    for row in ctx.rows:
        v = row.value
        if v.comparator in _DOWN and ctx.is_satisfaction(row):
            yield (
                row.at("value"),
                (
                    f"{row.label}：满意度指标“{row.value_text}”方向可能相反，满意度是下限，应使用“≥”，"
                    f"如“{with_comparator(v, '≥')}”。"
                ),
            )


@rule("value.satisfaction_floor", WARNING, "满意度目标偏低")
def _satisfaction_floor(ctx: Context):
    floor = Decimal(str(ctx.params.get("satisfaction_floor") or 0))
    for row in ctx.rows:
        v = row.value
        if not v.is_percent or v.comparator in _DOWN or not ctx.is_satisfaction(row):
            continue
        if v.number is not None and v.number < floor:
            yield (
                row.at("value"),
                (
                    f"{row.label}：满意度目标“{row.value_text}”低于{_pct(floor)}%，满意度一般不应低于{_pct(floor)}%；"
                    "请提高目标或说明原因。"
                ),
            )


@rule("value.direction", WARNING, "比较符方向可能相反")
def _direction(ctx: Context):
    for row in ctx.rows:
        v = row.value
        if v.comparator not in _UP + _DOWN or ctx.is_satisfaction(row):
            continue
        pol = polarity(ctx, row)
        if pol is None:
            continue
        if (pol.want == "≤" and v.comparator in _UP) or (pol.want == "≥" and v.comparator in _DOWN):
            yield (
                row.at("value"),
                (
                    f"{row.label}：{pol.what}“{row.value_text}”方向可能相反，{pol.reason}，"
                    f"如“{with_comparator(v, pol.want)}”。"
                ),
            )


@rule("value.loose_limit", INFO, "上限过于宽松")
def _loose_limit(ctx: Context):
    limit = Decimal(str(ctx.params["loose_limit_percent"]))
    for row in ctx.rows:
        v = row.value
        name = row.level3
        if v.is_percent and v.comparator in _DOWN and v.number is not None and v.number >= limit:
            m = _LOOSE_LIMIT.search(name)
            if m:
                yield (
                    row.at("value"),
                    (
                        f"{row.label}：{m.group(0)}上限“{row.value_text}”过于宽松，达不到约束作用；"
                        "请参考历史水平设定更严的上限，或核对是否填错。"
                    ),
                )


@rule("value.unit_mismatch", WARNING, "指标名称与计量单位不符")
def _unit_mismatch(ctx: Context):
    for row in ctx.rows:
        v = row.value
        name = _RE_TRAILING_PAREN.sub("", row.level3)
        if not v.is_quantitative or not v.unit or not name:
            continue
        if _RATE_NAME.search(name) and not _NOT_PERCENT_RATE.search(name) and v.unit not in {"%", "‰"}:
            yield (
                row.at("value"),
                (
                    f"{row.label}：指标名称是比率，指标值“{row.value_text}”却以“{v.unit}”计；请改用百分比或改正指标名称。"
                ),
            )
        elif _TIME_NAME.search(name) and v.is_percent and not name.endswith("天数"):
            yield (
                row.at("value"),
                (
                    f"{row.label}：指标名称是时间，指标值“{row.value_text}”却是百分比；"
                    "请填写完成时间或时限（如“≤3天”），或把名称改为“按时完成率”。"
                ),
            )
        elif _COUNT_NAME.search(name) and v.is_percent:
            yield (
                row.at("value"),
                (
                    f"{row.label}：指标名称是数量，指标值“{row.value_text}”却是百分比；请填写数量及单位，或改正指标名称。"
                ),
            )


_COST_STEM = re.compile(r"(?:总成本|成本控制数|成本|服务费|运维费|维护费|费用|经费|支出|资金|费)$")


def _task_for(ctx: Context, row: Row) -> TaskRow | None:
    stem = _COST_STEM.sub("", _norm(row.level3))
    if len(stem) < 4:
        return None
    for task in ctx.tasks:
        name = _norm(task.name)
        if name and (stem in name or name in stem):
            return task
    return None


@rule("value.cost_exceeds_budget", ERROR, "成本指标超过预算")
def _cost_exceeds_budget(ctx: Context):
    total, total_label = ctx.table_total()
    for row in ctx.rows:
        v = row.value
        if not ctx.is_cost(row) or v.comparator in _UP:
            continue
        amount = v.amount_in_wan("number_high" if v.kind == "range" else "number")
        if amount is None:
            continue
        what = "单位成本" if v.is_money_per_unit else "成本"
        if total is not None and amount > total:
            yield (
                row.at("value"),
                (
                    f"{row.label}：{what}“{row.value_text}”（{_wan(amount)}万元）超过{total_label}{_wan(total)}万元；"
                    "成本目标不应高于预算，请核对金额和单位。"
                ),
            )
            continue
        task = _task_for(ctx, row) if v.is_money else None
        if task is not None and task.amounts["total"] is not None and amount > task.amounts["total"]:
            yield (
                row.at("value"),
                (
                    f"{row.label}：成本“{row.value_text}”超过{task.label}的预算{_wan(task.amounts['total'])}万元；"
                    "成本目标不应高于任务预算，请核对。"
                ),
            )


@rule("value.cost_quantity_exceeds_budget", WARNING, "数量×单位成本超过预算")
def _cost_quantity(ctx: Context):
    total, total_label = ctx.table_total()
    if total is None:
        return
    rates: dict[str, list[Row]] = {}
    counts: dict[str, list[Row]] = {}
    for row in ctx.rows:
        v = row.value
        if ctx.is_cost(row) and v.is_money_per_unit and "/" not in v.per_unit and v.comparator not in _UP:
            rates.setdefault(v.per_unit, []).append(row)
        elif row.level2 in ctx.quantity_level2 and v.kind == "quantity" and v.unit and v.comparator not in _DOWN:
            counts.setdefault(v.unit, []).append(row)
    for unit, cost_rows in rates.items():
        if len(cost_rows) != 1 or len(counts.get(unit, [])) != 1:
            continue  # pair only when there is no doubt which count goes with which rate
        cost, count = cost_rows[0], counts[unit][0]
        need = cost.value.amount_in_wan() * count.value.number
        if need > total:
            yield (
                cost.at("value"),
                (
                    f"{cost.label}：按第{count.position}行“{count.level3}”{count.value_text}×{cost.value_text}测算"
                    f"需{_wan(need)}万元，超过{total_label}{_wan(total)}万元；请核对数量、单位成本或预算。"
                ),
            )


@rule("value.date_outside_year", WARNING, "日期不在预算年度内")
def _date_outside_year(ctx: Context):
    if ctx.year is None:
        return
    for row in ctx.rows:
        d = row.value.date
        if row.value.kind == "date" and d is not None and d.year is not None and d.year != ctx.year:
            yield (
                row.at("value"),
                (
                    f"{row.label}：日期“{row.value_text}”不在预算年度{ctx.year}年内；"
                    f"年度目标的完成时间应在{ctx.year}年内，请核对年份。"
                ),
            )


@rule("value.timeliness_form", WARNING, "时效指标不是时间或比率")
def _timeliness_form(ctx: Context):
    for row in ctx.rows:
        v = row.value
        if not ctx.is_timeliness(row):
            continue
        if v.kind in {"empty", "placeholder", "comparator_only", "unparseable", "not_applicable", "quantitative_other"}:
            continue
        if v.kind == "date" or v.is_duration or v.is_percent or (v.is_quantitative and not v.unit):
            continue
        year = ctx.year or ""
        yield (
            row.at("value"),
            (
                f"{row.label}：时效指标的指标值“{row.value_text}”既不是完成时间、时限，也不是比率；"
                f"请填写完成时间（如“{year}年12月底前”）、时限（如“≤3天”）或及时率（如“≥95%”）。"
            ),
        )


@rule("value.not_measurable", WARNING, "数量或成本指标未量化")
def _not_measurable(ctx: Context):
    for row in ctx.rows:
        if not row.value.is_qualitative:
            continue
        if row.level2 in ctx.quantity_level2 or ctx.is_cost(row):
            yield (
                row.at("value"),
                (f"{row.label}：{row.level2}应量化，指标值“{row.value_text}”是定性描述；请填写数值和计量单位。"),
            )


@rule("table.qualitative_share", WARNING, "定性指标过多")
def _qualitative_share(ctx: Context):
    limit = ctx.params.get("qualitative_share_warn")
    exempt = {_norm(x) for x in ctx.params.get("qualitative_exempt_level1") or []}
    rows = [r for r in ctx.rows if r.value.kind not in {"empty", "placeholder"} and r.level1 not in exempt]
    if limit is None or not rows:
        return
    vague = [r for r in rows if r.value.is_qualitative]
    share = Decimal(len(vague)) / Decimal(len(rows))
    if share > Decimal(str(limit)) and len(vague) >= int(ctx.params.get("qualitative_min_count") or 0):
        examples = "、".join(f"第{r.position}行“{r.value_text}”" for r in vague[:5])
        more = "等" if len(vague) > 5 else ""
        yield (
            at_table("indicators"),
            (
                f"定性指标值{len(vague)}个，占{_pct(share * 100)}%"
                f"（超过{_pct(Decimal(str(limit)) * 100)}%）：{examples}{more}；"
                "请尽量改为可衡量的量化指标。"
            ),
        )
