"""The accounts workbook: its two sheets read into rows, the empty template, a previewed one held until confirmed."""

from __future__ import annotations

import io
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from django.conf import settings
from openpyxl.utils import get_column_letter

from tables.imports.xlsx import XlsxImportError, check_package, formula_errors

ORG_SHEET = "部门单位"
USER_SHEET = "用户"
ORG_COLUMNS = {"编码": "code", "名称": "name", "上级编码": "parent"}
USER_COLUMNS = {
    "用户名": "username",
    "姓名": "name",
    "邮箱": "email",
    "部门编码": "organisation",
    "角色": "role",
    "含下属单位": "include_units",
    "初始密码": "password",
}
YES = {"是", "Y", "YES", "1", "TRUE", "√"}
NO = {"", "否", "N", "NO", "0", "FALSE"}
MAX_ERRORS = 50
MAX_ROWS = 20000
MAX_COLS = 50  # read no further right: a forged <dimension> would otherwise pad every row to 16384 cells


class AccountsImportError(ValueError):
    """The workbook was not imported; `errors` lists each problem as "sheet!cell：message"."""

    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("\n".join(self.errors))


@dataclass
class _Row:
    number: int
    values: dict[str, str]
    refs: dict[str, str]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_sheet(workbook, name: str, columns: dict[str, str], required: tuple[str, ...], errors: list[str]):
    if name not in workbook.sheetnames:
        errors.append(f"工作簿中没有名为“{name}”的工作表")
        return []
    sheet = workbook[name]
    rows = sheet.iter_rows(max_col=MAX_COLS, values_only=True)
    keys = _column_keys(next(rows, None) or (), columns)
    for label, key in columns.items():
        if key in required and key not in keys.values():
            errors.append(f"{name}!1：缺少“{label}”列")
    if any(key not in keys.values() for key in required):
        return []
    result = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS:
            errors.append(f"{name}：行数过多（最多 {MAX_ROWS} 行）")
            break
        row = {keys[i]: _text(v) for i, v in enumerate(values) if i in keys}
        if not any(row.values()):
            continue
        refs = {key: f"{name}!{get_column_letter(i + 1)}{number}" for i, key in keys.items()}
        result.append(_Row(number, {key: row.get(key, "") for key in keys.values()}, refs))
    return result


def _column_keys(header: tuple, columns: dict[str, str]) -> dict[int, str]:
    """Column index → key, for the header labels the sheet has (spaces, 【】 and * ignored)."""
    keys: dict[int, str] = {}
    for index, label in enumerate(header):
        label = "".join(_text(label).split()).strip("【】*")
        if label in columns:
            keys[index] = columns[label]
    return keys


def _load(file) -> object:
    data = file.read(settings.IMPORT_MAX_BYTES + 1) if hasattr(file, "read") else bytes(file)
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise AccountsImportError(f"文件过大（上限 {settings.IMPORT_MAX_BYTES // 1024 // 1024} MB）")
    try:
        check_package(data)  # not an xlsx, damaged, or a zip bomb: refused before any XML is read
        errors = formula_errors(data, {ORG_SHEET, USER_SHEET})
    except XlsxImportError as exc:
        raise AccountsImportError(exc.errors) from exc
    if errors:
        raise AccountsImportError(errors)
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise AccountsImportError(f"xlsx 文件已损坏或格式不受支持：{type(exc).__name__}") from exc


def template_workbook() -> bytes:
    """An empty workbook with both sheets and their headers, to fill in."""
    workbook = openpyxl.Workbook()
    orgs = workbook.active
    orgs.title = ORG_SHEET
    orgs.append(list(ORG_COLUMNS))
    users = workbook.create_sheet(USER_SHEET)
    users.append(list(USER_COLUMNS))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- a previewed workbook, held until confirmed

HELD_DIR = "account-imports"
HELD_HOURS = 24


def _held_path(token: str) -> Path | None:
    if not token or not all(c.isalnum() or c in "-_" for c in token):
        return None
    return Path(settings.MEDIA_ROOT) / HELD_DIR / f"{token}.xlsx"


def hold_workbook(data: bytes) -> str:
    """Keep an uploaded workbook between its preview and the confirmation; returns its token.

    Under MEDIA_ROOT, which every app server shares. Workbooks never confirmed
    are deleted after HELD_HOURS.
    """
    token = secrets.token_urlsafe(24)
    path = _held_path(token)
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob("*.xlsx"):
        if old.stat().st_mtime < time.time() - HELD_HOURS * 3600:
            old.unlink(missing_ok=True)
    path.write_bytes(data)
    return token


def held_workbook(token: str) -> bytes | None:
    path = _held_path(token)
    return path.read_bytes() if path is not None and path.is_file() else None


def release_workbook(token: str) -> None:
    path = _held_path(token)
    if path is not None:
        path.unlink(missing_ok=True)
