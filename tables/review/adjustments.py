"""年中调整 requested by the unit: a filler asks, the table's review levels decide.

    approved ──request──▶ (request at 主管部门审核 ──agree──▶) request at 财政审核
                                  │ refuse                      │ grant: workflow.reopen → draft (version + 1)
                                  ▼                             │ refuse
                          approved, refusal recorded ◀──────────┘

A request passes the same levels as the table's submissions (`workflow.stages_for`: one or two).
The bureau's grant is the bureau's own reopen (`workflow.reopen`, inside the same transaction):
there is one way a table leaves 已批复. Every step locks the table row first, checks the request is
still the one the user saw, and writes the audit log and the notifications; who may take it is
`permissions.can_request_adjustment` and `permissions.can_decide_adjustment`.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tables import permissions
from tables.fields import format_amount
from tables.models import AdjustmentRequest, AuditEntry, Stage, TargetTable
from tables.review import notifications, workflow
from tables.review.workflow import Blocked, StaleTransition, require_allowed

Status = TargetTable.Status
Outcome = AdjustmentRequest.Outcome


def pending_request(table: TargetTable) -> AdjustmentRequest | None:
    """The 年中调整 request of `table` still waiting for a decision."""
    return (
        AdjustmentRequest.objects.filter(table_id=table.pk, outcome=Outcome.PENDING)
        .select_related("requested_by", "department_by")
        .first()
    )


def _lock_approved(table: TargetTable) -> TargetTable:
    locked = workflow._lock(table.pk)
    if locked.status != Status.APPROVED:
        raise StaleTransition(f"该表当前状态为“{locked.get_status_display()}”，本次操作未执行（可能已被他人处理）。")
    return locked


def _budget_text(budget: Decimal | None, table: TargetTable) -> str:
    if budget is None:
        return ""
    was = format_amount(table.budget_total)
    return f"调整后预算总额 {format_amount(budget)} 万元" + (f"（原 {was} 万元）" if was else "")


def request_adjustment(
    table: TargetTable, user, *, reason: str, budget: Decimal | None = None, version: int | None = None
) -> AdjustmentRequest:
    """已批复 table: ask for a 年中调整 with a reason (and the changed budget total, 万元, if any)."""
    reason = (reason or "").strip()
    if not reason:
        raise Blocked("请填写申请年中调整的理由。")
    if budget is not None and budget < 0:
        raise Blocked("调整后的预算总额不能为负数。")
    with transaction.atomic():
        # Race: two fillers asking at once, or the bureau reopening the table meanwhile.
        locked = _lock_approved(table)
        require_allowed(permissions.can_request_adjustment(user, locked))
        if version is not None and locked.version != version:
            raise StaleTransition("打开页面后该表又有变化，本次未申请，请刷新页面后再操作。")
        if pending_request(locked) is not None:
            raise Blocked("该表已有一项年中调整申请正在审核，请等待审核结果。")
        revision = workflow.next_revision(locked) - 1
        request = AdjustmentRequest.objects.create(
            table=locked,
            revision=revision,
            reason=reason,
            budget=budget,
            requested_by=user,
            stage=workflow.stages_for(locked)[0],
        )
        workflow._audit(
            locked,
            user,
            AuditEntry.Action.ADJUSTMENT_REQUEST,
            what=f"申请年中调整（现行{workflow.revision_label(revision)}），送{Stage(request.stage).label}",
            new=_budget_text(budget, locked),
            note=reason,
        )
        notifications.adjustment_requested(locked, request)
    return request


def decide_adjustment(
    table: TargetTable, user, *, request_pk: int | None, agree: bool, note: str = ""
) -> AdjustmentRequest:
    """A reviewer of the request's level decides: at 主管部门审核 agree (on to the bureau) or refuse;
    at 财政审核 grant (the table reopens as a new version) or refuse. A refusal needs its reason."""
    note = (note or "").strip()
    if not agree and not note:
        raise Blocked("不同意年中调整申请时，请填写理由。")
    with transaction.atomic():
        # Race: two reviewers deciding the same request, or the filler's table reopened meanwhile.
        locked = _lock_approved(table)
        request = pending_request(locked)
        if request is None or (request_pk is not None and request.pk != request_pk):
            raise StaleTransition("这项年中调整申请已被处理，本次操作未执行，请刷新页面。")
        stage = request.stage
        require_allowed(permissions.can_decide_adjustment(user, locked, stage))
        now = timezone.now()
        if stage == Stage.DEPARTMENT:
            request.department_by, request.department_at, request.department_note = user, now, note
        if not agree:
            request.outcome, request.decided_by, request.decided_at, request.decision_note = (
                Outcome.REFUSED,
                user,
                now,
                note,
            )
            what = f"{Stage(stage).label}不同意年中调整申请，该表保持已批复"
        elif stage == Stage.DEPARTMENT:
            request.stage = Stage.FINANCE
            what = "主管部门同意年中调整申请，转报财政审核"
        else:
            request.outcome, request.decided_by, request.decided_at, request.decision_note = (
                Outcome.GRANTED,
                user,
                now,
                note,
            )
            what = "财政审核同意年中调整申请，撤销批复开启新版本"
        request.save()
        workflow._audit(
            locked,
            user,
            AuditEntry.Action.ADJUSTMENT_DECISION,
            what=what,
            old=f"申请理由：{request.reason}",
            new=_budget_text(request.budget, locked),
            note=note,
        )
        if request.outcome == Outcome.GRANTED:
            # The bureau's reopen itself, in this transaction: the same checks, version bump, log and notice.
            workflow.reopen(locked, user, reason=f"同意单位的年中调整申请：{request.reason}", version=locked.version)
        elif request.outcome == Outcome.PENDING:
            notifications.adjustment_requested(locked, request)
        notifications.adjustment_decided(locked, request)
    return request


__all__ = ["decide_adjustment", "pending_request", "request_adjustment"]
