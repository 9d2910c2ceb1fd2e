"""Importing an edition of a province's 指标库 workbook: the file checked as every xlsx import checks it,
read (`indicators.library.workbook`), held for its preview and applied (`indicators.library.editions`).

The package checks (size, zip bombs, formulas without a saved result) are `tables.imports.xlsx.package`,
which `indicators` may not import: they run here, before the bytes reach the reader. The upload is held
like a table's import preview holds it (`HeldUpload`, the user's own, `HeldUpload.HELD_HOURS`), with no
organisation: an edition is the bureau's, for everyone. The web pages (`views.py`) and
`manage.py import_library` both come through `read_upload` and `apply`.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.admin.models import ADDITION, LogEntry
from django.db import transaction

from indicators.library.editions import EditionPreview, apply_edition, preview_edition
from indicators.library.workbook import LibraryBook, LibraryWorkbookError, read_library
from indicators.models import LibraryEdition
from tables.imports.dispatch import ImportFailed, check_size
from tables.imports.preview import expired, is_expired
from tables.imports.xlsx.package import XlsxImportError, check_package, formula_errors
from tables.models import HeldUpload


class LibraryImportError(Exception):
    """The file cannot be read as a library workbook; `errors` name the file, sheet and cell, in Chinese."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


def read_upload(name: str, data: bytes) -> LibraryBook:
    """The workbook's rows, its problems in `errors` and `notes`; refused whole when it is no xlsx,
    too big, a zip bomb, holds formulas without results, or has no recognisable header."""
    try:
        check_size(len(data), name)
    except ImportFailed as exc:
        raise LibraryImportError([str(exc)]) from exc
    if Path(name).suffix.lower() != ".xlsx":
        raise LibraryImportError([f"{name}：指标库请上传 Excel/WPS 保存的 .xlsx 工作簿"])
    try:
        check_package(data)
        errors = formula_errors(data)
    except XlsxImportError as exc:
        raise LibraryImportError([f"{name}：{error}" for error in exc.errors]) from exc
    if errors:
        raise LibraryImportError([f"{name}：{error}" for error in errors])
    try:
        return read_library(data, name)
    except LibraryWorkbookError as exc:
        raise LibraryImportError(exc.errors) from exc


def default_name(file_name: str) -> str:
    return Path(file_name).stem[:200] or "指标库"


def hold(user, name: str, data: bytes) -> HeldUpload:
    """Keep an upload for its preview once it reads (`LibraryImportError` when it does not)."""
    read_upload(name, data)
    expired().delete()
    if len(name) > 200:
        name = Path(name).stem[:190] + Path(name).suffix[:10]
    return HeldUpload.objects.create(user=user, organisation=None, name=name, data=data)


def held_library(user, pk) -> HeldUpload | None:
    """`user`'s own held library workbook, None when it is not theirs, gone or expired."""
    held = HeldUpload.objects.filter(pk=pk, user=user, organisation__isnull=True).first()
    if held is not None and is_expired(held):
        held.delete()
        return None
    return held


def preview(held: HeldUpload) -> EditionPreview:
    return preview_edition(read_upload(held.name, bytes(held.data)))


def apply(book: LibraryBook, *, name: str, user=None) -> tuple[LibraryEdition, EditionPreview]:
    """Import `book` as an edition and write it in the admin log, in one transaction."""
    with transaction.atomic():
        edition, done = apply_edition(book, name=name, user=user)
        if user is not None:
            LogEntry.objects.log_actions(
                user.pk, [edition], ADDITION, change_message=summary(edition), single_object=True
            )
    return edition, done


def summary(edition: LibraryEdition) -> str:
    return (
        f"导入指标库版本“{edition.name}”（{edition.file_name}）：新增 {edition.added} 条，更新 {edition.updated} 条，"
        f"未变 {edition.unchanged} 条，停用 {edition.retired} 条"
    )


def confirm(held: HeldUpload, *, name: str, user) -> tuple[LibraryEdition, EditionPreview]:
    """确认导入: the held file read again and applied; the held upload goes with the same transaction."""
    book = read_upload(held.name, bytes(held.data))
    if book.errors:
        raise LibraryImportError(book.errors)
    with transaction.atomic():
        edition, done = apply(book, name=name, user=user)
        held.delete()
    return edition, done
