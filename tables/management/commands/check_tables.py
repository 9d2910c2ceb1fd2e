from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from indicators.checks import SEVERITIES, SEVERITY_LABELS, TableReport
from tables.checking import check_document, check_stored_table, shipped_layout, stored_layout
from tables.imports.dispatch import ImportFailed, read_document
from tables.imports.exchange import tables_for_export
from tables.models import Layout


class Command(BaseCommand):
    help = "智能审核：检查交换格式文件（.json，也可 .txt/.xlsx）或已保存的表（填表的编号），列出错误、警告和提示。"

    def add_arguments(self, parser):
        parser.add_argument("targets", nargs="+", metavar="FILE_OR_TABLE", help="文件路径，或已保存表的编号")
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="输出 JSON 列表：{table, code, severity, location, message}",
        )
        parser.add_argument(
            "--min-severity", choices=SEVERITIES, default="info", help="只列出不低于此级别的结果（默认全部）"
        )
        parser.add_argument("--strict", action="store_true", help="有“错误”级结果时以非零状态退出")

    def handle(self, *args, targets: list[str], as_json: bool, min_severity: str, strict: bool, **options):
        reports: list[TableReport] = []
        for target in targets:
            reports += self._check(target)
        keep = set(SEVERITIES[: SEVERITIES.index(min_severity) + 1])
        for report in reports:
            report.findings = [f for f in report.findings if f.severity in keep]

        if as_json:
            rows = [row for report in reports for row in report.as_dicts()]
            self.stdout.write(_dumps(rows))
        else:
            self._print(reports)
        errors = sum(f.severity == "error" for r in reports for f in r.findings)
        if strict and errors:
            raise CommandError(f"{errors} 个错误级结果")

    def _check(self, target: str) -> list[TableReport]:
        path = Path(target)
        if path.is_file():
            try:
                data, _problems = read_document(path)
            except ImportFailed as exc:
                raise CommandError(str(exc)) from exc
            if not isinstance(data, dict):
                raise CommandError(f"{path.name}：不是交换格式文档")
            try:
                return check_document(data, path.name, resolve=_stored_or_shipped_layout())
            except ValueError as exc:
                raise CommandError(f"{path.name}：{exc}") from exc
        if target.isdigit():
            table = tables_for_export().filter(pk=int(target)).first()
            if table is None:
                raise CommandError(f"没有编号为 {target} 的表")
            return [TableReport(target, table.title, check_stored_table(table))]
        raise CommandError(f"“{target}”既不是文件，也不是表的编号")

    def _print(self, reports: list[TableReport]) -> None:
        styles = {"error": self.style.ERROR, "warning": self.style.WARNING, "info": lambda s: s}
        for report in reports:
            counts = {s: sum(f.severity == s for f in report.findings) for s in SEVERITIES}
            summary = "，".join(f"{SEVERITY_LABELS[s]} {counts[s]}" for s in SEVERITIES)
            self.stdout.write(f"{report.label}  {report.title}：{summary}")
            for f in report.findings:
                self.stdout.write(styles[f.severity](f"  [{f.severity_label}] {f.code}  {f.message}"))


def _stored_or_shipped_layout():
    """Resolve a layout code from the database (the bureau may have edited it), else the shipped data."""
    cache: dict[str, tuple] = {}

    def resolve(code: str):
        if code not in cache:
            try:
                layout = Layout.objects.select_related("scheme").filter(code=code).first()
            except DatabaseError:  # no database yet: check against the shipped layouts
                layout = None
            cache[code] = shipped_layout(code) if layout is None else stored_layout(layout)
        return cache[code]

    return resolve


def _dumps(rows: list[dict]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2)
