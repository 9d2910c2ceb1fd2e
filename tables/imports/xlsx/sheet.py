"""A worksheet as a grid of anchored cells: found by their printed labels, merges known, values as printed."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from openpyxl.utils import get_column_letter

from tables.imports.xlsx.package import MAX_ERRORS, XlsxImportError

MAX_ROWS = 5000
MAX_COLS = 60

_SPACE = re.compile(r"[\s\u3000]+")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _norm_label(text) -> str:
    return _SPACE.sub("", str(text)).replace("(", "（").replace(")", "）").replace(":", "：") if text else ""


class _Sheet:
    def __init__(self, ws, errors: list[str]):
        self.ws = ws
        self.name = ws.title
        self.errors = errors
        # openpyxl keeps the cells actually stored in the file in _cells; iterating
        # rows instead would walk every row up to a (possibly huge) declared dimension.
        cells = ws._cells
        if cells and (max(r for r, _ in cells) > MAX_ROWS or max(c for _, c in cells) > MAX_COLS):
            raise XlsxImportError(f"工作表“{self.name}”过大（最多 {MAX_ROWS} 行、{MAX_COLS} 列）")
        self.cells = {key: cell for key, cell in cells.items() if cell.value is not None}
        self.span: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in ws.merged_cells.ranges:
            self.span[(rng.min_row, rng.min_col)] = (rng.max_row, rng.max_col)
        self.max_row = max((r for r, _ in self.cells), default=0)
        self.labels: dict[str, list[tuple[int, int]]] = {}
        for (r, c), cell in sorted(self.cells.items()):
            if isinstance(cell.value, str):
                self.labels.setdefault(_norm_label(cell.value), []).append((r, c))

    def ref(self, r: int, c: int) -> str:
        return f"{self.name}!{get_column_letter(c)}{r}"

    def error(self, r: int, c: int, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(f"{self.ref(r, c)}：{message}")

    def find(self, *labels: str, after: int = 0) -> tuple[int, int] | None:
        best = None
        for label in labels:
            for r, c in self.labels.get(_norm_label(label), []):
                if r > after and (best is None or (r, c) < best):
                    best = (r, c)
                    break
        return best

    def end(self, r: int, c: int) -> tuple[int, int]:
        return self.span.get((r, c), (r, c))

    def right(self, r: int, c: int) -> tuple[int, int]:
        return r, self.end(r, c)[1] + 1

    def check_merges(self, first: int, last: int, columns: dict[str, int], labels: dict[str, str]) -> None:
        """Report merged ranges that hide a field's own cell in rows first..last.

        A merged range keeps only its top-left value; a value hidden under it would
        be read as blank. Group columns (一级/二级) may span rows: that means "same
        as above". Anything else — a 指标值 over several rows, a 三级指标 merged into
        the 指标值 column — is a layout we cannot read row by row.
        """
        for rng in self.ws.merged_cells.ranges:
            if rng.max_row < first or rng.min_row > last:
                continue
            anchor = (rng.min_row, rng.min_col)
            grouped = any(columns.get(key) == rng.min_col for key in ("level1", "level2"))
            hidden = [
                (r, key)
                for r in range(max(rng.min_row, first), min(rng.max_row, last) + 1)
                for key, c in columns.items()
                if rng.min_col <= c <= rng.max_col
                and (r, c) != anchor
                and not (grouped and key in ("level1", "level2"))
            ]
            if hidden and len(self.errors) < MAX_ERRORS:
                r, key = hidden[0]
                self.errors.append(
                    f"{self.name}!{rng.coord}：合并单元格盖住了第 {r} 行的“{labels.get(key, key)}”，"
                    "请取消合并，逐行填写"
                )

    def row_texts(self, r: int) -> list[tuple[int, str]]:
        return [(c, _norm_label(cell.value)) for (rr, c), cell in sorted(self.cells.items()) if rr == r]

    # -- values --------------------------------------------------------------

    def text(self, r: int, c: int) -> str | None:
        cell = self.cells.get((r, c))
        if cell is None:
            return None
        value = cell.value
        if isinstance(value, str):
            text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        elif isinstance(value, bool):
            text = "是" if value else "否"
        elif isinstance(value, (int, float)):
            number = _decimal(value)
            text = _plain(number * 100) + "%" if "%" in (cell.number_format or "") else _plain(number)
        elif isinstance(value, (dt.datetime, dt.date)):
            text = f"{value.year}年{value.month}月{value.day}日"
        else:
            text = str(value).strip()
        return text or None

    def amount(self, r: int, c: int, *, percent: bool = False) -> str | None:
        cell = self.cells.get((r, c))
        if cell is None:
            return None
        value = cell.value
        fmt = cell.number_format or ""
        if isinstance(value, (bool, dt.datetime, dt.date, dt.time)):
            self.error(r, c, "应为数字")
            return None
        if isinstance(value, (int, float)):
            number = _decimal(value)
            if "%" in fmt:
                number *= 100
            places = _format_places(fmt)
            return f"{number:.{places}f}" if places is not None else _plain(number)
        text = _SPACE.sub("", str(value)).replace(",", "").replace("，", "")
        if percent:
            text = text.rstrip("%％")
        if not text:
            return None
        if not _NUMBER.match(text):
            self.error(r, c, f"{'百分比' if percent else '金额'}应为数字，实际为“{str(value).strip()}”")
            return None
        return text


def _decimal(value) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f") if number != number.to_integral_value() else str(int(number))
    return text


def _format_places(fmt: str) -> int | None:
    """Decimals of a number format like 0.00 or 0.0%; None for General."""
    section = fmt.split(";")[0]
    if not re.search(r"[0#]", section):
        return None
    match = re.search(r"\.([0#]+)", section)
    return len(match.group(1)) if match else 0
