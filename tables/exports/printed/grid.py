"""The grid under the printed model: rows given as segments in millimetres, cut into columns."""

from __future__ import annotations

from collections.abc import Callable

from tables.exports.printed.model import MIN_ROW, STYLES, Cell, PrintedTable, Row, _up, cell_height


class _Builder:
    """Rows given as segments [x0, x1) in mm; the grid is the union of their edges."""

    def __init__(self) -> None:
        self.specs: list[tuple[list[tuple[float, float, Cell]], dict]] = []

    def row(self, segments: list[tuple[float, float, Cell]], **attrs) -> None:
        self.specs.append((segments, attrs))

    def build(self) -> tuple[list[float], list[Row]]:
        edges = self._edges()
        col = _nearest_edge(edges)
        ncols = len(edges) - 1
        covered: set[tuple[int, int]] = set()
        rows = [
            self._grid_row(r, segments, attrs, col, ncols, covered) for r, (segments, attrs) in enumerate(self.specs)
        ]
        widths = [round(edges[i + 1] - edges[i], 3) for i in range(ncols)]
        return widths, rows

    def _edges(self) -> list[float]:
        """Every segment edge, those closer than half a millimetre taken as one."""
        edges: list[float] = []
        for segments, _ in self.specs:
            for x0, x1, _cell in segments:
                for x in (x0, x1):
                    if not any(abs(x - e) < 0.5 for e in edges):
                        edges.append(x)
        edges.sort()
        return edges

    @staticmethod
    def _grid_row(r: int, segments, attrs: dict, col, ncols: int, covered: set[tuple[int, int]]) -> Row:
        """Row `r` on the grid; `covered` collects the slots its spans take in this row and those below."""
        cells: list[Cell | None] = [None] * ncols
        for x0, x1, cell in segments:
            c0, c1 = col(x0), col(x1)
            cell.colspan = c1 - c0
            cells[c0] = cell
            for rr in range(r, r + cell.rowspan):
                for cc in range(c0, c1):
                    if (rr, cc) != (r, c0):
                        covered.add((rr, cc))
        for c in range(ncols):
            if cells[c] is None and (r, c) not in covered:
                cells[c] = Cell()  # a hole in the spec: print an empty bordered cell
        return Row(cells=cells, **attrs)


def _nearest_edge(edges: list[float]) -> Callable[[float], int]:
    """x (mm) → the index of the nearest grid edge."""
    nearest: dict[float, int] = {}  # rows share their edges: look each up once

    def col(x: float) -> int:
        if x not in nearest:
            nearest[x] = min(range(len(edges)), key=lambda i: abs(edges[i] - x))
        return nearest[x]

    return col


def _positions(tracks: list[tuple[str, float]]) -> dict[str, tuple[float, float]]:
    """Each track's [x0, x1) in mm, side by side from the left edge."""
    x: dict[str, tuple[float, float]] = {}
    pos = 0.0
    for key, width in tracks:
        x[key] = (pos, pos + width)
        pos += width
    return x


def _fit_heights(table: PrintedTable) -> None:
    """Each row as tall as its tallest one-row cell; spans stretch their last row."""
    for row in table.rows:
        best = MIN_ROW
        for c, cell in enumerate(row.cells):
            if cell is not None and cell.rowspan == 1:
                size = STYLES[cell.style].size
                best = max(best, cell_height(cell.text, table.span_width(c, cell.colspan), size))
        row.height = best
    for r, c, cell in table.anchors():
        if cell.rowspan > 1:
            need = cell_height(cell.text, table.span_width(c, cell.colspan), STYLES[cell.style].size)
            have = sum(table.rows[i].height for i in range(r, r + cell.rowspan))
            if need > have:
                table.rows[r + cell.rowspan - 1].height = _up(table.rows[r + cell.rowspan - 1].height + need - have)


def _category_spans(indicators: list[dict], columns: list[str]) -> dict[tuple[int, str], int]:
    """{(row, level): rows merged from there, 0 when merged into the row above}: equal 一级 runs
    merge, and equal 二级 runs inside them (never across a 一级 boundary)."""
    spans: dict[tuple[int, str], int] = {}
    for level, parent in (("level1", None), ("level2", "level1")):
        if level not in columns:
            continue
        i = 0
        while i < len(indicators):
            j = i + 1
            value = indicators[i].get(level)
            while (
                j < len(indicators)
                and value
                and indicators[j].get(level) == value
                and (parent is None or indicators[j].get(parent) == indicators[i].get(parent))
            ):
                j += 1
            spans[(i, level)] = j - i
            for k in range(i + 1, j):
                spans[(k, level)] = 0
            i = j
    return spans
