"""Search across a region: tables by title, project name or code, organisation name or code; and
indicators by their 三级指标 name, optionally only those whose value is under a percentage ("every
满意度 target under 90%").

Both are `icontains` filters, so they work on SQLite (`make run`); on PostgreSQL the migrations
`tables.0018_search_trigram` and `indicators.0011_search_trigram` add pg_trgm GIN indexes on exactly
the expressions these filters compare (`UPPER(column)`), so a rare term is found through the index.
A page is read by primary key after the last one shown (keyset), with no COUNT: a common term
(满意度 matches a sixth of 600,000 indicators) stops reading at the page's end.
Only what the user may see is searched (`TargetTable.objects.visible_to`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Q

from indicators.models import Indicator
from tables.models import Membership, Organisation, TargetTable
from tables.models.organisations import MANY_ORGANISATIONS

SEARCH_PAGE_SIZE = 50
TERM_MAX = 100
_TABLE_COLUMNS = (
    "year", "kind", "title", "project_code", "project_name", "status",
    "organisation__code", "organisation__name", "round__title",
)  # fmt: skip
_INDICATOR_COLUMNS = (
    "level1", "level2", "level3", "value",
    "table__year", "table__title", "table__status", "table__organisation__name",
)  # fmt: skip


@dataclass
class KeysetPage:
    """One page of rows ordered by primary key: the rows, and the key to ask for the next (None: last)."""

    rows: list
    after: int | None


def keyset_page(queryset, after: int | None) -> KeysetPage:
    """The SEARCH_PAGE_SIZE rows of `queryset` after primary key `after`, read in primary key order."""
    size = SEARCH_PAGE_SIZE
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    rows = list(queryset.order_by("pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(rows, rows[-1].pk if more else None)


def clean_term(raw: str | None) -> str:
    return (raw or "").strip()[:TERM_MAX]


def percent_limit(raw: str | None) -> Decimal | None:
    """`below` as a number (90, 92.5), or None when blank or not a number."""
    raw = (raw or "").strip().rstrip("%％")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def search_tables(user, term: str, after: int | None) -> KeysetPage:
    """The tables `user` sees whose title, project name or code, or organisation name or code holds `term`."""
    # The organisations first (their own trigram indexes): a short list of ids keeps each arm of the OR
    # below indexable, so a rare term reads no table sequentially; a common one compares with a subquery.
    organisations = Organisation.objects.filter(Q(name__icontains=term) | Q(code__icontains=term)).values("pk")
    matched = list(organisations[: MANY_ORGANISATIONS + 1].values_list("pk", flat=True))
    by_organisation = organisations if len(matched) > MANY_ORGANISATIONS else matched
    tables = (
        TargetTable.objects.visible_to(user)
        .filter(
            Q(title__icontains=term)
            | Q(project_name__icontains=term)
            | Q(project_code__icontains=term)
            | Q(organisation_id__in=by_organisation)
        )
        .select_related("organisation", "round")
        .only(*_TABLE_COLUMNS)
    )
    return keyset_page(tables, after)


def search_indicators(user, term: str, below: Decimal | None, after: int | None) -> KeysetPage:
    """The indicators of the tables `user` sees whose 三级指标 holds `term`; with `below`, only those
    whose value is a percentage under it (≥85% under 90)."""
    indicators = Indicator.objects.filter(level3__icontains=term)
    # The gate of `TargetTable.objects.visible_to`, through the indicator's table.
    indicators = indicators.filter(Membership.objects.scope(user).filter_joined("table__organisation_id"))
    if below is not None:
        indicators = indicators.filter(number__lt=below, unit="%")
    indicators = indicators.select_related("table", "table__organisation").only(*_INDICATOR_COLUMNS)
    return keyset_page(indicators, after)
