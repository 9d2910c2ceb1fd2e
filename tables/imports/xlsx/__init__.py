"""Read an official xlsx back into an exchange dict (`target-table/1` or `target-booklet/1`).

Works on the workbooks we export and on the blank form filled in by hand in
Excel or WPS: cells are found by their printed labels (一级指标, 项目编码 …),
not by fixed coordinates, so inserted rows and moved blocks still import. A
blank 一级/二级 cell means "same as above" (merged cells read that way).

The visible sheet is the truth. When the hidden `_meta` sheet written by
`tables/exports/xlsx.py` is present, its snapshot only settles what a sheet cannot show:
null vs "", whitespace, and fields the layout does not print. Nothing is
returned unless the whole workbook reads cleanly; every problem is reported
with its sheet and cell, e.g. `绩效目标表!E14：金额应为数字`.

Where each part lives:

* `workbook.py` — `read_workbook`: which sheets hold which tables, a booklet;
* `form.py` — one sheet read as the printed form (head, project, tasks, budget,
  indicators), found by its labels;
* `sheet.py` — a sheet as a grid of anchored cells, values as printed;
* `hints.py` — the hidden `_meta` sheet and its snapshot merged in;
* `package.py` — the file refused before any XML is read (not xlsx, zip bombs),
  and formulas saved without a result.
"""

from tables.imports.xlsx.package import XlsxImportError, check_package, formula_errors, uncached_formulas
from tables.imports.xlsx.workbook import read_workbook

__all__ = ["XlsxImportError", "check_package", "formula_errors", "read_workbook", "uncached_formulas"]
