"""Exports of target tables: one printed model (`printed`), rendered to xlsx and PDF.

API (all on exchange dicts, see tests/data/seeds/SCHEMA.md, and layout dicts, see
tables/layouts.py; nothing here touches the database). Wherever a layout is
taken, {layout code: layout} also works (each table's "layout" key, else
tables.layouts.infer_layout_code):

- render_xlsx(data, layout, *, meta=None) -> bytes   table or booklet
- render_pdf(data, layout, *, meta=None) -> bytes    table, or booklet (layout: one dict or {code: dict})
- render_booklet_pdf(booklet, layouts, *, meta=None) -> bytes
- blank_template(layout_code_or_dict) -> bytes
- write_bulk_zip(items, out_path, progress=None, *, workers=None) -> int
  items yield (filename stem, data, layout, meta)

`meta` (all keys optional): status (draft/submitted/returned/approved),
status_label, reviewer, approved_at (date or text), opinion, grade,
checklist ({"完整性": True, …} or [{"name", "passed", "note"}]), and for the
signature line organization, unit_head, filler, phone, filled_at; "date" is
printed on a booklet's cover. Without an approved status the PDF carries a
"草稿" watermark.
"""

from tables.exports.bulk import write_bulk_zip
from tables.exports.pdf import render_booklet_pdf, render_pdf
from tables.exports.xlsx import blank_template, render_xlsx

__all__ = [
    "blank_template",
    "render_booklet_pdf",
    "render_pdf",
    "render_xlsx",
    "write_bulk_zip",
]
