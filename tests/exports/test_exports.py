"""Exports: the printed model, xlsx and PDF renderers, xlsx import, bulk zip.

PDF tests are marked `pdf` (each render costs ~0.5 s; they need
fonts-noto-cjk, libharfbuzz-subset0 and poppler-utils, which CI installs).
"""

from __future__ import annotations

import copy
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tables.exports import blank_template, render_pdf, render_xlsx, write_bulk_zip
from tables.exports.printed import CONTENT_H, INDICATORS, build_table, chunk_rows, paginate
from tables.imports.xlsx import XlsxImportError, read_workbook
from tables.layouts import LAYOUTS_BY_CODE, infer_layout_code
from tests.conftest import EXPECTED

SEEDS = EXPECTED  # the seeds as exchange JSON
SEED_NAMES = sorted(p.stem for p in SEEDS.glob("0*.json"))
BOOKLET = "004_23c08299ad075e9a"
PROJECT = LAYOUTS_BY_CODE["hebei-2023-project"]


def seed(name: str) -> dict:
    return json.loads((SEEDS / f"{name}.json").read_text(encoding="utf-8"))


def layout_of(data: dict) -> dict:
    if data.get("format") == "target-booklet/1":
        return PROJECT
    return LAYOUTS_BY_CODE[infer_layout_code(data)]


def load(xlsx: bytes, **kw) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(xlsx), **kw)


def cell_right_of(ws, label: str):
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == label:
                for rng in ws.merged_cells.ranges:
                    if cell.coordinate in rng:
                        return ws.cell(cell.row, rng.max_col + 1)
                return ws.cell(cell.row, cell.column + 1)
    raise AssertionError(label)


# ---------------------------------------------------------------------------
# The printed model


def test_level1_and_level2_groups_are_merged_cells():
    data = seed("000_db0fda59e4eac40f")
    table = build_table(data, layout_of(data))
    header = table.header_rows(INDICATORS)[0]
    first = table.rows[header + 1].cells
    spans = [(c.text, c.rowspan) for c in first if c is not None]
    assert ("产出指标", 40) in spans
    assert ("数量指标", 14) in spans


def test_level2_group_never_crosses_a_level1_boundary():
    data = seed("000_db0fda59e4eac40f")
    data["indicators"] = [
        {"level1": "效益指标", "level2": "满意度指标", "level3": "a", "value": "1"},
        {"level1": "满意度指标", "level2": "满意度指标", "level3": "b", "value": "2"},
    ]
    table = build_table(data, layout_of(data))
    header = table.header_rows(INDICATORS)[0]
    for row in table.rows[header + 1 :]:
        assert all(cell.rowspan == 1 for cell in row.cells if cell is not None and cell.text != "年度绩效指标")


def test_a_page_that_continues_the_indicators_repeats_the_header_and_the_group_labels():
    data = seed("000_db0fda59e4eac40f")
    table = build_table(data, layout_of(data))
    chunks = paginate(table, CONTENT_H - table.head_height())
    assert len(chunks) >= 3
    header = table.header_rows(INDICATORS)
    for chunk in chunks[1:]:
        assert chunk[: len(header)] == header
        rows = chunk_rows(table, chunk)
        first_body = rows[len(header)]
        texts = {cell.text for _, cell, _, _ in first_body.cells}
        assert texts & {"产出指标", "效益指标", "满意度指标"}, "the 一级 label is printed again on the new page"
        # Every split group is closed on its page: no span runs past the page's last row.
        for p, row in enumerate(rows):
            for _, _, _, rowspan in row.cells:
                assert p + rowspan <= len(rows)
    assert sorted({r for chunk in chunks for r in chunk}) == list(range(len(table.rows)))


# ---------------------------------------------------------------------------
# xlsx


@pytest.mark.parametrize("name", SEED_NAMES)
def test_xlsx_round_trip_gives_back_the_expected_json(name):
    data = seed(name)
    assert read_workbook(render_xlsx(data, layout_of(data))) == data


def test_null_and_empty_string_and_unprinted_fields_survive_the_round_trip():
    data = seed("000_db0fda59e4eac40f")
    data["goal"] = ""
    data["indicators"][0]["note"] = ""  # not a column of this layout
    data["indicators"][1]["basis"] = "计划标准"  # not a column either
    data["tasks"][0]["other"] = None
    data["tasks"][1]["other"] = "0"
    assert read_workbook(render_xlsx(data, layout_of(data))) == data


def test_text_that_looks_like_a_formula_is_stored_as_text():
    data = seed("000_db0fda59e4eac40f")
    for ind, value in zip(data["indicators"], ["=83人", "+5", "-3天", "@abc", "=SUM(A1:A3)"], strict=False):
        ind["value"] = value
    data["tasks"][0]["name"] = '=HYPERLINK("http://x")'
    xlsx = render_xlsx(data, layout_of(data))
    with zipfile.ZipFile(io.BytesIO(xlsx)) as package:
        sheets = [n for n in package.namelist() if n.startswith("xl/worksheets/sheet")]
        assert all(b"<f>" not in package.read(n) for n in sheets)
    ws = load(xlsx)["绩效目标表"]
    values = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for text in ("=83人", "+5", "-3天", "@abc", "=SUM(A1:A3)"):
        assert values[text].data_type == "s"
        assert values[text].quotePrefix
    assert read_workbook(xlsx) == data


def test_xlsx_prints_a4_landscape_fit_to_width_with_repeated_headers_and_page_numbers():
    data = seed("000_db0fda59e4eac40f")
    wb = load(render_xlsx(data, layout_of(data)))
    assert wb["_meta"].sheet_state == "hidden"
    ws = wb["绩效目标表"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)  # 1 is the default
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows
    header_row = int(ws.print_title_rows.split(":")[0].strip("$"))
    assert [ws.cell(header_row, c).value for c in range(2, 5)] == ["一级指标", "二级指标", "三级指标"]
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert ws["A1"].value == "部门（单位）整体支出绩效目标表" and ws["A1"].font.name == "黑体"
    assert ws["A4"].font.name == "宋体" and ws["A4"].border.left.style == "thin"
    assert any(str(r) == "A1:G1" for r in ws.merged_cells.ranges)
    assert ws.row_dimensions[7].height > 30  # a long task wraps: the row is taller


def test_amounts_are_numbers_with_the_decimals_of_the_source():
    data = seed("003_1accb42d456f302a")
    ws = load(render_xlsx(data, layout_of(data)))["绩效目标表"]
    cell = cell_right_of(ws, "（2）项目支出")
    assert cell.value == 495 and cell.number_format == "0.0"


def test_import_without_the_meta_sheet_reads_the_visible_form():
    data = seed("000_db0fda59e4eac40f")
    wb = load(render_xlsx(data, layout_of(data)))
    del wb["_meta"]
    out = io.BytesIO()
    wb.save(out)
    back = read_workbook(out.getvalue())
    assert {k: v for k, v in back.items() if k != "source"} == {k: v for k, v in data.items() if k != "source"}


def test_a_hand_filled_blank_template_imports():
    wb = load(blank_template("xinjiang-2022-dept"))
    ws = wb["绩效目标表"]
    ws["A2"] = "（2024年）"
    cell_right_of(ws, "部门（单位）名称").value = "测试局"
    ws["B7"], ws["D7"], ws["E7"], ws["F7"] = "人员经费", "工资福利", 100.5, 100.5
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 4).value == "三级指标")
    ws.cell(header + 1, 4).value = "在职人数"
    ws.cell(header + 1, 5).value = "≥10人"
    ws.cell(header + 2, 4).value = "办公面积"
    ws.cell(header + 2, 5).value = 0.95
    ws.cell(header + 2, 5).number_format = "0%"
    out = io.BytesIO()
    wb.save(out)
    table = read_workbook(out.getvalue())
    assert table["year"] == 2024
    assert table["organization"]["name"] == "测试局"
    assert table["tasks"] == [
        {"name": "人员经费", "content": "工资福利", "total": "100.5", "fiscal": "100.5", "other": None}
    ]
    assert [(i["level1"], i["level2"], i["level3"], i["value"]) for i in table["indicators"]] == [
        ("产出指标", "数量指标", "在职人数", "≥10人"),
        ("产出指标", "数量指标", "办公面积", "95%"),
    ]


def test_a_hand_filled_project_template_imports():
    wb = load(blank_template("hebei-2023-project"))
    ws = wb["绩效目标表"]
    ws["A2"] = "（2024年度）"
    ws["A3"] = "318001丰润区财政局本级"
    cell_right_of(ws, "项目编码").value = "13020823P00023510001U"
    cell_right_of(ws, "项目名称").value = "一事一议监管系统服务费"
    cell_right_of(ws, "预算数").value = 1.05
    cell_right_of(ws, "其中：财政资金").value = "1.05"
    purpose = cell_right_of(ws, "预算规模及资金用途")
    ws.cell(purpose.row + 1, purpose.column).value = "用于全区21个乡镇"
    months = next(c for row in ws.iter_rows() for c in row if c.value == "6月底")
    ws.cell(months.row + 1, months.column).value = "100%"
    cell_right_of(ws, "绩效目标").value = "1.保障工作开展\n2.及时拨付经费"
    header = next(c for row in ws.iter_rows() for c in row if c.value == "三级指标")
    ws.cell(header.row + 1, header.column).value = "乡镇数量"
    ws.cell(header.row + 1, header.column + 1).value = "系统覆盖乡镇数"
    value_col = next(c.column for c in ws[header.row] if c.value == "指标值")
    ws.cell(header.row + 1, value_col).value = "≥21个"
    ws.cell(header.row + 1, value_col + 1).value = "年初计划"
    out = io.BytesIO()
    wb.save(out)
    table = read_workbook(out.getvalue())
    assert table["kind"] == "project" and table["year"] == 2024
    assert table["organization"] == {"code": "318001", "name": "丰润区财政局本级"}
    assert table["project"] == {
        "code": "13020823P00023510001U",
        "name": "一事一议监管系统服务费",
        "purpose": "用于全区21个乡镇",
    }
    assert table["budget"] == {"total": "1.05", "fiscal": "1.05", "other": None}
    assert table["spending_plan"] == {"03": None, "06": "100", "10": None, "12": None}
    assert table["goal"] == "1.保障工作开展\n2.及时拨付经费"
    assert table["indicators"] == [
        {
            "level1": "产出指标",
            "level2": "数量指标",
            "level3": "乡镇数量",
            "description": "系统覆盖乡镇数",
            "value": "≥21个",
            "basis": "年初计划",
            "note": None,
        }
    ]


@pytest.mark.parametrize("code", ["xinjiang-2022-dept", "henan-2023-dept", "hebei-2023-project"])
def test_an_untouched_blank_template_is_refused_naming_the_cells_to_fill(code):
    with pytest.raises(XlsxImportError) as err:
        read_workbook(blank_template(code))
    assert any(e.startswith("绩效目标表!A2：") and "年度" in e for e in err.value.errors)
    assert len(err.value.errors) >= 2


def test_a_bad_amount_is_reported_with_its_sheet_and_cell():
    data = seed("000_db0fda59e4eac40f")
    wb = load(render_xlsx(data, layout_of(data)))
    wb["绩效目标表"]["E7"] = "一千"
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(XlsxImportError) as err:
        read_workbook(out.getvalue())
    assert err.value.errors == ["绩效目标表!E7：金额应为数字，实际为“一千”"]


def test_a_missing_level3_name_is_reported_with_its_cell():
    data = seed("003_1accb42d456f302a")
    wb = load(render_xlsx(data, layout_of(data)))
    ws = wb["绩效目标表"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "预算执行率")
    cell.value = None
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(XlsxImportError, match=rf"绩效目标表!{cell.coordinate}：请填写三级指标"):
        read_workbook(out.getvalue())


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"name,value\n1,2\n", "不是 xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        (b"PK\x03\x04" + b"\0" * 100, "损坏"),
        (b"PK\x03\x04" + b"\0" * (11 * 1024 * 1024), "过大"),
    ],
)
def test_non_xlsx_corrupt_and_oversized_files_are_refused(payload, message):
    with pytest.raises(XlsxImportError, match=message):
        read_workbook(payload)


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    data = seed("003_1accb42d456f302a")
    source = zipfile.ZipFile(io.BytesIO(render_xlsx(data, layout_of(data))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            bomb.writestr(item.filename, source.read(item.filename))
        bomb.writestr("xl/media/padding.bin", b"\0" * (20 * 1024 * 1024))
    with pytest.raises(XlsxImportError, match=r"压缩|过大"):
        read_workbook(out.getvalue())


def test_a_booklet_exports_as_one_workbook_with_part_one_and_a_sheet_per_project():
    data = seed(BOOKLET)
    wb = load(render_xlsx(data, PROJECT), read_only=True)
    visible = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert visible[0] == "部门整体绩效目标"
    assert len(visible) == 1 + len(data["projects"])


# ---------------------------------------------------------------------------
# PDF


def pdf_text(pdf: bytes) -> list[str]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [page.extract_text() or "" for page in doc.pages]


def pdffonts(pdf: bytes, tmp_path) -> str:
    # Fail, never skip: a skipped font check is the silent pass this test exists to prevent.
    assert shutil.which("pdffonts"), "pdffonts not found: `make test` installs poppler-utils (apt-get install)"
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.mark.pdf
def test_pdf_of_a_draft_has_every_indicator_embedded_cjk_fonts_and_labels_repeated_per_page(tmp_path):
    data = seed("000_db0fda59e4eac40f")
    pdf = render_pdf(data, layout_of(data))
    pages = pdf_text(pdf)
    text = squash("".join(pages))
    for ind in data["indicators"]:
        assert squash(ind["level3"]) in text
        assert squash(ind["value"]) in text
    assert all("草" in p and "稿" in p for p in pages)  # the watermark (rotated, so extracted out of order)
    assert f"第1页共{len(pages)}页" in squash(pages[0])
    for page in pages[1:]:
        assert "一级指标" in page and "年度绩效指标" in page  # header row and label column again
    fonts = pdffonts(pdf, tmp_path)
    assert "Noto-Serif-CJK-SC" in fonts and "Noto-Sans-CJK-SC" in fonts
    for line in fonts.splitlines()[2:]:
        assert line.split()[-5:-3] == ["yes", "yes"], line  # embedded and subset


@pytest.mark.pdf
def test_pdf_of_an_approved_table_has_the_approval_mark_and_no_watermark():
    data = seed("003_1accb42d456f302a")
    meta = {
        "status": "approved",
        "reviewer": "李审核",
        "approved_at": "2023年3月1日",
        "opinion": "同意批复。",
        "checklist": {"完整性": True, "相关性": True, "适当性": True, "可行性": False},
        "filler": "王填报",
        "phone": "0376-1234567",
    }
    text = squash("".join(pdf_text(render_pdf(data, layout_of(data), meta=meta))))
    for ind in data["indicators"]:
        assert squash(ind["level3"]) in text and squash(ind["value"]) in text
    assert "草" not in text
    for piece in ("已批复", "李审核", "同意批复。", "可行性", "填报单位（盖章）", "王填报", "0376-1234567", "填报日期"):
        assert squash(piece) in text


@pytest.mark.pdf
def test_rare_hanzi_print_from_the_second_font_cut_and_others_from_full_noto(tmp_path):
    data = seed("003_1accb42d456f302a")
    data["organization"]["name"] = "濮阳市漯河区亳州办事处"  # GB 2312 level 2
    data["indicators"][0]["level3"] = "覅字不在GB2312中"  # outside GB 2312: the full font
    pdf = render_pdf(data, layout_of(data))
    text = squash("".join(pdf_text(pdf)))
    assert "濮阳市漯河区亳州办事处" in text and "覅字不在GB2312中" in text
    fonts = pdffonts(pdf, tmp_path)
    for name in ("Noto-Serif-CJK-SC-GB ", "Noto-Serif-CJK-SC-GB2 ", "Noto-Serif-CJK-SC "):
        assert name in fonts
    for line in fonts.splitlines()[2:]:
        assert line.split()[-5:-3] == ["yes", "yes"], line  # embedded and subset


@pytest.mark.pdf
def test_print_html_is_parsed_as_xml_and_text_xml_refuses_falls_back_to_html5(monkeypatch):
    import pypdfium2

    from tables.exports import _weasyprint
    from tables.exports import pdf as pdf_module

    parse = pdf_module._parse
    fast = []

    def spy(html):
        document = parse(html)
        fast.append(type(document) is _weasyprint._XHTML)
        return document

    monkeypatch.setattr(pdf_module, "_parse", spy)
    data = seed("003_1accb42d456f302a")
    render_pdf(data, layout_of(data))
    data["indicators"][0]["level3"] = "前\uffff后"  # a noncharacter: well-formed XML may not hold it
    doc = pypdfium2.PdfDocument(render_pdf(data, layout_of(data)))
    # (pdfplumber reads no text from a font with a .notdef glyph in it; pdfium does)
    text = squash("".join(page.get_textpage().get_text_range() for page in doc))
    assert fast == [True, False]
    assert "后" in text and squash(data["indicators"][1]["level3"]) in text


@pytest.mark.pdf
def test_a_render_that_fails_leaves_the_garbage_collector_on(monkeypatch):
    import gc

    from tables.exports import pdf as pdf_module

    def broken(html):
        assert not gc.isenabled()  # paused for the render
        raise RuntimeError("layout failed")

    monkeypatch.setattr(pdf_module, "_parse", broken)
    data = seed("003_1accb42d456f302a")
    with pytest.raises(RuntimeError):
        render_pdf(data, layout_of(data))
    assert gc.isenabled()


@pytest.mark.pdf
def test_booklet_pdf_has_cover_contents_both_parts_and_a_bookmark_per_table(tmp_path):
    import pypdfium2

    data = seed(BOOKLET)
    pdf = render_pdf(data, PROJECT)
    doc = pypdfium2.PdfDocument(pdf)
    pages = [page.get_textpage().get_text_range() for page in doc]  # pdfplumber takes ~6 s on 30 pages
    assert "目录" in squash(pages[1])
    text = squash("".join(pages))
    assert "第一部分" in text and "第二部分" in text
    for project in data["projects"]:
        for ind in project["indicators"]:
            assert squash(ind["level3"]) in text
    titles = [b.get_title() for b in doc.get_toc()]
    for i, project in enumerate(data["projects"], start=1):
        assert f"{i}.{project['title']}" in titles
    assert "Noto-Serif-CJK-SC" in pdffonts(pdf, tmp_path)


# ---------------------------------------------------------------------------
# Bulk


def bulk_items(n: int = 3):
    projects = seed(BOOKLET)["projects"]
    for i in range(n):
        yield f"表{i}", projects[i], PROJECT, {"status": "approved"}


@pytest.mark.pdf
def test_bulk_zip_holds_a_pdf_per_table_and_one_workbook_with_a_sheet_per_table(tmp_path):
    out = tmp_path / "round.zip"
    seen = []
    count = write_bulk_zip(bulk_items(3), out, progress=lambda n, stem: seen.append((n, stem)), workers=1)
    assert count == 3 and seen == [(1, "表0"), (2, "表1"), (3, "表2")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["round.zip"]  # no temporary file left
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["绩效目标表.xlsx", "表0.pdf", "表1.pdf", "表2.pdf"]
        assert zf.read("表0.pdf")[:5] == b"%PDF-"
        book = zf.read("绩效目标表.xlsx")
    wb = load(book, read_only=True)
    assert [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"] == ["表0", "表1", "表2"]
    assert read_workbook(book, sheet="表1") == seed(BOOKLET)["projects"][1]


def test_bulk_zip_leaves_nothing_behind_when_an_item_fails(tmp_path):
    def items():
        yield "good", copy.deepcopy(seed(BOOKLET)["projects"][0]), PROJECT, None
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        write_bulk_zip(items(), tmp_path / "round.zip", workers=1)
    assert list(tmp_path.iterdir()) == []


def test_bulk_workbook_keeps_no_open_file_and_little_memory_per_table(tmp_path, monkeypatch):
    """Finished sheets let go of their temporary file and row data: 1,000 tables must not hit the
    open-file limit (1,024), nor grow memory by more than each sheet's merges, widths and print setup."""
    import gc
    import tracemalloc

    from tables.exports import bulk

    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        pytest.skip("counts open files through /proc")
    monkeypatch.setattr(bulk, "_rendered", lambda items, workers: ((item, b"%PDF-") for item in items))
    projects = seed(BOOKLET)["projects"]
    items = ((f"表{i}", projects[i % len(projects)], PROJECT, None) for i in range(40))
    seen = {}

    def progress(done, stem):
        if done in (10, 40):
            gc.collect()
            seen[done] = (len(list(fds.iterdir())), tracemalloc.get_traced_memory()[0])

    tracemalloc.start()
    try:
        write_bulk_zip(items, tmp_path / "round.zip", progress=progress, workers=1)
    finally:
        tracemalloc.stop()
    assert seen[40][0] == seen[10][0]
    # ~1,600 bytes a table now: the zip's directory entry for the PDF, the sheet's name (three
    # sets and dicts) and a sealed sheet's print ranges. It was ~37,000 with open row files,
    # then ~17,000 with xlsxwriter's Worksheet objects kept until the workbook closed.
    assert (seen[40][1] - seen[10][1]) / 30 < 2_500
