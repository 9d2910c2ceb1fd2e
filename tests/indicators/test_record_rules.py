"""The rules the full indicator record allows (indicators/checks/record_rules.py), and the checks that
follow the record: periods in duplicates, the layout's weight total, units in names, category columns."""

from __future__ import annotations

from indicators.checks import ERROR, WARNING
from tests.indicators.test_checks import check, department, ind, project, with_row


def _last_row(data: dict, **kwargs) -> list[tuple[str, str]]:
    last = len(data["indicators"])
    return [(f.code, f.severity) for f in check(data, **kwargs) if f.location.get("position") == last]


def _row(level3: str, value: str, level2: str = "质量指标", **extra) -> list[tuple[str, str]]:
    return _last_row(with_row(department(), ind(level3, value, level2, **extra)))


def _message(data: dict, code: str) -> str:
    [finding] = [f for f in check(data) if f.code == code]
    return finding.message


# ---------------------------------------------------------------- 定量 needs a number and a unit


def test_a_quantitative_row_without_a_number_is_an_error():
    assert _row("设备运行情况", "良好", value_type="定量") == [("value.quantitative_parts", ERROR)]
    message = _message(
        with_row(department(), ind("设备运行情况", "良好", value_type="定量")), "value.quantitative_parts"
    )
    assert message.startswith("第8行“设备运行情况”：指标值类型为“定量”，指标值“良好”缺少数值和计量单位")


def test_a_quantitative_row_with_its_number_and_unit_is_fine():
    assert _row("设备完好率", "≥95%", value_type="定量") == []
    assert _row("设备运行情况", "良好", value_type="定性") == []
    assert _row("设备运行情况", "良好") == []  # no 指标值类型 column: nothing to hold it to


def test_a_quantitative_number_without_a_unit_is_reported_once():
    assert _row("设备台数", "≥5", "数量指标", value_type="定量") == [("value.unit_missing", ERROR)]


# ---------------------------------------------------------------- 正向 / 反向 against the sign


def test_a_backward_indicator_with_a_lower_bound_is_flagged():
    data = with_row(department(), ind("安全事故发生起数", "≥1起", direction="反向"))
    assert ("value.direction_conflict", WARNING) in _last_row(data)
    assert "指标方向为“反向”，指标值却用“≥”（≥1起）；反向指标应使用“≤”或“<”" in _message(
        data, "value.direction_conflict"
    )


def test_a_forward_indicator_with_an_upper_bound_is_flagged():
    assert ("value.direction_conflict", WARNING) in _row("培训人数", "≤100人", "数量指标", direction="正向")


def test_a_direction_that_agrees_with_the_sign_is_fine():
    assert _row("设备完好率", "≥95%", direction="正向") == []
    assert _row("设备故障率", "≤5%", direction="反向") == []
    assert _row("设备完好率", "=100%", direction="反向") == []  # `=` has no direction


# ---------------------------------------------------------------- a rate with no sign


def test_a_bare_percent_on_a_rate_asks_for_a_sign():
    assert _row("设备完好率", "85%") == [("value.rate_sign_missing", WARNING)]
    assert _row("资金使用比例", "60%", "成本指标") == [("value.rate_sign_missing", WARNING)]
    message = _message(with_row(department(), ind("设备完好率", "85%")), "value.rate_sign_missing")
    assert message == (
        "第8行“设备完好率”：指标值“85%”没有比较符；比率指标请写明是下限还是上限，如“≥85%”或“≤85%”，恰好等于时写“=85%”。"
    )


def test_a_rate_with_a_sign_or_at_the_ends_of_the_scale_is_fine():
    assert _row("设备完好率", "≥85%") == []
    assert _row("设备完好率", "100%") == []  # can only mean =100%
    assert _row("设备运行效率", "85%") == []  # 效率 is not a share
    assert _row("设备台数", "85台", "数量指标") == []


# ---------------------------------------------------------------- Excel date serials


def test_an_excel_date_serial_in_a_time_indicator_says_the_date():
    data = with_row(department(), ind("项目完成时间", "44,561", "时效指标"))
    assert _last_row(data) == [("value.excel_date", ERROR)]
    assert _message(data, "value.excel_date") == (
        "第8行“项目完成时间”：指标值“44,561”是Excel的日期序号，对应2021年12月31日；请直接填写日期，如“2021年12月31日前”。"
    )
    assert ("value.excel_date", ERROR) in _row("资料报送日期", "45292")  # 2024-01-01, named a date


def test_a_number_that_is_not_a_date_serial_is_left_to_the_other_rules():
    assert ("value.excel_date", ERROR) not in _row("培训人数", "44561", "数量指标")  # not a time indicator
    assert ("value.excel_date", ERROR) not in _row("项目完成时间", "12", "时效指标")  # too small
    assert _row("项目完成时间", "2024年12月底前", "时效指标") == []
    assert ("value.excel_date", ERROR) not in _row("项目完成时间", "≤44561天", "时效指标")  # a sign and a unit


# ---------------------------------------------------------------- zero cost targets


def test_a_zero_cost_target_is_flagged():
    assert _row("设备购置成本", "=0万元", "成本指标") == [("value.cost_zero", WARNING)]
    assert _row("培训人均成本", "≤0元", "成本指标") == [("value.cost_zero", WARNING)]
    assert "成本指标“=0万元”为零" in _message(
        with_row(department(), ind("设备购置成本", "=0万元", "成本指标")), "value.cost_zero"
    )


def test_a_positive_cost_or_a_zero_elsewhere_is_fine():
    assert _row("设备购置成本", "≤20万元", "成本指标") == []
    assert ("value.cost_zero", WARNING) not in _row("安全事故损失金额", "=0万元", "社会效益指标")


# ---------------------------------------------------------------- checks that follow the record


def test_a_long_term_and_an_annual_row_may_share_a_name_and_a_value():
    rows = [ind("工程验收合格率", "=100%", period="long_term"), ind("工程验收合格率", "=100%", period="annual")]
    data = department(indicators=department()["indicators"] + rows)
    assert [f.code for f in check(data) if f.code.startswith("indicator.duplicate")] == []
    rows[0]["period"] = "annual"
    assert "indicator.duplicate" in [f.code for f in check(data)]


def test_weights_add_up_to_the_layouts_total_and_its_shares():
    rows = [ind("设备完好率", "≥95%", weight="60"), ind("培训人数", "≥10人", "数量指标", weight="30")]
    data = project(indicators=rows)
    weighted = {"columns": ["level1", "level2", "level3", "value", "weight"], "options": {"weight_total": 90}}
    assert [f for f in check(data, layout_options=weighted) if f.code.startswith("weights.")] == []
    weighted["options"] = {"weight_total": 100}
    assert [f.message for f in check(data, layout_options=weighted) if f.code == "weights.sum"] == [
        "各指标权重合计90，应为100。"
    ]
    weighted["options"] = {"weight_total": 90, "weight_bands": {"产出指标": 80}}
    assert [f.message for f in check(data, layout_options=weighted) if f.code == "weights.sum"] == [
        "一级指标“产出指标”下权重合计90，应为80。"
    ]


def test_a_unit_in_the_name_counts_where_the_layout_says_so():
    data = with_row(department(), ind("实施营造林总面积(亩)", "80000", "数量指标"))
    assert ("value.unit_missing", ERROR) in _last_row(data)
    assert ("value.unit_missing", ERROR) not in _last_row(data, layout_options={"options": {"unit_in_name": True}})


def test_a_form_without_category_columns_asks_for_no_category():
    row = ind("预算执行率", "=100%")
    row["level1"] = row["level2"] = None
    data = with_row(department(), row)
    assert ("category.empty", ERROR) in _last_row(data)
    flat = {"columns": ["level3", "weight", "unit", "comparator", "number"]}
    assert ("category.empty", ERROR) not in _last_row(data, layout_options=flat)


def test_per_column_targets_fill_a_row():
    row = ind("开展小型水利工程建设(个)", "", "数量指标", values={"甲村": "2", "乙村": "3"})
    assert ("indicator.value_empty", ERROR) not in _last_row(with_row(department(), row))
    row["values"]["乙村"] = ""
    assert ("indicator.value_empty", ERROR) in _last_row(with_row(department(), row))


def test_a_long_term_cost_is_held_to_the_periods_total():
    data = project()
    data["budget"] = {"total": "100", "fiscal": "100", "other": None, "long_term_total": "300"}
    cost = ind("工程总成本", "≤250万元", "成本指标", period="long_term")
    assert ("value.cost_exceeds_budget", ERROR) not in _last_row(with_row(data, cost))
    cost["period"] = "annual"
    assert ("value.cost_exceeds_budget", ERROR) in _last_row(with_row(data, cost))


def test_a_period_is_a_time_target_not_a_number_without_its_unit():
    found = _row("项目实施期", "2023.07-2024.01", "时效指标", value_type="定量")
    assert found == [], found
