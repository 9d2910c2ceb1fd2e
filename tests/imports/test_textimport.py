"""The text importer: whole tables (seeds 000–003) and rows pasted into the indicator grid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.schemes import SCHEMES
from tables.imports.text import LEVEL1_OF, parse_indicator_rows, parse_table_text, split_rows
from tests.conftest import SEEDS

DEPARTMENT_SEEDS = sorted(SEEDS.glob("00[0-3]_*.txt"))

COLUMNS_4 = ["level1", "level2", "level3", "value"]
COLUMNS_NOTE = ["level1", "level2", "level3", "value", "note"]
COLUMNS_PROJECT = ["level1", "level2", "level3", "description", "value", "basis"]


def triples(rows: list[dict]) -> list[tuple]:
    return [(r["level1"], r["level2"], r["level3"], r["value"]) for r in rows]


# --------------------------------------------------------------------------- whole tables


@pytest.mark.parametrize("path", DEPARTMENT_SEEDS, ids=lambda p: p.name[:3])
def test_seed_imports_exactly_as_expected(path: Path) -> None:
    expected = json.loads((SEEDS / "expected" / f"{path.stem}.json").read_text(encoding="utf-8"))
    result = parse_table_text(path.read_text(encoding="utf-8"), source=path.name)
    assert result.problems == []
    assert result.data == expected


def test_seed_without_page_break_headings_or_blank_lines_still_imports() -> None:
    """The lone 年度绩效指标/产出指标 lines are optional: the 二级→一级 map fills the same 一级."""
    path = DEPARTMENT_SEEDS[0]
    expected = json.loads((SEEDS / "expected" / f"{path.stem}.json").read_text(encoding="utf-8"))
    lines = path.read_text(encoding="utf-8").split("\n")
    text = "\r\n".join(line for line in lines if line.strip() not in {"", "年度绩效指标", "产出指标"})
    result = parse_table_text(text, source=path.name)
    assert result.data == expected
    assert result.problems == []


def test_other_department_table() -> None:
    text = "\n".join(
        [
            "2023年度部门整体支出绩效目标表",
            "单位：万元",
            "部门（单位）名称\t[101]某某县教育局",
            "\t任务名称\t主要内容\t总额\t财政拨款\t其他资金",
            "年度主要任务\t教师培训\t组织全县教师培训\t1,200.50\t1,000.00\t200.50",
            "\t校舍维修\t维修校舍\t300\t300\t",
            "\t金额合计\t\t1,500.50\t1,300.00\t200.50",
            "年度总体目标\t<p>完成教师培训；</p><p>维修校舍。</p>",
            "\t一级指标\t二级指标\t三级指标\t指标值",
            "\t产出指标\t数量指标\t培训人数\t≥500人",
            "\t\t\t维修面积\t≥1,000平方米",
            "\t\t质量指标\t合格率\t≥95%",
            "\t一级指标\t二级指标\t三级指标\t指标值",  # the header repeated on the next page
            "\t效益指标\t社会效益指标\t教育质量\t有效提高",
            "\t满意度指标\t服务对象满意度指标\t教师满意度\t≥90%",
            "填报人：张三\t联系电话：123",
        ]
    )
    result = parse_table_text(text)
    data = result.data
    assert (data["year"], data["title"]) == (2023, "部门整体支出绩效目标表")
    assert data["organization"] == {"code": "101", "name": "某某县教育局"}
    assert data["tasks"] == [
        {"name": "教师培训", "content": "组织全县教师培训", "total": "1200.50", "fiscal": "1000.00", "other": "200.50"},
        {"name": "校舍维修", "content": "维修校舍", "total": "300", "fiscal": "300", "other": None},
    ]
    assert data["budget"] == {"total": "1500.50", "fiscal": "1300.00", "other": "200.50"}
    assert data["goal"] == "完成教师培训；\n维修校舍。"
    assert triples(data["indicators"]) == [
        ("产出指标", "数量指标", "培训人数", "≥500人"),
        ("产出指标", "数量指标", "维修面积", "≥1,000平方米"),
        ("产出指标", "质量指标", "合格率", "≥95%"),
        ("效益指标", "社会效益指标", "教育质量", "有效提高"),
        ("满意度指标", "服务对象满意度指标", "教师满意度", "≥90%"),
    ]
    # The signature row is reported, not imported as an indicator.
    assert [(line, reason[:3]) for line, _, reason in result.problems] == [(16, "签署栏")]


def test_goal_cut_by_a_page_break_is_joined() -> None:
    text = (
        "部门（单位）名称\t某单位\n年度总体目标\t目标1：甲；\n\t目标2：乙。\n\t一级指标\t二级指标\t三级指标\t指标值\n"
    )
    data = parse_table_text(text).data
    assert data["goal"] == "目标1：甲；\n目标2：乙。"


def test_unplaceable_table_lines_are_reported_with_line_numbers() -> None:
    text = "部门（单位）整体支出绩效目标表\n(2022年)\n部门（单位）名称\t某单位\n这一行不知道是什么\t123\n"
    result = parse_table_text(text)
    assert result.problems == [(4, "这一行不知道是什么\t123", "无法识别的行，未导入")]
    assert "年度总体目标" in result.missing


def test_empty_text() -> None:
    result = parse_table_text("", source="empty.txt")
    assert result.data["source"] == "empty.txt"
    assert result.data["indicators"] == [] and result.problems == []
    assert {"预算年度", "表名", "部门（单位）名称"} <= set(result.missing)


# --------------------------------------------------------------------------- pasted rows


def test_level1_map_is_built_from_the_schemes() -> None:
    assert LEVEL1_OF["数量指标"] == "产出指标"
    assert LEVEL1_OF["成本指标"] == "产出指标"  # the 2015 scheme comes first
    assert LEVEL1_OF["可持续影响指标"] == "效益指标"
    assert LEVEL1_OF["满意度指标"] == "满意度指标"
    assert LEVEL1_OF["工作目标管理"] == "投入管理指标"
    assert LEVEL1_OF["履职目标实现"] == "产出指标"
    assert LEVEL1_OF["满意度"] == "效益指标"
    assert {name for s in SCHEMES for names in s["tree"].values() for name in names} == set(LEVEL1_OF)


def test_paste_with_header_and_blank_merged_cells() -> None:
    text = (
        "一级指标\t二级指标\t三级指标\t指标值\n"
        "产出指标\t数量指标\t培训人数\t≥100人\n"
        "\t\t培训天数\t≥2天\n"
        "\t质量指标\t合格率\t≥95%\n"
        "效益指标\t社会效益指标\t影响\t显著提高\n"
    )
    result = parse_indicator_rows(text, columns=COLUMNS_4)
    assert result.header and result.problems == []
    assert triples(result.rows) == [
        ("产出指标", "数量指标", "培训人数", "≥100人"),
        ("产出指标", "数量指标", "培训天数", "≥2天"),
        ("产出指标", "质量指标", "合格率", "≥95%"),
        ("效益指标", "社会效益指标", "影响", "显著提高"),
    ]
    assert set(result.rows[0]) == {"level1", "level2", "level3", "description", "value", "basis", "note"}


def test_paste_without_header_uses_the_row_above_the_paste_point() -> None:
    text = "\t\t培训天数\t≥2天\n\t时效指标\t及时率\t≥95%\n"
    result = parse_indicator_rows(text, columns=COLUMNS_4, previous={"level1": "产出指标", "level2": "数量指标"})
    assert not result.header
    assert triples(result.rows) == [
        ("产出指标", "数量指标", "培训天数", "≥2天"),
        ("产出指标", "时效指标", "及时率", "≥95%"),
    ]


def test_blank_level1_at_the_top_comes_from_the_level2() -> None:
    text = "\t数量指标\t人数\t=5人\n\t\t次数\t≥2次\n\t社会效益指标\t影响\t有效提高\n\t满意度指标\t满意度\t≥90%\n"
    rows = parse_indicator_rows(text, columns=COLUMNS_4).rows
    assert [r["level1"] for r in rows] == ["产出指标", "产出指标", "效益指标", "满意度指标"]
    assert rows[1]["level2"] == "数量指标"


def test_henan_scheme_level1_from_level2() -> None:
    text = (
        "\t工作目标管理\t相关性\t相关\t说明\n\t\t科学性\t科学\t\n"
        "\t重点工作任务完成\t平台运维\t≥95%\t\n\t满意度\t群众满意度\t≥96%\t\n"
    )
    rows = parse_indicator_rows(text, columns=COLUMNS_NOTE).rows
    assert [(r["level1"], r["level2"]) for r in rows] == [
        ("投入管理指标", "工作目标管理"),
        ("投入管理指标", "工作目标管理"),
        ("产出指标", "重点工作任务完成"),
        ("效益指标", "满意度"),
    ]
    assert rows[0]["note"] == "说明" and rows[1]["note"] is None


def test_excel_quoted_cells_with_newlines_and_quotes() -> None:
    text = '产出指标\t数量指标\t"培训\n人数"\t≥100人\t"第一行\n说 ""引号"" 第二行"\n\t\t天数\t≥2天\t\n'
    result = parse_indicator_rows(text, columns=COLUMNS_NOTE)
    assert result.problems == []
    assert [r["level3"] for r in result.rows] == ["培训\n人数", "天数"]
    assert result.rows[0]["note"] == '第一行\n说 "引号" 第二行'
    assert [row.line for row in split_rows(text)] == [1, 4, 5]


def test_unclosed_quote_is_literal() -> None:
    rows = split_rows('"甲\t乙\n丙\t丁')
    assert [r.cells for r in rows] == [['"甲', "乙"], ["丙", "丁"]]


def test_three_cell_fragments_without_the_level1_column() -> None:
    text = "数量指标\t人数\t=5人\n质量指标\t合格率\t≥95%\n社会效益指标\t影响\t显著\n满意度指标\t满意度\t≥90%\n"
    result = parse_indicator_rows(text, columns=COLUMNS_4)
    assert result.problems == []
    assert triples(result.rows) == [
        ("产出指标", "数量指标", "人数", "=5人"),
        ("产出指标", "质量指标", "合格率", "≥95%"),
        ("效益指标", "社会效益指标", "影响", "显著"),
        ("满意度指标", "满意度指标", "满意度", "≥90%"),
    ]


def test_three_cell_fragment_whose_name_starts_with_a_year() -> None:
    rows = parse_indicator_rows("成本指标\t2022年会计职称考试总成本\t≤20万元\n", columns=COLUMNS_4).rows
    assert triples(rows) == [("产出指标", "成本指标", "2022年会计职称考试总成本", "≤20万元")]


def test_project_layout_columns_and_trailing_empty_cells() -> None:
    text = (
        "产出指标\t数量指标\t审计数量\t完成审计项目\t≥1个\t计划标准\t\t\n"
        "\t时效指标\t完成时间\t按时\t2023年底完成\t计划标准\n"
    )
    rows = parse_indicator_rows(text, columns=COLUMNS_PROJECT).rows
    assert rows[0]["description"] == "完成审计项目" and rows[0]["basis"] == "计划标准"
    assert (rows[1]["level1"], rows[1]["value"]) == ("产出指标", "2023年底完成")


def test_word_paste_with_runs_of_spaces() -> None:
    rows = parse_indicator_rows("数量指标   人数   =5人\n质量指标    合格率  ≥95%", columns=COLUMNS_4).rows
    assert triples(rows) == [("产出指标", "数量指标", "人数", "=5人"), ("产出指标", "质量指标", "合格率", "≥95%")]


def test_header_columns_override_the_layout_order() -> None:
    text = "三级指标\t指标值\t一级指标\t二级指标\n人数\t=5人\t产出指标\t数量指标\n"
    rows = parse_indicator_rows(text, columns=COLUMNS_4).rows
    assert triples(rows) == [("产出指标", "数量指标", "人数", "=5人")]


def test_level2_label_printed_below_its_first_rows() -> None:
    """PDF extractors print a merged cell's label mid-span; rows of a new 一级 group wait for it."""
    text = "效益指标\t\t指标A\t≥1\n\t\t指标B\t≥2\n\t社会效益指标\t指标C\t≥3\n\t\t指标D\t≥4\n"
    rows = parse_indicator_rows(text, columns=COLUMNS_4).rows
    assert {r["level2"] for r in rows} == {"社会效益指标"}


def test_lone_label_lines_between_page_fragments() -> None:
    text = (
        "\t预算和财务管理\t预算执行率\t≥90%\t\n"
        "\t\t资产管理规范性\t规范\t\n"
        "\t\t绩效监控完成率\t100%\t\n"
        "\n\n绩效管理\n\n"
        "\t\t绩效自评完成率\t100%\t\n"
    )
    rows = parse_indicator_rows(text, columns=COLUMNS_NOTE).rows
    assert [r["level2"] for r in rows] == ["预算和财务管理", "预算和财务管理", "绩效管理", "绩效管理"]
    assert {r["level1"] for r in rows} == {"投入管理指标"}


def test_lone_cost_label_is_a_level2_inside_output_group() -> None:
    text = "产出指标\t数量指标\t人数\t≥5人\n成本指标\n\t\t人均成本\t≤5万元\n"
    rows = parse_indicator_rows(text, columns=COLUMNS_4).rows
    assert (rows[1]["level1"], rows[1]["level2"]) == ("产出指标", "成本指标")


def test_national_2021_cost_level1() -> None:
    tree = next(s["tree"] for s in SCHEMES if s["code"] == "national2021")
    text = "成本指标\t经济成本指标\t人均成本\t≤5万元\n\t社会成本指标\t影响\t无\n"
    rows = parse_indicator_rows(text, columns=COLUMNS_4, tree=tree).rows
    assert [(r["level1"], r["level2"]) for r in rows] == [("成本指标", "经济成本指标"), ("成本指标", "社会成本指标")]


def test_unplaceable_lines_are_reported_with_line_numbers() -> None:
    text = "产出指标\t数量指标\t人数\t≥5人\n填报人：张三\n\n一段说明文字\n甲\t乙\t丙\t丁\t多\t出\n\t\t\t≥3\n"
    result = parse_indicator_rows(text, columns=COLUMNS_4)
    assert [(line, reason) for line, _, reason in result.problems] == [
        (2, "签署栏（填报人、联系电话、审核意见等）不是表格数据，未导入"),
        (4, "只有一个单元格，无法确定它属于哪一行哪一列"),
        (5, "多出的单元格未导入：多、出"),
        (6, "只有一个单元格，无法确定它属于哪一行哪一列"),
    ]
    assert result.problems[2][1] == "甲\t乙\t丙\t丁\t多\t出"
    assert [r["level3"] for r in result.rows] == ["人数", "丙"]


def test_unknown_header_column_is_reported_once() -> None:
    text = "一级指标\t二级指标\t三级指标\t计量单位\t指标值\n产出指标\t数量指标\t人数\t人\t≥5\n"
    result = parse_indicator_rows(text, columns=COLUMNS_4)
    assert triples(result.rows) == [("产出指标", "数量指标", "人数", "≥5")]
    assert [line for line, _, _ in result.problems] == [1]
    assert "计量单位" in result.problems[0][2]


def test_unknown_layout_column_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_indicator_rows("", columns=["level1", "weight"])


# --------------------------------------------------------------------------- robustness

_WORDS = [
    "一级指标",
    "二级指标",
    "三级指标",
    "指标值",
    "指标值说明",
    "产出指标",
    "数量指标",
    "成本指标",
    "满意度指标",
    "绩效管理",
    "年度总体目标",
    "任务名称",
    "主要内容",
    "总额",
    "财政拨款",
    "部门（单位）名称",
    "年度主要任务",
    "预算情况",
    "部门预算总额",
    "<p>",
    "</p>",
    "(2022年)",
    "绩效目标表",
    "金额合计",
    "填报人",
    "|---|",
    '""',
    "≥95%",
    "1,055.4",
]
_PIECES = st.sampled_from([*'\t\n\r|"- \u3000a1.,%≥=<>()（）#', *_WORDS])
_TEXTS = st.one_of(st.text(max_size=300), st.lists(_PIECES, max_size=80).map("".join))


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_random_text_never_raises(text: str) -> None:
    table = parse_table_text(text)
    assert table.data["format"] == "target-table/1"
    for line, _, reason in table.problems:
        assert isinstance(line, int) and reason
    for columns in (COLUMNS_4, COLUMNS_NOTE, COLUMNS_PROJECT):
        rows = parse_indicator_rows(text, columns=columns, previous={"level1": "产出指标"})
        for row in rows.rows:
            assert row["level3"]
