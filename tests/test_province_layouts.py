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
    assert {path.stem for path in LAYOUT_DATA.glob("*.json")} == set(LAYOUT_OF_FAMILY.values())
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
