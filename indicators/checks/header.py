"""Rules on the table's header and its tasks."""

from __future__ import annotations

from indicators.checks.engine import _REQUIRED_BY_BLOCK, ERROR, WARNING, Context, _text, at_table, rule


def _required_fields(ctx: Context) -> list[str]:
    """The header fields this table must fill: the layout's `required_fields` option, else its required
    header lines (with the title, and the total where it prints one), else what its blocks imply."""
    fields = ctx.options.get("required_fields")
    if fields is not None:
        return list(fields)
    header = ctx.layout.get("header")
    if header:
        fields = [line["key"] for line in header if line.get("required")]
        # The title right after the unit's name, where the lines derived from blocks put it.
        at = 1 if fields[:1] == ["organization"] else 0
        fields[at:at] = ["title"]
    else:
        fields = ["organization", "title"]
        for block in ctx.blocks:
            fields += _REQUIRED_BY_BLOCK.get(block, [])
    if "budget" in ctx.blocks and "total" in ctx.budget_keys:
        fields.append("budget_total")
    return fields


@rule("header.required", ERROR, "表头必填项")
def _header_required(ctx: Context):
    fields = _required_fields(ctx)
    data = ctx.data
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    organization = data.get("organization") if isinstance(data.get("organization"), dict) else {}
    department = data.get("department") if isinstance(data.get("department"), dict) else {}
    values = {
        "organization": organization.get("name"),
        "organization_code": organization.get("code"),
        "department_name": department.get("name"),
        "department_code": department.get("code"),
        "title": data.get("title"),
        "mission": data.get("mission"),
        "goal": data.get("goal"),
        "long_term_goal": data.get("long_term_goal"),
        **{f"project_{key}": value for key, value in project.items()},
    }
    for f in fields:
        if f.startswith("budget_"):
            key = f[len("budget_") :]
            if ctx.budget.get(key) is None and key not in ctx.budget_invalid:
                yield at_table(f), f"未填写“{ctx.field_label(f)}”，请填写金额（万元）。"
        elif not _text(values.get(f)):
            yield at_table(f), f"未填写“{ctx.field_label(f)}”，请补充。"
    if ctx.year is None:
        yield at_table("year"), "预算年度缺失或不是年份，请填写如“2024”。"


@rule("tasks.missing", ERROR, "缺少年度主要任务")
def _tasks_missing(ctx: Context):
    if "tasks" in ctx.blocks and not ctx.tasks:
        yield at_table("tasks"), "未填写年度主要任务，请至少列出一项任务及其主要内容。"


@rule("task.name_empty", ERROR, "任务名称为空")
def _task_name_empty(ctx: Context):
    for task in ctx.tasks:
        if not task.name:
            yield task.at("name"), f"{task.label}：任务名称为空，请填写。"


@rule("task.content_empty", WARNING, "任务主要内容为空")
def _task_content_empty(ctx: Context):
    for task in ctx.tasks:
        if task.name and not task.content:
            yield task.at("content"), f"{task.label}：未填写主要内容，请说明该任务做什么、做到什么程度。"
