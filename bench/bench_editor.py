"""Benchmark of the editor: server time to render step 4 (绩效指标) with 60 and 200 indicators, and
of one row save (autosave of a cell), with their query counts.

Requests go through the whole Django stack (middleware, session, templates) with the test client,
as a filler of the table's organisation. Everything is created inside a transaction that is rolled
back, so the database is left as it was. Targets: < 30 ms for 60 rows, < 15 ms per row save,
queries constant in the number of rows.
"""

from __future__ import annotations

import os
import platform
import statistics
import time

_ROWS = [
    ("产出指标", "数量指标", "保障在职人员人数", "=83人"),
    ("产出指标", "数量指标", "软件信息维护数量", ">=9套"),
    ("产出指标", "质量指标", "系统故障率", "≤5%"),
    ("产出指标", "质量指标", "设备验收合格率", "≥95%"),
    ("产出指标", "时效指标", "系统故障修复处理时间", "≤1天"),
    ("产出指标", "时效指标", "资金发放及时率", "≥95%"),
    ("产出指标", "成本指标", "会议人均支出标准", "≤245元/人/天"),
    ("效益指标", "社会效益指标", "提高财政工作社会影响力", "有效提高"),
    ("效益指标", "可持续影响指标", "系统正常运行使用年限", "≥1年"),
    ("满意度指标", "满意度指标", "使用人员满意度", "≥90%"),
]
REPEAT = 40
# What htmx sends for a row's inputs (the test client would send multipart by default).
_FORM = "application/x-www-form-urlencoded"


def _table(organisation, size: int):
    from decimal import Decimal

    from indicators.models import Indicator
    from tables.models import Layout, TargetTable, Task

    table = TargetTable.objects.create(
        organisation=organisation,
        year=2030 + size,
        layout=Layout.objects.get(code="xinjiang-2022-dept"),
        kind="department",
        title="部门（单位）整体支出绩效目标表",
        goal="目标1：保障运转。",
    )
    Task.objects.bulk_create(
        Task(table=table, position=i, name=f"任务{i}", content="主要内容", total=Decimal("100"), fiscal=Decimal("100"))
        for i in range(1, 6)
    )
    Indicator.objects.bulk_create(
        Indicator(table=table, position=i + 1, level1=l1, level2=l2, level3=f"{i + 1}.{name}", value=value)
        for i, (l1, l2, name, value) in ((i, _ROWS[i * len(_ROWS) // size]) for i in range(size))
    )
    return table


def _median_ms(samples: list[tuple[float, float]]) -> str:
    """Median wall time, the fastest run, and the median CPU time of the server's process.

    A shared 2-core VM is noisy from one run to the next (time stolen by its neighbours
    counts in wall time, not in CPU time), so the CPU time is the steadier figure.
    """
    wall = [w for w, _ in samples]
    cpu = [c for _, c in samples]
    return (
        f"{statistics.median(wall) * 1000:.1f} ms (fastest {min(wall) * 1000:.1f} ms; "
        f"CPU {statistics.median(cpu) * 1000:.1f} ms)"
    )


def run() -> list[tuple[str, str]]:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse
    from django.utils.http import urlencode

    from indicators.models import Indicator
    from tables.editor.editing import row_fingerprint
    from tables.models import Membership, Organisation

    figures: list[tuple[str, str]] = [
        ("editor: machine", f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
                            f"{connection.vendor}"),
    ]  # fmt: skip
    with override_settings(ALLOWED_HOSTS=["testserver"]), transaction.atomic():
        organisation = Organisation.objects.create(code="bench-editor", name="基准测试部门（编辑器）")
        user = get_user_model().objects.create_user("bench-editor-filler", password=None)
        Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.FILLER)
        client = Client()
        client.force_login(user)

        render: dict[int, tuple[list[tuple[float, float]], int]] = {}
        for size in (60, 200):
            table = _table(organisation, size)
            url = reverse("editor-step", args=[table.pk, "indicators"])
            client.get(url)  # warm: templates compiled, caches filled
            samples = []
            for _ in range(REPEAT):
                start, cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                samples.append((time.perf_counter() - start, time.process_time() - cpu))
                assert response.status_code == 200
            with CaptureQueriesContext(connection) as ctx:
                client.get(url)
            render[size] = (samples, len(ctx.captured_queries))

        saves: dict[int, tuple[list[tuple[float, float]], int]] = {}
        for size in (60, 200):
            table = Organisation.objects.get(pk=organisation.pk).tables.get(year=2030 + size)
            row = Indicator.objects.filter(table=table).order_by("position").first()
            url = reverse("editor-row", args=[table.pk, "indicators", row.pk])
            samples, queries = [], 0
            for i in range(REPEAT + 1):
                row.refresh_from_db()
                data = {"level1": row.level1, "level2": row.level2, "level3": row.level3,
                        "value": f"≥{90 + i % 9}%", "base": row_fingerprint(row)}  # fmt: skip
                with CaptureQueriesContext(connection) as ctx:
                    start, cpu = time.perf_counter(), time.process_time()
                    response = client.post(url, urlencode(data), content_type=_FORM, headers={"HX-Request": "true"})
                    elapsed = (time.perf_counter() - start, time.process_time() - cpu)
                assert response.status_code == 200, response.status_code
                if i:  # the first is a warm-up
                    samples.append(elapsed)
                    queries = len(ctx.captured_queries)
            saves[size] = (samples, queries)
        transaction.set_rollback(True)

    figures += [
        ("editor: render step 4 with 60 indicators (median of 40; target < 30 ms)", _median_ms(render[60][0])),
        ("editor: render step 4 with 200 indicators (median of 40)", _median_ms(render[200][0])),
        ("editor: queries rendering step 4, 60 / 200 indicators (constant)", f"{render[60][1]} / {render[200][1]}"),
        (
            "editor: one row save in a 60-row table, incl. checks (median of 40; target < 15 ms)",
            _median_ms(saves[60][0]),
        ),
        ("editor: one row save in a 200-row table (median of 40)", _median_ms(saves[200][0])),
        ("editor: queries per row save, 60 / 200 rows (constant)", f"{saves[60][1]} / {saves[200][1]}"),
    ]
    return figures


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TESTING", "1")
    django.setup()
    for name, value in run():
        print(f"{name}: {value}")
