"""The xlsx file checked as a package before any XML is read, and its formulas without a saved result.

Not an xlsx (an .xls, an encrypted file, anything else), too big, too many
parts, a part that unpacks too far (zip bombs): refused here with a message in
Chinese. Also used by the accounts import (`tables.imports.accounts`).
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl

MAX_BYTES = 10 * 1024 * 1024  # the upload itself
MAX_UNCOMPRESSED = 30 * 1024 * 1024  # all parts, unpacked
MAX_PART = 8 * 1024 * 1024  # one part (a sheet's XML), unpacked
MAX_RATIO = 200  # unpacked : packed, per part (zip bombs)
MAX_PARTS = 1000
MAX_ERRORS = 30


class XlsxImportError(ValueError):
    """The workbook cannot be imported; `errors` lists each problem (sheet!cell：message)."""

    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("\n".join(self.errors))


def _read_bytes(file) -> bytes:
    if isinstance(file, (bytes, bytearray)):
        return bytes(file)
    if isinstance(file, (str, Path)):
        path = Path(file)
        if path.stat().st_size > MAX_BYTES:
            raise XlsxImportError(f"文件过大（超过 {MAX_BYTES // 1024 // 1024} MB）")
        return path.read_bytes()
    if hasattr(file, "seek"):
        with contextlib.suppress(OSError, ValueError):
            file.seek(0)
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise XlsxImportError(f"文件过大（超过 {MAX_BYTES // 1024 // 1024} MB）")
    return data


def check_package(data: bytes) -> None:
    """Refuse what is not an xlsx package, or would unpack too far (zip bombs), before any XML is read."""
    _check_signature(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = package.infolist()
            names = {p.filename for p in parts}
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise XlsxImportError("xlsx 文件已损坏，无法打开") from exc
    if len(parts) > MAX_PARTS:
        raise XlsxImportError("xlsx 文件内部文件过多，拒绝导入")
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise XlsxImportError("文件不是 xlsx 工作簿（缺少 xl/workbook.xml）")
    _check_sizes(parts)


def _check_signature(data: bytes) -> None:
    """An xlsx is a zip file; an .xls (or an encrypted workbook) is an OLE file."""
    if not data:
        raise XlsxImportError("文件是空的")
    if len(data) > MAX_BYTES:
        raise XlsxImportError(f"文件过大（超过 {MAX_BYTES // 1024 // 1024} MB）")
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise XlsxImportError("这是旧版 Excel（.xls）或加密的文件，请在 Excel/WPS 中另存为 .xlsx 后再导入")
    if data[:4] != b"PK\x03\x04":
        raise XlsxImportError("文件不是 xlsx 工作簿，请上传 Excel/WPS 保存的 .xlsx 文件")


def _check_sizes(parts: list[zipfile.ZipInfo]) -> None:
    """Each part and all of them together unpack within bounds, at a plausible ratio (zip bombs)."""
    total = 0
    for part in parts:
        total += part.file_size
        if part.file_size > MAX_PART or total > MAX_UNCOMPRESSED:
            raise XlsxImportError("xlsx 文件解压后过大，拒绝导入")
        if part.file_size > 1024 * 1024 and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise XlsxImportError("xlsx 文件压缩比异常（疑似压缩炸弹），拒绝导入")


def _load(data: bytes):
    check_package(data)
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise XlsxImportError(f"xlsx 文件已损坏或格式不受支持：{type(exc).__name__}") from exc


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def uncached_formulas(data: bytes) -> list[tuple[str, str, str]]:
    """Formula cells with no stored result, as (sheet title, cell, formula); call after check_package.

    Imports read what a sheet shows (the result Excel/WPS saved with the formula).
    A formula written by a script or a program that does not calculate has no
    result, and would otherwise import as a blank cell without a word.
    """
    found: list[tuple[str, str, str]] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            parts = _sheet_parts(package, names)
            book = ElementTree.fromstring(package.read("xl/workbook.xml"))
            for sheet in book.iter(f"{_MAIN}sheet"):
                part = parts.get(sheet.get(f"{_REL}id"))
                if part in names:
                    found += [(sheet.get("name", ""), ref, formula) for ref, formula in _uncached_in(package, part)]
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError) as exc:
        raise XlsxImportError(f"xlsx 文件已损坏或格式不受支持：{type(exc).__name__}") from exc
    return found


def _sheet_parts(package: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Relationship id → the part (path in the zip) it points to, from the workbook's relationships."""
    parts = {}
    if "xl/_rels/workbook.xml.rels" in names:
        rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
        for rel in rels.iter(f"{_PKG_REL}Relationship"):
            target = rel.get("Target", "")
            parts[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


def _uncached_in(package: zipfile.ZipFile, part: str) -> list[tuple[str, str]]:
    """(cell, formula) of one sheet's formulas saved without a result; streamed, a sheet may be large."""
    with package.open(part) as stream:
        if not _HAS_FORMULA.search(stream.read()):
            return []
    found = []
    with package.open(part) as stream:
        for _, cell in ElementTree.iterparse(stream):
            if cell.tag != f"{_MAIN}c":
                continue
            formula, value = cell.find(f"{_MAIN}f"), cell.find(f"{_MAIN}v")
            # A formula whose result is "" is saved as t="str" with an empty <v>.
            if formula is not None and (value is None or not value.text) and cell.get("t") != "str":
                found.append((cell.get("r", ""), formula.text or ""))
            cell.clear()
    return found


def formula_errors(data: bytes, sheets: set[str] | None = None) -> list[str]:
    """`uncached_formulas` as messages naming the cell, for the sheets an import reads."""
    return [
        f"{title}!{ref}：是公式（{'=' + formula[:40] if formula else '共享公式'}），但文件中没有计算结果；"
        "请在 Excel/WPS 中打开后保存，或直接填写内容"
        for title, ref, formula in uncached_formulas(data)
        if sheets is None or title in sheets
    ][:MAX_ERRORS]
