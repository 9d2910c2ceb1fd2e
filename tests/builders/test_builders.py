"""The form builder and its renderers, on every province transcription (tests/data/provinces).

What the importer tests of issue 14 rely on: the grid holds every value a person reads off
the form, and each rendering (xlsx, Word, copied cells, web text) holds the grid's cells and
merges exactly.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from functools import cache
from pathlib import Path

import docx
import openpyxl
import pytest

from tests.builders.forms import form_grid, printed_amount, printed_header, with_indicators
from tests.builders.grid import Grid
from tests.builders.render import (
    WEB_STYLES,
    read_tsv,
    table_rows,
    to_docx,
    to_tsv,
    to_web_text,
    to_xlsx,
    web_rows,
)

ROOT = Path(__file__).resolve().parents[2]
PROVINCES = ROOT / "tests" / "data" / "provinces"
LAYOUTS = ROOT / "tables" / "layout_data"
FILES = sorted(path.name for path in PROVINCES.glob("*.json"))
# Footer line keys (layout) → the transcription's footer keys.
FOOTER_KEYS = {"filled_by": "filler", "filler_phone": "phone", "filled_on": "date", "responsible": "responsible"}
# Indicator columns printed as the field's own text.
TEXT_COLUMNS = ("weight", "direction", "value_type", "explanation", "note", "basis", "description")


@cache
def load(name: str) -> tuple[list[dict], dict]:
    data = json.loads((PROVINCES / name).read_text(encoding="utf-8"))
    tables = data if isinstance(data, list) else [data]
    layout = json.loads((LAYOUTS / f"{tables[0]['layout_family']}.json").read_text(encoding="utf-8"))
    return tables, layout


@cache
def grid_of(name: str, unit: str | None = None) -> Grid:
    tables, layout = load(name)
    return form_grid(tables if len(tables) > 1 else tables[0], layout, amount_unit=unit)


def cells_of_role(grid: Grid, *roles: str) -> list[str]:
    return [text for r, row in enumerate(grid.rows) if grid.roles[r] in roles for text in row if text]


def expected_cells(ind: dict, layout: dict) -> list[str]:
    """What a person reads off the form for one indicator, apart from its name."""
    columns = layout["columns"]
    options = layout.get("options") or {}
    if options.get("grades"):
        grades = dict(part.split(":", 1) for part in ind["scoring"].split(";"))
        found = [grades[grade] for grade in options["grades"]]
    elif options.get("value_columns"):
        found = list(ind["values"].values())
    elif "number" in columns:
        number = ind.get("number")
        found = [ind.get("comparator"), number if number is not None else ind.get("value"), ind.get("unit")]
    else:
        found = [ind.get("value"), ind.get("unit") if "unit" in columns else None]
    found += [ind.get(key) for key in TEXT_COLUMNS if key in columns]
    if "core" in columns:
        found.append({True: "是", False: "否"}.get(ind.get("core")))
    return [str(text) for text in found if text not in (None, "")]


# ---------------------------------------------------------------- every transcription


@pytest.mark.parametrize("name", FILES)
def test_grid_holds_every_value_a_person_reads_off_the_form(name):
    tables, layout = load(name)
    grid = grid_of(name)
    texts = grid.texts()
    rows = [set(grid.seen()[r]) for r in grid.rows_of("indicator")]
    for table in tables:
        for label, _keys, text in printed_header(table, layout):
            assert label in texts, label
            if text:
                assert text in texts, (label, text)
        for key in layout["budget_keys"]:
            amount = (table.get("budget") or {}).get(key)
            if amount:
                assert amount in cells_of_role(grid, "budget", "indicator"), key
        for ind in table["indicators"]:
            name_cells = {ind["level3"], f"{(layout.get('options') or {}).get('core_mark', '')}{ind['level3']}"}
            wanted = set(expected_cells(ind, layout))
            assert any(row & name_cells and wanted <= row for row in rows), (ind["level3"], wanted)
        footer = table.get("footer") or {}
        signature = " ".join(cells_of_role(grid, "footer"))
        for line in layout["footer"]:
            value = footer.get(FOOTER_KEYS[line["key"]])
            assert f"{line['label']}：{value or ''}" in signature, line
        opinions = [grid.rows[r][0] for r in grid.rows_of("opinion")]
        assert opinions == layout["opinion_rows"] * len(tables)


@pytest.mark.parametrize("name", FILES)
def test_xlsx_holds_the_grids_cells_and_merged_ranges(name):
    grid = grid_of(name)
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(grid))).active
    merged = {(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in sheet.merged_cells.ranges}
    assert merged == set(grid.merges)
    covered = grid.covered()
    for r, row in enumerate(sheet.iter_rows(min_row=1, max_row=len(grid.rows), max_col=grid.width)):
        for c, cell in enumerate(row):
            text = grid.rows[r][c]
            if (r, c) in covered or not text:
                assert cell.value is None, (r, c, cell.value)
            elif (r, c) in grid.numbers:
                assert isinstance(cell.value, int | float)
                assert Decimal(str(cell.value)) == Decimal(text)
            else:
                assert cell.value == text, (r, c)


@pytest.mark.parametrize("name", FILES)
def test_docx_holds_the_grids_cells(name):
    grid = grid_of(name)
    document = docx.Document(io.BytesIO(to_docx(grid)))
    first, end = table_rows(grid)
    (table,) = document.tables
    seen = grid.seen()
    assert [[cell.text for cell in row.cells] for row in table.rows] == seen[first:end]
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == grid.rows[0][0]  # the title, above the table
    for r in range(end, len(grid.rows)):
        assert any(text in paragraphs for text in grid.rows[r] if text)


@pytest.mark.parametrize("name", FILES)
def test_copied_cells_round_trip_through_the_excel_tab_dialect(name):
    grid = grid_of(name)
    text = to_tsv(grid)
    assert read_tsv(text) == grid.rows
    assert text.count("\t") >= len(grid.rows) * (grid.width - 1)


@pytest.mark.parametrize("style", WEB_STYLES)
@pytest.mark.parametrize("name", FILES)
def test_web_text_holds_every_cell_once_per_row(name, style):
    grid = grid_of(name)
    text = to_web_text(grid, style)
    for row in web_rows(grid):
        for cell in row:
            assert " ".join(cell.split("\n")) in text or cell in text
    if style == "pipes":
        lines = text.splitlines()
        assert len(lines) == len(grid.rows)
        assert [line.count(" | ") + 1 for line in lines] == [len(row) for row in web_rows(grid)]


# ---------------------------------------------------------------- focused


def test_amounts_in_yuan_are_printed_ten_thousand_times_exactly():
    sichuan = grid_of("24_Sichuan_2021_project.json", "元")
    assert "63000.00" in sichuan.texts()  # 6.30 万元
    hunan = grid_of("07_Hunan_2021_project.json", "元")
    (table,), _ = load("07_Hunan_2021_project.json")
    budget = [row for r, row in enumerate(hunan.rows) if hunan.roles[r] == "budget"]
    printed = [Decimal(row[2]) for row in budget if row[2]]
    assert printed == [Decimal(table["budget"][key]) * 10000 for key in ("total", "fiscal", "own_funds", "other")]
    assert printed[0] == Decimal("106067522")  # 10606.7522 万元
    assert any("元" in text and "万元" not in text for text in cells_of_role(hunan, "budget"))
    assert printed_amount("0.0001", "元") == "1.00"


def test_yuan_amounts_are_numbers_in_the_xlsx_and_the_unit_line_says_yuan():
    grid = grid_of("24_Sichuan_2021_project.json", "元")
    assert grid.rows_of("unit") and "元" in grid.texts()[1]
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(grid))).active
    numbers = [sheet.cell(r + 1, c + 1).value for r, c in sorted(grid.numbers)]
    assert Decimal(str(numbers[0])) == Decimal("63000")


def test_midterm_and_annual_stand_side_by_side_as_the_88_form():
    (table,), layout = load("01_Hubei_2020_project.json")
    long_term = [{**ind, "period": "long_term", "value": "≥" + ind["value"]} for ind in table["indicators"][:2]]
    grid = form_grid({**table, "indicators": long_term + table["indicators"]}, layout)
    head = grid.rows_of("indicator_head")
    assert grid.rows[head[0]][1:] == ["一级指标", "长期", "", "", "年度", "", ""]
    assert grid.rows[head[1]][2:] == ["二级指标", "三级指标", "指标值"] * 2
    first = grid.rows[grid.rows_of("indicator")[0]]
    assert first[1:] == ["产出指标", "数量指标", "重点建设工程安排数量", "≥2", "数量指标", "重点建设工程安排数量", "2"]
    assert (head[0], 1, head[1], 1) in grid.merges  # 一级指标 printed once, down both header rows
    assert (head[0], 2, head[0], 4) in grid.merges and (head[0], 5, head[0], 7) in grid.merges


def test_category_cells_are_merged_down_their_rows():
    grid = grid_of("20_Anhui_2025_project.json")
    rows = grid.rows_of("indicator")
    first = rows[0]
    assert grid.rows[first][1] == "产出指标"
    assert (first, 1, first + 5, 1) in grid.merges  # 产出指标 over its six rows
    assert (first, 2, first + 1, 2) in grid.merges  # 数量指标 over two
    assert all(grid.rows[r][1] == "" for r in range(first + 1, first + 6))
    assert grid.seen()[first + 5][1] == "产出指标"
    # 满意度指标 | 满意度指标: one row, no merge, both printed
    last = rows[10]
    assert grid.rows[last][1:3] == ["满意度指标", "满意度指标"]


def test_the_year_is_inside_the_title_as_provinces_print_it():
    assert grid_of("23_Anhui_2023_project.json").rows[0][0] == "2023年度项目支出绩效目标表"
    assert grid_of("04_Hubei_2022_project.json").rows[0][0] == "鄂州市2022年市直部门预算项目支出绩效目标表"


def test_grades_and_per_village_columns_sit_under_one_merged_heading():
    hebei = grid_of("25_Hebei_2019_project.json")
    top, sub = hebei.rows_of("indicator_head")
    assert hebei.rows[top][3] == "绩效指标评价标准" and hebei.rows[sub][3:7] == ["优", "良", "中", "差"]
    assert (top, 3, top, 6) in hebei.merges
    fujian = grid_of("30_Fujian_2022_project.json")
    top, sub = fujian.rows_of("indicator_head")
    assert fujian.rows[sub][5:] == load("30_Fujian_2022_project.json")[0][0]["value_columns"]


def test_split_columns_print_sign_number_and_unit_apart():
    grid = grid_of("15_Chongqing_2022_project.json")
    head = grid.rows[grid.rows_of("indicator_head")[0]]
    assert head[-3:] == ["计量单位", "指标性质", "指标值"]
    assert ["米", "=", "3500"] in [row[-3:] for row in grid.rows]


def test_footer_and_review_rows_come_after_the_indicators():
    grid = grid_of("09_Hunan_2018_project.json")
    assert grid.roles[-3:] == ["opinion"] * 3
    assert grid.rows[-1][0] == "区扶贫办审核意见（盖章）"
    ours = grid_of("92_Ours_2024_project.json")
    assert ours.roles[-1] == "footer" and ours.rows[-1][0].startswith("填表人：王芳")


def test_several_projects_in_one_flat_sheet_merge_their_project_cells():
    grid = grid_of("90_Ours_2024_project_multi.json")
    assert grid.rows[1][:4] == ["单位名称", "项目名称", "预算数", "年度目标"]
    rows = grid.rows_of("indicator")
    (first, second), _ = load("90_Ours_2024_project_multi.json")
    n = len(first["indicators"])
    assert (rows[0], 1, rows[0] + n - 1, 1) in grid.merges
    assert grid.rows[rows[n]][1] == second["project"]["name"]
    assert (rows[0], 2) in grid.numbers


def test_a_page_with_two_tables_prints_them_one_under_the_other():
    grid = grid_of("20_Anhui_2025_project.json")
    assert grid.rows_of("title") == [0, grid.roles.index("blank") + 1]


def test_formula_like_text_stays_text_in_the_xlsx():
    grid = Grid(2)
    grid.line("indicator", ["开展活动", "=10个"])
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(grid))).active
    assert sheet["B1"].value == "=10个" and sheet["B1"].data_type == "s"


def test_copied_cells_quote_line_breaks_and_quotes_as_excel_does():
    grid = Grid(3)
    grid.line("header", ["绩效\n目标", 'a "b"', ("", 1)])
    assert to_tsv(grid) == '"绩效\n目标"\t"a ""b"""\t\r\n'


def test_a_sixty_indicator_table_for_the_import_timings():
    (table,), layout = load("92_Ours_2024_project.json")
    grid = form_grid(with_indicators(table, 60), layout)
    rows = grid.rows_of("indicator")
    assert len(rows) == 60
    assert len({grid.rows[r][2] for r in rows}) == 60  # every name its own
    assert grid.seen()[rows[-1]][0] == "满意度指标"
