"""Pages: the table list and the read-only table page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from indicators.checks import by_severity
from indicators.models import Indicator
from tables.access import get_table_for_user
from tables.checking import check_stored_table
from tables.exports import service as export_service
from tables.exports.downloads import XLSX, attachment, pdf_unavailable
from tables.exports.pdf import PdfUnavailable
from tables.exports.xlsx import blank_template as render_blank
from tables.imports.exchange import dumps, export_table, tables_for_export
from tables.listing import bounded_choices
from tables.models import Layout, Membership, Organisation, OverallGoal, Round, TargetTable
from tables.official import official_context
from tables.params import int_param
from tables.permissions import filled_organisation_ids, is_reviewer
from tables.review.panel import table_page_context
from tables.search import clean_term, percent_limit, search_indicators, search_tables

HOME_PAGE_SIZE = 50
_HOME_COLUMNS = (
    "year", "organisation__code", "organisation__name", "kind", "position", "title", "project_code", "status",
    "updated_at",
)  # fmt: skip
BOOKLETS_PAGE_SIZE = 50


@require_GET
@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Where a login without `next` lands: a reviewer who fills in no table starts at the queue (what waits
    for them), everyone else at their tables."""
    user = request.user
    if is_reviewer(user) and not filled_organisation_ids(user):
        return redirect("review-queue")
    return redirect("home")


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = Membership.objects.scope(request.user)  # once: the page's rows are narrowed by it too
    tables = TargetTable.objects.visible_to(request.user, scope=scope)
    # The filters offer what the user's tables use: one probe of an index per round or organisation.
    rounds = Round.objects.filter(Exists(tables.filter(round=OuterRef("pk")))).order_by("-year", "title")
    # The gate tested on the organisation itself, walked in order, then one probe for its tables.
    filed = TargetTable.objects.filter(organisation=OuterRef("pk"))
    organisations, too_many = bounded_choices(
        Organisation.objects.filter(scope.filter("pk"), Exists(filed)).order_by("code", "name"),
        int_param(request.GET, "organisation"),
    )

    filters = {
        "round": request.GET.get("round", ""),
        "organisation": request.GET.get("organisation", ""),
        "kind": request.GET.get("kind", ""),
        "status": request.GET.get("status", ""),
        "q": request.GET.get("q", "").strip(),
    }

    def narrowed(tables):
        tables = tables.in_round(int_param(request.GET, "round"))
        if (organisation_id := int_param(request.GET, "organisation")) is not None:
            tables = tables.filter(organisation_id=organisation_id)
        if filters["kind"] in TargetTable.Kind.values:
            tables = tables.filter(kind=filters["kind"])
        if filters["status"] in TargetTable.Status.values:
            tables = tables.filter(status=filters["status"])
        if filters["q"]:
            tables = tables.filter(Q(title__icontains=filters["q"]) | Q(organisation__name__icontains=filters["q"]))
        return tables

    # COUNT(*): the status (and round, organisation) indexes answer it alone, without the rows.
    counts = dict(narrowed(tables).order_by().values_list("status").annotate(n=Count("*")))
    # Counted per row of the page (a subquery the database runs for 50 rows), not joined and grouped
    # over every visible table's indicators before the page is cut.
    indicators = Indicator.objects.filter(table=OuterRef("pk")).order_by().values("table").annotate(n=Count("pk"))
    tables = (
        # The same tables, the gate tested on each one's organisation: the page walks the organisations
        # in order (their code's index) and reads each one's tables, rather than sorting every visible
        # table (issue 15: 30,000 tables).
        narrowed(TargetTable.objects.filter(scope.filter_by_parent()))
        .annotate(indicator_count=Coalesce(Subquery(indicators.values("n")), 0))
        .select_related("organisation")
        # Only what a row shows: a table's budget, plan and goal columns are most of its width.
        .only(*_HOME_COLUMNS)
        # By organisation, then newest year first: an order the organisations' index gives.
        .order_by("organisation__code", "organisation__name", "-year", "kind", "position", "id")
    )
    paginator = Paginator(tables, HOME_PAGE_SIZE)
    paginator.count = sum(counts.values())  # the counts per status already say how many rows there are
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rounds": rounds,
        "organisations": organisations,
        "too_many_organisations": too_many,
        "filters": filters,
        "kinds": TargetTable.Kind.choices,
        "statuses": [(value, label, counts.get(value, 0)) for value, label in TargetTable.Status.choices],
    }
    template = "tables/home.html#table-list" if request.htmx else "tables/home.html"
    return render(request, template, context)


@require_GET
@login_required
def table_detail(request: HttpRequest, pk: int) -> HttpResponse:
    table = get_table_for_user(request.user, pk, tables_for_export().select_related("round"))
    context = {**official_context(table), "findings": _findings(table)}
    context["review"] = table_page_context(table, request.user, context["findings"])
    return render(request, "tables/table_detail.html", context)


def _findings(table: TargetTable) -> list:
    """The checks' findings as [(severity, 中文, findings), …], errors first."""
    return by_severity(check_stored_table(table))


@require_GET
@login_required
def table_json(request: HttpRequest, pk: int) -> HttpResponse:
    table = get_table_for_user(request.user, pk, tables_for_export())
    body = dumps(export_table(table)).encode()
    return attachment(body, f"{export_service.file_stem(table)}.json", "application/json")


@require_GET
@login_required
def table_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The official form of one table as xlsx or PDF."""
    table = get_table_for_user(request.user, pk, tables_for_export())
    stem = export_service.file_stem(table)
    if fmt == "pdf":
        try:
            return attachment(export_service.table_pdf(table), f"{stem}.pdf", "application/pdf")
        except PdfUnavailable as exc:
            return pdf_unavailable(request, exc)
    return attachment(export_service.table_xlsx(table), f"{stem}.xlsx", XLSX)


@require_GET
@login_required
def booklet_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A department's booklet (part 1 and the project tables the user may read) as PDF or xlsx."""
    overall = OverallGoal.objects.select_related("organisation").prefetch_related("subgoals").filter(pk=pk).first()
    visible = Organisation.objects.visible_to(request.user).filter(pk=getattr(overall, "organisation_id", None))
    if overall is None or not visible.exists():
        raise Http404("没有找到该部门的绩效目标册")
    stem = f"{overall.year}-{overall.organisation.name}-部门绩效目标册"
    if fmt == "pdf":
        try:
            return attachment(export_service.booklet_pdf(overall, request.user), f"{stem}.pdf", "application/pdf")
        except PdfUnavailable as exc:
            return pdf_unavailable(request, exc)
    return attachment(export_service.booklet_xlsx(overall, request.user), f"{stem}.xlsx", XLSX)


@require_GET
@login_required
def blank_template(request: HttpRequest, code: str) -> HttpResponse:
    """The empty official form of a layout, to fill in by hand and import."""
    layout = Layout.objects.filter(code=code).first()
    if layout is None:
        raise Http404("没有该表样")
    return attachment(render_blank(layout), f"{layout.name}（空白模板）.xlsx", XLSX)


@require_GET
@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Tables by title, project or organisation (`q`), and indicators by 三级指标 name (`indicator`),
    optionally under a percentage (`below`): what the user may see, a page at a time."""
    term = clean_term(request.GET.get("q"))
    indicator = clean_term(request.GET.get("indicator"))
    below = percent_limit(request.GET.get("below"))
    tables = search_tables(request.user, term, int_param(request.GET, "after")) if term else None
    indicators = (
        search_indicators(request.user, indicator, below, int_param(request.GET, "after_indicator"))
        if indicator
        else None
    )
    context = {
        "q": term,
        "indicator": indicator,
        "below": request.GET.get("below", "").strip()[:20],
        "tables": tables,
        "indicators": indicators,
    }
    return render(request, "tables/search.html", context)


@require_GET
@login_required
def booklets(request: HttpRequest) -> HttpResponse:
    """The departments' booklets the user may see."""
    visible = Organisation.objects.visible_to(request.user)
    items = (
        OverallGoal.objects.filter(organisation__in=visible)
        .select_related("organisation")
        .order_by("-year", "organisation__code", "pk")
    )
    page = Paginator(items, BOOKLETS_PAGE_SIZE).get_page(request.GET.get("page"))
    layouts = Layout.objects.order_by("code")
    return render(request, "tables/booklets.html", {"page": page, "layouts": layouts, "filters": {}})
