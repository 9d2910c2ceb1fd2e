"""One recogniser for every source a department brings (issue 14).

Every source becomes a `Grid` (rows of cells, each knowing its place: the sheet
and cell `B7`, or the line) through one reader per format (`readers.py`:
`read_xlsx`, `read_docx`, `read_pdf`, `read_text`). `recognise(grid, layouts)`
then reads any province's form off the grid by its printed labels (the shipped
layout records plus the synonyms in `labels.py`) and returns a `target-table/2`
dict per table, the mapping of every source column to a record field, the layout
that fits best with its score, and every problem in Chinese naming its cell.

Nothing here stores anything: it is the core that the import commands, the
upload views and the preview (where a person confirms the mapping) are wired to
next; `tables.imports.dispatch` does not call it yet.
"""

from tables.imports.recognise.grid import Cell, Grid
from tables.imports.recognise.readers import read_docx, read_pdf, read_text, read_xlsx
from tables.imports.recognise.recognise import Recognised, forms_of, recognise, shipped_layouts

__all__ = [
    "Cell",
    "Grid",
    "Recognised",
    "forms_of",
    "read_docx",
    "read_pdf",
    "read_text",
    "read_xlsx",
    "recognise",
    "shipped_layouts",
]
