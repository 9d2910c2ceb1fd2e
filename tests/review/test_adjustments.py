"""年中调整 requested by the unit: the request, its levels, the bureau's grant (the reopen) and refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tables import permissions
from tables.models import AdjustmentRequest, AuditEntry, Membership, Notification, Stage, TargetTable
from tables.review import adjustments, workflow
from tests.conftest import log_in
from tests.factories import MembershipFactory
from tests.review.test_workflow import approve, department_reviewer, fresh, two_level_round

pytestmark = pytest.mark.django_db

Status = TargetTable.Status
Outcome = AdjustmentRequest.Outcome


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def approved(table, filler, reviewer, dept=None):
    snapshot = workflow.submit(fresh(table), filler)
    if dept is not None:
        workflow.forward(fresh(table), dept, snapshot_number=snapshot.number, opinion="同意上报")
    approve(fresh(table), reviewer, snapshot.number)
    return fresh(table)


def test_a_one_level_request_granted_by_the_bureau_reopens_the_table_as_the_next_version(world):
    table = approved(world.table_a, world.filler_a, world.reviewer_a)
    assert "request_adjustment" in permissions.available_actions(table, world.filler_a)
    request = adjustments.request_adjustment(
        table, world.filler_a, reason="追加专项资金", budget=Decimal("120.50"), version=table.version
    )
    assert request.stage == Stage.FINANCE and request.outcome == Outcome.PENDING
    assert fresh(table).status == Status.APPROVED  # asking changes nothing yet
    assert AdjustmentRequest.objects.get().budget == Decimal("120.50")
    assert Notification.objects.filter(recipient=world.reviewer_a, kind=Notification.Kind.ADJUSTMENT).exists()
    pending = adjustments.pending_request(table)
    assert "decide_adjustment" in permissions.available_actions(fresh(table), world.reviewer_a, None, pending)
    assert "request_adjustment" not in permissions.available_actions(fresh(table), world.filler_a, None, pending)
    with pytest.raises(workflow.Blocked, match="正在审核"):
        adjustments.request_adjustment(fresh(table), world.filler_a, reason="再申请一次")

    version = fresh(table).version
    adjustments.decide_adjustment(fresh(table), world.reviewer_a, request_pk=request.pk, agree=True, note="同意调整")
    table = fresh(table)
    assert table.status == Status.DRAFT and table.version == version + 1
    request.refresh_from_db()
    assert request.outcome == Outcome.GRANTED and request.decided_by == world.reviewer_a
    log = list(table.audit_entries.values_list("action", "what", "note", "new"))
    asked = next(e for e in log if e[0] == AuditEntry.Action.ADJUSTMENT_REQUEST)
    assert asked[2] == "追加专项资金" and "120.50 万元" in asked[3]
    decided = next(e for e in log if e[0] == AuditEntry.Action.ADJUSTMENT_DECISION)
    assert "同意" in decided[1] and decided[2] == "同意调整"
    reopened = next(e for e in log if e[0] == AuditEntry.Action.REOPEN)  # the bureau's own reopen path
    assert "第 1 次调整" in reopened[1] and "追加专项资金" in reopened[2]
    assert AuditEntry.objects.filter(table=table, action=AuditEntry.Action.REOPEN).count() == 1
    # The next approval is the first adjustment.
    snapshot = workflow.submit(table, world.filler_a)
    assert workflow.revision_label(snapshot.revision) == "第 1 次调整"


def test_a_two_level_request_passes_the_department_first_and_a_refusal_keeps_the_table_approved(world):
    two_level_round(world)
    dept = department_reviewer(world)
    filler = MembershipFactory(organisation=world.unit_a, role=Membership.Role.FILLER).user
    table = approved(world.table_unit_a, filler, world.reviewer_a, dept)
    request = adjustments.request_adjustment(table, filler, reason="项目地点变更")
    assert request.stage == Stage.DEPARTMENT
    with pytest.raises(workflow.NotAllowed, match="主管部门"):
        adjustments.decide_adjustment(fresh(table), world.reviewer_a, request_pk=request.pk, agree=True)
    adjustments.decide_adjustment(fresh(table), dept, request_pk=request.pk, agree=True, note="情况属实")
    request.refresh_from_db()
    assert request.stage == Stage.FINANCE and request.outcome == Outcome.PENDING
    with pytest.raises(workflow.NotAllowed, match="财政审核人"):
        adjustments.decide_adjustment(fresh(table), dept, request_pk=request.pk, agree=False, note="不行")
    with pytest.raises(workflow.Blocked, match="理由"):
        adjustments.decide_adjustment(fresh(table), world.reviewer_a, request_pk=request.pk, agree=False)
    adjustments.decide_adjustment(
        fresh(table), world.reviewer_a, request_pk=request.pk, agree=False, note="调整幅度小，按原批复执行"
    )
    request.refresh_from_db()
    assert request.outcome == Outcome.REFUSED and request.decision_note == "调整幅度小，按原批复执行"
    assert fresh(table).status == Status.APPROVED
    assert request.decisions()[0].startswith("主管部门审核（") and "同意。情况属实" in request.decisions()[0]
    assert "不同意，保持已批复。调整幅度小" in request.decisions()[1]
    assert Notification.objects.filter(recipient=filler, message__contains="未获同意").exists()
    # A refused request is done: the unit may ask again.
    assert adjustments.request_adjustment(fresh(table), filler, reason="再次申请").stage == Stage.DEPARTMENT


def test_a_request_is_refused_without_a_reason_on_a_table_not_approved_or_from_someone_else(world):
    with pytest.raises(workflow.Blocked, match="理由"):
        adjustments.request_adjustment(world.table_a, world.filler_a, reason="  ")
    with pytest.raises(workflow.StaleTransition, match="草稿"):
        adjustments.request_adjustment(world.table_a, world.filler_a, reason="调整")
    table = approved(world.table_a, world.filler_a, world.reviewer_a)
    with pytest.raises(workflow.NotAllowed, match="填报人"):
        adjustments.request_adjustment(table, world.reviewer_a, reason="调整")
    refusal = permissions.can_request_adjustment(world.filler_b, table)
    assert refusal.reason == "只有本部门（单位）的填报人可以申请年中调整。"
    with pytest.raises(workflow.StaleTransition):
        adjustments.request_adjustment(table, world.filler_a, reason="调整", version=table.version - 1)
    assert not AdjustmentRequest.objects.exists()


def test_a_request_decided_after_the_bureau_reopened_on_its_own_changes_nothing(world):
    table = approved(world.table_a, world.filler_a, world.reviewer_a)
    request = adjustments.request_adjustment(table, world.filler_a, reason="调整")
    with pytest.raises(workflow.Blocked, match="原因"):
        workflow.reopen(fresh(table), world.reviewer_a, reason="", version=None)
    workflow.reopen(fresh(table), world.reviewer_a, reason="财政局统一调整", version=None)
    with pytest.raises(workflow.StaleTransition):
        adjustments.decide_adjustment(fresh(table), world.reviewer_a, request_pk=request.pk, agree=True)
    request.refresh_from_db()
    assert request.outcome == Outcome.PENDING


def test_the_table_page_shows_the_request_form_open_and_the_history_shows_request_and_decision(client, world):
    table = approved(world.table_a, world.filler_a, world.reviewer_a)
    log_in(client, world.filler_a)
    page = client.get(table.get_absolute_url()).content.decode()
    assert 'id="adjustment"' in page and "申请年中调整" in page
    assert page.index('id="adjustment"') < page.index('class="official"')  # above the table, not folded away
    response = client.post(
        reverse("review-adjustment-request", args=[table.pk]),
        {"version": table.version, "reason": "新增采购任务", "budget": "88.5"},
    )
    assert response.status_code == 302
    assert AdjustmentRequest.objects.get().budget == Decimal("88.5")
    refused = client.post(reverse("review-adjustment-request", args=[table.pk]), {"version": table.version})
    assert refused.status_code == 302
    log_in(client, world.reviewer_a)
    review = client.get(reverse("review-table", args=[table.pk])).content.decode()
    assert "新增采购任务" in review and 'class="mb-2 adjustment-decide"' in review
    request = AdjustmentRequest.objects.get()
    response = client.post(
        reverse("review-adjustment-decide", args=[table.pk]), {"request": request.pk, "decision": "refuse"}
    )
    assert response.status_code == 302 and AdjustmentRequest.objects.get().outcome == Outcome.PENDING
    client.post(
        reverse("review-adjustment-decide", args=[table.pk]),
        {"request": request.pk, "decision": "agree", "note": "同意"},
    )
    assert fresh(table).status == Status.DRAFT
    history = client.get(reverse("review-audit", args=[table.pk])).content.decode()
    for text in ("申请年中调整", "新增采购任务", "审核调整申请", "财政审核同意年中调整申请", "撤销批复"):
        assert text in history
