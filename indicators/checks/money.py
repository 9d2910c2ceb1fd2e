"""Rules on money: amounts, task sums, the budget's parts and totals."""

from __future__ import annotations

from decimal import Decimal

from indicators.checks.engine import _TASK_AMOUNT_LABELS, ERROR, INFO, Context, _wan, at_table, rule


@rule("money.invalid", ERROR, "金额不是数字")
def _money_invalid(ctx: Context):
    for key, raw in ctx.budget_invalid.items():
        yield at_table(f"budget_{key}"), f"“{ctx.budget_label(key)}”的金额“{raw}”不是数字，请填写以万元为单位的金额。"
    for task in ctx.tasks:
        for key, raw in task.invalid.items():
            yield task.at(key), f"{task.label}：{_TASK_AMOUNT_LABELS[key]}“{raw}”不是数字，请填写以万元为单位的金额。"


@rule("money.negative", ERROR, "金额为负数")
def _money_negative(ctx: Context):
    for key, value in ctx.budget.items():
        if value is not None and value < 0:
            yield at_table(f"budget_{key}"), f"“{ctx.budget_label(key)}”为负数（{_wan(value)}万元），金额不能为负。"
    for task in ctx.tasks:
        for key, value in task.amounts.items():
            if value is not None and value < 0:
                yield (
                    task.at(key),
                    f"{task.label}：{_TASK_AMOUNT_LABELS[key]}为负数（{_wan(value)}万元），金额不能为负。",
                )


@rule("task.amount_missing", ERROR, "任务未填预算金额")
def _task_amount_missing(ctx: Context):
    if "task_amounts" not in ctx.blocks:
        return
    for task in ctx.tasks:
        if all(v is None for v in task.amounts.values()) and not task.invalid:
            yield task.at("total"), f"{task.label}：未填写预算金额，请填写总额及财政拨款、其他资金（万元）。"


@rule("task.amount_sum", ERROR, "任务金额不平衡")
def _task_amount_sum(ctx: Context):
    for task in ctx.tasks:
        if task.invalid:
            continue
        total, fiscal, other = (task.amounts[k] for k in ("total", "fiscal", "other"))
        given = sum(v is not None for v in (total, fiscal, other))
        # An empty cell counts as 0 only when the other two are filled in.
        if given < 2:
            continue
        parts = (fiscal or 0) + (other or 0)
        if total is None:
            yield task.at("total"), f"{task.label}：总额为空，但财政拨款与其他资金合计{_wan(parts)}万元，请填写总额。"
        elif parts != total:
            yield (
                task.at("total"),
                (
                    f"{task.label}：财政拨款{_wan(fiscal or Decimal(0))}万元＋其他资金{_wan(other or Decimal(0))}万元"
                    f"＝{_wan(parts)}万元，与总额{_wan(total)}万元不符（差{_wan(total - parts)}万元）。"
                ),
            )


@rule("budget.tasks_total", ERROR, "任务金额与预算总额不符")
def _budget_tasks_total(ctx: Context):
    total = ctx.budget.get("total")
    task_totals = [t.amounts["total"] for t in ctx.tasks if t.amounts["total"] is not None]
    if total is None or not task_totals:
        return
    tasks_sum = sum(task_totals, Decimal(0))
    if tasks_sum != total:
        yield (
            at_table("budget_total"),
            (
                f"年度主要任务金额合计{_wan(tasks_sum)}万元，与“{ctx.budget_label('total')}”{_wan(total)}万元不符"
                f"（差{_wan(total - tasks_sum)}万元），请核对任务金额或预算总额。"
            ),
        )


def _budget_groups(ctx: Context) -> list[list[str]]:
    groups = ctx.options.get("budget_sums")
    if groups is not None:
        return [list(g) for g in groups]
    sources = [k for k in ("fiscal", "special_account", "unit_funds", "other") if k in ctx.budget_keys]
    result = [sources] if sources else []
    if "basic" in ctx.budget_keys and "project" in ctx.budget_keys:
        result.append(["basic", "project"])
    return result


@rule("budget.parts_sum", ERROR, "预算构成与总额不符")
def _budget_parts_sum(ctx: Context):
    total = ctx.budget.get("total")
    if total is None:
        return
    for group in _budget_groups(ctx):
        values = [ctx.budget.get(k) for k in group]
        if all(v is None for v in values) or any(k in ctx.budget_invalid for k in group):
            continue
        parts = sum((v for v in values if v is not None), Decimal(0))
        if parts != total:
            names = "＋".join(
                f"{ctx.budget_label(k)}{_wan(v or Decimal(0))}" for k, v in zip(group, values, strict=True)
            )
            yield (
                at_table(f"budget_{group[0]}"),
                (
                    f"{names}＝{_wan(parts)}万元，与“{ctx.budget_label('total')}”{_wan(total)}万元不符"
                    f"（差{_wan(total - parts)}万元）。"
                ),
            )


@rule("money.unit_suspect", INFO, "金额单位可能不是万元")
def _money_unit_suspect(ctx: Context):
    limit = Decimal(str(ctx.params["amount_suspect_wan"]))
    for key, value in ctx.budget.items():
        if value is not None and value >= limit:
            yield (
                at_table(f"budget_{key}"),
                f"“{ctx.budget_label(key)}”{_wan(value)}万元金额异常大，请确认单位是万元而不是元。",
            )
    for task in ctx.tasks:
        value = task.amounts["total"]
        if value is not None and value >= limit:
            yield task.at("total"), f"{task.label}：总额{_wan(value)}万元金额异常大，请确认单位是万元而不是元。"
