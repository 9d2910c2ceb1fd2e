"""An edition against the library: previewed (added / updated with what changed / unchanged / retired),
then applied in one transaction; starter and 纳入 entries are never retired, tables keep their rows."""

from __future__ import annotations

import io

import openpyxl
import pytest

from indicators.library.editions import apply_edition, preview_edition
from indicators.library.starter import load_starter
from indicators.library.workbook import read_library
from indicators.models import CatalogEntry, LibraryEdition, LibraryField
from tests.builders.library import library_rows, library_workbook

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("library_of_its_own")]

HEADER = ["类", "款", "一级指标", "二级指标", "三级指标", "指标解释", "参考指标值", "指标编码"]


def book_of(rows: list[list]):
    workbook = openpyxl.Workbook()
    for row in [HEADER, *rows]:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return read_library(out.getvalue(), "库.xlsx")


FIRST = [
    ["205 教育支出", "20502 普通教育", "产出指标", "数量指标", "在校生人数", "在校学生人数", "≥1000人", "JY001"],
    ["205 教育支出", "20502 普通教育", "产出指标", "质量指标", "毕业率", "毕业生占比", "≥95%", ""],
    ["210 卫生健康支出", "21004 公共卫生", "满意度指标", "服务对象满意度指标", "居民满意度", "满意的比例", "≥90%", ""],
]


def test_a_first_edition_adds_every_row_under_its_field_tree():
    edition, preview = apply_edition(book_of(FIRST), name="第一版")

    assert preview.counts == {"added": 3, "updated": 0, "unchanged": 0, "retired": 0}
    assert (edition.added, edition.source) == (3, LibraryEdition.Source.WORKBOOK)
    entry = CatalogEntry.objects.get(level3="在校生人数")
    assert (entry.origin, entry.code, entry.edition, entry.active) == ("workbook", "JY001", edition, True)
    assert (entry.field.code, entry.field.name, entry.field.parent.name) == ("20502", "普通教育", "教育支出")
    assert LibraryField.objects.filter(parent__isnull=True, name__in=["教育支出", "卫生健康支出"]).count() == 2


def test_a_new_edition_updates_adds_and_retires_and_the_preview_says_what_changed():
    apply_edition(book_of(FIRST), name="第一版")
    second = [
        # the code keeps it the same entry although its name changed
        ["205 教育支出", "20502 普通教育", "产出指标", "数量指标", "在校学生数", "在校学生人数", "≥1200人", "JY001"],
        FIRST[1],
        ["205 教育支出", "20502 普通教育", "效益指标", "社会效益指标", "升学率", "升学的比例", "≥80%", ""],
    ]
    preview = preview_edition(book_of(second))
    assert preview.counts == {"added": 1, "updated": 1, "unchanged": 1, "retired": 1}
    assert preview.updated[0].changes == [
        ("三级指标", "在校生人数", "在校学生数"),
        ("参考指标值", "≥1000人", "≥1200人"),
    ]
    assert [e.level3 for e in preview.retired] == ["居民满意度"]
    assert CatalogEntry.objects.filter(origin="workbook").count() == 3  # a preview writes nothing

    edition, _ = apply_edition(book_of(second), name="第二版")

    renamed = CatalogEntry.objects.get(code="JY001")
    assert (renamed.level3, renamed.value, renamed.edition) == ("在校学生数", "≥1200人", edition)
    retired = CatalogEntry.objects.get(level3="居民满意度")
    assert retired.active is False and retired.retired_at is not None
    assert CatalogEntry.objects.get(level3="升学率").active
    assert CatalogEntry.objects.get(level3="毕业率").edition == edition


def test_a_retired_entry_that_comes_back_is_enabled_again():
    apply_edition(book_of(FIRST), name="第一版")
    apply_edition(book_of(FIRST[:2]), name="第二版")
    preview = preview_edition(book_of(FIRST))
    assert preview.counts["updated"] == 1 and ("状态", "已停用", "重新启用") in preview.updated[0].changes
    apply_edition(book_of(FIRST), name="第三版")
    assert CatalogEntry.objects.get(level3="居民满意度").active


def test_starter_and_accepted_entries_are_never_retired_nor_overwritten(world):
    load_starter()  # the starter library this module's other tests leave out
    starter = CatalogEntry.objects.filter(origin="starter")
    starter_count = starter.count()
    assert starter_count > 0  # the examples the migrations ship
    indicator = world.table_a.indicators.order_by("position").first()
    accepted = CatalogEntry.objects.create(
        level1=indicator.level1, level2=indicator.level2, level3=indicator.level3, origin="table",
        source_table=world.table_a, value="原值",
    )  # fmt: skip
    same_name = [["", "", accepted.level1, accepted.level2, accepted.level3, "省库的解释", "≥1", ""]]

    preview = preview_edition(book_of(same_name + FIRST))  # first: a blank 类/款 below others means "same"
    apply_edition(book_of(same_name + FIRST), name="第一版")
    apply_edition(book_of(FIRST[:1]), name="第二版")

    assert preview.counts["added"] == 3
    kept = f"Sheet 第 2 行“{accepted.level3}”：已有同名条目（纳入（来自已批复表）），保留原条目，未导入"
    assert preview.kept == [kept]
    accepted.refresh_from_db()
    assert (accepted.active, accepted.value, accepted.origin) == (True, "原值", "table")
    assert starter.filter(active=True).count() == starter_count


def test_tables_that_used_a_retired_entry_keep_their_rows(world):
    indicator = world.table_a.indicators.order_by("position").first()
    row = [["", "", indicator.level1, indicator.level2, indicator.level3 + "（省库）", "解释", "≥1", "X1"]]
    apply_edition(book_of(row), name="第一版")
    entry = CatalogEntry.objects.get(code="X1")
    indicator.level3, indicator.value = entry.level3, entry.value  # a filler took the entry into a row
    indicator.save()

    apply_edition(book_of(FIRST), name="第二版")

    entry.refresh_from_db()
    indicator.refresh_from_db()
    assert entry.active is False
    assert (indicator.level3, indicator.value) == (entry.level3, "≥1")


def test_an_edition_with_errors_is_not_applied():
    book = book_of([["", "", "产出指标", "数量指标", None, "没有名称", "", ""]])
    assert book.errors
    with pytest.raises(ValueError):
        apply_edition(book, name="坏的")
    assert not LibraryEdition.objects.exists()


def test_the_province_shaped_library_of_five_thousand_rows_imports_and_its_next_edition_updates_it():
    first = read_library(library_workbook(library_rows(5000)), "库.xlsx")
    edition, _ = apply_edition(first, name="2025年版")
    assert edition.added == 5000
    assert CatalogEntry.objects.filter(origin="workbook", active=True).count() == 5000

    second = read_library(library_workbook(library_rows(5000, edition=2)), "库2.xlsx")
    edition, _ = apply_edition(second, name="2026年版")

    assert (edition.added, edition.updated, edition.unchanged, edition.retired) == (50, 500, 4400, 100)
    assert CatalogEntry.objects.filter(origin="workbook", active=True).count() == 4950
