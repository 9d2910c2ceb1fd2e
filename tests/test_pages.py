"""The list and table pages, the JSON download, and who may see them."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tables.demo import DEMO_PASSWORD, load_demo
from tables.imports.exchange import import_document
from tables.models import Membership, TargetTable
from tests.conftest import load_expected, log_in
from tests.factories import MembershipFactory, OrganisationFactory, table_with_rows

pytestmark = pytest.mark.django_db


def test_visible_to_gives_each_persona_its_own_tables(world):
    def visible(user):
        return set(TargetTable.objects.visible_to(user))

    assert visible(world.filler_a) == {world.table_a}
    assert visible(world.filler_b) == {world.table_b}
    assert visible(world.reviewer_a) == {world.table_a, world.table_unit_a}
    assert visible(world.reviewer_b) == {world.table_b}
    assert visible(world.admin) == {world.table_a, world.table_b, world.table_unit_a}


def test_filler_sees_units_only_where_granted(world):
    Membership.objects.filter(user=world.filler_a).update(include_units=True)
    world.filler_a = type(world.filler_a).objects.get(pk=world.filler_a.pk)
    assert set(TargetTable.objects.visible_to(world.filler_a)) == {world.table_a, world.table_unit_a}


def test_anonymous_sees_nothing_and_is_sent_to_login(client, world):
    from django.contrib.auth.models import AnonymousUser

    assert not TargetTable.objects.visible_to(AnonymousUser()).exists()
    response = client.get(reverse("table-detail", args=[world.table_a.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_filler_cannot_open_other_departments_table(client, world):
    client.force_login(world.filler_a)
    assert client.get(reverse("table-detail", args=[world.table_b.pk])).status_code == 404
    assert client.get(reverse("table-json", args=[world.table_b.pk])).status_code == 404
    assert client.get(reverse("table-detail", args=[world.table_a.pk])).status_code == 200


def test_home_lists_only_visible_tables(client, world):
    client.force_login(world.filler_b)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert list(response.context["page"]) == [world.table_b]
    assert "部门A" not in response.content.decode()


def test_home_filters_by_status_and_kind_and_serves_the_fragment_to_htmx(client, world):
    TargetTable.objects.filter(pk=world.table_a.pk).update(status=TargetTable.Status.SUBMITTED)
    client.force_login(world.admin)
    response = client.get(reverse("home"), {"status": "submitted"}, headers={"HX-Request": "true"})
    assert [t.pk for t in response.context["page"]] == [world.table_a.pk]
    body = response.content.decode()
    assert '<div id="table-list">' in body and "<html" not in body


def test_table_page_prints_the_official_form(client, world):
    import_document(load_expected("003_1accb42d456f302a.json"), "003.json")
    table = TargetTable.objects.get(organisation__name="中共信阳市平桥区委办公室")
    client.force_login(world.admin)
    body = client.get(table.get_absolute_url()).content.decode()
    assert "部门（单位）整体绩效目标表" in body
    assert "年度履职目标" in body and "部门预算总额（万元）" in body and "1055.4" in body
    # 投入管理指标 is one merged group cell over its 20 rows.
    assert 'rowspan="20">投入管理指标' in body
    assert "指标值说明" in body


def test_table_page_sums_the_tasks(client, world):
    import_document(load_expected("000_db0fda59e4eac40f.json"), "000.json")
    client.force_login(world.admin)
    table = TargetTable.objects.get(organisation__name="新疆巴州财政局")
    response = client.get(table.get_absolute_url())
    assert str(response.context["totals"]["total"]) == "2495.95"
    assert response.context["totals"]["other"] is None


def test_goal_paragraphs_are_text_not_markup(client, world):
    world.table_a.goal = "第一段<script>alert(1)</script>\n第二段"
    world.table_a.save()
    client.force_login(world.filler_a)
    body = client.get(world.table_a.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body
    assert "<p>第一段" in body and "第二段</p>" in body


def test_json_download_is_the_exchange_format_with_a_chinese_filename(client, world):
    client.force_login(world.filler_a)
    response = client.get(reverse("table-json", args=[world.table_a.pk]))
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["format"] == "target-table/2" and len(data["indicators"]) == 4


@pytest.mark.parametrize("rows", [5, 60])
def test_table_page_query_count_is_constant_in_the_number_of_rows(client, django_assert_num_queries, rows):
    org = OrganisationFactory()
    table = table_with_rows(org, indicators=rows, tasks=rows // 5 + 1)
    user = MembershipFactory(organisation=org).user
    log_in(client, user)
    # session, user, memberships, table (+organisation, layout, scheme, round), tasks, indicators,
    # the checks' scheme categories, and the review panel (role, comments and their replies, audit
    # entries, snapshots and their decisions) — the same for 5 and for 60 rows.
    with django_assert_num_queries(QUERIES_TABLE_PAGE):
        assert client.get(table.get_absolute_url()).status_code == 200


def _count_table_page_queries() -> int:
    return QUERIES_TABLE_PAGE


QUERIES_TABLE_PAGE = 13


def test_demo_loads_twice_without_duplicates():
    first = load_demo()
    count = TargetTable.objects.count()
    second = load_demo()
    assert TargetTable.objects.count() == count == 27
    assert [login.username for login in first] == [login.username for login in second]
    from django.contrib.auth import authenticate

    assert authenticate(username="reviewer", password=DEMO_PASSWORD) is not None


def test_table_page_lists_the_findings_linking_to_their_rows(client, world):
    data = load_expected("002_3cbdb8ee36d44a4b.json")
    import_document(data, "002.json")
    table = TargetTable.objects.get(organisation__name="新疆巴州世界银行贷款项目执行办公室")
    client.force_login(world.admin)
    body = client.get(table.get_absolute_url()).content.decode()
    assert '<a href="#indicator-23">' in body and "&gt;3天" in body
    assert 'id="indicator-23"' in body


def test_one_pagination_keeps_the_lists_filters_in_both_links():
    from django.core.paginator import Paginator
    from django.template.loader import render_to_string

    page = Paginator(range(30), 10).page(2)
    html = render_to_string(
        "includes/pagination.html", {"page": page, "filters": {"status": "submitted", "q": "水利&农业", "kind": ""}}
    )
    assert 'href="?status=submitted&amp;q=%E6%B0%B4%E5%88%A9%26%E5%86%9C%E4%B8%9A&amp;page=1">上一页' in html
    assert 'page=3">下一页' in html and "kind=" not in html
    assert "第 2 / 3 页" in html
    one_page = render_to_string("includes/pagination.html", {"page": Paginator(range(5), 10).page(1)})
    assert "<nav" not in one_page  # a list that fits one page has no pagination
