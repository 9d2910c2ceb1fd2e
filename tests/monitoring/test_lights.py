"""The monitoring lights at their boundaries (tables/monitoring/lights.py): pure, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from indicators import record
from tables.monitoring import lights
from tables.monitoring.lights import (
    BLUE,
    CUMULATIVE,
    DEFAULT,
    GREEN,
    POINT,
    RED,
    SICHUAN_2025,
    YELLOW,
    Explanations,
    Thresholds,
    gap_light,
    indicator_light,
    money_light,
    required_explanations,
    worst,
)


def forward(actual, *, number="100", accumulation=POINT, month=12, comparator="≥", t=DEFAULT):
    return indicator_light(
        comparator=comparator,
        number=None if number is None else D(number),
        direction=record.FORWARD,
        value_type=record.QUANTITATIVE,
        accumulation=accumulation,
        actual=None if actual is None else D(actual),
        month=month,
        t=t,
    )


# ---------------------------------------------------------------- money against 序时进度


@pytest.mark.parametrize(
    ("executed", "light"),
    [
        ("29.99", RED),  # 59.98 % of 序时进度 (50 of 100 by June)
        ("30", YELLOW),  # exactly 60 %
        ("39.99", YELLOW),
        ("40", GREEN),  # exactly 80 %
        ("70", GREEN),  # ahead of schedule is never blue for money
    ],
)
def test_money_is_judged_against_time_progress_at_its_boundaries(executed, light):
    verdict = money_light(D(executed), D(100), 6)
    assert verdict.light == light
    assert verdict.ratio == D(executed) / D(100) * 100 / (D(6) / 12)


def test_money_at_the_end_of_july_uses_seven_twelfths():
    # 序时进度 58.33 %: 35 of 100 executed is exactly 60 % of it.
    assert money_light(D(35), D(100), 7).light == YELLOW
    assert money_light(D("34.99"), D(100), 7).light == RED
    assert lights.time_progress(7) == D(7) / 12 * 100


def test_money_without_figures_or_budget_has_no_light():
    assert money_light(None, D(100), 7).label == "未填"
    assert money_light(D(1), None, 7).light is None
    zero = money_light(D(0), D(0), 7)
    assert zero.light is None and "预算数为零" in zero.note


@pytest.mark.parametrize("month", [0, 13])
def test_a_period_outside_the_year_is_refused(month):
    with pytest.raises(ValueError, match="1–12"):
        money_light(D(1), D(2), month)


# ---------------------------------------------------------------- the Sichuan 2025 preset


@pytest.mark.parametrize(
    ("month", "floor"),
    [(4, "25"), (6, "40"), (8, "60"), (10, "80")],
)
def test_sichuan_floors_at_the_end_of_april_june_august_october(month, floor):
    below = money_light(D(floor) - D("0.01"), D(100), month, SICHUAN_2025)
    at = money_light(D(floor), D(100), month, SICHUAN_2025)
    assert below.light == RED and f"{month}月末下限{floor}%" in below.note
    assert at.light == GREEN


def test_sichuan_between_floor_months_keeps_the_last_floor_and_before_april_uses_time_progress():
    # July: June's 40 % floor still applies (39 % is red although it is 67 % of 序时进度).
    assert money_light(D(39), D(100), 7, SICHUAN_2025).light == RED
    assert money_light(D(40), D(100), 7, SICHUAN_2025).light == GREEN
    # March: no floor yet, the 序时进度 rule (15 of 25 = 60 %: yellow).
    assert money_light(D(15), D(100), 3, SICHUAN_2025).light == YELLOW


def test_sichuan_gap_between_targets_and_spending_over_ten_points_is_yellow():
    # June, 50 % executed = 100 % of 序时进度; indicators at 89.99 % → gap 10.01 points.
    assert gap_light([D("89.99")], D(50), D(100), 6, SICHUAN_2025).light == YELLOW
    assert gap_light([D(90)], D(50), D(100), 6, SICHUAN_2025).light == GREEN  # exactly 10: not over
    # completions are capped at 100 %: a blue row does not hide a lagging one
    assert gap_light([D(300), D(70)], D(50), D(100), 6, SICHUAN_2025).light == YELLOW
    assert gap_light([D(90)], D(50), D(100), 6, DEFAULT).light is None  # the default has no gap rule
    assert gap_light([], D(50), D(100), 6, SICHUAN_2025).light is None


# ---------------------------------------------------------------- 正向 quantitative indicators


@pytest.mark.parametrize(
    ("actual", "light"),
    [("59.99", RED), ("60", YELLOW), ("79.99", YELLOW), ("80", GREEN), ("119.99", GREEN), ("120", BLUE)],
)
def test_forward_point_indicator_against_the_full_target_at_its_boundaries(actual, light):
    verdict = forward(actual, number="100", accumulation=POINT, month=6)
    assert verdict.light == light
    assert verdict.ratio == D(actual)


@pytest.mark.parametrize(
    ("actual", "light"),
    [("29.99", RED), ("30", YELLOW), ("40", GREEN), ("59.99", GREEN), ("60", BLUE)],
)
def test_forward_cumulative_indicator_against_the_target_pro_rated_by_months(actual, light):
    # 100 people to train in the year; by the end of June the pro-rated target is 50.
    assert forward(actual, number="100", accumulation=CUMULATIVE, month=6).light == light


def test_the_same_value_reads_differently_for_a_point_and_a_cumulative_indicator():
    # 满意度 at 50 % of a 100 % target in June is red; 50 trainees of 100 in June are on time.
    assert forward("50", accumulation=POINT, month=6).light == RED
    assert forward("50", accumulation=CUMULATIVE, month=6).light == GREEN


def test_a_zero_target_is_met_by_any_value():
    verdict = forward("0", number="0", comparator="=")
    assert verdict.light == GREEN and verdict.ratio is None and "为零" in verdict.note


def test_a_missing_actual_or_a_target_without_a_number_has_no_light():
    assert forward(None).label == "未填"
    assert forward("5", number=None).light is None


def test_a_text_actual_for_a_quantitative_row_has_no_light():
    verdict = indicator_light(
        comparator="≥", number=D(1), direction="", value_type="定量", accumulation=POINT, actual="很多", month=7
    )
    assert verdict.light is None and "数字" in verdict.note


# ---------------------------------------------------------------- 反向 and 定性


def backward(actual, *, comparator="≤", number="5", direction=record.BACKWARD, accumulation=POINT):
    return indicator_light(
        comparator=comparator,
        number=D(number),
        direction=direction,
        value_type=record.QUANTITATIVE,
        accumulation=accumulation,
        actual=D(actual),
        month=7,
    )


def test_backward_indicator_is_met_or_not():
    assert backward("5").light == GREEN  # ≤5 %: exactly 5 is met
    assert backward("5.01").light == RED
    assert backward("5", comparator="<").light == RED  # <5: exactly 5 is not
    assert backward("4.99", comparator="<").light == GREEN
    # a cost cap is cumulative but judged against the full cap: 60 of 62 万元 spent by July is not over it
    assert backward("60", number="62", accumulation=CUMULATIVE).light == GREEN


def test_a_blank_direction_is_read_from_the_sign():
    assert backward("6", direction="").light == RED  # ≤5 read as 反向
    assert backward("6", direction="", comparator="≥").light == BLUE  # ≥5 read as 正向: 120 %


@pytest.mark.parametrize(("actual", "light"), [("达成", GREEN), ("部分达成", YELLOW), ("未达成", RED)])
def test_qualitative_results(actual, light):
    verdict = indicator_light(
        comparator="定性", number=None, direction="", value_type="定性", accumulation=POINT, actual=actual, month=7
    )
    assert verdict.light == light


def test_qualitative_without_a_result_or_with_another_word_has_no_light():
    common = {"comparator": "定性", "number": None, "direction": "", "value_type": "定性", "accumulation": POINT}
    assert indicator_light(**common, actual="", month=7).label == "未填"
    assert indicator_light(**common, actual="很好", month=7).light is None


# ---------------------------------------------------------------- a table's light


def test_a_tables_light_is_its_worst_and_blue_is_a_warning_below_yellow():
    assert worst([GREEN, BLUE, YELLOW, RED]) == RED
    assert worst([GREEN, BLUE, YELLOW]) == YELLOW
    assert worst([GREEN, BLUE]) == BLUE
    assert worst([GREEN, None]) == GREEN


def test_a_table_with_no_quantitative_rows_takes_its_qualitative_and_money_lights():
    rows = [
        indicator_light(
            comparator="定性", number=None, direction="", value_type="定性", accumulation=POINT, actual=a, month=7
        ).light
        for a in ("达成", "部分达成")
    ]
    assert worst([*rows, money_light(D(50), D(100), 7).light]) == YELLOW
    assert worst([None, None]) is None  # nothing filled in: no light


# ---------------------------------------------------------------- thresholds on the round


def test_thresholds_round_trip_through_json_as_text():
    data = SICHUAN_2025.as_json()
    assert data["execution_floors"] == {"4": "25", "6": "40", "8": "60", "10": "80"}
    assert data["gap_limit"] == "10"
    assert Thresholds.from_json(data) == SICHUAN_2025
    assert Thresholds.from_json({}) == DEFAULT
    assert Thresholds.from_json(DEFAULT.as_json()) == DEFAULT


def test_thresholds_change_where_the_lights_change():
    strict = Thresholds.from_json({"indicator_red": "70", "indicator_green": "90", "indicator_blue": "150"})
    assert forward("69.99", t=strict).light == RED
    assert forward("89.99", t=strict).light == YELLOW
    assert forward("149.99", t=strict).light == GREEN
    assert forward("150", t=strict).light == BLUE


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"money_red": "abc"}, "money_red"),
        ({"money_red": 0.6}, "数字文本"),
        ({"indicator_red": "90", "indicator_green": "80"}, "红灯线 ≤ 绿灯线"),
        ({"execution_floors": {"13": "20"}}, "1–12"),
        ({"execution_floors": {"4": "120"}}, "0–100"),
        ({"colour": "red"}, "未知"),
    ],
)
def test_bad_thresholds_are_refused_with_a_chinese_message(data, message):
    with pytest.raises(ValueError, match=message):
        Thresholds.from_json(data)


# ---------------------------------------------------------------- what a light requires


def test_red_and_yellow_rows_need_a_reason_a_measure_and_red_a_disposal_with_a_due_date():
    nothing = Explanations()
    assert required_explanations(GREEN, nothing) == []
    assert required_explanations(BLUE, nothing) == []
    assert required_explanations(None, nothing) == []
    yellow = required_explanations(YELLOW, nothing, place="第 3 行")
    assert yellow == ["第 3 行：黄灯指标须选择偏差原因", "第 3 行：黄灯指标须填写原因说明及纠偏措施"]
    explained = Explanations(reasons=("经费保障",), explanation="资金下达晚，已催办")
    assert required_explanations(YELLOW, explained) == []
    assert required_explanations(RED, explained) == [
        "红灯指标须选择处置方式（继续执行/调剂/取消）",
        "红灯指标须填写整改完成时限",
    ]
    assert required_explanations(RED, explained.with_(disposal="继续执行", due=date(2026, 9, 30))) == []


# ---------------------------------------------------------------- 累计型 / 时点型 by default


@pytest.mark.parametrize(
    ("name", "unit", "expected"),
    [
        ("服务对象满意度", "%", POINT),
        ("项目验收合格率", "%", POINT),
        ("义务教育覆盖率", "", POINT),
        ("水质达标率", "", POINT),
        ("资金支付及时率", "%", POINT),
        ("培训人次", "人次", CUMULATIVE),
        ("新建道路长度", "公里", CUMULATIVE),
        ("日常维护总成本", "万元", CUMULATIVE),
    ],
)
def test_default_accumulation_by_name_and_unit(name, unit, expected):
    assert record.default_accumulation(name, unit) == expected


def test_the_library_entry_decides_before_the_name():
    assert record.default_accumulation("培训人次", "人次", catalog=POINT) == POINT
    assert record.default_accumulation("服务对象满意度", "%", catalog="") == POINT
