"""The exchange format: round trip of the seeds, atomic failure on bad files."""

from __future__ import annotations

import copy
import io
import json

import pytest
from django.core.management import call_command
from django.db.models import F

from indicators import record
from indicators.models import Indicator
from tables.imports.dispatch import ImportFailed, import_path
from tables.imports.exchange import (
    INDICATOR_KEYS,
    ExchangeError,
    export_booklet,
    export_table,
    import_document,
    tables_for_export,
)
from tables.imports.exchange.full_record import IndicatorExport
from tables.models import AuditEntry, Organisation, OverallGoal, TargetTable, Task
from tests.conftest import SEEDS, expected_files, load_expected
from tests.imports.version1 import as_version_1

pytestmark = pytest.mark.django_db


def _without_layout(data: dict) -> dict:
    data = dict(data)
    data.pop("layout", None)
    if "projects" in data:
        data["projects"] = [_without_layout(p) for p in data["projects"]]
    return data


@pytest.mark.parametrize("path", expected_files(), ids=lambda p: p.name[:3])
def test_every_seed_round_trips_field_for_field(path, tmp_path):
    original = json.loads(path.read_text(encoding="utf-8"))
    call_command("import_tables", str(path), stdout=io.StringIO())
    out = tmp_path / "out"
    call_command("export_tables", "--format", "json", "--out", str(out), stdout=io.StringIO())
    exported = json.loads((out / path.name).read_text(encoding="utf-8"))
    exported.pop("source")
    original.pop("source")
    for project in original.get("projects", []):
        project.pop("source")
    for project in exported.get("projects", []):
        project.pop("source")
    assert as_version_1(_without_layout(exported)) == original


def test_export_adds_the_layout_key_and_keeps_amount_scale():
    import_document(load_expected("004_23c08299ad075e9a.json"), "004.json")
    table = tables_for_export().get(project_code="13020823P00023910001J")
    data = export_table(table)
    assert data["layout"] == "hebei-2023-project"
    assert data["budget"] == {"total": "800.00", "fiscal": "800.00", "other": None}


def test_reimporting_a_table_updates_it_instead_of_duplicating():
    data = load_expected("000_db0fda59e4eac40f.json")
    import_document(data, "000.json")
    changed = copy.deepcopy(data)
    changed["indicators"][0]["value"] = "=84人"
    changed["indicators"].pop()
    result = import_document(changed, "000.json")
    assert result.updated == 1 and result.created == 0
    assert TargetTable.objects.count() == 1
    table = TargetTable.objects.get()
    assert table.version == 2
    assert table.indicators.count() == len(data["indicators"]) - 1
    assert table.indicators.get(position=1).value == "=84人"


@pytest.mark.parametrize("status", [TargetTable.Status.SUBMITTED, TargetTable.Status.APPROVED])
def test_an_import_never_overwrites_a_table_under_review_or_approved(status):
    data = load_expected("000_db0fda59e4eac40f.json")
    import_document(data, "000.json")
    TargetTable.objects.update(status=status)
    changed = copy.deepcopy(data)
    changed["indicators"][0]["value"] = "=84人"
    with pytest.raises(ExchangeError, match=f"{status.label}，导入不能覆盖它"):
        import_document(changed, "000.json")
    table = TargetTable.objects.get()
    assert (table.version, table.status) == (1, status)
    assert table.indicators.get(position=1).value == data["indicators"][0]["value"]


def test_an_import_over_a_returned_table_replaces_it_and_leaves_an_audit_entry():
    data = load_expected("000_db0fda59e4eac40f.json")
    import_document(data, "000.json")
    TargetTable.objects.update(status=TargetTable.Status.RETURNED)
    import_document(data, "000.json")
    table = TargetTable.objects.get()
    entry = AuditEntry.objects.get(table=table)
    assert (entry.action, entry.what, entry.version) == (AuditEntry.Action.CHANGE, "导入文件整表替换", table.version)


def test_booklet_import_links_units_to_the_department():
    import_document(load_expected("004_23c08299ad075e9a.json"), "004.json")
    department = Organisation.objects.get(name="唐山市丰润区财政局")
    assert set(department.units.values_list("code", flat=True)) == {"318001", "318003"}
    overall = OverallGoal.objects.get(organisation=department)
    assert overall.subgoals.count() == 11
    assert len(export_booklet(overall)["projects"]) == 23


def _assert_nothing_saved():
    assert TargetTable.objects.count() == 0
    assert Task.objects.count() == 0
    assert Indicator.objects.count() == 0
    assert OverallGoal.objects.count() == 0


def test_bad_json_names_the_file_and_the_position(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "target-table/1", "kind": ', encoding="utf-8")
    with pytest.raises(ImportFailed, match=r"broken\.json：JSON 格式错误，第 1 行"):
        import_path(path)
    _assert_nothing_saved()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("indicators"), r"indicators：缺少此项"),
        (lambda d: d["organization"].pop("name"), r"organization\.name：缺少此项"),
        (lambda d: d["tasks"][2].update(total="一百"), r"tasks\[3\]\.total：“一百”不是有效的金额"),
        (lambda d: d["tasks"][0].update(fiscal=12.5), r"tasks\[1\]\.fiscal：金额应为数字文本"),
        (
            lambda d: d["indicators"][40].update(level1="产出类指标"),
            r"indicators\[41\]\.level1：一级指标“产出类指标”不在指标体系",
        ),
        (
            lambda d: d["indicators"][5].update(level2="数目指标"),
            r"indicators\[6\]\.level2：二级指标“数目指标”不在指标体系",
        ),
        (lambda d: d.update(year="2022"), r"year：预算年度应为"),
        (lambda d: d.update(kind="整体"), r"kind：表类型应为"),
        (lambda d: d.update(format="target-table/9"), r"format：格式应为"),
        (lambda d: d["indicators"][3].update(value=None), r"indicators\[4\]\.value：不能为空"),
    ],
    ids=[
        "no-indicators",
        "no-org-name",
        "amount-not-number",
        "amount-float",
        "unknown-level1",
        "unknown-level2",
        "year-text",
        "bad-kind",
        "bad-format",
        "null-value",
    ],
)
def test_a_broken_table_fails_with_its_key_and_saves_nothing(tmp_path, mutate, message):
    data = load_expected("000_db0fda59e4eac40f.json")
    mutate(data)
    path = tmp_path / "table.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ImportFailed, match=rf"^table\.json：{message}"):
        import_path(path)
    _assert_nothing_saved()


def test_a_booklet_with_one_bad_project_saves_none_of_it():
    data = load_expected("004_23c08299ad075e9a.json")
    data["projects"][22]["budget"]["total"] = "8,00x"
    with pytest.raises(ExchangeError, match=r"projects\[23\]\.budget\.total"):
        import_document(data, "004.json")
    _assert_nothing_saved()
    assert Organisation.objects.count() == 0


def test_a_failed_reimport_keeps_the_stored_table_untouched():
    data = load_expected("002_3cbdb8ee36d44a4b.json")
    import_document(data, "002.json")
    broken = copy.deepcopy(data)
    broken["indicators"][0]["value"] = "=17人"
    broken["indicators"][-1]["level2"] = "不存在的类别"
    with pytest.raises(ExchangeError):
        import_document(broken, "002.json")
    table = TargetTable.objects.get()
    assert table.version == 1
    assert table.indicators.get(position=1).value == "=16人"


def test_import_command_reports_failure_and_continues(tmp_path, capsys):
    good = expected_files()[0]
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    with pytest.raises(Exception, match="1 个文件导入失败"):
        call_command("import_tables", str(bad), str(good))
    assert TargetTable.objects.count() == 1


def test_layout_can_be_given_when_the_file_has_none(tmp_path):
    data = load_expected("000_db0fda59e4eac40f.json")
    data["kind"] = "department"
    with pytest.raises(ExchangeError, match="表类型“department”与表样"):
        import_document(data, "x.json", layout_code="hebei-2023-project")
    import_document(data, "x.json", layout_code="xinjiang-2022-dept")
    assert TargetTable.objects.get().layout.code == "xinjiang-2022-dept"


SEED_TEXTS = ["000_db0fda59e4eac40f", "001_421184b3b351f12a", "002_3cbdb8ee36d44a4b", "003_1accb42d456f302a"]


@pytest.mark.parametrize("stem", SEED_TEXTS, ids=lambda s: s[:3])
def test_import_tables_reads_a_seed_text_and_exports_the_expected_json(stem, tmp_path):
    call_command("import_tables", str(SEEDS / f"{stem}.txt"), stdout=io.StringIO())
    out = tmp_path / "out"
    call_command("export_tables", "--out", str(out), stdout=io.StringIO())
    exported = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))
    exported.pop("layout")
    assert as_version_1(exported) == json.loads((SEEDS / "expected" / f"{stem}.json").read_text(encoding="utf-8"))


def test_unknown_file_types_and_huge_files_are_refused(tmp_path, settings):
    odd = tmp_path / "table.doc"
    odd.write_bytes(b"PK")
    supported = r"（支持 \.json、\.txt、\.xlsx、\.docx、\.pdf）"
    with pytest.raises(ImportFailed, match=r"table\.doc：不支持的文件类型“\.doc”" + supported):
        import_path(odd)
    broken = tmp_path / "table.docx"
    broken.write_bytes(b"PK")
    with pytest.raises(ImportFailed, match=r"table\.docx：无法作为Word 文档（\.docx）打开"):
        import_path(broken)
    settings.IMPORT_MAX_BYTES = 100
    big = tmp_path / "big.json"
    big.write_text(" " * 200, encoding="utf-8")
    with pytest.raises(ImportFailed, match=r"big\.json：文件过大"):
        import_path(big)
    _assert_nothing_saved()


def test_an_exported_row_is_read_from_its_id_its_version_1_keys_and_its_record():
    # `IndicatorExport.row` unpacks its values in this order; `indicator_values` reads them in it.
    assert ("id", *INDICATOR_KEYS, *record.RECORD_FIELDS) == IndicatorExport.FIELDS


def test_attach_rows_gives_rows_in_position_order_whatever_order_they_were_stored_in():
    from tables.imports.exchange import attach_rows

    import_document(load_expected("000_db0fda59e4eac40f.json"), "000.json")
    table = TargetTable.objects.get()
    rows = list(table.indicators.order_by("position"))
    # Renumber so that the order of ids (and of storage) is the reverse of the positions.
    n = len(rows)
    Indicator.objects.filter(table=table).update(position=F("position") + 10_000)
    for i, row in enumerate(rows):
        Indicator.objects.filter(pk=row.pk).update(position=n - i)
    fresh = attach_rows(TargetTable.objects.get(pk=table.pk))
    assert [r.pk for r in fresh.indicators.all()] == [r.pk for r in reversed(rows)]
    assert [r.position for r in fresh.indicators.all()] == list(range(1, n + 1))
    assert [t.position for t in fresh.tasks.all()] == sorted(t.position for t in fresh.tasks.all())
    assert export_table(fresh)["indicators"][0]["level3"] == rows[-1].level3
