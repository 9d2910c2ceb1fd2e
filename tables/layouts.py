"""The official layouts shipped with the product (loaded by a data migration).

A layout is data: which blocks the printed form has, which budget keys its
预算情况 block prints, and its indicator columns in order. Adding a province
means adding an entry here (or a row in the admin) and, where the printed
form differs, a print template — not a fork of the code.
"""

from __future__ import annotations

# Column keys → printed header.
COLUMN_LABELS: dict[str, str] = {
    "level1": "一级指标",
    "level2": "二级指标",
    "level3": "三级指标",
    "description": "绩效指标描述",
    "value": "指标值",
    "basis": "指标值确定依据",
    "note": "指标值说明",
    # The full record's columns (`indicators/record.py`), printed by other provinces' forms.
    "comparator": "计算符号",
    "number": "目标值",
    "unit": "计量单位",
    "value_type": "指标值类型",
    "direction": "指标方向",
    "weight": "分值",
    "explanation": "指标解释",
    "scoring": "评（扣）分标准",
    "core": "是否核心指标",
}

BUDGET_LABELS: dict[str, str] = {
    "total": "预算总额",
    "fiscal": "财政拨款",
    "special_account": "财政专户管理资金",
    "unit_funds": "单位资金",
    "other": "其他资金",
    "basic": "基本支出",
    "project": "项目支出",
    "long_term_total": "中期资金总额",
    "central": "中央补助资金",
    "local": "地方资金",
    "provincial": "省级资金",
    "city": "市级资金",
    "county": "区县级资金",
    "general_budget": "一般公共预算",
    "fund_budget": "政府性基金预算",
    "state_capital": "国有资本经营预算",
    "own_funds": "自有资金",
}

LAYOUTS: list[dict] = [
    {
        "code": "xinjiang-2022-dept",
        "name": "新疆2022年部门（单位）整体支出绩效目标表",
        "kind": "department",
        "scheme": "fin2015",
        "title": "部门（单位）整体支出绩效目标表",
        # tasks with 总额/财政拨款/其他资金 and a 金额合计, then 年度总体目标.
        "blocks": ["tasks", "task_amounts", "goal"],
        "budget_keys": [],
        "columns": ["level1", "level2", "level3", "value"],
        "options": {
            "budget_labels": {},
        },
        # The header lines the checks required before layouts had header lines, with the same labels.
        "header": [
            {"key": "organization", "label": "部门（单位）名称", "required": True},
            {"key": "goal", "label": "年度总体目标", "required": True},
        ],
    },
    {
        "code": "henan-2023-dept",
        "name": "河南2023年部门（单位）整体绩效目标表",
        "kind": "department",
        "scheme": "henan2023",
        "title": "部门（单位）整体绩效目标表",
        # 年度履职目标, tasks without amounts, and the 预算情况 block.
        "blocks": ["mission", "tasks", "budget"],
        "budget_keys": ["total", "fiscal", "special_account", "unit_funds", "basic", "project"],
        "columns": ["level1", "level2", "level3", "value", "note"],
        "options": {
            "budget_labels": {
                "total": "部门预算总额（万元）",
                "fiscal": "1、资金来源：（1）政府预算资金",
                "special_account": "（2）财政专户管理资金",
                "unit_funds": "（3）单位资金",
                "basic": "2、资金结构：（1）基本支出",
                "project": "（2）项目支出",
            },
            # 资金来源 and 资金结构 each add up to the total.
            "budget_sums": [["fiscal", "special_account", "unit_funds"], ["basic", "project"]],
        },
        "header": [
            {"key": "organization", "label": "部门（单位）名称", "required": True},
            {"key": "mission", "label": "年度履职目标", "required": True},
        ],
    },
    {
        "code": "hebei-2023-project",
        "name": "河北2023年项目支出绩效目标表",
        "kind": "project",
        "scheme": "fin2015",
        "title": "项目支出绩效目标表",
        "blocks": ["project", "budget", "spending_plan", "goal"],
        "budget_keys": ["total", "fiscal", "other"],
        "columns": ["level1", "level2", "level3", "description", "value", "basis"],
        "options": {
            "budget_labels": {"total": "预算数", "fiscal": "财政资金", "other": "其他资金"},
            "budget_sums": [["fiscal", "other"]],
        },
        "header": [
            {"key": "organization", "label": "部门（单位）名称", "required": True},
            {"key": "project_code", "label": "项目编码", "required": True},
            {"key": "project_name", "label": "项目名称", "required": True},
            {"key": "goal", "label": "绩效目标", "required": True},
        ],
    },
]

LAYOUTS_BY_CODE: dict[str, dict] = {layout["code"]: layout for layout in LAYOUTS}


def infer_layout_code(data: dict) -> str:
    """Guess the layout of an exchange-format table from its shape.

    Project tables → the Hebei project form; department tables with a
    年度履职目标 or a 预算情况 block → the Henan form; otherwise the Xinjiang form.
    """
    if data.get("kind") == "project":
        return "hebei-2023-project"
    if data.get("mission") or data.get("budget"):
        return "henan-2023-dept"
    return "xinjiang-2022-dept"


def budget_labels(layout) -> dict[str, str]:
    """The printed name of each budget key: the layout's own names over `BUDGET_LABELS`.

    `layout` is a `tables.models.Layout` or its dict form (`LAYOUTS`, `layout_as_dict`).
    """
    options = layout.get("options") if isinstance(layout, dict) else layout.options
    return {**BUDGET_LABELS, **(options or {}).get("budget_labels", {})}


def layout_as_dict(layout) -> dict:
    """A `tables.models.Layout` (or a dict from `LAYOUTS`) as the dict the checks and the exports read.

    Its `options["budget_labels"]` names every budget key (`budget_labels`): `indicators` cannot
    import this module, so the checks get the names as data.
    """
    if isinstance(layout, dict):
        return {**layout, "options": {**(layout.get("options") or {}), "budget_labels": budget_labels(layout)}}
    return {
        "code": layout.code,
        "kind": layout.kind,
        "blocks": list(layout.blocks or []),
        "budget_keys": list(layout.budget_keys or []),
        "columns": list(layout.columns or []),
        "options": {**(layout.options or {}), "budget_labels": budget_labels(layout)},
        "header": list(layout.header or []),
        "column_labels": dict(layout.column_labels or {}),
        "periods": list(layout.periods or []),
        "footer": list(layout.footer or []),
        "opinion_rows": list(layout.opinion_rows or []),
        "opinion_levels": dict(layout.opinion_levels or {}),
        "compatible": list(layout.compatible or []),
        "checks": dict(layout.checks or {}),
    }
