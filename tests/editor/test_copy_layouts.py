"""复制往年的表 respects layouts (issue 19): the same layout, or one whose record declares the source's compatible
with a field map; otherwise refused with the reason. Years move in the title and the dates as in the values."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tables.editor import starting
from tables.layout_spec import validate
from tables.models import Layout, Round, ScheduleItem, TargetTable
from tests.editor.test_editor import round_for
from tests.factories import IndicatorFactory, TableFactory, layout

pytestmark = pytest.mark.django_db


def project(world, code: str, **fields) -> TargetTable:
    return TableFactory(
        organisation=world.org_a,
        kind=TargetTable.Kind.PROJECT,
        layout=layout(code),
        round=round_for(2026, code),
        title="2026年度道路养护项目支出绩效目标表",
        project_code="P-1",
        project_name="道路养护",
        **fields,
    )


def test_a_copy_in_the_same_layout_moves_the_year_in_the_title_the_dates_and_the_values(world):
    source = project(world, "anhui-project-plain", project_start="2026年1月", project_end="2026年12月")
    ScheduleItem.objects.create(table=source, position=1, content="招标", start="2026年3月1日", end="2026年4月30日")
    IndicatorFactory(table=source, position=1, level3="完成时间", value="2026年11月25日")
    plan = starting.carry_plan(source, round_for(2027, "anhui-project-plain"))
    assert plan and plan.same_layout
    assert "标题：“2026年度道路养护项目支出绩效目标表” → “2027年度道路养护项目支出绩效目标表”" in plan.changes
    copy = starting.copy_table(source, round_for(2027, "anhui-project-plain"), user=world.filler_a)
    assert copy.title == "2027年度道路养护项目支出绩效目标表"
    assert copy.indicators.get().value == "2027年11月25日"
    assert list(copy.schedule.values_list("start", "end")) == [("2027年3月1日", "2027年4月30日")]
    assert (copy.project_start, copy.project_end) == ("2027年1月", "2027年12月")
    # Only the source's year moves.
    assert starting.shift_title("2025年结转（2026年度）", 2026, 2027) == "2025年结转（2027年度）"


def test_a_copy_into_another_layout_not_declared_compatible_is_refused_with_the_reason(client, world):
    henan = round_for(2027, "henan-2023-dept")
    with pytest.raises(starting.StartError) as refused:
        starting.copy_table(world.table_a, henan)  # a 新疆 table into a 河南 round
    message = str(refused.value)
    assert "表样" in message and "未声明" in message and Layout.objects.get(code="henan-2023-dept").name in message
    assert not TargetTable.objects.filter(year=2027).exists()

    client.force_login(world.filler_a)
    same = round_for(2027)
    page = client.get(reverse("editor-start")).content.decode()
    offered = page[page.index('name="copy-round"') : page.index("</select>", page.index('name="copy-round"'))]
    assert f'value="{same.pk}"' in offered and f'value="{henan.pk}"' not in offered  # only rounds it can go into
    response = client.post(
        reverse("editor-start"), {"mode": "copy", "copy-round": henan.pk, "copy-source": world.table_a.pk}
    )
    assert response.status_code == 422 and "未声明" in response.content.decode()
    assert not TargetTable.objects.filter(year=2027).exists()


def test_a_copy_into_a_layout_declaring_the_source_compatible_says_what_changes_and_waits_for_a_confirmation(
    client, world
):
    source = project(world, "anhui-project-plain", department_name="交通局")
    target = round_for(2027, "anhui-project-source-period")
    plan = starting.carry_plan(source, target)
    assert plan and not plan.same_layout
    assert any(change.startswith("表样：") for change in plan.changes)
    client.force_login(world.filler_a)
    page = client.get(reverse("editor-start")).content.decode()
    assert f'value="{target.pk}"' in page
    data = {"mode": "copy", "copy-round": target.pk, "copy-source": source.pk}
    shown = client.post(reverse("editor-start"), data)
    assert shown.status_code == 200 and "copy-changes" in shown.content.decode()
    listed = shown.content.decode()
    assert f"表样：“{source.layout.name}” → “{target.layout.name}”" in listed
    assert not TargetTable.objects.filter(year=2027).exists()
    done = client.post(reverse("editor-start"), {**data, "copy-confirm": "on"})
    assert done.status_code == 302
    copy = TargetTable.objects.get(year=2027)
    assert copy.layout.code == "anhui-project-source-period" and copy.department_name == "交通局"


def test_a_field_map_moves_a_line_to_its_new_key(world):
    record = {
        "format": "target-layout/1",
        "code": "test-mission-form",
        "name": "测试履职表",
        "kind": "department",
        "scheme": layout().scheme.code,
        "title": "部门整体支出绩效目标表",
        "blocks": ["mission", "budget"],
        "budget_keys": ["total"],
        "columns": ["level1", "level2", "level3", "value"],
        "header": [{"key": "organization"}, {"key": "mission", "label": "年度履职目标"}],
        "compatible": [{"layout": "xinjiang-2022-dept", "fields": {"goal": "mission"}}],
    }
    target = Layout.objects.from_record(record)
    world.table_a.goal = "保障全年工作顺利开展"
    world.table_a.save()
    round_ = Round.objects.create(year=2027, title="2027年测试", layout=target)
    plan = starting.carry_plan(world.table_a, round_)
    assert "“年度目标”的内容移到“年度履职目标”" in plan.changes
    copy = starting.copy_table(world.table_a, round_)
    assert copy.mission == "保障全年工作顺利开展" and not copy.goal


def test_the_layout_record_checks_its_compatible_and_opinion_levels_declarations():
    base = {
        "code": "x",
        "name": "x",
        "kind": "project",
        "scheme": "fin2015",
        "title": "x",
        "columns": ["level3", "value"],
        "opinion_rows": ["主管部门审核意见"],
    }
    assert validate({**base, "opinion_levels": {"department": "主管部门审核意见"}}) == []
    assert validate({**base, "compatible": [{"layout": "y", "fields": {"mission": "goal"}}]}) == []
    problems = validate(
        {
            **base,
            "opinion_levels": {"bureau": "主管部门审核意见", "finance": "财政审核意见"},
            "compatible": [
                "y",
                {"layout": "x"},
                {"layout": "z", "fields": {"organization": "goal", "goal": "colour"}},
                {"layout": "z"},
            ],
        }
    )
    expected = [
        "opinion_levels 中的“bureau”不是审核级次",
        "opinion_levels 中“finance”对应的“财政审核意见”不在 opinion_rows 中",
        "compatible 第1项应为对象",
        "compatible 第2项：同一表样无须声明兼容",
        "compatible 第3项的 fields 中“organization”不是表头或表尾项目",
        "compatible 第3项的 fields 中“colour”不是表头或表尾项目",
        "compatible 第4项：表样“z”重复",
    ]
    for text in expected:
        assert any(text in problem for problem in problems), text
    assert validate({**base, "compatible": {}}) == ["“compatible”应为列表。"]
