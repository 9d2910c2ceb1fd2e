"""What a layout record may declare, how one is checked, and its JSON form.

Pure: nothing here touches the database or Django's app registry (the printed model, which a
bulk-export worker imports before Django is set up, reads layouts through it).

A layout (`tables.models.Layout`) is one province's printed form as data: the header
lines it prints (with their printed labels, order and required flags), its budget
block, its indicator columns (labels, order, whether 中期 and 年度 stand side by side),
its footer and 审核意见 rows, and the checks that apply with their severities. The
editor, the prints, the checks and the importers read these; a new province is a new
record (admin, `manage.py layouts import FILE`, or a data migration), never code.

The JSON form (`layout_to_json`, and `Layout.objects.from_record` to store one) is what
`manage.py layouts` exports and imports: `{"format": "target-layout/1", "code", "name", "kind", "scheme",
"title", "blocks", "budget_keys", "columns", "options", "header", "column_labels",
"periods", "footer", "opinion_rows", "opinion_levels", "compatible", "checks"}`.

`opinion_levels` says which 审核意见 row each review level's decision fills when the table is
printed (`{"department": "主管部门审核意见"}`); `compatible` names the layouts whose tables may be
copied into this one, each with the map of the header and footer lines that move to another key
(`[{"layout": "anhui-project-plain", "fields": {}}]`): a copy between layouts neither the same nor
declared here is refused (`tables/editor/starting.py`).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from indicators.checks import RULES, SEVERITIES
from indicators.record import ANNUAL, PERIODS
from tables.layouts import BUDGET_LABELS, COLUMN_LABELS

FORMAT = "target-layout/1"

# Header lines a form can print → the label used when a layout gives none.
HEADER_FIELDS: dict[str, str] = {
    "organization": "部门（单位）名称",
    "organization_code": "单位编码",
    "department_name": "主管部门",
    "department_code": "主管部门编码",
    "project_name": "项目名称",
    "project_code": "项目编码",
    "project_purpose": "资金用途",
    "project_attribute": "项目属性",
    "project_category": "项目类别",
    "project_start": "项目开始时间",
    "project_end": "项目结束时间",
    "project_manager": "项目负责人",
    "project_phone": "联系电话",
    "mission": "年度履职目标",
    "long_term_goal": "中期目标",
    "goal": "年度目标",
}

# Footer lines under the grid → default label.
FOOTER_FIELDS: dict[str, str] = {
    "filled_by": "填表人",
    "filler_phone": "联系电话",
    "filled_on": "填报日期",
    "responsible": "单位负责人",
}

BLOCKS = (
    "mission",
    "tasks",
    "task_amounts",
    "budget",
    "goal",
    "long_term_goal",
    "spending_plan",
    "project",
    "schedule",
)
CHECK_SETTINGS = (*SEVERITIES, "off")

# The review levels (`tables.models.Stage`) whose decision a 审核意见 row may print.
REVIEW_LEVELS: dict[str, str] = {"department": "主管部门审核", "finance": "财政审核"}
# The lines a `compatible` field map may move: a copied table's own header and footer lines (the
# organisation's name and code come from the organisation, not from the table).
MAPPED_FIELDS: dict[str, str] = {
    key: label
    for key, label in {**HEADER_FIELDS, **FOOTER_FIELDS}.items()
    if key not in ("organization", "organization_code")
}

_LIST_KEYS = ("blocks", "budget_keys", "columns", "header", "periods", "footer", "opinion_rows", "compatible")
_DICT_KEYS = ("options", "column_labels", "checks", "opinion_levels")


def validate(spec: dict, *, schemes: set[str] | None = None) -> list[str]:
    """What is wrong with a layout record, each message naming the place (empty when it is sound)."""
    if not isinstance(spec, dict):
        return ["表样应为一个 JSON 对象。"]
    problems = _identity_problems(spec, schemes)
    shape = _shape_problems(spec)
    if shape:  # the checks below read lists and objects: a wrong shape stops here
        return problems + shape
    problems += _unknown("blocks", spec.get("blocks", []), BLOCKS)
    problems += _unknown("budget_keys", spec.get("budget_keys", []), BUDGET_LABELS)
    problems += _unknown("columns", spec.get("columns", []), COLUMN_LABELS)
    problems += _unknown("column_labels", spec.get("column_labels", {}), COLUMN_LABELS)
    problems += _unknown("periods", spec.get("periods", []), PERIODS)
    problems += _lines("header", spec.get("header", []), HEADER_FIELDS)
    problems += _lines("footer", spec.get("footer", []), FOOTER_FIELDS)
    problems += _opinion_problems(spec.get("opinion_rows", []))
    problems += _opinion_level_problems(spec.get("opinion_levels", {}), spec.get("opinion_rows", []))
    problems += _compatible_problems(spec.get("compatible", []), spec.get("code"))
    problems += _check_problems(spec.get("checks", {}))
    columns = spec.get("columns", [])
    if columns and not {"level3", "value"} <= set(columns) and "number" not in columns:
        problems.append("columns 至少应有三级指标（level3）和指标值（value 或 number）。")
    return problems


def _identity_problems(spec: dict, schemes: set[str] | None) -> list[str]:
    problems = [
        f"表样缺少“{key}”。"
        for key in ("code", "name", "kind", "scheme", "title")
        if not isinstance(spec.get(key), str) or not spec[key].strip()
    ]
    if spec.get("kind") not in (None, "department", "project"):
        problems.append(f"kind 应为 department 或 project，实际为“{spec.get('kind')}”。")
    if schemes is not None and spec.get("scheme") and spec["scheme"] not in schemes:
        problems.append(f"指标体系“{spec['scheme']}”不存在。")
    return problems


def _shape_problems(spec: dict) -> list[str]:
    lists = [f"“{key}”应为列表。" for key in _LIST_KEYS if not isinstance(spec.get(key, []), list)]
    return lists + [f"“{key}”应为对象。" for key in _DICT_KEYS if not isinstance(spec.get(key, {}), dict)]


def _opinion_problems(rows: list) -> list[str]:
    return [
        f"opinion_rows 第{i}项应为审核意见栏的名称，如“主管部门审核意见”。"
        for i, row in enumerate(rows, start=1)
        if not isinstance(row, str) or not row.strip()
    ]


def _opinion_level_problems(levels: dict, rows: list) -> list[str]:
    problems = []
    for level, row in levels.items():
        if level not in REVIEW_LEVELS:
            problems.append(f"opinion_levels 中的“{level}”不是审核级次（可用：{'、'.join(REVIEW_LEVELS)}）。")
        elif row not in rows:
            problems.append(f"opinion_levels 中“{level}”对应的“{row}”不在 opinion_rows 中。")
    return problems


def _compatible_problems(entries: list, code) -> list[str]:
    problems = []
    seen = set()
    for i, entry in enumerate(entries, start=1):
        where = f"compatible 第{i}项"
        source = entry.get("layout") if isinstance(entry, dict) else None
        if not isinstance(source, str) or not source.strip():
            problems.append(
                f'{where}应为对象，含来源表样编码 layout，如 {{"layout": "anhui-project-plain", "fields": {{}}}}。'
            )
            continue
        if source == code:
            problems.append(f"{where}：同一表样无须声明兼容。")
        elif source in seen:
            problems.append(f"{where}：表样“{source}”重复。")
        seen.add(source)
        fields = entry.get("fields", {})
        if not isinstance(fields, dict):
            problems.append(f"{where}的 fields 应为对象（来源项目 → 本表样项目）。")
            continue
        for old, new in fields.items():
            for key in (old, new):
                if key not in MAPPED_FIELDS:
                    problems.append(
                        f"{where}的 fields 中“{key}”不是表头或表尾项目（可用：{'、'.join(MAPPED_FIELDS)}）。"
                    )
    return problems


def compatible_fields(layout: dict, source_code: str) -> dict[str, str] | None:
    """The field map under which tables of layout `source_code` are copied into `layout`, or None
    when `layout` does not declare that layout compatible."""
    for entry in layout.get("compatible") or []:
        if entry.get("layout") == source_code:
            return dict(entry.get("fields") or {})
    return None


def _check_problems(checks: dict) -> list[str]:
    problems = []
    for code, setting in checks.items():
        if code not in RULES:
            problems.append(f"checks 中的规则“{code}”不存在。")
        elif setting not in CHECK_SETTINGS:
            problems.append(f"checks 中规则“{code}”的设置应为 {' / '.join(CHECK_SETTINGS)}，实际为“{setting}”。")
    return problems


def _unknown(where: str, keys, allowed) -> list[str]:
    return [f"{where} 中的“{key}”不是可用的项目（可用：{'、'.join(allowed)}）。" for key in keys if key not in allowed]


def _lines(where: str, rows, allowed: dict) -> list[str]:
    problems = []
    seen = set()
    for i, row in enumerate(rows, start=1):
        key = row.get("key") if isinstance(row, dict) else None
        if key not in allowed:
            problems.append(f"{where} 第{i}行的 key“{key}”不是可用的项目（可用：{'、'.join(allowed)}）。")
        elif key in seen:
            problems.append(f"{where} 第{i}行的“{key}”重复。")
        elif "label" in row and not isinstance(row["label"], str):
            problems.append(f"{where} 第{i}行的 label 应为文字。")
        seen.add(key)
    return problems


# ---------------------------------------------------------------- reading a record


def header_lines(layout: dict) -> list[dict]:
    """The header lines in printed order, each `{"key", "label", "required"}` (labels defaulted)."""
    return [
        {
            "key": row["key"],
            "label": row.get("label") or HEADER_FIELDS[row["key"]],
            "required": bool(row.get("required")),
        }
        for row in layout.get("header") or []
    ]


def footer_lines(layout: dict) -> list[dict]:
    return [
        {"key": row["key"], "label": row.get("label") or FOOTER_FIELDS[row["key"]]}
        for row in layout.get("footer") or []
    ]


def column_label(layout: dict, key: str) -> str:
    """A column's printed header on this form (`计量单位`, `度量单位`, … for `unit`)."""
    return (layout.get("column_labels") or {}).get(key) or COLUMN_LABELS.get(key, key)


def amounts_in_yuan(layout: dict) -> bool:
    """Whether the form prints amounts in 元 (`options.amount_unit`, e.g. "金额单位：元"); storage stays 万元."""
    unit = str((layout.get("options") or {}).get("amount_unit") or "")
    return "元" in unit and "万元" not in unit


def printed_amount(value, layout: dict) -> str:
    """A stored amount (万元, Decimal or its text) as the form prints it: ×10000 to the fen where it prints 元."""
    if value in (None, "") or not amounts_in_yuan(layout):
        return "" if value is None else str(value)
    try:
        return format((Decimal(str(value)) * 10000).quantize(Decimal("0.01")), "f")
    except InvalidOperation:
        return str(value)


def periods(layout: dict) -> list[str]:
    """The periods whose indicators the form prints: `["annual"]`, or `["long_term", "annual"]` side by side."""
    return list(layout.get("periods") or [ANNUAL])


# ---------------------------------------------------------------- JSON both ways


# Keys a record states only when it declares something (a record without them means none).
_OPTIONAL_KEYS = ("opinion_levels", "compatible")


def layout_to_json(layout) -> dict:
    """A stored layout as its exchange JSON (`opinion_levels` and `compatible` only when not empty)."""
    return {
        "format": FORMAT,
        "code": layout.code,
        "name": layout.name,
        "kind": layout.kind,
        "scheme": layout.scheme.code,
        "title": layout.title,
        **{
            key: getattr(layout, key)
            for key in (*_LIST_KEYS, *_DICT_KEYS)
            if key not in _OPTIONAL_KEYS or getattr(layout, key)
        },
    }


class LayoutError(ValueError):
    """A layout record that can't be stored; `problems` names each place."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


def check_record(data: object, schemes: set[str]) -> dict:
    """`data` when it is a sound layout record (`schemes`: the scheme codes there are); else LayoutError."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise LayoutError([f"格式应为“{FORMAT}”，实际为“{found}”。"])
    problems = validate(data, schemes=schemes)
    if problems:
        raise LayoutError(problems)
    return data


def record_fields(data: dict) -> dict:
    """The stored fields a sound record sets, all but its scheme (a row the caller looks up)."""
    return {
        "name": data["name"],
        "kind": data["kind"],
        "title": data["title"],
        **{key: data.get(key, []) for key in _LIST_KEYS},
        **{key: data.get(key, {}) for key in _DICT_KEYS},
    }
