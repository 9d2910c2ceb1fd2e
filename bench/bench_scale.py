"""`make bench-scale`: a province on PostgreSQL — 10,000 organisations, 30,000 tables, ~600,000
indicators — built in one transaction with COPY, then every list page measured at that size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/target_tables_scale python -m bench.bench_scale

The database named by DATABASE_URL is dropped and created again (it must be a PostgreSQL database
of its own, never the demo's); `--keep` measures the data a previous run left instead of rebuilding.
Each page is rendered through Django's test client (middleware, session, templates: the whole
request), 20 times after a warm-up; the figure is the median, with the page's query count and whether
PostgreSQL's plan for any of its queries reads tables or indicators sequentially (`EXPLAIN`).
Then the bulk export of 2,000 tables: the export job run by `manage.py db_worker --batch` in its own
process (rendering in two processes), its time and each process's peak RSS (`--no-export` skips it,
`--export-only` measures it alone). Figures are printed and appended to docs/benchmarks.md with the
machine noted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/target_tables_scale"
REPEAT = 20
YEAR = 2031

DEPARTMENTS = 2_500
UNITS_PER_DEPARTMENT = 3  # 2,500 主管部门 + 7,500 units = 10,000 organisations
PROJECTS_PER_ORGANISATION = 2  # with its department table: 3 tables an organisation, 30,000 in all
INDICATORS_PER_TABLE = 20  # 600,000 indicators
REVIEWED_DEPARTMENTS = 2_000  # the reviewer's share: 8,000 organisations, 24,000 tables
NOTIFICATIONS_PER_USER = 20_000
EXPORT_DEPARTMENTS = 250  # the exporter's share: 250 主管部门 × 4 organisations × 2 project tables = 2,000
BIG_TABLES = ("tables_targettable", "indicators_indicator")

# The indicator rows a table gets, cycled: (一级, 二级, 三级, 指标值). 满意度 values straddle 90%.
_ROWS = [
    ("产出指标", "数量指标", "完成培训人次", "≥{n}人次"),
    ("产出指标", "数量指标", "设备购置数量", "={n}台"),
    ("产出指标", "数量指标", "项目覆盖乡镇数", "≥{n}个"),
    ("产出指标", "质量指标", "验收合格率", "≥95%"),
    ("产出指标", "质量指标", "资金使用合规率", "=100%"),
    ("产出指标", "时效指标", "任务按时完成率", "≥98%"),
    ("产出指标", "时效指标", "资金拨付及时率", "=100%"),
    ("产出指标", "成本指标", "项目总成本", "≤{n}万元"),
    ("产出指标", "成本指标", "人均培训成本", "≤{n}元"),
    ("效益指标", "经济效益指标", "带动就业人数", "≥{n}人"),
    ("效益指标", "社会效益指标", "群众知晓率", "≥85%"),
    ("效益指标", "社会效益指标", "政策覆盖率", "≥90%"),
    ("效益指标", "生态效益指标", "绿化面积增加", "≥{n}亩"),
    ("效益指标", "可持续影响指标", "长效机制建立情况", "健全"),
    ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥{pct}%"),
    ("满意度指标", "服务对象满意度指标", "群众满意度", "≥{pct}%"),
    ("满意度指标", "服务对象满意度指标", "受训人员满意度", "≥{pct}%"),
    ("产出指标", "数量指标", "开展宣传活动次数", "≥{n}次"),
    ("产出指标", "质量指标", "档案资料完整率", "=100%"),
    ("效益指标", "社会效益指标", "投诉办结率", "≥95%"),
]
_STATUSES = ["draft", "submitted", "returned", "approved"]


def _connect_admin(url: str):
    """A connection to the server's `postgres` database (to drop and create the bench's own)."""
    from urllib.parse import urlparse

    import psycopg

    u = urlparse(url)
    return psycopg.connect(
        host=u.hostname or "127.0.0.1",
        port=u.port or 5432,
        user=u.username or "postgres",
        password=u.password,
        dbname="postgres",
        autocommit=True,
    ), u.path.lstrip("/")


def recreate_database(url: str) -> None:
    connection, name = _connect_admin(url)
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def _copy(cursor, model, rows: list[dict]) -> None:
    """COPY `rows` (field name → value; every other column its default) into `model`'s table."""
    from django.db import connection
    from psycopg.types.json import Jsonb

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    names = [f.attname for f in fields]
    with cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            values = []
            for name in names:
                value = row[name] if name in row else defaults[name]
                values.append(Jsonb(value) if name in json_fields else value)
            copy.write_row(values)


def build() -> dict:
    """The province, in one transaction. Returns the counts and the users to measure with."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from indicators.models import Indicator
    from tables.models import (
        Layout,
        Membership,
        Notification,
        Organisation,
        OverallGoal,
        Round,
        RoundOrganisation,
        Snapshot,
        TargetTable,
    )

    started = time.perf_counter()
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        cursor = connection.cursor().cursor  # psycopg's own cursor: COPY
        dept_layout = Layout.objects.get(code="xinjiang-2022-dept")
        project_layout = Layout.objects.get(code="hebei-2023-project")
        dept_round = Round.objects.create(
            year=YEAR, title=f"{YEAR}年部门整体绩效目标（规模基准）", layout=dept_layout, deadline=today
        )
        project_round = Round.objects.create(
            year=YEAR,
            title=f"{YEAR}年项目支出绩效目标（规模基准）",
            layout=project_layout,
            deadline=today - timedelta(days=3),
        )

        _copy(
            cursor,
            Organisation,
            [{"code": f"S{d:05d}", "name": f"规模部门{d}", "parent_id": None} for d in range(DEPARTMENTS)],
        )
        department_ids = dict(Organisation.objects.filter(code__startswith="S").values_list("code", "pk"))
        _copy(
            cursor,
            Organisation,
            [
                {"code": f"S{d:05d}-{u}", "name": f"规模单位{d}-{u}", "parent_id": department_ids[f"S{d:05d}"]}
                for d in range(DEPARTMENTS)
                for u in range(UNITS_PER_DEPARTMENT)
            ],
        )
        organisations = list(
            Organisation.objects.filter(code__startswith="S").order_by("code").values_list("pk", "code", "parent_id")
        )
        _copy(
            cursor,
            RoundOrganisation,
            [
                {"round_id": r.pk, "organisation_id": pk}
                for r in (dept_round, project_round)
                for pk, _, _ in organisations
            ],
        )
        _copy(
            cursor,
            OverallGoal,
            [
                {"organisation_id": pk, "year": YEAR, "goal": "保障部门正常运转，完成年度重点工作。"}
                for code, pk in department_ids.items()
            ],
        )

        tables = []
        for index, (pk, code, _parent) in enumerate(organisations):
            common = {"organisation_id": pk, "year": YEAR, "version": 1 + index % 7, "source": "规模基准"}
            common |= {"created_at": now, "updated_at": now}
            tables.append(
                {
                    **common,
                    "round_id": dept_round.pk,
                    "layout_id": dept_layout.pk,
                    "kind": "department",
                    "title": "部门整体绩效目标表",
                    "status": _STATUSES[index % 4],
                }
            )
            for k in range(PROJECTS_PER_ORGANISATION):
                tables.append(
                    {
                        **common,
                        "round_id": project_round.pk,
                        "layout_id": project_layout.pk,
                        "kind": "project",
                        "title": "项目支出绩效目标表",
                        "project_code": f"1302{index:06d}{k}",
                        "project_name": f"{code}专项资金项目{k + 1}",
                        "budget_total": Decimal("120.00") + k,
                        "status": _STATUSES[(index + k + 1) % 4],
                        "position": k + 1,
                    }
                )
        _copy(cursor, TargetTable, tables)
        stored = list(
            TargetTable.objects.filter(year=YEAR).order_by("pk").values_list("pk", "status", "organisation_id")
        )

        indicators = []
        for n, (table_id, _status, _org) in enumerate(stored):
            for position in range(1, INDICATORS_PER_TABLE + 1):
                level1, level2, level3, value = _ROWS[(n + position) % len(_ROWS)]
                pct = 80 + (n * 7 + position) % 20  # 80–99: some 满意度 targets under 90%
                value = value.format(n=10 + (n + position) % 90, pct=pct)
                number = Decimal(pct) if "{pct}" in _ROWS[(n + position) % len(_ROWS)][3] else None
                indicators.append(
                    {
                        "table_id": table_id,
                        "position": position,
                        "level1": level1,
                        "level2": level2,
                        "level3": level3,
                        "value": value,
                        "number": number,
                        "comparator": "≥" if number is not None else "",
                        "unit": "%" if number is not None else "",
                    }
                )
        _copy(cursor, Indicator, indicators)

        snapshots = []
        for n, (table_id, status, _org) in enumerate(stored):
            if status == "draft":
                continue
            outcome = {"submitted": "pending", "returned": "returned", "approved": "approved"}[status]
            submitted = now - timedelta(hours=1 + n % 500)
            snapshots.append(
                {
                    "table_id": table_id,
                    "number": 1,
                    "table_version": 1,
                    "data": {},
                    "stage": "finance",
                    "outcome": outcome,
                    "submitted_at": submitted,
                    "opened_at": None if outcome == "pending" and n % 3 else submitted + timedelta(minutes=30),
                    "closed_at": None if outcome == "pending" else submitted + timedelta(hours=2),
                }
            )
        _copy(cursor, Snapshot, snapshots)
        # The table's copy of its latest submission time, as review.workflow.submit keeps it.
        cursor.execute(
            "UPDATE tables_targettable t SET submitted_at = s.submitted_at FROM tables_snapshot s"
            " WHERE s.table_id = t.id AND s.number = 1"
        )

        User = get_user_model()
        hashed = make_password("scale-2031")
        admin = User.objects.create(username="scale-admin", password=hashed)
        reviewer = User.objects.create(username="scale-reviewer", password=hashed)
        Membership.objects.create(user=admin, role=Membership.Role.ADMIN)
        reviewed = [department_ids[f"S{d:05d}"] for d in range(REVIEWED_DEPARTMENTS)]
        Membership.objects.bulk_create(
            [Membership(user=reviewer, organisation_id=pk, role=Membership.Role.REVIEWER) for pk in reviewed]
        )
        notifications = []
        for user in (admin, reviewer):
            for n in range(NOTIFICATIONS_PER_USER):
                table_id = stored[n % len(stored)][0]
                notifications.append(
                    {
                        "recipient_id": user.pk,
                        "table_id": table_id,
                        "kind": "submitted",
                        "message": f"规模基准：第 {n} 张表已提交",
                        "url": f"/review/tables/{table_id}/",
                        "created_at": now - timedelta(minutes=n),
                        "read_at": now if n % 2 else None,
                    }
                )
        _copy(cursor, Notification, notifications)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        # What autovacuum does soon after a load: statistics for the planner, and the visibility map
        # an index-only scan needs (measured right after the load, the pages would see neither).
        cursor.execute("VACUUM ANALYZE")
    return {
        "seconds": seconds,
        "organisations": len(organisations),
        "tables": len(stored),
        "indicators": len(indicators),
        "snapshots": len(snapshots),
        "notifications": len(notifications),
    }


def _seq_scans(queries: list[dict]) -> list[str]:
    """The big tables PostgreSQL's plans read sequentially for these queries."""
    from django.db import connection

    found = set()
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            found |= {name for name in BIG_TABLES if f"Seq Scan on {name}" in plan}
    return sorted(found)


def measure(client, url: str, params: dict | None = None) -> dict:
    """The page's median wall time and the median CPU time of this process (the app server's own
    work: on a loaded machine the wall time also holds the waits for a core), over REPEAT renders,
    its query count, the big tables read sequentially, and the status."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    params = params or {}
    client.get(url, params)  # warm: templates compiled, caches filled
    wall, cpu = [], []
    for _ in range(REPEAT):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, params)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, params)
    return {
        "ms": statistics.median(wall) * 1000,
        "cpu_ms": statistics.median(cpu) * 1000,
        "queries": len(ctx.captured_queries),
        "scans": _seq_scans(ctx.captured_queries),
        "status": response.status_code,
    }


def pages(round_pk: int, department_pk: int) -> list[tuple[str, str, dict]]:
    """(label, url, query) of every page measured, for both users."""
    from django.urls import reverse

    drill_down = reverse("review-dashboard-department", args=[round_pk, department_pk])

    return [
        ("queue (default: waiting)", reverse("review-queue"), {}),
        ("queue, round, all statuses", reverse("review-queue"), {"round": round_pk, "status": "all"}),
        ("dashboard", reverse("review-dashboard"), {"round": round_pk}),
        ("home list", reverse("home"), {}),
        ("booklet list", reverse("booklets"), {}),
        ("notifications", reverse("review-notifications"), {}),
        ("search tables: project code 13020", reverse("search"), {"q": "13020"}),
        ("search tables: organisation name 规模部门1", reverse("search"), {"q": "规模部门1"}),
        ("search tables: a term nothing holds", reverse("search"), {"q": "没有这个词"}),
        ("search indicators: 满意度 under 90%", reverse("search"), {"indicator": "满意度", "below": "90"}),
        ("search indicators: a rare name 长效机制", reverse("search"), {"indicator": "长效机制"}),
        ("dashboard drill-down into one 主管部门", drill_down, {}),
    ]


def run_pages() -> list[tuple[str, str]]:
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings

    from tables.models import Organisation, Round

    User = get_user_model()
    round_ = Round.objects.get(year=YEAR, layout__code="hebei-2023-project")
    department = Organisation.objects.get(code="S00001")
    figures = []
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        for who, username in (
            ("admin", "scale-admin"),
            (f"reviewer of {REVIEWED_DEPARTMENTS:,} 主管部门", "scale-reviewer"),
        ):
            client = Client()
            client.force_login(User.objects.get(username=username))
            for label, url, params in pages(round_.pk, department.pk):
                m = measure(client, url, params)
                if m["status"] != 200:
                    raise RuntimeError(f"{label} ({who}) answered {m['status']}")
                scanned = f"; seq scan on {', '.join(m['scans'])}" if m["scans"] else ""
                figures.append(
                    (
                        f"scale: {label}, {who}",
                        f"{m['ms']:.1f} ms (app CPU {m['cpu_ms']:.1f} ms), {m['queries']} queries{scanned}",
                    )
                )
                print(f"  {figures[-1][0]:<60} {figures[-1][1]}", flush=True)
    return figures


def _process_tree(root: int) -> list[int]:
    """`root` and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def _peak_rss_mb(pid: int) -> float | None:
    """A live process's peak RSS so far (VmHWM), or None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def bulk_export() -> tuple[str, str]:
    """The export job (tables/exports/jobs.py) of 2,000 tables, run by `manage.py db_worker` in its own
    process, which renders the PDFs in its render processes (two on 2 cores: tables/exports/bulk.py):
    the wall time, and each process's peak RSS (read from /proc while it runs)."""
    import subprocess
    import tempfile

    from django.contrib.auth import get_user_model
    from django.test import override_settings

    from tables.exports import jobs
    from tables.models import ExportJob, Membership, Organisation, Round, TargetTable

    exporter, created = get_user_model().objects.get_or_create(username="scale-exporter")
    if created:
        departments = Organisation.objects.filter(parent__isnull=True, code__startswith="S").order_by("code")
        Membership.objects.bulk_create(
            [
                Membership(user=exporter, organisation=d, role=Membership.Role.REVIEWER)
                for d in departments[:EXPORT_DEPARTMENTS]
            ]
        )
    ExportJob.objects.filter(created_by=exporter).delete()  # a previous run's job (and its per-person limit)
    round_ = Round.objects.get(year=YEAR, layout__code="hebei-2023-project")
    with (
        tempfile.TemporaryDirectory(prefix="scale-export-") as media,
        override_settings(MEDIA_ROOT=media),
        tempfile.TemporaryFile() as log,
    ):
        job = jobs.start_job(exporter, round_=round_, filters={"statuses": list(TargetTable.Status.values)})
        env = {**os.environ, "MEDIA_ROOT": media}
        command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay"]
        start = time.perf_counter()
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
        peaks: dict[int, float] = {}
        helpers: set[int] = set()  # multiprocessing's resource tracker / fork server: not render workers
        while worker.poll() is None:
            for pid in _process_tree(worker.pid):
                if (mb := _peak_rss_mb(pid)) is not None:
                    peaks[pid] = max(peaks.get(pid, 0.0), mb)
                    if pid not in helpers and _is_helper(pid):
                        helpers.add(pid)
            time.sleep(0.2)
        seconds = time.perf_counter() - start
        job.refresh_from_db()
        if worker.returncode or job.status != ExportJob.Status.DONE:
            log.seek(0)
            raise RuntimeError(f"bulk export: job {job.status} {job.error} {log.read().decode()[-2000:]}")
        zipped = sum(f.stat().st_size for f in Path(media, "exports").glob("*.zip"))
    main_mb = peaks.pop(worker.pid, 0.0)
    helper_mb = [peaks.pop(pid) for pid in helpers if pid in peaks]
    renderers = ", ".join(f"{mb:.0f} MB" for mb in sorted(peaks.values(), reverse=True)) or "none seen"
    helper = f", multiprocessing helper {max(helper_mb):.0f} MB" if helper_mb else ""
    return (
        f"scale: bulk export, {job.done:,} tables, {len(peaks)} render workers (manage.py db_worker)",
        f"{seconds:.1f} s ({seconds / job.done * 1000:.0f} ms/table), zip {zipped / 1e6:.0f} MB; peak RSS: "
        f"worker process {main_mb:.0f} MB, render processes {renderers}{helper}",
    )


def _is_helper(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"resource_tracker" in command or b"forkserver" in command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="measure the data a previous run built")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--no-export", action="store_true", help="measure the pages only, not the bulk export")
    parser.add_argument("--export-only", action="store_true", help="measure the bulk export only, not the pages")
    args = parser.parse_args(argv)

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not url.startswith(("postgres://", "postgresql://")):
        print("make bench-scale 需要 PostgreSQL：DATABASE_URL 应为 postgres://…", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TESTING", "1")
    sys.path.insert(0, str(ROOT))
    if not args.keep:
        recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    from bench.__main__ import machine

    load = " / ".join(f"{n:.1f}" for n in os.getloadavg())
    figures: list[tuple[str, str]] = [("scale: machine load average at the start (1 / 5 / 15 min; 2 cores)", load)]
    print(f"  {figures[0][0]:<60} {figures[0][1]}", flush=True)
    if not args.keep:
        call_command("migrate", verbosity=0, interactive=False)
        built = build()
        figures.append(
            (
                "scale: data built in one transaction (COPY; target < 120 s)",
                f"{built['seconds']:.1f} s: {built['organisations']:,} organisations, {built['tables']:,} tables, "
                f"{built['indicators']:,} indicators, {built['snapshots']:,} submissions, "
                f"{built['notifications']:,} notifications",
            )
        )
        print(f"  {figures[-1][0]:<60} {figures[-1][1]}", flush=True)
    if not args.export_only:
        figures += run_pages()
    if not args.no_export:
        figures.append(bulk_export())
        print(f"  {figures[-1][0]:<60} {figures[-1][1]}", flush=True)
    if not args.no_write:
        _append(machine(), figures)
    return 0


def _append(machine_rows: list[tuple[str, str]], figures: list[tuple[str, str]]) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    lines = [
        "",
        f"## scale ({datetime.now():%Y-%m-%d %H:%M}, `make bench-scale`)",
        "",
        f"Median of {REPEAT} renders through the test client; the target is < 100 ms a page with a query",
        "count that does not grow with the data. The machine (2 cores) may be shared: with other work",
        'running (the load average above), the wall times are upper bounds; "app CPU" is the CPU this',
        "process spent on the request (the app server's own work), less affected by the waits for a core.",
        "",
        "| figure | value |",
        "|---|---|",
    ]
    lines += [f"| {label} | {value.replace('|', '/')} |" for label, value in machine_rows + figures]
    path.write_text(text.rstrip("\n") + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    print("已追加到 docs/benchmarks.md")


if __name__ == "__main__":
    sys.exit(main())
