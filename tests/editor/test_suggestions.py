"""建议指标: the engine over stored tables (visibility, last year, no repeats, the index's revision), the
panel of step 4 and its one-click 添加."""

from __future__ import annotations

import pytest
from django.urls import reverse

from indicators import suggestions
from indicators.models import CatalogEntry, Indicator, LibraryField
from tables.editor.suggested import place_in_tree
from tables.models import TargetTable
from tables.suggesting import approved_docs, approved_revision, ask_for, suggestions_for
from tests.conftest import log_in
from tests.factories import IndicatorFactory, OrganisationFactory, TableFactory, layout

FARMLAND = "高标准农田建设项目"
FARMLAND_GOAL = "新建高标准农田，完善灌溉排水设施，提高粮食综合生产能力"


@pytest.fixture(autouse=True)
def cold_index():
    suggestions.forget_index()
    yield
    suggestions.forget_index()


def project(organisation, *, name=FARMLAND, goal=FARMLAND_GOAL, year=2026, status=TargetTable.Status.DRAFT, code=""):
    return TableFactory(
        organisation=organisation,
        kind=TargetTable.Kind.PROJECT,
        layout=layout("hebei-2023-project"),
        title="项目支出绩效目标表",
        project_code=code,
        project_name=name,
        goal=goal,
        year=year,
        status=status,
    )


def indicators(table, *rows):
    for position, (level1, level2, name, value, basis) in enumerate(rows, start=1):
        IndicatorFactory(
            table=table, position=position, level1=level1, level2=level2, level3=name, value=value, basis=basis,
            explanation=f"{name}的解释",
        )  # fmt: skip


@pytest.fixture
def region(world):
    """Approved farmland tables of two other organisations, and tables that are not approved."""
    county_c, county_d = OrganisationFactory(name="丙县农业农村局"), OrganisationFactory(name="丁县农业农村局")
    first = project(county_c, year=2025, status=TargetTable.Status.APPROVED, code="C1")
    indicators(
        first,
        ("产出指标", "数量指标", "新建高标准农田面积", "≥10000亩", "计划标准"),
        ("产出指标", "质量指标", "工程验收合格率", "≥95%", "行业标准"),
        ("满意度指标", "服务对象满意度指标", "受益农户满意度", "≥90%", "历史标准"),
    )
    second = project(county_d, name="2025年高标准农田建设", year=2025, status=TargetTable.Status.APPROVED, code="D1")
    indicators(
        second,
        ("产出指标", "数量指标", "新建高标准农田面积", "≥8000亩", "计划标准"),
        ("效益指标", "经济效益指标", "亩均粮食产能提高", "≥50公斤", "行业标准"),
    )
    for status, name in (
        (TargetTable.Status.DRAFT, "草稿里的指标"),
        (TargetTable.Status.SUBMITTED, "审核中的指标"),
        (TargetTable.Status.RETURNED, "退回的指标"),
    ):
        hidden = project(OrganisationFactory(), year=2025, status=status, code=status)
        indicators(hidden, ("产出指标", "数量指标", name, "≥1个", "计划标准"))
    return world


def names(found) -> list[str]:
    return [s.item.level3 for s in found]


# ---------------------------------------------------------------- the engine over stored tables


def test_a_filler_gets_indicators_of_other_organisations_approved_tables_never_of_drafts(region):
    table = project(region.org_a)
    found = suggestions_for(table, 10)
    assert {"新建高标准农田面积", "工程验收合格率", "受益农户满意度", "亩均粮食产能提高"} <= set(names(found))
    assert not {"草稿里的指标", "审核中的指标", "退回的指标"} & set(names(found))
    top = found[0]
    assert top.item.level3 == "新建高标准农田面积"  # both approved tables used it
    assert "2025年 丙县农业农村局《高标准农田建设项目》等 2 个同类项目已批复使用（相似度 " in top.reason
    assert (top.item.value, top.item.basis) == ("≥10000亩", "计划标准")
    assert top.item.explanation == "新建高标准农田面积的解释"


def test_the_organisations_last_year_table_comes_first(region):
    last = project(region.org_a, year=2025, status=TargetTable.Status.APPROVED, code="A1")
    indicators(last, ("产出指标", "数量指标", "机耕路修建长度", "≥5公里", "历史标准"))
    found = suggestions_for(project(region.org_a, code="A1"), 10)
    assert found[0].item.level3 == "机耕路修建长度"
    assert found[0].source == suggestions.SOURCE_LAST_YEAR and found[0].reason == "本单位上年已用（2025年）"


def test_an_indicator_the_table_has_is_never_suggested(region):
    table = project(region.org_a)
    indicators(table, ("产出指标", "数量指标", "1. 新建高标准农田面积", "≥1亩", ""))
    assert "新建高标准农田面积" not in names(suggestions_for(table, 10))


def test_the_library_is_suggested_by_the_same_text(region):
    field = LibraryField.objects.create(name="农林水")
    CatalogEntry.objects.create(
        field=field, level1="效益指标", level2="可持续影响指标", level3="耕地质量等级提升", value="0.5", unit="等",
        definition="高标准农田建成后耕地质量等级的提升", keywords="高标准农田 耕地", formula="建后等级-建前等级",
        origin=CatalogEntry.Origin.STARTER,
    )  # fmt: skip
    found = {s.item.level3: s for s in suggestions_for(project(region.org_a), 12)}
    entry = found["耕地质量等级提升"]
    assert entry.source == suggestions.SOURCE_LIBRARY and entry.reason.startswith("指标库：农林水（相似度 ")
    assert entry.item.value == "0.5等"
    assert entry.item.explanation == "高标准农田建成后耕地质量等级的提升\n计算公式：建后等级-建前等级"


def test_the_index_follows_a_table_approved_or_reopened(region):
    table = project(region.org_a)
    before = approved_revision()
    assert "新指标甲" not in names(suggestions_for(table, 20))
    newly = project(OrganisationFactory(), year=2025, status=TargetTable.Status.DRAFT, code="N1")
    indicators(newly, ("产出指标", "数量指标", "新指标甲", "≥1个", ""))
    TargetTable.objects.filter(pk=newly.pk).update(status=TargetTable.Status.APPROVED)
    assert approved_revision() != before
    assert "新指标甲" in names(suggestions_for(table, 20))
    TargetTable.objects.filter(pk=newly.pk).update(status=TargetTable.Status.RETURNED)
    assert "新指标甲" not in names(suggestions_for(table, 20))


def test_the_tables_text_includes_its_purpose_goal_and_tasks(region):
    table = project(region.org_a, goal="目标甲")
    table.project_purpose = "资金用途乙"
    table.save()
    table.tasks.create(position=1, name="任务丙", content="内容丁")
    ask = ask_for(table)
    assert all(word in ask.text for word in (FARMLAND, "资金用途乙", "目标甲", "任务丙", "内容丁"))


def test_a_warm_suggestion_takes_a_constant_number_of_queries(region, django_assert_num_queries):
    table = project(region.org_a)
    suggestions_for(table, 10)
    # tasks, the table's indicators, last year's indicators, the corpus's revision, the library's revision
    with django_assert_num_queries(5):
        suggestions_for(table, 10)


# ---------------------------------------------------------------- the panel and 添加


def panel_url(table) -> str:
    return reverse("editor-suggestions", args=[table.pk])


def add_url(table) -> str:
    return reverse("editor-suggestion-add", args=[table.pk])


def test_the_panel_lists_suggestions_by_source_with_their_reason(client, region):
    table = project(region.org_a)
    log_in(client, region.filler_a)
    response = client.get(panel_url(table), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="suggestion-panel"' in body and "<h3" in body and "同类项目已批复使用" in body
    assert "丙县农业农村局《高标准农田建设项目》" in body and 'aria-label="添加“新建高标准农田面积”"' in body
    assert "<html" not in body
    page = client.get(panel_url(table)).content.decode()  # without htmx: a page holding it
    assert "<html" in page and 'id="suggestion-panel"' in page and "hx-post" not in page


def test_the_panel_is_closed_to_those_who_may_not_edit(client, region):
    table = project(region.org_a)
    log_in(client, region.reviewer_a)
    assert client.get(panel_url(table)).status_code == 403
    assert client.post(add_url(table), {"level3": "x"}).status_code == 403
    log_in(client, region.filler_b)
    assert client.get(panel_url(table)).status_code == 404


def test_adding_a_suggestion_fills_the_row_under_its_category_and_refreshes_the_panel(client, region):
    table = project(region.org_a)
    indicators(
        table,
        ("产出指标", "数量指标", "已有数量指标", "≥1个", ""),
        ("满意度指标", "服务对象满意度指标", "已有满意度", "≥90%", ""),
    )
    log_in(client, region.filler_a)
    data = {
        "level1": "产出指标", "level2": "质量指标", "level3": "工程验收合格率", "value": "≥95%",
        "basis": "行业标准", "explanation": "验收合格的工程占比", "direction": "正向", "version": table.version,
    }  # fmt: skip
    response = client.post(add_url(table), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    rows = list(Indicator.objects.filter(table=table).order_by("position"))
    assert [r.level3 for r in rows] == ["已有数量指标", "工程验收合格率", "已有满意度"]
    added = rows[1]
    assert (added.value, added.comparator, added.number, added.unit) == ("≥95%", "≥", 95, "%")
    assert (added.basis, added.explanation, added.direction) == ("行业标准", "验收合格的工程占比", "正向")
    body = response.content.decode()
    assert 'id="indicator-grid"' in body
    assert 'id="suggestion-panel" class="suggestion-panel" aria-label="建议指标" hx-swap-oob="true"' in body
    panel = body[body.index('id="suggestion-panel"') :]
    assert "工程验收合格率" not in panel and "新建高标准农田面积" in panel
    assert response["X-Table-Version"] == str(TargetTable.objects.get(pk=table.pk).version)


def test_adding_a_suggestion_without_htmx_goes_back_to_the_panel(client, region):
    table = project(region.org_a)
    log_in(client, region.filler_a)
    data = {"level1": "产出指标", "level2": "数量指标", "level3": "新建高标准农田面积", "value": "≥10000亩"}
    response = client.post(add_url(table), data)
    assert response.status_code == 302 and response["Location"] == panel_url(table)
    assert Indicator.objects.get(table=table).unit == "亩"


def test_adding_to_a_submitted_table_is_refused(client, region):
    table = project(region.org_a, status=TargetTable.Status.SUBMITTED)
    log_in(client, region.filler_a)
    response = client.post(add_url(table), {"level1": "产出指标", "level2": "数量指标", "level3": "甲"})
    assert response.status_code == 403 and not Indicator.objects.filter(table=table).exists()


def test_adding_without_a_name_is_a_bad_request(client, region):
    table = project(region.org_a)
    log_in(client, region.filler_a)
    assert client.post(add_url(table), {"level3": " "}).status_code == 400


def test_the_step_shows_the_panel_only_to_those_who_may_edit(client, region):
    table = project(region.org_a)
    url = reverse("editor-step", args=[table.pk, "indicators"])
    log_in(client, region.filler_a)
    assert 'id="suggest-box"' in client.get(url).content.decode()
    log_in(client, region.reviewer_a)
    assert 'id="suggest-box"' not in client.get(url).content.decode()


def test_a_warm_panel_takes_a_constant_number_of_queries(client, region, django_assert_num_queries):
    table = project(region.org_a)
    log_in(client, region.filler_a)
    client.get(panel_url(table), headers={"HX-Request": "true"})
    # session, user, table (+organisation, layout), memberships, then the five of a suggestion
    with django_assert_num_queries(9):
        client.get(panel_url(table), headers={"HX-Request": "true"})


@pytest.mark.parametrize(
    ("given", "placed"),
    [
        (("产出指标", "质量指标"), ("产出指标", "质量指标")),
        (("其他", "质量指标"), ("产出指标", "质量指标")),  # the 二级 under whichever 一级 holds it
        (("产出指标", "未知二级"), ("产出指标", "数量指标")),  # the 一级's first 二级
        (("未知", "未知"), ("未知", "未知")),
    ],
)
def test_a_suggestion_is_placed_in_the_tables_own_categories(given, placed):
    tree = {"产出指标": ["数量指标", "质量指标"], "满意度指标": ["服务对象满意度指标"]}
    assert place_in_tree(tree, *given) == placed


# ---------------------------------------------------------------- the quality measure of make bench


def test_leave_one_out_hides_each_table_and_counts_its_own_indicators_out_of_the_baseline(region):
    from bench.bench_suggestions import leave_one_out

    approved = list(TargetTable.objects.filter(status=TargetTable.Status.APPROVED).values_list("pk", flat=True))
    index = suggestions.index(approved_revision(), approved_docs)
    result = leave_one_out(index, approved)
    assert result["tables"] == 2
    # the most common of the other table only: 新建高标准农田面积 is 1 of the first's 3, 1 of the second's 2
    assert result["baseline"] == pytest.approx((1 / 3 + 1 / 2) / 2)
    assert result["baseline"] <= result["recall"] <= result["ceiling"]
    assert result["exact"] <= result["recall"]
