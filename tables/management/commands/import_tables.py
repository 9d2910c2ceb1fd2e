from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tables.imports.dispatch import ImportFailed, import_path


class Command(BaseCommand):
    help = "导入绩效目标表（交换格式 JSON、复制的文本 .txt、官方 Excel .xlsx）；每个文件全部成功或全部不保存。"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--layout", help="表样编码（文件未注明且无法推断时使用）")

    def handle(self, *args, files: list[Path], layout: str | None, **options):
        failed = 0
        for path in files:
            try:
                result = import_path(path, layout_code=layout)
            except ImportFailed as exc:
                failed += 1
                self.stderr.write(self.style.ERROR(str(exc)))
                continue
            self.stdout.write(
                f"{path.name}：导入 {len(result.tables)} 张表（新建 {result.created}，更新 {result.updated}）"
            )
            for line in result.problems:
                self.stdout.write(self.style.WARNING(f"  {line}"))
        if failed:
            raise CommandError(f"{failed} 个文件导入失败，未保存任何内容")
