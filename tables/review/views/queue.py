"""The review queue: the tables a reviewer may see, filtered and paged."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from tables import permissions
from tables.access import require_reviewer
from tables.listing import bounded_choices
from tables.models import Membership, Organisation, Round, Snapshot, Stage, TargetTable
from tables.params import int_param

Status = TargetTable.Status


QUEUE_PAGE_SIZE = 50


_QUEUE_COLUMNS = (
    "organisation__code", "organisation__name", "organisation__parent", "round__title", "round__deadline",
    "title", "submitted_at", "project_code", "status", "kind", "year",
)  # fmt: skip


_ROW_LINKS = ("table-detail", "review-table")


def _queue_filters(request: HttpRequest) -> dict[str, str]:
    return {key: request.GET.get(key, "").strip() for key in ("round", "status", "organisation", "kind", "stage")}


def _default_filters(request: HttpRequest, filters: dict[str, str]) -> bool:
    """A reviewer comes for what waits for them: submissions at their own level (any filter, 全部
    included, shows more). Fills `filters` in and says whether it did."""
    if any(key in request.GET for key in (*filters, "page")):
        return False
    filters["status"] = Status.SUBMITTED
    levels = permissions.review_levels(request.user)
    if len(levels) == 1:
        filters["stage"] = next(iter(levels))
    return True


def _filtered(request: HttpRequest, tables, filters: dict[str, str]):
    """The tables narrowed by round, department (with its units) and kind: what the status counts count."""
    tables = tables.in_round(int_param(request.GET, "round"))
    if (org_id := int_param(request.GET, "organisation")) is not None:
        tables = tables.filter(Q(organisation_id=org_id) | Q(organisation__parent_id=org_id))
    if filters["kind"] in TargetTable.Kind.values:
        tables = tables.filter(kind=filters["kind"])
    return tables


def _by_status_and_stage(tables, filters: dict[str, str]):
    if filters["status"] in Status.values:
        tables = tables.filter(status=filters["status"])
    if filters["stage"] in Stage.values:
        # The stage of the submission under review, as a semi-join: filtering on the annotation below
        # would run its subquery for every table before the filter (at 24,000 tables, 50 ms).
        pending = Snapshot.objects.filter(table=OuterRef("pk"), outcome=Snapshot.Outcome.PENDING)
        tables = tables.filter(Exists(pending.filter(stage=filters["stage"])))
    tables = tables.with_review_state()
    # Only what a row shows: a table's budget, plan and goal columns are most of its width.
    return (
        tables.select_related("organisation", "round")
        .only(*_QUEUE_COLUMNS)
        # The table's own `submitted_at` and its id: one index walk, whatever the page.
        .order_by(F("submitted_at").asc(nulls_last=True), "id")
    )


def _annotate_rows(page, user) -> None:
    """The rows' links and dates, made here: in the template they are most of the page's time."""
    today = timezone.localdate()
    stage_labels = dict(Stage.choices)
    detail_url, review_url = (reverse(name, args=[987654321]).replace("987654321", "{}") for name in _ROW_LINKS)
    for table in page:
        table.stage_label = stage_labels.get(table.stage, "")
        table.overdue = _overdue(table, today)
        table.detail_url = detail_url.format(table.pk)
        table.review_url = review_url.format(table.pk)
        # 审核 where the user decides now; a record to read for the others; nothing yet for a draft.
        table.decides = table.status == Status.SUBMITTED and table.stage in permissions.reviewer_stages(user, table)
        submitted = table.submitted_at
        table.submitted_text = timezone.localtime(submitted).strftime("%Y-%m-%d %H:%M") if submitted else "—"


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The reviewer's queue: tables of their organisations, oldest submission first."""
    require_reviewer(request)
    user = request.user
    scope = Membership.objects.scope(user)  # once: it is also the department filter's
    filters = _queue_filters(request)
    defaulted = _default_filters(request, filters)
    tables = _filtered(request, TargetTable.objects.visible_to(user, scope=scope), filters)
    # COUNT(*): the status (and round, organisation) indexes answer it alone, without the rows.
    counts = dict(tables.order_by().values_list("status").annotate(n=Count("*")))
    paginator = Paginator(_by_status_and_stage(tables, filters), QUEUE_PAGE_SIZE)
    if not filters["stage"]:
        # The counts per status already say how many rows there are: no second COUNT over the same filter.
        status = filters["status"]
        paginator.count = counts.get(status, 0) if status in Status.values else sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))
    _annotate_rows(page, user)
    organisations = Organisation.objects.filter(scope.filter("pk"), parent__isnull=True).only("pk", "code", "name")
    organisations, too_many = bounded_choices(organisations, int_param(request.GET, "organisation"))
    context = {
        "page": page,
        "filters": filters,
        "rounds": Round.objects.only("pk", "title", "year"),
        "organisations": organisations,
        "too_many_organisations": too_many,
        "kinds": TargetTable.Kind.choices,
        "stages": Stage.choices,
        "statuses": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
        "total": sum(counts.values()),
        "defaulted": defaulted,
    }
    template = "review/queue.html#queue-rows" if request.htmx else "review/queue.html"
    return render(request, template, context)


def _overdue(table: TargetTable, today: date) -> bool:
    """Not submitted although the round's deadline has passed, or submitted after it."""
    deadline = table.round.deadline if table.round_id else None
    if deadline is None:
        return False
    if table.status in (Status.DRAFT, Status.RETURNED):
        return today > deadline
    return table.submitted_at is not None and timezone.localdate(table.submitted_at) > deadline
