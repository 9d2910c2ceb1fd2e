"""The editor follows the table's layout record: its header and footer lines in step 1, every indicator
column of the grid under the form's own words, 中期/长期 beside 年度, and a value that always agrees
with its parts when either is saved (issue 13)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Indicator
from tables.editor import editing, starting
from tables.editor.editing import row_fingerprint
from tables.models import AuditEntry, Layout, Round, ScheduleItem, Snapshot, TargetTable
from tests.conftest import log_in
from tests.factories import IndicatorFactory, TableFactory, layout

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
SPLIT = "chongqing-project-split-unit-sign"  # 计量单位 | 指标性质 | 指标值 and no value column
NATIONAL = "national2021-project-score"  # every record column, and a footer
MIDTERM = "hubei-88-project-midterm"  # 中期 and 年度 side by side


def round_for(code: str, year: int = 2026) -> Round:
    layout_ = Layout.objects.get(code=code)
    return Round.objects.get_or_create(year=year, layout=layout_, defaults={"title": f"{year}年{layout_.name}"})[0]


def project_table(world, code: str, **fields) -> TargetTable:
    return TableFactory(
        organisation=world.org_a,
        kind=TargetTable.Kind.PROJECT,
        layout=layout(code),
        round=round_for(code),
        title="项目支出绩效目标表",
        project_code="P-1",
        project_name="道路养护",
        **fields,
    )


def step_url(table, step: str) -> str:
    return reverse("editor-step", args=[table.pk, step])


def row_url(table, row) -> str:
    return reverse("editor-row", args=[table.pk, "indicators", row.pk])


def labels_in_order(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>|\*", "", label).strip() for label in re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)]


def saved_cells(response) -> dict:
    return json.loads(response["HX-Trigger"])["editor:saved"].get("cells", {})


# ---------------------------------------------------------------- step 1: the header and footer lines


def test_step_one_shows_a_province_layouts_header_lines_in_its_order_with_its_labels(client, world):
    table = project_table(world, SPLIT)
    log_in(client, world.filler_a)
    response = client.get(step_url(table, "basic"))
    assert response.status_code == 200
    labels = labels_in_order(response.content.decode())
    # 项目(专项)名称 comes first on this form; the unit (with the round and title) where the form has it;
    # the goals are step 3's; 项目编码 (which names a project table) after the form's own lines.
    assert labels == [
        "项目(专项)名称",
        "具体实施单位",
        "填报批次",
        "表名",
        "项目属性",
        "项目负责人",
        "联系电话",
        "项目编码",
        "资金用途",
    ]
    form = response.context["form"]
    assert form.fields["project_manager"].required  # the layout marks it: the asterisk shows
    assert 'id="id_project_manager"' in response.content.decode()


def test_step_one_saves_the_new_header_lines_and_leaves_a_required_one_empty(client, world):
    table = project_table(world, SPLIT)
    log_in(client, world.filler_a)
    form = client.get(step_url(table, "basic")).context["form"]
    data = {
        "organisation": world.org_a.pk,
        "round": table.round_id,
        "title": table.title,
        "project_code": "P-1",
        "project_name": "道路养护",
        "project_purpose": "",
        "project_attribute": "经常性项目",
        "project_manager": "",  # required on the form: saved empty, the checks say so
        "project_phone": "023-1234567",
        "base": editing.fingerprint(editing.values_of(table, form.model_fields)),
    }
    response = client.post(step_url(table, "basic"), data, headers=HTMX)
    assert response.status_code == 200
    table.refresh_from_db()
    assert (table.project_attribute, table.project_manager, table.project_phone) == ("经常性项目", "", "023-1234567")
    basic = client.get(step_url(table, "basic")).content.decode()
    assert "项目负责人" in basic and "未填写“项目负责人”" in basic


def test_the_footer_lines_are_filled_in_step_one(client, world):
    table = project_table(world, NATIONAL, filled_by="张三")
    log_in(client, world.filler_a)
    response = client.get(step_url(table, "basic"))
    labels = labels_in_order(response.content.decode())
    assert labels[-3:] == ["填表人", "联系电话", "单位负责人"] and "主管部门" in labels
    assert response.context["form"].initial["filled_by"] == "张三"
    assert "填报信息" in response.content.decode()


def test_step_three_shows_the_long_term_goal_under_the_layouts_label(client, world):
    table = project_table(world, MIDTERM, long_term_goal="三年内完成改造")
    log_in(client, world.filler_a)
    response = client.get(step_url(table, "goals"))
    form = response.context["form"]
    assert form.model_fields == ("long_term_goal", "goal")
    assert (form.fields["long_term_goal"].label, form.fields["goal"].label) == ("中期目标", "年度目标")
    assert "三年内完成改造" in response.content.decode()


def test_a_seed_layouts_step_one_is_as_before(client, world):
    log_in(client, world.filler_a)
    labels = labels_in_order(client.get(step_url(world.table_a, "basic")).content.decode())
    assert labels == ["部门（单位）", "填报批次", "表名"]


# ---------------------------------------------------------------- step 4: every column


def test_step_four_of_a_split_layout_renders_every_column_under_the_forms_words(client, world):
    table = project_table(world, NATIONAL)
    row = IndicatorFactory(
        table=table,
        position=1,
        level3="道路养护里程",
        value="≥120公里",
        direction="正向",
        weight=Decimal("10"),
        core=True,
    )
    Indicator.objects.filter(pk=row.pk).update(comparator="≥", number=Decimal("120"), unit="公里", value_type="定量")
    log_in(client, world.filler_a)
    response = client.get(step_url(table, "indicators"))
    html = response.content.decode()
    for key, label in [
        ("comparator", "计算符号"),
        ("number", "指标值"),
        ("unit", "计量单位"),
        ("value_type", "指标值类型"),
        ("direction", "指标方向"),
        ("weight", "分值"),
        ("core", "是否核心指标"),
    ]:
        assert f'<th class="col-{key}">{label}</th>' in html
        assert f'name="{key}" id="ind-{row.pk}-{key}"' in html
    assert '<option value="≥" selected>≥</option>' in html
    assert '<option value="定量（其他）">定量（其他）</option>' in html and '<option value="不适用">' in html
    assert '<option value="正向" selected>正向</option>' in html and '<option value="是" selected>是</option>' in html
    assert f'id="ind-{row.pk}-number" value="120"' in html and f'id="ind-{row.pk}-weight" value="10"' in html
    # No 指标值 column on this form: the value its parts make shows under the number.
    assert f'<div id="ind-{row.pk}-joined" class="joined small">≥120公里</div>' in html


def test_a_period_grouped_layout_shows_a_long_term_and_an_annual_group(client, world):
    table = project_table(world, MIDTERM)
    IndicatorFactory(table=table, position=1, level3="年度里程", value="≥10公里", period="annual")
    IndicatorFactory(table=table, position=2, level3="三年里程", value="≥30公里", period="long_term")
    log_in(client, world.filler_a)
    html = client.get(step_url(table, "indicators")).content.decode()
    long_term, annual = html.index('id="period-long_term"'), html.index('id="period-annual"')
    assert long_term < html.index("三年里程") < annual < html.index("年度里程")
    assert "中期/长期指标" in html and "年度指标" in html


def test_a_row_added_in_a_period_group_is_of_that_period(client, world):
    table = project_table(world, MIDTERM)
    IndicatorFactory(table=table, position=1, level3="年度里程", value="≥10公里", period="annual")
    log_in(client, world.filler_a)
    response = client.post(
        reverse("editor-row-new", args=[table.pk, "indicators"]), {"period": "long_term"}, headers=HTMX
    )
    assert response.status_code == 200
    added = table.indicators.exclude(level3="年度里程").get()
    assert added.period == "long_term"
    html = response.content.decode()
    assert html.index('id="period-long_term"') < html.index(f'id="ind-{added.pk}"') < html.index('id="period-annual"')


def test_a_seed_grid_has_no_period_groups(client, world):
    log_in(client, world.filler_a)
    response = client.get(step_url(world.table_a, "indicators"))
    assert response.context["period_groups"] is None and "period-head" not in response.content.decode()


# ---------------------------------------------------------------- autosave: value and parts together


def _split_row(world, code: str = NATIONAL) -> tuple[TargetTable, Indicator]:
    table = project_table(world, code)
    row = editing.insert_rows(table, "indicators", [{"level1": "产出指标", "level3": "里程", "value": "≥120公里"}]).obj
    row.refresh_from_db()
    return table, row


def _posted(row: Indicator, columns, **changes) -> dict:
    data = {name: editing.values_of(row, (name,))[name] for name in ("level1", "level2", *columns)}
    return data | {"base": row_fingerprint(row)} | changes


def test_saving_the_sign_rebuilds_the_value_and_the_other_cells_follow(client, world):
    table, row = _split_row(world)
    assert (row.comparator, row.number, row.unit) == ("≥", Decimal("120"), "公里")  # parts of the inserted value
    log_in(client, world.filler_a)
    columns = [key for key in table.layout.columns if key not in ("level1", "level2")]
    response = client.post(row_url(table, row), _posted(row, columns, comparator="≤"), headers=HTMX)
    assert response.status_code == 200
    row.refresh_from_db()
    assert (row.value, row.comparator, row.number, row.unit) == ("≤120公里", "≤", Decimal("120"), "公里")
    html = response.content.decode()
    assert f'<div id="ind-{row.pk}-joined" class="joined small" hx-swap-oob="true">≤120公里</div>' in html
    assert f'id="ind-{row.pk}-parse"' in html


def test_saving_a_number_rebuilds_the_value_as_typed(client, world):
    table, row = _split_row(world)
    log_in(client, world.filler_a)
    columns = [key for key in table.layout.columns if key not in ("level1", "level2")]
    response = client.post(row_url(table, row), _posted(row, columns, number="135.5"), headers=HTMX)
    assert response.status_code == 200
    row.refresh_from_db()
    assert (row.value, row.number) == ("≥135.5公里", Decimal("135.5"))
    assert saved_cells(response) == {}  # nothing shown changed but the value under the number


def test_saving_the_value_re_derives_the_parts_and_sends_them_to_the_cells(client, world):
    table, row = _split_row(world, "transfer-regional-unit")  # 单位 and 指标值 side by side
    log_in(client, world.filler_a)
    response = client.post(row_url(table, row), _posted(row, ["level3", "unit", "value"], value="≤5%"), headers=HTMX)
    assert response.status_code == 200
    row.refresh_from_db()
    assert (row.value, row.comparator, row.number, row.unit, row.value_type) == ("≤5%", "≤", Decimal("5"), "%", "定量")
    assert saved_cells(response) == {f"ind-{row.pk}-unit": "%"}
    # The next save from the page is based on what it now shows.
    assert json.loads(response["HX-Trigger"])["editor:saved"]["base"] == row_fingerprint(row)


def test_a_seed_rows_saved_value_keeps_its_parts_in_agreement(client, world):
    row = world.table_a.indicators.order_by("position").first()
    log_in(client, world.filler_a)
    data = {name: getattr(row, name) or "" for name in ("level1", "level2", "level3", "value")}
    response = client.post(row_url(world.table_a, row), data | {"base": row_fingerprint(row), "value": "≥97.5%"})
    assert response.status_code == 200
    row.refresh_from_db()
    assert (row.comparator, row.number, row.unit) == ("≥", Decimal("97.5"), "%")
    assert "cells" not in json.loads(response["HX-Trigger"])["editor:saved"]


def test_a_derived_change_is_one_audit_entry_in_the_same_write(world):
    table, row = _split_row(world)
    # A table that was once submitted logs every change (a stored snapshot says it was).
    Snapshot.objects.create(table=table, number=1, table_version=table.version, data={}, submitted_by=world.filler_a)
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    saved = editing.save_row(table, "indicators", row.pk, {"number": "150"}, base=row_fingerprint(row), based_on=None)
    assert set(saved.changed) == {"value", "number"}
    entries = list(AuditEntry.objects.exclude(pk__in=before).values_list("what", "old", "new", "version"))
    assert entries == [("指标第1行“里程” 指标值", "≥120公里", "≥150公里", saved.version)]


def test_a_number_that_is_not_a_number_is_refused(client, world):
    table, row = _split_row(world)
    log_in(client, world.filler_a)
    columns = [key for key in table.layout.columns if key not in ("level1", "level2")]
    response = client.post(row_url(table, row), _posted(row, columns, number="很多"), headers=HTMX)
    assert response.status_code == 422 and "指标值：应为数字" in response.content.decode()


# ---------------------------------------------------------------- copying carries the record


def test_copying_a_table_carries_the_new_header_lines_and_indicator_fields(world):
    source = project_table(world, NATIONAL, department_name="交通局", project_manager="李四", filled_on="2026-01-05")
    source.year = 2025
    source.save(update_fields=["year"])
    editing.insert_rows(source, "indicators", [{"level1": "产出指标", "level3": "里程", "value": "≥120公里"}])
    Indicator.objects.filter(table=source).update(direction="正向", weight=Decimal("20"), core=True, period="long_term")
    ScheduleItem.objects.create(table=source, position=1, content="设计", start="2026-01", end="2026-03")
    copy = starting.copy_table(source, round_for(NATIONAL, 2027), user=world.filler_a)
    assert (copy.department_name, copy.project_manager, copy.filled_on) == ("交通局", "李四", "")
    [row] = copy.indicators.all()
    assert (row.value, row.comparator, row.number, row.unit) == ("≥120公里", "≥", Decimal("120"), "公里")
    assert (row.direction, row.weight, row.core, row.period) == ("正向", Decimal("20"), True, "long_term")
    assert list(copy.schedule.values_list("content", "start", "end")) == [("设计", "2026-01", "2026-03")]


def test_pasting_into_a_split_layouts_grid_keeps_working_for_the_columns_the_parser_reads(client, world):
    table = project_table(world, SPLIT)
    log_in(client, world.filler_a)
    text = "一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t养护里程\t≥120公里\n"
    response = client.post(reverse("editor-paste-rows", args=[table.pk, "indicators"]), {"text": text}, headers=HTMX)
    assert response.status_code == 200
    [row] = table.indicators.all()
    assert (row.level3, row.value, row.comparator, row.number, row.unit) == ("养护里程", "≥120公里", "≥", 120, "公里")
