"""Rules on the spending plan (用款计划)."""

from __future__ import annotations

from decimal import Decimal

from indicators.checks.engine import _PLAN_MONTHS, ERROR, WARNING, Context, _amount, _pct, at_table, rule


def _plan(ctx: Context) -> tuple[dict[str, Decimal | None], dict[str, object]]:
    raw = ctx.data.get("spending_plan")
    values, invalid = {}, {}
    if not isinstance(raw, dict):
        return {}, {}
    for month in _PLAN_MONTHS:
        text = raw.get(month)
        if isinstance(text, str):
            text = text.strip().rstrip("%％")
        value, ok = _amount(text)
        values[month] = value
        if not ok:
            invalid[month] = raw.get(month)
    return values, invalid


def _month(month: str) -> str:
    return f"{int(month)}月底"


@rule("plan.missing", ERROR, "未填资金支出计划")
def _plan_missing(ctx: Context):
    if "spending_plan" not in ctx.blocks:
        return
    values, invalid = _plan(ctx)
    if not invalid and all(v is None for v in values.values()):
        yield at_table("spending_plan"), "未填写资金支出计划，请填写3月底、6月底、10月底、12月底的累计支出进度（%）。"


@rule("plan.invalid", ERROR, "支出进度不是0–100的百分数")
def _plan_invalid(ctx: Context):
    values, invalid = _plan(ctx)
    for month, raw in invalid.items():
        yield at_table("spending_plan"), f"资金支出计划{_month(month)}“{raw}”不是数字，请填写0–100之间的累计百分比。"
    for month, value in values.items():
        if value is not None and not 0 <= value <= 100:
            yield (
                at_table("spending_plan"),
                f"资金支出计划{_month(month)}为{_pct(value)}%，累计支出进度应在0–100%之间。",
            )


@rule("plan.decreasing", ERROR, "累计支出进度下降")
def _plan_decreasing(ctx: Context):
    values, _ = _plan(ctx)
    previous: tuple[str, Decimal] | None = None
    for month in _PLAN_MONTHS:
        value = values.get(month)
        if value is None:
            continue
        if previous and value < previous[1]:
            yield (
                at_table("spending_plan"),
                (
                    f"资金支出计划是累计进度，{_month(month)}{_pct(value)}%低于{_month(previous[0])}{_pct(previous[1])}%；"
                    "请按月末累计填写，不应下降。"
                ),
            )
        previous = (month, value)


@rule("plan.incomplete", ERROR, "年底未达到100%")
def _plan_incomplete(ctx: Context):
    values, invalid = _plan(ctx)
    stated = [(m, v) for m, v in values.items() if v is not None]
    if invalid or not stated:
        return
    last = max(v for _, v in stated)
    if last < 100:
        yield at_table("spending_plan"), f"资金支出计划累计只到{_pct(last)}%，12月底累计支出应达到100%。"


@rule("plan.back_loaded", WARNING, "支出进度偏后")
def _plan_back_loaded(ctx: Context):
    values, invalid = _plan(ctx)
    floors = ctx.params.get("spending_plan_floors") or {}
    if invalid or not floors or all(v is None for v in values.values()):
        return
    short = []
    reached = Decimal(0)
    for month in _PLAN_MONTHS:
        value = values.get(month)
        if value is not None:
            reached = max(reached, value)
        floor = floors.get(month)
        # A blank month after a stated one keeps the cumulative figure; before any, it is 0%.
        if floor is not None and reached < Decimal(str(floor)):
            short.append(f"{_month(month)}{_pct(reached)}%（不低于{_pct(floor)}%）")
    if short:
        yield (
            at_table("spending_plan"),
            (f"资金支出计划偏后：{'；'.join(short)}。请按实际用款进度提前安排，或说明原因。"),
        )
