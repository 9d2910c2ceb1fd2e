"""Benchmark of the checks: time to check a 200-indicator table, and its query count.

Builds a department table with 200 indicators and 5 tasks inside a transaction
that is rolled back, so the database is left as it was.
"""

from __future__ import annotations

import statistics
import time

# Typical rows of a 部门整体 table: (一级, 二级, 三级 stem, 指标值).
_ROWS = [
    ("产出指标", "数量指标", "保障在职人员人数", "=83人"),
    ("产出指标", "数量指标", "软件信息维护数量", ">=9套"),
    ("产出指标", "数量指标", "办公楼日常维护总面积", "≥5423.98平方米"),
    ("产出指标", "质量指标", "系统故障率", "≤5%"),
    ("产出指标", "质量指标", "设备验收合格率", "≥95%"),
    ("产出指标", "时效指标", "系统故障修复处理时间", "≤1天"),
    ("产出指标", "时效指标", "设备采购完成时间", "2022年11月25日"),
    ("产出指标", "时效指标", "资金发放及时率", "≥95%"),
    ("产出指标", "时效指标", "平台故障维修处理时间", ">3天"),  # a wrong-way value, so findings are built too
    ("产出指标", "成本指标", "硬件、软件信息维护成本", "≤360.16万元"),
    ("产出指标", "成本指标", "会议人均支出标准", "≤245元/人/天"),
    ("效益指标", "社会效益指标", "提高财政工作社会影响力", "有效提高"),
    ("效益指标", "可持续影响指标", "系统正常运行使用年限", "≥1年"),
    ("满意度指标", "满意度指标", "使用人员满意度", "≥90%"),
]
_TASKS = [("保障人员经费", "1448.23"), ("保障正常运转", "104.86"), ("系统运行维护", "630.96"),
          ("监督检查", "149.9"), ("平稳运行", "162")]  # fmt: skip


def _document(size: int) -> dict:
    rows = []
    for i in range(size):
        level1, level2, name, value = _ROWS[i % len(_ROWS)]
        rows.append({"level1": level1, "level2": level2, "level3": f"{i + 1}.{name}", "description": None,
                     "value": value, "basis": None, "note": None})  # fmt: skip
    return {
        "format": "target-table/1",
        "source": "bench",
        "kind": "department",
        "year": 2022,
        "title": "部门（单位）整体支出绩效目标表",
        "organization": {"code": f"bench-{size}", "name": f"基准测试部门{size}"},
        "project": None,
        "mission": None,
        "goal": "目标1：保障运转。",
        "budget": {},
        "spending_plan": None,
        "tasks": [{"name": n, "content": "主要内容", "total": t, "fiscal": t, "other": None} for n, t in _TASKS],
        "indicators": rows,
    }


def run() -> list[tuple[str, str]]:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from indicators.checks import check_table
    from tables.checking import check_stored_table, shipped_layout
    from tables.imports.exchange import import_document, tables_for_export

    figures: list[tuple[str, str]] = []
    with transaction.atomic():
        ids = {size: import_document(_document(size), "bench").tables[0].pk for size in (20, 200)}

        queries = {}
        for size, pk in ids.items():
            with CaptureQueriesContext(connection) as ctx:
                check_stored_table(tables_for_export().get(pk=pk))
            queries[size] = len(ctx.captured_queries)

        stored = []
        for _ in range(30):
            start = time.perf_counter()
            findings = check_stored_table(tables_for_export().get(pk=ids[200]))
            stored.append(time.perf_counter() - start)

        table = tables_for_export().get(pk=ids[200])
        check_stored_table(table)  # fills the prefetch caches
        loaded = []
        for _ in range(30):
            start = time.perf_counter()
            check_stored_table(table)
            loaded.append(time.perf_counter() - start)
        transaction.set_rollback(True)

    layout, tree, params = shipped_layout("xinjiang-2022-dept")
    data = _document(200)
    pure = []
    for _ in range(30):
        start = time.perf_counter()
        check_table(data, layout=layout, scheme_tree=tree, params=params)
        pure.append(time.perf_counter() - start)

    ms = lambda xs: f"{statistics.median(xs) * 1000:.1f} ms"  # noqa: E731
    figures.append(("checks: 200-indicator stored table, fetch + check (median of 30; target < 20 ms)", ms(stored)))
    figures.append(("checks: 200-indicator table already loaded, check only (median of 30)", ms(loaded)))
    figures.append(("checks: 200-indicator exchange dict, check_table (median of 30)", ms(pure)))
    figures.append(("checks: queries for a 20- / 200-indicator table (constant)", f"{queries[20]} / {queries[200]}"))
    figures.append(("checks: findings on the 200-indicator table", str(len(findings))))
    return figures


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    for name, value in run():
        print(f"{name}: {value}")
