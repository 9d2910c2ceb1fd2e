"""One entry point for importing a file of any supported kind (JSON, pasted text, xlsx).

Every refusal is an `ImportFailed` whose message names the file and, where
there is one, the place (`绩效目标表!E14`, `tasks[2].total`, `第 12 行`).

Text files (.txt) are read as UTF-8 (with or without BOM), as UTF-16/UTF-32
when they start with a BOM (Windows Notepad's "Unicode"), and otherwise as
GB18030, which is a superset of GBK and GB2312: a file saved as ANSI by a
Chinese Windows reads correctly. Bytes no such text can hold (NUL, other
control characters) are refused with the line they are on.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from tables.imports.exchange import ExchangeError, ImportResult, check_structure, import_document, load_file
from tables.imports.text import parse_table_text
from tables.imports.xlsx import XlsxImportError, read_workbook


class ImportFailed(Exception):
    """The file was not imported; the message names the file and the place, in Chinese."""


class NeedsConfirmation(ImportFailed):
    """The file was read, but a person has to confirm what goes where before anything is stored:
    no shipped layout fits it, or a column could be placed nowhere. `recognised` holds what the
    recogniser read (its tables, each source column's field, and every problem with its place);
    the web preview shows it, the CLI prints it, a batch import reports the file as 待确认."""

    def __init__(self, message: str, recognised=None):
        super().__init__(message)
        self.recognised = recognised


@dataclass
class FileImportResult(ImportResult):
    problems: list[str] = field(default_factory=list)


def check_size(size: int, name: str) -> None:
    """Refuse an empty file, or one over IMPORT_MAX_BYTES, before reading (or copying) it."""
    if size > settings.IMPORT_MAX_BYTES:
        raise ImportFailed(
            f"{name}：文件过大（{size / 1024 / 1024:.1f} MB，上限 {settings.IMPORT_MAX_BYTES // 1024 // 1024} MB）"
        )
    if size == 0:
        raise ImportFailed(f"{name}：文件是空的")


def read_document(path: Path, *, name: str | None = None) -> tuple[object, list[str]]:
    """The exchange document in a file and the lines a text parser could not place."""
    name = name or path.name
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise ImportFailed(f"{name}：文件不存在") from exc
    except PermissionError as exc:
        raise ImportFailed(f"{name}：没有读取此文件的权限") from exc
    except OSError as exc:
        raise ImportFailed(f"{name}：无法读取文件（{exc.strerror}）") from exc
    check_size(size, name)
    if suffix == ".json":
        try:
            data = load_file(path)
            check_structure(data, name)
        except ExchangeError as exc:
            raise ImportFailed(str(exc)) from exc
        return data, []
    if suffix == ".txt":
        parsed = parse_table_text(_decode_text(path.read_bytes(), name), source=name)
        problems = [f"第 {line} 行“{content[:40]}”：{reason}" for line, content, reason in parsed.problems]
        return parsed.data, problems
    if suffix in (".xlsx", ".xlsm"):
        try:
            with path.open("rb") as handle:
                return read_workbook(handle), []
        except XlsxImportError as exc:
            raise ImportFailed(f"{name}：{exc}") from exc
    raise ImportFailed(f"{name}：不支持的文件类型“{suffix or '无扩展名'}”（支持 .json、.txt、.xlsx）")


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # tab, line breaks, VT (Word), FF (PDF) pass


def _decode_text(raw: bytes, name: str) -> str:
    """The text of a .txt file in whichever encoding it was saved (see the module docstring)."""
    boms = [encoding for bom, encoding in _BOMS if raw.startswith(bom)]
    if not boms and b"\x00" in raw:  # never in UTF-8 or GBK text
        raise ImportFailed(
            f"{name}：含有空字节（NUL），可能是没有 BOM 的 UTF-16 文本或二进制文件；文本请另存为 UTF-8 后再导入"
        )
    encodings = boms[:1] or ["utf-8-sig", "gb18030"]
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFailed(f"{name}：无法识别文本编码（应为 UTF-8、GBK/GB18030 或带 BOM 的 UTF-16），或不是文本文件")
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise ImportFailed(f"{name}：第 {line} 行含有控制字符（U+{ord(bad.group()):04X}），不是纯文本文件")
    return text


def import_path(path: Path, *, layout_code: str | None = None, user=None, name: str | None = None) -> FileImportResult:
    name = name or path.name
    data, problems = read_document(path, name=name)
    if path.suffix.lower() == ".txt":
        _check_text_table(data, name)
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


def _check_text_table(data: dict, name: str) -> None:
    """What a text file must state to be imported on its own (the editor takes year and organisation
    from the form instead); said in the words of the printed table, not as JSON keys."""
    if not (data.get("indicators") or data.get("tasks") or data.get("goal")):
        raise ImportFailed(f"{name}：没有识别出任务、目标或指标，不像是绩效目标表的文本")
    if data.get("year") is None:
        raise ImportFailed(f"{name}：文本中找不到预算年度（表名下一行应有“（2024年）”）")
    if not (data.get("organization") or {}).get("name"):
        raise ImportFailed(f"{name}：文本中找不到“部门（单位）名称”一行")
