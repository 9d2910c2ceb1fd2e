"""Row editing over htmx: a row's autosave, inserting, deleting, moving, undo and paste."""

from __future__ import annotations

import html
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from indicators import record
from tables.access import editor_table
from tables.editor import editing
from tables.editor.access import _int, _kind
from tables.editor.context import _step_context
from tables.editor.display import cell_text
from tables.editor.editing import ROW_KINDS, Conflict, EditError, NotEditable, TooManyRows
from tables.editor.forms import IndicatorRowForm, PasteRowsForm, TaskRowForm
from tables.editor.pasted_tasks import parse_task_rows
from tables.editor.responses import _conflict_response, _grid_response, _posted, _reload, _trigger
from tables.imports.exchange import attach_rows
from tables.imports.text.words import INDICATOR_FIELDS as PASTED_COLUMNS
from tables.models import TargetTable

# The salt keeps its pre-package name: undo tokens already handed out stay valid.
_UNDO_SALT = "tables.editor.undo"
_UNDO_MAX_AGE = 24 * 3600


def _row_form(table: TargetTable, kind: str, data):
    if kind == "tasks":
        return TaskRowForm(data, with_amounts=table.layout.has("task_amounts"))
    return IndicatorRowForm(data, columns=list(table.layout.columns), labels=table.layout.column_labels)


@login_required
@require_http_methods(["GET", "POST"])
def row(request: HttpRequest, pk: int, kind: str, row_id: int) -> HttpResponse:
    """GET: the row as stored (reload after a conflict). POST: save the row's cells."""
    spec = _kind(kind)
    # A save loads the rows once it has written (below), as they then are.
    table, can_edit = editor_table(request, pk, write=request.method == "POST", full=request.method == "GET")
    if request.method == "GET":
        context = _step_context(request, table, can_edit, kind)
        rows = context["task_rows" if kind == "tasks" else "rows"]
        found = next((r for r in rows if r.obj.pk == row_id), None)
        if found is None:
            raise Http404("该行已不存在")
        partial = "task-row" if kind == "tasks" else "indicator-row"
        return render(request, f"editor/step_{kind}.html#{partial}", {**context, "row": found})

    form = _row_form(table, kind, request.POST)
    dom = f"{spec.dom}-{row_id}"
    url = reverse("editor-row", args=[table.pk, kind, row_id])
    if not form.is_valid():
        errors = [
            f"{form.fields[name].label}：{'；'.join(errs)}" for name, errs in form.errors.items() if name in form.fields
        ]
        body = render_to_string("editor/parts.html#row-failed", {"dom": dom, "errors": errors}, request=request)
        return _trigger(HttpResponse(body, status=422), {"editor:failed": {"key": dom}})
    base = request.POST.get("overwrite_base") or request.POST.get("base", "")
    values = {name: form.cleaned_data[name] for name in form.fields}
    try:
        saved = editing.save_row(
            table, kind, row_id, values, base=base, based_on=_int(request.POST.get("version")), user=request.user
        )
    except NotEditable as exc:
        raise PermissionDenied(str(exc)) from exc
    except Conflict as exc:
        return _conflict_response(request, table, kind, dom, exc, _posted(request, spec.fields), url)
    table.version = saved.version
    events = {
        "editor:saved": {
            "key": dom,
            "base": editing.row_fingerprint(saved.obj),
            "changedElsewhere": saved.changed_elsewhere,
        }
    }
    if kind == "indicators" and (cells := _derived_cells(dom, form, saved.obj)):
        events["editor:saved"]["cells"] = cells
    regroup = kind == "indicators" and bool({"level1", "level2"} & set(saved.changed))
    if regroup:
        # The row joined another 一级/二级 group: the grid's group headings change.
        response = _grid_response(request, attach_rows(table), kind, saved=saved)
        response["HX-Retarget"] = "#indicator-grid"
        response["HX-Reswap"] = "outerHTML"
        return _trigger(response, events)  # editor:saved replaces the grid's editor:written
    # Last year's value follows the name: look it up again only when the name changed.
    renamed = "level3" in saved.changed
    context = _step_context(
        request,
        attach_rows(table, indicators=False),
        True,
        kind,
        oob=True,
        only_row=row_id,
        saved_row=saved.obj,
        last_year=renamed,
        renamed=renamed,
    )
    rows = context["task_rows" if kind == "tasks" else "rows"]
    context["row"] = rows[0] if rows else None
    body = render_to_string("editor/parts.html#row-saved", context, request=request)
    response = HttpResponse(body)
    response["X-Table-Version"] = str(saved.version)
    return _trigger(response, events)


def _derived_cells(dom: str, form: IndicatorRowForm, row) -> dict[str, str]:
    """The cells of the row that the save re-derived (value ↔ parts), by element id, with what they now hold.

    Sent in the `editor:saved` event rather than swapped: editor.js leaves a cell the user is typing in alone.
    """
    cells = {}
    for name in editing.VALUE_GROUP:
        if name in form.fields:
            shown, sent = cell_text(row, name), form.cleaned_data.get(name) or ""
            if shown != sent and not (name == "number" and _same_number(shown, sent)):
                cells[f"{dom}-{name}"] = shown
    return cells


def _same_number(shown: str, sent: str) -> bool:
    """`95.0` typed and `95` stored are the same number: the cell keeps what was typed."""
    try:
        return Decimal(shown) == Decimal(record.join_value("", sent, ""))
    except InvalidOperation:
        return False


@login_required
@require_POST
def row_new(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Add a row after `after` (or at the end), optionally with values (一级/二级 of its group)."""
    spec = _kind(kind)
    table, _ = editor_table(request, pk, write=True)
    values = {name: request.POST[name] for name in spec.fields if name in request.POST}
    if kind == "indicators" and not values.get("level1") and "after" not in request.POST:
        last = spec.queryset(table.pk).order_by("-position").values("level1", "level2").first()
        if last:
            values.setdefault("level1", last["level1"])
            values.setdefault("level2", last["level2"])
    try:
        saved = editing.insert_rows(
            table,
            kind,
            [values],
            after_id=_int(request.POST.get("after")),
            based_on=_int(request.POST.get("version")),
            user=request.user,
        )
    except NotEditable as exc:
        raise PermissionDenied(str(exc)) from exc
    except TooManyRows as exc:  # the grid as it was, and the limit in a message
        messages.error(request, str(exc))
        return _grid_response(request, _reload(table), kind, status=422)
    except ValueError as exc:  # an amount that is not a number
        # The message quotes what was typed, and htmx swaps a 422 in as HTML.
        return HttpResponse(html.escape(str(exc)), status=422)
    first = "name" if kind == "tasks" else "level3"
    return _grid_response(request, _reload(table), kind, focus=f"{spec.dom}-{saved.obj.pk}-{first}", saved=saved)


@login_required
@require_POST
def row_delete(request: HttpRequest, pk: int, kind: str, row_id: int) -> HttpResponse:
    """Delete a row (if unchanged since seen); the answer carries an undo for it."""
    spec = _kind(kind)
    table, _ = editor_table(request, pk, write=True)
    try:
        saved = editing.delete_row(
            table,
            kind,
            row_id,
            base=request.POST.get("overwrite_base") or request.POST.get("base", ""),
            based_on=_int(request.POST.get("version")),
            user=request.user,
        )
    except NotEditable as exc:
        raise PermissionDenied(str(exc)) from exc
    except Conflict as exc:
        dom = f"{spec.dom}-{row_id}"
        url = reverse("editor-row", args=[table.pk, kind, row_id])
        return _conflict_response(request, table, kind, dom, exc, {}, url)
    snapshot = saved.snapshot
    name = snapshot["values"].get("name" if kind == "tasks" else "level3") or "（未命名）"
    undo = render_to_string(
        "editor/parts.html#undo-bar",
        {
            "oob": True,
            "table": table,
            "kind": kind,
            "label": f"已删除第 {snapshot['position']} 行{spec.label}“{name}”",
            "token": signing.dumps(snapshot, salt=_UNDO_SALT, compress=True),
        },
        request=request,
    )
    return _grid_response(request, _reload(table), kind, extra=undo, saved=saved)


@login_required
@require_POST
def row_move(request: HttpRequest, pk: int, kind: str, row_id: int) -> HttpResponse:
    """Move a row one place up or down."""
    _kind(kind)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponseBadRequest("direction 应为 up 或 down")
    table, _ = editor_table(request, pk, write=True)
    try:
        saved = editing.move_row(
            table, kind, row_id, direction, based_on=_int(request.POST.get("version")), user=request.user
        )
    except NotEditable as exc:
        raise PermissionDenied(str(exc)) from exc
    except Conflict:
        return _grid_response(request, _reload(table), kind, status=409)
    return _grid_response(request, _reload(table), kind, saved=saved)


@login_required
@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo the last delete: put the row back where it was."""
    table, _ = editor_table(request, pk, write=True)
    try:
        snapshot = signing.loads(request.POST.get("token", ""), salt=_UNDO_SALT, max_age=_UNDO_MAX_AGE)
    except signing.BadSignature:
        return HttpResponseBadRequest("撤销信息无效或已过期")
    try:
        saved = editing.restore_row(table, snapshot, based_on=_int(request.POST.get("version")), user=request.user)
    except NotEditable as exc:
        raise PermissionDenied(str(exc)) from exc
    except EditError as exc:
        return HttpResponseBadRequest(str(exc))
    kind = snapshot["kind"]
    clear = '<div id="undo-bar" hx-swap-oob="true"></div>'
    first = "name" if kind == "tasks" else "level3"
    return _grid_response(
        request,
        _reload(table),
        kind,
        extra=clear,
        saved=saved,
        focus=f"{ROW_KINDS[kind].dom}-{saved.obj.pk}-{first}",
    )


@login_required
@require_POST
def paste_rows(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Rows pasted from Excel/WPS/Word: parse, insert after `after`, report what could not be placed."""
    spec = _kind(kind)
    table, _ = editor_table(request, pk, write=True, full=True)
    form = PasteRowsForm(request.POST)
    from tables.imports.text import MAX_CHARS, MAX_LINES

    text = form.cleaned_data["text"] if form.is_valid() else ""
    if "text" in form.errors:
        refused = "请粘贴从 Excel / WPS / Word 复制的行。"
    elif form.errors:  # `after`, a hidden row id, is not a number: a page from another version
        refused = "插入位置无法识别，请刷新页面后再粘贴。"
    elif len(text) > MAX_CHARS or text.count("\n") > MAX_LINES:
        refused = f"粘贴的内容过长（最多 {MAX_LINES} 行、{MAX_CHARS // 10000} 万字），请分次粘贴。"
    else:
        refused = ""
    if refused:
        # The form targets the grid: answer with the grid unchanged and the reason in the paste report
        # (a bare text answer would replace the grid with one line).
        report = render_to_string(
            "editor/parts.html#paste-report",
            {"oob": True, "added": 0, "problems": [], "label": spec.label, "refused": refused},
            request=request,
        )
        return _grid_response(request, table, kind, extra=report, status=422)
    after = form.cleaned_data.get("after")
    qs = spec.queryset(table.pk)
    if kind == "indicators":
        from tables.imports.text import parse_indicator_rows

        anchor = qs.filter(pk=after).first() if after else qs.order_by("-position").first()
        previous = {"level1": anchor.level1, "level2": anchor.level2} if anchor else None
        # The parser reads the seeds' columns (tables/imports/text/words.py); a split form's other
        # columns are not among them yet, so a headerless paste is read by the columns it knows.
        known = [key for key in table.layout.columns if key in PASTED_COLUMNS]
        result = parse_indicator_rows(text, columns=known, tree=table.layout.scheme.tree(), previous=previous)
        rows, problems = result.rows, result.problems
    else:
        rows, problems = parse_task_rows(text, with_amounts=table.layout.has("task_amounts"))
    saved = None
    refused = ""
    if rows:
        try:
            saved = editing.insert_rows(
                table, kind, rows, after_id=after, based_on=_int(request.POST.get("version")), user=request.user
            )
        except NotEditable as exc:
            raise PermissionDenied(str(exc)) from exc
        except TooManyRows as exc:
            refused = str(exc)
    added = 0 if refused else len(rows)
    report = render_to_string(
        "editor/parts.html#paste-report",
        {"oob": True, "added": added, "problems": problems, "label": spec.label, "refused": refused},
        request=request,
    )
    response = _grid_response(
        request,
        _reload(table),
        kind,
        extra=report,
        saved=saved,
        status=200 if added else 422,
    )
    return response
