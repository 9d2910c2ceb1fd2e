"""`target-table/2` both ways: every new key stored and written back, each checked with a message naming its place."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from indicators.models import Indicator
from tables.imports.dispatch import ImportFailed, import_path
from tables.imports.exchange import ExchangeError, export_booklet, export_table, import_document, tables_for_export
from tables.models import OverallGoal, ScheduleItem, TargetTable
from tests.conftest import load_expected

pytestmark = pytest.mark.django_db

PROVINCES = Path(__file__).parent.parent / "data" / "provinces"


def _province(name: str) -> dict:
    return json.loads((PROVINCES / name).read_text(encoding="utf-8"))


def _split_table() -> dict:
    """13 (Chongqing): a form printing 计量单位 apart, with comparator / number / unit on every row."""
    return _province("13_Chongqing_2022_project.json")


def _nothing_saved():
    assert (TargetTable.objects.count(), Indicator.objects.count(), ScheduleItem.objects.count()) == (0, 0, 0)


def test_a_row_giving_only_its_parts_gets_the_value_joined_from_them():
    data = _split_table()
    data["indicators"][0].update(value=None, comparator=">=", number="95", unit="%")
    table = import_document(data, "13.json").tables[0]
    row = table.indicators.get(position=1)
    assert (row.value, row.comparator, row.number, row.unit, row.value_type) == ("≥95%", "≥", 95, "%", "定量")


def test_a_row_giving_only_its_value_gets_the_parts_split_from_it():
    data = _split_table()
    for key in ("comparator", "number", "unit"):
        data["indicators"][0].pop(key)
    table = import_document(data, "13.json").tables[0]
    row = table.indicators.get(position=1)
    assert (row.value, row.comparator, row.number, row.unit) == ("≥95%", "≥", 95, "%")
    assert export_table(tables_for_export().get(pk=table.pk))["indicators"][0]["number"] == "95"


def test_a_row_whose_value_and_parts_disagree_is_refused_naming_the_row():
    data = _split_table()
    data["indicators"][1]["number"] = "80"
    with pytest.raises(ExchangeError, match=r"indicators\[2\]：指标值“90%”与分列填写的目标值“80”、计量单位“%”不一致"):
        import_document(data, "13.json")
    _nothing_saved()


def test_parts_printed_apart_win_over_a_value_the_grammar_alone_reads_otherwise():
    # `≤10月` alone is a date (October) to the grammar; its columns say ≤ 10 months.
    data = _province("92_Ours_2024_project.json")
    table = import_document(data, "92.json").tables[0]
    row = table.indicators.get(level3=next(r["level3"] for r in data["indicators"] if r["value"] == "≤10月"))
    assert (row.comparator, row.number, row.unit, row.value_type) == ("≤", 10, "月", "定量")


def test_every_table_key_of_version_2_is_stored_and_written_back():
    data = _province("92_Ours_2024_project.json")
    data["project"].update(attribute="新增", category="信息化", start="2024-01", end="2024-12")
    data["long_term_goal"] = "三年建成县域医共体。"
    data["footer"]["opinions"] = [{"by": "主管部门审核意见", "text": "同意"}]
    data["budget"]["central"] = "100.50"
    table = tables_for_export().get(pk=import_document(data, "92.json").tables[0].pk)
    assert (table.department_name, table.project_manager, table.filled_by, table.responsible) == (
        "示范县卫生健康委员会",
        "李强",
        "王芳",
        "赵刚",
    )
    exported = export_table(table)
    assert exported["project"] | {"code": None, "purpose": None} == data["project"]
    assert exported["department"] == data["department"]
    assert exported["footer"] == data["footer"]
    assert exported["long_term_goal"] == data["long_term_goal"]
    assert exported["budget"] == {"total": "450.00", "fiscal": "400.00", "other": "50.00", "central": "100.50"}
    assert [r["weight"] for r in exported["indicators"]] == [r["weight"] for r in data["indicators"]]
    assert [r["core"] for r in exported["indicators"]] == [r["core"] for r in data["indicators"]]


def test_schedule_rows_are_stored_in_order_and_a_reimport_replaces_them():
    data = _province("12_Hunan_2017_project.json")
    table = import_document(copy.deepcopy(data), "12.json").tables[0]
    assert list(table.schedule.values_list("content", flat=True)) == [row["content"] for row in data["schedule"]]
    data["schedule"] = data["schedule"][:1]
    data["footer"] = None
    import_document(data, "12.json")
    assert ScheduleItem.objects.count() == 1
    assert export_table(tables_for_export().get())["schedule"] == data["schedule"]


def test_a_schedule_on_a_form_without_one_is_refused():
    data = _split_table()
    data["schedule"] = [{"content": "施工", "start": None, "end": None}]
    with pytest.raises(ExchangeError, match=r"schedule：表样“.+”没有项目实施进度计划"):
        import_document(data, "13.json")
    _nothing_saved()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["indicators"][2].update(weight="十分"), r"indicators\[3\]\.weight：应为数字文本"),
        (lambda d: d["indicators"][2].update(weight=12.5), r"indicators\[3\]\.weight：应为数字文本"),
        (lambda d: d["indicators"][2].update(weight="123456789"), r"indicators\[3\]\.weight：分值最多 6 位整数"),
        (lambda d: d["indicators"][0].update(number="九十五"), r"indicators\[1\]\.number：应为数字文本"),
        (lambda d: d["indicators"][0].update(comparator="约"), r"indicators\[1\]\.comparator：计算符号应为"),
        (lambda d: d["indicators"][0].update(direction="向上"), r"indicators\[1\]\.direction：应为 正向、反向"),
        (lambda d: d["indicators"][0].update(value_type="半定量"), r"indicators\[1\]\.value_type：应为 定量、定性"),
        (lambda d: d["indicators"][0].update(period="mid"), r"indicators\[1\]\.period：应为 annual、long_term"),
        (lambda d: d["indicators"][0].update(core="是"), r"indicators\[1\]\.core：应为 true 或 false"),
        (lambda d: d["indicators"][0].update(scoring=5), r"indicators\[1\]\.scoring：应为文本"),
        (lambda d: d.update(department=["卫健委"]), r"department：应为对象"),
        (lambda d: d["project"].update(manager="李" * 61), r"project\.manager：过长"),
        (lambda d: d.update(long_term_goal=3), r"long_term_goal：应为文本"),
        (lambda d: d["footer"].update(opinions="同意"), r"footer\.opinions：应为列表"),
        (lambda d: d["footer"].update(filler=1), r"footer\.filler：应为文本"),
        (lambda d: d.update(layout="no-such-form"), r"layout：未知的表样“no-such-form”"),
    ],
    ids=[
        "weight-text",
        "weight-float",
        "weight-too-big",
        "number-text",
        "comparator-unknown",
        "direction-unknown",
        "value-type-unknown",
        "period-unknown",
        "core-text",
        "scoring-number",
        "department-list",
        "manager-too-long",
        "long-term-goal-number",
        "opinions-text",
        "filler-number",
        "unknown-layout",
    ],
)
def test_a_broken_version_2_key_fails_naming_its_place_and_saves_nothing(tmp_path, mutate, message):
    data = _province("92_Ours_2024_project.json")
    mutate(data)
    path = tmp_path / "table.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ImportFailed, match=rf"^table\.json：{message}"):
        import_path(path)
    _nothing_saved()


def test_version_1_still_requires_what_it_required():
    data = load_expected("004_23c08299ad075e9a.json")["projects"][0]
    data["project"]["code"] = None
    with pytest.raises(ExchangeError, match=r"project\.code：不能为空"):
        import_document(data, "p.json")
    data["indicators"][0]["value"] = None
    data["project"]["code"] = "P-1"
    with pytest.raises(ExchangeError, match=r"indicators\[1\]\.value：不能为空"):
        import_document(data, "p.json")


def test_a_project_without_code_is_updated_by_its_name_and_never_replaces_another():
    first, second = _province("20_Anhui_2025_project.json")
    import_document(copy.deepcopy(first), "20.json")
    assert import_document(copy.deepcopy(first), "20.json").updated == 1
    assert import_document(copy.deepcopy(second), "20.json").created == 1  # another name: another table
    assert sorted(TargetTable.objects.values_list("project_name", flat=True)) == sorted(
        [first["project"]["name"], second["project"]["name"]]
    )
    renamed = {**copy.deepcopy(second), "indicators": copy.deepcopy(first["indicators"])}
    assert import_document(renamed, "20.json").updated == 1  # the same name again: that table, replaced
    table = TargetTable.objects.get(project_name=second["project"]["name"])
    assert table.indicators.count() == len(first["indicators"])


def test_a_booklet_with_two_projects_of_one_name_and_no_code_is_refused_naming_both():
    first, _ = _province("20_Anhui_2025_project.json")
    booklet = {
        "format": "target-booklet/1",
        "year": first["year"],
        "organization": first["organization"],
        "overall": {"goal": "", "subgoals": []},
        "projects": [copy.deepcopy(first), copy.deepcopy(first)],
    }
    with pytest.raises(ExchangeError, match=r"projects\[1\]和projects\[2\]的两张表项目名称都是“2025金安"):
        import_document(booklet, "册子.json")
    assert not TargetTable.objects.exists()


def test_the_database_keeps_one_uncoded_project_of_a_name_per_unit_and_year():
    first, _ = _province("20_Anhui_2025_project.json")
    (table,) = import_document(copy.deepcopy(first), "20.json").tables
    table.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        table.save()
    table.project_name = "另一个项目"
    table.save()  # another name is another project
    table.pk, table.project_name, table.project_code = None, "第三个项目", "P-1"
    table.save()
    table.pk, table.project_name = None, "第四个项目"  # the same code: the same project whatever its name
    with pytest.raises(IntegrityError), transaction.atomic():
        table.save()


def test_the_document_layout_or_a_transcriptions_family_chooses_the_layout():
    data = _split_table()
    assert import_document(copy.deepcopy(data), "13.json").tables[0].layout.code == "transfer-regional-unit"
    data["layout_family"] = "no-such-form"
    with pytest.raises(ExchangeError, match=r"layout_family：未知的表样“no-such-form”"):
        import_document(data, "13.json")
    data["layout"] = "transfer-regional-unit"  # `layout` wins over `layout_family`
    assert import_document(data, "13.json").tables[0].layout.code == "transfer-regional-unit"


def test_keys_no_table_stores_are_read_past():
    data = _province("30_Fujian_2022_project.json")  # value_columns, per-row values
    data["header_extra"] = [{"label": "项目来源", "value": None}]
    assert data["value_columns"] and data["indicators"][3]["value"] is None
    table = tables_for_export().get(pk=import_document(data, "30.json").tables[0].pk)
    exported = export_table(table)
    assert not {"value_columns", "header_extra", "layout_family"} & exported.keys()
    assert exported["indicators"][3]["value"] == "" and "values" not in exported["indicators"][3]


def test_a_booklet_of_version_2_tables_round_trips():
    booklet = load_expected("004_23c08299ad075e9a.json")
    project = booklet["projects"][0]
    project["format"] = "target-table/2"
    project["project"]["manager"] = "张三"
    project["footer"] = {"filler": "李四", "phone": None, "date": None, "responsible": None, "opinions": []}
    import_document(booklet, "004.json")
    exported = export_booklet(OverallGoal.objects.get())
    first = next(p for p in exported["projects"] if p["project"]["code"] == project["project"]["code"])
    assert first["project"]["manager"] == "张三" and first["footer"]["filler"] == "李四"
    assert {p["format"] for p in exported["projects"]} == {"target-table/2"}


def test_the_commands_import_export_and_check_version_2_files(tmp_path):
    source = PROVINCES / "92_Ours_2024_project.json"
    call_command("import_tables", str(source), stdout=io.StringIO())
    out = tmp_path / "out"
    call_command("export_tables", "--out", str(out), stdout=io.StringIO())
    [path] = out.glob("*.json")
    exported = json.loads(path.read_text(encoding="utf-8"))
    assert exported["format"] == "target-table/2" and exported["layout"] == "national2021-project-score"
    from_file, from_store = io.StringIO(), io.StringIO()
    call_command("check_tables", str(path), "--json", stdout=from_file)
    call_command("check_tables", str(TargetTable.objects.get().pk), "--json", stdout=from_store)
    findings = [
        {k: v for k, v in row.items() if k not in ("table", "location")} for row in json.loads(from_file.getvalue())
    ]
    assert findings == [
        {k: v for k, v in row.items() if k not in ("table", "location")} for row in json.loads(from_store.getvalue())
    ]
    province = io.StringIO()
    call_command("check_tables", str(source), "--strict", stdout=province)  # its layout_family, from the database
    assert "错误 0" in province.getvalue()
    call_command("import_tables", str(path), stdout=io.StringIO())
    assert TargetTable.objects.count() == 1
