"""The workflow's transitions as views: submit, withdraw, forward, return, approve, reopen, and a 年中调整
requested by the unit and decided at the table's review levels."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from tables.access import table_for
from tables.models import (
    ReviewDecision,
)
from tables.review import adjustments, workflow
from tables.review.access import _back, _errors_text, _refused
from tables.review.forms import (
    AdjustmentDecisionForm,
    AdjustmentRequestForm,
    ApproveForm,
    ForwardForm,
    ReopenForm,
    ReturnForm,
    SnapshotForm,
    SubmitForm,
)
from tables.review.views.page import _full_table, _review_page
from tables.review.workflow import Blocked, TransitionError


@require_POST
@login_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    table = table_for(request, pk, need="filler")
    form = SubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors_text(form))
        return _back(request, table.get_absolute_url())
    try:
        snapshot = workflow.submit(
            table,
            request.user,
            fingerprint_seen=form.cleaned_data.get("fingerprint") or None,
            warning_reason=form.cleaned_data.get("warning_reason", ""),
        )
    except TransitionError as exc:
        return _refused(request, table, exc)
    messages.success(request, f"已提交（第 {snapshot.number} 次），等待{workflow.Stage(snapshot.stage).label}。")
    return redirect(table)


@require_POST
@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    table = table_for(request, pk, need="filler")
    form = SnapshotForm(request.POST)
    number = form.cleaned_data["snapshot"] if form.is_valid() else None
    try:
        workflow.withdraw(table, request.user, snapshot_number=number)
    except TransitionError as exc:
        return _refused(request, table, exc)
    messages.success(request, "已撤回，可以继续修改。")
    return redirect(table)


def _decide(request: HttpRequest, pk: int, form_class, form_name: str, act, success, refused: str) -> HttpResponse:
    """Run `act(table, form)`; `success` is the message, or a function of what `act` returned.

    A refused form says why under its fields in the side panel and, so that it is not missed, at the
    top of the page too (`refused`: what did not happen, "未批复").
    """
    table = table_for(request, pk, need="reviewer")
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, f"{refused}：{_errors_text(form)}")
        return _review_page(request, _full_table(request, pk), status=422, **{form_name: form})
    try:
        result = act(table, form)
    except TransitionError as exc:
        if isinstance(exc, Blocked):
            form.add_error(None, str(exc))
            messages.error(request, f"{refused}：{exc}")
            return _review_page(request, _full_table(request, pk), status=422, **{form_name: form})
        return _refused(request, table, exc)
    messages.success(request, success(result) if callable(success) else success)
    return redirect("review-table", pk=table.pk)


@require_POST
@login_required
def forward(request: HttpRequest, pk: int) -> HttpResponse:
    def act(table, form):
        workflow.forward(
            table, request.user, snapshot_number=form.cleaned_data["snapshot"], opinion=form.cleaned_data["opinion"]
        )

    return _decide(request, pk, ForwardForm, "forward_form", act, "已审核通过并转报财政审核。", "未转报")


@require_POST
@login_required
def return_(request: HttpRequest, pk: int) -> HttpResponse:
    def act(table, form):
        workflow.return_table(
            table, request.user, snapshot_number=form.cleaned_data["snapshot"], reason=form.cleaned_data["reason"]
        )

    return _decide(request, pk, ReturnForm, "return_form", act, "已退回填报人修改。", "未退回")


@require_POST
@login_required
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    def act(table, form):
        data = form.cleaned_data
        approval = workflow.Approval(
            opinion=data["opinion"],
            checklist=form.checklist(),
            grade=data["grade"],
            published=data["published"] == "1",
            unpublished_reason=data["unpublished_reason"],
        )
        return workflow.approve(table, request.user, approval, snapshot_number=data["snapshot"])

    def success(decision: ReviewDecision) -> str:
        closed = decision.closed_threads
        return "已批复，表格已锁定。" + (f"{closed} 条未解决的批注已一并标为已解决（见审计日志）。" if closed else "")

    return _decide(request, pk, ApproveForm, "approve_form", act, success, "未批复")


@require_POST
@login_required
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    table = table_for(request, pk, need="reviewer")
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors_text(form))
        return _back(request, table.get_absolute_url())
    try:
        workflow.reopen(table, request.user, reason=form.cleaned_data["reason"], version=form.cleaned_data["version"])
    except TransitionError as exc:
        return _refused(request, table, exc)
    messages.success(request, "已撤销批复；原批复版本仍然有效，可下载。新版本修改后须重新审核。")
    return _back(request, table.get_absolute_url())


@require_POST
@login_required
def request_adjustment(request: HttpRequest, pk: int) -> HttpResponse:
    """申请年中调整: the unit's filler asks, from the page where it sees its approved table."""
    table = table_for(request, pk, need="filler")
    form = AdjustmentRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors_text(form))
        return _back(request, table.get_absolute_url())
    try:
        made = adjustments.request_adjustment(
            table,
            request.user,
            reason=form.cleaned_data["reason"],
            budget=form.cleaned_data["budget"],
            version=form.cleaned_data["version"],
        )
    except TransitionError as exc:
        return _refused(request, table, exc)
    messages.success(request, f"已申请年中调整，等待{workflow.Stage(made.stage).label}。批复版本在调整完成前仍然有效。")
    return _back(request, table.get_absolute_url())


@require_POST
@login_required
def decide_adjustment(request: HttpRequest, pk: int) -> HttpResponse:
    """A reviewer of the request's level agrees (the bureau's agreement reopens the table) or refuses."""
    table = table_for(request, pk, need="reviewer")
    form = AdjustmentDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors_text(form))
        return _back(request, reverse("review-table", args=[table.pk]))
    try:
        decided = adjustments.decide_adjustment(
            table,
            request.user,
            request_pk=form.cleaned_data["request"],
            agree=form.cleaned_data["decision"] == "agree",
            note=form.cleaned_data["note"],
        )
    except TransitionError as exc:
        return _refused(request, table, exc)
    Outcome = decided.Outcome
    messages.success(
        request,
        {
            Outcome.GRANTED: "已同意年中调整申请：已撤销批复，开启新版本供单位修改，原批复版本在新版本批复前仍然有效。",
            Outcome.REFUSED: "已不同意年中调整申请，该表保持已批复。",
            Outcome.PENDING: "已同意年中调整申请，转报财政审核。",
        }[decided.outcome],
    )
    return _back(request, reverse("review-table", args=[table.pk]))
