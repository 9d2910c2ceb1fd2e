"""The 建议指标 panel of step 4: suggestions grouped by source with their reason, and "添加" that
inserts one as a new row under its 一级/二级 through `editing.insert_rows` (versions and audit as
any new row)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from indicators import suggestions
from indicators.models import Indicator
from tables.access import editor_table
from tables.editor import editing
from tables.editor.access import _int
from tables.editor.editing import NotEditable, TooManyRows
from tables.editor.responses import _grid_response, _reload
from tables.models import TargetTable
from tables.suggesting import suggestions_for

PANEL_SIZE = 12
# What "添加" copies from a suggestion into the new row.
ADDED_FIELDS = ("level1", "level2", "level3", "value", "basis", "explanation", "direction")


def panel_context(table: TargetTable) -> dict:
    """The suggestions for `table`, grouped by source in the engine's order of sources."""
    found = suggestions_for(table, PANEL_SIZE)
    groups = []
    for source, label in suggestions.SOURCE_LABELS.items():
        items = [s for s in found if s.source == source]
        if items:
            groups.append({"source": source, "label": label, "items": items})
    return {"table": table, "groups": groups, "add_url": reverse("editor-suggestion-add", args=[table.pk])}


@login_required
@require_GET
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    """建议指标: the panel (htmx), or a page holding it; for those who may edit the table."""
    table, _ = editor_table(request, pk, write=True)
    if request.htmx:
        return render(request, "editor/suggestions.html#panel", panel_context(table))
    # A page of its own (a link opened in a new tab, no JavaScript): 添加 posts and comes back here.
    return render(request, "editor/suggestions.html", {**panel_context(table), "standalone": True})


@login_required
@require_POST
def add(request: HttpRequest, pk: int) -> HttpResponse:
    """添加: the suggestion as a new row under its 一级/二级, then the grid and the panel without it."""
    table, _ = editor_table(request, pk, write=True)
    values = {name: request.POST.get(name, "").strip() for name in ADDED_FIELDS}
    if not values["level3"]:
        return HttpResponse("缺少三级指标名称", status=400)
    values["level1"], values["level2"] = place_in_tree(table.layout.scheme.tree(), values["level1"], values["level2"])
    if values["direction"] not in dict(Indicator._meta.get_field("direction").choices):
        values["direction"] = ""
    try:
        saved = editing.insert_rows(
            table,
            "indicators",
            [values],
            **_where(table, values["level1"], values["level2"]),
            based_on=_int(request.POST.get("version")),
            user=request.user,
        )
    except NotEditable as exc:
        raise PermissionDenied(str(exc)) from exc
    except TooManyRows as exc:
        messages.error(request, str(exc))
        if not request.htmx:
            return redirect("editor-step", pk=table.pk, step="indicators")
        return _grid_response(request, _reload(table), "indicators", status=422)
    if not request.htmx:  # with htmx the row in the grid and the save state say it
        messages.success(request, f"已添加建议指标“{values['level3']}”。")
        return redirect("editor-suggestions", pk=table.pk)
    fresh = _reload(table)
    context = panel_context(fresh)
    body = render_to_string("editor/suggestions.html#panel", {**context, "oob": True}, request=request)
    response = _grid_response(request, fresh, "indicators", extra=body, saved=saved)
    # The button pressed is gone with its suggestion: the next one takes the focus.
    response["HX-Trigger-After-Settle"] = json.dumps({"editor:focus": {"id": "suggestion-first"}})
    return response


def place_in_tree(tree: dict[str, list[str]], level1: str, level2: str) -> tuple[str, str]:
    """The table's own 一级/二级 for a suggestion's (another scheme may file it elsewhere): the same pair,
    else the 二级 under whichever 一级 holds it, else the 一级's first 二级; as given when none fits."""
    if level2 in tree.get(level1, ()):
        return level1, level2
    for name, children in tree.items():
        if level2 in children:
            return name, level2
    if tree.get(level1):
        return level1, tree[level1][0]
    return level1, level2


def _where(table: TargetTable, level1: str, level2: str) -> dict:
    """Where the new row goes: after the last row filed before or with its 一级/二级 in the scheme's order."""
    tree = table.layout.scheme.tree()
    order = {(l1, l2): (i, j) for i, (l1, children) in enumerate(tree.items()) for j, l2 in enumerate(children)}
    far = (len(order) + 1, 0)
    mine = order.get((level1, level2), far)
    after = None
    rows = Indicator.objects.filter(table=table).order_by("position").values_list("pk", "level1", "level2")
    for pk, row_level1, row_level2 in rows:
        if order.get((row_level1, row_level2), far) <= mine:
            after = pk
    return {"after_id": after} if after is not None else {"position": 1}
