from django.core.management.base import BaseCommand

from tables.exports.jobs import maintain
from tables.imports.batch.jobs import requeue_stale_batches


class Command(BaseCommand):
    help = (
        "重新排队因导出进程中断而停滞的批量导出任务，并删除超过保留期限（EXPORT_RETENTION_DAYS 天）的导出文件；"
        "中断的批量导入也重新排队，接着导入尚未处理的文件。"
        "启动 worker 前运行，并由 cron 定时运行（见 docs/deploy.md）。"
    )

    def handle(self, *args, **options):
        requeued, deleted = maintain()
        batches = requeue_stale_batches()
        if requeued:
            self.stdout.write(f"已重新排队 {requeued} 个中断的导出任务")
        if batches:
            self.stdout.write(f"已重新排队 {batches} 个中断的批量导入")
        if deleted:
            self.stdout.write(f"已删除 {deleted} 个过期的导出文件")
