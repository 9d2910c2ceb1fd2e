"""The editor's pages: starting a table, its steps, suggestions, value parse and the catalog."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from indicators.catalog import add_to_catalog, suggest
from indicators.models import CatalogEntry, Indicator
from indicators.values import parse_value
from tables import permissions
from tables.access import editor_table, get_table_for_user, require
from tables.editor import editing
from tables.editor.access import _int
from tables.editor.context import _form_base, _forms_for, _step_context
from tables.editor.display import describe_value, parse_html
from tables.editor.editing import Conflict, EditError, NotEditable, StartError
from tables.editor.forms import BlankStartForm, CopyStartForm, ImportStartForm, PasteStartForm
from tables.editor.responses import _reload, _trigger
from tables.editor.steps import STEP_LABELS, STEPS
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
    data = request.POST if request.method == "POST" else None
    forms = {
        "blank": BlankStartForm(data if mode == "blank" else None, prefix="blank", organisations=orgs),
        "copy": CopyStartForm(data if mode == "copy" else None, prefix="copy", sources=sources),
        "import": ImportStartForm(
            data if mode == "import" else None,
            request.FILES if mode == "import" else None,
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
    context = {"forms": forms, "mode": mode if mode in forms else "blank", "problems": [], "existing": None}
    if request.method == "GET":
        return render(request, "editor/start.html", context)
    if mode not in forms:
        return HttpResponseBadRequest("未知的新建方式")
    form = forms[mode]
    if not form.is_valid():
        return render(request, "editor/start.html", context, status=422)
    data = form.cleaned_data
    try:
        if mode == "blank":
            table = editing.start_blank(
                data["round"],
                data["organisation"],
                user=request.user,
                project_code=data["project_code"].strip(),
                project_name=data["project_name"].strip(),
            )
            messages.success(request, "已新建绩效目标表。")
        elif mode == "copy":
            table = editing.copy_table(data["source"], data["round"], user=request.user)
            messages.success(request, f"已从{data['source'].year}年的表复制全部内容，请逐项核对更新。")
        elif mode == "import":
            table = _import_upload(data, request.user)
            messages.success(request, "已导入文件。")
        else:
            result = _paste_table(data, request.user)
            if isinstance(result, list):  # problems to confirm first
                context["problems"] = result
                return render(request, "editor/start.html", context, status=200)
            table, problems = result
            messages.success(request, "已从粘贴的文本新建绩效目标表。")
            for problem in problems:
                messages.warning(request, problem)
    except StartError as exc:
        form.add_error(None, str(exc))
        context["existing"] = exc.existing
        return render(request, "editor/start.html", context, status=422)
    return redirect("editor-step", pk=table.pk, step="basic")


def _import_upload(data: dict, user) -> TargetTable:
    from tables.imports.dispatch import ImportFailed, check_size, read_document

    upload = data["file"]
    suffix = Path(upload.name).suffix.lower()
    try:
        check_size(upload.size, upload.name)  # before copying it: Django accepts any size of file
    except ImportFailed as exc:
        raise StartError(str(exc)) from exc
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            document, problems = read_document(path, name=upload.name)
        except ImportFailed as exc:
            raise StartError(str(exc)) from exc
    if problems:
        raise StartError("文件中有无法识别的内容：" + "；".join(problems[:10]))
    return editing.import_exchange(
        document, round_=data["round"], organisation=data["organisation"], user=user, name=upload.name
    )


def _paste_table(data: dict, user):
    """Problems to confirm (a list of lines), or (table, notes) once created."""
    from tables.imports.text import parse_table_text

    round_ = data["round"]
    if round_.layout.kind != TargetTable.Kind.DEPARTMENT:
        raise StartError("粘贴整张表目前只支持部门（单位）整体表；项目支出表请新建后在“绩效指标”步骤粘贴指标行。")
    parsed = parse_table_text(data["text"], source="粘贴的文本")
    problems = [f"第 {line} 行“{text.strip()[:60]}”：{reason}" for line, text, reason in parsed.problems]
    if not parsed.data.get("indicators") and not parsed.data.get("tasks") and not parsed.data.get("goal"):
        raise StartError("没有从粘贴的文本中识别出任务、目标或指标。" + ("；".join(problems[:5])))
    if problems and not data.get("confirm"):
        return problems
    table, notes = editing.create_from_data(
        parsed.data, round_=round_, organisation=data["organisation"], user=user, source="粘贴的文本"
    )
    return table, [f"未导入：{p}" for p in problems] + notes


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
    table, can_edit = editor_table(request, pk, write=request.method == "POST", full=True)
    if request.method == "POST":
        return _save_step_form(request, table, step)
    form = _forms_for(step, table, request.user)
    if form is not None and not can_edit:
        for f in form.fields.values():
            f.disabled = True
    context = _step_context(request, table, can_edit, step, form=form, form_base=_form_base(form, table))
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
    key = f"form-{step}"
    conflict = error = None
    saved = None
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
            error = str(exc)
            form.add_error(None, error)
    fresh = _reload(table)
    if saved is not None:
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
                    "key": key,
                    "base": context["form_base"],
                    "changedElsewhere": saved.changed_elsewhere,
                }
            },
        )
    status = 409 if conflict is not None else 422
    diffs = []
    if conflict is not None:
        labels = {name: form.fields[name].label for name in form.fields}
        for name in form.model_fields:
            field_name = name[:-3] if name.endswith("_id") else name
            current = conflict.current.get(name, "")
            mine = request.POST.get(field_name, "")
            if str(current) != str(mine):
                shown = current
                if field_name in ("organisation", "round") and current:
                    shown = str(form.fields[field_name].queryset.filter(pk=current).first() or current)
                diffs.append(
                    (labels.get(field_name, field_name), shown or "（空）", _choice_text(form, field_name, mine))
                )
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
        return _trigger(HttpResponse(body, status=status), {"editor:failed": {"key": key}})
    return render(request, f"editor/step_{step}.html", {**context, "oob": False}, status=status)


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
@require_POST
def catalog_add(request: HttpRequest, indicator_id: int) -> HttpResponse:
    """纳入指标库: a reviewer or admin keeps a well-written indicator as an example."""
    indicator = Indicator.objects.select_related("table__layout").filter(pk=indicator_id).first()
    if indicator is None:
        raise Http404("没有这个指标")
    table = get_table_for_user(request.user, indicator.table_id)
    require(permissions.can_catalog(request.user, table))
    entry, created = add_to_catalog(indicator, user=request.user)
    if request.htmx:
        return render(request, "editor/parts.html#catalog-added", {"entry": entry, "created": created})
    messages.success(request, f"已将“{entry.level3}”纳入指标库。")
    return redirect("editor-step", pk=table.pk, step="indicators")


@login_required
@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    """The catalog of common indicators, searchable."""
    q = request.GET.get("q", "").strip()
    level1 = request.GET.get("level1", "").strip()
    entries = CatalogEntry.objects.filter(active=True).select_related("source_table__organisation")
    if q:
        entries = entries.filter(level3__icontains=q)
    if level1:
        entries = entries.filter(level1=level1)
    level1_names = (
        CatalogEntry.objects.filter(active=True).order_by("level1").values_list("level1", flat=True).distinct()
    )
    context = {"entries": entries[:500], "q": q, "level1": level1, "level1_names": level1_names}
    template = "editor/catalog.html#list" if request.htmx else "editor/catalog.html"
    return render(request, template, context)
