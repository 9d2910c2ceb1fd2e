"""Starting a table in the domain (`tables/editor/starting.py`); the start page is tested in test_editor.py."""

from __future__ import annotations

import pytest

from tables.editor.starting import StartError, Unconfirmed, create_from_data, start_from_text
from tables.models import Layout, Round, TargetTable

pytestmark = pytest.mark.django_db

UNREAD = "\n".join(
    [
        "\t一级指标\t二级指标\t三级指标\t指标值",
        "产出指标\t数量指标\t培训人次\t≥500人次",
        "孤零零的一格",
    ]
)


def round_for(year: int = 2027, code: str = "xinjiang-2022-dept") -> Round:
    layout = Layout.objects.get(code=code)
    return Round.objects.get_or_create(year=year, layout=layout, defaults={"title": f"{year}年{layout.name}"})[0]


def test_pasted_text_with_unread_lines_starts_no_table_until_confirmed(world):
    with pytest.raises(Unconfirmed) as refused:
        start_from_text(UNREAD, round_=round_for(), organisation=world.org_a, user=world.filler_a)
    assert len(refused.value.problems) == 1 and refused.value.problems[0].startswith("第 3 行“孤零零的一格”")
    assert not TargetTable.objects.filter(year=2027).exists()

    table, notes = start_from_text(
        UNREAD, round_=round_for(), organisation=world.org_a, user=world.filler_a, confirmed=True
    )
    assert table.indicators.get().level3 == "培训人次"
    assert notes == [f"未导入：{refused.value.problems[0]}"]


def test_a_whole_table_cannot_be_pasted_into_a_project_round(world):
    with pytest.raises(StartError, match="只支持部门"):
        start_from_text(UNREAD, round_=round_for(code="hebei-2023-project"), organisation=world.org_a)


def test_amounts_that_are_not_numbers_are_left_blank_and_noted_budget_first(world):
    data = {
        "tasks": [{"name": "运转保障", "content": "日常运转", "total": "很多", "fiscal": "1"}],
        "budget": {"total": "十万", "fiscal": "5"},
        "spending_plan": {"06": "一半"},
    }
    table, problems = create_from_data(data, round_=round_for(), organisation=world.org_a, source="测试")
    assert [p.split("：")[0] for p in problems] == ["预算 total", "6月底支出计划", "第1项任务"]
    assert all(p.endswith("，未导入") for p in problems)
    assert (table.budget_total, table.budget_fiscal, table.plan_06) == (None, 5, None)
    task = table.tasks.get()
    assert (task.total, task.fiscal) == (None, 1)


def test_a_second_table_of_the_same_organisation_and_year_names_the_first(world):
    first, _ = create_from_data({}, round_=round_for(), organisation=world.org_a)
    with pytest.raises(StartError) as refused:
        create_from_data({}, round_=round_for(), organisation=world.org_a)
    assert refused.value.existing == first


def test_a_project_without_code_is_another_table_by_another_name_and_the_same_by_the_same_name(world):
    round_ = round_for(code="hebei-2023-project")
    first, _ = create_from_data({"project": {"code": "", "name": "甲项目"}}, round_=round_, organisation=world.org_a)
    second, _ = create_from_data({"project": {"code": "", "name": "乙项目"}}, round_=round_, organisation=world.org_a)
    assert first != second
    with pytest.raises(StartError, match="已有项目“甲项目”的绩效目标表") as refused:
        create_from_data({"project": {"code": "", "name": "甲项目"}}, round_=round_, organisation=world.org_a)
    assert refused.value.existing == first


def test_last_years_table_of_a_project_without_code_is_the_one_of_the_same_name(world):
    """Last year's values and the diff against last year find a codeless project by its name
    (`table_identity`), never another codeless project of the unit."""
    from tables.review.panel import workflow_previous_year

    old = round_for(year=2026, code="hebei-2023-project")
    new = round_for(year=2027, code="hebei-2023-project")
    same, _ = create_from_data({"project": {"code": "", "name": "甲项目"}}, round_=old, organisation=world.org_a)
    other, _ = create_from_data({"project": {"code": "", "name": "乙项目"}}, round_=old, organisation=world.org_a)
    TargetTable.objects.filter(pk__in=[same.pk, other.pk]).update(status=TargetTable.Status.APPROVED)
    table, _ = create_from_data({"project": {"code": "", "name": "甲项目"}}, round_=new, organisation=world.org_a)
    assert list(TargetTable.objects.approved_before(table)) == [same]
    label, data = workflow_previous_year(table)
    assert label == "2026年批复版" and data["project"]["name"] == "甲项目"
