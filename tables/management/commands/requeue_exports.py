from django.core.management.base import BaseCommand

from tables.bulk_export import requeue_stale_jobs


class Command(BaseCommand):
    help = "重新排队因导出进程中断而停滞的批量导出任务（启动 worker 前运行）。"

    def handle(self, *args, **options):
        count = requeue_stale_jobs()
        if count:
            self.stdout.write(f"已重新排队 {count} 个中断的导出任务")
