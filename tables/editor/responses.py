"""The editor's htmx responses: out-of-band fragments, the whole grid, a conflict."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from tables.access import load_table
from tables.editor.context import _step_context
from tables.editor.editing import ROW_KINDS, Conflict
from tables.layouts import COLUMN_LABELS
from tables.models import TargetTable


def _trigger(response: HttpResponse, events: dict) -> HttpResponse:
    # ASCII JSON: a header value with Chinese would be MIME-encoded and unreadable to htmx.
    response["HX-Trigger"] = json.dumps(events, ensure_ascii=True)
    return response


def _oob_status(request: HttpRequest, table: TargetTable, step: str, can_edit: bool = True, **extra) -> str:
    """Step bar, findings panel and findings data, out of band (after any change)."""
    context = _step_context(request, table, can_edit, step, oob=True, **extra)
    return render_to_string("editor/parts.html#oob-status", context, request=request)


def _reload(table: TargetTable) -> TargetTable:
    fresh = load_table(table.pk, full=True)
    if fresh is None:
        raise Http404("没有找到该绩效目标表")
    return fresh


def _grid_response(
    request: HttpRequest,
    table: TargetTable,
    kind: str,
    *,
    status: int = 200,
    extra: str = "",
    focus: str | None = None,
    saved=None,
) -> HttpResponse:
    step = kind
    context = _step_context(request, table, True, step)
    body = render_to_string(f"editor/step_{step}.html#grid", context, request=request)
    body += render_to_string("editor/parts.html#oob-status", {**context, "oob": True}, request=request)
    response = HttpResponse(body + extra, status=status)
    if focus:
        # After settle: the element exists only once the new grid is in the page.
        response["HX-Trigger-After-Settle"] = json.dumps({"editor:focus": {"id": focus}})
    events: dict = {}
    if saved is not None:
        response["X-Table-Version"] = str(saved.version)
        events["editor:written"] = {"changedElsewhere": saved.changed_elsewhere}
    if events:
        _trigger(response, events)
    return response


def _conflict_response(
    request: HttpRequest, table: TargetTable, kind: str, dom: str, conflict: Conflict, mine: dict, url: str
) -> HttpResponse:
    spec = ROW_KINDS[kind]
    labels = _field_labels(table, kind)
    diffs = []
    if conflict.current is not None:
        for name in spec.fields:
            theirs = conflict.current.get(name) or ""
            if name in mine and (mine[name] or "") != theirs:
                diffs.append((labels.get(name, name), theirs or "（空）", mine[name] or "（空）"))
            elif not mine and theirs:  # a delete: show what would have gone
                diffs.append((labels.get(name, name), theirs, "（删除）"))
    context = {
        "dom": dom,
        "conflict": conflict,
        "diffs": diffs,
        "url": url,
        "kind": kind,
        "table": table,
        "new_url": reverse("editor-row-new", args=[table.pk, kind]),
        "grid_url": reverse("editor-step", args=[table.pk, kind]),
    }
    body = render_to_string("editor/parts.html#row-conflict", context, request=request)
    response = HttpResponse(body, status=409)
    return _trigger(response, {"editor:conflict": {"key": dom}})


def _field_labels(table: TargetTable, kind: str) -> dict[str, str]:
    if kind == "tasks":
        return {"name": "任务名称", "content": "主要内容", "total": "总额", "fiscal": "财政拨款", "other": "其他资金"}
    return dict(COLUMN_LABELS)


def _posted(request: HttpRequest, names) -> dict[str, str]:
    return {name: request.POST[name] for name in names if name in request.POST}
