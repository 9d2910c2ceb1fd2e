"""The table's own `submitted_at` (its latest submission's time, issue 15): kept by the workflow through
every transition, backfilled by its migration, and the key the queue orders and pages by."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone

from tables.models import Membership, Organisation, Round, RoundOrganisation, Snapshot, TargetTable
from tables.review import comments, workflow
from tables.review.views.queue import QUEUE_PAGE_SIZE
from tests.factories import MembershipFactory, layout
from tests.review.test_workflow import approve, department_reviewer, fresh, two_level_round

pytestmark = pytest.mark.django_db
Status = TargetTable.Status


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def latest_submission(table: TargetTable):
    snapshot = Snapshot.objects.filter(table=table).order_by("-number").first()
    return snapshot.submitted_at if snapshot else None


def stored(table: TargetTable):
    return TargetTable.objects.values_list("submitted_at", flat=True).get(pk=table.pk)


def test_the_field_follows_the_latest_submission_through_every_transition(world):
    two_level_round(world)
    dept = department_reviewer(world)
    filler = MembershipFactory(organisation=world.unit_a, role=Membership.Role.FILLER).user
    table = fresh(world.table_unit_a)
    assert stored(table) is None

    first = workflow.submit(table, filler)
    assert stored(table) == first.submitted_at
    workflow.withdraw(fresh(table), filler, snapshot_number=first.number)
    # withdrawn, the table is a draft again; its last submission is still the one it was
    assert fresh(table).status == Status.DRAFT and stored(table) == first.submitted_at

    second = workflow.submit(fresh(table), filler)
    assert second.submitted_at > first.submitted_at and stored(table) == second.submitted_at
    workflow.forward(fresh(table), dept, snapshot_number=second.number, opinion="同意上报")
    assert stored(table) == second.submitted_at
    comments.add_comment(fresh(table), world.reviewer_a, anchor="table", body="指标不够具体")
    workflow.return_table(fresh(table), world.reviewer_a, snapshot_number=second.number, reason="请细化指标")
    assert fresh(table).status == Status.RETURNED and stored(table) == second.submitted_at

    third = workflow.submit(fresh(table), filler)
    assert stored(table) == third.submitted_at
    workflow.forward(fresh(table), dept, snapshot_number=third.number)
    approve(fresh(table), world.reviewer_a, third.number)
    assert fresh(table).status == Status.APPROVED and stored(table) == third.submitted_at
    workflow.reopen(fresh(table), world.reviewer_a, reason="年中调整", version=fresh(table).version)
    assert fresh(table).status == Status.DRAFT and stored(table) == third.submitted_at

    fourth = workflow.submit(fresh(table), filler)
    assert stored(table) == fourth.submitted_at == latest_submission(table)


def test_the_migration_fills_in_the_latest_submission_of_tables_already_there(world):
    workflow.submit(world.table_a, world.filler_a)
    workflow.withdraw(fresh(world.table_a), world.filler_a, snapshot_number=1)
    workflow.submit(fresh(world.table_a), world.filler_a)
    workflow.submit(world.table_b, world.filler_b)
    TargetTable.objects.update(submitted_at=None)  # as before the migration
    import_module("tables.migrations.0022_table_submitted_at").backfill(django_apps, None)
    for table in TargetTable.objects.all():
        assert table.submitted_at == latest_submission(table), table.title
    assert stored(world.table_a) == Snapshot.objects.get(table=world.table_a, number=2).submitted_at
    assert stored(world.table_unit_a) is None  # never submitted


def _submitted_round(n: int) -> tuple[Round, list[TargetTable]]:
    """`n` submitted tables of 部门 units with submission times in shuffled order, and one draft."""
    round_ = Round.objects.create(year=2026, title="排序批次", layout=layout())
    orgs = Organisation.objects.bulk_create([Organisation(code=f"Q{i:03d}", name=f"排序单位{i}") for i in range(n + 1)])
    RoundOrganisation.objects.bulk_create([RoundOrganisation(round=round_, organisation=o) for o in orgs])
    now = timezone.now()
    tables = TargetTable.objects.bulk_create(
        [
            TargetTable(
                organisation=o, year=2026, round=round_, layout=layout(), kind="department", title="整体",
                status=Status.SUBMITTED if i < n else Status.DRAFT,
                submitted_at=now - timedelta(minutes=(i * 7) % n) if i < n else None,
            )
            for i, o in enumerate(orgs)
        ]
    )  # fmt: skip
    Snapshot.objects.bulk_create(
        [
            Snapshot(table=t, number=1, table_version=1, data={}, submitted_at=t.submitted_at)
            for t in tables
            if t.submitted_at
        ]
    )
    return round_, tables


def test_the_queue_pages_oldest_submission_first_and_never_more_than_a_page(client, world):
    n = QUEUE_PAGE_SIZE + 5
    round_, tables = _submitted_round(n)
    client.force_login(world.admin)
    seen = []
    for number in (1, 2):
        page = client.get(reverse("review-queue"), {"round": round_.pk, "status": "all", "page": number})
        rows = list(page.context["page"])
        assert len(rows) <= QUEUE_PAGE_SIZE
        seen += rows
    assert len(seen) == n + 1 and len({t.pk for t in seen}) == n + 1
    expected = sorted(tables[:n], key=lambda t: (t.submitted_at, t.pk))
    assert [t.pk for t in seen[:n]] == [t.pk for t in expected]
    assert seen[-1].pk == tables[-1].pk and seen[-1].submitted_at is None  # never submitted: last
