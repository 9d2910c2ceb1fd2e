"""Starting a table: blank, copied from an earlier year, imported from a file, or from pasted text.

Domain logic only, like `editing.py`: each way takes the chosen round and
organisation, creates the table in one transaction and raises `StartError`
(with the table already there, when that is why) if it cannot. The `start`
view in `views.py` only picks the form and translates the result.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from indicators import record
from indicators.models import Indicator
from indicators.values import parse_value
from tables.editor.editing import INDICATOR_FIELDS, ROW_KINDS, EditError, acting_user, clean_row, with_parts
from tables.editor.forms import HEADER_LINE_FIELDS
from tables.fields import format_amount, parse_amount
from tables.imports.dispatch import ImportFailed, check_size, read_document
from tables.imports.exchange import TABLE_FORMATS, ExchangeError, export_table, import_document, tables_for_export
from tables.imports.exchange.identity import table_lookup
from tables.imports.text import parse_table_text
from tables.layout_spec import HEADER_FIELDS, MAPPED_FIELDS, column_label, compatible_fields
from tables.limits import too_many_rows
from tables.models import Layout, Organisation, Round, ScheduleItem, TargetTable, Task


class StartError(EditError):
    """A table could not be started; `existing` is the table already there, if that is why."""

    def __init__(self, message: str, existing: TargetTable | None = None):
        super().__init__(message)
        self.existing = existing


class Unconfirmed(Exception):
    """Pasted text with lines that were not understood: nothing is created until the user confirms.

    `problems` lists those lines, one sentence each.
    """

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


def existing_table(
    round_: Round, organisation: Organisation, project_code: str = "", project_name: str = ""
) -> TargetTable | None:
    """The stored table a new one would be (`exchange.identity`: a project by its code, or without one by its name)."""
    lookup = table_lookup(round_.layout.kind, project_code, project_name)
    return TargetTable.objects.filter(organisation=organisation, year=round_.year, **lookup).first()


def _refuse_existing(round_: Round, organisation: Organisation, project_code: str = "", project_name: str = "") -> None:
    found = existing_table(round_, organisation, project_code, project_name)
    if found is not None:
        what = f"项目“{project_code or project_name}”的" if round_.layout.kind == TargetTable.Kind.PROJECT else ""
        raise StartError(f"{organisation.name}{round_.year}年已有{what}绩效目标表，请直接编辑它。", found)


# ---------------------------------------------------------------- blank


def start_blank(
    round_: Round, organisation: Organisation, *, user=None, project_code: str = "", project_name: str = ""
) -> TargetTable:
    """A new empty table of the round's layout."""
    data = {"project": {"code": project_code, "name": project_name, "purpose": ""}}
    table, _ = create_from_data(data, round_=round_, organisation=organisation, user=user, source="新建")
    return table


# ---------------------------------------------------------------- from an exchange dict (copies, pasted text)


class _Amounts:
    """Amounts read leniently: one that is not a number is left blank and its place noted."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def read(self, raw, where: str):
        try:
            return parse_amount(raw)
        except ValueError as exc:
            self.problems.append(f"{where}：{exc}，未导入")
            return None


def create_from_data(
    data: dict, *, round_: Round, organisation: Organisation, user=None, source: str = "", extra: dict | None = None
) -> tuple[TargetTable, list[str]]:
    """Create a table from an exchange dict, leniently (for pasted text and copies).

    Organisation, year and layout come from the caller, not from the data;
    the checks report what is wrong with the content. Amounts that are not
    numbers are left blank and listed in the returned problems.
    """
    layout = round_.layout
    project = data.get("project") or {}
    project_code = (project.get("code") or "").strip() if layout.kind == TargetTable.Kind.PROJECT else ""
    _refuse_existing(round_, organisation, project_code, (project.get("name") or "").strip())
    for kind in ("tasks", "indicators"):
        if refusal := too_many_rows(kind, len(data.get(kind) or [])):
            raise StartError(refusal)
    amounts = _Amounts()
    fields = _header_fields(data, layout, project_code, source, amounts)
    user = acting_user(user)
    try:
        with transaction.atomic():
            table = TargetTable.objects.create(
                organisation=organisation,
                year=round_.year,
                round=round_,
                layout=layout,
                kind=layout.kind,
                created_by=user,
                updated_by=user,
                **fields | (extra or {}),
            )
            Task.objects.bulk_create(_tasks(table, data.get("tasks") or [], amounts))
            Indicator.objects.bulk_create(_indicators(table, data.get("indicators") or []))
    except IntegrityError as exc:
        raise StartError(f"{organisation.name}{round_.year}年已有这张绩效目标表。") from exc
    return table, amounts.problems


def _header_fields(data: dict, layout: Layout, project_code: str, source: str, amounts: _Amounts) -> dict:
    """The table's own fields: title, texts, project, budget and spending plan."""
    fields = {
        "title": (data.get("title") or "").strip() or layout.title,
        "mission": data.get("mission") or None,
        "goal": data.get("goal") or None,
        "source": source or (data.get("source") or ""),
    }
    if layout.kind == TargetTable.Kind.PROJECT:
        project = data.get("project") or {}
        fields.update(
            project_code=project_code,
            project_name=(project.get("name") or "").strip(),
            project_purpose=(project.get("purpose") or "").strip(),
        )
    for key, raw in (data.get("budget") or {}).items():
        if key in TargetTable.BUDGET_KEYS:
            fields[f"budget_{key}"] = amounts.read(raw, f"预算 {key}")
    for month, raw in (data.get("spending_plan") or {}).items():
        if month in TargetTable.PLAN_MONTHS:
            fields[f"plan_{month}"] = amounts.read(raw, f"{int(month)}月底支出计划")
    return fields


def _tasks(table: TargetTable, rows: list[dict], amounts: _Amounts) -> list[Task]:
    tasks = []
    for i, row in enumerate(rows, start=1):
        tasks.append(
            Task(
                table=table,
                position=i,
                name=(row.get("name") or "").strip(),
                content=(row.get("content") or "").strip(),
                **{k: amounts.read(row.get(k), f"第{i}项任务") for k in ("total", "fiscal", "other")},
            )
        )
    return tasks


def _indicators(table: TargetTable, rows: list[dict]) -> list[Indicator]:
    spec = ROW_KINDS["indicators"]
    return [
        Indicator(
            table=table, position=i, **with_parts(clean_row(spec, {name: row.get(name) for name in INDICATOR_FIELDS}))
        )
        for i, row in enumerate(rows, start=1)
    ]


# ---------------------------------------------------------------- copied from an earlier year


COPIED_FOOTER = ("filled_by", "filler_phone", "responsible")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?=年|-|/|\.)")


def shift_year(value: str, old: int, new: int) -> str:
    """`2022年11月25日` → `2023年11月25日` when the value is a date in year `old`; other values unchanged."""
    parsed = parse_value(value)
    if parsed.kind != "date" or parsed.date is None or parsed.date.year != old:
        return value
    return _YEAR.sub(lambda m: str(new) if int(m.group(1)) == old else m.group(1), value, count=1)


def shift_title(title: str, old: int, new: int) -> str:
    """`2023年度部门整体绩效目标表` → `2024年度…`: the year `old` in a title, written as a value's date writes it."""
    return _YEAR.sub(lambda m: str(new) if int(m.group(1)) == old else m.group(1), title)


@dataclass(frozen=True)
class CarryPlan:
    """What copying a table into a round does: `refusal` (Chinese) when it cannot, else the `changes`
    to tell the user and the `fields` map of the layout record (`{source line: target line}`)."""

    refusal: str = ""
    changes: tuple[str, ...] = ()
    fields: dict = field(default_factory=dict)
    same_layout: bool = True

    def __bool__(self) -> bool:
        return not self.refusal


def _label(key: str) -> str:
    return MAPPED_FIELDS.get(key) or HEADER_FIELDS.get(key, key)


def carry_plan(source: TargetTable, round_: Round) -> CarryPlan:
    """Whether `source` can be carried into `round_`'s layout, and what changes when it is.

    The same layout copies as it is; another layout only when its record declares the source's
    compatible (`compatible`, with a field map, `tables/layout_spec.py`); any other is refused.
    """
    target = round_.layout
    if source.kind != target.kind:
        return CarryPlan(
            f"来源表是{source.get_kind_display()}表，所选批次“{round_}”是{target.get_kind_display()}表，表类型不符，不能复制。"
        )
    if source.year >= round_.year:
        return CarryPlan(f"来源表是{source.year}年的表，请选择年度早于所选批次（{round_.year}年）的表。")
    changes = [f"年度：{source.year}年 → {round_.year}年"]
    title = shift_title(source.title, source.year, round_.year)
    if title != source.title:
        changes.append(f"标题：“{source.title}” → “{title}”")
    changes.append(f"指标值、表头和实施进度中{source.year}年的日期顺延到{round_.year}年")
    if source.layout_id == target.pk:
        return CarryPlan(changes=tuple(changes))
    fields = compatible_fields({"compatible": target.compatible}, source.layout.code)
    if fields is None:
        return CarryPlan(
            f"来源表的表样是“{source.layout.name}”，所选批次“{round_}”的表样是“{target.name}”，"
            f"该表样未声明可以承接“{source.layout.name}”的表，不能复制。请选择同一表样的批次，或从空白表开始。"
        )
    changes.append(f"表样：“{source.layout.name}” → “{target.name}”")
    changes += [f"“{_label(old)}”的内容移到“{_label(new)}”" for old, new in fields.items()]
    kept = {line["key"] for line in (target.header or [])} | {line["key"] for line in (target.footer or [])}
    for line in [*(source.layout.header or []), *(source.layout.footer or [])]:
        key = line["key"]
        if key in MAPPED_FIELDS and key not in kept and key not in fields and getattr(source, key, None):
            changes.append(f"“{_label(key)}”在新表样中没有，内容保留但不会打印")
    labels = {"column_labels": source.layout.column_labels}
    for column in source.layout.columns or []:
        if column not in (target.columns or []):
            changes.append(f"指标列“{column_label(labels, column)}”在新表样中没有，内容保留但不会打印")
    return CarryPlan(changes=tuple(changes), fields=fields, same_layout=False)


def copy_rounds(sources) -> QuerySet[Round]:
    """The rounds some table of `sources` can be carried into (its own layout, or one declaring it compatible)."""
    codes = set(sources.values_list("layout__code", flat=True).distinct())
    layouts = [
        layout.pk
        for layout in Layout.objects.only("pk", "code", "compatible")
        if layout.code in codes or any(entry.get("layout") in codes for entry in layout.compatible or [])
    ]
    return Round.objects.filter(layout_id__in=layouts).select_related("layout").order_by("-year", "title")


def copy_table(source: TargetTable, round_: Round, *, user=None, confirmed: bool = True) -> TargetTable:
    """A new table for `round_` with everything of `source`: header, budget, tasks, indicators.

    Refused (`StartError`, with `carry_plan`'s reason) unless the round's layout is the source's or
    declares it compatible; the field map of that declaration moves lines to their new keys. The
    source's year moves to the round's in the title and in the dates of the values, the header
    lines and the schedule. Into another layout, `Unconfirmed` lists the changes until `confirmed`.
    """
    plan = carry_plan(source, round_)
    if not plan:
        raise StartError(plan.refusal)
    if not plan.same_layout and not confirmed:
        raise Unconfirmed(list(plan.changes))
    old, new = source.year, round_.year
    source = tables_for_export().get(pk=source.pk)
    data = export_table(source)
    data["title"] = shift_title(source.title, old, new)
    data["budget"] = {k: format_amount(getattr(source, f"budget_{k}")) for k in TargetTable.BUDGET_KEYS}
    data["spending_plan"] = {m: format_amount(getattr(source, f"plan_{m}")) for m in TargetTable.PLAN_MONTHS}
    for row, indicator in zip(data["indicators"], source.indicators.all(), strict=True):
        row["value"] = shift_year(row["value"], old, new)
        row.update({name: getattr(indicator, name) for name in record.EXTRA_FIELDS})  # the parts follow the value
    # The full record's header and footer lines (the date it is filled in is this year's to say).
    extra = {name: getattr(source, name) for name in (*HEADER_LINE_FIELDS, *COPIED_FOOTER, "long_term_goal")}
    extra.pop("project_code", None)
    for name in ("project_start", "project_end"):
        extra[name] = shift_year(extra[name], old, new) if extra.get(name) else extra.get(name)
    _move_fields(source, plan.fields, data, extra)
    with transaction.atomic():
        table, _ = create_from_data(
            data,
            round_=round_,
            organisation=source.organisation,
            user=user,
            source=f"复制自{old}年",
            extra=extra,
        )
        ScheduleItem.objects.bulk_create(
            ScheduleItem(
                table=table,
                position=item.position,
                content=item.content,
                start=shift_year(item.start, old, new) if item.start else item.start,
                end=shift_year(item.end, old, new) if item.end else item.end,
            )
            for item in source.schedule.all()
        )
    return table


def _move_fields(source: TargetTable, fields: dict[str, str], data: dict, extra: dict) -> None:
    """Apply a `compatible` field map: each source line's text goes to its new line (and leaves the old one)."""
    moved = {new: getattr(source, old, None) for old, new in fields.items()}
    for old in fields:
        if old not in moved:
            blank = None if TargetTable._meta.get_field(old).null else ""
            (data if old in ("mission", "goal") else extra)[old] = blank
    for key, value in moved.items():
        (data if key in ("mission", "goal") else extra)[key] = value


# ---------------------------------------------------------------- imported from a file


def import_upload(upload: UploadedFile, *, round_: Round, organisation: Organisation, user=None) -> TargetTable:
    """A file of any kind the importer reads (exchange JSON, the official xlsx, text) as a new table."""
    suffix = Path(upload.name).suffix.lower()
    try:
        check_size(upload.size, upload.name)  # before copying it: Django accepts any size of file
    except ImportFailed as exc:
        raise StartError(str(exc)) from exc
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            document, problems = read_document(path, name=upload.name)
        except ImportFailed as exc:
            raise StartError(str(exc)) from exc
    if problems:
        raise StartError("文件中有无法识别的内容：" + "；".join(problems[:10]))
    return import_exchange(document, round_=round_, organisation=organisation, user=user, name=upload.name)


def import_exchange(
    data: object, *, round_: Round, organisation: Organisation, user=None, name: str = ""
) -> TargetTable:
    """Import one `target-table/1` document as a new table of `organisation` in `round_`.

    The document's organisation, year and layout are replaced by the chosen
    ones: a filler imports into their own organisation whatever the file says.
    """
    if not isinstance(data, dict) or data.get("format") not in TABLE_FORMATS:
        raise StartError("只能导入单张绩效目标表（target-table/1 格式），不能导入整本册子。")
    layout = round_.layout
    if data.get("kind") != layout.kind:
        raise StartError(f"文件中的表不是{layout.get_kind_display()}表，与所选批次“{round_}”的表样不符。")
    project = data.get("project") or {}
    project_code = (project.get("code") or "") if layout.kind == TargetTable.Kind.PROJECT else ""
    _refuse_existing(round_, organisation, project_code, project.get("name") or "")
    data = {
        **data,
        "organization": {"code": organisation.code, "name": organisation.name},
        "year": round_.year,
        "layout": layout.code,
        "title": data.get("title") or layout.title,
    }
    try:
        with transaction.atomic():
            result = import_document(data, name, user=acting_user(user))
            table = result.tables[0]
            if table.organisation_id != organisation.pk or not result.created:
                raise StartError("导入的表无法对应到所选部门（单位），未导入。")
    except ExchangeError as exc:
        raise StartError(str(exc)) from exc
    except IntegrityError as exc:
        raise StartError(f"{organisation.name}{round_.year}年已有这张绩效目标表。") from exc
    return table


# ---------------------------------------------------------------- from pasted text


def start_from_text(
    text: str, *, round_: Round, organisation: Organisation, user=None, confirmed: bool = False
) -> tuple[TargetTable, list[str]]:
    """A whole table pasted as text (department tables only): the table and notes on what was left out.

    Raises `Unconfirmed` with the lines that were not understood, until `confirmed`.
    """
    if round_.layout.kind != TargetTable.Kind.DEPARTMENT:
        raise StartError("粘贴整张表目前只支持部门（单位）整体表；项目支出表请新建后在“绩效指标”步骤粘贴指标行。")
    parsed = parse_table_text(text, source="粘贴的文本")
    problems = [f"第 {line} 行“{raw.strip()[:60]}”：{reason}" for line, raw, reason in parsed.problems]
    if not parsed.data.get("indicators") and not parsed.data.get("tasks") and not parsed.data.get("goal"):
        raise StartError("没有从粘贴的文本中识别出任务、目标或指标。" + ("；".join(problems[:5])))
    if problems and not confirmed:
        raise Unconfirmed(problems)
    table, notes = create_from_data(
        parsed.data, round_=round_, organisation=organisation, user=user, source="粘贴的文本"
    )
    return table, [f"未导入：{p}" for p in problems] + notes
