"""The search (tables/search.py): tables by title, project or organisation, indicators by 三级指标
name under a percentage; only what the user sees; a page at a time by primary key; the same queries
for one match or many. Runs on SQLite (icontains) and on PostgreSQL (the same filters, through the
pg_trgm indexes of tables.0014 and indicators.0011)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from indicators import record
from tables import search
from tests.factories import IndicatorFactory, TableFactory

pytestmark = pytest.mark.django_db


def _indicator(table, position: int, level3: str, value: str):
    parts = record.split_value(value)
    return IndicatorFactory(
        table=table, position=position, level3=level3, value=value, number=parts.number, unit=parts.unit
    )


def _tables(client, user, **params) -> set[int]:
    client.force_login(user)
    response = client.get(reverse("search"), params)
    assert response.status_code == 200
    return {t.pk for t in response.context["tables"].rows}


def test_tables_are_found_by_title_project_and_organisation(client, world):
    project = TableFactory(
        organisation=world.org_a,
        kind="project",
        title="农村公路养护",
        project_code="130208001",
        project_name="公路养护项目",
    )
    assert _tables(client, world.admin, q="130208") == {project.pk}
    assert _tables(client, world.admin, q="公路养护项") == {project.pk}
    assert _tables(client, world.admin, q="农村公路") == {project.pk}
    assert _tables(client, world.admin, q="部门A") == {world.table_a.pk, world.table_unit_a.pk, project.pk}
    assert _tables(client, world.admin, q="200") == {world.table_b.pk}  # 部门B's code
    assert _tables(client, world.admin, q="没有这个词") == set()


def test_a_search_finds_only_what_the_user_may_see(client, world):
    everything = _tables(client, world.admin, q="部门")
    assert _tables(client, world.filler_b, q="部门") == {world.table_b.pk}
    assert _tables(client, world.reviewer_a, q="部门") == {world.table_a.pk, world.table_unit_a.pk}
    assert everything == {world.table_a.pk, world.table_b.pk, world.table_unit_a.pk}
    _indicator(world.table_b, 90, "服务对象满意度", "≥85%")
    client.force_login(world.filler_a)
    response = client.get(reverse("search"), {"indicator": "服务对象满意度"})
    assert response.context["indicators"].rows == []


def test_indicators_are_found_by_name_under_a_percentage(client, world):
    low = _indicator(world.table_a, 90, "服务对象满意度", "≥85%")
    _indicator(world.table_a, 91, "群众满意度", "≥95%")
    _indicator(world.table_b, 92, "受益群众满意度", "≥80人")  # not a percentage
    low_b = _indicator(world.table_b, 93, "群众满意度", "≥88％")
    client.force_login(world.admin)
    response = client.get(reverse("search"), {"indicator": "满意度", "below": "90"})
    assert [i.pk for i in response.context["indicators"].rows] == [low.pk, low_b.pk]
    body = response.content.decode()
    assert "服务对象满意度" in body and f'href="{reverse("table-detail", args=[world.table_a.pk])}"' in body
    every = client.get(reverse("search"), {"indicator": "满意度", "below": "不是数"}).context["indicators"].rows
    assert len(every) == 4  # a limit that is no number is no limit


def test_results_page_by_primary_key_without_repeats(client, world, monkeypatch):
    monkeypatch.setattr(search, "SEARCH_PAGE_SIZE", 2)
    client.force_login(world.admin)
    seen, after = [], None
    for _ in range(3):
        params = {"q": "部门", **({"after": after} if after else {})}
        page = client.get(reverse("search"), params).context["tables"]
        seen += [t.pk for t in page.rows]
        after = page.after
        if after is None:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 3


@pytest.mark.parametrize("n", [1, 60])
def test_a_search_costs_the_same_queries_for_one_match_or_many(client, world, django_assert_num_queries, n):
    for k in range(n):
        _indicator(world.table_a, 100 + k, f"满意度{k}", "≥85%")
        TableFactory(organisation=world.org_a, kind="project", title=f"满意度项目{k}", project_code=f"P{k}")
    client.force_login(world.admin)
    client.get(reverse("search"), {"q": "满意度", "indicator": "满意度", "below": "90"})
    # session, user, memberships, matching organisations, tables page, indicators page, unread notifications
    with django_assert_num_queries(7):
        response = client.get(reverse("search"), {"q": "满意度", "indicator": "满意度", "below": "90"})
    assert len(response.context["tables"].rows) == min(n, search.SEARCH_PAGE_SIZE)
    assert len(response.context["indicators"].rows) == min(n, search.SEARCH_PAGE_SIZE)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram indexes exist on PostgreSQL only")
def test_postgresql_has_the_trigram_indexes_the_filters_use():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%%_trgm'")
        indexes = dict(cursor.fetchall())
    assert set(indexes) >= {
        "tables_table_title_trgm",
        "tables_table_project_name_trgm",
        "tables_table_project_code_trgm",
        "tables_organisation_name_trgm",
        "tables_organisation_code_trgm",
        "indicators_indicator_level3_trgm",
    }
    assert all("gin_trgm_ops" in definition and "upper" in definition for definition in indexes.values())
