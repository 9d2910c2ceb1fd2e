"""`Grid`: a printed form as rows of cell strings plus merged ranges.

This is the one model every builder writes and every renderer reads:

- `rows[r][c]` is the text in row r, column c (0-based). The grid is rectangular. A merged
  range holds its text in its top-left cell only; the other positions it covers hold "", as
  Excel stores a merge and as copying the cells from Excel gives them.
- `merges` lists the merged ranges as `(r1, c1, r2, c2)`, inclusive, top-left first. They
  never overlap.
- `roles[r]` says what row r is on the form: "title", "subtitle", "unit", "header", "extra",
  "budget", "tasks", "schedule", "goal", "indicator_head", "indicator", "footer", "opinion",
  "note", "blank". Renderers use it to put the title above a Word table and the signature
  lines under it; tests use it to find rows.
- `numbers` holds the positions of amounts, which a spreadsheet template stores as numbers
  (the text stays the printed decimal, e.g. "6.30").

Rows are added left to right with `line(role, cells)`, where each cell is a text or a
`(text, colspan)` pair; vertical merges are added with `merge`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Cell = str | tuple[str, int]


@dataclass
class Grid:
    width: int
    rows: list[list[str]] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    numbers: set[tuple[int, int]] = field(default_factory=set)

    # ------------------------------------------------------------ building

    def line(self, role: str, cells: list[Cell], *, numbers: tuple[int, ...] = ()) -> int:
        """Append a row; a `(text, span)` cell is merged across `span` columns; the last cell
        stretches to the grid's width. `numbers` are indexes into `cells` holding amounts."""
        r = len(self.rows)
        row = [""] * self.width
        c = 0
        for i, cell in enumerate(cells):
            text, span = (cell, 1) if isinstance(cell, str) else cell
            if i == len(cells) - 1:
                span = self.width - c
            if span < 1 or c + span > self.width:
                raise ValueError(f"row {r}: cells {cells!r} do not fit {self.width} columns")
            row[c] = text or ""
            if span > 1:
                self.merges.append((r, c, r, c + span - 1))
            if i in numbers and text:
                self.numbers.add((r, c))
            c += span
        self.rows.append(row)
        self.roles.append(role)
        return r

    def merge(self, r1: int, c1: int, r2: int, c2: int) -> None:
        """Merge a block; only its top-left text is kept (the rest must already be blank)."""
        if (r1, c1) == (r2, c2):
            return
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1) and self.rows[r][c]:
                    raise ValueError(f"merge {(r1, c1, r2, c2)} would cover {self.rows[r][c]!r} at {(r, c)}")
        self.merges.append((r1, c1, r2, c2))

    @classmethod
    def stack(cls, grids: list[Grid]) -> Grid:
        """Several forms one under another (a page or sheet holding them back to back), a blank row between."""
        width = max(g.width for g in grids)
        out = cls(width)
        for i, g in enumerate(grids):
            if i:
                out.line("blank", [""])
            top = len(out.rows)
            for row, role in zip(g.rows, g.roles, strict=True):
                out.rows.append(row + [""] * (width - g.width))
                out.roles.append(role)
            for r1, c1, r2, c2 in g.merges:
                # a merge reaching the narrower grid's last column keeps reaching the last column
                c2 = width - 1 if c2 == g.width - 1 else c2
                out.merges.append((r1 + top, c1, r2 + top, c2))
            out.numbers |= {(r + top, c) for r, c in g.numbers}
        return out

    # ------------------------------------------------------------ reading

    def anchor(self, r: int, c: int) -> tuple[int, int]:
        """The top-left cell of the merge covering (r, c), or (r, c) itself."""
        for r1, c1, r2, c2 in self.merges:
            if r1 <= r <= r2 and c1 <= c <= c2:
                return r1, c1
        return r, c

    def covered(self) -> set[tuple[int, int]]:
        """Positions hidden under a merge (every merged position but its top-left)."""
        return {
            (r, c)
            for r1, c1, r2, c2 in self.merges
            for r in range(r1, r2 + 1)
            for c in range(c1, c2 + 1)
            if (r, c) != (r1, c1)
        }

    def seen(self) -> list[list[str]]:
        """What a reader sees in each position: a covered cell shows its merge's text."""
        out = [list(row) for row in self.rows]
        for r1, c1, r2, c2 in self.merges:
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    out[r][c] = self.rows[r1][c1]
        return out

    def texts(self) -> list[str]:
        """Every non-empty cell text, top to bottom, left to right."""
        return [text for row in self.rows for text in row if text]

    def rows_of(self, role: str) -> list[int]:
        return [r for r, each in enumerate(self.roles) if each == role]
