"""Pagination of the printed model: chunks of rows per page, merged cells split at the breaks."""

from __future__ import annotations

from dataclasses import dataclass

from tables.exports.printed.model import CONTENT_H, STYLES, Cell, PrintedTable, _up, cell_height


@dataclass(slots=True)
class PrintedRow:
    index: int  # row index in the table
    height: float
    cells: list[tuple[int, Cell, int, int]]  # (col, cell, colspan, rowspan within the chunk)


def _owners(table: PrintedTable) -> list[tuple[int, int, int, Cell, float]]:
    """(first row, last row, col, cell, height its text needs) of every printed cell, in row order."""
    out = []
    for r, c, cell in table.anchors():
        need = 0.0
        if cell.rowspan > 1:
            need = cell_height(cell.text, table.span_width(c, cell.colspan), STYLES[cell.style].size)
        out.append((r, r + cell.rowspan - 1, c, cell, need))
    return out


def chunk_rows(table: PrintedTable, chunk: list[int], owners=None) -> list[PrintedRow]:
    """The rows of one page: cells whose span crosses the page edge are cut and relabelled."""
    owners = owners if owners is not None else _owners(table)
    position = {r: p for p, r in enumerate(chunk)}
    out = [PrintedRow(index=r, height=table.rows[r].height, cells=[]) for r in chunk]
    lo, hi = chunk[0], chunk[-1]
    for first, last, col, cell, need in owners:
        if first > hi:
            break  # owners come in row order: none further down reaches this page
        if last < lo:
            continue
        if first == last:  # most cells: one row, printed whole or not at all
            p = position.get(first)
            if p is not None:
                out[p].cells.append((col, cell, cell.colspan, 1))
            continue
        inside = [position[r] for r in range(max(first, lo), min(last, hi) + 1) if r in position]
        if not inside:
            continue
        p0 = inside[0]
        out[p0].cells.append((col, cell, cell.colspan, len(inside)))
        if cell.rowspan > 1:
            # The piece on this page must hold its label: stretch its last row if not.
            have = sum(out[p].height for p in inside)
            if need > have + 0.01:
                out[inside[-1]].height = _up(out[inside[-1]].height + need - have)
    for row in out:
        row.cells.sort(key=lambda item: item[0])
    return out


def paginate(table: PrintedTable, first_avail: float, avail: float = CONTENT_H, owners=None) -> list[list[int]]:
    """Split the rows into pages. A page that continues a section starts with its header rows."""
    owners = owners if owners is not None else _owners(table)
    headers: dict[str, list[int]] = {}
    for i, row in enumerate(table.rows):
        if row.header:
            headers.setdefault(row.section, []).append(i)

    def height(chunk: list[int]) -> float:
        return sum(r.height for r in chunk_rows(table, chunk, owners))

    chunks: list[list[int]] = []
    current: list[int] = []
    room = first_avail
    n = len(table.rows)
    i = 0
    while i < n:
        # Header rows travel with the first row after them.
        j = i
        while j < n - 1 and table.rows[j].header:
            j += 1
        group = list(range(i, j + 1))
        candidate = current + group
        body = any(not table.rows[r].header for r in current)
        if body and height(candidate) > room:
            chunks.append(current)
            room = avail
            section = table.rows[i].section
            repeat = headers.get(section, []) if not table.rows[i].header else []
            current = [h for h in repeat if h < i]
            continue
        current = candidate
        i = j + 1
    if current:
        chunks.append(current)
    return chunks


def page_rows(table: PrintedTable, first_avail: float, avail: float = CONTENT_H) -> list[list[PrintedRow]]:
    owners = _owners(table)
    return [chunk_rows(table, chunk, owners) for chunk in paginate(table, first_avail, avail, owners)]
