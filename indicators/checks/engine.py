"""The checks' engine: findings, the rule registry, the table read once into a `Context`, and running the rules."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from indicators.schemes import DEFAULT_PARAMS
from indicators.values import ParsedValue, parse_value

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)
SEVERITY_LABELS = {ERROR: "错误", WARNING: "警告", INFO: "提示"}
_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_SCOPE_RANK = {"table": 0, "task": 1, "indicator": 2}

# Parameters the checks read beyond `indicators.schemes.DEFAULT_PARAMS`; a scheme's params override them.

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
# An indicator name ending in one of these is good when low (`投诉率`); the satisfaction
# rule and the value rules (`indicator_values.py`) both read it.
_DOWN_END = re.compile(
    r"(?:故障|差错|错误|失误|出错|误差|投诉|事故|不合格|返工|损耗|流失|空置|闲置|超支|调整|结转结余|结余|延误|逾期"
    r"|违规|违纪|违法|偏差|死亡|发病|发生|不满意|退回|退件|失败|漏报|误报|缺陷|超标|拖欠|上访|信访|返贫|辍学|丢失)"
    r"(?:率|次数|数|量|件数|起数|人次|人数|金额)?$"
)

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
    # The record's fields (indicators/record.py): "annual" / "long_term", 正向 / 反向, 定量 / 定性,
    # and a form's per-column targets ({column heading: cell}).
    period: str = "annual"
    direction: str = ""
    value_type: str = ""
    column_values: dict = field(default_factory=dict)

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
                    period=_text(raw.get("period")) or "annual",
                    direction=_text(raw.get("direction")),
                    value_type=_text(raw.get("value_type")),
                    column_values=raw["values"] if isinstance(raw.get("values"), dict) else {},
                )
            )

        p = self.params
        self.satisfaction_level2 = {_norm(x) for x in p.get("satisfaction_level2") or []}
        self.cost_level2 = {_norm(x) for x in p.get("cost_level2") or []}
        self.timeliness_level2 = {_norm(x) for x in p.get("timeliness_level2") or []}
        self.quantity_level2 = {_norm(x) for x in p.get("quantity_level2") or []}

    # ---- derived facts

    def budget_label(self, key: str) -> str:
        # The layout names every budget key (tables.layouts.layout_as_dict); the key is a last resort.
        labels = self.options.get("budget_labels") or {}
        return _short_label(labels.get(key)) or key

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
        for line in self.layout.get("header") or []:  # the label the form prints, when the layout gives one
            if line.get("key") == field and line.get("label"):
                return line["label"]
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
    # A layout says which checks apply on its form, and how hard: {code: "error"|"warning"|"info"|"off"}.
    settings = layout.get("checks") or {}
    findings: list[tuple[tuple, Finding]] = []
    for index, r in enumerate(RULES.values()):
        severity = settings.get(r.code, r.severity)
        if severity not in _SEVERITY_RANK:
            continue
        for location, message in r.func(ctx):
            finding = Finding(r.code, severity, message, location)
            key = (
                _SEVERITY_RANK[severity],
                _SCOPE_RANK[location["scope"]],
                location.get("position") or 0,
                index,
            )
            findings.append((key, finding))
    findings.sort(key=lambda pair: pair[0])
    return [f for _, f in findings]


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
    if fmt in ("target-table/1", "target-table/2"):
        return [("", data)]
    raise ValueError(f"格式应为“target-table/2”“target-table/1”或“target-booklet/1”，实际为“{fmt}”")
