"""The review workflow: the moves of a table from state to state (who may make them: `tables/permissions.py`).

    draft ──submit──▶ submitted ──return──▶ returned ──submit──▶ submitted …
      ▲                 │   │  (forward: 主管部门审核 → 财政审核, stays submitted)
      └───withdraw──────┘   └──approve──▶ approved ──reopen──▶ draft (version + 1)

Every transition runs in one transaction and first locks the table row
(`select_for_update`), then checks the state the caller saw: a request made
from a stale page (another reviewer was faster, the filler withdrew, the table
was edited after the page was rendered) raises `StaleTransition` and changes
nothing. Functions take domain objects, never a request.

One module of ~500 lines on purpose: the transitions share the lock-then-check
steps and the snapshot and decision writes, and reading them side by side is how
a reviewer of this code sees that every move keeps the same rules.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tables import permissions
from tables.checking import check_stored_table
from tables.imports.exchange import export_table, tables_for_export
from tables.models import (
    AuditEntry,
    Comment,
    ReviewDecision,
    Snapshot,
    Stage,
    TargetTable,
)
from tables.review import notifications

Status = TargetTable.Status
CHECKLIST = ReviewDecision.CHECKLIST


class TransitionError(Exception):
    """A move that cannot happen now; the message says why, in Chinese."""


class NotAllowed(TransitionError):
    """The user has no right to make this move on this table."""


class StaleTransition(TransitionError):
    """The table is no longer in the state the user saw; nothing was changed."""


class Blocked(TransitionError):
    """The move is allowed but something is missing (errors in the checks, a reason, a comment)."""


def require_allowed(answer: permissions.Answer) -> None:
    """Refuse the move with the rule's reason (`tables/permissions.py` says who may make it)."""
    if not answer:
        raise NotAllowed(answer.reason)


# ---------------------------------------------------------------- the route and the versions


def stages_for(table: TargetTable) -> list[str]:
    """The review levels a submission of `table` passes, in order.

    A 单位's table in a two-level round goes to its 主管部门 first; a 部门's own
    table, a one-level round or a table outside any round goes straight to the bureau.
    """
    round_ = table.round
    if round_ is not None and round_.review_levels == 2 and table.organisation.parent_id is not None:
        return [Stage.DEPARTMENT, Stage.FINANCE]
    return [Stage.FINANCE]


def pending_snapshot(table: TargetTable) -> Snapshot | None:
    return Snapshot.objects.filter(table_id=table.pk, outcome=Snapshot.Outcome.PENDING).first()


def next_revision(table: TargetTable) -> int:
    """The 版次 the next submission belongs to: 1 before the first approval, then one more per approval."""
    approved = Snapshot.objects.filter(
        table_id=table.pk, outcome__in=[Snapshot.Outcome.APPROVED, Snapshot.Outcome.SUPERSEDED]
    ).aggregate(n=Max("revision"))["n"]
    return (approved or 0) + 1


def revision_label(revision: int) -> str:
    return "年初版" if revision <= 1 else f"第 {revision - 1} 次调整"


def approved_snapshot(table: TargetTable) -> Snapshot | None:
    """The approved version that is valid now (it stays valid while a reopened version is edited)."""
    return Snapshot.objects.filter(table_id=table.pk, outcome=Snapshot.Outcome.APPROVED).order_by("-number").first()


# ---------------------------------------------------------------- helpers


def fingerprint(data: dict) -> str:
    """A short hash of a table's content (exchange dict with ids): a submit carries the one the filler saw."""
    raw = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def current_data(table: TargetTable) -> dict:
    """The table as it is now, in the exchange format with row ids (prefetch tasks/indicators for speed)."""
    return export_table(table, with_ids=True)


def _lock(pk: int, *, full: bool = False) -> TargetTable:
    """The table row, locked until the transaction ends (only this row, not its organisation or layout)."""
    qs = tables_for_export() if full else TargetTable.objects.select_related("organisation")
    return qs.select_related("round").select_for_update(of=("self",)).get(pk=pk)


def _label(status: str) -> str:
    return Status(status).label


def _set_status(table: TargetTable, status: str, user, **fields) -> None:
    now = timezone.now()
    TargetTable.objects.filter(pk=table.pk).update(status=status, updated_at=now, updated_by=user, **fields)
    table.status = status
    table.updated_at = now
    for key, value in fields.items():
        setattr(table, key, value)


def _audit(table: TargetTable, user, action: str, *, what: str = "", old: str = "", new: str = "", note: str = ""):
    return AuditEntry.objects.create(
        table_id=table.pk,
        version=table.version,
        user=user,
        action=action,
        what=what[:300],
        old=old,
        new=new,
        note=note,
    )


def _pending(locked: TargetTable, number: int | None) -> Snapshot:
    """The submission under review, if it is still the one the user saw (`number`)."""
    if locked.status != Status.SUBMITTED:
        raise StaleTransition(f"该表当前状态为“{_label(locked.status)}”，本次操作未执行（可能已被他人处理）。")
    pending = pending_snapshot(locked)
    if pending is None or (number is not None and pending.number != number):
        raise StaleTransition("该表已撤回或重新提交，本次操作未执行，请刷新页面后再操作。")
    return pending


def display_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def open_threads(table: TargetTable):
    """The comment threads of `table` not yet resolved."""
    return Comment.objects.filter(table_id=table.pk, parent__isnull=True, resolved=False)


# ---------------------------------------------------------------- transitions


def submit(table: TargetTable, user, *, fingerprint_seen: str | None = None, warning_reason: str = "") -> Snapshot:
    """草稿/已退回 → 已提交: freeze a snapshot; blocked by errors in the checks; warnings need a reason."""
    with transaction.atomic():
        # Race: two fillers submitting at once, or a submit racing an edit saved after the page was shown.
        locked = _lock(table.pk, full=True)
        require_allowed(permissions.can_submit(user, locked))
        if locked.status not in (Status.DRAFT, Status.RETURNED):
            raise StaleTransition(f"该表当前状态为“{_label(locked.status)}”，不能提交。")
        data = current_data(locked)
        if fingerprint_seen and fingerprint_seen != fingerprint(data):
            raise StaleTransition("打开页面后表格又被修改过，本次未提交。请刷新页面核对内容后再提交。")
        findings = check_stored_table(locked)
        errors = [f for f in findings if f.severity == "error"]
        if errors:
            listed = "；".join(f.message for f in errors[:3])
            raise Blocked(f"智能审核发现 {len(errors)} 项错误，须修改后才能提交：{listed}")
        warnings = [f for f in findings if f.severity == "warning"]
        reason = (warning_reason or "").strip()
        if warnings and not reason:
            raise Blocked(f"智能审核有 {len(warnings)} 项警告，请填写提交说明（审核人可见）后再提交。")
        number = (Snapshot.objects.filter(table=locked).aggregate(n=Max("number"))["n"] or 0) + 1
        revision = next_revision(locked)
        snapshot = Snapshot.objects.create(
            table=locked,
            number=number,
            revision=revision,
            table_version=locked.version,
            data=data,
            stage=stages_for(locked)[0],
            submitted_by=user,
            warning_reason=reason,
            warnings=[f.as_dict() for f in warnings],
        )
        old = locked.status
        _set_status(locked, Status.SUBMITTED, user, submitted_at=snapshot.submitted_at)
        _audit(
            locked,
            user,
            AuditEntry.Action.SUBMIT,
            what=f"第 {number} 次提交（{revision_label(revision)}）",
            old=_label(old),
            new=_label(Status.SUBMITTED),
            note=reason,
        )
        notifications.submitted(locked, snapshot)
    return snapshot


def withdraw(table: TargetTable, user, *, snapshot_number: int | None) -> Snapshot:
    """已提交 → 草稿 (or back to 已退回): only while no reviewer has opened the submission."""
    with transaction.atomic():
        # Race: the reviewer opening or deciding the submission while the filler withdraws it.
        locked = _lock(table.pk)
        require_allowed(permissions.can_withdraw(user, locked))
        pending = _pending(locked, snapshot_number)
        if pending.opened_at is not None:
            raise Blocked("审核人已开始审核，不能撤回；如需修改，请联系审核人退回。")
        pending.outcome = Snapshot.Outcome.WITHDRAWN
        pending.closed_at = timezone.now()
        pending.save(update_fields=["outcome", "closed_at"])
        previous = Snapshot.objects.filter(table=locked, number__lt=pending.number).order_by("-number").first()
        status = Status.RETURNED if previous and previous.outcome == Snapshot.Outcome.RETURNED else Status.DRAFT
        _set_status(locked, status, user)
        _audit(
            locked,
            user,
            AuditEntry.Action.WITHDRAW,
            what=f"撤回第 {pending.number} 次提交",
            old=_label(Status.SUBMITTED),
            new=_label(status),
        )
        notifications.withdrawn(locked, pending, user)
    return pending


def mark_opened(table: TargetTable, user) -> bool:
    """A reviewer of the current level opened the submission: from now on the filler cannot withdraw it."""
    pending = pending_snapshot(table)
    if (
        pending is None
        or pending.opened_at_this_stage  # a 主管部门's opening is not the bureau's
        or pending.stage not in permissions.reviewer_stages(user, table)
    ):
        return False
    with transaction.atomic():
        # Race: the filler withdrawing at the moment the reviewer opens the table.
        locked = _lock(table.pk)
        pending = pending_snapshot(locked)
        if locked.status != Status.SUBMITTED or pending is None or pending.opened_at_this_stage:
            return False
        pending.opened_at = timezone.now()
        pending.opened_by = user
        pending.opened_stage = pending.stage
        pending.save(update_fields=["opened_at", "opened_by", "opened_stage"])
        _audit(locked, user, AuditEntry.Action.OPEN, what=f"开始审核第 {pending.number} 次提交")
    return True


def forward(table: TargetTable, user, *, snapshot_number: int | None, opinion: str = "") -> ReviewDecision:
    """主管部门审核 passes the submission on to 财政审核 (the table stays 已提交)."""
    with transaction.atomic():
        # Race: two department reviewers deciding at once, or the filler withdrawing meanwhile.
        locked = _lock(table.pk)
        pending = _pending(locked, snapshot_number)
        if pending.stage != Stage.DEPARTMENT:
            raise StaleTransition("该表已转报财政审核，本次操作未执行。")
        require_allowed(permissions.can_forward(user, locked))
        decision = ReviewDecision.objects.create(
            table=locked,
            snapshot=pending,
            stage=Stage.DEPARTMENT,
            action=ReviewDecision.Action.FORWARD,
            reviewer=user,
            opinion=(opinion or "").strip(),
        )
        pending.stage = Stage.FINANCE
        pending.save(update_fields=["stage"])
        TargetTable.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
        _audit(
            locked,
            user,
            AuditEntry.Action.FORWARD,
            what=f"第 {pending.number} 次提交转报财政审核",
            old=Stage.DEPARTMENT.label,
            new=Stage.FINANCE.label,
            note=decision.opinion,
        )
        notifications.forwarded(locked, pending, user)
    return decision


def return_table(table: TargetTable, user, *, snapshot_number: int | None, reason: str) -> ReviewDecision:
    """已提交 → 已退回, at either level: needs a reason and at least one comment on this submission."""
    reason = (reason or "").strip()
    if not reason:
        raise Blocked("请填写退回原因。")
    with transaction.atomic():
        # Race: two reviewers deciding the same submission (one returns, one approves), or a withdrawal.
        locked = _lock(table.pk)
        pending = _pending(locked, snapshot_number)
        require_allowed(permissions.can_return(user, locked, pending.stage))
        if not Comment.objects.filter(table=locked, snapshot=pending, parent__isnull=True).exists():
            raise Blocked("退回前请至少添加一条批注，指出需要修改的地方。")
        decision = ReviewDecision.objects.create(
            table=locked,
            snapshot=pending,
            stage=pending.stage,
            action=ReviewDecision.Action.RETURN,
            reviewer=user,
            opinion=reason,
        )
        pending.outcome = Snapshot.Outcome.RETURNED
        pending.closed_at = timezone.now()
        pending.save(update_fields=["outcome", "closed_at"])
        _set_status(locked, Status.RETURNED, user)
        _audit(
            locked,
            user,
            AuditEntry.Action.RETURN,
            what=f"{Stage(pending.stage).label}退回第 {pending.number} 次提交",
            old=_label(Status.SUBMITTED),
            new=_label(Status.RETURNED),
            note=reason,
        )
        notifications.returned(locked, pending, decision)
    return decision


@dataclass(frozen=True)
class Approval:
    """What a 批复 says: 审核意见, the 四性 checklist, a grade and the 公开 flag.

    `checklist` maps each stem of `ReviewDecision.CHECKLIST` to (passed, remark).
    """

    opinion: str
    checklist: dict[str, tuple[bool, str]]
    published: bool
    grade: str = ""
    unpublished_reason: str = ""

    def cleaned(self) -> Approval:
        """The approval with its texts stripped; `Blocked` when something is missing or wrong."""
        opinion = (self.opinion or "").strip()
        unpublished_reason = (self.unpublished_reason or "").strip()
        if not opinion:
            raise Blocked("请填写审核意见。")
        checklist = self.checklist
        missing = [label for stem, label in CHECKLIST if stem not in checklist or checklist[stem][0] is None]
        if missing:
            raise Blocked(f"请完成四性审核：{'、'.join(missing)}。")
        if self.grade and self.grade not in ReviewDecision.Grade.values:
            raise Blocked("评级只能是优、良、中、差。")
        if not self.published and not unpublished_reason:
            raise Blocked("不公开时请填写不公开的原因。")
        return replace(self, opinion=opinion, unpublished_reason=unpublished_reason)

    def checklist_fields(self) -> dict:
        """The decision's `<stem>_passed` and `<stem>_remark` fields."""
        fields = {}
        for stem, _ in CHECKLIST:
            passed, remark = self.checklist[stem]
            fields[f"{stem}_passed"] = bool(passed)
            fields[f"{stem}_remark"] = (remark or "").strip()[:500]
        return fields


def approve(table: TargetTable, user, approval: Approval, *, snapshot_number: int | None) -> ReviewDecision:
    """已提交 → 已批复 at the last level, with the reviewer's `approval`.

    The approved snapshot becomes the valid version; an earlier approved one is superseded.
    Comment threads still open are resolved with it (the decision's `closed_threads` says how many).
    """
    approval = approval.cleaned()
    with transaction.atomic():
        # Race: two reviewers deciding the same submission (one approves, one returns), or a withdrawal.
        locked = _lock(table.pk)
        pending = _pending(locked, snapshot_number)
        if pending.stage != Stage.FINANCE:
            raise Blocked("该表尚在主管部门审核环节，须由主管部门审核转报后才能批复。")
        require_allowed(permissions.can_approve(user, locked))
        decision = ReviewDecision.objects.create(
            table=locked,
            snapshot=pending,
            stage=Stage.FINANCE,
            action=ReviewDecision.Action.APPROVE,
            reviewer=user,
            opinion=approval.opinion,
            grade=approval.grade,
            published=approval.published,
            unpublished_reason="" if approval.published else approval.unpublished_reason,
            **approval.checklist_fields(),
        )
        Snapshot.objects.filter(table=locked, outcome=Snapshot.Outcome.APPROVED).update(
            outcome=Snapshot.Outcome.SUPERSEDED
        )
        pending.outcome = Snapshot.Outcome.APPROVED
        pending.closed_at = timezone.now()
        pending.save(update_fields=["outcome", "closed_at"])
        _set_status(locked, Status.APPROVED, user)
        _audit(
            locked,
            user,
            AuditEntry.Action.APPROVE,
            what=f"批复第 {pending.number} 次提交（{revision_label(pending.revision)}）",
            old=_label(Status.SUBMITTED),
            new=_label(Status.APPROVED),
            note=approval.opinion,
        )
        # Approving accepts the version as it stands: a thread left open would wait forever on a locked
        # table. The approve form says how many it closes; the log keeps which, so none closes unseen.
        closed = list(open_threads(locked).values_list("pk", "row_label"))
        if closed:
            open_threads(locked).update(resolved=True, resolved_by=user, resolved_at=timezone.now())
            _audit(
                locked,
                user,
                AuditEntry.Action.APPROVE,
                what=f"批复时将 {len(closed)} 条未解决的批注标为已解决",
                note="；".join(label or "整张表" for _pk, label in closed),
            )
        decision.closed_threads = len(closed)
        notifications.approved(locked, pending, decision)
    return decision


def reopen(table: TargetTable, user, *, reason: str, version: int | None) -> TargetTable:
    """已批复 → 草稿 with a new version (调整); the approved snapshot stays valid until the new one is approved."""
    reason = (reason or "").strip()
    if not reason:
        raise Blocked("请填写撤销批复（调整）的原因。")
    with transaction.atomic():
        # Race: two reviewers reopening at once (the version would be bumped twice).
        locked = _lock(table.pk)
        if locked.status != Status.APPROVED or (version is not None and locked.version != version):
            raise StaleTransition(f"该表当前状态为“{_label(locked.status)}”，或已被他人修改，本次操作未执行。")
        require_allowed(permissions.can_reopen(user, locked))
        revision = next_revision(locked)
        # The version bump also tells any editor page opened before the reopen that the table moved on.
        _set_status(locked, Status.DRAFT, user, version=locked.version + 1)
        _audit(
            locked,
            user,
            AuditEntry.Action.REOPEN,
            what=f"撤销批复，开启{revision_label(revision)}",
            old=f"{_label(Status.APPROVED)}（{revision_label(revision - 1)}）",
            new=f"{_label(Status.DRAFT)}（{revision_label(revision)}）",
            note=reason,
        )
        notifications.reopened(locked, user, reason)
    return locked


# ---------------------------------------------------------------- for the printed PDF


def approval_meta(snapshot: Snapshot) -> dict:
    """`meta` for `tables.exports.render_pdf`: status, reviewer, date, 审核意见, 四性 checklist, grade."""
    decisions = list(snapshot.decisions.select_related("reviewer"))
    approval = next((d for d in decisions if d.action == ReviewDecision.Action.APPROVE), None)
    department = next((d for d in decisions if d.action == ReviewDecision.Action.FORWARD), None)
    meta: dict = {
        "status": "approved" if approval else "submitted",
        "filler": display_name(snapshot.submitted_by),
        "filled_at": timezone.localdate(snapshot.submitted_at),
        "revision": revision_label(snapshot.revision),
    }
    if department is not None:
        meta["department_opinion"] = department.opinion
        meta["department_reviewer"] = display_name(department.reviewer)
        meta["department_reviewed_at"] = timezone.localdate(department.decided_at)
    if approval is not None:
        meta.update(
            status_label="已批复" if snapshot.outcome == Snapshot.Outcome.APPROVED else "已批复（已被新版本替代）",
            reviewer=display_name(approval.reviewer),
            approved_at=timezone.localdate(approval.decided_at),
            opinion=approval.opinion,
            grade=approval.grade,
            checklist=approval.checklist(),
            published=approval.published,
            unpublished_reason=approval.unpublished_reason,
        )
    return meta


__all__ = [
    "Approval",
    "Blocked",
    "NotAllowed",
    "StaleTransition",
    "TransitionError",
    "approval_meta",
    "approve",
    "approved_snapshot",
    "fingerprint",
    "forward",
    "mark_opened",
    "open_threads",
    "pending_snapshot",
    "reopen",
    "return_table",
    "stages_for",
    "submit",
    "withdraw",
]
