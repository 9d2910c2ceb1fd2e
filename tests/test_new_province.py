"""A new province = a new record, no code (issue 13).

A layout written here as `target-layout/1` JSON, for a form no code or shipped record
knows, is enough to import a `target-table/2` table into it, check it (no error comes
from the layout), export it and import the export back unchanged, print it to xlsx and PDF
and draw its table page, each in the form's own words.
"""

from __future__ import annotations

import copy
import io
import json

import pytest
from django.core.management import call_command

from indicators.checks import ERROR
from indicators.record import format_number
from tables.checking import check_document, check_stored_table
from tables.imports.exchange import export_table, import_document, tables_for_export
from tables.models import Layout, ScheduleItem, TargetTable

pytestmark = pytest.mark.django_db

# A made-up province's project form: split target columns, 中期 beside 年度, weights out of 100,
# a schedule block, a footer with a 审核意见 row, and one rule turned off.
NEW_LAYOUT = {
    "format": "target-layout/1",
    "code": "xinsheng-2025-project",
    "name": "新省2025年项目支出绩效目标申报表",
    "kind": "project",
    "scheme": "national2021",
    "title": "项目支出绩效目标申报表",
    "blocks": ["project", "budget", "goal", "long_term_goal", "schedule"],
    "budget_keys": ["total", "central", "local"],
    "columns": ["level1", "level2", "level3", "comparator", "number", "unit", "direction", "weight"],
    "options": {
        "budget_labels": {"total": "资金总额", "central": "其中：中央补助", "local": "地方资金"},
        "budget_sums": [["central", "local"]],
        "weight_total": 100,
    },
    "header": [
        {"key": "project_name", "label": "项目名称", "required": True},
        {"key": "department_name", "label": "主管部门", "required": True},
        {"key": "organization", "label": "实施单位", "required": True},
        {"key": "project_attribute", "label": "项目属性", "required": False},
        {"key": "project_start", "label": "项目期", "required": False},
        {"key": "project_manager", "label": "项目负责人", "required": True},
        {"key": "long_term_goal", "label": "中期目标", "required": True},
        {"key": "goal", "label": "年度目标", "required": True},
    ],
    "column_labels": {"comparator": "指标性质", "number": "指标值", "unit": "度量单位", "weight": "权重"},
    "periods": ["long_term", "annual"],
    "footer": [{"key": "filled_by", "label": "填报人"}, {"key": "filler_phone", "label": "联系电话"}],
    "opinion_rows": ["主管部门审核意见"],
    "checks": {"table.qualitative_share": "off"},
}


def _indicator(level1, level2, level3, comparator, number, unit, weight, period, direction="正向"):
    return {
        "level1": level1,
        "level2": level2,
        "level3": level3,
        "description": None,
        "value": f"{comparator}{number}{unit}",
        "basis": None,
        "note": None,
        "comparator": comparator,
        "number": number,
        "unit": unit,
        "value_type": None,  # the form has no 指标值类型 column
        "direction": direction,
        "weight": weight,
        "explanation": None,
        "scoring": None,
        "core": None,
        "period": period,
    }


def _table() -> dict:
    rows = []  # weights: 50 per period, 100 in all, as the layout states
    for period in ("long_term", "annual"):
        rows += [
            _indicator("成本指标", "经济成本指标", "项目总成本", "≤", "300", "万元", "10", period, "反向"),
            _indicator("产出指标", "数量指标", "新建灌溉渠道长度", "≥", "12", "公里", "15", period),
            _indicator("产出指标", "质量指标", "工程验收合格率", "=", "100", "%", "10", period),
            _indicator("产出指标", "时效指标", "工期", "≤", "10", "个月", "5", period, "反向"),
            _indicator("效益指标", "经济效益指标", "受益农户增收", "≥", "500", "元/户", "5", period),
            _indicator("满意度指标", "服务对象满意度指标", "受益农户满意度", "≥", "90", "%", "5", period),
        ]
    return {
        "format": "target-table/2",
        "source": "xinsheng.json",
        "layout": NEW_LAYOUT["code"],
        "kind": "project",
        "year": 2025,
        "title": "项目支出绩效目标申报表",
        "organization": {"code": "XS001", "name": "新省某县水利局"},
        "department": {"code": "XS", "name": "新省某县农业农村局"},
        "project": {
            "code": "XS-2025-001",
            "name": "灌区续建配套与节水改造",
            "purpose": "",
            "attribute": "新增",
            "category": None,
            "start": "2025年",
            "end": "2027年",
            "manager": "陈明",
            "phone": "0991-5550100",
        },
        "mission": None,
        "goal": "完成12公里渠道建设，当年通水。",
        "long_term_goal": "三年内改善灌溉面积2万亩。",
        "budget": {"total": "300", "central": "200", "local": "100"},
        "spending_plan": None,
        "tasks": [],
        "schedule": [
            {"content": "设计与招标", "start": "2025-01", "end": "2025-03"},
            {"content": "渠道施工", "start": "2025-04", "end": None},
        ],
        "footer": {
            "filler": "李华",
            "phone": "0991-5550101",
            "date": None,
            "responsible": None,
            "opinions": [{"by": "主管部门审核意见", "text": None}],
        },
        "indicators": rows,
    }


def test_a_new_province_is_a_new_record_and_needs_no_code(tmp_path):
    layout = Layout.objects.from_record(copy.deepcopy(NEW_LAYOUT))
    data = _table()

    result = import_document(copy.deepcopy(data), "xinsheng.json")
    table = tables_for_export().get(pk=result.tables[0].pk)
    assert table.layout == layout
    assert (table.department_name, table.project_manager, table.long_term_goal) == (
        "新省某县农业农村局",
        "陈明",
        "三年内改善灌溉面积2万亩。",
    )
    assert list(ScheduleItem.objects.filter(table=table).values_list("content", flat=True)) == [
        "设计与招标",
        "渠道施工",
    ]
    assert [(i.comparator, format_number(i.number), i.unit, i.period) for i in table.indicators.all()][:2] == [
        ("≤", "300", "万元", "long_term"),
        ("≥", "12", "公里", "long_term"),
    ]

    # Checked as stored and as a file: the same findings, and none an error that comes from the layout.
    stored = [(f.code, f.severity, f.message) for f in check_stored_table(table)]
    [report] = check_document(data, "xinsheng.json")
    assert stored == [(f.code, f.severity, f.message) for f in report.findings]
    assert [message for code, severity, message in stored if severity == ERROR] == []

    # Export, and the export imports back into the same table, unchanged.
    exported = export_table(table)
    assert exported == {**data, "format": "target-table/2"}
    again = import_document(json.loads(json.dumps(exported)), "again.json")
    assert again.tables[0].pk == table.pk and again.updated == 1
    assert export_table(tables_for_export().get(pk=table.pk)) == exported

    # The commands follow the same record: export to a file, check it, import it.
    out = tmp_path / "out"
    call_command("export_tables", "--out", str(out), stdout=io.StringIO())
    [path] = out.glob("*.json")
    assert json.loads(path.read_text(encoding="utf-8")) == exported
    checked = io.StringIO()
    call_command("check_tables", str(path), "--strict", stdout=checked)
    assert "错误 0" in checked.getvalue()
    call_command("import_tables", str(path), stdout=io.StringIO())
    assert TargetTable.objects.count() == 1


def test_a_new_provinces_table_prints_and_shows_in_its_own_words(client, tmp_path):
    """The same record prints (xlsx and PDF) and draws the table page with the form's own labels."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from tables.exports import service
    from tests.exports.test_layout_prints import pdf_text, xlsx_text

    Layout.objects.from_record(copy.deepcopy(NEW_LAYOUT))
    data = _table()
    data["footer"]["opinions"] = [{"by": "主管部门审核意见", "text": "同意申报"}]
    table = tables_for_export().get(pk=import_document(data, "xinsheng.json").tables[0].pk)

    labels = ["项目名称", "主管部门", "实施单位", "项目负责人", "中期目标", "年度目标", "资金总额", "其中：中央补助"]
    labels += ["指标性质", "度量单位", "权重", "填报人", "主管部门审核意见"]
    values = ["灌区续建配套与节水改造", "新省某县农业农村局", "新建灌溉渠道长度", "受益农户满意度", "李华", "同意申报"]
    for text in (xlsx_text(service.table_xlsx(table)), pdf_text(service.table_pdf(table))):
        squeezed = "".join(text.split())
        for word in labels + values:
            assert word in squeezed, word

    admin = get_user_model().objects.create_superuser("root", password="pw-123456-x")
    client.force_login(admin)
    page = client.get(reverse("table-detail", args=[table.pk])).content.decode()
    for word in [*labels, *values, "中期（长期）指标", "年度指标", "陈明"]:
        assert word in page, word
    assert "一级指标" in page and "项目编码" not in page.split('class="official"', 1)[1]  # no line the form lacks
