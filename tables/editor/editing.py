"""Editing a target table: saves with optimistic locking, a row's autosave and the other row operations.

Domain logic only: it takes domain objects and plain values, returns results
and raises `EditError`s; the views in `tables/editor/` translate HTTP. A row's
autosave is `save_row`; starting a table is in `starting.py`, task rows pasted
into step 2 are read by `pasted_tasks.py`.

Optimistic locking, in two layers:

* `TargetTable.version` counts the changes to a table. Every write bumps it
  as the first statement of its transaction; that UPDATE also takes the
  write lock (a row lock on PostgreSQL, the database write lock on SQLite),
  so two writers of one table never interleave their check and their write.
  The edit sends the version it was based on; when the table has moved on
  since, the result says so (`changed_elsewhere`) and the page offers a reload.
* What an edit is *refused* on is the part it changes: one row (task or
  indicator) or the fields of one step's form. The edit carries the
  fingerprint of that part as the user saw it (`base`); if the stored part
  differs, `Conflict` carries the newer values and nothing is written. Two
  colleagues editing different rows, or one the goal and another an
  indicator, do not conflict; two edits of the same row do.

A fingerprint rather than a per-row counter: it needs no column (tasks live
in `tables/`, indicators in `indicators/`), and an edit back to exactly what
the user saw (A → B → A) is not reported, which loses nothing.

One module of ~540 lines on purpose: every write below goes through the same
lock (`_begin_write`), fingerprint and audit steps, and keeping them together is
what makes a new write hard to get wrong.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone

from indicators import record
from indicators.models import Indicator
from tables.fields import format_amount, parse_amount
from tables.limits import too_many_rows
from tables.models import AuditEntry, Organisation, Round, Snapshot, TargetTable, Task, one
from tables.permissions import fillable_organisations

EDITABLE = (TargetTable.Status.DRAFT, TargetTable.Status.RETURNED)
TASK_FIELDS = ("name", "content", "total", "fiscal", "other")
# The indicator record as the grid edits it: the seeds' columns, then the full record's fields.
INDICATOR_FIELDS = ("level1", "level2", "level3", "description", "value", "basis", "note", *record.RECORD_FIELDS)
# `value` and the parts read from it: an edit of one re-derives the others (`record.reconcile`).
VALUE_GROUP = ("value", *record.SPLIT_FIELDS)
AMOUNT_FIELDS = frozenset(
    {"total", "fiscal", "other"}
    | {f"budget_{k}" for k in TargetTable.BUDGET_KEYS}
    | {f"plan_{m}" for m in TargetTable.PLAN_MONTHS}
)
# Indicator columns that are NOT NULL in the database (blank is "").
_INDICATOR_REQUIRED = ("level1", "level2", "level3", "value", "comparator", "unit", "value_type", "direction")
# Indicator numbers: stored as decimals, shown (and fingerprinted) without the column's padding zeros.
_INDICATOR_NUMBERS = ("number", "weight")
# Rows are moved out of the way by this much while positions shift (positions are unique per table).
_SHIFT_OFFSET = 1_000_000


class EditError(Exception):
    """An edit that was not made; the message says why, in Chinese."""


class TooManyRows(EditError, ValueError):
    """More rows than a table may hold (tables/limits.py); the message names the limit."""


class NotEditable(EditError):
    def __init__(self, message: str = "该表已提交或已批复，不能修改。"):
        super().__init__(message)


class Conflict(EditError):
    """The part being edited changed since the user saw it.

    `current` holds its stored values as text (None when the row was deleted)
    and `fingerprint` the base to send to overwrite them deliberately.
    """

    def __init__(self, current: dict[str, str] | None, what: str = "该行"):
        self.current = current
        self.fingerprint = fingerprint(current) if current is not None else None
        if current is None:
            message = f"{what}已被他人删除。"
        else:
            message = f"{what}已被他人修改，您的修改未保存。请查看最新内容后再保存。"
        super().__init__(message)


@dataclass(frozen=True)
class RowKind:
    slug: str
    model: type
    fields: tuple[str, ...]
    label: str
    dom: str  # prefix of the row's HTML id

    def queryset(self, table_id: int):
        return self.model.objects.filter(table_id=table_id)


ROW_KINDS: dict[str, RowKind] = {
    "tasks": RowKind("tasks", Task, TASK_FIELDS, "任务", "task"),
    "indicators": RowKind("indicators", Indicator, INDICATOR_FIELDS, "指标", "ind"),
}


@dataclass
class Saved:
    version: int
    changed_elsewhere: bool = False  # the table changed since the version the edit was based on
    obj: object = None
    rows: list = field(default_factory=list)
    snapshot: dict | None = None
    changed: list[str] = field(default_factory=list)  # the fields a save changed


# ---------------------------------------------------------------- fingerprints


def text_of(value: object) -> str:
    if type(value) is str:  # most cells: first, as every grid row is fingerprinted on each draw
        return value
    if value is None:
        return ""
    if isinstance(value, bool):  # 是否核心指标
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format_amount(value) or ""
    return str(value)


def values_of(obj: object, fields: tuple[str, ...] | list[str]) -> dict[str, str]:
    # Every grid row is fingerprinted on each draw: one lookup per field picks how it reads as text.
    return {name: _AS_TEXT.get(name, text_of)(getattr(obj, name)) for name in fields}


_AS_TEXT = {name: record.format_number for name in _INDICATOR_NUMBERS}


def fingerprint(values: dict[str, str]) -> str:
    """A short hash of a part's values as text: the version an edit was based on."""
    raw = _FINGERPRINT_JSON.encode(values)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


# What json.dumps(values, sort_keys=True, ensure_ascii=False) writes, with its encoder built once rather
# than on every call (a 200-row grid fingerprints 200 rows on each draw).
_FINGERPRINT_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False)


def row_fingerprint(row: Task | Indicator) -> str:
    """`fingerprint(values_of(row, fields))` of a row of its kind (tests/editor prove them equal).

    Every grid row is fingerprinted on each draw, so the JSON `fingerprint` hashes is written here
    directly: the fields in sorted order, each name already encoded, each value (always text) by the
    encoder's own string function.
    """
    readers = _ROW_READERS["tasks" if isinstance(row, Task) else "indicators"]
    raw = "{" + ", ".join([key + _encode_text(as_text(getattr(row, name))) for name, key, as_text in readers]) + "}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


# How `_FINGERPRINT_JSON` writes a text (ensure_ascii=False).
_encode_text = json.encoder.encode_basestring

# Per kind, in the sorted order `fingerprint` writes them: each field, its JSON key with the
# separator, and how it reads as text (looked up once, not per row).
_ROW_READERS = {
    slug: tuple((name, _encode_text(name) + ": ", _AS_TEXT.get(name, text_of)) for name in sorted(kind.fields))
    for slug, kind in ROW_KINDS.items()
}


# ---------------------------------------------------------------- the write lock


@dataclass
class _Write:
    """One edit in progress: the new version, and the audit entries it leaves.

    Once a table has been submitted (it has a snapshot), every change is logged
    (who, when, what, old → new) in the same transaction as the change itself.
    """

    table_id: int
    user: object
    version: int
    elsewhere: bool
    audited: bool
    entries: list = field(default_factory=list)

    def log(self, what: str, old: str = "", new: str = "") -> None:
        if self.audited:
            self.entries.append(
                AuditEntry(
                    table_id=self.table_id,
                    version=self.version,
                    user=self.user,
                    action=AuditEntry.Action.CHANGE,
                    what=what[:300],
                    old=old,
                    new=new,
                )
            )

    def finish(self) -> None:
        if self.entries:
            AuditEntry.objects.bulk_create(self.entries)


def _begin_write(table_id: int, user, based_on: int | None) -> _Write:
    """Bump the version (and take the table's write lock). Call inside transaction.atomic().

    One statement on the path of every autosave: the UPDATE returns the new version and
    whether the table was ever submitted (SQLite ≥ 3.35 and PostgreSQL have RETURNING;
    the ORM's update() returns only a count).
    """
    # Two tabs or two colleagues saving at once: this UPDATE makes the second wait until
    # the first commits, so each checks its fingerprint against committed data.
    with connection.cursor() as cursor:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        statuses = [status.value for status in EDITABLE]
        cursor.execute(_bump_sql(), [now, getattr(user, "pk", None), table_id, *statuses, table_id])
        found = cursor.fetchone()
    if found is None:
        raise NotEditable()
    version, audited = found
    return _Write(table_id, user, version, based_on is not None and based_on != version - 1, bool(audited))


@cache
def _bump_sql() -> str:
    q = connection.ops.quote_name
    table, snapshots = q(TargetTable._meta.db_table), q(Snapshot._meta.db_table)
    return (
        f"UPDATE {table} SET {q('version')} = {q('version')} + 1, {q('updated_at')} = %s, {q('updated_by_id')} = %s "
        f"WHERE {q('id')} = %s AND {q('status')} IN ({', '.join(['%s'] * len(EDITABLE))}) "
        f"RETURNING {q('version')}, EXISTS (SELECT 1 FROM {snapshots} WHERE {q('table_id')} = %s)"
    )


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a non-field attribute: show its name
        return name


def _row_label(spec: RowKind, position: int, values: dict) -> str:
    name = values.get("name" if spec.slug == "tasks" else "level3") or ""
    return f"{spec.label}第{position}行" + (f"“{name}”" if name else "")


def _summary(spec: RowKind, values: dict) -> str:
    # The parts are the value read apart, and 年度 is every row's period unless it says otherwise.
    unsaid = {*record.SPLIT_FIELDS, "period"} if spec.slug == "indicators" else set()
    shown = {k: v for k, v in values.items() if k not in unsaid or (k == "period" and v != record.ANNUAL)}
    return "；".join(
        f"{_label(spec.model, k)}：{record.PERIODS.get(v, v) if k == 'period' else v}"
        for k, v in shown.items()
        if v not in ("", None)
    )


def _header_text(name: str, value) -> str:
    if name == "round_id" and value:
        return str(Round.objects.filter(pk=value).first() or value)
    if name == "organisation_id" and value:
        return str(Organisation.objects.filter(pk=value).first() or value)
    return text_of(value)


def acting_user(user):
    """The user to record as the author: None for an anonymous one (a demo or a script)."""
    return user if user is not None and user.is_authenticated else None


# ---------------------------------------------------------------- header fields


def save_fields(
    table: TargetTable, values: dict, *, fields: tuple[str, ...], base: str, based_on: int | None, user=None
) -> Saved:
    """Save some header fields of a table (one step's form).

    `fields` are the attribute names the user saw and `base` their
    fingerprint; `values` may hold more attributes (e.g. `year` and
    `layout_id` that follow from `round_id`).
    """
    try:
        with transaction.atomic():
            write = _begin_write(table.pk, acting_user(user), based_on)
            stored = TargetTable.objects.get(pk=table.pk)
            current = values_of(stored, fields)
            if fingerprint(current) != base:
                raise Conflict(current, "这些内容")
            changed = [name for name, value in values.items() if getattr(stored, name) != value]
            for name in changed:
                if name not in ("year", "layout_id"):  # they follow from the round
                    old, new = _header_text(name, getattr(stored, name)), _header_text(name, values[name])
                    write.log(_label(TargetTable, name), old, new)
                setattr(stored, name, values[name])
            if changed:
                stored.save(update_fields=changed)
            write.finish()
    except IntegrityError as exc:
        raise EditError("同一部门（单位）同一年度已有这张表（项目表按项目编码区分），未保存。") from exc
    stored.version = write.version
    return Saved(write.version, write.elsewhere, stored, changed=changed)


# ---------------------------------------------------------------- rows


def clean_row(kind: RowKind, values: dict) -> dict:
    """Model values for a row: amounts and indicator numbers as Decimal, blank NOT NULL texts as ""."""
    out = {}
    for name in kind.fields:
        if name not in values:
            continue
        value = values[name]
        if name in AMOUNT_FIELDS:
            value = value if isinstance(value, Decimal) else parse_amount(value)
        elif kind.slug == "indicators" and name in _INDICATOR_NUMBERS:
            value = value if isinstance(value, Decimal) or value is None else _indicator_number(name, value)
        elif kind.slug == "indicators" and name == "core":
            value = value if isinstance(value, bool) or value is None else record.read_core(value)
        elif kind.slug == "indicators" and name == "period":
            value = value if value in record.PERIODS else record.ANNUAL
        else:
            value = (value or "").strip() if isinstance(value, str) or value is None else value
            if kind.slug == "indicators" and name not in _INDICATOR_REQUIRED:
                value = value or None  # nullable columns: blank is NULL, as the importer stores it
        out[name] = value
    return out


def _indicator_number(name: str, text: object) -> Decimal | None:
    """A typed 目标值 or 分值 (`95`, `1,000`, `10分`); "" is None; text that is no number raises ValueError."""
    if not str(text).strip():
        return None
    if name == "weight":
        number = record.read_weight(text)
    else:
        digits = record.join_value("", text, "")  # `1,000` → `1000`; "" when it is no number
        number = record.split_value(digits).number if digits else None
    if number is None:
        raise ValueError(f"“{text}”不是数字")
    return number


def _reconciled(row: Indicator, values: dict, typed: dict) -> dict:
    """`values` with the value and its parts in agreement (`record.reconcile`): an edited value re-derives
    the parts, edited parts rebuild the value. `typed` keeps the number as typed (`95.0` stays in the value)."""
    old = {name: getattr(row, name) for name in ("value", "comparator", "number", "unit")}
    new = {name: typed.get(name, values[name]) for name in ("value", "comparator", "number", "unit") if name in values}
    return values | record.reconcile(old, new)


def save_row(
    table: TargetTable, kind: str, row_id: int, values: dict, *, base: str, based_on: int | None, user=None
) -> Saved:
    """Save one row's cells if the row is still as the user saw it (`base`), else raise Conflict."""
    spec = ROW_KINDS[kind]
    typed = values
    values = clean_row(spec, values)
    with transaction.atomic():
        write = _begin_write(table.pk, acting_user(user), based_on)
        row = one(spec.queryset(table.pk).filter(pk=row_id))
        if row is None:
            raise Conflict(None, f"该{spec.label}")
        current = values_of(row, spec.fields)
        if fingerprint(current) != base:
            raise Conflict(current, f"该{spec.label}")
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        if kind == "indicators" and set(changed) & set(VALUE_GROUP):
            values = _reconciled(row, values, typed)
            changed = [name for name, value in values.items() if getattr(row, name) != value]
        where = _row_label(spec, row.position, current)
        for name in changed:
            # The parts are the value read apart: one entry, the printed value's, says what changed.
            if name not in VALUE_GROUP or name == "value" or "value" not in changed:
                new = record.format_number(values[name]) if name in _INDICATOR_NUMBERS else text_of(values[name])
                write.log(f"{where} {_label(spec.model, name)}", current[name], new)
            setattr(row, name, values[name])
        if changed:
            row.save(update_fields=changed)
        write.finish()
    return Saved(write.version, write.elsewhere, row, changed=changed)


def _shift(queryset, from_position: int, delta: int) -> None:
    """Add `delta` to the position of rows at `from_position` and after.

    In two steps through a large offset: a single `position + 1` UPDATE
    would collide with the unique (table, position) constraint midway.
    """
    if delta == 0:
        return
    moved = queryset.filter(position__gte=from_position).update(position=F("position") + _SHIFT_OFFSET)
    if moved:
        queryset.filter(position__gte=_SHIFT_OFFSET).update(position=F("position") - _SHIFT_OFFSET + delta)


def insert_rows(
    table: TargetTable,
    kind: str,
    rows: list[dict],
    *,
    after_id: int | None = None,
    position: int | None = None,
    based_on: int | None = None,
    user=None,
) -> Saved:
    """Insert rows after the row `after_id`, at `position`, or at the end."""
    spec = ROW_KINDS[kind]
    cleaned = [clean_row(spec, row) for row in rows]
    with transaction.atomic():
        write = _begin_write(table.pk, acting_user(user), based_on)
        qs = spec.queryset(table.pk)
        end = (qs.aggregate(m=Max("position"))["m"] or 0) + 1
        # Positions run 1…n without gaps (delete and move keep them so): end - 1 rows are there.
        if refusal := too_many_rows(kind, end - 1 + len(cleaned)):
            raise TooManyRows(refusal)
        at = end
        if position is not None:
            at = max(1, min(position, end))
        elif after_id is not None:
            after = qs.filter(pk=after_id).values_list("position", flat=True).first()
            if after is not None:
                at = after + 1
        if at < end:
            _shift(qs, at, len(cleaned))
        objs = [spec.model(table_id=table.pk, position=at + i, **_defaults(spec, row)) for i, row in enumerate(cleaned)]
        created = spec.model.objects.bulk_create(objs)
        for obj in created:
            values = values_of(obj, spec.fields)
            write.log(f"新增{_row_label(spec, obj.position, values)}", "", _summary(spec, values))
        write.finish()
    return Saved(write.version, write.elsewhere, created[0] if created else None, rows=created)


def with_parts(row: dict) -> dict:
    """A new indicator row's model values with the value and its parts in agreement: a pasted or
    copied value gets its parts, parts alone (a split form) a value."""
    row = {name: "" for name in _INDICATOR_REQUIRED} | row
    given = {name: row[name] for name in ("value", "comparator", "number", "unit") if row.get(name) not in ("", None)}
    return row | record.reconcile({}, given) if given else row


def _defaults(spec: RowKind, row: dict) -> dict:
    if spec.slug == "indicators":
        return with_parts(row)
    return {"name": "", "content": ""} | row


def delete_row(
    table: TargetTable, kind: str, row_id: int, *, base: str, based_on: int | None = None, user=None
) -> Saved:
    """Delete a row the user saw as `base`; `snapshot` lets `restore_row` undo it."""
    spec = ROW_KINDS[kind]
    with transaction.atomic():
        write = _begin_write(table.pk, acting_user(user), based_on)
        qs = spec.queryset(table.pk)
        row = one(qs.filter(pk=row_id))
        if row is None:
            raise Conflict(None, f"该{spec.label}")
        current = values_of(row, spec.fields)
        if fingerprint(current) != base:
            raise Conflict(current, f"该{spec.label}")
        # The row's id makes the undo single-use: `restore_row` brings the row back under it.
        snapshot = {"kind": kind, "table": table.pk, "id": row.pk, "position": row.position, "values": current}
        if kind == "indicators" and row.task_id:
            snapshot["task"] = row.task_id
        row.delete()
        _shift(qs, row.position + 1, -1)
        write.log(f"删除{_row_label(spec, row.position, current)}", _summary(spec, current), "")
        write.finish()
    return Saved(write.version, write.elsewhere, snapshot=snapshot)


def restore_row(table: TargetTable, snapshot: dict, *, based_on: int | None = None, user=None) -> Saved:
    """Undo a delete: put the row back where it was, with its values and its old id.

    The id is what makes an undo token single-use: a replayed token finds its row there
    already and changes nothing (it once added a copy each time).
    """
    kind = snapshot["kind"]
    if snapshot.get("table") != table.pk or kind not in ROW_KINDS:
        raise EditError("撤销的内容不属于这张表。")
    values = dict(snapshot["values"])
    task_id = snapshot.get("task") if kind == "indicators" else None
    if task_id and Task.objects.filter(pk=task_id, table_id=table.pk).exists():
        values["task_id"] = task_id
    spec = ROW_KINDS[kind]
    row = clean_row(spec, values)
    if "task_id" in values:
        row["task_id"] = values["task_id"]
    with transaction.atomic():
        write = _begin_write(table.pk, acting_user(user), based_on)
        qs = spec.queryset(table.pk)
        # Checked after _begin_write took the table's lock: two replays at once cannot both pass.
        row_id = snapshot.get("id")
        if not isinstance(row_id, int) or spec.model.objects.filter(pk=row_id).exists():
            raise EditError("这一删除已经撤销过了，不能重复撤销。")
        end = (qs.aggregate(m=Max("position"))["m"] or 0) + 1
        if refusal := too_many_rows(kind, end):
            raise TooManyRows(refusal)
        at = max(1, min(int(snapshot["position"]), end))
        if at < end:
            _shift(qs, at, 1)
        obj = spec.model.objects.create(pk=row_id, table_id=table.pk, position=at, **_defaults(spec, row))
        restored = values_of(obj, spec.fields)
        write.log(f"恢复删除的{_row_label(spec, at, restored)}", "", _summary(spec, restored))
        write.finish()
    return Saved(write.version, write.elsewhere, obj, rows=[obj])


def move_row(
    table: TargetTable, kind: str, row_id: int, direction: str, *, based_on: int | None = None, user=None
) -> Saved:
    """Swap a row with its neighbour above (`up`) or below (`down`)."""
    spec = ROW_KINDS[kind]
    with transaction.atomic():
        write = _begin_write(table.pk, acting_user(user), based_on)
        qs = spec.queryset(table.pk)
        row = one(qs.filter(pk=row_id))
        if row is None:
            raise Conflict(None, f"该{spec.label}")
        if direction == "up":
            other = qs.filter(position__lt=row.position).order_by("-position").first()
        else:
            other = qs.filter(position__gt=row.position).order_by("position").first()
        if other is not None:
            mine, theirs = row.position, other.position
            qs.filter(pk=row.pk).update(position=_SHIFT_OFFSET * 2)
            qs.filter(pk=other.pk).update(position=mine)
            qs.filter(pk=row.pk).update(position=theirs)
            row.position = theirs
            label = _row_label(spec, mine, values_of(row, spec.fields))
            write.log(f"移动{label}", f"第{mine}行", f"第{theirs}行")
            write.finish()
    return Saved(write.version, write.elsewhere, row)


# ---------------------------------------------------------------- who may start a table, and from what


def copy_sources(user, organisation_ids=None):
    """Tables a user may copy from: those of organisations they fill, newest first."""
    qs = TargetTable.objects.filter(organisation__in=fillable_organisations(user))
    if organisation_ids is not None:
        qs = qs.filter(organisation_id__in=organisation_ids)
    return qs.select_related("organisation", "layout").order_by("-year", "organisation__code", "kind", "position", "pk")
