from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tables.imports.dispatch import (
    SUPPORTED,
    FileImportResult,
    ImportFailed,
    NeedsConfirmation,
    find_organisation,
    import_path,
)
from tables.layouts import COLUMN_LABELS

SECTIONS = {"header": "表头", "budget": "预算"}


class Command(BaseCommand):
    help = (
        f"导入绩效目标表（{SUPPORTED}：交换格式 JSON、本系统导出的 Excel、各省表样的 Excel / Word / PDF、"
        "复制的文本）；每个文件全部成功或全部不保存。"
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--layout", help="表样编码（文件未注明且无法推断时使用）")
        parser.add_argument(
            "--organisation",
            metavar="编码或名称",
            help="文件所属的单位（系统中已有单位的编码或名称）：表上没有单位名称一行时按它导入；表上写的单位与它不同则不导入",
        )
        parser.add_argument("--dry-run", action="store_true", help="只识别和检查，显示将要保存的内容，不保存")
        parser.add_argument(
            "--confirm", action="store_true", help="有对应不到的列或没有相近表样时仍导入（这些列记入指标备注）"
        )

    def handle(
        self,
        *args,
        files: list[Path],
        layout: str | None,
        dry_run: bool,
        confirm: bool,
        organisation: str | None,
        **options,
    ):
        try:
            named = find_organisation(organisation) if organisation else None
        except ImportFailed as exc:
            raise CommandError(str(exc)) from exc
        failed = 0
        for path in files:
            try:
                result = import_path(path, layout_code=layout, confirm=confirm, dry_run=dry_run, organisation=named)
            except NeedsConfirmation as exc:
                failed += 1
                self.stderr.write(self.style.ERROR(str(exc)))
                self.stderr.write("  确认无误后加 --confirm 重新导入；加 --dry-run 可先查看每列对应到哪一项。")
                continue
            except ImportFailed as exc:
                failed += 1
                self.stderr.write(self.style.ERROR(str(exc)))
                continue
            if dry_run:
                self._print_dry_run(path, result)
            else:
                self.stdout.write(
                    f"{path.name}：导入 {len(result.tables)} 张表（新建 {result.created}，更新 {result.updated}）"
                )
            for line in result.problems:
                self.stdout.write(self.style.WARNING(f"  {line}"))
        if failed:
            raise CommandError(f"{failed} 个文件导入失败，未保存任何内容")
        if dry_run:
            self.stdout.write("（试运行：以上内容均未保存）")

    def _print_dry_run(self, path: Path, result: FileImportResult) -> None:
        """What would be stored: each table's title, year, kind, layout and counts, and each column's field."""
        self.stdout.write(
            f"{path.name}：将导入 {len(result.tables)} 张表（新建 {result.created}，更新 {result.updated}）"
        )
        for table in result.stored:
            self.stdout.write(
                f"  《{table['title']}》 {table['year']}年 {table['kind']} 表样 {table['layout']} "
                f"单位 {table['organisation']}：任务 {table['tasks']} 项，指标 {table['indicators']} 项"
            )
        for recognised in result.read.recognised if result.read else []:
            self.stdout.write(
                f"  各列对应（表样 {recognised.layout or '无相近表样'}，相近度 {recognised.score:.2f}）："
            )
            for column in recognised.columns:
                self.stdout.write(f"    {column.place}“{column.label}” → {_field(column)}")


def _field(column) -> str:
    if column.section == "ignored":
        return "（标题列，不读）"
    if column.key is None:
        return "（对应不到，记入指标备注）"
    if column.section in SECTIONS:
        return f"{SECTIONS[column.section]}：{column.key}"
    period = {"long_term": "（中期）", "annual": "（年度）"}.get(column.period or "", "")
    return f"{COLUMN_LABELS.get(column.key, column.key)}{period}"
