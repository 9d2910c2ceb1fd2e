"""One printed model of a target table, shared by the xlsx and PDF renderers.

The model is a grid: column widths in millimetres, rows of cells with their
spans, a style name per cell, and each row's height (estimated from the text,
so it fits). Both renderers draw exactly this grid, so a spreadsheet and a
PDF of the same table cannot drift apart. Pagination also lives here: the
PDF renderer asks for page chunks, in which merged group cells cut by a page
break are split, closed and labelled again on the new page.

The model is built from an exchange dict (`target-table/1` or `/2`) and a layout dict
(`tables.layouts`); it never touches the database.

Modules: `model` (cells, rows, styles, the text measures that size rows), `grid`
(rows given as segments in mm, cut into columns), `build` (the model of a table or
booklet part 1, a builder per block, for the seeds' hand-set forms), `record` (the
model of a table in any other layout, every line and column from the layout record),
`pages` (pagination) and `marks` (signature line and review marks under the grid).
"""

from tables.exports.printed.build import (
    PRINT_DEFAULTS,
    blank_indicators,
    build_overall,
    build_table,
    is_record_layout,
    layout_for,
    print_options,
    track_widths,
)
from tables.exports.printed.marks import (
    STATUS_LABELS,
    is_approved,
    review_lines,
    review_marks,
    signature_fields,
    signature_line,
    signed_opinion,
    with_decisions,
)
from tables.exports.printed.model import (
    CONTENT_H,
    CONTENT_W,
    FONT_PT,
    INDICATORS,
    LINE_HEIGHT,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    MIN_ROW,
    MM_PER_PT,
    NOTE_PT,
    PAD_X,
    PAD_Y,
    PAGE_H,
    PAGE_W,
    STYLES,
    SUBTITLE_PT,
    TITLE_PT,
    UNIT_NOTE,
    Cell,
    PrintedTable,
    Row,
    Style,
    cell_height,
    clean_text,
    count_lines,
    decimal_places,
    head_block_height,
    line_mm,
    percent_text,
    title_height,
)
from tables.exports.printed.pages import (
    PrintedRow,
    chunk_rows,
    page_rows,
    paginate,
)

__all__ = [
    "CONTENT_H",
    "CONTENT_W",
    "FONT_PT",
    "INDICATORS",
    "LINE_HEIGHT",
    "MARGIN_BOTTOM",
    "MARGIN_TOP",
    "MARGIN_X",
    "MIN_ROW",
    "MM_PER_PT",
    "NOTE_PT",
    "PAD_X",
    "PAD_Y",
    "PAGE_H",
    "PAGE_W",
    "PRINT_DEFAULTS",
    "STATUS_LABELS",
    "STYLES",
    "SUBTITLE_PT",
    "TITLE_PT",
    "UNIT_NOTE",
    "Cell",
    "PrintedRow",
    "PrintedTable",
    "Row",
    "Style",
    "blank_indicators",
    "build_overall",
    "build_table",
    "cell_height",
    "chunk_rows",
    "clean_text",
    "count_lines",
    "decimal_places",
    "head_block_height",
    "is_approved",
    "is_record_layout",
    "layout_for",
    "line_mm",
    "page_rows",
    "paginate",
    "percent_text",
    "print_options",
    "review_lines",
    "review_marks",
    "signature_fields",
    "signature_line",
    "signed_opinion",
    "title_height",
    "track_widths",
    "with_decisions",
]
