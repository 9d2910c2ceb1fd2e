"""The catalog of common indicators (指标库), suggestions while typing, and last year's values.

Suggestions for a 三级 name come from two places: the catalog (shipped
examples plus indicators reviewers added with 纳入指标库) and the
organisation's own tables of earlier years. Last year's value (上年指标值)
is looked up by name in the organisation's latest approved table before
this one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet, Subquery

from indicators import record
from indicators.models import CatalogEntry, Indicator

# Shipped examples: (一级, 二级, 三级, 参考指标值, 指标值确定依据). Loaded by migration 0005;
# the 2015/2020 scheme's categories, the most common in the seeds.
COMMON_INDICATORS: list[tuple[str, str, str, str, str]] = [
    ("产出指标", "数量指标", "保障在职人员人数", "=83人", "计划标准"),
    ("产出指标", "数量指标", "公务用车保障数量", "=9辆", "计划标准"),
    ("产出指标", "数量指标", "培训人次", "≥500人次", "计划标准"),
    ("产出指标", "数量指标", "开展监督检查次数", "≥2次", "计划标准"),
    ("产出指标", "数量指标", "办公楼日常维护面积", "≥5423.98平方米", "计划标准"),
    ("产出指标", "质量指标", "资金使用合规率", "=100%", "行业标准"),
    ("产出指标", "质量指标", "项目验收合格率", "≥95%", "行业标准"),
    ("产出指标", "质量指标", "系统故障率", "≤5%", "历史标准"),
    ("产出指标", "质量指标", "政府采购执行率", "≥95%", "计划标准"),
    ("产出指标", "时效指标", "资金发放及时率", "≥95%", "计划标准"),
    ("产出指标", "时效指标", "资金支付及时率", "≥95%", "计划标准"),
    ("产出指标", "时效指标", "项目完成时间", "年底前完成", "计划标准"),
    ("产出指标", "时效指标", "故障修复响应时间", "≤1天", "行业标准"),
    ("产出指标", "成本指标", "人均运转经费", "≤1.26万元", "预算支出标准"),
    ("产出指标", "成本指标", "会议人均支出标准", "≤245元/人/天", "预算支出标准"),
    ("产出指标", "成本指标", "日常维护总成本", "≤62万元", "预算支出标准"),
    ("效益指标", "经济效益指标", "设备利用率", "≥95%", "历史标准"),
    ("效益指标", "社会效益指标", "政策知晓率", "≥90%", "计划标准"),
    ("效益指标", "社会效益指标", "信息公开率", "=100%", "其他标准"),
    ("效益指标", "社会效益指标", "群众办事便利程度", "显著提高", "其他标准"),
    ("效益指标", "生态效益指标", "环境污染事件发生次数", "=0次", "行业标准"),
    ("效益指标", "可持续影响指标", "长效管理机制健全性", "健全", "其他标准"),
    ("效益指标", "可持续影响指标", "问题整改落实率", "≥95%", "计划标准"),
    ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%", "历史标准"),
    ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "历史标准"),
    ("满意度指标", "服务对象满意度指标", "受益对象投诉次数", "≤1次", "历史标准"),
]

_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*[.、)）]|[(（]\d+[)）]|[一二三四五六七八九十]+、)")
_SPACE = re.compile(r"\s+")


def name_key(name: str | None) -> str:
    """A 三级 name for matching: half-width, no spaces, no leading numbering (`1.`, `（2）`, `三、`)."""
    text = unicodedata.normalize("NFKC", name or "")
    text = _SPACE.sub("", text)
    return _NUMBERING.sub("", text)


@dataclass(frozen=True)
class Suggestion:
    name: str
    value: str
    level2: str
    source: str  # "指标库" or e.g. "2025年"


def suggest(
    query: str, *, organisation_id: int, before_year: int, level2: str = "", limit: int = 12
) -> list[Suggestion]:
    """三级 names containing `query`: the organisation's earlier years first, then the catalog.

    Names in the same 二级 as the row come before the others. Two queries.
    """
    q = _SPACE.sub("", query or "")
    if not q:
        return []
    history = (
        Indicator.objects.filter(
            table__organisation_id=organisation_id, table__year__lt=before_year, level3__icontains=q
        )
        .order_by("-table__year", "position")
        .values_list("level3", "value", "level2", "table__year")[: limit * 3]
    )
    catalog = (
        CatalogEntry.objects.filter(active=True, level3__icontains=q)
        .order_by("level1", "level2", "level3")
        .values_list("level3", "value", "level2")[: limit * 2]
    )
    found: list[tuple[int, int, Suggestion]] = []
    seen: set[str] = set()
    for order, (name, value, row_level2, year) in enumerate(history):
        key = name_key(name)
        if key and key not in seen:
            seen.add(key)
            found.append((row_level2 != level2, order, Suggestion(name, value, row_level2, f"{year}年")))
    for order, (name, value, row_level2) in enumerate(catalog, start=len(found)):
        key = name_key(name)
        if key and key not in seen:
            seen.add(key)
            found.append((row_level2 != level2, order, Suggestion(name, value, row_level2, "指标库")))
    found.sort(key=lambda item: (item[0], item[1]))
    return [s for _, _, s in found[:limit]]


def last_year_values(previous_tables: QuerySet) -> dict[str, tuple[int, str]]:
    """{name_key(三级): (year, 指标值)} from the first of `previous_tables`. One query.

    Pass the organisation's earlier approved tables, newest first
    (`TargetTable.objects.approved_before(table)`): which tables count as last
    year's is a question for `tables`.
    """
    rows = Indicator.objects.filter(table_id=Subquery(previous_tables.values("pk")[:1])).values_list(
        "level3", "value", "table__year"
    )
    values: dict[str, tuple[int, str]] = {}
    for name, value, year in rows:
        values.setdefault(name_key(name), (year, value))
    return values


def accumulations(rows: Iterable[dict]) -> list[str]:
    """累计型 / 时点型 for each row (a dict with `level2`, `level3`, `unit` and its own `accumulation`):
    its own when set, else the default of `record.default_accumulation`, which takes the library's where
    an active entry of the same 三级 name says it (the one under the same 二级 first). One query."""
    rows = list(rows)
    keys = {name_key(row.get("level3")) for row in rows if not row.get("accumulation")}
    by_name: dict[str, dict[str, str]] = {}
    if keys:
        entries = CatalogEntry.objects.filter(active=True, retired_at__isnull=True).exclude(accumulation="")
        for level2, level3, accumulation in entries.filter(level3__in=keys).values_list(
            "level2", "level3", "accumulation"
        ):
            by_name.setdefault(name_key(level3), {}).setdefault(level2, accumulation)
    found = []
    for row in rows:
        own = row.get("accumulation") or ""
        if own in record.ACCUMULATIONS:
            found.append(own)
            continue
        matches = by_name.get(name_key(row.get("level3")), {})
        catalog = matches.get(row.get("level2") or "") or next(iter(matches.values()), "")
        found.append(record.default_accumulation(row.get("level3"), row.get("unit"), catalog))
    return found
