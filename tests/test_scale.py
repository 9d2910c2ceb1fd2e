"""Pages that stay fast as a region grows (issue 15): the list pages cost the same queries for one
organisation or many, never render more than a page, and a province's reviewer (thousands of
organisations) is filtered by a subquery that sees exactly what the ids would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tables import listing
from tables.models import Membership, Notification, Organisation, OverallGoal, Round, TargetTable
from tables.models import organisations as organisation_models
from tables.permissions import role_for
from tables.review.views.notifications import NOTIFICATIONS_PAGE_SIZE
from tables.views import BOOKLETS_PAGE_SIZE, HOME_PAGE_SIZE
from tests.factories import IndicatorFactory, MembershipFactory, TableFactory, UserFactory, layout

pytestmark = pytest.mark.django_db


def _region(n_departments: int, units: int = 2, first: int = 0) -> list[Organisation]:
    """`n_departments` departments (numbered from `first`) with `units` units each, a table each and a
    booklet per department."""
    departments = Organisation.objects.bulk_create(
        [Organisation(code=f"R{i:03d}", name=f"区域部门{i}") for i in range(first, first + n_departments)]
    )
    members = Organisation.objects.bulk_create(
        [
            Organisation(code=f"R{i:03d}-{j}", name=f"区域单位{i}-{j}", parent=d)
            for i, d in enumerate(departments, start=first)
            for j in range(units)
        ]
    )
    statuses = list(TargetTable.Status.values)
    TargetTable.objects.bulk_create(
        [
            TargetTable(
                organisation=o, year=2026, layout=layout(), kind="department", title="整体", status=statuses[k % 4]
            )
            for k, o in enumerate([*departments, *members])
        ]
    )
    OverallGoal.objects.bulk_create([OverallGoal(organisation=d, year=2026) for d in departments])
    return departments


# ---------------------------------------------------------------- visibility as a subquery


def test_the_membership_subquery_sees_exactly_what_the_ids_say(world):
    filler_with_units = MembershipFactory(organisation=world.org_a, role=Membership.Role.FILLER, include_units=True)
    nobody = UserFactory()
    for user in (world.filler_a, world.filler_b, world.reviewer_a, world.reviewer_b, filler_with_units.user, nobody):
        ids = Membership.objects.visible_organisation_ids(user)
        query = set(Membership.objects.visible_organisations_query(user).values_list("pk", flat=True))
        assert query == ids, user.username


def _reviewer_of(departments: list[Organisation]):
    user = UserFactory(username="province_reviewer")
    Membership.objects.bulk_create(
        [Membership(user=user, organisation=d, role=Membership.Role.REVIEWER) for d in departments]
    )
    return user


def _persona(world, name: str, departments: list[Organisation]):
    if name == "filler_with_units":
        return MembershipFactory(organisation=world.org_a, role=Membership.Role.FILLER, include_units=True).user
    if name == "province_reviewer":
        return _reviewer_of([world.org_a, *departments[1:]])
    return getattr(world, name)


def _lists(client, round_: Round, department: Organisation) -> dict:
    """What every list page shows: rows in order, counts, totals and filter choices."""

    def get(name: str, params: dict | None = None, args: tuple = ()):
        response = client.get(reverse(name, args=args), params or {})
        assert response.status_code in (200, 403, 404), name
        return response.context if response.status_code == 200 else response.status_code

    queue = get("review-queue", {"status": "all"})
    waiting = get("review-queue", {"status": TargetTable.Status.SUBMITTED})
    dashboard = get("review-dashboard", {"round": round_.pk})
    drill_down = get("review-dashboard-department", args=(round_.pk, department.pk))
    home = get("home")
    found = get("search", {"q": "区域", "indicator": "区域指标"})
    return {
        "queue": queue if isinstance(queue, int) else ([t.pk for t in queue["page"]], queue["statuses"]),
        "queue departments": queue if isinstance(queue, int) else queue["organisations"],
        "waiting": waiting if isinstance(waiting, int) else [t.pk for t in waiting["page"]],
        "dashboard": dashboard
        if isinstance(dashboard, int)
        else ([(r["organisation"], r["statuses"], r["not_started"]) for r in dashboard["page"]], dashboard["totals"]),
        "drill-down": drill_down
        if isinstance(drill_down, int)
        else [(r["organisation"], r["statuses"]) for r in drill_down["page"]],
        "home": ([t.pk for t in home["page"]], home["statuses"], home["organisations"], list(home["rounds"])),
        "booklets": [b.pk for b in get("booklets")["page"]],
        "search": ([t.pk for t in found["tables"].rows], [i.pk for i in found["indicators"].rows]),
    }


@pytest.mark.parametrize(
    "persona", ["admin", "reviewer_a", "reviewer_b", "filler_a", "filler_with_units", "province_reviewer"]
)
def test_every_list_shows_the_same_rows_through_the_membership_subqueries(client, world, monkeypatch, persona):
    departments = _region(3)
    round_ = Round.objects.create(year=2026, title="2026年预算", layout=layout())
    TargetTable.objects.update(round=round_)
    TargetTable.objects.filter(organisation__code__endswith="-0").update(status=TargetTable.Status.SUBMITTED)
    for table in TargetTable.objects.filter(organisation__code__startswith="R"):
        IndicatorFactory(table=table, level3=f"区域指标{table.pk}")
    user = _persona(world, persona, departments)
    client.force_login(user)

    by_ids = _lists(client, round_, departments[1])
    monkeypatch.setattr(organisation_models, "MANY_ORGANISATIONS", 0)
    assert _lists(client, round_, departments[1]) == by_ids
    # … and the rows are those of the organisations `role_for` says the user sees.
    seen = {t.pk for t in TargetTable.objects.select_related("organisation") if role_for(user, t.organisation)}
    assert set(by_ids["home"][0]) == seen


def test_a_province_reviewers_lists_cost_the_same_queries_as_the_province_grows(client, world, monkeypatch):
    monkeypatch.setattr(organisation_models, "MANY_ORGANISATIONS", 0)  # the subqueries, as at 2,000 departments
    round_ = Round.objects.create(year=2026, title="2026年预算", layout=layout())
    pages = [
        (reverse("review-queue"), {}),
        (reverse("review-queue"), {"round": round_.pk, "status": "all"}),
        (reverse("review-dashboard"), {"round": round_.pk}),
        (reverse("home"), {}),
        (reverse("booklets"), {}),
        (reverse("search"), {"q": "区域"}),
        (reverse("search"), {"indicator": "指标"}),
    ]

    departments: list[Organisation] = []

    def queries(n_departments: int) -> list[int]:
        departments.extend(_region(n_departments, first=len(departments)))
        TargetTable.objects.update(round=round_)
        client.force_login(_reviewer_of(departments))
        counts = []
        for url, params in pages:
            client.get(url, params)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url, params).status_code == 200
            counts.append(len(captured))
        Membership.objects.filter(user__username="province_reviewer").delete()
        get_user_model().objects.filter(username="province_reviewer").delete()
        return counts

    assert queries(1) == queries(39)


def test_the_home_list_goes_by_organisation_then_newest_year_first(client, world):
    older_a = TableFactory(organisation=world.org_a, year=2025, kind="department", title="上年")
    older_b = TableFactory(organisation=world.org_b, year=2025, kind="department", title="上年")
    client.force_login(world.admin)
    rows = [(t.organisation.code, t.year, t.pk) for t in client.get(reverse("home")).context["page"]]
    assert rows == sorted(rows, key=lambda row: (row[0], -row[1]))
    assert rows[:2] == [("100", 2026, world.table_a.pk), ("100", 2025, older_a.pk)]
    assert ("200", 2025, older_b.pk) == rows[-1]


# ---------------------------------------------------------------- home, booklets, notifications


@pytest.mark.parametrize("n_departments", [1, 40])
def test_the_home_list_costs_the_same_queries_and_pages(client, world, django_assert_num_queries, n_departments):
    _region(n_departments)
    client.force_login(world.admin)
    client.get(reverse("home"))
    # session, user, memberships, counts per status, the page's rows (each with its indicator count),
    # rounds, organisations for the filter, unread notifications
    with django_assert_num_queries(8):
        response = client.get(reverse("home"))
    assert len(response.context["page"]) <= HOME_PAGE_SIZE
    assert response.context["page"].paginator.count == TargetTable.objects.count()


def test_the_home_list_counts_each_tables_indicators(client, world):
    IndicatorFactory(table=world.table_b, position=99)
    client.force_login(world.admin)
    counts = {t.pk: t.indicator_count for t in client.get(reverse("home")).context["page"]}
    assert counts[world.table_a.pk] == 4 and counts[world.table_b.pk] == 5


def test_a_long_organisation_filter_offers_only_the_chosen_one_and_says_to_search(client, world, monkeypatch):
    _region(3, 1)
    monkeypatch.setattr(listing, "CHOICES_MAX", 4)
    client.force_login(world.admin)
    chosen = Organisation.objects.get(code="R002-0")
    response = client.get(reverse("home"), {"organisation": chosen.pk})
    assert response.context["organisations"] == [chosen] and response.context["too_many_organisations"]
    assert "部门（单位）较多" in response.content.decode()
    assert {t.organisation_id for t in response.context["page"]} == {chosen.pk}
    short = client.get(reverse("review-queue"))  # 5 departments is more than 4, too
    assert short.context["too_many_organisations"] and short.context["organisations"] == []
    monkeypatch.setattr(listing, "CHOICES_MAX", 200)
    assert len(client.get(reverse("home")).context["organisations"]) == Organisation.objects.count()


@pytest.mark.parametrize("n_departments", [1, BOOKLETS_PAGE_SIZE + 5])
def test_the_booklet_list_pages_in_the_same_queries(client, world, django_assert_num_queries, n_departments):
    _region(n_departments, 0)
    client.force_login(world.admin)
    client.get(reverse("booklets"))
    # session, user, memberships, count, the page's booklets (with their department), layouts, unread notifications
    with django_assert_num_queries(7):
        response = client.get(reverse("booklets"))
    assert len(response.context["page"]) == min(n_departments, BOOKLETS_PAGE_SIZE)
    client.force_login(world.reviewer_b)  # sees 部门B's booklet only: none here
    assert list(client.get(reverse("booklets")).context["page"]) == []


@pytest.mark.parametrize("n", [1, NOTIFICATIONS_PAGE_SIZE * 2 + 1])
def test_the_notifications_list_pages_in_the_same_queries(client, world, django_assert_num_queries, n):
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=world.reviewer_a,
                table=world.table_a,
                kind="submitted",
                message=f"第{k}条",
                created_at=now - timedelta(minutes=k),
            )
            for k in range(n)
        ]
    )
    client.force_login(world.reviewer_a)
    client.get(reverse("review-notifications"))
    # session, user, memberships (the menu), unread count (header), count, the page (with its tables)
    with django_assert_num_queries(6):
        response = client.get(reverse("review-notifications"))
    page = list(response.context["page"])
    assert len(page) == min(n, NOTIFICATIONS_PAGE_SIZE) and page[0].message == "第0条"
    client.force_login(world.reviewer_b)
    assert list(client.get(reverse("review-notifications")).context["page"]) == []
