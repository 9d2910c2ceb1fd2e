"""Task rows pasted into step 2 (`tables/editor/pasted_tasks.py`)."""

from __future__ import annotations

from decimal import Decimal

from tables.editor.pasted_tasks import parse_task_rows


def test_printed_label_column_header_and_blank_lines_are_not_tasks():
    text = "年度主要任务\t任务名称\t主要内容\t总额\n\n年度主要任务\t运转保障\t日常运转\t10\n\t培训\t业务培训\t2.5\t\t"
    rows, problems = parse_task_rows(text, with_amounts=True)
    assert [(r["name"], r["content"], r["total"]) for r in rows] == [
        ("运转保障", "日常运转", Decimal("10")),
        ("培训", "业务培训", Decimal("2.5")),
    ]
    assert problems == []


def test_total_rows_are_reported_not_imported():
    rows, problems = parse_task_rows("合计\t\t12.5", with_amounts=True)
    assert rows == []
    assert problems == [(1, "合计\t\t12.5", "合计行由系统计算，未导入")]


def test_extra_cells_are_reported_but_the_task_is_kept():
    rows, problems = parse_task_rows("运转保障\t日常运转\t多余", with_amounts=False)
    assert rows == [{"name": "运转保障", "content": "日常运转"}]
    assert [reason for _, _, reason in problems] == ["多出的单元格未导入：多余"]


def test_a_task_with_an_amount_that_is_not_a_number_is_left_out_with_every_reason_in_column_order():
    line = "运转保障\t日常运转\t十万\t1\t很多\t多余"
    rows, problems = parse_task_rows(line, with_amounts=True)
    assert rows == []
    reasons = [reason for number, text, reason in problems if number == 1 and text == line]
    assert len(reasons) == len(problems) == 3
    assert reasons[0] == "多出的单元格未导入：多余"
    assert "十万" in reasons[1] and "很多" in reasons[2]
