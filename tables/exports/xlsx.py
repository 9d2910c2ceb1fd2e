"""The xlsx renderer: the printed model written with xlsxwriter.

Every sheet is written row by row in xlsxwriter's constant-memory mode, so a
workbook of 500 tables costs no more memory than one. Text is always written
with `write_string` (never parsed as a formula: `=83人` stays text) and cells
that start with = + - @ also get Excel's quote prefix, so editing them in
Excel/WPS keeps them text. Amounts are numbers with as many decimals as the
source has ("800.00" → 800 shown as 800.00), so reading back gives the same
string.

A hidden sheet `_meta` holds one JSON row per sheet: its role, layout and a
snapshot of the exchange dict. The visible sheets are the official form and
the truth on import; the snapshot only tells apart what a sheet cannot show
(null vs "", fields the layout does not print). See `tables.imports.xlsx`.

What this takes from xlsxwriter beyond its documented API (merges added to a
streamed sheet, finished sheets sealed early) is in `tables.exports._xlsxwriter`.
"""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal

import xlsxwriter

from tables.exports._xlsxwriter import add_merges, seal_sheets
from tables.exports.printed import (
    MM_PER_PT,
    STYLES,
    PrintedTable,
    build_overall,
    build_table,
    decimal_places,
    is_record_layout,
    layout_for,
    line_mm,
    review_lines,
    signature_line,
    title_height,
    with_decisions,
)
from tables.layouts import LAYOUTS_BY_CODE, layout_as_dict

META_SHEET = "_meta"
META_FORMAT = "target-xlsx/1"
FONT_NAMES = {"serif": "宋体", "sans": "黑体"}
_CHUNK = 30000  # characters per cell (Excel's limit is 32767)
_FORMULA_START = ("=", "+", "-", "@")
# Excel refuses []:*?/\ in a sheet name; a control character would make the workbook's XML invalid.
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_SHEET_LENGTH = 31  # Excel counts UTF-16 code units: an emoji takes two
_RESERVED_SHEETS = ("history", META_SHEET.lower())  # Excel keeps "History" for change tracking


def looks_like_formula(text: object) -> bool:
    """Text a spreadsheet would take for a formula when typed or edited: it gets Excel's quote prefix."""
    return isinstance(text, str) and text.startswith(_FORMULA_START)


def append_text_row(sheet, values: list) -> None:
    """Append a row of user values to an openpyxl sheet the way the table exports write text:
    strings stay strings (never formulas; the quote prefix keeps them so when edited in Excel or
    WPS) and characters an xlsx cannot hold (old data's control characters) are dropped."""
    # openpyxl (~0.2 s to import) loads only where a sheet is read or written with it, as elsewhere.
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            cell.quotePrefix = looks_like_formula(cell.value)


def mm_to_width(mm: float) -> float:
    """Excel column width (characters of '0' in an 11pt font, 7 px each) for `mm`."""
    px = mm * 96 / 25.4
    return round(max(px - 5, 7) / 7, 2)


def mm_to_points(mm: float) -> float:
    return round(mm / MM_PER_PT, 2)


def _cut(text: str, units: int) -> str:
    """The longest start of `text` that is at most `units` UTF-16 code units long."""
    out, used = [], 0
    for char in text:
        used += 2 if ord(char) > 0xFFFF else 1
        if used > units:
            break
        out.append(char)
    return "".join(out)


def sheet_name(title: str, taken: set[str]) -> str:
    """A sheet name Excel accepts, unique within the workbook (`taken` holds the names used, lower case).

    At most 31 UTF-16 units, none of []:*?/\\ or controls, not starting or ending with an
    apostrophe (so cut first, then strip: a cut can end on one), not a reserved name.
    """
    base = _cut(_BAD_SHEET_CHARS.sub("_", title), _SHEET_LENGTH).strip("'") or "Sheet"
    name = base
    n = 2
    while name.lower() in taken or name.lower() in _RESERVED_SHEETS:
        suffix = f"({n})"
        name = _cut(base, _SHEET_LENGTH - len(suffix)) + suffix
        n += 1
    taken.add(name.lower())
    return name


class TableWorkbook:
    """A workbook of printed tables, streamed to `target` (a path or a file object)."""

    def __init__(self, target, *, content: str, layout_code: str = "", template: bool = False, tmpdir=None):
        options = {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        }
        if tmpdir:
            options["tmpdir"] = str(tmpdir)
        self.wb = xlsxwriter.Workbook(target, options)
        self._formats: dict[tuple, object] = {}
        self._taken: set[str] = set()
        self._first = None
        self._tmpdir = options.get("tmpdir")
        # Created first so it can be written as we go (each sheet streams on its own).
        self.meta_ws = self.wb.add_worksheet(META_SHEET)
        self.meta_ws.hide()
        self._meta_row = 0
        self._meta("workbook", {"format": META_FORMAT, "content": content, "layout": layout_code, "template": template})

    # -- formats -------------------------------------------------------------

    def fmt(self, style_name: str, num_format: str | None = None, quote: bool = False):
        key = (style_name, num_format, quote)
        if key not in self._formats:
            style = STYLES[style_name]
            props = {
                "font_name": FONT_NAMES[style.font],
                "font_size": style.size,
                "bold": style.bold,
                "align": style.align,
                "valign": "vcenter",
                "text_wrap": True,
            }
            if style.border:
                props["border"] = 1
            if num_format:
                props["num_format"] = num_format
            if quote:
                props["quote_prefix"] = True
            self._formats[key] = self.wb.add_format(props)
        return self._formats[key]

    # -- sheets --------------------------------------------------------------

    def _meta(self, key: str, value: dict) -> None:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        self.meta_ws.write_string(self._meta_row, 0, key)
        for i in range(0, max(len(text), 1), _CHUNK):
            self.meta_ws.write_string(self._meta_row, 1 + i // _CHUNK, text[i : i + _CHUNK])
        self._meta_row += 1

    def add_table(
        self,
        table: PrintedTable,
        title: str,
        *,
        role: str = "table",
        snapshot: dict | None = None,
        footer: list[str] = (),
    ) -> str:
        name = sheet_name(title, self._taken)
        ws = self.wb.add_worksheet(name)
        if self._first is None:
            self._first = name
            ws.activate()
            ws.set_first_sheet()
        self._meta(name, {"role": role, "layout": table.layout_code, "snapshot": snapshot})
        self._write(ws, table, footer)
        return name

    def _write(self, ws, table: PrintedTable, footer: list[str]) -> None:
        for c, width in enumerate(table.widths):
            ws.set_column(c, c, mm_to_width(width))
        merges: list[list[int]] = []
        offset = self._write_head(ws, table, merges)
        row = self._write_grid(ws, table, offset, merges)
        row = self._write_footer(ws, table, footer, row, merges)
        add_merges(ws, merges)
        self._page_setup(ws, table, offset, row)

    def _band(self, ws, row: int, text: str, style: str, first: int, last: int, merges: list[list[int]]) -> None:
        """A line of text across columns first..last (merged): the title, the notes, the signature."""
        if text:
            ws.write_string(row, first, text, self.fmt(style))
        else:
            ws.write_blank(row, first, None, self.fmt(style))
        for c in range(first + 1, last + 1):
            ws.write_blank(row, c, None, self.fmt(style))
        if last > first:
            merges.append([row, first, row, last])

    def _write_head(self, ws, table: PrintedTable, merges: list[list[int]]) -> int:
        """Title, subtitle and the notes line above the grid; returns the grid's first row."""
        n = table.ncols
        row = 0
        ws.set_row(row, mm_to_points(title_height(table.title)))
        self._band(ws, row, table.title, "title", 0, n - 1, merges)
        row += 1
        if table.subtitle:
            ws.set_row(row, 18)
            self._band(ws, row, table.subtitle, "subtitle", 0, n - 1, merges)
            row += 1
        ws.set_row(row, 18)
        half = max(n // 2 - 1, 0)
        self._band(ws, row, table.left_note or "", "note", 0, half, merges)
        self._band(ws, row, table.unit_note or "", "note_right", half + 1, n - 1, merges)
        return row + 1

    def _write_grid(self, ws, table: PrintedTable, offset: int, merges: list[list[int]]) -> int:
        """The printed rows from `offset` on; returns the row after them."""
        for r, printed in enumerate(table.rows):
            ws.set_row(offset + r, mm_to_points(printed.height))
            for c, cell in enumerate(printed.cells):
                if cell is None:
                    continue
                self._cell(ws, offset + r, c, cell)
                if cell.colspan > 1 or cell.rowspan > 1:
                    merges.append([offset + r, c, offset + r + cell.rowspan - 1, c + cell.colspan - 1])
            # Covered cells still need the border of the cell that covers them.
            for c, cell in enumerate(printed.cells):
                if cell is None:
                    ws.write_blank(offset + r, c, None, self._cover_format(table, r, c))
        return offset + len(table.rows)

    def _write_footer(self, ws, table: PrintedTable, footer: list[str], row: int, merges: list[list[int]]) -> int:
        """The signature and review lines a row below the grid; returns the row after them."""
        lines = [line for line in footer if line]
        if lines:
            row += 1
            for line in lines:
                ws.set_row(row, mm_to_points(max(line_mm() + 2, 7)))
                self._band(ws, row, line, "sign", 0, table.ncols - 1, merges)
                row += 1
        return row

    @staticmethod
    def _page_setup(ws, table: PrintedTable, offset: int, end: int) -> None:
        headers = table.header_rows()
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=0.59, right=0.59, top=0.55, bottom=0.63)
        ws.set_footer("&C第 &P 页 共 &N 页")
        if headers:
            ws.repeat_rows(offset + headers[0], offset + headers[-1])
        ws.print_area(0, 0, end - 1, table.ncols - 1)
        ws.hide_gridlines(2)

    def _cover_format(self, table: PrintedTable, r: int, c: int):
        for rr in range(r, -1, -1):
            for cc in range(c, -1, -1):
                cell = table.rows[rr].cells[cc]
                if cell is not None and rr + cell.rowspan > r and cc + cell.colspan > c:
                    return self.fmt(cell.style)
        return self.fmt("cell")

    def _cell(self, ws, r: int, c: int, cell) -> None:
        text = cell.text
        if not text:
            ws.write_blank(r, c, None, self.fmt(cell.style))
            return
        if cell.kind == "amount":
            places = decimal_places(text)
            if places is not None and len(text.replace("-", "").replace(".", "").lstrip("0")) <= 15:
                ws.write_number(r, c, float(text), self.fmt(cell.style, "0" + ("." + "0" * places if places else "")))
                return
        elif cell.kind == "percent":
            raw = text[:-1] if text.endswith("%") else text
            places = decimal_places(raw)
            if places is not None and len(raw) <= 15:
                number = float(Decimal(raw) / 100)
                ws.write_number(r, c, number, self.fmt(cell.style, "0" + ("." + "0" * places if places else "") + "%"))
                return
        ws.write_string(r, c, text, self.fmt(cell.style, quote=looks_like_formula(text)))

    def seal(self, start: int = 1) -> None:
        """Write the XML of every sheet from position `start` on now and let go of the sheets.

        For a workbook that grows sheet by sheet (bulk export): what stays in memory per
        sheet is its name and print ranges. Sealed sheets can no longer be written to.
        The hidden `_meta` sheet (position 0) keeps streaming until the workbook closes.
        """
        seal_sheets(self.wb, max(start, 1), self._tmpdir)

    def close(self) -> None:
        if self._first is None:  # an empty workbook still needs one visible sheet
            self.wb.add_worksheet("Sheet1").activate()
        self.wb.close()


# ---------------------------------------------------------------------------
# Public API


def table_footer(data: dict, meta: dict | None, table: PrintedTable | None = None) -> list[str]:
    """The lines under the grid: the signature line (unless the layout prints its own footer), the review marks."""
    signature = [signature_line(data, meta)] if table is None or table.signed else []
    return [*signature, *review_lines(meta)]


def _add_booklet(book: TableWorkbook, booklet: dict, layout: dict, meta: dict | None, *, prefix: str = "") -> None:
    overall = build_overall(booklet)
    head = {k: v for k, v in booklet.items() if k != "projects"}
    book.add_table(overall, f"{prefix}部门整体绩效目标", role="overall", snapshot=head)
    for i, project in enumerate(booklet.get("projects") or [], start=1):
        table = build_table(project, layout_for(project, layout), number=i)
        name = (project.get("project") or {}).get("name") or project.get("title") or "项目"
        book.add_table(
            table, f"{prefix}{i}.{name}", role="project", snapshot=project, footer=table_footer(project, meta, table)
        )


def write_xlsx(target, data: dict, layout: dict, *, meta: dict | None = None) -> None:
    """Write one table or booklet as a workbook to `target` (a path or file object)."""
    if data.get("format") == "target-booklet/1":
        book = TableWorkbook(target, content="booklet", layout_code=layout.get("code", ""))
        _add_booklet(book, data, layout, meta)
    else:
        book = TableWorkbook(target, content="table", layout_code=layout.get("code", ""))
        layout = layout_for(data, layout)
        # The decisions fill the 审核意见 rows of the print; the hidden snapshot stays the table's own.
        table = build_table(with_decisions(data, layout, meta), layout)
        book.add_table(table, "绩效目标表", snapshot=data, footer=table_footer(data, meta, table))
    book.close()


def render_xlsx(data: dict, layout: dict, *, meta: dict | None = None) -> bytes:
    """The official form of a table (or a booklet: part 1 and a sheet per project) as xlsx."""
    out = io.BytesIO()
    write_xlsx(out, data, layout, meta=meta)
    return out.getvalue()


def blank_template(layout) -> bytes:
    """The empty official form of a layout (a code, a layout dict or a `Layout`), to fill in by hand."""
    if isinstance(layout, str):
        layout = LAYOUTS_BY_CODE[layout]
    elif not isinstance(layout, dict):
        stored = layout
        layout = layout_as_dict(stored)
        if is_record_layout(layout):  # its title and scheme (一级/二级 rows); the seeds' forms print as they always did
            layout.update(title=stored.title, scheme=stored.scheme.code)
    data = {
        "format": "target-table/1",
        "kind": layout.get("kind"),
        "title": layout.get("title"),
        "organization": {"code": None, "name": ""},
        "tasks": [{} for _ in range(5)] if "tasks" in layout.get("blocks", []) else [],
        "indicators": [],
    }
    out = io.BytesIO()
    book = TableWorkbook(out, content="table", layout_code=layout.get("code", ""), template=True)
    table = build_table(data, layout, blank=True)
    book.add_table(table, "绩效目标表", footer=table_footer(data, None, table))
    book.close()
    return out.getvalue()


__all__ = ["TableWorkbook", "append_text_row", "blank_template", "looks_like_formula", "render_xlsx", "write_xlsx"]
