"""The library's pages: browsing and searching it (anyone signed in), and importing an edition of a
province's workbook — upload, preview, 确认导入 — for the bureau admin only (`require_admin`: 403)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from indicators.library.editions import PREVIEW_ROWS
from indicators.library.search import search_entries, words_of
from indicators.models import CatalogEntry, LibraryEdition, LibraryField
from tables.access import require_admin
from tables.library import importing
from tables.library.forms import ConfirmForm, UploadForm
from tables.params import int_param

PER_PAGE = 50
STATES = {"": "启用的", "retired": "已停用的", "all": "全部"}


def _tree(counts: dict[int, int], current: int | None) -> list[dict]:
    """The 行业/领域 tree as nested dicts in printed order, each with its entries (its own and below)."""
    fields = list(LibraryField.objects.order_by("position", "code", "name"))
    nodes = {f.pk: {"field": f, "children": [], "count": counts.get(f.pk, 0), "open": False} for f in fields}
    roots = []
    for f in fields:
        (nodes[f.parent_id]["children"] if f.parent_id in nodes else roots).append(nodes[f.pk])

    def total(node: dict) -> int:
        node["count"] += sum(total(child) for child in node["children"])
        node["open"] = node["field"].pk == current or any(child["open"] for child in node["children"])
        return node["count"]

    for root in roots:
        total(root)
    return roots


@require_GET
@login_required
def library(request: HttpRequest) -> HttpResponse:
    """The library: a 行业/领域 tree, a search as you type, filters, entries a page at a time."""
    q = (request.GET.get("q") or "").strip()[:100]
    field_id = int_param(request.GET, "field")
    level1 = (request.GET.get("level1") or "").strip()[:100]
    origin = request.GET.get("origin") or ""
    origin = origin if origin in CatalogEntry.Origin.values else ""
    state = request.GET.get("state") or ""
    state = state if state in STATES else ""
    active = {"": True, "retired": False, "all": None}[state]
    entries = search_entries(q, field_id=field_id, level1=level1, origin=origin, active=active)
    page = Paginator(entries.select_related("field", "edition"), PER_PAGE).get_page(request.GET.get("page"))
    filters = {"q": q, "field": field_id or "", "level1": level1, "origin": origin, "state": state}
    context = {"page": page, "filters": filters, "words": words_of(q), "states": STATES}
    if request.htmx:
        return render(request, "library/library.html#results", context)
    counts = dict(
        CatalogEntry.objects.filter(active=True, field__isnull=False)
        .values_list("field_id")
        .annotate(n=Count("pk"))
        .values_list("field_id", "n")
    )
    context |= {
        "tree": _tree(counts, field_id),
        "current_field": LibraryField.objects.filter(pk=field_id).first() if field_id else None,
        "level1_names": CatalogEntry.objects.order_by("level1").values_list("level1", flat=True).distinct(),
        "origins": CatalogEntry.Origin.choices,
        "edition": LibraryEdition.objects.first(),
        "total": CatalogEntry.objects.filter(active=True).count(),
    }
    return render(request, "library/library.html", context)


# ---------------------------------------------------------------- importing an edition (bureau admin)


@require_http_methods(["GET", "POST"])
@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            held = importing.hold(request.user, upload.name, upload.read(settings.IMPORT_MAX_BYTES + 1))
        except importing.LibraryImportError as exc:
            errors = exc.errors
        else:
            return redirect("library-import-preview", pk=held.pk)
    context = {"form": form, "errors": errors, "editions": LibraryEdition.objects.select_related("imported_by")[:10]}
    status = 422 if request.method == "POST" else 200
    return render(request, "library/import.html", context, status=status)


def _gone(request: HttpRequest) -> HttpResponse:
    messages.warning(request, "这次上传的预览已失效（已导入、已取消或超过 24 小时），请重新上传文件。")
    return redirect("library-import")


@require_GET
@login_required
def import_preview(request: HttpRequest, pk) -> HttpResponse:
    require_admin(request)
    held = importing.held_library(request.user, pk)
    if held is None:
        return _gone(request)
    return _render_preview(request, held, ConfirmForm(initial={"name": importing.default_name(held.name)}))


def _render_preview(request: HttpRequest, held, form: ConfirmForm, *, status: int = 200) -> HttpResponse:
    try:
        preview = importing.preview(held)
    except importing.LibraryImportError as exc:  # read before; a change of the reader can still refuse it
        held.delete()
        context = {"form": UploadForm(), "errors": exc.errors, "editions": LibraryEdition.objects.all()[:10]}
        return render(request, "library/import.html", context, status=422)
    context = {"held": held, "preview": preview, "form": form, "shown": PREVIEW_ROWS}
    return render(request, "library/preview.html", context, status=status)


@require_POST
@login_required
def import_confirm(request: HttpRequest, pk) -> HttpResponse:
    require_admin(request)
    held = importing.held_library(request.user, pk)
    if held is None:
        return _gone(request)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _render_preview(request, held, form, status=422)
    try:
        edition, _ = importing.confirm(held, name=form.cleaned_data["name"], user=request.user)
    except importing.LibraryImportError:
        return _render_preview(request, held, form, status=422)
    messages.success(request, importing.summary(edition))
    return redirect("library")


@require_POST
@login_required
def import_cancel(request: HttpRequest, pk) -> HttpResponse:
    require_admin(request)
    held = importing.held_library(request.user, pk)
    if held is not None:
        held.delete()
    messages.info(request, "已取消这次导入。")
    return redirect("library-import")
