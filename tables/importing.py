"""One entry point for importing a file of any supported kind (JSON, pasted text, xlsx)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from tables.exchange import ExchangeError, ImportResult, import_document, load_file


class ImportFailed(Exception):
    """The file was not imported; the message names the file and the place, in Chinese."""


@dataclass
class FileImportResult(ImportResult):
    problems: list[str] = field(default_factory=list)


def read_document(path: Path, *, name: str | None = None) -> tuple[object, list[str]]:
    """The exchange document in a file and the lines a text parser could not place."""
    name = name or path.name
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFailed(f"{name}：无法读取文件（{exc.strerror}）") from exc
    if size > settings.IMPORT_MAX_BYTES:
        raise ImportFailed(
            f"{name}：文件过大（{size / 1024 / 1024:.1f} MB，上限 {settings.IMPORT_MAX_BYTES // 1024 // 1024} MB）"
        )
    if suffix == ".json":
        try:
            return load_file(path), []
        except ExchangeError as exc:
            raise ImportFailed(str(exc)) from exc
    if suffix == ".txt":
        from tables.textimport import parse_table_text

        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ImportFailed(f"{name}：无法识别文本编码（应为 UTF-8 或 GB18030）")
        parsed = parse_table_text(text, source=name)
        problems = [f"第 {line} 行“{content[:40]}”：{reason}" for line, content, reason in parsed.problems]
        return parsed.data, problems
    if suffix in (".xlsx", ".xlsm"):
        from tables.exports.xlsx_import import XlsxImportError, read_workbook

        try:
            with path.open("rb") as handle:
                return read_workbook(handle), []
        except XlsxImportError as exc:
            raise ImportFailed(f"{name}：{exc}") from exc
    raise ImportFailed(f"{name}：不支持的文件类型“{suffix or '无扩展名'}”（支持 .json、.txt、.xlsx）")


def import_path(path: Path, *, layout_code: str | None = None, user=None, name: str | None = None) -> FileImportResult:
    name = name or path.name
    data, problems = read_document(path, name=name)
    try:
        result = import_document(data, name, layout_code=layout_code, user=user)
    except ExchangeError as exc:
        raise ImportFailed(str(exc)) from exc
    return FileImportResult(
        tables=result.tables,
        created=result.created,
        updated=result.updated,
        overall=result.overall,
        problems=problems,
    )
