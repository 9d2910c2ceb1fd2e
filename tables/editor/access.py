"""How the editor's views load a table the user may see, and why it is read-only."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from tables.editor.editing import ROW_KINDS
from tables.imports.exchange import attach_rows
from tables.models import TargetTable, one
from tables.permissions import role_for


def _load_table(pk: int, *, full: bool) -> TargetTable | None:
    """The table with its layout and scheme; `full` adds the tasks and indicators the editor and the
    checks read (two more queries, whatever the number of rows)."""
    table = one(TargetTable.objects.select_related("organisation", "layout", "layout__scheme", "round").filter(pk=pk))
    if table is not None and full:
        attach_rows(table)
    return table


def _editor_table(
    request: HttpRequest, pk: int, *, write: bool = False, full: bool = False
) -> tuple[TargetTable, bool]:
    """The table and whether the user may edit it; 404 when not visible, 403 when read-only and writing.

    Fillers of the table's organisation and admins edit draft or returned
    tables; reviewers (and everyone on a submitted or approved table) only read.
    The role decides visibility as `TargetTable.objects.visible_to` does (no role, no table),
    from the organisation loaded with the table; rows are loaded only once access is granted.
    """
    table = _load_table(pk, full=False)
    role = role_for(request.user, table.organisation) if table is not None else None
    if role is None:
        raise Http404("没有找到该绩效目标表")
    can_edit = role in ("filler", "admin") and table.is_editable
    if write and not can_edit:
        raise PermissionDenied(_readonly_reason(table, role))
    if full:
        attach_rows(table)
    table.editor_role = role
    return table, can_edit


def _readonly_reason(table: TargetTable, role: str | None) -> str:
    if role not in ("filler", "admin"):
        return "您是审核人，只能查看，不能修改。"
    return f"该表{table.get_status_display()}，不能修改。"


def _kind(kind: str):
    if kind not in ROW_KINDS:
        raise Http404("没有这种行")
    return ROW_KINDS[kind]


def _int(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None
