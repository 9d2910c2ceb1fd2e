"""Rules on the 一级 and 二级 categories of indicator rows."""

from __future__ import annotations

from indicators.checks.engine import ERROR, WARNING, Context, _norm, at_table, rule


def _level1_of(ctx: Context, level2: str) -> list[str]:
    return [l1 for l1, l2s in ctx.tree.items() if level2 in l2s]


@rule("category.empty", ERROR, "一级或二级指标为空")
def _category_empty(ctx: Context):
    # A form that prints no 一级 (or no 二级) column has nothing there to fill.
    level1 = "level1" in ctx.columns or not ctx.columns
    level2 = "level2" in ctx.columns or not ctx.columns
    for row in ctx.rows:
        if level1 and not row.level1:
            yield row.at("level1"), f"{row.label}：一级指标为空，请选择。"
        if level2 and not row.level2:
            yield row.at("level2"), f"{row.label}：二级指标为空，请选择。"


@rule("category.level1_missing", ERROR, "缺少必设的一级指标")
def _level1_missing(ctx: Context):
    present = {row.level1 for row in ctx.rows}
    for name in ctx.params.get("required_level1") or []:
        if _norm(name) not in present:
            children = "、".join(ctx.tree.get(_norm(name), []))
            hint = f"（如{children}）" if children else ""
            yield at_table("indicators"), f"缺少一级指标“{name}”，请至少设置一项{name}{hint}。"


@rule("category.level2_missing", WARNING, "缺少应设的二级指标")
def _level2_missing(ctx: Context):
    present = {(row.level1, row.level2) for row in ctx.rows}
    for level1, names in (ctx.params.get("required_level2") or {}).items():
        for name in names:
            if (_norm(level1), _norm(name)) not in present:
                yield at_table("indicators"), f"一级指标“{level1}”下缺少二级指标“{name}”，请补充。"


@rule("category.level1_unknown", ERROR, "一级指标不在指标体系中")
def _level1_unknown(ctx: Context):
    if not ctx.tree:
        return
    for row in ctx.rows:
        if row.level1 and row.level1 not in ctx.tree:
            known = "、".join(ctx.tree)
            guess = next((k for k in ctx.tree if k.startswith(row.level1) or row.level1.startswith(k)), None)
            hint = f"，是否应为“{guess}”？" if guess else f"，应为{known}之一。"
            yield row.at("level1"), f"{row.label}：一级指标“{row.level1}”不在本表指标体系中{hint}"


@rule("category.level2_mismatch", ERROR, "二级指标不属于其一级指标")
def _level2_mismatch(ctx: Context):
    if not ctx.tree:
        return
    for row in ctx.rows:
        if not row.level2 or row.level1 not in ctx.tree or row.level2 in ctx.tree[row.level1]:
            continue
        owners = _level1_of(ctx, row.level2)
        if owners:
            fix = f"“{row.level2}”属于一级指标“{owners[0]}”，请改正一级指标或改选二级指标。"
        else:
            fix = f"“{row.level1}”下的二级指标应为{'、'.join(ctx.tree[row.level1])}之一。"
        yield row.at("level2"), f"{row.label}：二级指标“{row.level2}”不属于一级指标“{row.level1}”；{fix}"
