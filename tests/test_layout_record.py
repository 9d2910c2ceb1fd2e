"""A layout is a record: checked before it is stored, exported and imported as JSON, followed by the checks."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from indicators.checks import ERROR, WARNING, check_table
from tables.admin import LayoutForm
from tables.checking import shipped_layout
from tables.layout_spec import (
    FORMAT,
    LayoutError,
    column_label,
    header_lines,
    layout_to_json,
    periods,
    validate,
)
from tables.layouts import LAYOUTS
from tables.models import Layout
from tests.indicators.test_checks import project

SPLIT_FORM = {
    "format": FORMAT,
    "code": "test-split-project",
    "name": "测试省项目支出绩效目标申报表",
    "kind": "project",
    "scheme": "fin2015",
    "title": "项目支出绩效目标申报表",
    "blocks": ["project", "budget", "goal"],
    "budget_keys": ["total", "fiscal", "other"],
    "columns": ["level1", "level2", "level3", "comparator", "number", "unit", "value", "direction", "weight"],
    "options": {},
    "header": [
        {"key": "project_name", "label": "项目（专项）名称", "required": True},
        {"key": "department_name", "label": "主管部门", "required": True},
        {"key": "organization", "label": "实施单位", "required": True},
        {"key": "project_manager", "label": "项目负责人"},
        {"key": "project_phone", "label": "联系电话"},
    ],
    "column_labels": {"comparator": "指标性质", "number": "指标值", "unit": "度量单位", "weight": "权重"},
    "periods": ["annual"],
    "footer": [{"key": "filled_by"}, {"key": "filler_phone"}],
    "opinion_rows": ["主管部门审核意见", "财政部门审核意见"],
    "checks": {"plan.missing": "off", "value.percent_out_of_range": "warning"},
}


def test_every_shipped_layout_is_a_sound_record():
    for spec in LAYOUTS:
        assert validate(spec) == [], spec["code"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"columns": ["level1", "level2", "level3", "value", "colour"]}, "columns 中的“colour”不是可用的项目"),
        ({"header": [{"key": "project_nam", "required": True}]}, "header 第1行的 key“project_nam”不是可用的项目"),
        ({"header": [{"key": "goal"}, {"key": "goal"}]}, "header 第2行的“goal”重复"),
        ({"checks": {"no.such.rule": "off"}}, "checks 中的规则“no.such.rule”不存在"),
        ({"checks": {"plan.missing": "loud"}}, "checks 中规则“plan.missing”的设置应为"),
        ({"periods": ["monthly"]}, "periods 中的“monthly”不是可用的项目"),
        ({"budget_keys": ["total", "gift"]}, "budget_keys 中的“gift”不是可用的项目"),
        ({"kind": "booklet"}, "kind 应为 department 或 project"),
        ({"columns": ["level1", "level2"]}, "columns 至少应有三级指标"),
        ({"header": "项目名称"}, "“header”应为列表"),
    ],
)
def test_an_unsound_record_is_refused_naming_the_place(change, message):
    problems = validate({**SPLIT_FORM, **change})
    assert any(message in p for p in problems), problems


def test_a_record_reads_with_the_forms_own_words():
    assert [line["label"] for line in header_lines(SPLIT_FORM)][:2] == ["项目（专项）名称", "主管部门"]
    assert header_lines(SPLIT_FORM)[3] == {"key": "project_manager", "label": "项目负责人", "required": False}
    assert column_label(SPLIT_FORM, "unit") == "度量单位"
    assert column_label(SPLIT_FORM, "level3") == "三级指标"
    assert periods(SPLIT_FORM) == ["annual"]
    assert periods({**SPLIT_FORM, "periods": []}) == ["annual"]


@pytest.mark.django_db
def test_a_layout_round_trips_through_the_command(tmp_path):
    source = tmp_path / "layout.json"
    source.write_text(json.dumps(SPLIT_FORM, ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    call_command("layouts", "import", str(source), stdout=out)
    assert "已导入表样“测试省项目支出绩效目标申报表”" in out.getvalue()

    exported = tmp_path / "again.json"
    call_command("layouts", "export", "test-split-project", "-o", str(exported), stdout=StringIO())
    assert json.loads(exported.read_text(encoding="utf-8")) == SPLIT_FORM

    listing = StringIO()
    call_command("layouts", "list", stdout=listing)
    assert "test-split-project\t项目支出\tfin2015" in listing.getvalue()


@pytest.mark.django_db
def test_importing_again_updates_the_record_in_place():
    Layout.objects.from_record(SPLIT_FORM)
    Layout.objects.from_record({**SPLIT_FORM, "name": "测试省项目支出绩效目标表（修订）"})
    assert Layout.objects.filter(code="test-split-project").count() == 1
    assert Layout.objects.get(code="test-split-project").name == "测试省项目支出绩效目标表（修订）"


@pytest.mark.django_db
def test_an_unsound_file_is_refused_and_nothing_is_stored(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**SPLIT_FORM, "scheme": "nowhere", "columns": ["level3", "value", "x"]}), "utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("layouts", "import", str(bad), stdout=StringIO())
    assert "指标体系“nowhere”不存在" in str(raised.value)
    assert "columns 中的“x”" in str(raised.value)
    assert not Layout.objects.filter(code="test-split-project").exists()

    with pytest.raises(LayoutError, match="格式应为“target-layout/1”"):
        Layout.objects.from_record({**SPLIT_FORM, "format": "target-table/2"})
    broken = tmp_path / "broken.json"
    broken.write_bytes(b"{\xff")
    with pytest.raises(CommandError, match="不是 UTF-8 的 JSON 文件"):
        call_command("layouts", "import", str(broken))
    with pytest.raises(CommandError, match="没有编码为“nope”的表样"):
        call_command("layouts", "export", "nope")


@pytest.mark.django_db
def test_the_admin_form_refuses_what_the_editor_could_not_follow():
    shipped = Layout.objects.get(code="hebei-2023-project")
    data = {**layout_to_json(shipped), "scheme": shipped.scheme_id, "code": "copy-of-hebei"}
    data = {key: json.dumps(value) if isinstance(value, (list, dict)) else value for key, value in data.items()}
    assert LayoutForm(data=data).is_valid()
    form = LayoutForm(data={**data, "columns": json.dumps(["level3", "value", "colour"])})
    assert not form.is_valid()
    assert "columns 中的“colour”" in str(form.errors)


# ---------------------------------------------------------------- the checks follow the record


def _check(data: dict, layout: dict) -> list:
    _, tree, params = shipped_layout("hebei-2023-project")
    return check_table(data, layout=layout, scheme_tree=tree, params=params)


def test_required_header_lines_come_from_the_layout_with_its_labels():
    table = project(project={"code": "", "name": "测试项目", "purpose": ""}, spending_plan=None)
    hebei, _, _ = shipped_layout("hebei-2023-project")
    assert "header.required" in {f.code for f in _check(table, hebei)}  # Hebei's form prints 项目编码

    findings = [f for f in _check(table, SPLIT_FORM) if f.code == "header.required"]
    # The split form has no 项目编码 line; it does have a 主管部门 line, printed as such.
    assert [f.message for f in findings] == ["未填写“主管部门”，请补充。"]
    table["department"] = {"code": None, "name": "测试主管局"}
    assert not [f for f in _check(table, SPLIT_FORM) if f.code == "header.required"]


def test_a_layout_turns_a_check_off_or_changes_its_severity():
    table = project(spending_plan=None)
    hebei, _, _ = shipped_layout("hebei-2023-project")
    assert [f.severity for f in _check(table, hebei) if f.code == "plan.missing"] == [ERROR]
    assert not [f for f in _check(table, {**hebei, "checks": {"plan.missing": "off"}}) if f.code == "plan.missing"]
    softened = _check(table, {**hebei, "checks": {"plan.missing": "warning"}})
    assert [f.severity for f in softened if f.code == "plan.missing"] == [WARNING]
