"""The words of a printed target table, and the small tests the parser asks of a cell.

Which names are 一级/二级 (from the shipped schemes, `LEVEL1_OF`, and a layout's
own tree, `_Categories`), the indicator header labels, the signature rows under
a form, how long each part may be (`FIELD_LIMITS`), and whether a cell reads as
a 指标值 or an amount. Pure Python, like the rest of `tables.imports.text`.
"""

from __future__ import annotations

import re
import unicodedata

from indicators.schemes import SCHEMES

Problem = tuple[int, str, str]
"""(1-based line number, the line as printed, reason in Chinese)."""

INDICATOR_FIELDS: tuple[str, ...] = ("level1", "level2", "level3", "description", "value", "basis", "note")


def _build_level1_of() -> dict[str, str]:
    """二级 → 一级 over all shipped schemes; the first scheme that names a 二级 wins.

    Order matters for 成本指标: a 二级 of 产出指标 in the 2015 scheme (listed first)
    and a 一级 of its own in 2021, where its 二级 are 经济成本指标 etc.
    """
    level1_of: dict[str, str] = {}
    for scheme in SCHEMES:
        for level1, level2s in scheme["tree"].items():
            for level2 in level2s:
                level1_of.setdefault(level2, level1)
    return level1_of


LEVEL1_OF: dict[str, str] = _build_level1_of()
"""二级指标 → the 一级指标 that owns it (数量指标 → 产出指标, 履职效益 → 效益指标, …)."""

_SCHEME_LEVEL1: frozenset[str] = frozenset(l1 for scheme in SCHEMES for l1 in scheme["tree"])
_SCHEME_OWNERS: dict[str, frozenset[str]] = {
    level2: frozenset(l1 for s in SCHEMES for l1, l2s in s["tree"].items() if level2 in l2s) for level2 in LEVEL1_OF
}

# Header labels of the indicator grid → field. Compared after `_key` normalisation.
_HEADER_FIELDS: dict[str, str] = {
    "一级指标": "level1",
    "二级指标": "level2",
    "三级指标": "level3",
    "指标名称": "level3",
    "三级指标名称": "level3",
    "指标值": "value",
    "目标值": "value",
    "年度指标值": "value",
    "绩效指标描述": "description",
    "指标描述": "description",
    "指标值确定依据": "basis",
    "确定依据": "basis",
    "指标值说明": "note",
    "说明": "note",
    "备注": "note",
}

# Labels of whole blocks, printed in a merged first column; they carry no data.
_SECTION_LABELS: frozenset[str] = frozenset(
    {"年度主要任务", "主要任务", "预算情况", "年度绩效指标", "绩效指标", "年度绩效目标", "单位:万元", "金额单位:万元"}
)

_COMPARATOR = re.compile(r"^\s*(?:[≥≤＞＜＝=<>]|大于|小于|不低于|不少于|不超过|不高于|不大于|达到)")
_BARE_NUMBER = re.compile(r"^[\d.,]+\s*(?:%|[^\d\s]{0,4})$")
_DATE = re.compile(r"^\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?(?:底|前|内|以前)?(?:完成)?$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")

# The signature and review rows under a printed form: not table data, reported rather than guessed at.
_FOOTER = re.compile(
    r"^(?:填报单位|填报人|单位负责人|财务负责人|部门负责人|联系电话|填报日期|审核人|"
    r"主管部门审核意见|财政部门审核意见|审核意见)"
)
_FOOTER_REASON = "签署栏（填报人、联系电话、审核意见等）不是表格数据，未导入"

# The longest text each part may have: the max_length of the model field it is stored in
# (indicators.models.Indicator, tables.models.TargetTable/Task/Organisation; a test keeps
# them equal). PostgreSQL refuses longer text, so it is reported here, with its line.
FIELD_LIMITS: dict[str, int] = {
    "level1": 100,
    "level2": 100,
    "level3": 300,
    "value": 300,
    "basis": 300,
    "title": 300,
    "organization": 200,
    "task": 300,
}
_FIELD_NAMES = {
    "level1": "一级指标",
    "level2": "二级指标",
    "level3": "三级指标",
    "value": "指标值",
    "basis": "指标值确定依据",
    "title": "表名",
    "organization": "部门（单位）名称",
    "task": "任务名称",
}


def _too_long(field: str, text: str | None) -> str | None:
    """The reason a text is too long for its field, or None."""
    limit = FIELD_LIMITS[field]
    if text is None or len(text) <= limit:
        return None
    return f"“{_FIELD_NAMES[field]}”过长（{len(text)} 个字，最多 {limit} 个字），未导入"


def _key(text: str) -> str:
    """Normalised form for comparing labels: half-width punctuation, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _is_section_label(cell: str) -> bool:
    return _key(cell) in _SECTION_LABELS


def _header_field(cell: str) -> str | None:
    return _HEADER_FIELDS.get(_key(cell))


def _looks_like_value(cell: str) -> bool:
    """A 指标值 such as ≥95%, =83人, 100%, 2022年11月25日 — not a name."""
    text = cell.strip()
    if not text:
        return False
    if _COMPARATOR.match(text):
        return True
    text = unicodedata.normalize("NFKC", text)
    return bool(_BARE_NUMBER.match(text) or _DATE.match(text))


def _looks_like_amount(cell: str) -> bool:
    text = unicodedata.normalize("NFKC", cell).replace(" ", "").removesuffix("万元")
    return bool(_NUMBER.match(text) or _THOUSANDS.match(text))


def _amount(cell: str | None) -> str | None:
    """An amount as printed, thousands separators removed; empty → None."""
    if cell is None or not cell.strip():
        return None
    text = unicodedata.normalize("NFKC", cell).strip()
    return text.replace(",", "") if _THOUSANDS.match(text) else text


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _affinity(name: str, label: str) -> int:
    """How many character pairs a 三级 name shares with a category label."""
    return len(_bigrams(name) & _bigrams(label))


class _Categories:
    """Which names are 一级 and 二级, from the shipped schemes plus the layout's own tree."""

    def __init__(self, tree: dict[str, list[str]] | None):
        self.level1_of: dict[str, str] = dict(LEVEL1_OF)
        self.owners: dict[str, set[str]] = {k: set(v) for k, v in _SCHEME_OWNERS.items()}
        self.level1: set[str] = set(_SCHEME_LEVEL1)
        for level1, level2s in (tree or {}).items():
            self.level1.add(level1)
            for level2 in level2s:
                self.level1_of[level2] = level1  # the layout's own scheme decides
                self.owners.setdefault(level2, set()).add(level1)
        if tree:
            # 成本指标 is a 一级 in 2021 but a 二级 in 2015: the layout's scheme says which.
            self.level1 -= {name for names in tree.values() for name in names} - set(tree)

    def is_level1(self, name: str) -> bool:
        return name in self.level1

    def is_level2(self, name: str) -> bool:
        return name in self.level1_of

    def is_category(self, name: str) -> bool:
        return self.is_level1(name) or self.is_level2(name)

    def owns(self, level1: str, level2: str) -> bool:
        """Whether `level1` may hold `level2`; unknown 二级 (a province's own) are allowed anywhere."""
        return level2 not in self.owners or level1 in self.owners[level2]
