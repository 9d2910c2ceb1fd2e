"""`manage.py layouts`: list the layouts, export one as JSON, import one from a JSON file."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tables.layout_spec import LayoutError, layout_to_json
from tables.models import Layout


class Command(BaseCommand):
    help = "表样：list 列出；export CODE 导出为 JSON；import FILE 从 JSON 导入（新增或更新）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="列出表样")
        export = sub.add_parser("export", help="导出一个表样为 JSON")
        export.add_argument("code", help="表样编码")
        export.add_argument("-o", "--output", help="写入此文件（默认输出到屏幕）")
        load = sub.add_parser("import", help="从 JSON 文件导入表样（编码相同则更新）")
        load.add_argument("file", help="target-layout/1 JSON 文件")

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _list(self, **options):
        for layout in Layout.objects.select_related("scheme"):
            self.stdout.write(f"{layout.code}\t{layout.get_kind_display()}\t{layout.scheme.code}\t{layout.name}")

    def _export(self, code: str, output: str | None, **options):
        layout = Layout.objects.select_related("scheme").filter(code=code).first()
        if layout is None:
            raise CommandError(f"没有编码为“{code}”的表样。")
        text = json.dumps(layout_to_json(layout), ensure_ascii=False, indent=2) + "\n"
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stdout.write(f"已导出表样“{layout.name}”到 {output}")
        else:
            self.stdout.write(text, ending="")

    def _import(self, file: str, **options):
        path = Path(file)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件 {file}") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{path.name} 不是 UTF-8 的 JSON 文件：{exc}") from exc
        try:
            layout = Layout.objects.from_record(data)
        except LayoutError as exc:
            raise CommandError(f"{path.name} 未导入：\n" + "\n".join(f"- {p}" for p in exc.problems)) from exc
        self.stdout.write(f"已导入表样“{layout.name}”（{layout.code}）")
