"""The one scorer of a recognised form (`tables.imports.recognise.score`): fields right / fields present.

The tables and the page here are written for these tests.
"""

from __future__ import annotations

import copy

from tables.imports.recognise.score import score_table, score_tables

LAYOUT = {"header": [{"key": "project_name"}], "columns": ["level1", "level2", "level3", "value"]}


def _table(name: str, rows: list[tuple[str, str]]) -> dict:
    return {
        "kind": "project",
        "year": 2024,
        "project": {"name": name},
        "indicators": [
            {"level1": "产出指标", "level2": "数量指标", "level3": level3, "value": value} for level3, value in rows
        ],
    }


FIRST = _table("城区篮球联赛", [("举办比赛场次", "≥40场"), ("参赛队伍数", "≥16支")])
SECOND = _table("社区健身讲座", [("举办讲座场次", "≥12场"), ("听讲人数", "≥600人")])


def test_the_same_table_scores_every_field_right():
    result = score_tables([FIRST, SECOND], copy.deepcopy([FIRST, SECOND]), LAYOUT)
    # kind, year, the project name and four cells of two rows, per table
    assert (result.right, result.present) == (22, 22)


def test_a_misread_name_is_compared_with_the_row_in_its_place_and_a_row_too_many_counts_once():
    got = copy.deepcopy(FIRST)
    got["indicators"][0]["level3"] = "举办比赛"
    got["indicators"].append({"level1": "产出指标", "level2": "数量指标", "level3": "页脚", "value": None})
    result = score_table(FIRST, got, LAYOUT)
    assert (result.right, result.present) == (10, 12)
    assert result.wrong == (
        "indicators[1].level3: '举办比赛场次' ≠ '举办比赛'",
        "indicators (read) 3: unexpected '页脚'",
    )


def test_rows_are_found_by_name_so_a_row_read_first_is_not_blamed_on_every_row_after_it():
    got = copy.deepcopy(FIRST)
    got["indicators"].insert(0, {"level1": None, "level2": None, "level3": "村名", "value": None})
    result = score_table(FIRST, got, LAYOUT)
    assert (result.right, result.present) == (11, 12)
    assert result.wrong == ("indicators (read) 1: unexpected '村名'",)


def test_with_the_published_text_only_the_fields_it_shows_count():
    page = "2024年度 项目名称 城区篮球联赛 产出指标 数量指标 举办比赛场次 ≥40场"  # the page stops after one row
    got = copy.deepcopy(FIRST)
    got["indicators"][0]["value"] = "40场"
    del got["indicators"][1]
    result = score_tables([FIRST], [got], LAYOUT, shown=page)
    # the year, the project name and the first row's four cells (kind `project` is not printed; row 2 is not shown)
    assert (result.right, result.present) == (5, 6)
    assert result.wrong == ("indicators[1].value: '≥40场' ≠ '40场'",)


def test_a_page_holding_two_tables_scores_each_on_its_own_part():
    page = (
        "项目名称 城区篮球联赛 产出指标 数量指标 举办比赛场次 ≥40场 参赛队伍数 ≥16支 "
        "项目名称 社区健身讲座 产出指标 数量指标 举办讲座场次 ≥12场"
    )
    second = copy.deepcopy(SECOND)
    second["indicators"][0]["value"] = "≥16支"  # a value the page shows, but in the first table's part
    read = copy.deepcopy(SECOND)
    result = score_tables([FIRST, second], [FIRST, read], LAYOUT, shown=page)
    # first: its name and 2 rows × 4 cells; second: its name and its one shown row's 一级, 二级 and 三级
    # (听讲人数 is not on the page; `≥16支` is not in its part, so the `≥12场` read there is not blamed)
    assert (result.right, result.present) == (9 + 4, 9 + 4)
    whole_page = score_table(second, read, LAYOUT, shown=page)
    assert whole_page.wrong == ("indicators[1].value: '≥16支' ≠ '≥12场'",)
    extra = score_tables([FIRST], [FIRST, SECOND], LAYOUT, shown=page)
    assert extra.wrong == ("tables[2]: unexpected None",)
