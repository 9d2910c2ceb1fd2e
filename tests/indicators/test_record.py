"""The full indicator record: a 指标值 cell and its printed parts always agree."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.record import (
    ANNUAL,
    LONG_TERM,
    ValueParts,
    join_value,
    parts_agree,
    read_comparator,
    read_core,
    read_direction,
    read_nature,
    read_period,
    read_value_type,
    read_weight,
    reconcile,
    split_value,
)


@pytest.mark.parametrize(
    ("value", "parts"),
    [
        ("≥95%", ("≥", "95", "%", "定量")),
        (">=9套", ("≥", "9", "套", "定量")),
        ("=83人", ("=", "83", "人", "定量")),
        ("≤117.27万元", ("≤", "117.27", "万元", "定量")),
        ("≤245元/人/天", ("≤", "245", "元/人/天", "定量")),
        ("100%", ("", "100", "%", "定量")),  # a bare number: no sign, the checks ask for one
        ("1,000人", ("", "1000", "人", "定量")),
        ("优", ("定性", None, "", "定性")),
        ("显著提高", ("定性", None, "", "定性")),
        ("2023年底完成", ("定量（其他）", None, "", "定量")),
        ("90%-95%", ("定量（其他）", None, "", "定量")),
        ("2023.07-2024.01", ("定量（其他）", None, "", "定量")),  # a period, as the system files it
        ("不适用", ("不适用", None, "", "")),
        ("≥", ("≥", None, "", "")),
        ("", ("", None, "", "")),
    ],
)
def test_a_value_splits_into_the_parts_a_split_form_prints(value, parts):
    comparator, number, unit, value_type = parts
    assert split_value(value) == ValueParts(
        comparator, Decimal(number) if number is not None else None, unit, value_type
    )


@pytest.mark.parametrize(
    ("sign", "number", "unit", "value"),
    [
        ("≥", "95", "%", "≥95%"),
        ("≧", "95", "%", "≥95%"),
        (">=", "95", "%", "≥95%"),
        ("大于等于", "1,000", "人", "≥1000人"),
        ("＞", "3", "个", ">3个"),
        ("=", Decimal("11.00000000"), "个", "=11个"),  # a stored number loses the column's padding
        ("≤", "117.27", "万元", "≤117.27万元"),
        ("", "85", "%", "85%"),
        ("定性", "", "优", "优"),
    ],
)
def test_parts_join_into_the_cell_people_write(sign, number, unit, value):
    assert join_value(sign, number, unit) == value


@given(
    sign=st.sampled_from(["≥", ">", "=", "<", "≤", "≧", "≦", ">=", "<=", "不低于", "不超过"]),
    number=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    unit=st.sampled_from(["%", "人", "个", "万元", "元/人/天", "天", "套"]),
)
def test_joined_parts_split_back_to_the_same_parts(sign, number, unit):
    value = join_value(sign, str(number), unit)
    parts = split_value(value)
    assert parts.comparator == read_comparator(sign)
    assert parts.number == number
    assert parts.unit == unit
    assert parts_agree(value, parts.as_dict())


def test_parts_agree_ignores_blank_parts_and_catches_a_contradiction():
    assert parts_agree("≥95%", {})
    assert parts_agree("≥95%", {"comparator": "≧", "number": "95.0", "unit": "%"})
    assert not parts_agree("≥95%", {"comparator": "≤"})
    assert not parts_agree("≥95%", {"number": "90"})


def test_an_edit_of_the_value_rederives_the_parts():
    old = {"value": "≥95%", **split_value("≥95%").as_dict()}
    assert reconcile(old, {"value": "=3个", "comparator": "≤"}) == {
        "value": "=3个",
        "comparator": "=",
        "number": Decimal("3"),
        "unit": "个",
        "value_type": "定量",
    }


def test_an_edit_of_one_part_rebuilds_the_value():
    old = {"value": "≥95%", **split_value("≥95%").as_dict()}
    assert reconcile(old, {"comparator": "≤"})["value"] == "≤95%"
    assert reconcile(old, {"number": "98"})["value"] == "≥98%"
    assert reconcile(old, {"unit": "个"})["value"] == "≥95个"
    # Sending the unchanged parts with a new value: the value wins.
    assert reconcile(old, {"value": "≥90%", "comparator": "≥", "number": "95", "unit": "%"})["number"] == Decimal("90")


def test_a_number_the_column_cannot_hold_stays_in_the_value_only():
    assert split_value("≥12345678901234567人").number is None
    assert split_value("≥0.123456789%").number is None
    assert split_value("≥1234567890123456人").number == Decimal("1234567890123456")


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("≥", {"comparator": "≥"}),
        ("大于等于", {"comparator": "≥"}),
        ("正向指标", {"direction": "正向"}),
        ("反向", {"direction": "反向"}),
        ("定量", {"value_type": "定量"}),
        ("定性", {"comparator": "定性"}),
        ("说明", {}),
        ("", {}),
    ],
)
def test_a_nature_column_sets_the_field_its_text_names(text, fields):
    assert read_nature(text) == fields


def test_cell_readers():
    assert read_direction("越小越好") == "反向"
    assert read_direction("其他") == ""
    assert read_value_type("定性指标") == "定性"
    assert read_period("中期指标") == LONG_TERM
    assert read_period("实施周期目标值") == LONG_TERM
    assert read_period("年度指标值") == ANNUAL
    assert read_core("★") is True
    assert read_core("否") is False
    assert read_core("") is None
    assert read_weight("10分") == Decimal("10")
    assert read_weight("2.5") == Decimal("2.5")
    assert read_weight("十分") is None


# ---------------------------------------------------------------- stored tables


@pytest.mark.django_db
def test_the_migration_splits_every_stored_value_without_touching_it():
    """The data step of `indicators/0009`, run on rows stored as before the record (parts empty)."""
    from importlib import import_module

    from django.apps import apps

    from indicators.models import Indicator
    from tests.factories import IndicatorFactory

    migration = import_module("indicators.migrations.0009_split_stored_values")
    rows = [IndicatorFactory(value=value) for value in ("≥95%", "=83人", "优", "2023年底", "≥1E+30人", "")]
    Indicator.objects.update(comparator="", number=None, unit="", value_type="")  # as stored before the record

    migration.split_stored_values(apps, None)

    stored = {row.pk: row for row in Indicator.objects.all()}
    for row in rows:
        after = stored[row.pk]
        assert after.value == row.value
        assert ValueParts(after.comparator, after.number, after.unit, after.value_type) == split_value(row.value)
    assert stored[rows[0].pk].number == Decimal("95")
