"""One `Grid` as every source a user brings: xlsx, Word, cells copied from Excel/WPS, web-page text.

- `to_xlsx`: an openpyxl workbook with real merged cells, the text only in a merge's top-left
  cell (as Excel stores it), amounts as numbers, text that starts with `=` kept text.
- `to_docx`: a python-docx document: the title, subtitle and unit lines as paragraphs above
  one table (merged cells merged), the notes and signature lines as paragraphs under it.
- `to_tsv`: what copying the cells from Excel or WPS puts on the clipboard: tabs, a merge's
  other positions empty, a cell holding a line break or a quote in "…" (quotes doubled).
- `to_web_text`: the text a web page's table gives when copied, in the shapes the province
  files show: "pipes" (`| a | b |`), "cells" (one cell per line, a blank line between), and
  "spaces" (a row's cells on one line, separated by runs of spaces). A page's table has no
  cells under a merge (rowspan/colspan), so those positions are left out; "cells" and
  "spaces" also drop empty cells, as copied page text does.
- `to_pdf`: the form printed (WeasyPrint): the title lines above one bordered table whose merges are
  rowspan/colspan, the notes and signature lines under it, as a PDF with a text layer.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from html import escape

import docx
import openpyxl
from docx.shared import Pt
from openpyxl.styles import Alignment, Font

from .grid import Grid

# Rows a Word form prints outside its table: above it, and under it.
ABOVE_TABLE = ("title", "subtitle", "unit")
BELOW_TABLE = ("note", "footer")
WEB_STYLES = ("pipes", "cells", "spaces")
SPACES = "   "


def to_xlsx(grid: Grid, *, sheet: str = "绩效目标表") -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    wrap = Alignment(wrap_text=True, vertical="center")
    for r, row in enumerate(grid.rows):
        for c, text in enumerate(row):
            if not text:
                continue
            cell = ws.cell(row=r + 1, column=c + 1)
            if (r, c) in grid.numbers:
                number = Decimal(text)
                cell.value = int(number) if number == number.to_integral_value() and "." not in text else float(number)
                places = -number.as_tuple().exponent if "." in text else 0
                cell.number_format = "0." + "0" * places if places else "0"
            else:
                cell.value = text
                cell.data_type = "s"  # `=10个` is what the filler typed, not a formula
                cell.alignment = wrap
            if grid.roles[r] == "title":
                cell.font = Font(bold=True, size=16)
    for r1, c1, r2, c2 in grid.merges:
        ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
    for c in range(grid.width):
        ws.column_dimensions[openpyxl.utils.get_column_letter(c + 1)].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_rows(grid: Grid) -> tuple[int, int]:
    """The rows [first, end) a Word form prints as its table (the rest are paragraphs)."""
    first, end = 0, len(grid.rows)
    while first < end and grid.roles[first] in ABOVE_TABLE:
        first += 1
    while end > first and grid.roles[end - 1] in BELOW_TABLE:
        end -= 1
    return first, end


def to_docx(grid: Grid) -> bytes:
    document = docx.Document()
    first, end = table_rows(grid)
    for r in range(first):
        _paragraph(document, _last_text(grid.rows[r]), grid.roles[r])
    if end > first:
        table = document.add_table(rows=end - first, cols=grid.width)
        table.style = "Table Grid"
        cells = [list(row.cells) for row in table.rows]  # taken once: python-docx rebuilds them on each call
        anchors = {}
        for r1, c1, r2, c2 in grid.merges:
            if first <= r1 and r2 < end:
                anchors[(r1, c1)] = cells[r1 - first][c1].merge(cells[r2 - first][c2])
        covered = grid.covered()
        for r in range(first, end):
            for c, text in enumerate(grid.rows[r]):
                if text and (r, c) not in covered:
                    (anchors.get((r, c)) or cells[r - first][c]).text = text
    for r in range(end, len(grid.rows)):
        _paragraph(document, _last_text(grid.rows[r]), grid.roles[r])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _last_text(row: list[str]) -> str:
    return next((text for text in reversed(row) if text), "")


def _paragraph(document, text: str, role: str) -> None:
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    if role == "title":
        run.bold = True
        run.font.size = Pt(16)
        paragraph.alignment = 1  # centred


def to_tsv(grid: Grid) -> str:
    out = io.StringIO()
    csv.writer(out, dialect="excel-tab").writerows(grid.rows)
    return out.getvalue()


def read_tsv(text: str) -> list[list[str]]:
    """The cells of pasted Excel text (the reader an importer test compares with)."""
    return list(csv.reader(io.StringIO(text), dialect="excel-tab"))


def web_rows(grid: Grid) -> list[list[str]]:
    """The cells a web page's table holds in each row: none under a merge."""
    covered = grid.covered()
    return [[text for c, text in enumerate(row) if (r, c) not in covered] for r, row in enumerate(grid.rows)]


def to_web_text(grid: Grid, style: str = "pipes") -> str:
    rows = web_rows(grid)
    if style == "pipes":
        return "\n".join("| " + " | ".join(_one_line(text) for text in row) + " |" for row in rows) + "\n"
    if style == "cells":
        return "\n\n".join(text for row in rows for text in row if text) + "\n"
    if style == "spaces":
        return "\n".join(SPACES.join(_one_line(text) for text in row if text) for row in rows if any(row)) + "\n"
    raise ValueError(f"style should be one of {WEB_STYLES}, not {style!r}")


def _one_line(text: str) -> str:
    return " ".join(text.split("\n"))


def to_pdf(grid: Grid) -> bytes:
    from weasyprint import HTML  # imported here: only the PDF tests need it

    first, end = table_rows(grid)
    spans = {(r1, c1): (r2 - r1 + 1, c2 - c1 + 1) for r1, c1, r2, c2 in grid.merges}
    covered = grid.covered()
    rows = []
    for r in range(first, end):
        cells = []
        for c, text in enumerate(grid.rows[r]):
            if (r, c) in covered:
                continue
            height, width = spans.get((r, c), (1, 1))
            cells.append(f"<td rowspan={height} colspan={width}>{escape(text).replace(chr(10), '<br>')}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    above = "".join(f"<p>{escape(_last_text(grid.rows[r]))}</p>" for r in range(first))
    below = "".join(f"<p>{escape(_last_text(grid.rows[r]))}</p>" for r in range(end, len(grid.rows)))
    html = (
        "<style>td{border:1px solid black;padding:2px;font-size:8px} table{border-collapse:collapse}"
        " p{font-size:9px;white-space:pre-wrap}</style>"
        f"{above}<table>{''.join(rows)}</table>{below}"
    )
    return HTML(string=html).write_pdf()
