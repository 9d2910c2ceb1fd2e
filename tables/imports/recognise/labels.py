"""The label vocabulary: which printed labels mean which field of the record.

Built from the shipped layout records (their header labels, budget labels, column
labels and footer labels) and a synonym table written from the wording seen in
the provinces' published tables (`shared/provinces/INDEX.md`). A field is a pair
`(section, key)`: section `header` (keys of `layout_spec.HEADER_FIELDS`), `budget`
(`layouts.BUDGET_LABELS`), `footer` (`layout_spec.FOOTER_FIELDS`) or `column`
(`layouts.COLUMN_LABELS`). Labels are compared after `normalise`: no spaces or line
breaks, full-width forms folded, no `：` at the end, no `（万元）`, no `其中：`,
`1.`, `（1）`, `一、` in front, no `*` marking a required line.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache, lru_cache

from indicators.record import ANNUAL, LONG_TERM
from tables.layout_spec import FOOTER_FIELDS, HEADER_FIELDS
from tables.layouts import BUDGET_LABELS, COLUMN_LABELS

Field = tuple[str, str]  # (section, key)

SYNONYMS: dict[Field, tuple[str, ...]] = {
    # header lines
    ("header", "organization"): (
        "部门（单位）名称",
        "单位名称",
        "部门名称",
        "实施单位",
        "项目实施单位",
        "项目执行单位",
        "具体实施单位",
        "项目单位",
        "预算单位",
        "单位",
    ),
    ("header", "organization_code"): ("单位编码", "部门编码", "单位代码", "部门代码"),
    ("header", "department_name"): (
        "主管部门",
        "项目主管部门",
        "主管预算部门",
        "主管部门（单位）名称",
        "区级主管部门",
        "市级主管部门",
        "县级主管部门",
        "主管部门及编码",
        "主管部门及代码",
        "主管部门（单位）名称及预算编码",
    ),
    ("header", "department_code"): ("主管部门编码", "主管部门代码", "主管部门及编码", "主管部门及代码"),
    ("header", "project_name"): (
        "项目名称",
        "申报项目名称",
        "项目（专项）名称",
        "专项名称",
        "专项（项目）名称",
        "资金名称",
    ),
    ("header", "project_code"): ("项目编码", "项目代码"),
    ("header", "project_purpose"): ("资金用途", "用途范围"),
    ("header", "project_attribute"): ("项目属性", "项目性质", "专项属性"),
    ("header", "project_category"): ("项目类别", "项目类型"),
    ("header", "project_start"): (
        "项目起止时间",
        "项目期",
        "项目期限",
        "实施周期",
        "开始日期",
        "项目开始时间",
        "开始时间",
    ),
    ("header", "project_end"): (
        "项目起止时间",
        "项目期",
        "项目期限",
        "实施周期",
        "结束日期",
        "项目结束时间",
        "完成时间",
    ),
    ("header", "project_manager"): ("项目负责人", "项目责任人", "项目负责人及电话", "项目负责人及联系电话"),
    ("header", "project_phone"): ("联系电话", "项目负责人及电话", "项目负责人及联系电话"),
    ("header", "mission"): ("年度履职目标",),
    ("header", "long_term_goal"): (
        "中期目标",
        "长期目标",
        "项目总体目标",
        "实施周期目标",
        "长期绩效目标",
        "专项长期绩效目标",
        "中期绩效目标",
    ),
    ("header", "goal"): (
        "年度目标",
        "年度总体目标",
        "当年整体绩效目标",
        "当年绩效目标",
        "项目年度目标",
        "绩效目标",
        "年度绩效目标",
        "本年度绩效目标",
        "年度绩效总目标",
        "专项年度绩效目标",
        "整体绩效目标",
        "项目年度绩效目标",
        "总体目标",  # the one goal of a one-year form (a caption over 中期目标 / 年度目标 elsewhere)
    ),
    # budget lines
    ("budget", "total"): (
        "预算总额",
        "年度资金总额",
        "当年资金总额",
        "预算数",
        "项目预算金额",
        "年度金额",
        "资金总额",
        "部门预算总额",
        "年度预算资金总额",
        "区级支出预算总量",
        "总额",
        "合计",
        "资金金额",
        "项目金额",
        "下达中央预算内投资",
    ),
    ("budget", "long_term_total"): ("中期资金总额", "中期预算资金总额"),
    ("budget", "fiscal"): ("财政拨款", "财政资金", "当年财政拨款", "政府预算资金", "财政投款", "财政拨款小计"),
    ("budget", "other"): ("其他资金", "当年其他资金", "其他"),
    ("budget", "central"): ("中央补助", "中央资金", "中央补助资金", "上级资金", "上级补助"),
    ("budget", "local"): ("地方资金",),
    ("budget", "provincial"): ("省级资金",),
    ("budget", "city"): ("市级资金",),
    ("budget", "county"): ("区县级资金", "区级资金", "县级资金"),
    ("budget", "general_budget"): ("一般公共预算",),
    ("budget", "fund_budget"): ("政府性基金预算", "政府性基金"),
    ("budget", "state_capital"): ("国有资本经营预算",),
    ("budget", "own_funds"): ("自有资金",),
    ("budget", "special_account"): ("财政专户管理资金",),
    ("budget", "unit_funds"): ("单位资金",),
    ("budget", "basic"): ("基本支出",),
    ("budget", "project"): ("项目支出",),
    # footer lines
    ("footer", "filled_by"): ("填表人", "填报人", "联系人", "经办人"),
    ("footer", "filler_phone"): ("联系电话",),
    ("footer", "filled_on"): ("填报日期", "填表日期", "编报时间"),
    ("footer", "responsible"): ("单位负责人", "部门负责人", "负责人"),
    # indicator columns
    ("column", "level1"): ("一级指标", "一级绩效指标", "绩效指标分类"),
    ("column", "level2"): ("二级指标", "二级绩效指标"),
    ("column", "level3"): ("三级指标", "指标内容", "指标名称", "绩效指标", "三级指标名称"),
    ("column", "value"): (
        "指标值",
        "指标值（包含数字及文字描述）",
        "当年预期实现值",
        "绩效目标值",
        "年度目标值",
        "实施周期目标值",
    ),
    ("column", "description"): ("绩效指标描述",),
    ("column", "basis"): ("指标值确定依据", "绩效标准", "评价标准确定依据"),
    ("column", "note"): ("指标值说明", "备注"),
    ("column", "comparator"): ("计算符号", "指标性质"),
    ("column", "number"): ("目标值",),
    ("column", "unit"): ("计量单位", "度量单位", "单位"),
    ("column", "value_type"): ("指标值类型",),
    ("column", "direction"): ("指标方向", "指标方向性"),
    ("column", "weight"): ("分值", "权重", "指标权重", "权重分值"),
    ("column", "explanation"): ("指标解释", "指标内容/计算公式"),
    ("column", "scoring"): ("评（扣）分标准", "评分标准", "评扣分标准"),
    ("column", "core"): ("是否核心指标",),
}

# Column headings that also say which period their column holds (`实施周期目标值` is long-term).
PERIOD_OF_LABEL = {"实施周期目标值": LONG_TERM, "年度目标值": ANNUAL}
_PERIOD_SUFFIX = re.compile(r"\((长期|中期|年度|实施周期|当年)\)$")
_PREFIX = re.compile(r"^(其中:?|[0-9]+[.、]|\([0-9一二三四五六七八九十]+\)|[一二三四五六七八九十]+、)+")
_UNIT_SUFFIX = re.compile(r"\((单位:)?(万元|元)\)$")


def normalise(text: object) -> str:
    """A label as compared: `其中：1.中央资金（万元）` → `中央资金`, `一级\\n指标` → `一级指标`."""
    return _normalise(str(text or ""))


@lru_cache(maxsize=16384)  # a form repeats its labels and category names on every row
def _normalise(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"\s+", "", s).lstrip("*★").rstrip(":")
    s = _UNIT_SUFFIX.sub("", s).rstrip(":")
    s = _PREFIX.sub("", s)
    return s.rstrip(":")


def split_period(label: str) -> tuple[str, str | None]:
    """`二级指标(长期)` → (`二级指标`, long_term); a label without one → (label, None). `label` is normalised."""
    if label in PERIOD_OF_LABEL:
        return label, PERIOD_OF_LABEL[label]
    found = _PERIOD_SUFFIX.search(label)
    if not found:
        return label, None
    return label[: found.start()], ANNUAL if found.group(1) in {"年度", "当年"} else LONG_TERM


_LABELS_OF: dict[int, tuple[dict, dict[str, list[Field]], dict]] = {}  # id(layout) → (the layout, its labels)


def layout_labels(layout: dict) -> dict[str, list[Field]]:
    """The labels one layout prints → the fields each means (a label shared by two keys is one cell for both).

    Remembered per layout dict (the recogniser asks for every label it reads); a dict that is no longer the
    one remembered under its id, or one changed since (compared whole), is read again."""
    entry = _LABELS_OF.get(id(layout))
    if entry is not None and entry[0] is layout and entry[2] == layout:
        return entry[1]
    if len(_LABELS_OF) > 512:
        _LABELS_OF.clear()
    found = _layout_labels(layout)
    _LABELS_OF[id(layout)] = (layout, found, json.loads(json.dumps(layout)))
    return found


def _layout_labels(layout: dict) -> dict[str, list[Field]]:
    found: dict[str, list[Field]] = {}

    def add(label, field):
        found.setdefault(normalise(label), [])
        if field not in found[normalise(label)]:
            found[normalise(label)].append(field)

    for row in layout.get("header") or []:
        add(row.get("label") or HEADER_FIELDS.get(row["key"], row["key"]), ("header", row["key"]))
    budget_labels = (layout.get("options") or {}).get("budget_labels") or {}
    for key in layout.get("budget_keys") or []:
        add(budget_labels.get(key) or BUDGET_LABELS[key], ("budget", key))
    column_labels = layout.get("column_labels") or {}
    for key in layout.get("columns") or []:
        add(column_labels.get(key) or COLUMN_LABELS[key], ("column", key))
    for row in layout.get("footer") or []:
        add(row.get("label") or FOOTER_FIELDS.get(row["key"], row["key"]), ("footer", row["key"]))
    return found


@cache
def _general() -> dict[str, tuple[Field, ...]]:
    found: dict[str, list[Field]] = {}
    defaults = (
        [(("header", k), v) for k, v in HEADER_FIELDS.items()]
        + [(("budget", k), v) for k, v in BUDGET_LABELS.items()]
        + [(("footer", k), v) for k, v in FOOTER_FIELDS.items()]
        + [(("column", k), v) for k, v in COLUMN_LABELS.items()]
    )
    for field, label in defaults + [(field, label) for field, labels in SYNONYMS.items() for label in labels]:
        fields = found.setdefault(normalise(label), [])
        if field not in fields:
            fields.append(field)
    return {label: tuple(fields) for label, fields in found.items()}


def fields_of(label: str, layout: dict | None = None) -> list[Field]:
    """Every field a printed label may mean, the given layout's own meaning first. `label` is printed text."""
    key = normalise(label)
    own = layout_labels(layout).get(key, []) if layout else []
    return own + [field for field in _general().get(key, ()) if field not in own]


def is_label(text: str) -> bool:
    return bool(_general().get(normalise(text))) or is_opinion(text)


def is_opinion(text: str) -> bool:
    """An 审核意见 row's label: `主管部门审核意见`, `财政部门支出股室初审意见（盖章）`."""
    s = normalise(text)
    return "意见" in s and len(s) <= 30


def all_labels() -> set[str]:
    return set(_general())
