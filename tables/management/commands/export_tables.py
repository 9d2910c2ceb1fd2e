from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tables.exports.downloads import safe_filename
from tables.exports.pdf import PdfUnavailable, render_pdf, require_print_support
from tables.exports.service import layouts_map
from tables.exports.xlsx import render_xlsx
from tables.imports.exchange import booklet_tables, dumps, export_booklet, export_table, tables_for_export
from tables.models import OverallGoal

FORMATS = ("json", "xlsx", "pdf", "booklet")


class Command(BaseCommand):
    help = "导出绩效目标表：交换格式 JSON（部门册子导出为册子）、官方 Excel、PDF 或部门册子 PDF。"

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--year", type=int)
        parser.add_argument("--org", help="部门（单位）编码或名称")

    def handle(self, *args, format: str, out: Path, year: int | None, org: str | None, **options):
        if format in ("pdf", "booklet"):
            try:
                require_print_support()
            except PdfUnavailable as exc:  # before anything is written: no folder of box-filled PDFs
                raise CommandError(str(exc)) from exc
        out.mkdir(parents=True, exist_ok=True)
        self.layouts = layouts_map()
        tables = tables_for_export()
        overalls = OverallGoal.objects.select_related("organisation").prefetch_related("subgoals")
        if year:
            tables = tables.filter(year=year)
            overalls = overalls.filter(year=year)
        if org:
            tables = tables.filter(organisation__code=org) | tables.filter(organisation__name=org)
            overalls = overalls.filter(organisation__code=org) | overalls.filter(organisation__name=org)
        written = 0
        in_booklets: set[int] = set()
        for overall in overalls:
            projects = list(booklet_tables(overall))
            in_booklets.update(t.pk for t in projects)
            data = export_booklet(overall, projects)
            stem = overall.source or f"{overall.year}-{overall.organisation.name}"
            written += self._write(out, stem, data, format)
        for table in tables.order_by("year", "organisation__code", "position", "id"):
            if table.pk in in_booklets:
                continue
            data = export_table(table)
            stem = table.source or f"{table.year}-{table.organisation.name}-{table.title}"
            written += self._write(out, stem, data, "pdf" if format == "booklet" else format)
        if not written:
            raise CommandError("没有符合条件的表")
        self.stdout.write(f"已导出 {written} 个文件到 {out}")

    def _write(self, out: Path, stem: str, data: dict, format: str) -> int:
        stem = safe_filename(Path(stem).stem)
        if format == "json":
            (out / f"{stem}.json").write_text(dumps(data), encoding="utf-8")
            return 1
        if format == "xlsx":
            (out / f"{stem}.xlsx").write_bytes(render_xlsx(data, self.layouts))
        else:
            (out / f"{stem}.pdf").write_bytes(render_pdf(data, self.layouts))
        return 1
