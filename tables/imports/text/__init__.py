"""Read a performance target table (绩效目标表) from pasted or extracted text.

Two entry points share one row parser:

* `parse_table_text` takes a whole department table (部门（单位）整体绩效目标表) as it
  comes out of Excel/WPS/Word (tab-separated), a Markdown converter (pipe
  tables) or a PDF extractor (page breaks, lost merged cells, shifted rows) and
  returns a `target-table/1` dict plus the lines it could not place.
* `parse_indicator_rows` takes the indicator rows a user pastes into the grid.

What the text looks like in practice, and what the parser does about it:

* Merged cells arrive as blank cells. A blank 一级/二级 cell means "same as the
  row above"; at the top of a group it means "the category that owns the
  二级" (`LEVEL1_OF`).
* A PDF extractor prints a merged cell's label once, not necessarily on the
  first row of its span: on the first row of the next page's fragment, or on a
  line of its own between fragments. Rows whose label was printed further down
  wait for it (`_Filler`).
* Rows lose or gain leading columns (a fragment without the 一级 column; a row
  where the 二级 column vanished and everything moved one cell left; a leading
  「年度绩效指标」 label column). Each row is fitted to the columns by scoring the
  few possible alignments (`_fit_indicator_row`).
* Nothing is dropped silently: every non-blank line ends up in the data or in
  `problems` as `(line_number, line_text, reason)`. That includes what is too
  big to keep: text past `MAX_LINES`/`MAX_CHARS`, a cell longer than its
  column (`FIELD_LIMITS`), an amount that is not a plain number.

Pure Python; no Django imports, so it is usable from scripts and tests.

Where each part lives:

* `table.py` — `parse_table_text`: the lines above the grid (title, year,
  organisation, goals, tasks, budget), then the grid handed to the row parser;
* `indicators.py` — the shared row parser: header, label lines, `_Filler`, and
  `parse_indicator_rows`;
* `fitting.py` — scoring the alignments of a row whose cells shifted;
* `rows.py` — text → rows of cells (tabs, Excel quoting, Markdown, spaces), and
  the `MAX_LINES`/`MAX_CHARS` bound;
* `words.py` — the labels and category names, `FIELD_LIMITS`, the small cell tests.
"""

from tables.imports.text.indicators import RowsResult, parse_indicator_rows
from tables.imports.text.rows import MAX_CHARS, MAX_LINES, Row, split_rows
from tables.imports.text.table import ParseResult, parse_table_text
from tables.imports.text.words import FIELD_LIMITS, INDICATOR_FIELDS, LEVEL1_OF, Problem
from tables.imports.text.words import _looks_like_amount as _looks_like_amount  # tests check amounts against it

__all__ = [
    "FIELD_LIMITS",
    "INDICATOR_FIELDS",
    "LEVEL1_OF",
    "MAX_CHARS",
    "MAX_LINES",
    "ParseResult",
    "Problem",
    "Row",
    "RowsResult",
    "parse_indicator_rows",
    "parse_table_text",
    "split_rows",
]
