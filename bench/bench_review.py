"""Benchmark of the review pages: the reviewer queue and the bureau dashboard of a round with
500 organisations and 1,500 tables — render time and query count (target < 100 ms, constant queries).

Everything is created inside a transaction that is rolled back, so the database is left as it was.
Pages are rendered through Django's test client (middleware, session, templates: the whole request).
"""

from __future__ import annotations

import statistics
import time

ORGS = 500
TABLES_PER_ORG = 3
REPEAT = 20


def _build():
    from django.contrib.auth import get_user_model
    from django.db.models import OuterRef, Subquery
    from django.utils import timezone

    from bench import scale
    from tables.models import Layout, Membership, Round, RoundOrganisation, Snapshot, TargetTable

    layout = Layout.objects.get(code="xinjiang-2022-dept")
    round_ = Round.objects.create(year=2099, title="基准批次", layout=layout, deadline=timezone.localdate())
    departments, units = scale.organisations(ORGS, code="bench", department_name="基准部门", unit_name="基准单位")
    organisations = departments + units
    statuses = list(TargetTable.Status.values)
    tables = TargetTable.objects.bulk_create(
        [
            TargetTable(
                organisation=o,
                year=2099,
                round=round_,
                layout=layout,
                kind="project",
                title=f"项目{k}",
                project_code=f"P-{o.code}-{k}",
                status=statuses[(i + k) % 4],
            )
            for i, o in enumerate(organisations)
            for k in range(TABLES_PER_ORG)
        ]
    )
    RoundOrganisation.objects.bulk_create([RoundOrganisation(round=round_, organisation=o) for o in organisations])
    now = timezone.now()
    Snapshot.objects.bulk_create(
        [
            Snapshot(
                table=t,
                number=1,
                table_version=1,
                data={},
                submitted_at=now - timezone.timedelta(minutes=i),
                outcome="pending" if t.status == "submitted" else "returned",
            )
            for i, t in enumerate(tables)
            if t.status in ("submitted", "returned")
        ]
    )
    latest = Snapshot.objects.filter(table=OuterRef("pk")).order_by("-number").values("submitted_at")[:1]
    TargetTable.objects.filter(round=round_, snapshots__isnull=False).update(submitted_at=Subquery(latest))
    User = get_user_model()
    admin = User.objects.create(username="bench-admin")
    Membership.objects.create(user=admin, role=Membership.Role.ADMIN)
    reviewer = User.objects.create(username="bench-reviewer")
    Membership.objects.bulk_create(
        [Membership(user=reviewer, organisation=d, role=Membership.Role.REVIEWER) for d in departments]
    )
    return round_, admin, reviewer, len(organisations), len(tables)


def _measure(client, url: str, params: dict) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params)  # warm: templates compiled, caches filled
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(url, params)
        times.append(time.perf_counter() - start)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, params)
    return statistics.median(times) * 1000, len(ctx.captured_queries), response.status_code


def run() -> list[tuple[str, str]]:
    from django.db import transaction
    from django.test import Client, override_settings
    from django.urls import reverse

    figures: list[tuple[str, str]] = []
    with override_settings(ALLOWED_HOSTS=["testserver"]), transaction.atomic():
        round_, admin, reviewer, n_orgs, n_tables = _build()
        for who, user in (("admin", admin), ("reviewer of 100 departments", reviewer)):
            client = Client()
            client.force_login(user)
            queue = _measure(client, reverse("review-queue"), {"round": round_.pk})
            dashboard = _measure(client, reverse("review-dashboard"), {"round": round_.pk})
            xlsx = _measure(client, reverse("review-dashboard-xlsx", args=[round_.pk]), {})
            assert queue[2] == dashboard[2] == xlsx[2] == 200, (queue, dashboard, xlsx)
            size = f"{n_orgs} orgs / {n_tables} tables, {who} (median of {REPEAT}; target < 100 ms)"
            figures += [
                (
                    f"review: queue, {size}",
                    f"{queue[0]:.1f} ms, {queue[1]} queries",
                ),
                (
                    f"review: dashboard, {size}",
                    f"{dashboard[0]:.1f} ms, {dashboard[1]} queries",
                ),
                (
                    f"review: dashboard xlsx download, {who} (median of {REPEAT})",
                    f"{xlsx[0]:.1f} ms, {xlsx[1]} queries",
                ),
            ]
        transaction.set_rollback(True)
    return figures


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TESTING", "1")
    django.setup()
    for name, value in run():
        print(f"{name}: {value}")
