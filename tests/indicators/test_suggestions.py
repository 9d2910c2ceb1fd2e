"""The suggestion engine on plain data: each source, reasons, no repeats, the near-same rule."""

from __future__ import annotations

import pytest

from indicators.suggestions import (
    SOURCE_LAST_YEAR,
    SOURCE_LIBRARY,
    SOURCE_SIMILAR,
    Ask,
    Index,
    Item,
    LibraryDoc,
    TableDoc,
    core_key,
    near_same,
    terms,
)


def _doc(pk: int, organisation: str, name: str, goal: str, names: list[str], *, kind="project", year=2024):
    items = tuple(Item("产出指标", "数量指标", n, f"≥{pk}0个", "计划标准", f"{n}的解释") for n in names)
    return TableDoc(pk, organisation, year, kind, name, f"{name}\n{name}\n{goal}", items)


FARMLAND = _doc(
    1,
    "甲县农业农村局",
    "高标准农田建设项目",
    "新建高标准农田1万亩，提高粮食产能",
    ["新建高标准农田面积", "亩均粮食产能提高", "受益农户满意度"],
)
FARMLAND_TOO = _doc(
    2,
    "乙县农业农村局",
    "2023年高标准农田建设",
    "建设高标准农田，改善灌溉条件",
    ["新建高标准农田面积", "灌溉面积", "受益农户满意度"],
)
SCHOOL = _doc(
    3, "丙区教育局", "学校校舍维修改造", "改造薄弱学校校舍，改善办学条件", ["校舍维修改造面积", "学生家长满意度"]
)
DEPARTMENT = _doc(4, "丁局", "丁局", "保障高标准农田运转", ["保障在职人员人数"], kind="department")
LIBRARY = [
    LibraryDoc(
        10,
        "农林水 / 农业",
        "耕地质量等级提升 耕地质量等级提升 数量指标 农林水 农业 高标准农田 耕地 反映建成的高标准农田耕地质量",
        Item("产出指标", "质量指标", "耕地质量等级提升", "≥0.5等", "行业标准", "反映耕地质量等级的提升"),
    ),
    LibraryDoc(11, "教育", "校舍安全达标率 教育 校舍", Item("产出指标", "质量指标", "校舍安全达标率", "=100%")),
]


@pytest.fixture
def index() -> Index:
    return Index([FARMLAND, FARMLAND_TOO, SCHOOL, DEPARTMENT], LIBRARY)


def test_terms_are_chinese_bigrams_and_latin_runs():
    assert terms("高标准 农田2024年ABC") == ["高标", "标准", "农田", "2024", "年", "abc"]


def test_similar_approved_tables_rank_an_indicator_several_of_them_used_higher(index):
    found = index.suggest(Ask("高标准农田建设 新建高标准农田", "project"), 10)
    names = [s.item.level3 for s in found]
    assert names[0] in ("新建高标准农田面积", "受益农户满意度")  # used by both farmland tables
    assert names.index("新建高标准农田面积") < names.index("灌溉面积")
    first = found[0]
    assert first.source == SOURCE_SIMILAR
    assert "同类项目已批复使用（相似度 0." in first.reason and "等 2 个" in first.reason
    assert "农业农村局《" in first.reason
    assert first.item.value and first.item.basis == "计划标准" and first.item.explanation


def test_tables_of_another_kind_and_dissimilar_tables_give_nothing_of_theirs(index):
    names = [s.item.level3 for s in index.suggest(Ask("高标准农田建设", "project"), 10)]
    assert "保障在职人员人数" not in names  # a department table
    assert "校舍维修改造面积" not in names  # nothing in common with farmland


def test_the_library_is_searched_by_name_definition_and_keywords(index):
    found = index.suggest(Ask("高标准农田 耕地", "project"), 10)
    library = [s for s in found if s.source == SOURCE_LIBRARY]
    assert [s.item.level3 for s in library] == ["耕地质量等级提升"]
    assert library[0].reason.startswith("指标库：农林水 / 农业（相似度 ")
    assert library[0].item.explanation == "反映耕地质量等级的提升"


def test_last_years_indicators_come_first_and_say_so(index):
    last = (Item("产出指标", "数量指标", "机耕路修建长度", "≥5公里", "历史标准"),)
    found = index.suggest(Ask("高标准农田建设", "project", last_year=last, last_year_label="2024年"), 10)
    assert found[0].item.level3 == "机耕路修建长度"
    assert found[0].source == SOURCE_LAST_YEAR and found[0].reason == "本单位上年已用（2024年）"


def test_an_indicator_the_table_has_or_a_near_same_one_is_never_suggested(index):
    last = (Item("产出指标", "数量指标", "灌溉面积", "≥1亩"),)
    ask = Ask("高标准农田建设", "project", present=("1.新建 高标准农田面积", "受益农户满意度(%)"), last_year=last)
    names = [s.item.level3 for s in index.suggest(ask, 10)]
    assert "新建高标准农田面积" not in names and "受益农户满意度" not in names
    assert names.count("灌溉面积") == 1  # last year and a similar table: once, the stronger source


def test_a_suggestion_found_by_two_sources_keeps_the_other_reason(index):
    last = (Item("产出指标", "数量指标", "灌溉面积", "≥1亩"),)
    found = index.suggest(Ask("高标准农田建设", "project", last_year=last, last_year_label="2024年"), 10)
    both = next(s for s in found if s.item.level3 == "灌溉面积")
    assert both.source == SOURCE_LAST_YEAR and any("同类项目已批复使用" in more for more in both.more)


def test_the_table_itself_is_left_out_of_the_corpus(index):
    names = [s.item.level3 for s in index.suggest(Ask("高标准农田建设", "project", exclude_table=2), 10)]
    assert "灌溉面积" not in names  # only table 2 used it
    assert "新建高标准农田面积" in names


def test_the_limit_holds_and_an_empty_text_asks_only_the_common_ones(index):
    assert len(index.suggest(Ask("高标准农田建设 校舍 耕地", "project"), 2)) == 2
    common = index.suggest(Ask("", "project"), 10)
    assert {s.item.level3 for s in common} == {"新建高标准农田面积", "受益农户满意度"}  # used by ≥ 2 organisations
    assert all(s.reason == "2 个单位的已批复同类表使用" for s in common)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("项目验收合格率", "项目验收合格率", True),
        ("1. 项目验收合格率", "项目验收合格率", True),  # numbering and spaces (name_key)
        ("指标1:工程验收合格率(%)", "工程验收合格率", True),  # a form's label and a bracketed unit
        ("项目验收合格率", "验收合格率", True),  # Dice 0.8
        ("培训人次", "培训人数", True),  # Dice 0.67
        ("资金发放及时率", "资金支付及时率", False),  # Dice 0.5: which money
        ("服务对象满意度", "群众满意度", False),  # Dice 0.4: whose satisfaction
        ("满意度", "", False),
    ],
)
def test_near_same_names(a, b, same):
    assert near_same(a, b) is same
    assert near_same(b, a) is same


def test_near_same_at_its_threshold():
    # 3 of 5 + 5 bigrams shared (Dice 0.6) is near-same; 2 of 4 + 4 (0.5) is not.
    assert near_same("甲乙丙丁戊己", "甲乙丙丁庚辛")
    assert not near_same("甲乙丙丁戊", "甲乙丙庚辛")


def test_core_key_keeps_a_name_that_is_all_brackets():
    assert core_key("(%)") == "(%)"
    assert core_key("【说明】满意度") == "满意度"


def test_one_organisations_booklet_is_one_voice():
    """Twenty projects of one bureau sharing a boilerplate indicator do not outvote two organisations."""
    booklet = [
        _doc(100 + i, "戊区财政局", f"戊区专项{i}", "按标准安排经费", ["按标准安排经费", f"专项{i}完成数"])
        for i in range(20)
    ]
    index = Index([FARMLAND, FARMLAND_TOO, SCHOOL, *booklet], [])
    common = index.suggest(Ask("", "project"), 10)
    assert [s.item.level3 for s in common] == ["受益农户满意度", "新建高标准农田面积"]  # used by 2 organisations
    found = index.suggest(Ask("高标准农田建设", "project"), 10)
    assert found[0].item.level3 == "新建高标准农田面积"  # two similar organisations, before any booklet row
