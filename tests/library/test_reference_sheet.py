"""The reference sheet (指标说明): an entry's lines, the typical values of approved tables per year,
the approved tables a viewer may see, and the links from every indicator row."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.catalog import name_key
from indicators.library import reference
from indicators.models import CatalogEntry, Indicator, LibraryEdition, LibraryField
from indicators.record import split_value
from tables.models import TargetTable
from tables.review import workflow
from tests.factories import OrganisationFactory, TableFactory, table_with_rows

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("library_of_its_own")]

APPROVED, DRAFT = TargetTable.Status.APPROVED, TargetTable.Status.DRAFT


def row(table: TargetTable, name: str, value: str, *, level2: str = "数量指标") -> Indicator:
    """An indicator row with its value's parts, as the editor and the imports store them."""
    parts = split_value(value).as_dict()
    position = table.indicators.count() + 1
    return Indicator.objects.create(
        table=table, position=position, level1="产出指标", level2=level2, level3=name, value=value, **parts
    )


def table(department, year: int, status=APPROVED) -> TargetTable:
    """A table of a new unit under `department` (its reviewer sees it), titled by its year."""
    unit = OrganisationFactory(parent=department)
    return TableFactory(organisation=unit, year=year, status=status, title=f"{unit.name}{year}年绩效目标表")


@pytest.fixture
def history(world):
    """培训人次 set by approved tables of both departments over two years, and rows that must not count."""
    t25a = table(world.org_a, 2025)
    t25b = table(world.org_b, 2025)
    t26a = table(world.org_a, 2026)
    row(t25a, "培训人次", "≥500人次")
    row(t25b, "1.培训人次", "≥300人次")  # numbering before the name: the same name
    row(t25b, "培训 人次", "=800人次")  # a space inside: the same name
    row(t26a, "培训人次", "≥600人次")
    row(t26a, "（2）培训人次", "≥600人次")
    row(t26a, "培训人次", "≥95%")  # another unit: counted, not in the min/median/max of 人次
    row(t26a, "培训人次数", "≥9人次")  # another name
    row(t26a, "参加培训人次", "≥9人次")  # ends with the name, but more than a numbering before it
    row(table(world.org_a, 2025, DRAFT), "培训人次", "≥9999人次")  # not approved
    return t25a, t25b, t26a


def test_typical_values_are_per_year_of_approved_tables_only(history):
    approved = TargetTable.objects.filter(status=APPROVED)
    years = reference.typical_values(name_key("培训人次"), approved)
    assert [(y.year, y.count, y.unit) for y in years] == [(2026, 3, "人次"), (2025, 3, "人次")]
    y2026, y2025 = years
    assert (y2025.minimum, y2025.median, y2025.maximum) == ("300", "500", "800")
    assert (y2026.minimum, y2026.median, y2026.maximum) == ("600", "600", "600")
    assert y2026.numbers == [Decimal("600"), Decimal("600")]
    assert y2026.common == [("≥600人次", 2), ("≥95%", 1)]
    assert sorted(y2025.common) == [("=800人次", 1), ("≥300人次", 1), ("≥500人次", 1)]


def test_typical_values_may_keep_to_one_unit(history):
    approved = TargetTable.objects.filter(status=APPROVED)
    [y2026] = [y for y in reference.typical_values(name_key("培训人次"), approved, unit="%") if y.year == 2026]
    assert (y2026.count, y2026.minimum, y2026.maximum, y2026.unit) == (1, "95", "95", "%")
    assert [y.year for y in reference.typical_values(name_key("培训人次"), approved, unit="%")] == [2026]


def test_a_name_with_regex_characters_matches_only_itself(world):
    t = table(world.org_a, 2025)
    row(t, "PM2.5浓度", "≤35微克/立方米")
    row(t, "PM2x5浓度", "≤35微克/立方米")
    row(t, "(a+b)*比率", "≥1%")
    approved = TargetTable.objects.filter(status=APPROVED)
    assert [y.count for y in reference.typical_values(name_key("PM2.5浓度"), approved)] == [1]
    assert [y.count for y in reference.typical_values(name_key("(a+b)*比率"), approved)] == [1]


def test_the_tables_that_used_it_are_only_those_the_viewer_may_see(client, world, history):
    t25a, t25b, t26a = history
    visible_a = TargetTable.objects.visible_to(world.reviewer_a).filter(status=APPROVED)
    assert list(reference.tables_using(name_key("培训人次"), visible_a)) == [t26a, t25a]
    everything = TargetTable.objects.visible_to(world.admin).filter(status=APPROVED)
    assert set(reference.tables_using(name_key("培训人次"), everything)) == {t25a, t25b, t26a}

    client.force_login(world.reviewer_a)
    body = client.get(reverse("library-sheet"), {"name": "培训人次"}).content.decode()
    assert t26a.title in body and t25a.title in body and t25b.title not in body and "您可查看的 2 张" in body
    assert "300" in body  # the distribution still counts 部门B's target (anonymous)


def test_the_tables_list_is_paginated(client, world):
    for year in range(2000, 2025):
        row(table(world.org_a, year), "培训人次", "≥1人次")
    client.force_login(world.admin)
    first = client.get(reverse("library-sheet"), {"name": "培训人次"}).content.decode()
    second = client.get(reverse("library-sheet"), {"name": "培训人次", "page": 2}).content.decode()
    assert "第 1 / 2 页" in first and "2024年" in first and "2004年" not in first.split("tables-using")[1]
    assert "第 2 / 2 页" in second and "2000年 ·" in second and "2024年 ·" not in second


def test_an_entrys_sheet_prints_its_definition_formula_and_the_rest(client, world, history):
    field = LibraryField.objects.create(code="205", name="教育支出")
    sub = LibraryField.objects.create(code="20502", name="普通教育", parent=field)
    edition = LibraryEdition.objects.create(name="2026年省级指标库", source=LibraryEdition.Source.WORKBOOK)
    entry = CatalogEntry.objects.create(
        field=sub,
        edition=edition,
        origin=CatalogEntry.Origin.WORKBOOK,
        level1="产出指标",
        level2="数量指标",
        level3="培训人次",
        unit="人次",
        direction="正向",
        value_type="定量",
        definition="年度内参加培训的人次总和。",
        formula="∑各期培训实到人数",
        data_source="培训签到表",
        frequency="年度",
        scoring="达到目标值得满分，每少10%扣1分。",
        keywords="培训，教育",
        accumulation=CatalogEntry.Accumulation.CUMULATIVE,
    )
    client.force_login(world.filler_a)
    body = client.get(reverse("library-entry", args=[entry.pk])).content.decode()
    for text in (
        "年度内参加培训的人次总和。",
        "∑各期培训实到人数",
        "培训签到表",
        "年度",
        "正向",
        "人次",
        "定量",
        "累计型",
        "每少10%扣1分",
        "培训，教育",
        "205 教育支出 › 20502 普通教育",
        "指标库导入",
        "2026年省级指标库",
    ):
        assert text in body, text
    assert "2025" in body and "2026" in body  # typical values per year
    same_unit = client.get(reverse("library-entry", args=[entry.pk]), {"same_unit": "1"}).content.decode()
    assert "只统计计量单位为“人次”的指标" in same_unit and "≥95%" not in same_unit


def test_a_rows_link_opens_the_entry_of_its_name_in_the_same_level2_first(client, world):
    other = CatalogEntry.objects.create(level1="产出指标", level2="质量指标", level3="培训覆盖面")
    same = CatalogEntry.objects.create(level1="产出指标", level2="数量指标", level3="培训覆盖面")
    t = table(world.org_a, 2026, DRAFT)
    quality = row(t, "1.培训覆盖面", "≥90%", level2="质量指标")
    quantity = row(t, "培训覆盖面", "≥90%", level2="数量指标")
    client.force_login(world.reviewer_a)
    assert client.get(reverse("library-indicator-sheet", args=[quality.pk])).url.startswith(
        reverse("library-entry", args=[other.pk])
    )
    assert client.get(reverse("library-indicator-sheet", args=[quantity.pk])).url.startswith(
        reverse("library-entry", args=[same.pk])
    )


def test_a_name_the_library_does_not_hold_has_a_sheet_of_its_own(client, world, history):
    t = table(world.org_a, 2027, DRAFT)
    unknown = row(t, "培训人次", "≥1人次")
    CatalogEntry.objects.filter(level3="培训人次").delete()  # the shipped catalog holds it
    client.force_login(world.reviewer_a)
    response = client.get(reverse("library-indicator-sheet", args=[unknown.pk]), follow=True)
    body = response.content.decode()
    assert response.redirect_chain[0][0].startswith(reverse("library-sheet"))
    assert "指标库中没有这个指标" in body and "指标说明：培训人次" in body and "≥600人次（2）" in body


def test_a_row_of_a_table_one_may_not_see_has_no_sheet(client, world):
    client.force_login(world.filler_b)
    ind = world.table_a.indicators.first()
    assert client.get(reverse("library-indicator-sheet", args=[ind.pk])).status_code == 404


def test_the_sheet_costs_the_same_queries_for_one_table_or_many(client, world, django_assert_num_queries):
    entry = CatalogEntry.objects.create(level1="产出指标", level2="数量指标", level3="宣传活动次数", unit="次")
    row(table(world.org_a, 2020), "宣传活动次数", "≥1次")
    client.force_login(world.reviewer_a)
    url = reverse("library-entry", args=[entry.pk])
    client.get(url)  # warm the session
    # session, user, entry, the reviewer's memberships and their organisations, typical values,
    # the visible tables' count and page, the header's unread notifications
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200
    for year in range(2000, 2030):
        row(table(world.org_a if year % 2 else world.org_b, year), "宣传活动次数", f"≥{year}次")
    with django_assert_num_queries(9):
        body = client.get(url).content.decode()
    assert "第 1 / 1 页" not in body and "2029" in body


def test_the_editor_grid_links_every_row_to_its_sheet(client, world):
    # by the row's id, resolved on the sheet: step 4 keeps its query count
    # (tests/editor/test_editor.py::test_indicator_step_renders_in_a_constant_number_of_queries)
    client.force_login(world.filler_a)
    body = client.get(reverse("editor-step", args=[world.table_a.pk, "indicators"])).content.decode()
    for ind in world.table_a.indicators.all():
        assert f'href="{reverse("library-indicator-sheet", args=[ind.pk])}"' in body


def test_the_review_page_rows_link_to_the_sheet_and_on_an_approved_table_to_a_proposal(client, world):
    snapshot = workflow.submit(world.table_a, world.filler_a)
    client.force_login(world.reviewer_a)
    body = client.get(reverse("review-table", args=[world.table_a.pk])).content.decode()
    ind = world.table_a.indicators.order_by("position").first()
    assert f'href="{reverse("library-indicator-sheet", args=[ind.pk])}"' in body
    assert reverse("library-propose", args=[ind.pk]) not in body
    from tests.test_permission_matrix import ALL_PASS

    approval = workflow.Approval(opinion="同意", checklist=ALL_PASS, published=True)
    workflow.approve(world.table_a, world.reviewer_a, approval, snapshot_number=snapshot.number)
    body = client.get(reverse("review-table", args=[world.table_a.pk])).content.decode()
    assert reverse("library-propose", args=[ind.pk]) in body


def test_the_review_pages_row_links_cost_no_query_per_row(client, world):
    client.force_login(world.reviewer_a)
    counts = []
    for year, rows in ((2024, 5), (2025, 40)):
        t = table_with_rows(world.org_a, indicators=rows, year=year)
        workflow.submit(t, world.filler_a)
        url = reverse("review-table", args=[t.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url).content.decode()
        assert body.count('class="act-sheet"') == rows
        counts.append(len(queries))
    assert counts[0] == counts[1]
