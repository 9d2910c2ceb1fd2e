"""Remind fillers of tables not yet submitted when their round's deadline is near (run daily, e.g. from cron)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from tables.review.notifications import send_reminders


class Command(BaseCommand):
    help = "提醒填报人：截止日期前 N 天内仍未提交的绩效目标表（同一天只提醒一次）"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3, help="截止日期前多少天开始提醒（默认 3）")
        parser.add_argument("--today", help="按哪一天计算（YYYY-MM-DD，默认今天）")

    def handle(self, *args, days: int, today: str | None, **options):
        if days < 0:
            raise CommandError("--days 不能为负数")
        try:
            day = date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(f"--today 应为 YYYY-MM-DD，实际为 {today!r}") from exc
        sent = send_reminders(days, day)
        self.stdout.write(f"已发送 {sent} 条催报提醒。")
