"""Rules on indicator values: direction, units, percentages, costs, dates, measurability."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from indicators.checks.engine import (
    _DOWN_END,
    ERROR,
    INFO,
    WARNING,
    Context,
    Row,
    TaskRow,
    _norm,
    _pct,
    _wan,
    at_table,
    rule,
)
from indicators.values import with_comparator

# How an indicator's name says which way is good. Chinese puts the head noun
# last, so the END of the name decides (`投诉处理及时率` is a 及时率).
_UP_END = re.compile(
    r"(?:完成|及时|覆盖|合格|达标|满意|知晓|到位|执行|使用|利用|履约|出勤|保障|通过|公开|落实|整改|准确|正确|入网"
    r"|细化|回收|参与|就业|普及|达成|采纳|办结|受理|响应|处置|上线|在线|可用|完好|安装|录入|归档|应用|监控|签约"
    r"|支付|发放|拨付|验收|收缴|征收|参保|入学|救助|转化|成活|存活|优良|开工|竣工|下降|降低|节约|节能|监测"
    r"|审核|抽检|申报|到岗|上岗|配备|建成|解决|结案|办理|采购|政府采购)(?:率|度|性)$"
)
_COST_GROWTH = re.compile(r"(?:成本|费用|支出|经费|价格|单价|造价|运维费|维护费)(?:的)?(?:增长|增幅|上涨|涨幅)(?:率)?$")
_TIME_NAME = re.compile(r"(?:时间|时长|时限|用时|耗时|周期|工期|天数)$")
_TIME_VERB = re.compile(
    r"响应|处理|修复|维修|办结|处置|审批|审核|办理|等待|到达|受理|反馈|解决|答复|排除|恢复|完成|发放|支付|拨付|整改|上报|报送"
)
_NOT_TIME_LIMIT = re.compile(
    r"有效期|年限|使用期|寿命|保修期|保质期|质保期|运行时间|开放时间|服务时间|在线时长|培训时长|学时"
)
_GROWTH_NAME = re.compile(r"增长|增幅|增加|提高|提升|同比|环比|比上年|比去年|倍")
_RATE_NAME = re.compile(r"(?:率|比例|比率|占比|比重)$")
_NOT_PERCENT_RATE = re.compile(r"(?:频率|效率|功率|速率|帧率|倍率|容积率|汇率)$")
_COUNT_NAME = re.compile(r"(?:人数|次数|个数|件数|户数|天数|数量|场次|台数|套数|家数)$")
_LOOSE_LIMIT = re.compile(r"(?:故障|差错|错误|失误|出错|投诉|不合格|返工|损耗|增长|增幅|超支)率$")
_RE_TRAILING_PAREN = re.compile(r"[（(][^)）]*[)）]$")
_UP = ("≥", ">")
_DOWN = ("≤", "<")
_DATE_NAME = re.compile(r"时间|日期|时效|时限|期限")
# Excel counts days from 1899-12-30; 20000–60000 is 1954–2064, the dates a target table names.
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_SERIALS = (20000, 60000)


def excel_date(ctx: Context, row: Row) -> date | None:
    """The date a bare number in a time indicator stands for (`44561` → 2021-12-31), else None.

    A date cell pasted from Excel as a number arrives as its serial (`44,561`).
    """
    v = row.value
    if v.kind != "quantity" or v.comparator or v.unit or v.number is None or v.number != int(v.number):
        return None
    if not (ctx.is_timeliness(row) or _DATE_NAME.search(row.level3)):
        return None
    if not _EXCEL_SERIALS[0] <= v.number <= _EXCEL_SERIALS[1]:
        return None
    return _EXCEL_EPOCH + timedelta(days=int(v.number))


@dataclass(frozen=True)
class _Polarity:
    want: str  # "≥" or "≤"
    what: str  # how the message names the kind of indicator
    reason: str  # why that way


def polarity(ctx: Context, row: Row) -> _Polarity | None:
    """Which comparator the indicator should take, judged from its name, category and unit."""
    name = _RE_TRAILING_PAREN.sub("", row.level3)
    v = row.value
    if v.kind == "date" and (ctx.is_timeliness(row) or _TIME_NAME.search(name)):
        return _Polarity("≤", "完成时间", "期限应使用“≤”或直接填写日期")
    time_taken = _TIME_NAME.search(name) and not _NOT_TIME_LIMIT.search(name)
    if v.is_duration and time_taken and (ctx.is_timeliness(row) or _TIME_VERB.search(name)):
        return _Polarity("≤", "时效指标", "时限应使用“≤”")
    if _COST_GROWTH.search(name):
        return _Polarity("≤", "成本增长率", "成本增长是上限，应使用“≤”")
    if ctx.is_cost(row) and (v.is_money or v.is_money_per_unit):
        return _Polarity("≤", "成本指标", "成本是上限，应使用“≤”")
    m = _DOWN_END.search(name)
    if m:
        return _Polarity("≤", f"“{m.group(0)}”", f"{m.group(0)}越低越好，应使用“≤”")
    if row.level2 in ctx.quantity_level2 and v.kind == "quantity" and v.unit and not (v.is_percent or v.is_money):
        return _Polarity("≥", "数量指标", "产出数量是应完成的下限，应使用“≥”")
    m = _UP_END.search(name)
    if m and (v.is_percent or v.is_quantitative):
        return _Polarity("≥", f"“{m.group(0)}”", f"{m.group(0)}越高越好，应使用“≥”")
    return None


# An error, like a missing unit: `≥` promises a measure and gives none, so there is no target to review.
@rule("value.number_missing", ERROR, "比较符后缺少数值")
def _number_missing(ctx: Context):
    for row in ctx.rows:
        if row.value.kind == "comparator_only":
            yield (
                row.at("value"),
                (
                    f"{row.label}：指标值“{row.value_text}”{row.value.error}；请填写数值和计量单位（如“≥95%”“≤3天”），"
                    "定性指标请直接填写等级（如“优”“达到预期”），不加比较符。"
                ),
            )


@rule("value.unparseable", WARNING, "指标值无法识别")
def _unparseable(ctx: Context):
    for row in ctx.rows:
        if row.value.kind == "unparseable":
            why = row.value.error or "无法识别"
            yield (
                row.at("value"),
                (
                    f"{row.label}：指标值“{row.value_text}”{why}；"
                    "请按“比较符＋数值＋计量单位”填写（如“≥95%”“≤3天”“=10个”），或填写日期、定性等级。"
                ),
            )


@rule("value.unit_missing", ERROR, "定量指标缺少计量单位")
def _unit_missing(ctx: Context):
    unit_in_name = ctx.options.get("unit_in_name")
    for row in ctx.rows:
        v = row.value
        # Some forms put the unit in the 三级 name (`实施营造林总面积(亩)`) and a bare number in the value.
        if v.is_quantitative and not v.unit and not (unit_in_name and _RE_TRAILING_PAREN.search(row.level3)):
            if excel_date(ctx, row) is not None:
                continue  # a date pasted as its Excel serial: value.excel_date says which date
            yield (
                row.at("value"),
                (f"{row.label}：指标值“{row.value_text}”缺少计量单位，请补充（如“%”“个”“人次”“万元”）。"),
            )


@rule("value.note_required", ERROR, "定量（其他）未说明")
def _note_required(ctx: Context):
    for row in ctx.rows:
        if row.value.kind == "quantitative_other" and not row.note and not row.description:
            yield row.at("note"), f"{row.label}：指标值类型为“定量（其他）”，须在“指标值说明”中写明目标值及计算口径。"


@rule("value.percent_out_of_range", ERROR, "百分比超出0–100%")
def _percent_out_of_range(ctx: Context):
    for row in ctx.rows:
        v = row.value
        if v.unit != "%" or not v.is_quantitative or _GROWTH_NAME.search(row.level3):
            continue
        numbers = [n for n in (v.number, v.number_high) if n is not None]
        if any(n > 100 for n in numbers) or (v.comparator == ">" and v.number == 100):
            yield row.at("value"), f"{row.label}：指标值“{row.value_text}”超过100%，比率应在0–100%之间。"
        elif any(n < 0 for n in numbers):
            yield row.at("value"), f"{row.label}：指标值“{row.value_text}”为负数，比率应在0–100%之间。"


@rule("value.satisfaction_direction", WARNING, "满意度方向相反")
def _satisfaction_direction(ctx: Context):
    for row in ctx.rows:
        v = row.value
        if v.comparator in _DOWN and ctx.is_satisfaction(row):
            yield (
                row.at("value"),
                (
                    f"{row.label}：满意度指标“{row.value_text}”方向可能相反，满意度是下限，应使用“≥”，"
                    f"如“{with_comparator(v, '≥')}”。"
                ),
            )


@rule("value.satisfaction_floor", WARNING, "满意度目标偏低")
def _satisfaction_floor(ctx: Context):
    floor = Decimal(str(ctx.params.get("satisfaction_floor") or 0))
    for row in ctx.rows:
        v = row.value
        if not v.is_percent or v.comparator in _DOWN or not ctx.is_satisfaction(row):
            continue
        if v.number is not None and v.number < floor:
            yield (
                row.at("value"),
                (
                    f"{row.label}：满意度目标“{row.value_text}”低于{_pct(floor)}%，满意度一般不应低于{_pct(floor)}%；"
                    "请提高目标或说明原因。"
                ),
            )


@rule("value.direction", WARNING, "比较符方向可能相反")
def _direction(ctx: Context):
    for row in ctx.rows:
        v = row.value
        if v.comparator not in _UP + _DOWN or ctx.is_satisfaction(row):
            continue
        pol = polarity(ctx, row)
        if pol is None:
            continue
        if (pol.want == "≤" and v.comparator in _UP) or (pol.want == "≥" and v.comparator in _DOWN):
            yield (
                row.at("value"),
                (
                    f"{row.label}：{pol.what}“{row.value_text}”方向可能相反，{pol.reason}，"
                    f"如“{with_comparator(v, pol.want)}”。"
                ),
            )


@rule("value.loose_limit", INFO, "上限过于宽松")
def _loose_limit(ctx: Context):
    limit = Decimal(str(ctx.params["loose_limit_percent"]))
    for row in ctx.rows:
        v = row.value
        name = row.level3
        if v.is_percent and v.comparator in _DOWN and v.number is not None and v.number >= limit:
            m = _LOOSE_LIMIT.search(name)
            if m:
                yield (
                    row.at("value"),
                    (
                        f"{row.label}：{m.group(0)}上限“{row.value_text}”过于宽松，达不到约束作用；"
                        "请参考历史水平设定更严的上限，或核对是否填错。"
                    ),
                )


@rule("value.unit_mismatch", WARNING, "指标名称与计量单位不符")
def _unit_mismatch(ctx: Context):
    for row in ctx.rows:
        v = row.value
        name = _RE_TRAILING_PAREN.sub("", row.level3)
        if not v.is_quantitative or not v.unit or not name:
            continue
        if _RATE_NAME.search(name) and not _NOT_PERCENT_RATE.search(name) and v.unit not in {"%", "‰"}:
            yield (
                row.at("value"),
                (
                    f"{row.label}：指标名称是比率，指标值“{row.value_text}”却以“{v.unit}”计；请改用百分比或改正指标名称。"
                ),
            )
        elif _TIME_NAME.search(name) and v.is_percent and not name.endswith("天数"):
            yield (
                row.at("value"),
                (
                    f"{row.label}：指标名称是时间，指标值“{row.value_text}”却是百分比；"
                    "请填写完成时间或时限（如“≤3天”），或把名称改为“按时完成率”。"
                ),
            )
        elif _COUNT_NAME.search(name) and v.is_percent:
            yield (
                row.at("value"),
                (
                    f"{row.label}：指标名称是数量，指标值“{row.value_text}”却是百分比；请填写数量及单位，或改正指标名称。"
                ),
            )


_COST_STEM = re.compile(r"(?:总成本|成本控制数|成本|服务费|运维费|维护费|费用|经费|支出|资金|费)$")


def _task_for(ctx: Context, row: Row) -> TaskRow | None:
    stem = _COST_STEM.sub("", _norm(row.level3))
    if len(stem) < 4:
        return None
    for task in ctx.tasks:
        name = _norm(task.name)
        if name and (stem in name or name in stem):
            return task
    return None


@rule("value.cost_exceeds_budget", ERROR, "成本指标超过预算")
def _cost_exceeds_budget(ctx: Context):
    annual = ctx.table_total()
    # A long-term cost is measured against the period's total (中期资金总额), never the year's.
    long_term = ctx.budget.get("long_term_total"), ctx.budget_label("long_term_total")
    for row in ctx.rows:
        v = row.value
        if not ctx.is_cost(row) or v.comparator in _UP:
            continue
        total, total_label = long_term if row.period == "long_term" else annual
        amount = v.amount_in_wan("number_high" if v.kind == "range" else "number")
        if amount is None:
            continue
        what = "单位成本" if v.is_money_per_unit else "成本"
        if total is not None and amount > total:
            yield (
                row.at("value"),
                (
                    f"{row.label}：{what}“{row.value_text}”（{_wan(amount)}万元）超过{total_label}{_wan(total)}万元；"
                    "成本目标不应高于预算，请核对金额和单位。"
                ),
            )
            continue
        task = _task_for(ctx, row) if v.is_money else None
        if task is not None and task.amounts["total"] is not None and amount > task.amounts["total"]:
            yield (
                row.at("value"),
                (
                    f"{row.label}：成本“{row.value_text}”超过{task.label}的预算{_wan(task.amounts['total'])}万元；"
                    "成本目标不应高于任务预算，请核对。"
                ),
            )


@rule("value.cost_quantity_exceeds_budget", WARNING, "数量×单位成本超过预算")
def _cost_quantity(ctx: Context):
    total, total_label = ctx.table_total()
    if total is None:
        return
    rates: dict[str, list[Row]] = {}
    counts: dict[str, list[Row]] = {}
    for row in ctx.rows:
        v = row.value
        if row.period == "long_term":
            continue  # the year's total buys the year's quantities
        if ctx.is_cost(row) and v.is_money_per_unit and "/" not in v.per_unit and v.comparator not in _UP:
            rates.setdefault(v.per_unit, []).append(row)
        elif row.level2 in ctx.quantity_level2 and v.kind == "quantity" and v.unit and v.comparator not in _DOWN:
            counts.setdefault(v.unit, []).append(row)
    for unit, cost_rows in rates.items():
        if len(cost_rows) != 1 or len(counts.get(unit, [])) != 1:
            continue  # pair only when there is no doubt which count goes with which rate
        cost, count = cost_rows[0], counts[unit][0]
        need = cost.value.amount_in_wan() * count.value.number
        if need > total:
            yield (
                cost.at("value"),
                (
                    f"{cost.label}：按第{count.position}行“{count.level3}”{count.value_text}×{cost.value_text}测算"
                    f"需{_wan(need)}万元，超过{total_label}{_wan(total)}万元；请核对数量、单位成本或预算。"
                ),
            )


@rule("value.date_outside_year", WARNING, "日期不在预算年度内")
def _date_outside_year(ctx: Context):
    if ctx.year is None:
        return
    for row in ctx.rows:
        d = row.value.date
        if row.value.kind == "date" and d is not None and d.year is not None and d.year != ctx.year:
            yield (
                row.at("value"),
                (
                    f"{row.label}：日期“{row.value_text}”不在预算年度{ctx.year}年内；"
                    f"年度目标的完成时间应在{ctx.year}年内，请核对年份。"
                ),
            )


@rule("value.timeliness_form", WARNING, "时效指标不是时间或比率")
def _timeliness_form(ctx: Context):
    for row in ctx.rows:
        v = row.value
        if not ctx.is_timeliness(row):
            continue
        if v.kind in {"empty", "placeholder", "comparator_only", "unparseable", "not_applicable", "quantitative_other"}:
            continue
        if v.kind in ("date", "period") or v.is_duration or v.is_percent or (v.is_quantitative and not v.unit):
            continue
        year = ctx.year or ""
        yield (
            row.at("value"),
            (
                f"{row.label}：时效指标的指标值“{row.value_text}”既不是完成时间、时限，也不是比率；"
                f"请填写完成时间（如“{year}年12月底前”）、时限（如“≤3天”）或及时率（如“≥95%”）。"
            ),
        )


@rule("value.not_measurable", WARNING, "数量或成本指标未量化")
def _not_measurable(ctx: Context):
    for row in ctx.rows:
        if not row.value.is_qualitative:
            continue
        if row.level2 in ctx.quantity_level2 or ctx.is_cost(row):
            yield (
                row.at("value"),
                (f"{row.label}：{row.level2}应量化，指标值“{row.value_text}”是定性描述；请填写数值和计量单位。"),
            )


@rule("table.qualitative_share", WARNING, "定性指标过多")
def _qualitative_share(ctx: Context):
    limit = ctx.params.get("qualitative_share_warn")
    exempt = {_norm(x) for x in ctx.params.get("qualitative_exempt_level1") or []}
    rows = [r for r in ctx.rows if r.value.kind not in {"empty", "placeholder"} and r.level1 not in exempt]
    if limit is None or not rows:
        return
    vague = [r for r in rows if r.value.is_qualitative]
    share = Decimal(len(vague)) / Decimal(len(rows))
    if share > Decimal(str(limit)) and len(vague) >= int(ctx.params.get("qualitative_min_count") or 0):
        examples = "、".join(f"第{r.position}行“{r.value_text}”" for r in vague[:5])
        more = "等" if len(vague) > 5 else ""
        yield (
            at_table("indicators"),
            (
                f"定性指标值{len(vague)}个，占{_pct(share * 100)}%"
                f"（超过{_pct(Decimal(str(limit)) * 100)}%）：{examples}{more}；"
                "请尽量改为可衡量的量化指标。"
            ),
        )
