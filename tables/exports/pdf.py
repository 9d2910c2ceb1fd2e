"""The PDF renderer: the printed model laid out by WeasyPrint from templates/print/.

WeasyPrint leaves a merged (rowspan) cell open at a page break and does not
repeat its label. So we paginate ourselves: every row gets an explicit
height (estimated in `printed`, never below what its text needs), the rows
are cut into pages, and each page is its own table whose merged cells are
split, closed and labelled again, with the section's header rows on top.
After layout we check that each page table did land on one page; if an
estimate was short, the real row heights are measured and we lay out once
more. What this takes from WeasyPrint beyond its documented API (a faster
document class, the box tree, the paused GC) is in `tables.exports._weasyprint`.
"""

from __future__ import annotations

import os
from functools import cache
from html import escape
from pathlib import Path
from types import ModuleType

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from tables.exports.fonts import font_face_css, missing_message, missing_packages
from tables.exports.printed import (
    CONTENT_H,
    STYLES,
    PrintedTable,
    build_table,
    is_approved,
    layout_for,
    page_rows,
    review_marks,
    signature_fields,
    title_height,
    with_decisions,
)

FONTS_CONF = Path(__file__).resolve().parents[2] / "config" / "fonts" / "fonts.conf"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "print"
# fontconfig reads this when WeasyPrint creates its FontConfiguration: 宋体/黑体 → Noto CJK.
if FONTS_CONF.exists():
    os.environ.setdefault("FONTCONFIG_FILE", str(FONTS_CONF))

PX_TO_MM = 25.4 / 96
SERIF = '"Noto Serif CJK SC GB", "Noto Serif CJK SC GB2", "Noto Serif CJK SC", 宋体, serif'
SANS = '"Noto Sans CJK SC GB", "Noto Sans CJK SC GB2", "Noto Sans CJK SC", 黑体, sans-serif'
_MAX_PASSES = 3


class PdfUnavailable(Exception):
    """This machine cannot print a correct PDF; the (Chinese) message names the package to install."""


def require_print_support() -> None:
    """Refuse before rendering when a PDF would come out wrong (hanzi as boxes) or far too slow."""
    missing = missing_packages()
    if missing:
        raise PdfUnavailable(f"无法生成 PDF：{missing_message(missing)}")


@cache
def _weasyprint() -> ModuleType:
    """`tables.exports._weasyprint`, imported on the first PDF rather than with this module:
    WeasyPrint loads Pango and takes about a second to import, which processes that never
    print (most requests, the task worker's other jobs) need not pay."""
    from tables.exports import _weasyprint

    return _weasyprint


def _weasy():
    """The engine every PDF shares, made once per process (the 'warm' in the benchmark)."""
    return _weasyprint().engine(
        lambda: [{"string": font_face_css()}, {"filename": str(TEMPLATES / "print.css")}, {"string": _style_css()}]
    )


def _parse(html: str):
    """The rendered template as a WeasyPrint document."""
    return _weasy().parse(html, str(TEMPLATES))


# ---------------------------------------------------------------------------
# Template context


class _TableView:
    """One table as the template draws it: head block, page tables, tail."""

    def __init__(
        self,
        table: PrintedTable,
        *,
        key: str,
        data: dict,
        meta: dict | None,
        anchor: str = "",
        new_page=False,
        tail=True,
    ):
        self.table = table
        self.key = key
        self.anchor = anchor
        self.new_page = new_page
        self.tail = tail  # signature line and review notes (a booklet prints them once, not per table)
        self.title = table.title
        self.subtitle = table.subtitle
        self.left_note = table.left_note or ""
        self.unit_note = table.unit_note or ""
        self.notes = bool(table.left_note or table.unit_note)
        self.title_mm = title_height(table.title)
        self.head_mm = table.head_height()
        self.marks = review_marks(meta)
        self.sign = signature_fields(data, meta) if table.signed else []
        self.widths = [f"{w:.2f}" for w in table.widths]
        self.colgroup = ""  # set with the pages' markup by _grid_markup
        self.paginate()

    def paginate(self) -> None:
        pages = page_rows(self.table, CONTENT_H - self.head_mm - 0.5, CONTENT_H - 0.5)
        self.pages = [{"id": f"{self.key}:{n}", "first": n == 0, "rows": rows} for n, rows in enumerate(pages)]


def _grid_markup(views: list[_TableView]) -> str:
    """Each page table's <col> and <tr> markup, and the stylesheet of their classes.

    `print/_table.html#grid-cols` and `#grid-rows` built here rather than in the template: it is
    most of the document, and Django's template engine takes ~10 ms a table to loop over the
    cells (a one-table PDF takes 0.25 s, its target). tests/exports prove the two byte-equal.
    A class per width and per row height, because WeasyPrint cascades a class much faster than
    a style attribute (elements with the same classes share one computed style).
    """
    heights: dict[str, str] = {}
    widths: dict[str, str] = {}
    for view in views:
        cols = "".join(f'<col class="{widths.setdefault(w, f"w{len(widths)}")}"/>' for w in view.widths)
        view.colgroup = mark_safe(cols)
        for page in view.pages:
            markup = []
            for row in page["rows"]:
                cls = heights.setdefault(f"{row.height:.1f}", f"h{len(heights)}")
                markup.append(f'<tr data-r="{row.index}" class="{cls}">')
                for _col, cell, colspan, rowspan in row.cells:
                    span = (f' colspan="{colspan}"' if colspan > 1 else "") + (
                        f' rowspan="{rowspan}"' if rowspan > 1 else ""
                    )
                    markup.append(f'<td class="s-{cell.style}"{span}>{escape(cell.text)}</td>')
                markup.append("</tr>")
            page["body"] = mark_safe("".join(markup))
    return mark_safe(
        "".join(f"col.{cls}{{width:{w}mm}}" for w, cls in widths.items())
        + "".join(f"tr.{cls}{{height:{h}mm}}" for h, cls in heights.items())
    )


def _style_css() -> str:
    """Cell classes from printed.STYLES, so the PDF and the workbook share one definition."""
    rules = []
    for name, style in STYLES.items():
        family = SANS if style.font == "sans" else SERIF
        rules.append(
            f"table.grid td.s-{name}{{font-family:{family};font-weight:{'bold' if style.bold else 'normal'};"
            f"font-size:{style.size}pt;text-align:{style.align}}}"
        )
    return "\n".join(rules)


# ---------------------------------------------------------------------------
# Layout with a check that every page table stayed on its page


def _walk_tables(document):
    """{data-chunk: set of page numbers} and {(chunk key, row index): height mm}."""
    pages: dict[str, set[int]] = {}
    heights: dict[tuple[str, int], float] = {}
    for number, chunk, rows in _weasyprint().laid_out_tables(document, "data-chunk", "data-r"):
        pages.setdefault(chunk, set()).add(number)
        key = chunk.split(":")[0]
        for r, height in rows:
            k = (key, int(r))
            heights[k] = max(heights.get(k, 0), height * PX_TO_MM)
    return pages, heights


def _render(template: str, context: dict, views: list[_TableView]):
    engine = _weasy()
    for attempt in range(_MAX_PASSES):
        context["grid_css"] = _grid_markup(views)
        document = engine.render(_parse(render_to_string(template, context)))
        pages, heights = _walk_tables(document)
        spilled = {chunk.split(":")[0] for chunk, on in pages.items() if len(on) > 1}
        if not spilled or attempt == _MAX_PASSES - 1:
            return document
        # An estimate was short: take the measured heights and cut the pages again.
        for view in views:
            if view.key in spilled:
                for i, row in enumerate(view.table.rows):
                    measured = heights.get((view.key, i))
                    if measured and measured > row.height:
                        row.height = round(measured + 0.3, 1)
                view.paginate()
    return document  # pragma: no cover


def _pdf(template: str, context: dict, views: list[_TableView]) -> bytes:
    require_print_support()  # every PDF comes through here, before WeasyPrint is loaded
    weasyprint = _weasyprint()
    with weasyprint.LOCK, weasyprint.no_cyclic_gc():
        return _render(template, context, views).write_pdf()


def _meta_context(data: dict, meta: dict | None) -> dict:
    org = (data.get("organization") or {}).get("name") or ""
    return {"author": org, "watermark": None if is_approved(meta) else "草稿"}


def render_table_pdf(data: dict, layout: dict, *, meta: dict | None = None) -> bytes:
    layout = layout_for(data, layout)
    table = build_table(with_decisions(data, layout, meta), layout)
    view = _TableView(table, key="t0", data=data, meta=meta)
    context = {"title": table.title, "tables": [view], **_meta_context(data, meta)}
    return _pdf("print/table.html", context, [view])


def render_booklet_pdf(booklet: dict, layouts, *, meta: dict | None = None) -> bytes:
    """A department's booklet: cover, contents, part 1 in prose, part 2 every project table.

    `layouts` is one layout dict for every project, or {layout code: layout}
    looked up by each project's "layout" key (falling back to the inferred one).
    """
    org = (booklet.get("organization") or {}).get("name") or ""
    year = booklet.get("year")
    views = []
    for i, project in enumerate(booklet.get("projects") or [], start=1):
        table = build_table(project, layout_for(project, layouts), number=i)
        views.append(
            _TableView(table, key=f"t{i}", data=project, meta=meta, anchor=f"table-{i}", new_page=True, tail=False)
        )
    overall = booklet.get("overall") or {}
    numbers = "一二三四五六七八九十"

    def chinese_number(n: int) -> str:
        if n <= 10:
            return numbers[n - 1]
        if n < 20:
            return "十" + numbers[n - 11]
        tens, ones = divmod(n, 10)
        return numbers[tens - 1] + "十" + (numbers[ones - 1] if ones else "")

    context = {
        "title": f"{org}{year or ''}年度部门预算绩效目标",
        "cover_title": f"{year or ''}年度部门预算绩效目标",
        "org": org,
        "date": meta.get("date") if meta else None,
        "overall": {
            "goal": overall.get("goal") or "",
            "subgoals": [
                {**s, "number": chinese_number(n)} for n, s in enumerate(overall.get("subgoals") or [], start=1)
            ],
            "measures": (overall.get("measures") or "").split("\n"),
        },
        "tables": views,
        "marks": review_marks(meta),
        **_meta_context(booklet, meta),
    }
    return _pdf("print/booklet.html", context, views)


def render_pdf(data: dict, layout, *, meta: dict | None = None) -> bytes:
    """A table's official form as PDF; a booklet (`target-booklet/1`) as the whole booklet."""
    if data.get("format") == "target-booklet/1":
        return render_booklet_pdf(data, layout, meta=meta)
    return render_table_pdf(data, layout, meta=meta)


__all__ = ["PdfUnavailable", "render_booklet_pdf", "render_pdf", "render_table_pdf", "require_print_support"]
