"""What every part of the exchange format shares: its names, its error, and the key reader."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from tables.fields import parse_amount
from tables.models import OverallGoal, TargetTable, Task

TABLE_FORMAT = "target-table/2"  # what export writes
TABLE_FORMAT_V1 = "target-table/1"
TABLE_FORMATS = (TABLE_FORMAT_V1, TABLE_FORMAT)  # what import reads
BOOKLET_FORMAT = "target-booklet/1"
INDICATOR_KEYS = ("level1", "level2", "level3", "description", "value", "basis", "note")
TASK_KEYS = ("name", "content", "total", "fiscal", "other")


class ExchangeError(ValueError):
    """A document that cannot be imported; the message says where and why, in Chinese."""


MAX_DEPTH = 12  # the format nests four levels (booklet → projects → row → value); deeper is not ours


def _shown(value: object) -> str:
    """A value as the message quotes it: JSON, cut short."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:60] + "…"


@dataclass
class ImportResult:
    tables: list[TargetTable] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    overall: OverallGoal | None = None


# ---------------------------------------------------------------- validation


class _Reader:
    """Reads keys of one document, naming the place of every problem."""

    def __init__(self, where: str):
        self.where = where

    def fail(self, path: str, message: str) -> ExchangeError:
        return ExchangeError(f"{self.where}：{path}：{message}")

    def obj(self, data: object, path: str) -> dict:
        if not isinstance(data, dict):
            raise self.fail(path, "应为对象（{…}）")
        return data

    def require(self, data: dict, key: str, path: str) -> object:
        if key not in data:
            raise self.fail(f"{path}.{key}" if path else key, "缺少此项")
        return data[key]

    def text(self, data: dict, key: str, path: str, *, required: bool = True, nullable: bool = False) -> str | None:
        full = f"{path}.{key}" if path else key
        if key not in data:
            if required:
                raise self.fail(full, "缺少此项")
            return None
        value = data[key]
        if value is None:
            if nullable or not required:
                return None
            raise self.fail(full, "不能为空")
        if not isinstance(value, str):
            raise self.fail(full, f"应为文本，实际为 {_shown(value)}")
        return value

    def limit(self, value: str | None, max_length: int | None, path: str) -> None:
        if value is not None and max_length is not None and len(value) > max_length:
            raise self.fail(path, f"过长（{len(value)} 个字，最多 {max_length} 个字）")

    def amount(self, data: dict, key: str, path: str):
        full = f"{path}.{key}" if path else key
        raw = data.get(key)
        if raw is None:
            return None
        if not isinstance(raw, (str, int)) or isinstance(raw, bool):
            raise self.fail(full, f"金额应为数字文本，实际为 {_shown(raw)}")
        if isinstance(raw, str) and len(raw) > _AMOUNT_LENGTH:
            raise self.fail(full, f"金额过长（最多 {_AMOUNT_LENGTH} 个字符）")
        try:
            value = parse_amount(raw)
        except ValueError as exc:
            raise self.fail(full, str(exc)) from exc
        return value  # parse_amount bounds exponent notation too (1e99999999 would not fit anywhere)

    def year(self, data: dict, path: str = "") -> int:
        value = self.require(data, "year", path)
        if not isinstance(value, int) or isinstance(value, bool) or not 2000 <= value <= 2100:
            raise self.fail(
                f"{path}.year" if path else "year", f"预算年度应为 2000–2100 的整数，实际为 {_shown(value)}"
            )
        return value


_AMOUNT_LENGTH = Task._meta.get_field("total").max_length


def _max_length(model, name: str) -> int | None:
    return model._meta.get_field(name).max_length


def check_structure(data: object, source_name: str = "") -> None:
    """What every reader of a document may assume, checked before any of them runs.

    The nesting is shallow, every text is storable (no NUL, which PostgreSQL refuses;
    no lone surrogate, which no database can encode), and the parts read before
    the full validation (`project`, `source`) have the right type.
    """
    reader = _Reader(source_name or "导入文件")
    _check_nesting_and_texts(reader, data)
    _check_parts_read_early(reader, data)


def _check_nesting_and_texts(reader: _Reader, data: object) -> None:
    """Depth first, without recursion (a deep file must not exhaust Python's stack)."""
    stack: list[tuple[object, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        where = path or "（根）"
        if depth > MAX_DEPTH:
            raise reader.fail(where, f"嵌套层数过深（超过 {MAX_DEPTH} 层），不是本系统的交换格式")
        if isinstance(value, str):
            _check_text(reader, value, where)
        elif isinstance(value, dict):
            for key in value:
                _check_text(reader, key, where)
            # Reversed onto the stack: problems are found in the order the file lists them.
            items = [(item, f"{path}.{key}" if path else str(key), depth + 1) for key, item in value.items()]
            stack.extend(reversed(items))
        elif isinstance(value, list):
            stack.extend(reversed([(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value, start=1)]))


def _check_parts_read_early(reader: _Reader, data: object) -> None:
    """The root is an object, and each table's `project` and `source` have the right type."""
    root = reader.obj(data, "（根）")
    tables = [("", root)]
    if root.get("format") == BOOKLET_FORMAT and isinstance(root.get("projects"), list):
        tables += [(f"projects[{i}]", t) for i, t in enumerate(root["projects"], start=1) if isinstance(t, dict)]
    for path, table in tables:
        p = f"{path}." if path else ""
        if table.get("project") is not None:
            reader.obj(table["project"], f"{p}project")
        if table.get("source") is not None and not isinstance(table["source"], str):
            raise reader.fail(f"{p}source", f"应为文本，实际为 {_shown(table['source'])}")


def _check_text(reader: _Reader, text: str, path: str) -> None:
    if "\x00" in text:
        raise reader.fail(path, "含有空字符（\\u0000），无法保存")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise reader.fail(path, f"含有无效的字符（U+{ord(text[exc.start]):04X}）") from exc
