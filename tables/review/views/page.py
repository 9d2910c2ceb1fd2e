"""The review page of one table."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from indicators.checks import by_severity
from tables import permissions
from tables.access import table_for
from tables.checking import check_stored_table
from tables.imports.exchange import tables_for_export
from tables.models import (
    Snapshot,
    TargetTable,
)
from tables.official import official_context
from tables.review import comments, workflow
from tables.review.diff import diff_tables
from tables.review.forms import ApproveForm, CommentForm, ForwardForm, ReopenForm, ReturnForm
from tables.review.panel import _flat_threads, _snapshots, adjustment_context, adjustment_requests


def _default_base(pending: Snapshot | None, snapshots: list[Snapshot]) -> Snapshot | None:
    """The snapshot a reviewer compares the submission with: the last one returned (or approved) before it."""
    if pending is None:
        return None
    earlier = [s for s in snapshots if s.number < pending.number]
    for snapshot in earlier:  # newest first
        if snapshot.outcome in (Snapshot.Outcome.RETURNED, Snapshot.Outcome.APPROVED, Snapshot.Outcome.SUPERSEDED):
            return snapshot
    return None


def _review_page(request: HttpRequest, table: TargetTable, *, status: int = 200, **forms_) -> HttpResponse:
    user = request.user
    pending = workflow.pending_snapshot(table)
    snapshots = _snapshots(table)
    requests = adjustment_requests(table, snapshots)
    adjustment = next((r for r in requests if r.outcome == r.Outcome.PENDING), None)
    actions = permissions.available_actions(table, user, pending, adjustment)
    data = workflow.current_data(table)
    places = comments.places(table, data)
    base = _default_base(pending, snapshots)
    diff = None
    if base is not None:
        datas = dict(Snapshot.objects.filter(pk__in=[base.pk, pending.pk]).values_list("pk", "data"))
        diff = diff_tables(datas[base.pk], datas[pending.pk])
    number = pending.number if pending else None
    threads = _flat_threads(comments.comments_by_anchor(table, data))
    context = {
        **official_context(table),
        "findings": by_severity(check_stored_table(table)),
        "actions": actions,
        "pending": pending,
        "stage_label": workflow.Stage(pending.stage).label if pending else "",
        "snapshots": snapshots,
        "base": base,
        "base_label": f"第 {base.number} 次提交" if base else "",
        "diff": diff,
        "threads": threads,
        "open_threads": sum(not thread.resolved for thread in threads),
        "comment_form": forms_.get("comment_form") or CommentForm(places=places),
        "forward_form": forms_.get("forward_form") or ForwardForm(initial={"snapshot": number}),
        "return_form": forms_.get("return_form") or ReturnForm(initial={"snapshot": number}),
        "approve_form": forms_.get("approve_form") or ApproveForm(initial={"snapshot": number, "published": "1"}),
        "reopen_form": forms_.get("reopen_form") or ReopenForm(initial={"version": table.version}),
        "history": [d for s in reversed(snapshots) for d in s.decisions.all()],
        "adjustment_ctx": adjustment_context(table, actions, requests, adjustment),
        # each indicator row links to its 指标说明 and, on an approved table, to 纳入指标库 (no query per row)
        "row_links": True,
        "can_propose": bool(permissions.can_propose(user, table)),
        "library_url": reverse("library-indicator-sheet", args=[0])[:-2],
    }
    return render(request, "review/review_table.html", context, status=status)


def _full_table(request: HttpRequest, pk: int, need: str | None = None) -> TargetTable:
    return table_for(request, pk, need=need, queryset=tables_for_export().select_related("round"))


@require_GET
@login_required
def review_table(request: HttpRequest, pk: int) -> HttpResponse:
    """The review page: printed layout, findings, diff, comments and the decisions.

    Looking changes nothing (a GET never writes): the review starts with 开始审核 (`start_review`)
    or the first comment, and only from then on can the filler no longer withdraw.
    """
    table = _full_table(request, pk, need="reviewer")
    return _review_page(request, table)


@require_POST
@login_required
def start_review(request: HttpRequest, pk: int) -> HttpResponse:
    """开始审核: the reviewer takes the submission up; the filler can no longer withdraw it."""
    table = table_for(request, pk, need="reviewer")
    if workflow.mark_opened(table, request.user):
        messages.success(request, "已开始审核，填报人不能再撤回本次提交。")
    return redirect("review-table", pk=table.pk)
