"""Bulk export: many tables as one zip of PDFs plus one workbook with a sheet per table.

Memory stays flat however many tables there are: PDFs are rendered a few at
a time (in worker processes when there is more than one core) and written to
the zip as they come; the workbook streams each sheet to disk (xlsxwriter's
constant-memory mode) and a finished sheet is assembled into its XML file at
once, keeping only its name and print ranges in memory (`TableWorkbook.seal`).
The zip is written under a temporary name beside `out_path` and renamed only
when complete, so a reader never sees half a file.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path

import django
from django.apps import apps
from xlsxwriter.exceptions import FileCreateError

from tables.exports.downloads import safe_filename
from tables.exports.pdf import render_pdf, require_print_support
from tables.exports.printed import build_table, layout_for
from tables.exports.xlsx import TableWorkbook, _add_booklet, table_footer

WORKBOOK_NAME = "绩效目标表.xlsx"
FAILURES_NAME = "未导出的表.txt"

Item = tuple[str, dict, dict, dict | None]  # (filename stem, data, layout, meta)


def _init_worker() -> None:
    if not apps.ready:
        django.setup()


def _render_pdf(data: dict, layout: dict, meta: dict | None) -> bytes:
    return render_pdf(data, layout, meta=meta)


# Failures of the machine, not of one table: they end the whole export.
FATAL = (OSError, MemoryError, BrokenProcessPool)


def _pdf_or_error(render: Callable[[], bytes]) -> bytes | Exception:
    try:
        return render()
    except FATAL:
        raise
    except Exception as exc:  # one table's failure: reported, the others go on
        return exc


def _rendered(items: Iterable[Item], workers: int):
    """(item, pdf bytes or the exception its rendering raised) in the order given, a few in flight."""
    if workers <= 1:
        for item in items:
            yield item, _pdf_or_error(lambda item=item: _render_pdf(item[1], item[2], item[3]))
        return
    window: deque = deque()
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=_init_worker) as pool:
        for item in items:
            window.append((item, pool.submit(_render_pdf, item[1], item[2], item[3])))
            if len(window) >= 2 * workers:
                done, future = window.popleft()
                yield done, _pdf_or_error(future.result)
        while window:
            done, future = window.popleft()
            yield done, _pdf_or_error(future.result)


def failure_reason(exc: Exception) -> str:
    """What the job page says about one table that failed: the message when it is Chinese
    (the domain's own errors are), otherwise a sentence that does not show English internals."""
    text = str(exc)
    if any("\u4e00" <= char <= "\u9fff" for char in text):
        return text
    return "生成这张表的文件时出错，详情已记录在服务器日志中，请联系管理员"


def _add_sheets(book: TableWorkbook, name: str, data: dict, layout: dict, meta: dict | None) -> None:
    """One table's sheets (a booklet's part 1 and projects), sealed at once."""
    first_new = len(book.wb.worksheets())
    if data.get("format") == "target-booklet/1":
        _add_booklet(book, data, layout, meta, prefix=f"{name}-")
    else:
        printed = build_table(data, layout_for(data, layout))  # before the sheet: a failure leaves none behind
        book.add_table(printed, name, snapshot=data, footer=table_footer(data, meta, printed))
    book.seal(first_new)


def _safe_stem(stem: str, taken: set[str]) -> str:
    base = safe_filename(stem, default="table")[:120].rstrip(" .") or "table"
    name, n = base, 2
    while name.lower() in taken:
        name = f"{base}({n})"
        n += 1
    taken.add(name.lower())
    return name


def write_bulk_zip(
    items: Iterable[Item],
    out_path,
    progress: Callable[[int, str], None] | None = None,
    *,
    workers: int | None = None,
    failed: Callable[[str, Exception], None] | None = None,
) -> int:
    """Write `{stem}.pdf` for each item and one workbook (a sheet per table) into a zip.

    `items` yields (filename stem, exchange dict, layout dict, meta); a booklet
    dict adds its part 1 and project sheets. `progress(done, stem)` is called
    after each table. Returns the number of tables written. With `failed`, a table
    that cannot be rendered is left out and reported as `failed(stem, exception)`,
    listed in the zip's FAILURES_NAME, and the rest are exported; without it, it raises. Refuses with
    `PdfUnavailable` before writing anything when this machine cannot print.
    """
    require_print_support()  # here, not only in the renderer: the renderer may run in a worker process
    out_path = Path(out_path)
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".part", dir=out_path.parent)
    os.close(fd)
    try:
        with tempfile.TemporaryDirectory(prefix="bulk-xlsx-") as tmpdir:
            book_path = Path(tmpdir) / "book.xlsx"
            book = TableWorkbook(str(book_path), content="bulk", tmpdir=tmpdir)
            with zipfile.ZipFile(tmp_name, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
                count = _write_tables(zf, book, _rendered(items, workers), progress, failed)
                _close_book(book)
                zf.write(book_path, WORKBOOK_NAME)
        os.replace(tmp_name, out_path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return count


def _write_tables(zf: zipfile.ZipFile, book: TableWorkbook, rendered, progress, failed) -> int:
    """Each table's PDF into the zip and its sheets into the workbook; with `failed`, a table that
    fails is reported and listed in FAILURES_NAME. Returns the number of tables written."""
    taken: set[str] = set()
    failures: list[str] = []
    count = 0
    for (stem, data, layout, meta), pdf in rendered:
        name = _safe_stem(stem, taken)
        try:
            if isinstance(pdf, Exception):
                raise pdf
            _add_sheets(book, name, data, layout, meta)
        except FATAL:
            raise
        except Exception as exc:
            if failed is None:
                raise
            failed(stem, exc)
            failures.append(f"{stem}：{failure_reason(exc)}")
        else:
            # PDFs are compressed already; storing them saves time for nothing lost.
            zf.writestr(f"{name}.pdf", pdf, compress_type=zipfile.ZIP_STORED)
            count += 1
        if progress:
            progress(count + len(failures), name)
    if failures:
        zf.writestr(FAILURES_NAME, "以下各表未能导出：\n" + "\n".join(failures) + "\n")
    return count


def _close_book(book: TableWorkbook) -> None:
    try:
        book.close()
    except FileCreateError as exc:  # xlsxwriter wraps the OSError (a full disk, say): pass it on
        if exc.args and isinstance(exc.args[0], OSError):
            raise exc.args[0] from exc
        raise
