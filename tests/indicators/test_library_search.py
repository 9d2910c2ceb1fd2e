"""Searching the library by words of a name, a definition or a keyword, name hits first, with filters."""

from __future__ import annotations

import pytest

from indicators.library.search import search_entries, subtree_ids, words_of
from indicators.models import CatalogEntry, LibraryField

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("library_of_its_own")]


@pytest.fixture
def library():
    education = LibraryField.objects.create(code="205", name="教育支出")
    schools = LibraryField.objects.create(code="20502", name="普通教育", parent=education)
    health = LibraryField.objects.create(code="210", name="卫生健康支出")

    def entry(level3: str, field, **more) -> CatalogEntry:
        level1 = more.pop("level1", "产出指标")
        return CatalogEntry.objects.create(
            level1=level1, level2="数量指标", level3=level3, field=field, origin="workbook", **more
        )

    return {
        "name": entry("学生资助覆盖率", schools, definition="获得资助的学生占应资助学生的比例"),
        "keyword": entry("助学金发放人数", schools, keywords="资助，助学金"),
        "definition": entry("免费教科书发放率", education, definition="按规定享受资助政策发放教科书的比例"),
        "health": entry("疫苗接种率", health, level1="效益指标", definition="适龄儿童接种疫苗的比例"),
        "retired": entry("资助资金拨付率", schools, active=False),
        "schools": schools,
        "education": education,
    }


def names(entries) -> list[str]:
    return [e.level3 for e in entries]


def test_a_word_finds_names_first_then_keywords_then_definitions(library):
    assert names(search_entries("资助")) == ["学生资助覆盖率", "助学金发放人数", "免费教科书发放率"]


def test_every_word_must_be_found_somewhere(library):
    assert names(search_entries("资助 教科书")) == ["免费教科书发放率"]
    assert names(search_entries("接种　儿童")) == ["疫苗接种率"]
    assert names(search_entries("没有的词")) == []


def test_filters_narrow_by_field_subtree_level1_origin_and_state(library):
    assert names(search_entries("", field_id=library["education"].pk)) == [
        "免费教科书发放率", "助学金发放人数", "学生资助覆盖率",
    ]  # fmt: skip
    assert names(search_entries("资助", field_id=library["schools"].pk)) == ["学生资助覆盖率", "助学金发放人数"]
    assert names(search_entries("", level1="效益指标", origin="workbook")) == ["疫苗接种率"]
    assert names(search_entries("资助", active=False)) == ["资助资金拨付率"]
    assert set(subtree_ids(library["education"].pk)) == {library["education"].pk, library["schools"].pk}


def test_words_are_split_on_spaces_and_commas_and_kept_short():
    assert words_of(" 资助，覆盖率  学生, 率 ") == ["资助", "覆盖率", "学生", "率"]
    assert words_of("字" * 500) == ["字" * 100]


def test_a_search_is_one_query(library, django_assert_num_queries):
    with django_assert_num_queries(1):  # the entries, ranked
        assert len(list(search_entries("资助 学生"))) == 1
