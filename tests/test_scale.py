"""Pages that stay fast as a region grows (issue 15): the list pages cost the same queries for one
organisation or many, never render more than a page, and a province's reviewer (thousands of
organisations) is filtered by a subquery that sees exactly what the ids would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tables import listing
from tables.models import Membership, Notification, Organisation, OverallGoal, Round, TargetTable
from tables.models import organisations as organisation_models
from tables.review.views.notifications import NOTIFICATIONS_PAGE_SIZE
from tables.views import BOOKLETS_PAGE_SIZE, HOME_PAGE_SIZE
from tests.factories import IndicatorFactory, MembershipFactory, UserFactory, layout

pytestmark = pytest.mark.django_db


def _region(n_departments: int, units: int = 2) -> list[Organisation]:
    """`n_departments` departments with `units` units each, a table each and a booklet per department."""
    departments = Organisation.objects.bulk_create(
        [Organisation(code=f"R{i:03d}", name=f"区域部门{i}") for i in range(n_departments)]
    )
    members = Organisation.objects.bulk_create(
        [
            Organisation(code=f"R{i:03d}-{j}", name=f"区域单位{i}-{j}", parent=d)
            for i, d in enumerate(departments)
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


def test_a_reviewer_of_many_organisations_sees_the_same_pages_through_the_subquery(client, world, monkeypatch):
    round_ = Round.objects.create(year=2026, title="2026年预算", layout=layout())
    TargetTable.objects.update(round=round_)
    client.force_login(world.reviewer_a)
    pages = [
        (reverse("review-queue"), {"status": "all"}),
        (reverse("review-dashboard"), {"round": round_.pk}),
        (reverse("home"), {}),
    ]

    def seen():
        queue, dashboard, home = (client.get(url, params).context for url, params in pages)
        return (
            sorted(t.pk for t in queue["page"]),
            [(r["organisation"].pk, r["statuses"]) for r in dashboard["page"]],
            sorted(t.pk for t in home["page"]),
        )

    by_ids = seen()
    monkeypatch.setattr(organisation_models, "MANY_ORGANISATIONS", 0)
    assert seen() == by_ids
    assert by_ids[0] == sorted([world.table_a.pk, world.table_unit_a.pk])


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
