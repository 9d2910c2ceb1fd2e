"""The editor's pages: starting a table, its steps, suggestions, value parse, 纳入指标库 (and the old
address of the catalog, now the library's page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from indicators.catalog import suggest
from indicators.values import parse_value
from tables import permissions
from tables.access import editor_table
from tables.editor import editing, starting
from tables.editor.access import _int
from tables.editor.context import _form_base, _forms_for, _step_context
from tables.editor.display import describe_value, grid_indicators, parse_html
from tables.editor.editing import Conflict, EditError, NotEditable
from tables.editor.forms import BlankStartForm, CopyStartForm, ImportStartForm, PasteStartForm
from tables.editor.responses import _reload, _trigger
from tables.editor.starting import StartError, Unconfirmed
from tables.editor.steps import STEP_LABELS, STEPS
from tables.imports.exchange import attach_rows
from tables.models import TargetTable


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """新建绩效目标表: blank, copied from an earlier year, imported from a file, or from pasted text."""
    orgs = permissions.fillable_organisations(request.user)
    if not orgs.exists():
        raise PermissionDenied("您没有填报权限，不能新建绩效目标表。")
    sources = editing.copy_sources(request.user)
    mode = request.POST.get("mode", "") if request.method == "POST" else request.GET.get("mode", "blank")
    forms = _start_forms(request, mode, orgs, sources)
    context = {"forms": forms, "mode": mode if mode in forms else "blank", "problems": [], "existing": None}
    if request.method == "GET":
        return render(request, "editor/start.html", context)
    if mode not in forms:
        return HttpResponseBadRequest("未知的新建方式")
    form = forms[mode]
    if not form.is_valid():
        return render(request, "editor/start.html", context, status=422)
    try:
        table = _STARTERS[mode](request, form.cleaned_data)
    except Unconfirmed as exc:
        # A copy into another layout lists what will change; pasted text, the lines it could not place.
        context["copy_changes" if mode == "copy" else "problems"] = exc.problems
        return render(request, "editor/start.html", context, status=200)
    except StartError as exc:
        form.add_error(None, str(exc))
        context["existing"] = exc.existing
        return render(request, "editor/start.html", context, status=422)
    return redirect("editor-step", pk=table.pk, step="basic")


def _start_forms(request: HttpRequest, mode: str, orgs, sources) -> dict:
    """The four ways' forms; only the chosen one is bound to what was posted."""
    posted = request.method == "POST"
    data = request.POST if posted else None
    files = request.FILES if posted and mode == "import" else None  # an empty MultiValueDict would bind the form
    forms = {
        "blank": BlankStartForm(data if mode == "blank" else None, prefix="blank", organisations=orgs),
        "copy": CopyStartForm(
            data if mode == "copy" else None, prefix="copy", sources=sources, rounds=starting.copy_rounds(sources)
        ),
        "import": ImportStartForm(
            data if mode == "import" else None,
            files,
            prefix="import",
            organisations=orgs,
        ),
        "paste": PasteStartForm(data if mode == "paste" else None, prefix="paste", organisations=orgs),
    }
    if request.method == "GET":
        first = sources.first()
        if first is not None:
            forms["copy"].initial["source"] = first.pk
        if orgs.count() == 1:
            for key in ("blank", "import", "paste"):
                forms[key].initial["organisation"] = orgs.first().pk
    return forms


def _start_blank(request: HttpRequest, data: dict) -> TargetTable:
    table = starting.start_blank(
        data["round"],
        data["organisation"],
        user=request.user,
        project_code=data["project_code"].strip(),
        project_name=data["project_name"].strip(),
    )
    messages.success(request, "已新建绩效目标表。")
    return table


def _start_copy(request: HttpRequest, data: dict) -> TargetTable:
    source, round_ = data["source"], data["round"]
    plan = starting.carry_plan(source, round_)
    table = starting.copy_table(source, round_, user=request.user, confirmed=bool(data.get("confirm")))
    messages.success(request, f"已从{source.year}年的表复制全部内容，请逐项核对更新。" + "；".join(plan.changes) + "。")
    return table


def _start_import(request: HttpRequest, data: dict) -> TargetTable:
    table = starting.import_upload(
        data["file"], round_=data["round"], organisation=data["organisation"], user=request.user
    )
    messages.success(request, "已导入文件。")
    return table


def _start_paste(request: HttpRequest, data: dict) -> TargetTable:
    table, notes = starting.start_from_text(
        data["text"],
        round_=data["round"],
        organisation=data["organisation"],
        user=request.user,
        confirmed=bool(data.get("confirm")),
    )
    messages.success(request, "已从粘贴的文本新建绩效目标表。")
    for note in notes:
        messages.warning(request, note)
    return table


# How each of the start page's forms starts a table (its `mode`).
_STARTERS = {"blank": _start_blank, "copy": _start_copy, "import": _start_import, "paste": _start_paste}


# ---------------------------------------------------------------- steps


@login_required
@require_GET
def table_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """The editor of a table: its first step."""
    editor_table(request, pk)
    return redirect("editor-step", pk=pk, step="basic")


@login_required
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One step of the editor; POST saves the step's header form (steps 1–3)."""
    if step not in STEP_LABELS:
        raise Http404("没有这一步")
    if request.method == "POST":
        table, can_edit = editor_table(request, pk, write=True, full=True)
        return _save_step_form(request, table, step)
    # Step 4 reads its indicators as values (`grid_indicators`), the other steps as model instances.
    grid = step == "indicators"
    table, can_edit = editor_table(request, pk, full=not grid)
    if grid:
        attach_rows(table, indicators=False)
    form = _forms_for(step, table, request.user)
    if form is not None and not can_edit:
        for f in form.fields.values():
            f.disabled = True
    context = _step_context(
        request,
        table,
        can_edit,
        step,
        form=form,
        form_base=_form_base(form, table),
        indicator_rows=grid_indicators(table) if grid else None,
    )
    template = f"editor/step_{step}.html"
    if request.htmx:
        template += "#grid" if step in ("tasks", "indicators") else "#content"
    return render(request, template, context)


def _save_step_form(request: HttpRequest, table: TargetTable, step: str) -> HttpResponse:
    form = _forms_for(step, table, request.user, data=request.POST)
    if form is None:
        return HttpResponse("这一步没有可保存的表单", status=405)
    base = request.POST.get("overwrite_base") or request.POST.get("base", "")
    based_on = _int(request.POST.get("version"))
    conflict = saved = None
    if form.is_valid():
        try:
            saved = editing.save_fields(
                table, form.model_values(), fields=form.model_fields, base=base, based_on=based_on, user=request.user
            )
        except NotEditable as exc:
            raise PermissionDenied(str(exc)) from exc
        except Conflict as exc:
            conflict = exc
        except EditError as exc:
            form.add_error(None, str(exc))
    fresh = _reload(table)
    if saved is not None:
        return _step_form_saved(request, table, fresh, step, form, saved)
    return _step_form_failed(request, fresh, step, form, base, conflict)


def _step_form_saved(
    request: HttpRequest, table: TargetTable, fresh: TargetTable, step: str, form, saved: editing.Saved
) -> HttpResponse:
    """The step goes on (the next step, without htmx), or answers with the new base out of band."""
    if not request.htmx:
        messages.success(request, "已保存。")
        following = {s: STEPS[i + 1][0] for i, (s, _) in enumerate(STEPS[:-1])}
        return redirect("editor-step", pk=table.pk, step=following[step] if request.POST.get("next") else step)
    context = _step_context(request, fresh, True, step, oob=True, form=form, form_base=_form_base(form, fresh))
    body = render_to_string("editor/parts.html#form-saved", context, request=request)
    response = HttpResponse(body)
    response["X-Table-Version"] = str(saved.version)
    if step == "basic" and any(
        getattr(table, name) != getattr(fresh, name) for name in ("organisation_id", "round_id", "title")
    ):
        response["HX-Refresh"] = "true"  # the page header names them
    return _trigger(
        response,
        {
            "editor:saved": {
                "key": f"form-{step}",
                "base": context["form_base"],
                "changedElsewhere": saved.changed_elsewhere,
            }
        },
    )


def _step_form_failed(
    request: HttpRequest, fresh: TargetTable, step: str, form, base: str, conflict: Conflict | None
) -> HttpResponse:
    """The form again with its errors (422), or with the newer values beside the user's (409)."""
    status = 409 if conflict is not None else 422
    diffs = _conflict_diffs(request, form, conflict) if conflict is not None else []
    context = _step_context(
        request,
        fresh,
        True,
        step,
        form=form,
        form_base=_form_base(form, fresh) if conflict is None else base,
        conflict=conflict,
        diffs=diffs,
        oob=bool(request.htmx),
    )
    if request.htmx:
        body = render_to_string("editor/parts.html#form-failed", context, request=request)
        return _trigger(HttpResponse(body, status=status), {"editor:failed": {"key": f"form-{step}"}})
    return render(request, f"editor/step_{step}.html", {**context, "oob": False}, status=status)


def _conflict_diffs(request: HttpRequest, form, conflict: Conflict) -> list[tuple[str, str, str]]:
    """(label, stored, mine) for each field whose stored value differs from what the user sent."""
    labels = {name: form.fields[name].label for name in form.fields}
    diffs = []
    for name in form.model_fields:
        field_name = name[:-3] if name.endswith("_id") else name
        current = conflict.current.get(name, "")
        mine = request.POST.get(field_name, "")
        if str(current) != str(mine):
            shown = current
            if field_name in ("organisation", "round") and current:
                shown = str(form.fields[field_name].queryset.filter(pk=current).first() or current)
            diffs.append((labels.get(field_name, field_name), shown or "（空）", _choice_text(form, field_name, mine)))
    return diffs


def _choice_text(form, name: str, raw: str) -> str:
    field = form.fields.get(name)
    if field is not None and hasattr(field, "queryset") and raw:
        found = field.queryset.filter(pk=_int(raw)).first()
        return str(found) if found else raw
    return raw or "（空）"


# ---------------------------------------------------------------- suggestions, value parse, catalog


@login_required
@require_GET
def suggest_names(request: HttpRequest, pk: int) -> HttpResponse:
    """<option>s for the 三级 name being typed: earlier years of the organisation, then the catalog."""
    table, _ = editor_table(request, pk)
    items = suggest(
        request.GET.get("level3", ""),
        organisation_id=table.organisation_id,
        before_year=table.year,
        level2=request.GET.get("level2", ""),
    )
    return render(request, "editor/parts.html#suggestions", {"items": items})


@login_required
@require_GET
def parse_value_view(request: HttpRequest) -> HttpResponse:
    """What the value grammar reads in `value` (shown under the cell as you type)."""
    return HttpResponse(parse_html(describe_value(parse_value(request.GET.get("value", "")))))


@login_required
@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    """The old address of the catalog: the indicator library's page (`tables/library/`) took its place."""
    query = request.GET.urlencode()
    return redirect(f"{reverse('library')}?{query}" if query else reverse("library"))
