"""Rules on the indicators' weights."""

from __future__ import annotations

from decimal import Decimal

from indicators.checks.engine import ERROR, Context, Row, _amount, _norm, _pct, at_table, rule


def _weight_column(ctx: Context) -> bool:
    return "weight" in ctx.columns or "score" in ctx.columns


def _weights(ctx: Context) -> list[tuple[Row, Decimal | None, bool]]:
    result = []
    for row in ctx.rows:
        raw = row.weight
        if isinstance(raw, str):
            raw = raw.strip().rstrip("%％分")
        value, ok = _amount(raw)
        result.append((row, value, ok))
    return result


@rule("weights.invalid", ERROR, "权重不是数字")
def _weights_invalid(ctx: Context):
    if not _weight_column(ctx):
        return
    for row, value, ok in _weights(ctx):
        if not ok or value is None:
            yield (
                row.at("weight"),
                f"{row.label}：权重“{row.weight if row.weight is not None else ''}”未填写或不是数字。",
            )
        elif value < 0:
            yield row.at("weight"), f"{row.label}：权重{_pct(value)}为负数。"


@rule("weights.sum", ERROR, "权重合计与表样规定不符")
def _weights_sum(ctx: Context):
    if not _weight_column(ctx) or not ctx.rows:
        return
    weights = _weights(ctx)
    if not all(ok and v is not None for _, v, ok in weights):
        return
    total = sum((v for _, v, _ in weights), Decimal(0))
    # The layout's total (90 on forms that keep 10 for 预算执行率), else the scheme's.
    expected = Decimal(str(ctx.options.get("weight_total", ctx.params["weight_total"])))
    if total != expected:
        yield at_table("weights"), f"各指标权重合计{_pct(total)}，应为{_pct(expected)}。"
    bands = ctx.options.get("weight_bands") or {}
    for level1, band in bands.items():
        band_total = sum((v for r, v, _ in weights if r.level1 == _norm(level1)), Decimal(0))
        if band_total != Decimal(str(band)):
            yield at_table("weights"), f"一级指标“{level1}”下权重合计{_pct(band_total)}，应为{_pct(band)}。"
