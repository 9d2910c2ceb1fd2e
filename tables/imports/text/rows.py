"""Splitting pasted text into rows of cells: tabs (with Excel's quoting), Markdown pipes, runs of spaces.

Also where reading stops: text past `MAX_LINES`/`MAX_CHARS` is reported, not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tables.imports.text.words import Problem

# Pasted text is bounded: a whole table is a few hundred lines; a multi-megabyte paste is a
# mistake (or an attack) and would keep a worker busy for a minute. The rest is reported, not read.
MAX_LINES = 5000
MAX_CHARS = 1_000_000

_MD_ROW = re.compile(r"^\s*\|")
_MD_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-*:?\s*)*\|?\s*$")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\ufeff]")


@dataclass
class Row:
    """One logical row: its cells and where it was printed."""

    line: int  # 1-based number of the row's first physical line
    cells: list[str]
    text: str  # the physical line(s) as printed, for problem reports

    @property
    def filled(self) -> list[str]:
        return [c for c in self.cells if c]

    @property
    def blank(self) -> bool:
        return not any(self.cells)


def _clean_cell(cell: str) -> str:
    return _ZERO_WIDTH.sub("", cell).strip()


def _markdown_cells(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    # A pipe escaped as \| is part of the cell.
    parts = re.split(r"(?<!\\)\|", body)
    return [_clean_cell(p.replace("\\|", "|")) for p in parts]


def _quoted_cell(lines: list[str], i: int, pos: int) -> tuple[str, int, int] | None:
    """Read an Excel-quoted cell starting at lines[i][pos] == '"'.

    Excel quotes a cell that holds a newline, tab or quote and doubles inner
    quotes. Returns (text, line index, position after the closing quote), or
    None when the quote is not closed properly — then it was a literal quote.
    """
    out: list[str] = []
    line, p = lines[i], pos + 1
    # A quoted cell may span lines, but not the rest of a long document.
    last = min(len(lines), i + 200)
    while True:
        if p >= len(line):
            i += 1
            if i >= last:
                return None
            out.append("\n")
            line, p = lines[i], 0
            continue
        ch = line[p]
        if ch != '"':
            out.append(ch)
            p += 1
        elif line[p + 1 : p + 2] == '"':
            out.append('"')
            p += 2
        elif p + 1 == len(line) or line[p + 1] == "\t":
            return "".join(out), i, p + 1
        else:
            return None


def _delimited_cells(lines: list[str], i: int, split_spaces: bool) -> tuple[list[str], int]:
    """Cells of the tab-separated row starting at lines[i]; returns (cells, index of its last line)."""
    line = lines[i]
    if "\t" not in line and '"' not in line:
        if split_spaces and re.search(r" {2,}", line.strip()):
            return [_clean_cell(c) for c in re.split(r" {2,}", line.strip())], i
        return [_clean_cell(line)], i
    cells: list[str] = []
    p = 0
    while True:
        line = lines[i]
        if p < len(line) and line[p] == '"':
            quoted = _quoted_cell(lines, i, p)
            if quoted is not None:
                text, i, p = quoted
                cells.append(_clean_cell(text))
                line = lines[i]
                if p >= len(line):
                    return cells, i
                p += 1  # the tab after the closing quote
                continue
        end = line.find("\t", p)
        if end < 0:
            cells.append(_clean_cell(line[p:]))
            return cells, i
        cells.append(_clean_cell(line[p:end]))
        p = end + 1


def _bounded(text: str) -> tuple[str, list[Problem]]:
    """The first MAX_LINES lines (at most MAX_CHARS characters), and a problem naming where reading stopped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) <= MAX_CHARS and text.count("\n") < MAX_LINES:
        return text, []
    lines = text.split("\n", MAX_LINES)  # the last part holds the rest
    kept, size = [], 0
    for line in lines[:MAX_LINES]:
        size += len(line) + 1
        if size > MAX_CHARS:
            break
        kept.append(line)
    if len(kept) == len(lines):
        return text, []
    unread = lines[len(kept)].split("\n", 1)[0][:80]
    reason = f"文本过长（最多 {MAX_LINES} 行、{MAX_CHARS // 10000} 万字），从这一行起未读取，请分次粘贴"
    return "\n".join(kept), [(len(kept) + 1, unread, reason)]


def split_rows(text: str, *, split_spaces: bool = False) -> list[Row]:
    """Split text into rows of cells: tab-separated (Excel quoting understood) or Markdown pipe rows.

    Markdown separator lines (|---|---|) are layout, not text, and are skipped.
    `split_spaces` also splits tab-less lines on runs of 2+ spaces (Word pastes).
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    rows: list[Row] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _MD_ROW.match(line):
            if not _MD_SEPARATOR.match(line):
                rows.append(Row(i + 1, _markdown_cells(line), line))
            i += 1
            continue
        cells, last = _delimited_cells(lines, i, split_spaces)
        rows.append(Row(i + 1, cells, "\n".join(lines[i : last + 1])))
        i = last + 1
    return rows
