"""Review pages: the queue, the review page and its transitions, comments, diffs, snapshots,
the bureau dashboard, notifications and the accounts import.

Views translate HTTP into calls of `tables.workflow`; a refused transition
comes back as a message on the page it was made from and changes nothing.
"""

from __future__ import annotations

import io
from datetime import date
from html import escape

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from indicators.checks import by_severity, check_stored_table
from tables import workflow
from tables.diff import diff_tables
from tables.exports.downloads import attachment, pdf_unavailable
from tables.imports.exchange import dumps, tables_for_export
from tables.layouts import BUDGET_LABELS, COLUMN_LABELS
from tables.models import (
    Comment,
    Membership,
    Notification,
    Organisation,
    ReviewDecision,
    Round,
    RoundOrganisation,
    Snapshot,
    TargetTable,
)
from tables.params import int_param, positive_int
from tables.permissions import get_table_for_user, is_admin, visible_organisation_ids
from tables.summary import task_totals
from tables.workflow import Blocked, NotAllowed, TransitionError

Status = TargetTable.Status
AUDIT_ON_PAGE = 30
QUEUE_PAGE_SIZE = 50


# ---------------------------------------------------------------- access


def _table_for(request: HttpRequest, pk: int, *, need: str | None = None, queryset=None) -> TargetTable:
    """The table: 404 when the user may not see it, 403 when they see it but are not its `need`
    ("filler" or "reviewer")."""
    qs = queryset if queryset is not None else TargetTable.objects.select_related("organisation", "round", "layout")
    table = get_table_for_user(request.user, pk, qs)
    if need == "filler" and not workflow.is_filler(request.user, table):
        raise PermissionDenied("只有本部门（单位）的填报人可以这样做。")
    if need == "reviewer" and not workflow.is_reviewer(request.user, table):
        raise PermissionDenied("只有审核人可以这样做。")
    return table


def _require_reviewer(request: HttpRequest) -> None:
    if not workflow.is_reviewer(request.user):
        raise PermissionDenied("只有审核人和管理员可以查看。")


def _require_admin(request: HttpRequest) -> None:
    if not is_admin(request.user):
        raise PermissionDenied("只有管理员可以这样做。")


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = default
    return redirect(target)


def _errors_text(form: forms.Form) -> str:
    """A refused form's errors as one message, for the forms that answer with a redirect."""
    texts = []
    for name, errors in form.errors.as_data().items():
        field = form.fields.get(name)
        for error in errors:
            text = " ".join(error.messages)
            # Say which field unless the message names it already (the forms' own "请填写…" messages).
            if field is not None and (field.widget.is_hidden or error.code != "required"):
                text = f"{field.label}：{text}"
            texts.append(text)
    return "；".join(texts)


def _refused(request: HttpRequest, table: TargetTable, exc: TransitionError) -> HttpResponse:
    if isinstance(exc, NotAllowed):
        raise PermissionDenied(str(exc))
    messages.error(request, str(exc))
    return _back(request, table.get_absolute_url())


# ---------------------------------------------------------------- forms


class SubmitForm(forms.Form):
    fingerprint = forms.CharField(widget=forms.HiddenInput, required=False)
    warning_reason = forms.CharField(
        label="提交说明（对警告的解释，审核人可见）",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SnapshotForm(forms.Form):
    # Hidden, so its errors show beside the form's own (review/_form_errors.html): it needs a Chinese label.
    snapshot = forms.IntegerField(label="提交次序", widget=forms.HiddenInput)


class ForwardForm(SnapshotForm):
    opinion = forms.CharField(
        label="主管部门审核意见", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(SnapshotForm):
    reason = forms.CharField(
        label="退回原因",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写退回原因（只有空格不算）。"},
    )


PASS_CHOICES = [("1", "通过"), ("0", "不通过")]


class ApproveForm(SnapshotForm):
    opinion = forms.CharField(
        label="审核意见",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写审核意见。"},
    )
    grade = forms.ChoiceField(label="评级", required=False, choices=[("", "不评级"), *ReviewDecision.Grade.choices])
    published = forms.ChoiceField(label="公开", choices=[("1", "公开"), ("0", "不公开")], initial="1")
    unpublished_reason = forms.CharField(label="不公开原因", required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for stem, label in ReviewDecision.CHECKLIST:
            self.fields[f"{stem}_passed"] = forms.ChoiceField(
                label=label, choices=PASS_CHOICES, widget=forms.RadioSelect
            )
            self.fields[f"{stem}_remark"] = forms.CharField(label=f"{label}说明", required=False, max_length=500)

    def clean(self):
        data = super().clean()
        if data.get("published") == "0" and not (data.get("unpublished_reason") or "").strip():
            self.add_error("unpublished_reason", "不公开时请填写原因。")
        return data

    def checklist_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(label, self[f"{stem}_passed"], self[f"{stem}_remark"]) for stem, label in ReviewDecision.CHECKLIST]

    def checklist(self) -> dict[str, tuple[bool, str]]:
        data = self.cleaned_data
        return {stem: (data[f"{stem}_passed"] == "1", data[f"{stem}_remark"]) for stem, _ in ReviewDecision.CHECKLIST}


class ReopenForm(forms.Form):
    version = forms.IntegerField(label="表版本号", widget=forms.HiddenInput)
    reason = forms.CharField(
        label="撤销批复（调整）原因",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写撤销批复（调整）的原因。"},
    )


class CommentForm(forms.Form):
    anchor = forms.ChoiceField(label="位置")
    body = forms.CharField(
        label="批注",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "批注内容不能为空。"},
    )

    def __init__(self, *args, places=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.places = list((places or {}).values())
        self.fields["anchor"].choices = [(p.key, p.label) for p in self.places]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="回复",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 1}),
        error_messages={"required": "回复内容不能为空。"},
    )


class AccountsImportForm(forms.Form):
    file = forms.FileField(label="xlsx 文件")
    round = forms.ModelChoiceField(
        label="填报批次", queryset=Round.objects.all(), required=False, empty_label="（不指定）"
    )


# ---------------------------------------------------------------- the table page's review panel


def table_page_context(table: TargetTable, user, findings=None) -> dict:
    """What the table page shows of the review: actions, the valid approved version, submissions,
    comments and the latest audit entries. `table` comes from `tables_for_export()`."""
    snapshots = _snapshots(table)
    pending = next((s for s in snapshots if s.outcome == Snapshot.Outcome.PENDING), None)
    actions = workflow.available_actions(table, user, pending)
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
        "threads": _flat_threads(workflow.comments_by_anchor(table, data)),
        "audit": audit[:AUDIT_ON_PAGE],
        "audit_more": len(audit) > AUDIT_ON_PAGE,
        "submit_form": SubmitForm(initial={"fingerprint": workflow.fingerprint(data)}) if "submit" in actions else None,
        "errors": counts.get("error", 0),
        "warnings": counts.get("warning", 0),
        "reopen_form": ReopenForm(initial={"version": table.version}) if "reopen" in actions else None,
        "version_label": version_label(table, snapshots),
        # Only offered on the page before the first submission (afterwards the diff page lists it).
        "has_previous_year": not snapshots and workflow_previous_year(table) is not None,
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
    qs = TargetTable.objects.filter(organisation_id=table.organisation_id, year=table.year - 1, kind=table.kind)
    if table.kind == TargetTable.Kind.PROJECT:
        qs = qs.filter(project_code=table.project_code)
    previous = qs.only("pk", "status", "year").first()
    if previous is None:
        return None
    snapshot = workflow.approved_snapshot(previous)
    if snapshot is not None:
        return f"{previous.year}年批复版", snapshot.data
    if previous.status == Status.APPROVED:
        return f"{previous.year}年批复版", workflow.current_data(tables_for_export().get(pk=previous.pk))
    return None


# ---------------------------------------------------------------- the review page


def _official_context(table: TargetTable) -> dict:
    """The printed form's context (as on the table page)."""
    from tables.views import indicator_groups

    layout = table.layout
    tasks = list(table.tasks.all())
    indicators = list(table.indicators.all())
    budget_labels = {**BUDGET_LABELS, **layout.options.get("budget_labels", {})}
    return {
        "table": table,
        "layout": layout,
        "tasks": tasks,
        "totals": task_totals(tasks),
        "groups": indicator_groups(indicators),
        "indicator_count": len(indicators),
        "columns": [(key, COLUMN_LABELS[key]) for key in layout.columns if key not in ("level1", "level2")],
        "budget_rows": [(budget_labels[key], getattr(table, f"budget_{key}")) for key in layout.budget_keys],
        "plan": table.spending_plan() if layout.has("spending_plan") else None,
    }


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
    actions = workflow.available_actions(table, user, pending)
    data = workflow.current_data(table)
    places = workflow.places(table, data)
    snapshots = _snapshots(table)
    base = _default_base(pending, snapshots)
    diff = None
    if base is not None:
        datas = dict(Snapshot.objects.filter(pk__in=[base.pk, pending.pk]).values_list("pk", "data"))
        diff = diff_tables(datas[base.pk], datas[pending.pk])
    number = pending.number if pending else None
    threads = _flat_threads(workflow.comments_by_anchor(table, data))
    context = {
        **_official_context(table),
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
    }
    return render(request, "review/review_table.html", context, status=status)


def _full_table(request: HttpRequest, pk: int, need: str | None = None) -> TargetTable:
    return _table_for(request, pk, need=need, queryset=tables_for_export().select_related("round"))


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
    table = _table_for(request, pk, need="reviewer")
    if workflow.mark_opened(table, request.user):
        messages.success(request, "已开始审核，填报人不能再撤回本次提交。")
    return redirect("review-table", pk=table.pk)


# ---------------------------------------------------------------- transitions


@require_POST
@login_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    table = _table_for(request, pk, need="filler")
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
    table = _table_for(request, pk, need="filler")
    form = SnapshotForm(request.POST)
    number = form.cleaned_data["snapshot"] if form.is_valid() else None
    try:
        workflow.withdraw(table, request.user, snapshot_number=number)
    except TransitionError as exc:
        return _refused(request, table, exc)
    messages.success(request, "已撤回，可以继续修改。")
    return redirect(table)


def _decide(request: HttpRequest, pk: int, form_class, form_name: str, act, success) -> HttpResponse:
    """Run `act(table, form)`; `success` is the message, or a function of what `act` returned."""
    table = _table_for(request, pk, need="reviewer")
    form = form_class(request.POST)
    if not form.is_valid():
        return _review_page(request, _full_table(request, pk), status=422, **{form_name: form})
    try:
        result = act(table, form)
    except TransitionError as exc:
        if isinstance(exc, Blocked):
            form.add_error(None, str(exc))
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

    return _decide(request, pk, ForwardForm, "forward_form", act, "已审核通过并转报财政审核。")


@require_POST
@login_required
def return_(request: HttpRequest, pk: int) -> HttpResponse:
    def act(table, form):
        workflow.return_table(
            table, request.user, snapshot_number=form.cleaned_data["snapshot"], reason=form.cleaned_data["reason"]
        )

    return _decide(request, pk, ReturnForm, "return_form", act, "已退回填报人修改。")


@require_POST
@login_required
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    def act(table, form):
        data = form.cleaned_data
        return workflow.approve(
            table,
            request.user,
            snapshot_number=data["snapshot"],
            opinion=data["opinion"],
            checklist=form.checklist(),
            grade=data["grade"],
            published=data["published"] == "1",
            unpublished_reason=data["unpublished_reason"],
        )

    def success(decision: ReviewDecision) -> str:
        closed = decision.closed_threads
        return "已批复，表格已锁定。" + (f"{closed} 条未解决的批注已一并标为已解决（见审计日志）。" if closed else "")

    return _decide(request, pk, ApproveForm, "approve_form", act, success)


@require_POST
@login_required
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    table = _table_for(request, pk, need="reviewer")
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


# ---------------------------------------------------------------- comments


@require_http_methods(["GET", "POST"])
@login_required
def comments(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the comment threads (an htmx fragment, or a page). POST: a reviewer adds a comment."""
    table = _full_table(request, pk)
    actions = workflow.available_actions(table, request.user, workflow.pending_snapshot(table))
    data = workflow.current_data(table)
    places = workflow.places(table, data)
    form = CommentForm(places=places)
    status = 200
    if request.method == "POST":
        if "comment" not in actions:
            raise PermissionDenied("只有审核人可以添加批注。")
        form = CommentForm(request.POST, places=places)
        if form.is_valid():
            try:
                workflow.add_comment(
                    table, request.user, anchor=form.cleaned_data["anchor"], body=form.cleaned_data["body"]
                )
            except TransitionError as exc:
                form.add_error(None, str(exc))
                status = 422
            else:
                workflow.mark_opened(table, request.user)  # a comment starts the review too
                if not request.htmx:
                    messages.success(request, "已添加批注。")
                    return _back(request, reverse("review-table", args=[table.pk]))
                form = CommentForm(places=places)
        else:
            status = 422
    context = {
        "table": table,
        "threads": _flat_threads(workflow.comments_by_anchor(table, data)),
        "actions": actions,
        "comment_form": form,
    }
    template = "review/comments.html#panel" if request.htmx else "review/comments.html"
    return render(request, template, context, status=status)


def _comment_for(request: HttpRequest, pk: int) -> Comment:
    comment = get_object_or_404(Comment.objects.select_related("table", "table__organisation", "parent"), pk=pk)
    get_table_for_user(request.user, comment.table_id)  # 404 unless the table is visible
    return comment


@require_GET
@login_required
def comment_link(request: HttpRequest, pk: int) -> HttpResponse:
    """The deep link of a comment: the table page scrolled to the row it is about (wherever that row is now)."""
    comment = _comment_for(request, pk)
    thread = comment.parent or comment
    table = tables_for_export().get(pk=comment.table_id)
    place = workflow.places(table).get(thread.anchor_key)
    anchor = place.dom if place and place.dom else f"comment-{thread.pk}"
    return redirect(f"{table.get_absolute_url()}#{anchor}")


@require_POST
@login_required
def comment_reply(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment_for(request, pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors_text(form))
        return _back(request, comment.table.get_absolute_url())
    try:
        workflow.reply(comment, request.user, body=form.cleaned_data["body"])
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except TransitionError as exc:
        messages.error(request, str(exc))
    return _back(request, f"{comment.table.get_absolute_url()}#comment-{(comment.parent or comment).pk}")


@require_POST
@login_required
def comment_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment_for(request, pk)
    resolved = request.POST.get("resolved", "1") == "1"
    try:
        workflow.set_resolved(comment, request.user, resolved=resolved)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    return _back(request, f"{comment.table.get_absolute_url()}#comment-{(comment.parent or comment).pk}")


# ---------------------------------------------------------------- diffs and snapshots


@require_GET
@login_required
def diff(request: HttpRequest, pk: int) -> HttpResponse:
    """Compare two versions: ?a=&b= take a submission number, "current" or "previous-year"."""
    table = _full_table(request, pk)
    snapshots = _snapshots(table)
    previous_year = workflow_previous_year(table)
    options = [(str(s.number), f"第 {s.number} 次提交（{s.get_outcome_display()}）") for s in snapshots]
    options.append(("current", "当前内容"))
    if previous_year:
        options.append(("previous-year", previous_year[0]))

    def side(key: str) -> tuple[str, dict] | None:
        if key == "current":
            return "当前内容", workflow.current_data(table)
        if key == "previous-year":
            return previous_year
        if (number := positive_int(key)) is not None:
            snapshot = Snapshot.objects.filter(table_id=table.pk, number=number).first()
            if snapshot is not None:
                return f"第 {snapshot.number} 次提交", snapshot.data
        return None

    default_b = str(snapshots[0].number) if snapshots else "current"
    default_a = str(snapshots[1].number) if len(snapshots) > 1 else ("previous-year" if previous_year else default_b)
    a_key = request.GET.get("a") or default_a
    b_key = request.GET.get("b") or default_b
    a, b = side(a_key), side(b_key)
    if a is None or b is None:
        raise Http404("没有这个版本")
    context = {
        "table": table,
        "options": options,
        "a_key": a_key,
        "b_key": b_key,
        "a_label": a[0],
        "b_label": b[0],
        "diff": diff_tables(a[1], b[1]),
    }
    template = "review/diff.html#diff-body" if request.htmx else "review/diff.html"
    return render(request, template, context)


def _snapshot_for(request: HttpRequest, pk: int) -> Snapshot:
    snapshot = get_object_or_404(Snapshot.objects.select_related("table__organisation", "table__layout"), pk=pk)
    get_table_for_user(request.user, snapshot.table_id)
    return snapshot


def _snapshot_name(snapshot: Snapshot) -> str:
    """Named for what it is: the approved version (批复版, of which 调整) or a submission and its outcome."""
    table = snapshot.table
    name = table.project_name if table.kind == TargetTable.Kind.PROJECT and table.project_name else table.title
    stem = f"{table.year}-{table.organisation.name}-{name}"
    approved_as = "批复版" if snapshot.revision <= 1 else f"第{snapshot.revision - 1}次调整批复版"
    if snapshot.outcome == Snapshot.Outcome.APPROVED:
        return f"{stem}-{approved_as}"
    if snapshot.outcome == Snapshot.Outcome.SUPERSEDED:
        return f"{stem}-{approved_as}（已被替代）"
    return f"{stem}-第{snapshot.number}次提交（{snapshot.get_outcome_display()}）"


@require_GET
@login_required
def snapshot_json(request: HttpRequest, pk: int) -> HttpResponse:
    snapshot = _snapshot_for(request, pk)
    return attachment(dumps(snapshot.exchange_data()).encode(), f"{_snapshot_name(snapshot)}.json", "application/json")


@require_GET
@login_required
def snapshot_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The submission as printed; an approved one carries the review marks (意见, 四性, grade)."""
    from indicators.checks import layout_as_dict
    from tables.exports.pdf import PdfUnavailable, render_pdf

    snapshot = _snapshot_for(request, pk)
    layout = layout_as_dict(snapshot.table.layout)
    try:
        body = render_pdf(snapshot.exchange_data(), layout, meta=workflow.approval_meta(snapshot))
    except PdfUnavailable as exc:
        return pdf_unavailable(request, exc)
    return attachment(body, f"{_snapshot_name(snapshot)}.pdf", "application/pdf")


@require_GET
@login_required
def audit(request: HttpRequest, pk: int) -> HttpResponse:
    table = _table_for(request, pk)
    entries = table.audit_entries.select_related("user").order_by("-at", "-id")
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(request, "review/audit.html", {"table": table, "page": page})


# ---------------------------------------------------------------- queue and dashboard


_QUEUE_COLUMNS = (
    "organisation__code", "organisation__name", "organisation__parent", "round__title", "round__deadline",
    "title", "project_code", "status", "kind", "year",
)  # fmt: skip


_ROW_LINKS = ("table-detail", "review-table")


def _queue_filters(request: HttpRequest) -> dict[str, str]:
    return {key: request.GET.get(key, "").strip() for key in ("round", "status", "organisation", "kind", "stage")}


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The reviewer's queue: tables of their organisations, oldest submission first."""
    _require_reviewer(request)
    user = request.user
    org_ids = visible_organisation_ids(user)  # once: it is also the department filter's scope
    tables = TargetTable.objects.all() if org_ids is None else TargetTable.objects.filter(organisation_id__in=org_ids)
    filters = _queue_filters(request)
    defaulted = not any(key in request.GET for key in (*filters, "page"))
    if defaulted:
        # A reviewer comes for what waits for them: submissions at their own level
        # (any filter, 全部 included, shows more).
        filters["status"] = Status.SUBMITTED
        levels = workflow.review_levels(user)
        if len(levels) == 1:
            filters["stage"] = next(iter(levels))
    if (round_id := int_param(request.GET, "round")) is not None:
        tables = tables.filter(round_id=round_id)
    if (org_id := int_param(request.GET, "organisation")) is not None:
        tables = tables.filter(Q(organisation_id=org_id) | Q(organisation__parent_id=org_id))
    if filters["kind"] in TargetTable.Kind.values:
        tables = tables.filter(kind=filters["kind"])
    counts = dict(tables.order_by().values_list("status").annotate(n=Count("id")))
    if filters["status"] in Status.values:
        tables = tables.filter(status=filters["status"])
    pending = Snapshot.objects.filter(table=OuterRef("pk"), outcome=Snapshot.Outcome.PENDING)
    latest = Snapshot.objects.filter(table=OuterRef("pk")).order_by("-number")
    tables = tables.annotate(
        submitted_at=Subquery(latest.values("submitted_at")[:1]),
        stage=Subquery(pending.values("stage")[:1]),
        opened_at=Subquery(pending.values("opened_at")[:1]),
    )
    if filters["stage"] in workflow.Stage.values:
        tables = tables.filter(stage=filters["stage"])
    # Only what a row shows: a table's budget, plan and goal columns are most of its width.
    tables = (
        tables.select_related("organisation", "round")
        .only(*_QUEUE_COLUMNS)
        .order_by(F("submitted_at").asc(nulls_last=True), "organisation__code", "id")
    )
    paginator = Paginator(tables, QUEUE_PAGE_SIZE)
    if not filters["stage"]:
        # The counts per status already say how many rows there are: no second COUNT over the same filter.
        status = filters["status"]
        paginator.count = counts.get(status, 0) if status in Status.values else sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))
    today = timezone.localdate()
    stage_labels = dict(workflow.Stage.choices)
    # The rows' links and dates, made here: in the template they are most of the page's time.
    detail_url, review_url = (reverse(name, args=[987654321]).replace("987654321", "{}") for name in _ROW_LINKS)
    for table in page:
        table.stage_label = stage_labels.get(table.stage, "")
        table.overdue = _overdue(table, today)
        table.detail_url = detail_url.format(table.pk)
        table.review_url = review_url.format(table.pk)
        # 审核 where the user decides now; a record to read for the others; nothing yet for a draft.
        table.decides = table.status == Status.SUBMITTED and table.stage in workflow.reviewer_stages(user, table)
        submitted = table.submitted_at
        table.submitted_text = timezone.localtime(submitted).strftime("%Y-%m-%d %H:%M") if submitted else "—"
    organisations = Organisation.objects.filter(parent__isnull=True).only("pk", "code", "name")
    if org_ids is not None:
        organisations = organisations.filter(pk__in=org_ids)
    context = {
        "page": page,
        "filters": filters,
        "rounds": Round.objects.only("pk", "title", "year"),
        "organisations": organisations,
        "kinds": TargetTable.Kind.choices,
        "stages": workflow.Stage.choices,
        "statuses": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
        "total": sum(counts.values()),
        "query": "&".join(f"{k}={v}" for k, v in filters.items() if v),
        "defaulted": defaulted,
    }
    template = "review/queue.html#queue-rows" if request.htmx else "review/queue.html"
    return render(request, template, context)


def _overdue(table: TargetTable, today: date) -> bool:
    """Not submitted although the round's deadline has passed, or submitted after it."""
    deadline = table.round.deadline if table.round_id else None
    if deadline is None:
        return False
    if table.status in (Status.DRAFT, Status.RETURNED):
        return today > deadline
    return table.submitted_at is not None and timezone.localdate(table.submitted_at) > deadline


def round_progress(round_: Round, user) -> tuple[list[dict], dict]:
    """Organisations × status for a round (those expected to file, and those that did), with totals."""
    org_ids = visible_organisation_ids(user)
    tables = TargetTable.objects.filter(round=round_)
    participants = RoundOrganisation.objects.filter(round=round_)
    if org_ids is not None:
        tables = tables.filter(organisation_id__in=org_ids)
        participants = participants.filter(organisation_id__in=org_ids)
    counts: dict[int, dict[str, int]] = {}
    for org_id, status, n in tables.order_by().values_list("organisation_id", "status").annotate(n=Count("id")):
        counts.setdefault(org_id, {})[status] = n
    ids = set(counts) | set(participants.values_list("organisation_id", flat=True))
    organisations = Organisation.objects.filter(pk__in=ids).select_related("parent").order_by("code", "name")
    rows = []
    values = Status.values
    sums = dict.fromkeys(values, 0)
    totals = {"total": 0, "approved": 0, "not_started": 0}
    for org in organisations:
        by_status = counts.get(org.pk, {})
        statuses = [by_status.get(value, 0) for value in values]
        total = sum(statuses)
        approved = by_status.get(Status.APPROVED, 0)
        percent = round(100 * approved / total) if total else 0
        rows.append(
            {
                "organisation": org,
                "statuses": statuses,
                "total": total,
                "approved": approved,
                "not_started": total == 0,
                "percent": percent,
            }
        )
        for value, n in zip(values, statuses, strict=True):
            sums[value] += n
        totals["total"] += total
        totals["approved"] += approved
        totals["not_started"] += total == 0
    totals["statuses"] = [sums[value] for value in values]
    totals["organisations"] = len(rows)
    totals["percent"] = round(100 * totals["approved"] / totals["total"]) if totals["total"] else 0
    return rows, totals


def _dashboard_round(request: HttpRequest, rounds) -> Round | None:
    round_id = int_param(request.GET, "round")
    if round_id is not None:
        chosen = next((r for r in rounds if r.pk == round_id), None)
        if chosen is None:
            raise Http404("没有这个填报批次")
        return chosen
    return rounds[0] if rounds else None


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The bureau's view of a round: organisations × status with counts and completion."""
    _require_reviewer(request)
    rounds = list(Round.objects.only("pk", "title", "year", "deadline", "review_levels"))
    round_ = _dashboard_round(request, rounds)
    rows, totals = round_progress(round_, request.user) if round_ else ([], {})
    if round_ is not None:
        queue_url = f"{reverse('review-queue')}?round={round_.pk}&organisation="
        for row in rows:
            row["html"] = _dashboard_row(row, queue_url)
    context = {
        "rounds": rounds,
        "round": round_,
        "rows": rows,
        "totals": totals,
        "statuses": Status.choices,
    }
    return render(request, "review/dashboard.html", context)


def _dashboard_row(row: dict, queue_url: str) -> str:
    """One organisation's row, built here rather than in the template: a round lists hundreds of
    organisations, and a dozen template variables (or format_html calls) per row would cost more
    than all the queries. Every text is escaped; the numbers are ints."""
    org = row["organisation"]
    parent = org.parent.name if org.parent_id else ""
    counts = "".join(f'<td class="text-end">{n or ""}</td>' for n in row["statuses"])
    total = '<span class="badge text-bg-warning">未建表</span>' if row["not_started"] else str(row["total"])
    css = ' class="table-warning"' if row["not_started"] else ""
    link = f'<a href="{escape(queue_url)}{org.pk}">{escape(org.name)}</a>'
    # Safe: every text above and below went through escape(); the rest are ints and fixed markup.
    return mark_safe(
        f"<tr{css}><td>{escape(org.code or '')}</td><td>{link}</td><td>{escape(parent)}</td>{counts}"
        f'<td class="text-end">{total}</td><td class="text-end">{row["percent"]}%</td></tr>'
    )


@require_GET
@login_required
def dashboard_xlsx(request: HttpRequest, round_pk: int) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from tables.exports.xlsx import append_text_row

    _require_reviewer(request)
    round_ = get_object_or_404(Round, pk=round_pk)
    rows, totals = round_progress(round_, request.user)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "完成情况"
    header = ["编码", "部门（单位）", "主管部门", *Status.labels, "合计", "已批复", "完成率（%）", "未建表"]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        org = row["organisation"]
        append_text_row(
            sheet,
            [
                org.code or "",
                org.name,
                org.parent.name if org.parent_id else "",
                *row["statuses"],
                row["total"],
                row["approved"],
                row["percent"],
                "是" if row["not_started"] else "",
            ],
        )
    if rows:
        sheet.append(
            [
                "",
                "合计",
                "",
                *totals["statuses"],
                totals["total"],
                totals["approved"],
                totals["percent"],
                totals["not_started"],
            ]
        )
    for column, width in zip("ABCDEFGHIJK", (12, 36, 24, 8, 8, 8, 8, 8, 8, 12, 8), strict=False):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return attachment(
        buffer.getvalue(),
        f"{round_.title}-完成情况-{timezone.localdate():%Y%m%d}.xlsx",  # a count as of a day
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# ---------------------------------------------------------------- notifications


@require_GET
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    items = Notification.objects.filter(recipient=request.user).select_related("table")
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    return render(request, "review/notifications.html", {"page": page})


@require_POST
@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if notification.read_at is None:
        Notification.objects.filter(pk=pk).update(read_at=timezone.now())
    url = notification.url
    if not url or not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        url = reverse("review-notifications")
    return redirect(url)


@require_POST
@login_required
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("review-notifications")


# ---------------------------------------------------------------- accounts


ACCOUNTS_IMPORT_SESSION_KEY = "accounts_import_preview"


@require_http_methods(["GET", "POST"])
@login_required
def accounts_import(request: HttpRequest) -> HttpResponse:
    """Bureau admins import the organisations and user accounts of a round from xlsx.

    Two steps, as with pasted tables: an upload shows what would change (nothing
    is written), and a confirmation applies exactly that.
    """
    from django.conf import settings

    from tables.imports.accounts import AccountsImportError, hold_workbook, import_accounts

    _require_admin(request)
    if request.method == "POST" and request.POST.get("action") == "confirm":
        return _accounts_import_confirm(request)
    form = AccountsImportForm()
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        form = AccountsImportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data["file"].read(settings.IMPORT_MAX_BYTES + 1)
            round_ = form.cleaned_data["round"]
            try:
                preview = import_accounts(io.BytesIO(data), round_=round_, dry_run=True)
            except AccountsImportError as exc:
                errors = exc.errors
                status = 422
            else:
                token = hold_workbook(data)
                request.session[ACCOUNTS_IMPORT_SESSION_KEY] = {
                    "token": token,
                    "round": round_.pk if round_ else None,
                    "digest": preview.digest(),
                    "name": form.cleaned_data["file"].name,
                }
                return _accounts_preview(request, preview, token)
        else:
            status = 422
    return render(request, "review/accounts_import.html", {"form": form, "errors": errors}, status=status)


def _accounts_preview(request: HttpRequest, preview, token: str, errors=(), status: int = 200) -> HttpResponse:
    pending = request.session[ACCOUNTS_IMPORT_SESSION_KEY]
    context = {"preview": preview, "token": token, "errors": errors, "file_name": pending.get("name", "")}
    return render(request, "review/accounts_import_preview.html", context, status=status)


def _accounts_import_confirm(request: HttpRequest) -> HttpResponse:
    from tables.imports.accounts import AccountsImportError, held_workbook, import_accounts, release_workbook

    pending = request.session.get(ACCOUNTS_IMPORT_SESSION_KEY) or {}
    token = request.POST.get("token", "")
    data = held_workbook(token) if pending.get("token") == token else None
    if data is None:
        messages.error(request, "这次预览已失效（已导入、已取消或已过期），请重新上传文件。")
        return redirect("review-accounts-import")
    round_ = Round.objects.filter(pk=pending["round"]).first() if pending.get("round") else None
    if request.POST.get("cancel"):
        release_workbook(token)
        del request.session[ACCOUNTS_IMPORT_SESSION_KEY]
        messages.info(request, "已取消导入，什么都没有改。")
        return redirect("review-accounts-import")
    try:
        result = import_accounts(
            io.BytesIO(data),
            round_=round_,
            confirm_admins=request.POST.get("confirm_admins") == "1",
            previewed=pending["digest"],
        )
    except AccountsImportError as exc:
        errors = exc.errors
        try:
            preview = import_accounts(io.BytesIO(data), round_=round_, dry_run=True)
        except AccountsImportError as again:
            preview, errors = None, again.errors
        if preview is None or preview.digest() != pending["digest"]:  # changed since: preview again from the start
            release_workbook(token)
            del request.session[ACCOUNTS_IMPORT_SESSION_KEY]
            context = {"form": AccountsImportForm(), "errors": errors}
            return render(request, "review/accounts_import.html", context, status=409)
        return _accounts_preview(request, preview, token, errors=errors, status=422)  # e.g. 管理员 not ticked
    release_workbook(token)
    del request.session[ACCOUNTS_IMPORT_SESSION_KEY]
    messages.success(request, result.summary())
    url = reverse("review-accounts-inactive")
    if round_ is not None:
        url += f"?round={round_.pk}"
    return redirect(url)


@require_GET
@login_required
def accounts_template(request: HttpRequest) -> HttpResponse:
    from tables.imports.accounts import template_workbook

    _require_admin(request)
    return attachment(
        template_workbook(),
        "部门和账号导入模板.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@require_GET
@login_required
def accounts_inactive(request: HttpRequest) -> HttpResponse:
    """Accounts that have never logged in (for a round: of its organisations)."""
    _require_admin(request)
    rounds = list(Round.objects.only("pk", "title", "year"))
    round_id = int_param(request.GET, "round")
    round_ = next((r for r in rounds if r.pk == round_id), None)
    memberships = Membership.objects.select_related("organisation").order_by("organisation__code")
    if round_ is not None:
        memberships = memberships.filter(organisation__round_entries__round=round_)
    users = (
        get_user_model()
        .objects.filter(last_login__isnull=True, is_active=True, memberships__in=memberships)
        .distinct()
        .prefetch_related(Prefetch("memberships", queryset=memberships))
        .order_by("username")
    )
    page = Paginator(users, 100).get_page(request.GET.get("page"))
    return render(request, "review/accounts_inactive.html", {"page": page, "rounds": rounds, "round": round_})
