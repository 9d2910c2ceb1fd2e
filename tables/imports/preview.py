"""The import preview: a file of any province's form read, shown, its columns confirmed, then stored.

An upload is held on the server (`HeldUpload`, keyed to its user and organisation) between the
preview and 确认导入. `read_held` reads it with the recogniser, a person's choices applied as the
overrides of `tables.imports.recognise.columns`; `blockers` are what stops an import (no year,
the table already there, two columns on one field, two projects the file would store as one);
`store` writes every table of the file in one
transaction through `import_document` and remembers the confirmed mapping (`ImportMapping`) for
the organisation and layout, so that `straight_through` stores next year's file of the same shape
without asking, when it reads without a problem.

Another import (a batch, the CLI) that has a file a person must confirm (`dispatch.NeedsConfirmation`)
links it to this preview by holding it for the person and organisation it imports for:
`held = hold(user, organisation, name, data, year=None)`, then `reverse("import-preview", args=[held.pk])`.
The link works for that user only, while they fill in for that organisation, for `HeldUpload.HELD_HOURS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from tables.editor.editing import acting_user
from tables.imports.dispatch import GRID_SUFFIXES, ImportFailed, check_size, source_grids
from tables.imports.exchange import ExchangeError, import_document
from tables.imports.exchange.identity import document_lookup, repeated_tables
from tables.imports.recognise import Grid, recognise, shipped_layouts
from tables.imports.recognise.columns import IN_NOTE, Column
from tables.imports.recognise.recognise import HEADER_PATHS
from tables.layout_spec import HEADER_FIELDS, column_label
from tables.layouts import BUDGET_LABELS, COLUMN_LABELS
from tables.models import HeldUpload, ImportMapping, Organisation, TargetTable

SUFFIXES = GRID_SUFFIXES
PASTED_NAME = "粘贴的文字.txt"
IGNORE = "-"  # the drop-down's value for 忽略此列 (the override None)
STALE = "这次上传的预览已失效（已导入、已取消或超过 {hours} 小时），请重新上传文件。"


class PreviewError(Exception):
    """The upload cannot be read at all; the message names the file, in Chinese."""


# ---------------------------------------------------------------- holding the upload


def hold(user, organisation: Organisation, name: str, data: bytes, year: int | None = None) -> HeldUpload:
    """Keep an upload for its preview; refused (`PreviewError`) when empty, over IMPORT_MAX_BYTES or not a
    file the readers read. Expired uploads go."""
    try:
        check_size(len(data), name)
    except ImportFailed as exc:  # the same words as every other import
        raise PreviewError(str(exc)) from exc
    read_grids(name, data)
    expired().delete()
    if len(name) > 200:  # a name the field holds, its suffix kept (the reader goes by it)
        name = Path(name).stem[:190] + Path(name).suffix[:10]
    return HeldUpload.objects.create(user=user, organisation=organisation, name=name, data=data, year=year)


def _cutoff():
    """Uploads held since before this are expired."""
    return timezone.now() - timedelta(hours=HeldUpload.HELD_HOURS)


def expired():
    return HeldUpload.objects.filter(created_at__lt=_cutoff())


def is_expired(held: HeldUpload) -> bool:
    return held.created_at < _cutoff()


def stale_message() -> str:
    return STALE.format(hours=HeldUpload.HELD_HOURS)


# ---------------------------------------------------------------- reading


def read_grids(name: str, data: bytes) -> list[Grid]:
    """Every sheet, Word table, PDF page or text of an upload as grids (read as every import reads a file:
    `dispatch.source_grids`); refused (`PreviewError`) in the same words."""
    try:
        return source_grids(name, data, source="粘贴的文字" if name == PASTED_NAME else None)
    except ImportFailed as exc:
        raise PreviewError(str(exc)) from exc


@dataclass
class Reading:
    """An upload as the recogniser read it, with a person's choices applied."""

    name: str
    layout: str | None  # the closest shipped layout's code; None: the generic one
    tables: list[dict]
    columns: list[Column]  # each source column once (by its source key), in the order met
    problems: list[str]
    remembered: ImportMapping | None = None
    blockers: list[str] = field(default_factory=list)

    @property
    def sources(self) -> list[str]:
        return [column.source for column in self.columns]

    @property
    def mapping(self) -> dict[str, str | None]:
        """Every column's field as an override (what a confirmation remembers)."""
        return {column.source: choice_of(column) for column in self.columns}


def read_held(name: str, data: bytes, overrides: dict[str, str | None] | None = None) -> Reading:
    """The tables of every sheet (or Word table, page) that has an indicator grid."""
    grids = read_grids(name, data)
    results = [recognise(grid, overrides=overrides) for grid in grids]
    found = [result for result in results if result.tables]
    if not found:
        problems = [p for result in results[:1] for p in result.problems] or [f"{name}：文件中没有内容"]
        return Reading(name, None, [], [], problems)
    columns: dict[str, Column] = {}
    for result in found:
        for column in result.columns:
            columns.setdefault(column.source, column)
    return Reading(
        name=name,
        layout=found[0].layout,
        tables=[table for result in found for table in result.tables],
        columns=list(columns.values()),
        problems=[problem for result in found for problem in result.problems],
    )


# ---------------------------------------------------------------- the drop-down of each column


def choice_of(column: Column) -> str | None:
    """A column's field as an override: a record key, `header:…`/`budget:…`, IN_NOTE or None (ignored)."""
    if column.section == "ignored":
        return None
    if column.key is None:
        return IN_NOTE
    return column.key if column.section == "column" else f"{column.section}:{column.key}"


def field_value(choice: str | None) -> str:
    """An override as the drop-down's value."""
    return IGNORE if choice is None else choice


def choice_from(value: str) -> str | None:
    return None if value == IGNORE else value


@cache
def _layouts() -> dict[str, dict]:
    return {layout["code"]: layout for layout in shipped_layouts()}


def layout_name(code: str | None) -> str:
    layout = _layouts().get(code or "")
    return (layout.get("name") or code) if layout else "通用表样（没有相近的已有表样）"


def options(layout_code: str | None, column: Column) -> list[tuple[str, str]]:
    """(value, label) of a column's drop-down: every column the layout prints, 忽略此列 and 记入备注."""
    layout = _layouts().get(layout_code or "")
    keys = list(layout.get("columns") or []) if layout else list(COLUMN_LABELS)
    for key in ("level1", "level2", "level3", "value", "note"):
        if key not in keys:
            keys.append(key)
    found = [(key, column_label(layout, key) if layout else COLUMN_LABELS[key]) for key in keys]
    if column.section in ("header", "budget") and column.key:
        labels = HEADER_FIELDS if column.section == "header" else BUDGET_LABELS
        found.insert(0, (f"{column.section}:{column.key}", f"{labels.get(column.key, column.key)}（每个项目一格）"))
    return [*found, (IN_NOTE, "记入备注（按“列名：值”）"), (IGNORE, "忽略此列")]


def label_of(layout_code: str | None, choice: str | None) -> str:
    column = Column(0, "", "", None)
    return dict(options(layout_code, column)).get(field_value(choice), choice or "忽略此列")


# ---------------------------------------------------------------- what stops an import


def for_organisation(reading: Reading, organisation: Organisation, year: int | None) -> list[dict]:
    """The tables as they will be stored: in the uploader's organisation, in the year chosen (or read)."""
    out = []
    for table in reading.tables:
        table = {**table, "organization": {"code": organisation.code, "name": organisation.name}}
        if year:
            table["year"] = year
        out.append(table)
    return out


def blockers(reading: Reading, tables: list[dict], organisation: Organisation) -> list[str]:
    found = []
    if not tables:
        found.append(f"{reading.name}：没有读出绩效目标表，不能导入。")
    if any(not table.get("year") for table in tables):
        found.append(f"{reading.name}：文件中找不到预算年度，请在上面填写“预算年度”。")
    taken: dict[tuple, list[str]] = {}
    for column in reading.columns:
        if column.section == "column" and column.key:
            taken.setdefault((column.key, column.period), []).append(column.label)
    for (key, _), labels in taken.items():
        if len(labels) > 1:
            joined = "”“".join(labels)
            found.append(f"列“{joined}”都对应到了“{label_of(reading.layout, key)}”：一个字段只能对应一列，请改选。")
    repeated = repeated_tables([(f"第 {i} 张表", table) for i, table in enumerate(tables, start=1)])
    found += [f"{reading.name}：{message}后重新上传。" for message in repeated]
    for table in tables:
        if table.get("year") and (existing := _existing(table, organisation)) is not None:
            found.append(
                f"{organisation.name}{table['year']}年已有《{existing.title}》（{existing.get_status_display()}），"
                "导入不会覆盖它：请在该表中修改，或先删除它。"
            )
    return found


def _existing(table: dict, organisation: Organisation) -> TargetTable | None:
    return TargetTable.objects.filter(organisation=organisation, year=table["year"], **document_lookup(table)).first()


def prepare(held: HeldUpload, overrides: dict[str, str | None] | None, year: int | None) -> tuple[Reading, list]:
    """A held upload read with `overrides` (None: the remembered mapping if any), and its tables."""
    reading = read_held(held.name, bytes(held.data))
    if overrides is None and reading.columns:
        remembered = ImportMapping.objects.remembered(held.organisation, reading.layout, reading.sources)
        if remembered is not None:
            reading = read_held(held.name, bytes(held.data), remembered.mapping)
            reading.remembered = remembered
    elif overrides:
        reading = read_held(held.name, bytes(held.data), overrides)
    tables = for_organisation(reading, held.organisation, year or held.year)
    reading.blockers = blockers(reading, tables, held.organisation)
    return reading, tables


# ---------------------------------------------------------------- storing


def store(held: HeldUpload, reading: Reading, tables: list[dict], user) -> list[TargetTable]:
    """Every table of the upload, all or none; the mapping remembered; the held upload released."""
    if reading.blockers:
        raise ExchangeError("；".join(reading.blockers))
    stored = []
    with transaction.atomic():
        for table in tables:
            stored += import_document(table, held.name, layout_code=reading.layout, user=acting_user(user)).tables
        ImportMapping.objects.update_or_create(
            organisation=held.organisation,
            layout_code=reading.layout or "",
            signature=ImportMapping.signature_of(reading.sources),
            defaults={"sources": reading.sources, "mapping": reading.mapping, "confirmed_by": acting_user(user)},
        )
        held.delete()
    return stored


def straight_through(held: HeldUpload, user) -> tuple[Reading, list[TargetTable]]:
    """Store an upload without a preview when a remembered mapping fits it and it reads without a
    problem; else nothing is stored (the list is empty) and the reading goes to the preview."""
    reading, tables = prepare(held, None, held.year)
    if reading.remembered is None or reading.problems or reading.blockers:
        return reading, []
    try:
        return reading, store(held, reading, tables, user)
    except ExchangeError as exc:
        reading.blockers.append(str(exc))
        return reading, []


# ---------------------------------------------------------------- a table as it will be stored

PERIOD_LABELS = {"annual": "年度", "long_term": "中期/长期"}
FOOTER_LABELS = {"filler": "填表人", "phone": "联系电话", "date": "填报日期", "responsible": "单位负责人"}


@dataclass
class Shown:
    """A `target-table/2` dict laid out for the preview: every field that holds something."""

    title: str
    year: int | None
    header: list[tuple[str, str]]
    budget: list[tuple[str, str]]
    tasks: list[dict]
    columns: list[str]  # the indicator fields present, as labels
    rows: list[list[str]]
    footer: list[tuple[str, str]]


def shown(table: dict) -> Shown:
    header = []
    for key, path in HEADER_PATHS.items():
        holder = table.get(path[0]) if len(path) == 2 else table
        value = holder.get(path[-1]) if isinstance(holder, dict) else None
        if value not in (None, ""):
            header.append((HEADER_FIELDS[key], str(value)))
    header += [(extra.get("label") or "", extra.get("value") or "") for extra in table.get("header_extra") or []]
    budget = [(BUDGET_LABELS.get(key, key), f"{value} 万元") for key, value in (table.get("budget") or {}).items()]
    indicators = table.get("indicators") or []
    keys = [key for key in ("period", *COLUMN_LABELS) if any(row.get(key) not in (None, "") for row in indicators)]
    labels = {"period": "期间", **COLUMN_LABELS}
    footer_data = table.get("footer") or {}
    footer = [(FOOTER_LABELS[key], footer_data[key]) for key in FOOTER_LABELS if footer_data.get(key)]
    footer += [(opinion.get("by") or "", opinion.get("text") or "") for opinion in footer_data.get("opinions") or []]
    return Shown(
        title=table.get("title") or "",
        year=table.get("year"),
        header=header,
        budget=budget,
        tasks=table.get("tasks") or [],
        columns=[labels[key] for key in keys],
        rows=[[_cell(row.get(key), key) for key in keys] for row in indicators],
        footer=footer,
    )


def _cell(value, key: str) -> str:
    if value is None:
        return ""
    if key == "period":
        return PERIOD_LABELS.get(value, value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)
