"""The starter library written for the project: enough entries, each complete and readable, loaded once."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest

from indicators.catalog import COMMON_INDICATORS, name_key
from indicators.library.starter import (
    EDITION_NAME,
    FREQUENCIES,
    SCORING_RULES,
    StarterDataError,
    load_starter,
    read_entries,
)
from indicators.models import CatalogEntry, LibraryEdition, LibraryField
from indicators.record import BACKWARD, FORWARD, QUALITATIVE, QUANTITATIVE, split_value
from indicators.values import QUANTITATIVE_OTHER, parse_value

pytestmark = pytest.mark.django_db


def starter_entries():
    return list(CatalogEntry.objects.filter(origin="starter").select_related("field__parent__parent"))


def top_field(entry: CatalogEntry) -> LibraryField:
    field = entry.field
    while field.parent_id is not None:
        field = field.parent
    return field


def test_the_migrations_load_at_least_300_entries_marked_as_the_projects_own():
    edition = LibraryEdition.objects.get(source="starter")
    entries = starter_entries()
    assert edition.name == EDITION_NAME
    assert len(entries) >= 300
    assert all(e.edition_id == edition.pk and e.field_id is not None and e.active for e in entries)


def test_ten_fields_hold_twenty_entries_each_with_output_benefit_and_satisfaction():
    by_field = defaultdict(list)
    for entry in starter_entries():
        by_field[top_field(entry).name].append(entry)
    full = {name for name, entries in by_field.items() if len(entries) >= 20}
    assert len(full) >= 10, {name: len(entries) for name, entries in by_field.items()}
    for name in full:
        assert {e.level1 for e in by_field[name]} == {"产出指标", "效益指标", "满意度指标"}, name


def test_the_fields_use_the_functional_classification_codes():
    tops = {f.code: f.name for f in LibraryField.objects.filter(parent=None)}
    for code in ("201", "204", "205", "206", "207", "208", "210", "211", "212", "213", "214", "221"):
        assert code in tops
    assert LibraryField.objects.get(code="20502").parent.code == "205"
    assert LibraryField.objects.get(name="机关运转").parent.code == "201"
    assert LibraryField.objects.get(name="部门整体支出共性指标").parent.name == "共性指标"


def test_every_entry_has_a_definition_a_formula_a_source_and_a_unit_or_is_qualitative():
    for e in starter_entries():
        assert e.definition and e.formula and e.data_source and e.keywords and e.scoring, e.level3
        assert e.frequency in FREQUENCIES and e.basis.endswith("标准"), e.level3
        assert e.unit or e.value_type == QUALITATIVE or e.comparator == QUANTITATIVE_OTHER, e.level3


def test_every_rate_is_defined_by_a_formula_with_its_name():
    for e in starter_entries():
        if e.unit == "%" and e.level3.endswith("率"):
            assert e.formula.startswith(f"{e.level3} = ") and "÷" in e.formula, e.level3


def test_every_value_reads_and_agrees_with_its_comparator_unit_type_and_direction():
    for e in starter_entries():
        parsed = parse_value(e.value)
        parts = split_value(e.value)
        assert parsed.kind != "unparseable", e.level3
        assert (parts.comparator, parts.unit, parts.value_type) == (e.comparator, e.unit, e.value_type), e.level3
        assert e.value_type in (QUANTITATIVE, QUALITATIVE)
        if parsed.comparator in ("≥", ">") and parsed.kind != "date":
            assert e.direction == FORWARD, e.level3
        elif parsed.comparator in ("≤", "<") and parsed.kind != "date":
            assert e.direction == BACKWARD, e.level3
        else:
            assert e.direction in (FORWARD, BACKWARD), e.level3
        if parsed.is_percent:
            assert 0 <= parsed.number <= 100, e.level3
            assert e.accumulation == "时点型", e.level3
        if e.level1 == "满意度指标" and parsed.is_percent and "满意" in e.level3:
            assert parsed.comparator == "≥" and parsed.number >= 80, e.level3


def test_no_two_entries_share_a_name_within_a_field_or_across_the_library():
    keys = Counter(name_key(e.level3) for e in starter_entries())
    assert [name for name, count in keys.items() if count > 1] == []


def test_common_and_specific_follow_the_field():
    for e in starter_entries():
        assert e.nature == ("共性" if top_field(e).name == "共性指标" else "个性"), e.level3


def test_the_26_examples_of_migration_0005_are_present_once_under_a_field():
    for level1, level2, level3, _, _ in COMMON_INDICATORS:
        rows = list(CatalogEntry.objects.filter(level3=level3))
        assert len(rows) == 1, level3
        assert (rows[0].level1, rows[0].level2, rows[0].origin) == (level1, level2, "starter")
        assert rows[0].field_id is not None and rows[0].definition


def test_scoring_follows_the_value_type_and_direction():
    scoring = dict(CatalogEntry.objects.filter(origin="starter").values_list("level3", "scoring"))
    assert scoring["服务对象满意度"] == SCORING_RULES["satisfaction"]
    assert scoring["结转结余率"] == SCORING_RULES["rate_down"]
    assert scoring["预算执行率"] == SCORING_RULES["rate_up"]
    assert scoring["环境污染事件发生次数"] == SCORING_RULES["none_happened"]
    assert scoring["培训人次"] == SCORING_RULES["count_up"]
    assert scoring["故障修复响应时间"] == SCORING_RULES["limit_down"]
    assert scoring["项目完成时间"] == SCORING_RULES["deadline"]
    assert scoring["长效管理机制健全性"] == SCORING_RULES["grade"]


def test_loading_again_changes_nothing():
    before = sorted(CatalogEntry.objects.values_list("pk", "field_id", "level3", "value", "definition"))
    fields = LibraryField.objects.count()
    edition = load_starter()
    assert sorted(CatalogEntry.objects.values_list("pk", "field_id", "level3", "value", "definition")) == before
    assert LibraryField.objects.count() == fields and LibraryEdition.objects.filter(source="starter").count() == 1
    assert (edition.added, edition.updated, edition.retired) == (0, 0, 0)
    assert edition.unchanged == len(read_entries())


def test_a_reload_restores_an_edited_entry_and_adopts_a_shipped_row_without_a_field():
    edited = CatalogEntry.objects.get(level3="预算执行率")
    CatalogEntry.objects.filter(pk=edited.pk).update(definition="改过", value="≥50%")
    shipped = CatalogEntry.objects.get(level3="群众满意度")
    CatalogEntry.objects.filter(pk=shipped.pk).update(field=None, edition=None, definition="")
    edition = load_starter()
    edited.refresh_from_db()
    shipped.refresh_from_db()
    assert edited.value == "≥95%" and edited.definition != "改过"
    assert shipped.field_id is not None and shipped.definition
    assert CatalogEntry.objects.filter(level3="群众满意度").count() == 1
    assert (edition.added, edition.updated) == (0, 2)


def test_a_reload_never_touches_workbook_or_table_entries():
    taken = CatalogEntry.objects.get(level3="预算执行率")
    field, level2 = taken.field, taken.level2
    taken.delete()
    workbook = CatalogEntry.objects.create(
        field=field, level1="产出指标", level2=level2, level3="预算执行率", value="≥90%", origin="workbook"
    )
    from_table = CatalogEntry.objects.create(level1="产出指标", level2="数量指标", level3="某表的指标", value="=1项")
    load_starter()
    assert list(CatalogEntry.objects.filter(level3="预算执行率").values_list("pk", "origin", "value")) == [
        (workbook.pk, "workbook", "≥90%")
    ]
    from_table.refresh_from_db()
    assert (from_table.origin, from_table.field_id, from_table.edition_id) == ("table", None, None)


def test_an_entry_dropped_from_the_data_is_retired_and_comes_back_when_restored():
    edition = LibraryEdition.objects.get(source="starter")
    field = LibraryField.objects.get(name="机关运转")
    dropped = CatalogEntry.objects.create(
        field=field, level1="产出指标", level2="数量指标", level3="已删去的指标", origin="starter", edition=edition
    )
    admin_made = CatalogEntry.objects.create(
        level1="产出指标", level2="数量指标", level3="管理员加的", origin="starter"
    )  # no edition
    assert load_starter().retired == 1
    dropped.refresh_from_db()
    admin_made.refresh_from_db()
    assert dropped.retired_at is not None and not dropped.active
    assert admin_made.retired_at is None and admin_made.active

    back = CatalogEntry.objects.get(level3="培训人次")
    CatalogEntry.objects.filter(pk=back.pk).update(active=False, retired_at=dropped.retired_at)
    load_starter()
    back.refresh_from_db()
    assert back.active and back.retired_at is None


def test_bad_data_names_the_file_and_row(tmp_path):
    path = tmp_path / "entries.csv"
    path.write_text(
        "行业/领域,一级指标,二级指标,三级指标,参考指标值,指标方向,指标解释,计算公式/统计口径,数据来源,采集频率,绩效标准,关键词,累计方式\n"
        "机关运转,产出指标,数量指标,保障会议次数,≥,,开会,按纪要统计,纪要,年度,计划标准,会议,\n",
        encoding="utf-8",
    )
    with pytest.raises(StarterDataError, match=re.escape("entries.csv 第2行（保障会议次数）：参考指标值“≥”无法识别")):
        read_entries(path)
    path.write_text(
        "行业/领域,一级指标,二级指标,三级指标,参考指标值,指标方向,指标解释,计算公式/统计口径,数据来源,采集频率,绩效标准,关键词,累计方式\n"
        "机关运转,效益指标,数量指标,保障会议次数,≥12次,,开会,按纪要统计,纪要,年度,计划标准,会议,\n",
        encoding="utf-8",
    )
    with pytest.raises(StarterDataError, match="二级指标“数量指标”不属于一级指标“效益指标”"):
        read_entries(path)
