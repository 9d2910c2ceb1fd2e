"""Every province form's table, checked in its own layout, gives no error that comes from the layout (issue 13).

The tables are the transcriptions of tests/data/provinces/ (README.md there); each names its
`layout_family`, shipped as a layout record in tables/layout_data/ and loaded by migration 0012.
What the checks still find comes from the published text itself and is listed below, so the test
fails when one such finding appears or disappears.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indicators.checks import DEFAULT_PARAMS, ERROR, check_table
from indicators.record import format_number, join_value, parts_agree, split_value
from tables.checking import check_document, check_stored_table, shipped_layout
from tables.imports.exchange import export_table, import_document, indicator_values, tables_for_export
from tables.imports.recognise.recognise import GENERIC_LAYOUT
from tables.layout_spec import layout_to_json, validate
from tables.layouts import layout_as_dict
from tables.models import Layout

PROVINCES = Path(__file__).parent / "data" / "provinces"
LAYOUT_DATA = Path(__file__).parent.parent / "tables" / "layout_data"

# layout_family (families.md) → the shipped layout record. One printed form, one record.
LAYOUT_OF_FAMILY = {
    "hubei-88-project-midterm": "hubei-88-project-midterm",
    "hubei-88-project-midterm-content": "hubei-88-project-midterm-content",
    "transfer-content-2level": "transfer-content-2level",
    "hunan-project-longterm-annual-blocks": "hunan-project-longterm-annual-blocks",
    "hunan-special-fund-blocks": "hunan-special-fund-blocks",
    "ezhou-project-standard-expected": "ezhou-project-standard-expected",
    "hunan-project-annual-3level": "hunan-project-annual-3level",
    "hunan-project-annual-note-signoff": "hunan-project-annual-note-signoff",
    "transfer-regional-unit": "transfer-regional-unit",
    "chongqing-dept-flat-weight": "chongqing-dept-flat-weight",
    "chongqing-project-split-unit-sign": "chongqing-project-split-unit-sign",
    "tianjin-project-bundle": "tianjin-project-bundle",
    "ndrc-central-investment": "ndrc-central-investment",
    "guangdong-special-fund-cycle": "guangdong-special-fund-cycle",
    "anhui-project-source-period": "anhui-project-source-period",
    "anhui-project-plain": "anhui-project-plain",
    "project-88-annual": "project-88-annual",
    "sichuan-project-funding-sources": "sichuan-project-funding-sources",
    "hebei-graded-targets": "hebei-graded-targets",
    "jiangxi-dept-split-sign-target-unit": "jiangxi-dept-split-sign-target-unit",
    "fujian-multi-target-columns": "fujian-multi-target-columns",
    "shaanxi-transfer-finance-depts": "shaanxi-transfer-finance-depts",
    # No published source in the set: our own tables (90–92), labelled so in README.md.
    "flat-multi-project-weight": "flat-multi-project-weight",
    "dept-overall-explanation-scoring": "dept-overall-explanation-scoring",
    "national2021-project-score": "national2021-project-score",
}

# Rules whose errors on a correct table can only come from the layout (a line the form does not print,
# a block it does not have, a category tree it does not use, a weight total it does not state, the
# period left out of the duplicate key).
LAYOUT_RULES = ("header.", "plan.", "tasks.", "category.", "weights.", "indicator.duplicate")

# What the published texts themselves hold, per table: (code, row) — README.md says why.
unit_missing, unparseable, share = "value.unit_missing", "value.unparseable", "table.qualitative_share"
rate_sign, not_measurable = "value.rate_sign_missing", "value.not_measurable"
EXPECTED = {
    "01_Hubei_2020_project.json": [(unit_missing, 1), (share, None), (not_measurable, 3)],
    "03_Hubei_2021_project.json": [(unit_missing, 1), (share, None), (unparseable, 4)],
    "04_Hubei_2022_project.json": [(rate_sign, 5), (not_measurable, 6)],
    "10_Hunan_2018_project.json": [(unparseable, 4), (unparseable, 5), ("value.cost_quantity_exceeds_budget", 7)],
    "13_Chongqing_2022_project.json": [(rate_sign, 2)],
    "14_Chongqing_2022_dept.json": [(unit_missing, 8), (rate_sign, 9)],
    "17_Tianjin_2020_project.json": [(unparseable, 6), ("value.cost_quantity_exceeds_budget", 7)],
    "18_Tianjin_2022_project.json": [(unit_missing, 1)],
    "19_Guangdong_2021_project.json": [(unit_missing, 1), (unit_missing, 2), (share, None)],
    "20_Anhui_2025_project.json#0": [(share, None)],
    "21_Anhui_2021_project.json": [(share, None), ("value.timeliness_form", 3)],
    "24_Sichuan_2021_project.json": [(unparseable, 3), (unparseable, 5)],
    "26_Ningxia_2022_project.json": [("value.date_outside_year", 6)],
}  # fmt: skip


def _tables() -> list[tuple[str, dict]]:
    result = []
    for path in sorted(PROVINCES.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, list):
            result += [(f"{path.name}#{i}", table) for i, table in enumerate(data)]
        else:
            result.append((path.name, data))
    return result


TABLES = _tables()


def _findings(table: dict):
    layout = Layout.objects.select_related("scheme").get(code=LAYOUT_OF_FAMILY[table["layout_family"]])
    params = {**DEFAULT_PARAMS, **(layout.scheme.params or {})}
    return check_table(table, layout=layout_as_dict(layout), scheme_tree=layout.scheme.tree(), params=params)


def test_every_family_has_tables_and_a_shipped_layout():
    assert {table["layout_family"] for _, table in TABLES} == set(LAYOUT_OF_FAMILY)
    shipped = {path.stem for path in LAYOUT_DATA.glob("*.json")} - {GENERIC_LAYOUT}  # the importer's fallback
    assert shipped == set(LAYOUT_OF_FAMILY.values())
    assert len(TABLES) == 30  # 28 files; 20 and 90 hold two tables each


@pytest.mark.django_db
@pytest.mark.parametrize(("label", "table"), TABLES, ids=[label for label, _ in TABLES])
def test_no_error_comes_from_the_layout(label, table):
    from_layout = [f.message for f in _findings(table) if f.severity == ERROR and f.code.startswith(LAYOUT_RULES)]
    assert from_layout == []


@pytest.mark.django_db
@pytest.mark.parametrize(("label", "table"), TABLES, ids=[label for label, _ in TABLES])
def test_the_findings_are_those_of_the_published_text(label, table):
    found = [(f.code, f.location.get("position")) for f in _findings(table)]
    assert sorted(found, key=str) == sorted(EXPECTED.get(label, []), key=str)


@pytest.mark.django_db
def test_the_migration_stored_every_layout_record_as_written():
    for path in sorted(LAYOUT_DATA.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        assert layout_to_json(Layout.objects.get(code=spec["code"])) == spec, path.name


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(LAYOUT_DATA.glob("*.json")), ids=lambda p: p.stem)
def test_each_layout_record_is_sound_and_round_trips(path):
    spec = json.loads(path.read_text(encoding="utf-8"))
    assert spec["code"] == path.stem
    assert validate(spec, schemes={"fin2015", "fin2015-hubei-hunan", "national2021", "sichuan2021", "ndrc",
                                   "pre2015-graded", "flat"}) == []  # fmt: skip
    Layout.objects.filter(code=spec["code"]).delete()
    assert layout_to_json(Layout.objects.from_record(spec)) == spec


@pytest.mark.django_db
def test_the_seeds_layouts_require_what_they_required_before():
    departments = Layout.objects.filter(code__in=["xinjiang-2022-dept", "henan-2023-dept"])
    headers = {code: [(line["key"], line["required"]) for line in header]
               for code, header in departments.values_list("code", "header")}  # fmt: skip
    assert headers == {
        "xinjiang-2022-dept": [("organization", True), ("goal", True)],
        "henan-2023-dept": [("organization", True), ("mission", True)],
    }
    hebei = Layout.objects.get(code="hebei-2023-project")
    assert [line["key"] for line in hebei.header] == ["organization", "project_code", "project_name", "goal"]


# ---------------------------------------------------------------- exchange: import, export, stored checks

# What a transcription carries that no table stores (tests/data/provinces/README.md, docs/layouts.md):
# header lines without a target-table/2 key, and per-column targets (30).
NOT_STORED_KEYS = ("layout_family", "header_extra", "value_columns")
# 30 leaves `value` null where its per-village columns differ; the table stores no columns, so the
# stored rows have an empty value, which the checks flag (the transcription's columns suppress it).
STORED_ONLY_FINDINGS = {"30_Fujian_2022_project.json": [("indicator.value_empty", 4), ("indicator.value_empty", 5)]}


def _as_stored(table: dict) -> dict:
    """A transcription as its stored table exports it: the documented differences applied, absent = null.

    - keys no table stores are dropped (`NOT_STORED_KEYS`, each row's `values`);
    - `layout` is the family's layout; `source`, `project.code` and `project.purpose` are
      version-1 text keys, so null exports as "" (as version 1 always did);
    - a null `value` is stored empty;
    - `period` "annual" is the default, written only where the form prints both periods (12
      marks its rows annual on a one-period form);
    - on a form that prints the target in split columns, the split parts are the ones the
      value grammar reads from `value`; the transcription's, where given, agree with them, or
      are the columns `value` was joined from (`≤ | 10 | 月`, which the grammar alone reads as October).
    """
    layout = Layout.objects.get(code=LAYOUT_OF_FAMILY[table["layout_family"]])
    table = {key: value for key, value in table.items() if key not in NOT_STORED_KEYS}
    split = bool(set(layout.columns) & {"comparator", "number", "unit"})
    table["layout"] = layout.code
    table["source"] = table.get("source") or ""
    if table.get("project") is not None:
        table["project"] = {**table["project"], "code": table["project"]["code"] or "",
                            "purpose": table["project"]["purpose"] or ""}  # fmt: skip
    rows = []
    for row in table["indicators"]:
        row = {key: value for key, value in row.items() if key != "values"}
        row["value"] = row["value"] or ""
        if len(layout.periods) < 2 and row.get("period") == "annual":
            del row["period"]
        given = {key: row.get(key) for key in ("comparator", "number", "unit") if row.get(key) is not None}
        if split and parts_agree(row["value"], given):
            parts = split_value(row["value"])
            parts = {"comparator": parts.comparator, "number": format_number(parts.number), "unit": parts.unit}
            row |= {key: part or None for key, part in parts.items()}
        elif split:
            assert join_value(given.get("comparator"), given["number"], given.get("unit")) == row["value"], row
        rows.append(row)
    table["indicators"] = rows
    return _nulls_dropped(table)


def _nulls_dropped(value):
    """Absent and null (and "" for the record's parts) say the same in target-table/2."""
    if isinstance(value, dict):
        kept = {key: _nulls_dropped(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item not in (None, {})}
    if isinstance(value, list):
        return [_nulls_dropped(item) for item in value]
    return value


def _import(table: dict):
    result = import_document(table, "province.json")
    return tables_for_export().get(pk=result.tables[0].pk)


@pytest.mark.django_db
@pytest.mark.parametrize(("label", "table"), TABLES, ids=[label for label, _ in TABLES])
def test_each_transcription_imports_into_its_layout_and_exports_back_equal(label, table):
    stored = _import(table)
    assert stored.layout.code == LAYOUT_OF_FAMILY[table["layout_family"]]
    exported = export_table(stored)
    assert exported["format"] == "target-table/2"
    assert _nulls_dropped(exported) == _as_stored(table)
    # The export imports again into the same table, unchanged.
    again = _import(exported)
    assert again.pk == stored.pk and export_table(again) == exported


@pytest.mark.django_db
@pytest.mark.parametrize(("label", "table"), TABLES, ids=[label for label, _ in TABLES])
def test_a_stored_transcription_is_checked_as_its_document_is(label, table):
    stored = _import(table)
    from_store = [(f.code, f.severity, f.location.get("position"), f.message) for f in check_stored_table(stored)]
    from_file = [(f.code, f.severity, f.location.get("position"), f.message) for f in _findings(table)]
    assert [finding for finding in from_file if finding not in from_store] == []
    only_stored = [(code, position) for code, _, position, message in from_store
                   if (code, _, position, message) not in from_file]  # fmt: skip
    assert sorted(only_stored, key=str) == sorted(STORED_ONLY_FINDINGS.get(label, []), key=str)


@pytest.mark.django_db
@pytest.mark.parametrize(("label", "table"), TABLES, ids=[label for label, _ in TABLES])
def test_a_stored_table_exports_and_checks_the_same_from_its_rows_values(label, table):
    """A row save checks the rows read as values (`indicator_values`, no model instances): on every
    province's form that is what the table's loaded rows give, record keys and findings alike."""
    stored = _import(table)
    values = indicator_values(stored)
    assert export_table(stored, with_ids=True, indicators=values) == export_table(stored, with_ids=True)
    assert check_stored_table(stored, indicators=values) == check_stored_table(stored)


@pytest.mark.django_db
def test_check_document_finds_a_province_layout_in_the_database():
    table = dict(TABLES[0][1])
    [report] = check_document(table, "01.json")
    assert sorted((f.code, f.location.get("position")) for f in report.findings) == sorted(
        EXPECTED["01_Hubei_2020_project.json"], key=str
    )
    layout, tree, _ = shipped_layout("hubei-88-project-midterm")
    assert layout["periods"] == ["long_term", "annual"] and tree
