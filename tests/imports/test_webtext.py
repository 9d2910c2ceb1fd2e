"""Web texts that lost their separators read back into a grid by the form's words (`webtext.py`).

The texts here are written for these tests, in the shapes the published tables show (see
`../shared/provinces/INDEX.md`): a whole form run together on one line, cells parted by single
spaces, one cell per line with the merged cells left out. The transcriptions' forms are also
laid out by `tests/builders` and flattened the same ways.
"""

from __future__ import annotations

import pytest

from tables.imports.recognise import read_text, recognise
from tables.imports.recognise.score import score_tables
from tables.imports.recognise.webtext import lines_up, pieces, read_web_text
from tests.builders.files import transcription
from tests.builders.forms import form_grid
from tests.builders.render import web_rows


def _read(text: str) -> list[dict]:
    tables = []
    for grid in read_text(text, "网页文字"):
        tables += recognise(grid).tables
    return tables


def _rows(table: dict, *keys: str) -> list[tuple]:
    return [tuple(indicator.get(key) for key in keys) for indicator in table["indicators"]]


# ---------------------------------------------------------------- a form run together on one line

BLOCKS_RUN_TOGETHER = (
    "项目绩效目标表(2024年度)填报单位(盖章):青禾镇人民政府 项目名称村道硬化工程项目属性新增项目□延续项目√"
    "主管部门青禾镇主管部门编码项目单位青禾镇项目负责人周立新联系电话13900001111"
    "年度资金总额及构成总额420.5万元财政拨款:420.5万元"
    "项目绩效目标长期目标年度目标三年内村道全部硬化完成 本年度12公里村道硬化"
    "长期绩效指标一级指标二级指标指标内容指标值备注"
    "产出指标数量指标硬化村道里程≥36公里质量指标工程验收合格率100%时效指标工程按期完工率≥95%"
    "成本指标每公里造价≤35万元效益指标社会效益指标受益群众人数≥5200人"
    "社会公众或服务对象满意度指标沿线群众满意度≥90%"
    "年度绩效指标一级指标二级指标指标内容指标值备注"
    "产出指标数量指标硬化村道里程≥12公里时效指标完工时间2024年11月底前"
    "效益指标可持续影响指标道路设计使用年限≥15年社会公众或服务对象满意度指标沿线群众满意度≥92%"
)


def test_a_form_run_together_reads_as_its_header_and_both_blocks():
    (table,) = _read(BLOCKS_RUN_TOGETHER)
    assert table["year"] == 2024
    assert table["project"]["name"] == "村道硬化工程"
    assert table["project"]["attribute"] == "延续项目"
    assert table["project"]["manager"] == "周立新"
    assert table["budget"]["total"] == "420.5"
    assert table["long_term_goal"] == "三年内村道全部硬化完成"
    assert table["goal"] == "本年度12公里村道硬化"
    assert _rows(table, "period", "level1", "level2", "level3", "value") == [
        ("long_term", "产出指标", "数量指标", "硬化村道里程", "≥36公里"),
        ("long_term", "产出指标", "质量指标", "工程验收合格率", "100%"),
        ("long_term", "产出指标", "时效指标", "工程按期完工率", "≥95%"),
        ("long_term", "产出指标", "成本指标", "每公里造价", "≤35万元"),
        ("long_term", "效益指标", "社会效益指标", "受益群众人数", "≥5200人"),
        ("long_term", "满意度指标", "社会公众或服务对象满意度指标", "沿线群众满意度", "≥90%"),
        ("annual", "产出指标", "数量指标", "硬化村道里程", "≥12公里"),
        ("annual", "产出指标", "时效指标", "完工时间", "2024年11月底前"),
        ("annual", "效益指标", "可持续影响指标", "道路设计使用年限", "≥15年"),
        ("annual", "满意度指标", "社会公众或服务对象满意度指标", "沿线群众满意度", "≥92%"),
    ]


# ---------------------------------------------------------------- cells parted by single spaces, split value columns

SPLIT_SINGLE_SPACES = """\
项目绩效目标表
(2023年度)
申报单位 东川区园林所 项目(专项)名称 街心公园补植
项目负责人 许晴 联系电话 023-66660000
资金情况(万元) 年度资金总额: 86.4
其中:1.中央资金 0 2.市级资金 20 3.区级资金 66.4
项目年度目标 补植乔木并养护到位
一级指标 二级指标 三级指标 计量单位 指标性质 指标值
产出指标 数量指标 补植乔木数量 株 ≥ 640
养护面积 平方米 = 5200
质量指标 苗木成活率( ≥**% ) % ≥ 92
时效指标 补植完成时间 定性 2023年4月底前
效益指标 生态效益指标 新增绿化覆盖面积 平方米 ≥ 1800
满意度指标 服务对象满意度指标 周边居民满意度 % ≥ 90
"""


def test_single_spaces_and_split_sign_and_unit_columns_read_into_their_parts():
    (table,) = _read(SPLIT_SINGLE_SPACES)
    assert table["year"] == 2023
    assert table["project"]["name"] == "街心公园补植"
    assert table["project"]["manager"] == "许晴"
    assert table["budget"]["total"] == "86.4"
    assert table["goal"] == "补植乔木并养护到位"
    assert _rows(table, "level1", "level2", "level3", "value", "comparator", "number", "unit") == [
        ("产出指标", "数量指标", "补植乔木数量", "≥640株", "≥", "640", "株"),
        ("产出指标", "数量指标", "养护面积", "=5200平方米", "=", "5200", "平方米"),
        ("产出指标", "质量指标", "苗木成活率( ≥**% )", "≥92%", "≥", "92", "%"),
        ("产出指标", "时效指标", "补植完成时间", "2023年4月底前", "定性", None, None),
        ("效益指标", "生态效益指标", "新增绿化覆盖面积", "≥1800平方米", "≥", "1800", "平方米"),
        ("满意度指标", "服务对象满意度指标", "周边居民满意度", "≥90%", "≥", "90", "%"),
    ]


# ---------------------------------------------------------------- a department (整体) form with weights, run together

DEPARTMENT_RUN_TOGETHER = """\
2024年部门(单位)整体绩效目标表
单位:万元
部门(单位)名称桐林街道办事处区级支出预算总量1520.8
当年整体绩效目标保障街道机关正常运转,做好辖区道路养护和民生救助。
绩效指标指标名称指标权重计量单位指标性质指标值
预算执行率20%≥95
道路养护里程15公里=48
救助金发放及时率15%=100
辖区环境整治成效20明显改善
服务对象满意度10%≥90
"""


def test_a_department_form_run_together_splits_weight_unit_sign_and_value():
    (table,) = _read(DEPARTMENT_RUN_TOGETHER)
    assert table["kind"] == "department"
    assert table["year"] == 2024
    assert table["organization"]["name"] == "桐林街道办事处"
    assert table["budget"]["total"] == "1520.8"
    assert table["goal"] == "保障街道机关正常运转,做好辖区道路养护和民生救助。"
    assert _rows(table, "level3", "weight", "value") == [
        ("预算执行率", "20", "≥95%"),
        ("道路养护里程", "15", "=48公里"),
        ("救助金发放及时率", "15", "=100%"),
        ("辖区环境整治成效", "20", "明显改善"),
        ("服务对象满意度", "10", "≥90%"),
    ]


# ---------------------------------------------------------------- the 2021 scheme: 成本指标 as a 一级

SCHEME_2021_CELLS = """\
项目支出绩效目标表

(2025年度)

项目名称

乡镇卫生院设备购置

主管部门

区卫生健康委员会

实施单位

区卫生健康委员会

年度目标

为8家卫生院配齐基本检验设备

一级指标

二级指标

三级指标

指标值

成本指标

经济成本指标

设备购置单价

≤18万元/台

社会成本指标

对就诊秩序的影响

无明显影响

产出指标

数量指标

购置检验设备台数

=24台

质量指标

设备验收合格率

100%

效益指标

社会效益指标

基层检验服务覆盖率

≥85%

满意度指标

服务对象满意度指标

就诊群众满意度

≥90%
"""


def test_cost_as_a_first_level_category_of_the_2021_scheme_stays_first_level():
    (table,) = _read(SCHEME_2021_CELLS)
    assert _rows(table, "level1", "level2", "level3", "value") == [
        ("成本指标", "经济成本指标", "设备购置单价", "≤18万元/台"),
        ("成本指标", "社会成本指标", "对就诊秩序的影响", "无明显影响"),
        ("产出指标", "数量指标", "购置检验设备台数", "=24台"),
        ("产出指标", "质量指标", "设备验收合格率", "100%"),
        ("效益指标", "社会效益指标", "基层检验服务覆盖率", "≥85%"),
        ("满意度指标", "服务对象满意度指标", "就诊群众满意度", "≥90%"),
    ]


def test_cost_under_output_in_the_2015_scheme_stays_second_level():
    text = (
        "绩效目标表(2022年度)项目名称河道清淤绩效指标一级指标二级指标三级指标指标值"
        "产出指标数量指标清淤河道长度≥8公里成本指标清淤单价≤60元/立方米"
        "效益指标生态效益指标河道水质达标率≥80%满意度指标服务对象满意度指标沿河群众满意度≥90%"
    )
    (table,) = _read(text)
    assert _rows(table, "level1", "level2", "level3", "value") == [
        ("产出指标", "数量指标", "清淤河道长度", "≥8公里"),
        ("产出指标", "成本指标", "清淤单价", "≤60元/立方米"),
        ("效益指标", "生态效益指标", "河道水质达标率", "≥80%"),
        ("满意度指标", "服务对象满意度指标", "沿河群众满意度", "≥90%"),
    ]


# ---------------------------------------------------------------- the pieces and their places


def test_run_together_cells_are_cut_at_the_forms_words_and_values_keeping_their_line():
    found = pieces("项目名称农村道路维护\n项目主管部门交通局项目执行单位公路站\n绩 效 指 标\n经济效益\n指标")
    assert [(p.text, p.line) for p in found] == [
        ("项目名称", 1),
        ("农村道路维护", 1),
        ("项目主管部门", 2),
        ("交通局", 2),
        ("项目执行单位", 2),
        ("公路站", 2),
        ("绩效指标", 3),
        ("经济效益指标", 4),
    ]


def test_a_long_text_that_only_mentions_a_label_stays_one_cell():
    goal = "因财政资金紧张,本年度结转上年项目资金用于场馆维护,保障赛事如期举办。"
    assert [p.text for p in pieces(goal)] == [goal]


def test_messages_name_the_line_a_cell_came_from():
    (grid,) = read_web_text(BLOCKS_RUN_TOGETHER, "网页文字")
    assert grid.rows[0][0].place == "第1行第1格"
    text = (
        "绩效目标表(2022年度)\n项目名称 河道清淤\n"
        "一级指标 二级指标 三级指标 指标值\n产出指标 数量指标 清淤河道长度 ≥8公里"
    )
    (grid,) = read_text(text)
    last = grid.rows[-1]
    assert [cell.place for cell in last if cell.text] == ["第4行第1格", "第4行第2格", "第4行第3格", "第4行第4格"]


def test_copied_excel_cells_and_text_whose_rows_line_up_are_read_by_their_separators():
    tabs = "一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t清淤河道长度\t≥8公里\n"
    (grid,) = read_text(tabs)
    assert lines_up(grid)
    assert [cell.text for cell in grid.rows[1]] == ["产出指标", "数量指标", "清淤河道长度", "≥8公里"]
    pipes = "| 一级指标 | 二级指标 | 三级指标 | 指标值 |\n| 产出指标 | 数量指标 | 清淤河道长度 | ≥8公里 |\n"
    (grid,) = read_text(pipes)
    assert lines_up(grid) and grid.rows[1][0].place == "第2行第1格"


def test_a_page_with_two_tables_gives_one_grid_each():
    one = "项目支出绩效目标表(2025年度)项目名称{name}一级指标二级指标三级指标指标值产出指标数量指标{what}≥{n}场"
    text = one.format(name="城区篮球联赛", what="举办比赛场次", n=40) + "\n"
    text += one.format(name="社区健身讲座", what="举办讲座场次", n=12)
    tables = _read(text)
    assert [t["project"]["name"] for t in tables] == ["城区篮球联赛", "社区健身讲座"]
    assert [_rows(t, "level3", "value") for t in tables] == [[("举办比赛场次", "≥40场")], [("举办讲座场次", "≥12场")]]


def test_core_marks_leave_the_name_for_the_core_column():
    text = (
        "绩效目标申报表(2018年度)\n项目名称 村级光伏电站\n一级指标 二级指标 三级指标 指标值 备注\n"
        "产出指标 数量指标 *建成电站个数(≥**个) >=3个\n质量指标 并网验收合格率 100%\n"
    )
    (table,) = _read(text)
    assert _rows(table, "level3", "value", "core") == [
        ("建成电站个数(≥**个)", ">=3个", True),
        ("并网验收合格率", "100%", False),  # the form marks core indicators: an unmarked one is not
    ]


# ---------------------------------------------------------------- the transcriptions' forms, flattened


def _form(name: str):
    tables, layout = transcription(name)
    return tables, layout, form_grid(tables if len(tables) > 1 else tables[0], layout)


def _flattened(grid, joiner: str) -> str:
    return "\n".join(joiner.join(text.replace("\n", "") for text in row if text) for row in web_rows(grid)) + "\n"


# Forms whose every printed field reads back from each flattening, but for the gaps named below (the rest lose
# what no reader can tell apart without separators: two goal texts side by side, a grade table, sub-project columns).
SINGLE_SPACE_FORMS = [
    "02_Hubei_2020_project.json",
    "03_Hubei_2021_project.json",
    "09_Hunan_2018_project.json",
    "10_Hunan_2018_project.json",
    "15_Chongqing_2022_project.json",
    "17_Tianjin_2020_project.json",
    "21_Anhui_2021_project.json",
    "22_Anhui_2024_project.json",
    "23_Anhui_2023_project.json",
    "24_Sichuan_2021_project.json",
    "30_Fujian_2022_project.json",
]
# What these flattened forms still lose (the share reached when written):
FLATTENED_GAPS = {
    # `（二）自有资金小计 0.00` and `（三）其他收入 0.00` on lines of their own are not read (46/48)
    "24_Sichuan_2021_project.json": 0.95,
    # one value column per village: from the 4th row on, the villages' cells read as rows of their own (78/107)
    "30_Fujian_2022_project.json": 0.72,
}


@pytest.mark.parametrize("name", SINGLE_SPACE_FORMS)
def test_a_form_with_its_cells_parted_by_single_spaces_reads_as_its_transcription(name):
    expected, layout, grid = _form(name)
    result = score_tables(expected, _read(_flattened(grid, " ")), layout)
    assert result.ratio >= FLATTENED_GAPS.get(name, 1.0), result.wrong


# Run together, a text value after a text name cannot be told from it (`扶持力度显著提升了…`): these forms'
# values all carry a figure, a sign or a date.
RUN_TOGETHER_FORMS = ["02_Hubei_2020_project.json", "08_Hunan_2022_project.json", "09_Hunan_2018_project.json"]


@pytest.mark.parametrize("name", RUN_TOGETHER_FORMS)
def test_a_form_run_together_line_by_line_keeps_its_indicators(name):
    expected, _, grid = _form(name)
    tables = _read(_flattened(grid, ""))
    want = [(i["level1"], i["level2"], i["level3"], i["value"]) for i in expected[0]["indicators"]]
    assert _rows(tables[0], "level1", "level2", "level3", "value") == want


def test_columns_a_pdf_gave_one_after_the_other_stand_side_by_side_again():
    text = (
        "绩效目标表\n资金名称 乡村学校校舍改造\n"
        "三级指标 新建校舍面积 设备到位率\n年度目标值\n1200平方米 100%\n实施周期目标值\n3600平方米 100%\n"
    )
    (table,) = _read(text)
    assert sorted(_rows(table, "period", "level3", "value")) == [
        ("annual", "新建校舍面积", "1200平方米"),
        ("annual", "设备到位率", "100%"),
        ("long_term", "新建校舍面积", "3600平方米"),
        ("long_term", "设备到位率", "100%"),
    ]


def test_a_title_the_page_wrapped_over_lines_is_one_title_with_its_year():
    text = (
        "附件\n东山市农村供水专项(水厂\n提标改造项目)2023年\n中央预算内投资计划绩效目标表\n"
        "专项名称农村供水专项\n总 体 目 标 完成2座水厂提标改造\n"
        "一级指标二级指标三级指标指标值\n实施效果指标产出指标改造水厂数量2座\n"
    )
    (table,) = _read(text)
    assert table["title"] == "东山市农村供水专项(水厂提标改造项目)2023年中央预算内投资计划绩效目标表"
    assert table["year"] == 2023
    assert table["goal"] == "完成2座水厂提标改造"
    assert _rows(table, "level1", "level2", "level3", "value") == [("实施效果指标", "产出指标", "改造水厂数量", "2座")]
