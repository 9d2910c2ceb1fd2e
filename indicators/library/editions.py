"""An edition of a province's library against the library: what it adds, updates, leaves and retires,
shown first (`preview_edition`) and then applied in one transaction (`apply_edition`).

Who an entry is across editions: its 指标编码 when the workbook gives one, else its 行业/领域 path,
二级 and 三级 name (`indicators.catalog.name_key`). Only entries an earlier workbook brought
(`origin=workbook`) are updated or retired by a workbook: the project's starter entries and the ones
accepted from approved tables (纳入) stay as they are, and a workbook row that would take the place of
one of them is left out with a note. A retired entry is kept (`active=False`, `retired_at`): tables that
used it hold copies of its text, never a link, so nothing in them changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from indicators.library.workbook import FieldNode, LibraryBook, LibraryRow, entry_name_key
from indicators.models import CatalogEntry, LibraryEdition, LibraryField

Origin = CatalogEntry.Origin
# The entry's fields a workbook row states, compared to decide "updated", in the order a change lists them.
COMPARED = (
    "level1", "level2", "level3", "code", "value", "comparator", "unit", "direction", "value_type",
    "description", "definition", "formula", "data_source", "frequency", "basis", "scoring", "keywords",
    "nature", "accumulation", "valid_from", "valid_to",
)  # fmt: skip
PREVIEW_ROWS = 20


@dataclass
class Update:
    entry: CatalogEntry
    row: LibraryRow
    changes: list[tuple[str, str, str]]  # (field's label, before, after)
    field_id: int | None = None


@dataclass
class EditionPreview:
    book: LibraryBook
    added: list[LibraryRow] = field(default_factory=list)
    updated: list[Update] = field(default_factory=list)
    unchanged: list[Update] = field(default_factory=list)
    retired: list[CatalogEntry] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # rows left out: a starter or 纳入 entry holds the place

    @property
    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "retired": len(self.retired),
        }

    @property
    def blocked(self) -> bool:
        return bool(self.book.errors)


class _Fields:
    """The 行业/领域 tree in memory: a path of nodes ↔ a LibraryField id, creating what is missing."""

    def __init__(self):
        self.by_id = {f.pk: f for f in LibraryField.objects.all()}
        self.ids = {self.names_of(pk): pk for pk in self.by_id}

    def names_of(self, pk: int | None) -> tuple[str, ...]:
        names = []
        while pk is not None and pk in self.by_id:
            names.append(self.by_id[pk].name)
            pk = self.by_id[pk].parent_id
        return tuple(reversed(names))

    def find(self, path: tuple[FieldNode, ...]) -> int | None:
        return self.ids.get(tuple(node.name for node in path)) if path else None

    def make(self, path: tuple[FieldNode, ...]) -> int | None:
        parent = None
        for depth in range(1, len(path) + 1):
            names = tuple(node.name for node in path[:depth])
            if names not in self.ids:
                node = path[depth - 1]
                created = LibraryField.objects.create(
                    code=node.code, name=node.name, parent_id=parent, position=len(self.by_id)
                )
                self.by_id[created.pk] = created
                self.ids[names] = created.pk
            parent = self.ids[names]
        return parent


def _entry_keys(entry: CatalogEntry, fields: _Fields) -> list[tuple]:
    keys = [entry_name_key(fields.names_of(entry.field_id), entry.level2, entry.level3)]
    if entry.code:
        keys.insert(0, ("code", entry.code))
    return keys


def _shown(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _stated(row: LibraryRow) -> dict:
    return {"level1": row.level1, "level2": row.level2, "level3": row.level3, **row.values}


def _changes(entry: CatalogEntry, row: LibraryRow, field_id: int | None, fields: _Fields) -> list[tuple]:
    stated = _stated(row)
    found = [
        (str(CatalogEntry._meta.get_field(name).verbose_name), _shown(getattr(entry, name)), _shown(stated[name]))
        for name in COMPARED
        if (getattr(entry, name) or None) != (stated.get(name) or None)
    ]
    if entry.field_id != field_id:
        before = " / ".join(fields.names_of(entry.field_id))
        found.append(("行业/领域", before, " / ".join(node.name for node in row.field_path)))
    if not entry.active:
        found.append(("状态", "已停用", "重新启用"))
    return found


def preview_edition(book: LibraryBook) -> EditionPreview:
    """What importing `book` would do to the library; writes nothing (a new 行业/领域 is only named).
    Two queries: the fields and the entries."""
    preview = EditionPreview(book)
    if book.errors:
        return preview
    fields = _Fields()
    entries = list(CatalogEntry.objects.all())
    workbook: dict[tuple, CatalogEntry] = {}
    others: dict[tuple, CatalogEntry] = {}
    for entry in entries:
        target = workbook if entry.origin == Origin.WORKBOOK else others
        for key in _entry_keys(entry, fields):
            target.setdefault(key, entry)
    matched: set[int] = set()
    for row in book.rows:
        entry = workbook.get(row.key) or workbook.get(row.name_key)
        if entry is not None and entry.pk in matched:
            entry = None  # two rows of this edition claim one entry (a code renamed onto another's name)
        if entry is None:
            holder = others.get(row.name_key)
            if holder is not None:
                preview.kept.append(
                    f"{row.place}“{row.level3}”：已有同名条目（{holder.get_origin_display()}），保留原条目，未导入"
                )
            else:
                preview.added.append(row)
            continue
        matched.add(entry.pk)
        field_id = fields.find(row.field_path)
        changes = _changes(entry, row, field_id, fields)
        if field_id is None and row.field_path:
            changes = changes or [("行业/领域", "", " / ".join(node.name for node in row.field_path))]
        (preview.updated if changes else preview.unchanged).append(Update(entry, row, changes, field_id))
    preview.retired = [
        entry for entry in entries if entry.origin == Origin.WORKBOOK and entry.active and entry.pk not in matched
    ]
    return preview


def apply_edition(book: LibraryBook, *, name: str, user=None) -> tuple[LibraryEdition, EditionPreview]:
    """Import `book` as a new edition in one transaction: update, add, retire; returns the edition."""
    if book.errors:
        raise ValueError("the workbook has errors; its preview says which")
    with transaction.atomic():
        # Two admins importing at once: the second waits for the first and compares with its result.
        list(CatalogEntry.objects.select_for_update().filter(origin=Origin.WORKBOOK).values_list("pk", flat=True))
        preview = preview_edition(book)
        now = timezone.now()
        edition = LibraryEdition.objects.create(
            name=name, source=LibraryEdition.Source.WORKBOOK, file_name=book.file_name[:255], imported_by=user,
            **preview.counts,
        )  # fmt: skip
        fields = _Fields()
        _update(preview.updated, fields, edition, now)
        unchanged = [update.entry.pk for update in preview.unchanged]
        for start in range(0, len(unchanged), 500):
            CatalogEntry.objects.filter(pk__in=unchanged[start : start + 500]).update(edition=edition)
        CatalogEntry.objects.bulk_create(
            [_new_entry(row, fields.make(row.field_path), edition) for row in preview.added], batch_size=500
        )
        retired = [entry.pk for entry in preview.retired]
        for start in range(0, len(retired), 500):
            CatalogEntry.objects.filter(pk__in=retired[start : start + 500]).update(
                active=False, retired_at=now, updated_at=now
            )
    return edition, preview


def _update(updates: list[Update], fields: _Fields, edition: LibraryEdition, now) -> None:
    changed = []
    for update in updates:
        entry = update.entry
        for name, value in _stated(update.row).items():
            setattr(entry, name, value)
        entry.field_id = fields.make(update.row.field_path)
        entry.edition, entry.active, entry.retired_at, entry.updated_at = edition, True, None, now
        changed.append(entry)
    names = [*COMPARED, "field", "edition", "active", "retired_at", "updated_at"]
    CatalogEntry.objects.bulk_update(changed, names, batch_size=200)


def _new_entry(row: LibraryRow, field_id: int | None, edition: LibraryEdition) -> CatalogEntry:
    return CatalogEntry(**_stated(row), field_id=field_id, origin=Origin.WORKBOOK, edition=edition, active=True)
