"""After the 主管部门 forwards a table, the bureau's queue still marks it 未开始审核 (issue 19).

The first level's opening locks the filler out of withdrawing; it is not the bureau's opening.
"""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from tables.models import AuditEntry, Membership, Snapshot, Stage
from tables.review import workflow
from tests.factories import MembershipFactory
from tests.review.test_workflow import department_reviewer, two_level_round

pytestmark = pytest.mark.django_db


def queue_row(client, table) -> str:
    body = client.get(reverse("review-queue")).content.decode()
    link = body.index(f'href="{reverse("review-table", args=[table.pk])}"')
    return body[body.rindex("<tr", 0, link) : body.index("</tr>", link)]


def test_the_bureau_queue_keeps_unopened_after_the_department_forwards(client, world):
    two_level_round(world)
    unit_filler = MembershipFactory(organisation=world.unit_a, role=Membership.Role.FILLER).user
    dept = department_reviewer(world)
    table = world.table_unit_a
    workflow.submit(table, unit_filler)
    assert workflow.mark_opened(table, dept)
    client.force_login(dept)
    assert "未开始审核" not in queue_row(client, table)
    workflow.forward(table, dept, snapshot_number=1, opinion="同意")

    client.force_login(world.reviewer_a)  # 部门A's bureau reviewer
    assert "未开始审核" in queue_row(client, table)
    page = client.get(reverse("review-table", args=[table.pk])).content.decode()
    assert reverse("review-open", args=[table.pk]) in page  # 开始审核 is offered at the bureau's level
    pending = Snapshot.objects.get(table=table)
    assert not pending.opened_at_this_stage and pending.opened_at is not None
    assert "withdraw" not in workflow.permissions.available_actions(table, unit_filler, pending)

    assert workflow.mark_opened(table, world.reviewer_a)
    assert "未开始审核" not in queue_row(client, table)
    opened = AuditEntry.objects.filter(table=table, action=AuditEntry.Action.OPEN).order_by("pk")
    assert [entry.user for entry in opened] == [dept, world.reviewer_a]
    with pytest.raises(workflow.Blocked):
        workflow.withdraw(table, unit_filler, snapshot_number=1)


def test_the_migration_records_who_opened_the_submissions_already_there(world):
    two_level_round(world)
    unit_filler = MembershipFactory(organisation=world.unit_a, role=Membership.Role.FILLER).user
    dept = department_reviewer(world)
    workflow.submit(world.table_unit_a, unit_filler)
    workflow.mark_opened(world.table_unit_a, dept)
    workflow.forward(world.table_unit_a, dept, snapshot_number=1)
    workflow.submit(world.table_b, world.filler_b)
    workflow.mark_opened(world.table_b, world.reviewer_b)
    Snapshot.objects.filter(opened_at__isnull=False).update(opened_stage="")  # as before the migration
    import_module("tables.migrations.0013_snapshot_opened_stage").record_opened_stage(django_apps, None)
    forwarded = Snapshot.objects.get(table=world.table_unit_a)
    assert (forwarded.stage, forwarded.opened_stage) == (Stage.FINANCE, Stage.DEPARTMENT)
    assert Snapshot.objects.get(table=world.table_b).opened_stage == Stage.FINANCE
