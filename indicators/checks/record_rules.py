"""Rules the full indicator record allows: value type, direction, a rate's sign, date serials, zero costs.

They read the record's fields (`value_type`, `direction`, read into `Row` by the engine) beside the
parsed value. A form that prints none of these columns leaves the fields empty, and the rules that
need them stay silent.
"""

from __future__ import annotations

from indicators.checks.engine import ERROR, WARNING, Context, rule
from indicators.checks.indicator_values import _DOWN, _NOT_PERCENT_RATE, _RATE_NAME, _RE_TRAILING_PAREN, _UP, excel_date
from indicators.record import BACKWARD, FORWARD, QUANTITATIVE


@rule("value.quantitative_parts", ERROR, "定量指标缺少数值或计量单位")
def _quantitative_parts(ctx: Context):
    for row in ctx.rows:
        v = row.value
        if row.value_type != QUANTITATIVE or v.kind in ("empty", "date", "period"):
            continue  # a date or period is a measured target of its own (`≤10月`, `2023.07-2024.01`)
        if v.number is None:
            missing = "数值和计量单位" if not v.unit else "数值"
        elif not v.unit and not v.is_quantitative:
            missing = "计量单位"
        else:
            continue  # a number without a unit is value.unit_missing's
        yield (
            row.at("value"),
            f"{row.label}：指标值类型为“定量”，指标值“{row.value_text}”缺少{missing}；请填写如“≥95%”“=10个”，或改为“定性”。",
        )


@rule("value.direction_conflict", WARNING, "指标方向与比较符相反")
def _direction_conflict(ctx: Context):
    for row in ctx.rows:
        sign = row.value.comparator
        if row.direction == BACKWARD and sign in _UP:
            want = "“≤”或“<”"
        elif row.direction == FORWARD and sign in _DOWN:
            want = "“≥”或“>”"
        else:
            continue
        yield (
            row.at("value"),
            (
                f"{row.label}：指标方向为“{row.direction}”，指标值却用“{sign}”（{row.value_text}）；"
                f"{row.direction}指标应使用{want}，请改正比较符或指标方向。"
            ),
        )


@rule("value.rate_sign_missing", WARNING, "比率指标未写比较符")
def _rate_sign_missing(ctx: Context):
    for row in ctx.rows:
        v = row.value
        name = _RE_TRAILING_PAREN.sub("", row.level3)
        # 100% and 0% are the ends of the scale and can only mean "=" (out of range is percent_out_of_range's).
        if v.kind != "quantity" or v.comparator or v.unit not in ("%", "％") or not 0 < v.number < 100:
            continue
        if not _RATE_NAME.search(name) or _NOT_PERCENT_RATE.search(name):
            continue
        yield (
            row.at("value"),
            (
                f"{row.label}：指标值“{row.value_text}”没有比较符；比率指标请写明是下限还是上限，"
                f"如“≥{row.value_text}”或“≤{row.value_text}”，恰好等于时写“={row.value_text}”。"
            ),
        )


@rule("value.excel_date", ERROR, "指标值是Excel日期序号")
def _excel_date(ctx: Context):
    for row in ctx.rows:
        day = excel_date(ctx, row)
        if day is not None:
            yield (
                row.at("value"),
                (
                    f"{row.label}：指标值“{row.value_text}”是Excel的日期序号，对应{day.year}年{day.month}月{day.day}日；"
                    f"请直接填写日期，如“{day.year}年{day.month}月{day.day}日前”。"
                ),
            )


@rule("value.cost_zero", WARNING, "成本目标为零")
def _cost_zero(ctx: Context):
    for row in ctx.rows:
        v = row.value
        if not ctx.is_cost(row) or not v.is_money or v.number != 0 or v.comparator in _UP:
            continue
        yield (
            row.at("value"),
            (
                f"{row.label}：成本指标“{row.value_text}”为零，等于说本项目不花钱；"
                "请填写实际的成本上限（如“≤50万元”），不涉及该项成本时删去此行。"
            ),
        )
