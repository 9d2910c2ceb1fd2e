"""Reading a province's 指标库 workbook: the header by its labels and synonyms, merged cells filled down,
功能分类 codes into a 行业/领域 path, and bad input refused with messages naming the place."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from indicators.library.workbook import LibraryWorkbookError, read_library, recognise_label
from tests.builders.library import library_rows, library_workbook


def xlsx(rows: list[list], merges: tuple[str, ...] = (), title: str = "Sheet1", extra: dict | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for ref in merges:
        sheet.merge_cells(ref)
    for name, more in (extra or {}).items():
        other = book.create_sheet(name)
        for row in more:
            other.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("三级指标", "level3"),
        ("指标名称", "level3"),
        ("三级指标名称", "level3"),
        ("指标说明", "definition"),
        ("统计口径", "definition"),
        ("计算方法", "formula"),
        ("符号", "comparator"),
        ("指标值", "value"),
        ("目标值", "value"),
        ("单位", "unit"),
        ("指标性质", "direction"),
        ("指标值确定依据", "basis"),
        ("评（扣）分标准", "scoring"),
        ("是否共性", "nature"),
        ("启用日期", "valid_from"),
        ("停用日期", "valid_to"),
        ("* 指标编码", "code"),
        ("采集频率", "frequency"),
        ("款", "section"),
        ("项目类别", "industry"),
        ("序号", None),
        ("指标类型说明备注", None),
    ],
)
def test_a_header_is_recognised_by_its_label_or_a_synonym(header, key):
    assert recognise_label(header) == key


def test_the_province_shaped_workbook_reads_every_row_with_its_field_and_columns():
    rows = library_rows(120)
    book = read_library(library_workbook(rows), "省指标库.xlsx")

    assert book.errors == [] and book.notes == []
    assert len(book.rows) == 120
    first, last = book.rows[0], book.rows[-1]
    path = [(n.code, n.name) for n in first.field_path]
    assert path == [("201", "一般公共服务支出"), ("20101", "一般公共服务行政运行")]
    assert first.place == "指标库 第 5 行"
    assert (first.level1, first.level2, first.level3) == ("产出指标", "数量指标", rows[0]["level3"])
    assert first.values["value"] == "≥100个" and first.values["unit"] == "个" and first.values["comparator"] == "≥"
    assert first.values["direction"] == "正向" and first.values["nature"] == "个性"
    assert first.values["valid_from"] == date(2024, 1, 1)
    assert first.values["code"] == "ZB201000000"
    assert first.values["keywords"] == "行政运行，项目，产出数量"
    # 一级 and 二级 merged down their rows are filled into every row they cover
    assert last.level1 == rows[-1]["level1"] and last.level2 == rows[-1]["level2"]
    assert last.field_path[-1].code == "20103"


def test_merged_cells_and_blank_cells_below_them_are_filled_down_but_not_across_a_new_category():
    data = xlsx(
        [
            ["行业", "一级指标", "二级指标", "指标名称", "指标解释", "参考指标值"],
            ["教育", "产出指标", "数量指标", "资助学生人数", "享受资助的学生人数", "≥100人"],
            [None, None, None, "培训教师人次", "参加培训的教师人次", "≥50人次"],
            [None, None, "质量指标", "资助对象识别准确率", "识别准确的比例", "=100%"],
            ["卫生", "满意度指标", None, "患者满意度", "满意的患者比例", "≥90%"],
        ],
        merges=("A2:A4",),
    )
    book = read_library(data, "x.xlsx")
    names = [(r.field_path[0].name, r.level1, r.level2, r.level3) for r in book.rows]
    assert names == [
        ("教育", "产出指标", "数量指标", "资助学生人数"),
        ("教育", "产出指标", "数量指标", "培训教师人次"),
        ("教育", "产出指标", "质量指标", "资助对象识别准确率"),
        ("卫生", "满意度指标", "", "患者满意度"),  # a new 一级: its blank 二级 is not the one above
    ]


def test_a_single_function_column_with_codes_builds_the_tree_by_code_prefix():
    data = xlsx(
        [
            ["功能分类", "一级指标", "二级指标", "三级指标", "指标解释"],
            ["205 教育支出", "产出指标", "数量指标", "学校数量", "学校的数量"],
            ["20502 普通教育", "产出指标", "数量指标", "在校生人数", "在校学生人数"],
            ["【2050201】学前教育", "产出指标", "数量指标", "幼儿园数量", "幼儿园的数量"],
        ]
    )
    paths = [[(n.code, n.name) for n in r.field_path] for r in read_library(data, "x.xlsx").rows]
    assert paths == [
        [("205", "教育支出")],
        [("205", "教育支出"), ("20502", "普通教育")],
        [("205", "教育支出"), ("20502", "普通教育"), ("2050201", "学前教育")],
    ]


def test_a_header_below_a_title_and_split_value_columns_are_read():
    data = xlsx(
        [
            ["某市项目支出绩效指标库"],
            [],
            ["序号", "二级指标", "指标名称", "计算符号", "指标值", "计量单位", "指标方向", "指标值确定依据"],
            [1, "成本指标", "人均培训成本", "≤", 1.5, "万元", "反向", "预算支出标准"],
            [2, "时效指标", "完成时间", "定性", "年底前", None, "", "计划标准"],
        ]
    )
    book = read_library(data, "x.xlsx")
    cost, time = book.rows
    assert (cost.values["value"], cost.values["comparator"], cost.values["unit"]) == ("≤1.5万元", "≤", "万元")
    assert cost.values["direction"] == "反向" and cost.values["basis"] == "预算支出标准"
    assert time.values["value"] == "年底前" and time.values["comparator"] == "定性"


def test_a_row_without_a_name_is_refused_naming_its_cell_and_a_heading_row_is_not():
    data = xlsx(
        [
            ["行业", "一级指标", "二级指标", "三级指标", "指标解释"],
            ["农业", None, None, None, None],  # a heading row: names the field of what follows
            ["农业", "产出指标", "数量指标", "新建高标准农田面积", "当年新建面积"],
            ["农业", "产出指标", "数量指标", None, "没有名称的解释"],
        ],
        title="农业",
    )
    book = read_library(data, "x.xlsx")
    assert [r.level3 for r in book.rows] == ["新建高标准农田面积"]
    assert book.errors == ["农业!D4：三级指标（指标名称）是空的"]


def test_bad_dates_and_too_long_cells_are_refused_naming_row_and_column():
    data = xlsx(
        [
            ["三级指标", "一级指标", "计量单位", "启用日期"],
            ["合格率", "产出指标", "%", "明年"],
            ["覆盖率", "产出指标", "单" * 41, "2025年1月1日"],
        ],
        title="库",
    )
    book = read_library(data, "x.xlsx")
    assert book.rows == []
    assert book.errors == [
        "库 第 2 行“启用日期”：“明年”不是日期（例：2025-01-01 或 2025年1月1日）",
        "库 第 3 行“计量单位”：超过 40 个字",
    ]


def test_a_workbook_without_a_recognisable_header_is_refused_naming_its_sheets():
    data = xlsx([["项目", "金额"], ["办公费", 10]], title="预算", extra={"说明": [["本表说明"]]})
    with pytest.raises(LibraryWorkbookError) as refused:
        read_library(data, "随便.xlsx")
    assert "随便.xlsx：没有找到表头" in refused.value.errors[0] and "预算、说明" in refused.value.errors[0]


def test_a_broken_file_is_refused_in_chinese():
    with pytest.raises(LibraryWorkbookError) as refused:
        read_library(b"PK\x03\x04 not really a zip", "坏.xlsx")
    assert refused.value.errors[0].startswith("坏.xlsx：xlsx 文件已损坏")


def test_a_repeated_indicator_is_noted_and_read_once():
    data = xlsx(
        [
            ["二级指标", "三级指标", "指标解释"],
            ["质量指标", "验收合格率", "合格的比例"],
            ["质量指标", "1. 验收 合格率", "重复的一行"],
        ],
        title="库",
    )
    book = read_library(data, "x.xlsx")
    assert [r.level3 for r in book.rows] == ["验收合格率"]
    assert book.notes == ["库 第 3 行“1. 验收 合格率”与库 第 2 行是同一指标，只导入库 第 2 行"]


def test_a_sheet_without_the_header_is_noted_beside_the_one_read():
    data = xlsx(
        [["三级指标", "指标解释", "计量单位"], ["完成率", "完成的比例", "%"]],
        title="指标",
        extra={"封面": [["某省指标库"]]},
    )
    book = read_library(data, "x.xlsx")
    assert len(book.rows) == 1 and book.notes == ["工作表 封面 中没有找到指标库的表头，未读取"]


def test_the_type_and_direction_columns_say_more_than_the_value():
    data = xlsx(
        [
            ["三级指标", "参考指标值", "指标值类型", "指标性质"],
            ["群众满意度", "≥90%", "定性", "正向"],
            ["投诉次数", "≤3次", "", "≥"],  # a sign in 指标性质 does not replace the value's own
        ]
    )
    satisfied, complaints = read_library(data, "x.xlsx").rows
    assert (satisfied.values["value_type"], satisfied.values["direction"]) == ("定性", "正向")
    assert (complaints.values["comparator"], complaints.values["direction"]) == ("≤", "")
