"""An indicator's reference sheet (指标说明): an entry of the library, or a name the library does not
hold, with the typical values approved tables set for it per year and the approved tables (those the
viewer may see) that used it. Reached from any indicator row (the editor's grid, the review page) by
the row's id, resolved here so a grid draws its links without a query per row.

The statistics read every approved table (an anonymous distribution); the list of tables only the
ones the viewer may see (`TargetTable.objects.visible_to`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from indicators.catalog import name_key
from indicators.library import reference
from indicators.models import CatalogEntry, Indicator
from tables.access import get_table_for_user
from tables.models import TargetTable

TABLES_PER_PAGE = 20
NAME_MAX = 300


def sheet_url(name: str, level2: str = "", unit: str = "") -> str:
    """The sheet of an indicator by its name (resolved to a library entry on the page)."""
    query = {key: value for key, value in (("name", name), ("level2", level2), ("unit", unit)) if value}
    return f"{reverse('library-sheet')}?{urlencode(query)}"


@require_GET
@login_required
def indicator_sheet(request: HttpRequest, indicator_id: int) -> HttpResponse:
    """An indicator row's sheet: the library entry of its name (same 二级 first), or its name alone."""
    row = Indicator.objects.filter(pk=indicator_id).only("pk", "table_id", "level2", "level3", "unit").first()
    if row is None:
        raise Http404("没有找到该指标")
    get_table_for_user(request.user, row.table_id, TargetTable.objects.only("pk"))
    entry = reference.entry_for_name(row.level3, row.level2)
    if entry is not None:
        url = reverse("library-entry", args=[entry.pk])
        return redirect(f"{url}?{urlencode({'unit': row.unit})}" if row.unit else url)
    return redirect(sheet_url(row.level3, row.level2, row.unit))


@require_GET
@login_required
def name_sheet(request: HttpRequest) -> HttpResponse:
    """The sheet of a name: its library entry's when there is one, else the name with its typical values."""
    name = (request.GET.get("name") or "").strip()[:NAME_MAX]
    if not name_key(name):
        raise Http404("请指定指标名称")
    entry = reference.entry_for_name(name, request.GET.get("level2", ""))
    if entry is not None:
        return _sheet(request, entry, entry.level3)
    return _sheet(request, None, name)


@require_GET
@login_required
def entry_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    entry = reference.entry_with_details(pk)
    if entry is None:
        raise Http404("没有找到该指标库条目")
    return _sheet(request, entry, entry.level3)


def _sheet(request: HttpRequest, entry: CatalogEntry | None, name: str) -> HttpResponse:
    key = name_key(name)
    unit = entry.unit if entry is not None and entry.unit else (request.GET.get("unit") or "").strip()[:40]
    same_unit = request.GET.get("same_unit") == "1"
    only_unit = reference.unit_filter(same_unit, unit)
    approved = TargetTable.objects.filter(status=TargetTable.Status.APPROVED)
    visible = TargetTable.objects.visible_to(request.user).filter(status=TargetTable.Status.APPROVED)
    used = reference.tables_using(key, visible, only_unit).select_related("organisation")
    page = Paginator(used, TABLES_PER_PAGE).get_page(request.GET.get("page"))
    keep = {k: v for k, v in request.GET.items() if k in ("name", "level2", "unit", "same_unit") and v}
    context = {
        "entry": entry,
        "name": name,
        "details": _details(entry) if entry is not None else [],
        "source_visible": _source_visible(request, entry),
        "unit": unit,
        "same_unit": same_unit,
        "unit_on_url": urlencode({**keep, "same_unit": "1"}),
        "unit_off_url": urlencode({k: v for k, v in keep.items() if k != "same_unit"}),
        "filters": keep,
        "years": reference.typical_values(key, approved, only_unit),
        "page": page,
    }
    return render(request, "library/sheet.html", context)


def _source_visible(request: HttpRequest, entry: CatalogEntry | None) -> bool:
    """Whether the viewer may open the table an accepted entry came from (one query, when it has one)."""
    if entry is None or entry.source_table_id is None:
        return False
    return TargetTable.objects.visible_to(request.user).filter(pk=entry.source_table_id).exists()


def _details(entry: CatalogEntry) -> list[tuple[str, str]]:
    """The sheet's lines, in the order a province's 指标说明 prints them; blank ones left out."""
    field = entry.field
    field_path = " › ".join(str(f) for f in (field.parent, field) if f is not None) if field is not None else ""
    edition = entry.edition.name if entry.edition_id else ""
    lines = [
        ("行业/领域", field_path),
        ("指标分类", " › ".join(filter(None, [entry.level1, entry.level2]))),
        ("指标编码", entry.code),
        ("指标解释", entry.definition),
        ("绩效指标描述", entry.description),
        ("计算公式", entry.formula),
        ("数据来源", entry.data_source),
        ("采集频率", entry.frequency),
        ("指标方向", entry.direction),
        ("计量单位", entry.unit),
        ("计算符号", entry.comparator),
        ("参考指标值", entry.value),
        ("指标值类型", entry.value_type),
        ("累计方式", entry.get_accumulation_display() if entry.accumulation else ""),
        ("指标值确定依据（绩效标准）", entry.basis),
        ("评分标准", entry.scoring),
        ("关键词", entry.keywords),
        ("共性/个性", entry.get_nature_display() if entry.nature else ""),
        ("来源", entry.get_origin_display()),
        ("指标库版本", edition),
        ("启用日期", entry.valid_from.isoformat() if entry.valid_from else ""),
        ("停用日期", entry.valid_to.isoformat() if entry.valid_to else ""),
    ]
    return [(label, text) for label, text in lines if text]
