"""The one input every source becomes: rows of cells, each knowing where it stands.

A reader fills a merged area with the value of its top-left cell, so a merged 一级
cell reads as its value on every row it covers; `Cell.merged` remembers that the
cell was covered (not typed there), and `Grid.merges` keeps the ranges. A cell's
`place` is how messages name it: `工作表“Sheet1”B7` for a spreadsheet, `第7行第2格`
for text, `第2个表格第3行第1格` for Word, `第1页…` for a PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter


@dataclass(frozen=True)
class Cell:
    text: str  # as printed, trimmed ("" for an empty cell)
    place: str  # for messages
    value: object = None  # the typed value where the source has one (Decimal, datetime), else None
    merged: bool = False  # covered by a merged range whose value sits in another cell
    serial: int | None = None  # the Excel date serial of a date-typed cell (`44561`), else None


@dataclass
class Grid:
    """One sheet, one document or one pasted text, as rows of cells."""

    name: str  # sheet name, file name or "粘贴的文字"
    rows: list[list[Cell]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row1, col1, row2, col2), 0-based
    # cells each row had before padding to the grid's width: text sources leave merged cells out
    lengths: list[int] = field(default_factory=list)

    @property
    def width(self) -> int:
        return max((len(row) for row in self.rows), default=0)

    def text(self, r: int, c: int) -> str:
        row = self.rows[r] if 0 <= r < len(self.rows) else []
        return row[c].text if 0 <= c < len(row) else ""

    def cell(self, r: int, c: int) -> Cell | None:
        row = self.rows[r] if 0 <= r < len(self.rows) else []
        return row[c] if 0 <= c < len(row) else None

    def merge_of(self, r: int, c: int) -> tuple[int, int, int, int] | None:
        for r1, c1, r2, c2 in self.merges:
            if r1 <= r <= r2 and c1 <= c <= c2:
                return (r1, c1, r2, c2)
        return None

    def place(self, r: int, c: int) -> str:
        cell = self.cell(r, c)
        return cell.place if cell else f"{self.name}第{r + 1}行"

    def row_place(self, r: int) -> str:
        """A row as messages name it: its first cell's place."""
        return self.place(r, 0)


def excel_ref(r: int, c: int) -> str:
    """0-based row and column as an Excel reference: (6, 1) → `B7`."""
    return f"{get_column_letter(c + 1)}{r + 1}"


def build(name: str, texts: list[list[str]], place, merges=(), values=None) -> Grid:
    """A grid from rows of texts, filling every merged range with its top-left text.

    `place(r, c)` names a cell; `values` (same shape, optional) holds `(typed value, Excel date serial)`
    pairs, or None where the source has only text.
    """
    width = max((len(row) for row in texts), default=0)
    rows_text = [[*row, *([""] * (width - len(row)))] for row in texts]
    covered: set[tuple[int, int]] = set()
    for r1, c1, r2, c2 in merges:
        top = rows_text[r1][c1] if r1 < len(rows_text) and c1 < width else ""
        for r in range(r1, min(r2, len(rows_text) - 1) + 1):
            for c in range(c1, min(c2, width - 1) + 1):
                if (r, c) != (r1, c1):
                    rows_text[r][c] = top
                    covered.add((r, c))
    rows = []
    for r, row in enumerate(rows_text):
        cells = []
        for c, text in enumerate(row):
            typed = values[r][c] if values and r < len(values) and c < len(values[r]) else None
            value, serial = typed or (None, None)
            cells.append(Cell(text=text, place=place(r, c), value=value, merged=(r, c) in covered, serial=serial))
        rows.append(cells)
    return Grid(name=name, rows=rows, merges=list(merges), lengths=[len(row) for row in texts])


def split_forms(grid: Grid, is_title, is_header) -> list[Grid]:
    """A sheet or page holding several forms back to back, one grid per form: a form starts at a title
    row (`is_title(texts)`) that follows an indicator header (`is_header(r)`) of the form above it."""
    starts = [0]
    seen_header = False
    for r, row in enumerate(grid.rows):
        texts = {cell.text for cell in row if cell.text}
        if seen_header and len(texts) == 1 and is_title(texts.pop()):
            starts.append(r)
            seen_header = False
        elif is_header(r):
            seen_header = True
    if len(starts) == 1:
        return [grid]
    parts = []
    for first, end in zip(starts, [*starts[1:], len(grid.rows)], strict=True):
        merges = [(r1 - first, c1, r2 - first, c2) for r1, c1, r2, c2 in grid.merges if first <= r1 and r2 < end]
        lengths = grid.lengths[first:end] if grid.lengths else []
        parts.append(Grid(name=grid.name, rows=grid.rows[first:end], merges=merges, lengths=lengths))
    return parts
