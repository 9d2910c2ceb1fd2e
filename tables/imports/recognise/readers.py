"""Readers: each turns one kind of source into grids (`bytes`/`str` → `list[Grid]`).

- `read_xlsx`: every sheet, merged ranges filled, numbers as typed (Decimal, never a
  float's noise), percent cells as `95%`, dates as `2023-01-01` with their Excel serial kept.
- `read_docx`: the document's paragraphs and tables in order, as one grid; Word's
  merged cells (gridSpan, vMerge) filled like a spreadsheet's.
- `read_pdf`: pdfplumber's tables page by page, with the text lines outside them
  (the title, 金额单位, signature lines), pages joined into one grid.
- `read_text`: text copied from Excel/WPS (tabs, quoted multi-line cells), or from
  a web page (`|` cells, runs of two or more spaces, or one cell per line); a text
  whose separators were lost or do not line its rows up (single spaces, cells run
  together, merged cells left out) is read by the form's words (`webtext.py`); a text a
  mirror site converted to Traditional script with pinyin in brackets is read back in
  Simplified first (`script.py`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import docx
import pdfplumber
from docx.table import Table
from docx.text.paragraph import Paragraph
from openpyxl import load_workbook
from openpyxl.utils.datetime import to_excel

from tables.imports.recognise import webtext
from tables.imports.recognise.grid import Grid, build, excel_ref
from tables.imports.recognise.script import simplified

# ---------------------------------------------------------------- xlsx


def read_xlsx(data: bytes) -> list[Grid]:

    book = load_workbook(io.BytesIO(data), data_only=True)  # not read-only: merged ranges are needed
    grids = []
    for sheet in book.worksheets:
        texts, values = [], []
        for row in sheet.iter_rows():
            texts.append([_xlsx_text(cell) for cell in row])
            values.append([_xlsx_value(cell) for cell in row])
        merges = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in sheet.merged_cells.ranges]
        name = sheet.title

        def place(r, c, name=name):
            return f"工作表“{name}”{excel_ref(r, c)}"

        grids.append(build(name, texts, place, merges, values))
    return grids


def _xlsx_value(cell) -> tuple[object, int | None] | None:
    value = cell.value
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value, int(to_excel(value))
    if isinstance(value, int | float):
        return _decimal(value), None
    return None


def _xlsx_text(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        number = _decimal(value)
        shown = cell.number_format or ""
        if "%" in shown:
            return f"{_plain(number * 100)}%"
        if places := re.search(r"0\.(0+)(?![0#])", shown):  # `0.00`, `#,##0.00`: printed with its decimals
            return format(number.quantize(Decimal(1).scaleb(-len(places.group(1)))), "f")
        return _plain(number)
    return str(value).strip()


def _decimal(value: int | float) -> Decimal:
    # repr of a float is its shortest round-tripping text: 153.5184 stays 153.5184, not 153.51839999…
    return Decimal(value) if isinstance(value, int) else Decimal(repr(value))


def _plain(number: Decimal) -> str:
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# ---------------------------------------------------------------- docx


def read_docx(data: bytes, name: str = "Word 文档") -> list[Grid]:
    document = docx.Document(io.BytesIO(data))
    texts: list[list[str]] = []
    places: list[list[str]] = []
    merges: list[tuple[int, int, int, int]] = []
    tables = 0
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(block, document).text.strip()
            if text:
                places.append([f"{name}正文“{text[:12]}”"])
                texts.append([text])
        elif tag == "tbl":
            tables += 1
            _docx_table(Table(block, document), tables, texts, places, merges)
    grid = build(name, texts, lambda r, c: places[r][min(c, len(places[r]) - 1)], merges)
    return [grid]


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_table(table, number: int, texts: list, places: list, merges: list) -> None:
    """A Word table read straight from its XML (python-docx's `row.cells` resolves every vertical merge
    with XPath searches, seconds for a 60-row form): `gridSpan` spreads a cell across, a `vMerge` that
    does not restart continues the cell above it in the same grid column."""
    start = len(texts)
    spans: dict[object, list[int]] = {}  # the <w:tc> that starts a merge → (r1, c1, r2, c2)
    above: dict[int, object] = {}  # grid column → the <w:tc> that last started there
    for r, tr in enumerate(table._tbl.iterchildren(f"{_W}tr")):
        line, where = [], []
        c = _grid_before(tr)
        line += [""] * c
        where += [f"第{number}个表格第{r + 1}行第{i + 1}格" for i in range(c)]
        for tc in tr.iterchildren(f"{_W}tc"):
            span, continues = _tc_layout(tc)
            origin = above.get(c) if continues and above.get(c) is not None else tc
            for offset in range(span):
                first = origin is tc and offset == 0
                line.append(_tc_text(tc) if first else "")
                where.append(f"第{number}个表格第{r + 1}行第{c + 1}格")
                if origin in spans:
                    spans[origin][2:] = [max(spans[origin][2], start + r), max(spans[origin][3], c)]
                else:
                    spans[origin] = [start + r, c, start + r, c]
                above[c] = origin
                c += 1
        texts.append(line)
        places.append(where)
    merges += [tuple(span) for span in spans.values() if span[:2] != span[2:]]


def _grid_before(tr) -> int:
    found = tr.find(f"{_W}trPr/{_W}gridBefore")
    return int(found.get(f"{_W}val", "0")) if found is not None else 0


def _tc_layout(tc) -> tuple[int, bool]:
    """(grid columns the cell spans, whether it continues a vertical merge from the row above)."""
    props = tc.find(f"{_W}tcPr")
    if props is None:
        return 1, False
    span = props.find(f"{_W}gridSpan")
    merge = props.find(f"{_W}vMerge")
    columns = int(span.get(f"{_W}val", "1")) if span is not None else 1
    return columns, merge is not None and merge.get(f"{_W}val", "continue") == "continue"


def _tc_text(tc) -> str:
    """A cell's text as Word shows it: its paragraphs one per line, tabs and breaks kept."""
    paragraphs = []
    for paragraph in tc.iterchildren(f"{_W}p"):
        parts = []
        for node in paragraph.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
            tag = node.tag
            parts.append(node.text or "" if tag == f"{_W}t" else "\t" if tag == f"{_W}tab" else "\n")
        paragraphs.append("".join(parts))
    return "\n".join(paragraphs).strip()


# ---------------------------------------------------------------- pdf


def read_pdf(data: bytes, name: str = "PDF 文件") -> list[Grid]:

    texts: list[list[str]] = []
    places: list[str] = []
    merges: list[tuple[int, int, int, int]] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page_number, page in enumerate(pdf.pages, start=1):
            tables = page.find_tables()
            items = [(t.bbox[1], "table", t) for t in tables]
            for line in page.extract_text_lines():
                if not any(_inside(line, t.bbox) for t in tables):
                    items.append((line["top"], "line", line["text"]))
            for _, kind, item in sorted(items, key=lambda x: x[0]):
                start = len(texts)
                rows = [[item.strip()]] if kind == "line" else _pdf_table(item, start, merges)
                for row in rows:
                    texts.append(row)
                    places.append(f"第{page_number}页第{len(texts)}行")
    return [build(name, texts, lambda r, c: f"{places[r]}第{c + 1}格", merges)]


def _unwrap(text: str) -> str:
    """A PDF cell's text with the printer's line wraps undone: Chinese joins directly, Latin words with a space."""
    return re.sub(r"(?<=[A-Za-z0-9,.;])\n(?=[A-Za-z0-9])", " ", text.strip()).replace("\n", "")


def _inside(line: dict, bbox) -> bool:
    x0, top, x1, bottom = bbox
    return line["top"] >= top - 1 and line["bottom"] <= bottom + 1 and line["x0"] >= x0 - 1 and line["x1"] <= x1 + 1


def _pdf_table(table, start: int, merges: list) -> list[list[str]]:
    """A table's rows as text; a position no cell starts at (None) is covered by a merged cell: find which."""
    texts = [[_unwrap(text or "") for text in row] for row in table.extract()]
    origin: dict[tuple, list[int]] = {}
    for r, row in enumerate(table.rows):
        for c, bbox in enumerate(row.cells):
            if bbox is not None and tuple(bbox) not in origin:
                origin[tuple(bbox)] = [r, c, r, c]
    columns = table.columns
    for r, row in enumerate(table.rows):
        for c, bbox in enumerate(row.cells):
            if bbox is not None or c >= len(columns):
                continue
            x = (columns[c].bbox[0] + columns[c].bbox[2]) / 2
            y = (row.bbox[1] + row.bbox[3]) / 2
            for box, span in origin.items():
                if box[0] <= x <= box[2] and box[1] <= y <= box[3]:
                    span[2], span[3] = max(span[2], r), max(span[3], c)
                    break
    merges += [(start + a, b, start + c, d) for a, b, c, d in origin.values() if (a, b) != (c, d)]
    return texts


# ---------------------------------------------------------------- text

_RUN_OF_SPACES = re.compile(r"[ \u3000]{2,}")


def read_text(text: str, name: str = "粘贴的文字") -> list[Grid]:
    """Text as a grid: tabs (Excel/WPS), `|` cells, runs of spaces, else one cell per line."""
    text = simplified(text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"))
    lines = text.split("\n")
    per_line = False
    if tabs := any("\t" in line for line in lines):
        rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect="excel-tab")]
        starts = _csv_line_numbers(text)
    elif per_line := _cell_per_line(lines):
        rows, starts = _cell_per_line_rows(lines)
    elif sum("|" in line for line in lines) >= 2:
        rows, starts = _pipe_rows(lines)
    elif sum(bool(_RUN_OF_SPACES.search(line.strip())) for line in lines) >= 2:
        rows = [[cell.strip() for cell in _RUN_OF_SPACES.split(line.strip())] for line in lines]
        starts = list(range(1, len(rows) + 1))
    else:
        rows = [[line.strip()] for line in lines]
        starts = list(range(1, len(rows) + 1))
    kept = [(row, start) for row, start in zip(rows, starts, strict=False) if any(row)]
    texts = [row for row, _ in kept]
    lines_of = [start for _, start in kept]
    grid = build(name, texts, lambda r, c: f"第{lines_of[r]}行第{c + 1}格")
    if not per_line:  # only one-cell-per-line text leaves merged cells out (other kinds keep them blank)
        grid.lengths = []
    if not tabs and not webtext.lines_up(grid):  # web text whose separators were lost or do not line rows up
        return webtext.read_web_text(text, name) or [grid]
    return [grid]


_CELL_LINE = re.compile(r"^[^|]+\|[\s|]*$")


def _cell_per_line(lines: list[str]) -> bool:
    """A web table copied one cell per line (`区林业局 |`), rows parted by lines holding only `|`."""
    filled = [line.strip() for line in lines if line.strip()]
    cells = sum(bool(_CELL_LINE.match(line)) for line in filled)
    breaks = sum(set(line) <= {"|", " "} for line in filled)
    return breaks >= 3 and cells * 2 >= len(filled)


def _cell_per_line_rows(lines: list[str]) -> tuple[list[list[str]], list[int]]:
    rows: list[list[str]] = []
    starts: list[int] = []
    current: list[str] = []
    for number, line in enumerate(lines, start=1):
        s = line.strip()
        if set(s) <= {"|", " "}:
            if current:
                rows.append(current)
            current = []
            continue
        if not current:
            starts.append(number)
        current.append(s.split("|")[0].strip())
    if current:
        rows.append(current)
    return rows, starts


def _pipe_rows(lines: list[str]) -> tuple[list[list[str]], list[int]]:
    """`|` rows. A web page wraps a long cell over lines: where rows start with `|`, a line that does not
    continues the last cell of the row above (and its own `|` cells, if any, follow on that row)."""
    framed = sum(line.lstrip().startswith("|") for line in lines) * 2 > sum("|" in line for line in lines)
    rows: list[list[str]] = []
    starts: list[int] = []
    for number, line in enumerate(lines, start=1):
        continues = framed and line.strip() and not line.lstrip().startswith("|") and rows and any(rows[-1])
        if not continues and "|" not in line and line.strip() and rows and any(rows[-1]):
            continues = True
        if continues:
            head, _, rest = line.partition("|")
            last = max(i for i, cell in enumerate(rows[-1]) if cell)
            rows[-1][last] += "\n" + head.strip()
            if rest.strip(" |"):
                rows[-1] += _pipe_cells(rest)
            continue
        rows.append(_pipe_cells(line))
        starts.append(number)
    return rows, starts


def _pipe_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    cells = [cell.strip() for cell in s.split("|")]
    if all(set(cell) <= set("-: ") for cell in cells):  # a markdown rule line `|---|---|`
        return []
    return cells


def _csv_line_numbers(text: str) -> list[int]:
    """The 1-based line each tab row starts on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text), dialect="excel-tab")
    starts, line = [], 1
    for _ in reader:
        starts.append(line)
        line = reader.line_num + 1
    return starts
