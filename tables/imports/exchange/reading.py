"""One table of a document, checked key by key into a draft before anything is written."""

from __future__ import annotations

from dataclasses import dataclass

from indicators.models import Category, Indicator, Scheme
from tables.imports.exchange.base import TABLE_FORMAT, TABLE_FORMATS, _max_length, _Reader
from tables.imports.exchange.full_record import read_indicator_record, read_table_keys
from tables.layouts import infer_layout_code
from tables.models import Layout, Organisation, TargetTable, Task


@dataclass
class _TableDraft:
    """A validated table, ready to be written."""

    data: dict
    layout: Layout
    organisation: dict
    year: int
    kind: str
    fields: dict
    tasks: list[dict]
    indicators: list[dict]
    schedule: list[dict]


def _layout_for(data: dict, layout_code: str | None, reader: _Reader, path: str) -> Layout:
    """The document's `layout` (or a transcription's `layout_family`), else the caller's, else inferred."""
    key = "layout" if data.get("layout") or not data.get("layout_family") else "layout_family"
    code = data.get(key) or layout_code or infer_layout_code(data)
    layout = Layout.objects.select_related("scheme").filter(code=code).first()
    if layout is None:
        raise reader.fail(f"{path}.{key}" if path else key, f"未知的表样“{code}”")
    if layout.kind != data.get("kind"):
        raise reader.fail(
            f"{path}.kind" if path else "kind",
            f"表类型“{data.get('kind')}”与表样“{layout.name}”（{layout.get_kind_display()}）不符",
        )
    return layout


def _scheme_categories(scheme: Scheme, cache: dict) -> tuple[set[str], set[str]]:
    if scheme.pk not in cache:
        level1, level2 = set(), set()
        for cat in Category.objects.filter(scheme=scheme).only("name", "parent_id"):
            (level1 if cat.parent_id is None else level2).add(cat.name)
        cache[scheme.pk] = (level1, level2)
    return cache[scheme.pk]


def _read_table(data: object, reader: _Reader, path: str, layout_code: str | None, cache: dict) -> _TableDraft:
    """One table of a document, checked part by part in the order a reader of the file meets them."""
    data = reader.obj(data, path or "（根）")
    kind, year, version2 = _read_kind_and_year(data, reader, path)
    p = (lambda key: f"{path}.{key}") if path else (lambda key: key)
    title, organisation = _read_title_and_organisation(data, reader, path, p)
    layout = _layout_for(data, layout_code, reader, path)
    fields: dict = {
        "title": title,
        "mission": reader.text(data, "mission", path, required=False, nullable=True),
        "goal": reader.text(data, "goal", path, required=False, nullable=True),
        "source": data.get("source") if isinstance(data.get("source"), str) else "",
    }
    fields |= _read_project(data, kind, reader, p, version2=version2)
    for key in ("project_code", "project_name", "source"):
        reader.limit(fields.get(key), _max_length(TargetTable, key), p(key.replace("_", ".", 1)))
    fields |= _read_budget(data, reader, p)
    fields |= _read_spending_plan(data, reader, p)
    tasks = _read_tasks(data, reader, p)
    table_keys, schedule = read_table_keys(data, kind, layout, reader, p)
    fields |= table_keys
    categories = _scheme_categories(layout.scheme, cache)
    indicators = _read_indicators(data, layout, categories, reader, path, p, version2=version2)
    return _TableDraft(
        data=data,
        layout=layout,
        organisation=organisation,
        year=year,
        kind=kind,
        fields=fields,
        tasks=tasks,
        indicators=indicators,
        schedule=schedule,
    )


def _read_kind_and_year(data: dict, reader: _Reader, path: str) -> tuple[str, int, bool]:
    """The table's kind and year, and whether it is version 2."""
    fmt = reader.require(data, "format", path)
    if fmt not in TABLE_FORMATS:
        raise reader.fail(
            f"{path}.format" if path else "format", f"格式应为“{TABLE_FORMAT}”或“{TABLE_FORMATS[0]}”，实际为“{fmt}”"
        )
    kind = reader.require(data, "kind", path)
    if kind not in TargetTable.Kind.values:
        raise reader.fail(f"{path}.kind" if path else "kind", f"表类型应为 department 或 project，实际为“{kind}”")
    return kind, reader.year(data, path), fmt == TABLE_FORMAT


def _read_title_and_organisation(data: dict, reader: _Reader, path: str, p) -> tuple[str, dict]:
    title = reader.text(data, "title", path)
    org = reader.obj(reader.require(data, "organization", path), p("organization"))
    org_name = reader.text(org, "name", p("organization"))
    if not org_name.strip():
        raise reader.fail(p("organization.name"), "不能为空")
    org_code = reader.text(org, "code", p("organization"), required=False, nullable=True)
    reader.limit(title, _max_length(TargetTable, "title"), p("title"))
    reader.limit(org_name, _max_length(Organisation, "name"), p("organization.name"))
    reader.limit(org_code, _max_length(Organisation, "code"), p("organization.code"))
    return title, {"code": org_code, "name": org_name}


def _read_project(data: dict, kind: str, reader: _Reader, p, *, version2: bool) -> dict:
    """A project table's `project` (code, name, purpose); a department table has none.

    Version 2 may leave the code empty (many provinces' forms print no 项目编码).
    """
    project = data.get("project")
    if kind != TargetTable.Kind.PROJECT:
        if project is not None:
            raise reader.fail(p("project"), "整体支出表不应有 project（项目信息）")
        return {}
    project = reader.obj(project, p("project"))
    return {
        "project_code": reader.text(project, "code", p("project"), nullable=version2) or "",
        "project_name": reader.text(project, "name", p("project")),
        "project_purpose": reader.text(project, "purpose", p("project"), required=False, nullable=True) or "",
    }


def _read_budget(data: dict, reader: _Reader, p) -> dict:
    fields = {}
    budget = reader.obj(data.get("budget") or {}, p("budget"))
    for key in budget:
        if key not in TargetTable.BUDGET_KEYS:
            raise reader.fail(p(f"budget.{key}"), "未定义的预算字段")
        fields[f"budget_{key}"] = reader.amount(budget, key, p("budget"))
    return fields


def _read_spending_plan(data: dict, reader: _Reader, p) -> dict:
    plan = data.get("spending_plan")
    if plan is None:
        return {}
    fields = {}
    plan = reader.obj(plan, p("spending_plan"))
    for key in plan:
        if key not in TargetTable.PLAN_MONTHS:
            raise reader.fail(p(f"spending_plan.{key}"), "月份应为 03、06、10 或 12")
        fields[f"plan_{key}"] = reader.amount(plan, key, p("spending_plan"))
    return fields


def _read_tasks(data: dict, reader: _Reader, p) -> list[dict]:
    tasks_raw = data.get("tasks") or []
    if not isinstance(tasks_raw, list):
        raise reader.fail(p("tasks"), "应为列表")
    tasks = []
    for i, row in enumerate(tasks_raw, start=1):
        where = p(f"tasks[{i}]")
        row = reader.obj(row, where)
        tasks.append(
            {
                "name": reader.text(row, "name", where),
                "content": reader.text(row, "content", where, required=False, nullable=True) or "",
                "total": reader.amount(row, "total", where),
                "fiscal": reader.amount(row, "fiscal", where),
                "other": reader.amount(row, "other", where),
            }
        )
        reader.limit(tasks[-1]["name"], _max_length(Task, "name"), f"{where}.name")
    return tasks


def _read_indicators(
    data: dict, layout: Layout, categories: tuple[set[str], set[str]], reader: _Reader, path: str, p, *, version2: bool
) -> list[dict]:
    """Every indicator row, its level-1 and level-2 names taken from the layout's scheme."""
    indicators_raw = reader.require(data, "indicators", path)
    if not isinstance(indicators_raw, list):
        raise reader.fail(p("indicators"), "应为列表")
    return [
        _read_indicator(row, p(f"indicators[{i}]"), layout, categories, reader, version2=version2)
        for i, row in enumerate(indicators_raw, start=1)
    ]


def _read_indicator(
    row: object, where: str, layout: Layout, categories: tuple[set[str], set[str]], reader: _Reader, *, version2: bool
) -> dict:
    row = reader.obj(row, where)
    indicator = {
        **_read_levels(row, where, layout, categories, reader, version2=version2),
        "level3": reader.text(row, "level3", where),
        "description": reader.text(row, "description", where, required=False, nullable=True),
        **read_indicator_record(row, where, reader, version2=version2),
        "basis": reader.text(row, "basis", where, required=False, nullable=True),
        "note": reader.text(row, "note", where, required=False, nullable=True),
    }
    for key in ("level3", "basis"):
        reader.limit(indicator[key], _max_length(Indicator, key), f"{where}.{key}")
    return indicator


def _read_levels(
    row: dict, where: str, layout: Layout, categories: tuple[set[str], set[str]], reader: _Reader, *, version2: bool
) -> dict:
    """一级 and 二级, each a category of the layout's scheme; version 2 leaves out a level the form does not print."""
    levels = {}
    for key, names, label in (("level1", categories[0], "一级指标"), ("level2", categories[1], "二级指标")):
        optional = version2 and key not in (layout.columns or [])
        name = reader.text(row, key, where, required=not optional, nullable=optional)
        if name is None:
            levels[key] = ""
            continue
        if name not in names:
            raise reader.fail(f"{where}.{key}", f"{label}“{name}”不在指标体系“{layout.scheme.name}”中")
        levels[key] = name
    return levels
