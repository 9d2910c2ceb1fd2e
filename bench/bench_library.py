"""Benchmark of the indicator library: a province's 5,000-row workbook (`tests/builders/library.py`) read
and previewed, then imported, and the library searched by a word of a name, of a definition and of a
keyword (median of 20, the page's count and its first 50 entries, as the library page asks).

Everything runs in a transaction that is rolled back, so the database is left as it was.
"""

from __future__ import annotations

import statistics
import time

ROWS = 5000
IMPORT_TARGET = 10.0  # seconds, upload read + preview + 确认导入
SEARCH_TARGET = 0.050  # seconds
SEARCHES = {"名称": "验收合格率", "指标解释": "规定时限", "关键词": "群众评价"}


def _verdict(seconds: float, target: float) -> str:
    return "达标" if seconds < target else "未达标"


def run() -> list[tuple[str, str]]:
    from django.core.paginator import Paginator
    from django.db import transaction

    from indicators.library.editions import preview_edition
    from indicators.library.search import search_entries
    from tables.library import importing
    from tests.builders.library import library_rows, library_workbook

    data = library_workbook(library_rows(ROWS))
    figures: list[tuple[str, str]] = [("工作簿", f"{ROWS} 行，{len(data) / 1024:.0f} KB")]
    with transaction.atomic():
        started, cpu = time.perf_counter(), time.process_time()
        book = importing.read_upload("指标库.xlsx", data)
        read = time.perf_counter() - started
        preview = preview_edition(book)
        previewed = time.perf_counter() - started
        book = importing.read_upload("指标库.xlsx", data)  # 确认导入 reads the held file again
        edition, _ = importing.apply(book, name="基准测试")
        total, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert edition.added == ROWS and preview.counts["added"] == ROWS, (edition.added, preview.counts)
        figures += [
            ("读取（包检查、表头、合并单元格）", f"{read:.2f} s"),
            ("读取 + 预览（新增/更新/未变/停用）", f"{previewed:.2f} s"),
            (
                f"{ROWS} 行导入：预览 + 确认导入（目标 < {IMPORT_TARGET:.0f} s）",
                f"{total:.2f} s {_verdict(total, IMPORT_TARGET)}",
            ),
            ("（其中本进程 CPU 时间：繁忙的机器上墙钟时间更长）", f"{cpu:.2f} s"),
        ]
        for label, word in SEARCHES.items():
            times, found = [], 0
            for _ in range(20):
                start = time.perf_counter()
                page = Paginator(search_entries(word).select_related("field", "edition"), 50).get_page(1)
                found = page.paginator.count
                list(page)
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            figures.append(
                (
                    f"按{label}搜索“{word}”（{found} 条，中位数，目标 < {SEARCH_TARGET * 1000:.0f} ms）",
                    f"{median * 1000:.1f} ms {_verdict(median, SEARCH_TARGET)}",
                )
            )
        transaction.set_rollback(True)
    return figures
