"""Import an edition of a province's 指标库 workbook: `manage.py import_library FILE [--dry-run] [--name N]`.

The same reading, checks and atomic apply as the web import (`tables/library/importing.py`); `--dry-run`
prints what the import would do (the preview's counts, problems and notes) and writes nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from indicators.library.editions import preview_edition
from tables.library import importing


class Command(BaseCommand):
    help = "导入指标库工作簿（.xlsx）为新版本：新增、更新、停用条目；--dry-run 只预览不保存。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="指标库工作簿（.xlsx）")
        parser.add_argument("--dry-run", action="store_true", help="只预览，不保存")
        parser.add_argument("--name", default="", help="版本名称（默认取文件名）")

    def handle(self, *args, file: str, dry_run: bool, name: str, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}：文件不存在")
        with path.open("rb") as stream:
            data = stream.read(settings.IMPORT_MAX_BYTES + 1)
        try:
            book = importing.read_upload(path.name, data)
        except importing.LibraryImportError as exc:
            raise CommandError("\n".join(exc.errors)) from exc
        for note in book.notes:
            self.stdout.write(f"提示：{note}")
        if book.errors:
            raise CommandError("\n".join([f"{path.name}：未导入", *book.errors]))
        if dry_run:
            preview = preview_edition(book)
            for note in preview.kept:
                self.stdout.write(f"提示：{note}")
            counts = preview.counts
            self.stdout.write(
                f"{path.name}（预览，未保存）：读取 {len(book.rows)} 条；新增 {counts['added']} 条，"
                f"更新 {counts['updated']} 条，未变 {counts['unchanged']} 条，停用 {counts['retired']} 条"
            )
            return
        edition, preview = importing.apply(book, name=name or importing.default_name(path.name))
        for note in preview.kept:
            self.stdout.write(f"提示：{note}")
        self.stdout.write(importing.summary(edition))
