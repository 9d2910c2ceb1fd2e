"""Diffs between submitted versions, the snapshots as JSON, PDF and xlsx, and the audit log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from tables.access import get_table_for_user, table_for
from tables.exports.downloads import XLSX, attachment, pdf_unavailable
from tables.exports.pdf import PdfUnavailable, render_pdf
from tables.exports.xlsx import render_xlsx
from tables.imports.exchange import dumps
from tables.layouts import layout_as_dict
from tables.models import (
    Snapshot,
    TargetTable,
)
from tables.params import positive_int
from tables.review import workflow
from tables.review.diff import diff_tables
from tables.review.panel import _snapshots, workflow_previous_year
from tables.review.views.page import _full_table


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
    snapshot = _snapshot_for(request, pk)
    layout = layout_as_dict(snapshot.table.layout)
    try:
        body = render_pdf(snapshot.exchange_data(), layout, meta=workflow.approval_meta(snapshot))
    except PdfUnavailable as exc:
        return pdf_unavailable(request, exc)
    return attachment(body, f"{_snapshot_name(snapshot)}.pdf", "application/pdf")


@require_GET
@login_required
def snapshot_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The submission as the official workbook; an approved one lists every decision under the grid."""
    snapshot = _snapshot_for(request, pk)
    layout = layout_as_dict(snapshot.table.layout)
    body = render_xlsx(snapshot.exchange_data(), layout, meta=workflow.approval_meta(snapshot))
    return attachment(body, f"{_snapshot_name(snapshot)}.xlsx", XLSX)


@require_GET
@login_required
def audit(request: HttpRequest, pk: int) -> HttpResponse:
    table = table_for(request, pk)
    entries = table.audit_entries.select_related("user").order_by("-at", "-id")
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(request, "review/audit.html", {"table": table, "page": page})
