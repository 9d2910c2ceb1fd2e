"""The printed model's parts (cells, rows, the table and its styles) and the text measures that size them."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

# ---------------------------------------------------------------------------
# The page (A4 landscape) and the type, in millimetres and points.

PAGE_W = 297.0
PAGE_H = 210.0
MARGIN_X = 15.0
MARGIN_TOP = 14.0
MARGIN_BOTTOM = 16.0  # the footer 第 X 页 共 Y 页 sits in this margin
CONTENT_W = PAGE_W - 2 * MARGIN_X
CONTENT_H = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM

MM_PER_PT = 25.4 / 72
FONT_PT = 10.0
LINE_HEIGHT = 1.35  # × font size
PAD_X = 1.2  # cell padding, mm
PAD_Y = 1.0
MIN_ROW = 6.6  # mm: the height of a one-line row in the official forms

TITLE_PT = 18.0
SUBTITLE_PT = 11.0
NOTE_PT = 10.0

UNIT_NOTE = "单位：万元"
INDICATORS = "indicators"  # the section whose header rows repeat on every page

# Advance widths (1/1000 em) of printable ASCII in Noto Serif/Sans CJK SC
# (the larger of the two), so row heights can be estimated without loading
# a 20 MB font. Every wide (CJK, full-width, ambiguous) character is 1 em.
_ASCII_ADVANCE = [
    256, 370, 574, 590, 590, 963, 779, 325, 378, 378, 507, 590, 327, 370, 327, 387,
    590, 590, 590, 590, 590, 590, 590, 590, 590, 590, 327, 327, 590, 590, 590, 514,
    1007, 718, 681, 691, 770, 652, 629, 741, 853, 405, 568, 731, 625, 975, 796, 770,
    667, 770, 715, 624, 659, 797, 714, 1053, 700, 687, 613, 378, 387, 378, 590, 567,
    626, 591, 644, 538, 644, 581, 388, 597, 663, 332, 311, 607, 334, 974, 661, 626,
    644, 644, 462, 495, 421, 653, 576, 863, 564, 574, 511, 378, 316, 378, 590,
]  # fmt: skip

# Characters that may not start a line (glued to the one before) or end one.
_NO_START = set("，。、；：？！）》」』】〕〉”’%％…—,.;:?!)]}")
_NO_END = set("（《「『【〔〈“‘([{")


@dataclass(frozen=True, slots=True)
class Style:
    """How a cell looks; the xlsx formats and the PDF's CSS both come from here."""

    font: str = "serif"  # serif → 宋体 (Noto Serif CJK SC); sans → 黑体 (Noto Sans CJK SC)
    bold: bool = False
    size: float = FONT_PT
    align: str = "center"  # left | center | right
    border: bool = True


STYLES: dict[str, Style] = {
    "head": Style(font="sans", bold=True),  # column headers: 一级指标 …
    "label": Style(),  # row labels: 年度主要任务 …
    "cell": Style(),  # short centred values: categories, 指标值
    "text": Style(align="left"),  # prose: 主要内容, 年度总体目标, 三级指标 …
    "amount": Style(align="right"),  # 万元 amounts and percentages
    "title": Style(font="sans", bold=True, size=TITLE_PT, border=False),
    "subtitle": Style(size=SUBTITLE_PT, border=False),
    "note": Style(size=NOTE_PT, align="left", border=False),
    "note_right": Style(size=NOTE_PT, align="right", border=False),
    "sign": Style(size=NOTE_PT, align="left", border=False),
}


@dataclass(slots=True)
class Cell:
    text: str = ""
    style: str = "cell"
    colspan: int = 1
    rowspan: int = 1
    # How a spreadsheet stores the value: "text", "amount" (万元, a decimal
    # string) or "percent" (a decimal string without its % sign).
    kind: str = "text"


@dataclass(slots=True)
class Row:
    cells: list[Cell | None]  # one slot per grid column; None = covered by a span
    height: float = MIN_ROW  # mm
    section: str = ""
    header: bool = False  # repeated at the top of a page that continues its section


@dataclass(slots=True)
class PrintedTable:
    title: str
    subtitle: str | None
    left_note: str | None
    unit_note: str | None
    widths: list[float]  # mm per grid column
    rows: list[Row]
    layout_code: str = ""
    # Whether the generic signature line (填报单位（盖章）… 填报日期) follows the grid; a layout
    # record prints its own footer lines and 审核意见 rows inside the grid instead.
    signed: bool = True

    @property
    def ncols(self) -> int:
        return len(self.widths)

    def header_rows(self, section: str = INDICATORS) -> list[int]:
        return [i for i, row in enumerate(self.rows) if row.section == section and row.header]

    def anchors(self):
        """(row, col, cell) for every cell that is printed (not covered)."""
        for r, row in enumerate(self.rows):
            for c, cell in enumerate(row.cells):
                if cell is not None:
                    yield r, c, cell

    def span_width(self, col: int, colspan: int) -> float:
        return sum(self.widths[col : col + colspan])

    def head_height(self) -> float:
        """Height (mm) of the title block printed above the grid on the first page."""
        return head_block_height(self.title, self.subtitle, bool(self.left_note or self.unit_note))


# ---------------------------------------------------------------------------
# Text measurement


@cache  # per character: a table measures a few thousand of a few hundred distinct ones
def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WFA"


@cache
def _advance(ch: str) -> float:
    code = ord(ch)
    if 32 <= code < 127:
        return _ASCII_ADVANCE[code - 32] / 1000
    return 1.0 if _is_wide(ch) else 0.65


def _tokens(paragraph: str) -> list[str]:
    """Split a paragraph at its line-break opportunities (CJK rules, roughly UAX #14)."""
    tokens: list[str] = []
    cur = ""
    for ch in paragraph:
        if ch == " ":
            if cur:
                tokens.append(cur)
            tokens.append(" ")
            cur = ""
        elif not cur or cur[-1] in _NO_END or ch in _NO_START:
            cur += ch
        elif _is_wide(ch) or _is_wide(cur[-1]):
            tokens.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        tokens.append(cur)
    return tokens


def count_lines(text: str, width_mm: float, size_pt: float = FONT_PT) -> int:
    """How many lines `text` takes in a box `width_mm` wide (greedy, like the renderer)."""
    if not text:
        return 1
    em = size_pt * MM_PER_PT
    avail = max(width_mm * 0.99, em)
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0.0
        for token in _tokens(paragraph):
            width = sum(_advance(ch) for ch in token) * em
            if token == " ":
                used += width if used else 0.0
            elif used + width <= avail:
                used += width
            elif width <= avail:
                lines += 1
                used = width
            else:  # a word longer than the line breaks anywhere (overflow-wrap: anywhere)
                for ch in token:
                    w = _advance(ch) * em
                    if used + w > avail:
                        lines += 1
                        used = w
                    else:
                        used += w
    return lines


def line_mm(size_pt: float = FONT_PT) -> float:
    return size_pt * LINE_HEIGHT * MM_PER_PT


def _up(mm: float) -> float:
    """Round up to 0.1 mm: few distinct heights, never less than needed."""
    return math.ceil(round(mm * 10, 6)) / 10


def cell_height(text: str, width_mm: float, size_pt: float = FONT_PT) -> float:
    lines = count_lines(text, width_mm - 2 * PAD_X - 0.4, size_pt)
    return max(MIN_ROW, _up(lines * line_mm(size_pt) + 2 * PAD_Y + 0.6))


def title_height(title: str) -> float:
    return round(count_lines(title, CONTENT_W * 0.9, TITLE_PT) * line_mm(TITLE_PT) + 3.0, 2)


def head_block_height(title: str, subtitle: str | None, notes: bool) -> float:
    """The title block: title lines, the year line and the unit line (fixed heights)."""
    height = title_height(title)
    if subtitle:
        height += 6.0
    if notes:
        height += 6.0
    return round(height, 2)


# ---------------------------------------------------------------------------
# Values


def clean_text(value) -> str:
    """Printable text: None → "", control characters (illegal in XML) dropped."""
    if value is None:
        return ""
    text = str(value)
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        text = "".join(ch for ch in text if ord(ch) >= 32 or ch in "\t\n\r")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decimal_places(text: str) -> int | None:
    """Decimals of a plain decimal string ("800.00" → 2), or None if it is not one."""
    if not isinstance(text, str) or not re.fullmatch(r"-?\d{1,15}(\.\d{1,10})?", text):
        return None
    return len(text.split(".")[1]) if "." in text else 0


def _sum_amounts(values: list[str | None]) -> str:
    total = Decimal(0)
    places = 0
    seen = False
    for value in values:
        if value in (None, ""):
            continue
        try:
            total += Decimal(str(value).replace(",", ""))
        except InvalidOperation:
            return ""
        seen = True
        places = max(places, decimal_places(str(value)) or 0)
    if not seen:
        return ""
    return f"{total:.{places}f}"


def percent_text(value) -> str:
    text = clean_text(value)
    return f"{text}%" if text and decimal_places(text) is not None else text
