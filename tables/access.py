"""How views load what a request asks for: 404 when the user may not see it, 403 when they see it
but may not do this (healthchecks' `_get_rw_check_for_user`).

The rules themselves are in `tables/permissions.py`; this module only turns their
answers into HTTP: `Http404` never says whether the thing exists, `PermissionDenied`
carries the rule's reason to the 403 page.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from tables import permissions
from tables.imports.exchange import attach_rows
from tables.models import ExportJob, ImportBatch, TargetTable, one
from tables.permissions import Answer

NOT_FOUND = "没有找到该绩效目标表"


def require(answer: Answer) -> None:
    """403 with the rule's reason unless `answer` allows."""
    if not answer:
        raise PermissionDenied(answer.reason)


def require_reviewer(request: HttpRequest) -> None:
    """The queue and the dashboard: reviewers and admins."""
    require(permissions.is_reviewer(request.user))


def require_admin(request: HttpRequest) -> None:
    require(permissions.is_admin(request.user))


def get_table_for_user(user, pk: int, queryset=None) -> TargetTable:
    """The table if `user` may see it, else 404 (no information leak)."""
    qs = queryset if queryset is not None else TargetTable.objects.all()
    table = one(qs.visible_to(user).filter(pk=pk))
    if table is None:
        raise Http404(NOT_FOUND)
    return table


def table_for(request: HttpRequest, pk: int, *, need: str | None = None, queryset=None) -> TargetTable:
    """The table: 404 when the user may not see it, 403 when they see it but are not its `need`
    ("filler" or "reviewer")."""
    qs = queryset if queryset is not None else TargetTable.objects.select_related("organisation", "round", "layout")
    table = get_table_for_user(request.user, pk, qs)
    if need == "filler":
        require(permissions.is_filler(request.user, table))
    elif need == "reviewer":
        require(permissions.is_reviewer(request.user, table))
    return table


def load_table(pk: int, *, full: bool) -> TargetTable | None:
    """The table with its layout and scheme; `full` adds the tasks and indicators the editor and the
    checks read (two more queries, whatever the number of rows)."""
    table = one(TargetTable.objects.select_related("organisation", "layout", "layout__scheme", "round").filter(pk=pk))
    if table is not None and full:
        attach_rows(table)
    return table


def editor_table(request: HttpRequest, pk: int, *, write: bool = False, full: bool = False) -> tuple[TargetTable, bool]:
    """The table and whether the user may edit it; 404 when not visible, 403 when read-only and writing.

    The role decides visibility as `TargetTable.objects.visible_to` does (both ask the user's
    `Reach`), from the organisation loaded with the table; rows are loaded only once access is granted.
    """
    table = load_table(pk, full=False)
    role = permissions.role_for(request.user, table.organisation) if table is not None else None
    if role is None:
        raise Http404(NOT_FOUND)
    editable = permissions.can_edit(request.user, table, role)
    if write:
        require(editable)
    if full:
        attach_rows(table)
    return table, bool(editable)


def export_job_for_user(request: HttpRequest, pk) -> ExportJob:
    """A bulk export job: 404 unless the user started it or is an admin."""
    job = ExportJob.objects.select_related("round").filter(pk=pk).first()
    if job is None or not permissions.can_see_export_job(request.user, job):
        raise Http404("没有找到该导出任务")
    return job


def import_batch_for_user(request: HttpRequest, pk) -> ImportBatch:
    """A batch import: 404 unless the user uploaded it or is an admin."""
    batch = ImportBatch.objects.filter(pk=pk).first()
    if batch is None or not permissions.can_see_import_batch(request.user, batch):
        raise Http404("没有找到该批量导入")
    return batch
