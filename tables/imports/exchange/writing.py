"""Validated drafts written to the database, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from indicators.models import Indicator
from tables.imports.exchange.base import (
    BOOKLET_FORMAT,
    TABLE_FORMAT,
    TABLE_FORMATS,
    ExchangeError,
    ImportResult,
    _max_length,
    _Reader,
    check_structure,
)
from tables.imports.exchange.full_record import FOOTER_KEYS, PROJECT_KEYS
from tables.imports.exchange.identity import repeated_tables, table_lookup
from tables.imports.exchange.reading import _read_table, _TableDraft
from tables.limits import too_many_rows
from tables.models import AuditEntry, Organisation, OverallGoal, Round, ScheduleItem, SubGoal, TargetTable, Task

# ---------------------------------------------------------------- writing


def _organisation(spec: dict, parent: Organisation | None = None) -> Organisation:
    code, name = spec.get("code"), spec["name"]
    if code:
        org, created = Organisation.objects.get_or_create(code=code, defaults={"name": name, "parent": parent})
    else:
        org = Organisation.objects.filter(name=name).order_by("code").first()
        created = org is None
        if created:
            org = Organisation.objects.create(name=name, parent=parent)
    if not created and parent is not None and org.parent_id is None and org.pk != parent.pk:
        org.parent = parent
        org.save(update_fields=["parent"])
    return org


def _refuse_overwriting_what_was_handed_in(table: TargetTable) -> None:
    """An import replaces a table whole: never one a reviewer is reading or has approved."""
    if table.status in (TargetTable.Status.SUBMITTED, TargetTable.Status.APPROVED):
        raise ExchangeError(
            f"《{table.title}》（{table.organisation.name}，{table.year}年）{table.get_status_display()}，"
            "导入不能覆盖它：已提交的表请先撤回或等待退回，已批复的表请先申请调整"
        )


def _write_table(draft: _TableDraft, *, user=None, position: int = 0, parent: Organisation | None = None):
    for kind, rows in (("tasks", draft.tasks), ("indicators", draft.indicators)):
        if refusal := too_many_rows(kind, len(rows)):
            raise ExchangeError(f"《{draft.fields.get('title', '')}》：{refusal}")
    org = _organisation(draft.organisation, parent)
    round_, _ = Round.objects.get_or_create(
        year=draft.year, layout=draft.layout, defaults={"title": Round.default_title(draft.year, draft.layout.name)}
    )
    lookup = {
        "organisation": org,
        "year": draft.year,
        **table_lookup(draft.kind, draft.fields.get("project_code"), draft.fields.get("project_name")),
    }
    # Two imports of the same table at once: the second waits and updates.
    table = TargetTable.objects.select_for_update().filter(**lookup).first()
    values = {
        **_EMPTY_FIELDS,
        **draft.fields,
        "layout": draft.layout,
        "round": round_,
        "position": position,
        "updated_by": user,
    }
    created = table is None
    if created:
        table = TargetTable.objects.create(**{**values, **lookup}, created_by=user)
    else:
        _refuse_overwriting_what_was_handed_in(table)
        if table.status == TargetTable.Status.RETURNED:
            # A returned table was read by a reviewer: replacing it whole is an edit the audit log must show.
            AuditEntry.objects.create(
                table=table,
                version=table.version + 1,
                user=user,
                action=AuditEntry.Action.CHANGE,
                what="导入文件整表替换",
                note=f"导入前：{table.tasks.count()} 项任务、{table.indicators.count()} 项指标",
            )
        for key, value in values.items():
            setattr(table, key, value)
        table.version += 1
        table.save()
        table.tasks.all().delete()
        table.indicators.all().delete()
        table.schedule.all().delete()
    Task.objects.bulk_create(Task(table=table, position=i, **row) for i, row in enumerate(draft.tasks, start=1))
    Indicator.objects.bulk_create(
        Indicator(table=table, position=i, **row) for i, row in enumerate(draft.indicators, start=1)
    )
    ScheduleItem.objects.bulk_create(
        ScheduleItem(table=table, position=i, **row) for i, row in enumerate(draft.schedule, start=1)
    )
    return table, created


# What a table holds when the document does not say: an import replaces the table whole.
_EMPTY_FIELDS = {
    **{f"budget_{k}": None for k in TargetTable.BUDGET_KEYS},
    **{f"plan_{m}": None for m in TargetTable.PLAN_MONTHS},
    **{f"project_{key}": "" for key in PROJECT_KEYS},
    "department_code": "",
    "department_name": "",
    "long_term_goal": None,
    **{field: "" for field in FOOTER_KEYS.values()},
    "opinions": [],
}


def import_document(data: object, source_name: str = "", *, layout_code: str | None = None, user=None) -> ImportResult:
    """Import one exchange document (a table or a booklet), all or nothing."""
    reader = _Reader(source_name or "导入文件")
    check_structure(data, source_name)
    data = reader.obj(data, "（根）")
    fmt = data.get("format")
    cache: dict = {}
    result = ImportResult()
    if fmt in TABLE_FORMATS:
        draft = _read_table(data, reader, "", layout_code, cache)
        with transaction.atomic():
            table, created = _write_table(draft, user=user)
        result.tables.append(table)
        result.created += created
        result.updated += not created
        return result
    if fmt != BOOKLET_FORMAT:
        raise reader.fail("format", f"格式应为“{TABLE_FORMAT}”“{TABLE_FORMATS[0]}”或“{BOOKLET_FORMAT}”，实际为“{fmt}”")

    year = reader.year(data)
    org = reader.obj(reader.require(data, "organization", ""), "organization")
    org_spec = {
        "code": reader.text(org, "code", "organization", required=False, nullable=True),
        "name": reader.text(org, "name", "organization"),
    }
    reader.limit(org_spec["name"], _max_length(Organisation, "name"), "organization.name")
    reader.limit(org_spec["code"], _max_length(Organisation, "code"), "organization.code")
    reader.limit(data.get("source"), _max_length(OverallGoal, "source"), "source")
    overall = reader.obj(reader.require(data, "overall", ""), "overall")
    goal = reader.text(overall, "goal", "overall", required=False, nullable=True) or ""
    measures = reader.text(overall, "measures", "overall", required=False, nullable=True) or ""
    subgoals_raw = overall.get("subgoals") or []
    if not isinstance(subgoals_raw, list):
        raise reader.fail("overall.subgoals", "应为列表")
    subgoals = []
    for i, row in enumerate(subgoals_raw, start=1):
        where = f"overall.subgoals[{i}]"
        row = reader.obj(row, where)
        subgoals.append(
            {
                "title": reader.text(row, "title", where),
                "goal": reader.text(row, "goal", where, required=False, nullable=True) or "",
                "indicators": reader.text(row, "indicators", where, required=False, nullable=True) or "",
            }
        )
        reader.limit(subgoals[-1]["title"], _max_length(SubGoal, "title"), f"{where}.title")
    projects_raw = reader.require(data, "projects", "")
    if not isinstance(projects_raw, list):
        raise reader.fail("projects", "应为列表")
    drafts = [
        _read_table(row, reader, f"projects[{i}]", layout_code, cache) for i, row in enumerate(projects_raw, start=1)
    ]
    for i, draft in enumerate(drafts, start=1):
        if draft.year != year:
            raise reader.fail(f"projects[{i}].year", f"项目表年度 {draft.year} 与册子年度 {year} 不一致")
    if repeated := repeated_tables([(f"projects[{i}]", row) for i, row in enumerate(projects_raw, start=1)]):
        raise ExchangeError(f"{reader.where}：{'；'.join(repeated)}")

    with transaction.atomic():
        department = _organisation(org_spec)
        overall_obj, _ = OverallGoal.objects.update_or_create(
            organisation=department,
            year=year,
            defaults={"goal": goal, "measures": measures, "source": data.get("source") or ""},
        )
        overall_obj.subgoals.all().delete()
        SubGoal.objects.bulk_create(
            SubGoal(overall=overall_obj, position=i, **row) for i, row in enumerate(subgoals, start=1)
        )
        for position, draft in enumerate(drafts, start=1):
            table, created = _write_table(draft, user=user, position=position, parent=department)
            result.tables.append(table)
            result.created += created
            result.updated += not created
    result.overall = overall_obj
    return result


def load_file(path: Path) -> object:
    """Read a JSON file with a message that names it."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ExchangeError(f"{path.name}：无法读取文件（{exc.strerror}）") from exc
    if not raw.strip():
        raise ExchangeError(f"{path.name}：文件是空的")
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ExchangeError(f"{path.name}：文件不是 UTF-8 编码（交换格式 JSON 须以 UTF-8 保存）") from exc
    except json.JSONDecodeError as exc:
        raise ExchangeError(f"{path.name}：JSON 格式错误，第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}") from exc
    except RecursionError as exc:
        raise ExchangeError(f"{path.name}：JSON 嵌套层数过深，不是本系统的交换格式") from exc
    except ValueError as exc:  # an integer longer than Python reads (4300 digits)
        raise ExchangeError(f"{path.name}：JSON 中有位数过多的数字，无法读取") from exc
