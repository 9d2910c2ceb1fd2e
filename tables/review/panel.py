"""The review panel of a table's page: its status, versions, last return, 年中调整 requests, comments and audit."""

from __future__ import annotations

from django.db.models import Prefetch

from tables import permissions
from tables.imports.exchange import tables_for_export
from tables.models import (
    AdjustmentRequest,
    Comment,
    ReviewDecision,
    Snapshot,
    TargetTable,
    table_identity,
)
from tables.review import comments, workflow
from tables.review.forms import AdjustmentDecisionForm, AdjustmentRequestForm, ReopenForm, SubmitForm

Status = TargetTable.Status


AUDIT_ON_PAGE = 30


def table_page_context(table: TargetTable, user, findings=None) -> dict:
    """What the table page shows of the review: actions, the valid approved version, submissions,
    comments and the latest audit entries. `table` comes from `tables_for_export()`."""
    snapshots = _snapshots(table)
    pending = next((s for s in snapshots if s.outcome == Snapshot.Outcome.PENDING), None)
    requests = adjustment_requests(table, snapshots)
    adjustment = next((r for r in requests if r.outcome == AdjustmentRequest.Outcome.PENDING), None)
    actions = permissions.available_actions(table, user, pending, adjustment)
    data = workflow.current_data(table)
    counts = {severity: len(items) for severity, _label, items in (findings or [])}
    audit = list(table.audit_entries.select_related("user").order_by("-at", "-id")[: AUDIT_ON_PAGE + 1])
    return {
        "actions": actions,
        "can_reply": "reply" in actions,
        "pending": pending,
        "snapshots": snapshots,
        "approved": next((s for s in snapshots if s.outcome == Snapshot.Outcome.APPROVED), None),
        "last_return": _last_return(table, snapshots),
        "threads": _flat_threads(comments.comments_by_anchor(table, data)),
        "audit": audit[:AUDIT_ON_PAGE],
        "audit_more": len(audit) > AUDIT_ON_PAGE,
        "submit_form": SubmitForm(initial={"fingerprint": workflow.fingerprint(data)}) if "submit" in actions else None,
        "errors": counts.get("error", 0),
        "warnings": counts.get("warning", 0),
        "reopen_form": ReopenForm(initial={"version": table.version}) if "reopen" in actions else None,
        **adjustment_context(table, actions, requests, adjustment),
        "version_label": version_label(table, snapshots),
        # Only offered on the page before the first submission (afterwards the diff page lists it).
        "has_previous_year": not snapshots and workflow_previous_year(table) is not None,
    }


def adjustment_requests(table: TargetTable, snapshots: list[Snapshot]) -> list[AdjustmentRequest]:
    """The table's 年中调整 requests, newest first, with who asked and who decided (none before a first approval:
    no query then)."""
    if not any(s.is_approved_version for s in snapshots):
        return []
    return list(
        AdjustmentRequest.objects.filter(table_id=table.pk)
        .select_related("requested_by", "department_by", "decided_by")
        .order_by("-requested_at", "-id")
    )


def adjustment_context(table: TargetTable, actions: set[str], requests, adjustment) -> dict:
    """What the table page and the review page show of 年中调整: the requests, and the form the user may use."""
    return {
        "adjustments": requests,
        "adjustment": adjustment,
        "adjustment_form": (
            AdjustmentRequestForm(initial={"version": table.version}) if "request_adjustment" in actions else None
        ),
        "adjustment_decision_form": (
            AdjustmentDecisionForm(initial={"request": adjustment.pk}) if "decide_adjustment" in actions else None
        ),
    }


def version_label(table: TargetTable, snapshots: list[Snapshot]) -> str:
    """Which version a person is looking at, in their words: `年初版 · 第 2 次提交（审核中）`.

    `table.version` counts every save (autosaves included), so it means nothing to them.
    `snapshots` are the table's submissions, newest first.
    """
    approved = [s.revision for s in snapshots if s.outcome in (Snapshot.Outcome.APPROVED, Snapshot.Outcome.SUPERSEDED)]
    revision = max(approved, default=0)
    if table.status != Status.APPROVED:
        revision += 1  # the version being filled in: the next after the last approved one
    latest = snapshots[0] if snapshots else None
    if latest is None or latest.revision != revision:
        return f"{workflow.revision_label(revision)} · 尚未提交"
    return f"{workflow.revision_label(revision)} · 第 {latest.number} 次提交（{latest.get_outcome_display()}）"


def _snapshots(table: TargetTable) -> list[Snapshot]:
    decisions = Prefetch("decisions", queryset=ReviewDecision.objects.select_related("reviewer").order_by("decided_at"))
    return list(
        Snapshot.objects.filter(table_id=table.pk)
        .select_related("submitted_by")
        .prefetch_related(decisions)
        .defer("data")
        .order_by("-number")
    )


def _last_return(table: TargetTable, snapshots: list[Snapshot]) -> ReviewDecision | None:
    """Why a returned table came back (the decision on its latest submission)."""
    if table.status != Status.RETURNED or not snapshots:
        return None
    return next((d for d in snapshots[0].decisions.all() if d.action == ReviewDecision.Action.RETURN), None)


def _flat_threads(grouped: dict[str, list[Comment]]) -> list[Comment]:
    return [thread for threads in grouped.values() for thread in threads]


def workflow_previous_year(table: TargetTable) -> tuple[str, dict] | None:
    """The same organisation's approved table of the year before: (label, exchange dict with ids)."""
    qs = TargetTable.objects.filter(
        organisation_id=table.organisation_id,
        year=table.year - 1,
        **table_identity(table.kind, table.project_code, table.project_name),
    )
    previous = qs.only("pk", "status", "year").first()
    if previous is None:
        return None
    snapshot = workflow.approved_snapshot(previous)
    if snapshot is not None:
        return f"{previous.year}年批复版", snapshot.data
    if previous.status == Status.APPROVED:
        return f"{previous.year}年批复版", workflow.current_data(tables_for_export().get(pk=previous.pk))
    return None
