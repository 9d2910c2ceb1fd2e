"""Rules on indicator rows: names, empty values, placeholders, duplicates."""

from __future__ import annotations

from indicators.checks.engine import ERROR, WARNING, Context, Row, _norm, rule
from indicators.values import is_placeholder


@rule("indicator.level3_empty", ERROR, "三级指标名称为空")
def _level3_empty(ctx: Context):
    for row in ctx.rows:
        if not row.level3:
            yield row.at("level3"), f"{row.label}：三级指标名称为空，请填写具体指标。"


@rule("indicator.value_empty", ERROR, "指标值为空")
def _value_empty(ctx: Context):
    for row in ctx.rows:
        if row.value.kind == "empty" and not _all_columns_filled(row):
            yield row.at("value"), f"{row.label}：未填写指标值，请填写，如“≥95%”“=10个”“2024年12月底前”。"


def _all_columns_filled(row: Row) -> bool:
    """A form with one target column per sub-project leaves the shared value empty when they differ."""
    return bool(row.column_values) and all(_norm(str(v or "")) for v in row.column_values.values())


@rule("indicator.placeholder", ERROR, "只填了占位符")
def _placeholder(ctx: Context):
    for row in ctx.rows:
        if is_placeholder(row.level3):
            yield row.at("level3"), f"{row.label}：三级指标名称不能只填“*”“_”或“-”，请填写具体指标名称。"
        if row.value.kind == "placeholder":
            yield row.at("value"), f"{row.label}：指标值不能只填“{row.value_text}”，请填写具体目标值。"


@rule("indicator.duplicate", ERROR, "重复的指标")
def _duplicate(ctx: Context):
    seen: dict[tuple, Row] = {}
    for row in ctx.rows:
        if not row.level3:
            continue
        # A long-term and an annual indicator may share a name and a value (中期 beside 年度).
        key = (row.period, row.level1, row.level2, _norm(row.level3), row.value.normalized)
        if key in seen:
            yield row.at("level3"), f"{row.label}：与第{seen[key].position}行完全重复，请删除其中一行。"
        else:
            seen[key] = row


@rule("indicator.duplicate_name", WARNING, "三级指标名称重复")
def _duplicate_name(ctx: Context):
    seen: dict[str, Row] = {}
    exact: set[tuple] = set()
    for row in ctx.rows:
        if not row.level3:
            continue
        name = (row.period, _norm(row.level3))
        key = (row.level1, row.level2, name, row.value.normalized)
        if name in seen and key not in exact:
            first = seen[name]
            yield (
                row.at("level3"),
                (
                    f"{row.label}：与第{first.position}行的三级指标同名（指标值“{first.value_text}”与“{row.value_text}”），"
                    "请合并，或改用能区分的名称。"
                ),
            )
        seen.setdefault(name, row)
        exact.add(key)
