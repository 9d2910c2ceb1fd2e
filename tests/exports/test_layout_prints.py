"""Prints follow the layout record (issue 13): every shipped province layout prints its own labels and
the table's values to xlsx and PDF; the seeds' hand-set forms print exactly as before."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import subprocess
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from tables.exports import blank_template, render_pdf, render_xlsx
from tables.exports.printed import build_overall, build_table, is_record_layout, layout_for
from tables.imports.recognise.recognise import GENERIC_LAYOUT
from tables.layout_spec import column_label, footer_lines, header_lines
from tables.layouts import LAYOUTS, LAYOUTS_BY_CODE, infer_layout_code, layout_as_dict
from tests.conftest import EXPECTED

ROOT = Path(__file__).resolve().parents[2]
LAYOUT_FILES = ROOT / "tables" / "layout_data"
PROVINCES = ROOT / "tests" / "data" / "provinces"
SEED_MODELS = Path(__file__).with_name("seed_models.json")


def shipped() -> dict[str, dict]:
    """The province forms (the importer's generic fallback layout prints no published form)."""
    out = {}
    for path in sorted(LAYOUT_FILES.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if record["code"] == GENERIC_LAYOUT:
            continue
        out[record["code"]] = layout_as_dict(record)
    return out


LAYOUTS_SHIPPED = shipped()


def transcription(code: str) -> dict:
    """The first province table transcribed in layout `code`."""
    for path in sorted(PROVINCES.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for table in data if isinstance(data, list) else [data]:
            if table.get("layout_family") == code:
                return table
    raise AssertionError(f"no transcription in {code}")


def squash(text: str) -> str:
    return "".join(text.split())


def xlsx_text(xlsx: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    ws = book["绩效目标表"]
    return squash("".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None))


def pdf_text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return squash(out.decode("utf-8"))


def printed_labels(layout: dict, data: dict) -> list[str]:
    """What the form must show: its header, column and footer labels and 审核意见 rows."""
    labels = [line["label"] for line in header_lines(layout)]
    columns = [c for c in layout["columns"] if not (c == "value" and data.get("value_columns"))]
    per_period = layout["options"].get("period_columns") or []
    if len(layout.get("periods") or []) > 1:
        labels += [layout["options"]["period_labels"][p] for p in layout["periods"]]
        columns = [c for c in columns if c not in per_period or len(per_period) > 1]
    labels += [column_label(layout, c) for c in columns]
    labels += list(data.get("value_columns") or []) if layout["options"].get("value_columns") else []
    labels += [line["label"] for line in footer_lines(layout)]
    labels += list(layout.get("opinion_rows") or [])
    labels += [layout["options"]["budget_labels"][k] for k in layout.get("budget_keys") or []]
    return [squash(label) for label in labels]


def table_values(data: dict) -> list[str]:
    first, last = data["indicators"][0], data["indicators"][-1]
    values = [
        first["level3"],
        last["level3"],
        first.get("number") or first["value"],
        last.get("number") or last["value"],
    ]
    budget = [v.rstrip("0").rstrip(".") if "." in v else v for v in (data.get("budget") or {}).values() if v]
    return [squash(v) for v in values + budget[:1] if v]


def missing(text: str, words: list[str]) -> list[str]:
    return [w for w in words if w not in text]


def test_every_shipped_layout_has_a_transcription_and_prints_from_its_record():
    for code, layout in LAYOUTS_SHIPPED.items():
        assert is_record_layout(layout), code
        transcription(code)
    assert not any(is_record_layout(layout_as_dict(layout)) for layout in LAYOUTS)  # the seeds' forms


@pytest.mark.parametrize("code", sorted(LAYOUTS_SHIPPED))
def test_xlsx_of_each_layout_prints_its_labels_and_the_tables_values(code):
    layout, data = LAYOUTS_SHIPPED[code], transcription(code)
    text = xlsx_text(render_xlsx(data, layout))
    assert missing(text, printed_labels(layout, data)) == []
    assert missing(text, table_values(data)) == []


@pytest.mark.pdf
@pytest.mark.parametrize("code", sorted(LAYOUTS_SHIPPED))
def test_pdf_of_each_layout_prints_its_labels_and_the_tables_values(code):
    layout, data = LAYOUTS_SHIPPED[code], transcription(code)
    text = pdf_text(render_pdf(data, layout))
    assert missing(text, printed_labels(layout, data)) == []
    assert missing(text, table_values(data)) == []


def test_the_88_form_prints_long_term_and_annual_indicators_side_by_side_under_one_level1_column():
    layout = LAYOUTS_SHIPPED["hubei-88-project-midterm"]
    data = transcription("hubei-88-project-midterm")
    data = {**data, "indicators": [{**data["indicators"][0], "period": "long_term", "level3": "长期指标甲"}]}
    data["indicators"].append({**transcription("hubei-88-project-midterm")["indicators"][0]})
    table = build_table(data, layout)
    head = [[c.text for c in row.cells if c] for row in table.rows if row.header]
    assert head == [["一级指标", "长期", "年度"], ["二级指标", "三级指标", "指标值"] * 2]
    body = [[c.text for c in row.cells if c] for row in table.rows if row.section == "indicators" and not row.header]
    assert body == [["产出指标", "数量指标", "长期指标甲", "2", "数量指标", "重点建设工程安排数量", "2"]]


def test_stacked_periods_print_one_captioned_grid_after_the_other():
    code = "hunan-project-longterm-annual-blocks"
    table = build_table(transcription(code), LAYOUTS_SHIPPED[code])
    captions = [row.cells[0].text for row in table.rows if row.cells[0] and row.cells[0].colspan == len(table.widths)]
    assert captions.index("长期绩效指标") < captions.index("年度绩效指标")


def test_two_keys_under_one_label_share_a_printed_cell():
    code = "hubei-88-project-midterm"
    table = build_table(transcription(code), LAYOUTS_SHIPPED[code])
    rows = {row.cells[0].text: [c.text for c in row.cells[1:] if c] for row in table.rows if row.cells[0]}
    assert rows["主管部门及编码"] == ["[015001]武汉市青山区教育局"]
    assert rows["项目起止时间"] == ["202001-202012"]


def test_opinion_rows_print_the_tables_opinions_and_the_footer_its_lines():
    code = "hunan-project-annual-note-signoff"
    data = transcription(code)
    data["footer"]["opinions"][1]["text"] = "同意申报"
    table = build_table(data, LAYOUTS_SHIPPED[code])
    opinions = [[c.text for c in row.cells if c] for row in table.rows if row.section == "opinions"]
    assert opinions[1] == ["财政部门绩效评价股审核意见（盖章）", "同意申报"] and len(opinions) == 3
    assert not table.signed  # the form's own lines replace the generic signature line
    code = "national2021-project-score"
    table = build_table(transcription(code), LAYOUTS_SHIPPED[code])
    footer = [row.cells[0].text for row in table.rows if row.section == "footer"]
    assert footer == ["填表人：王芳    联系电话：0371-5550188    单位负责人：赵刚"]


def amounts(table) -> list[str]:
    return [c.text for row in table.rows if row.section == "budget" for c in row.cells if c and c.kind == "amount"]


def test_a_form_printed_in_yuan_prints_the_stored_wan_times_ten_thousand():
    code = "hubei-88-project-midterm"
    layout = LAYOUTS_SHIPPED[code]
    in_yuan = {**layout, "options": {**layout["options"], "amount_unit": "金额单位：元"}}
    data = transcription(code)
    key = next(k for k in layout["budget_keys"] if (data["budget"] or {}).get(k))
    data["budget"][key] = "330.984"  # stored in 万元, exactly
    assert "3309840.00" in amounts(build_table(data, in_yuan))
    assert "330.984" in amounts(build_table(data, layout))
    yuan_table = build_table(data, in_yuan)
    assert yuan_table.unit_note == "金额单位：元"
    assert any(c and c.text == "资金情况（元）" for row in yuan_table.rows for c in row.cells)


def test_widths_come_from_the_layouts_options_when_given():
    layout = LAYOUTS_SHIPPED["chongqing-dept-flat-weight"]
    wide = {**layout, "options": {**layout["options"], "widths": {"level3": 200}}}
    data = transcription("chongqing-dept-flat-weight")
    assert max(build_table(data, wide).widths) > max(build_table(data, layout).widths)


@pytest.mark.django_db
def test_the_blank_template_of_a_stored_layout_follows_its_record():
    from tables.models import Layout

    text = xlsx_text(blank_template(Layout.objects.get(code="national2021-project-score")))
    assert "项目支出绩效目标表" in text and "经济成本指标" in text and "是否核心指标" in text and "填表人" in text
    assert "填报单位（盖章）" not in text  # the form's own footer, not the generic signature line


def test_the_blank_template_download_of_a_side_by_side_layout_has_both_periods(client, world):
    client.force_login(world.filler_a)
    response = client.get(reverse("blank-template", args=["hubei-88-project-midterm"]))
    assert response.status_code == 200
    words = ["主管部门及编码", "项目起止时间", "中期目标", "长期", "年度", "当年资金总额", "数量指标"]
    assert missing(xlsx_text(response.content), words) == []


# ---------------------------------------------------------------------------
# The seeds print exactly as before the layout records


def _digest(table) -> str:
    model = dataclasses.asdict(table)
    model.pop("signed")  # added with the layout records; True for every seed form
    return hashlib.sha256(json.dumps(model, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def seed_models() -> dict[str, str]:
    out = {}
    for path in sorted(EXPECTED.glob("0*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") == "target-booklet/1":
            out[f"{path.stem}:overall"] = _digest(build_overall(data))
            for i, project in enumerate(data["projects"], 1):
                layout = layout_for(project, LAYOUTS_BY_CODE["hebei-2023-project"])
                out[f"{path.stem}:{i}"] = _digest(build_table(project, layout, number=i))
            continue
        for layout in LAYOUTS:
            if layout["kind"] == data.get("kind", "department"):
                out[f"{path.stem}:{layout['code']}"] = _digest(build_table(data, layout_as_dict(layout)))
    for layout in LAYOUTS:
        blank = {
            "format": "target-table/1",
            "kind": layout["kind"],
            "title": layout["title"],
            "organization": {"code": None, "name": ""},
            "tasks": [{} for _ in range(5)] if "tasks" in layout["blocks"] else [],
            "indicators": [],
        }
        out[f"blank:{layout['code']}"] = _digest(build_table(blank, layout, blank=True))
    return out


def test_every_seeds_printed_model_is_the_one_printed_before_the_layout_records():
    assert infer_layout_code({"kind": "project"}) == "hebei-2023-project"
    assert seed_models() == json.loads(SEED_MODELS.read_text(encoding="utf-8"))
