"""Bulk export of a round as a background task.

The zip is written to a temporary file and renamed only when complete, so a
killed worker never leaves a corrupt file to download. A job whose worker died
(no progress for STALE_AFTER) is restarted from the beginning by
`requeue_stale_jobs`; the new attempt deletes the dead one's temporary file.
A write that fails (a full disk) fails the job with a message saying so; a
table that fails to render is left out and named on the job page (in Chinese),
and the rest are exported.

Each person has at most EXPORT_JOBS_PER_USER jobs queued or running, and a
finished zip is kept EXPORT_RETENTION_DAYS days. `maintain` requeues stale jobs
and deletes expired zips: the worker runs it after every export, `manage.py
cleanup_exports` runs it at start-up (`make run`, `make serve-prod`) and from
cron (docs/deploy.md). Pages only read jobs: a GET never requeues anything.
"""

from __future__ import annotations

import errno
import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import reset_queries, transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from tables.exports.bulk import failure_reason, write_bulk_zip
from tables.exports.pdf import PdfUnavailable
from tables.exports.service import file_stem, table_meta
from tables.imports.exchange import export_table, tables_for_export
from tables.layouts import layout_as_dict
from tables.models import ExportJob, TargetTable
from tables.review import notifications

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=2)
# An idle worker (`db_worker`, polling every second) takes a queued job up within this.
WORKER_GRACE = timedelta(seconds=10)
MAX_ATTEMPTS = 3
CHUNK = 50


def export_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def tables_for_job(job: ExportJob):
    """The tables a job exports: what its creator may see, filtered as asked."""
    tables = TargetTable.objects.visible_to(job.created_by)
    filters = job.filters or {}
    if job.round_id:
        tables = tables.filter(round_id=job.round_id)
    statuses = filters.get("statuses") or [TargetTable.Status.APPROVED]
    tables = tables.filter(status__in=statuses)
    if filters.get("kind") in TargetTable.Kind.values:
        tables = tables.filter(kind=filters["kind"])
    if filters.get("organisation"):
        org = filters["organisation"]
        tables = tables.filter(Q(organisation_id=org) | Q(organisation__parent_id=org))
    return tables.order_by("organisation__code", "organisation__name", "kind", "position", "id")


ACTIVE = (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)


class TooManyJobs(Exception):
    """The person already has as many exports in progress as allowed; the message says so in Chinese."""


def start_job(user, *, round_=None, filters: dict | None = None) -> ExportJob:
    """Queue an export for `user`, or raise TooManyJobs when they have EXPORT_JOBS_PER_USER in progress."""
    limit = settings.EXPORT_JOBS_PER_USER
    with transaction.atomic():
        # Two clicks at once: locking the person's row makes the second count the first's job.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if ExportJob.objects.filter(created_by=user, status__in=ACTIVE).count() >= limit:
            raise TooManyJobs(
                f"您已有 {limit} 个批量导出正在排队或进行中（每人最多同时 {limit} 个），请等其中一个完成后再发起。"
            )
        job = ExportJob.objects.create(created_by=user, round=round_, filters=filters or {})
        job.total = tables_for_job(job).count()
        job.save(update_fields=["total"])
        _enqueue(job)
    return job


def _enqueue(job: ExportJob) -> None:
    result = run_export.enqueue(str(job.pk))
    ExportJob.objects.filter(pk=job.pk).update(task_id=str(result.id), updated_at=timezone.now())


def requeue_stale_jobs(now=None) -> int:
    """Restart jobs whose worker stopped making progress; fail them after MAX_ATTEMPTS."""
    now = now or timezone.now()
    stale = ExportJob.objects.filter(status=ExportJob.Status.RUNNING, updated_at__lt=now - STALE_AFTER)
    count = 0
    for job in stale:
        if job.attempts >= MAX_ATTEMPTS:
            ExportJob.objects.filter(pk=job.pk).update(
                status=ExportJob.Status.FAILED, error="导出进程多次中断，已停止。请重新发起导出。", finished_at=now
            )
            continue
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.QUEUED, done=0)
        _enqueue(job)
        count += 1
    return count


def waiting_for_worker(job: ExportJob, now=None) -> bool:
    """Whether a queued job waits for a worker that is not there (the page says so instead of spinning).

    django_tasks_db records no worker heartbeat, but the work shows one: an idle worker
    takes a queued job up within its poll interval, and a busy one is running an export
    whose progress touches `updated_at` after every table. So a job queued longer than
    WORKER_GRACE while no export has moved within STALE_AFTER has no worker to run it.
    """
    now = now or timezone.now()
    if job.status != ExportJob.Status.QUEUED or job.updated_at > now - WORKER_GRACE:
        return False
    busy = ExportJob.objects.filter(status=ExportJob.Status.RUNNING, updated_at__gte=now - STALE_AFTER)
    return not busy.exists()


def _items(job: ExportJob, ids: list[int]):
    """(stem, exchange dict, layout dict, meta) per table, fetched in chunks to bound memory."""
    for start in range(0, len(ids), CHUNK):
        reset_queries()  # with DEBUG on, Django keeps every query a long job makes
        chunk = (
            tables_for_export()
            .filter(pk__in=ids[start : start + CHUNK])
            .order_by("organisation__code", "organisation__name", "kind", "position", "id")
        )
        for table in chunk:
            yield file_stem(table), export_table(table), layout_as_dict(table.layout), table_meta(table)


def execute(job_id: str) -> None:
    """Run one job to completion (the task body; also callable directly)."""
    job = _claim(job_id)
    if job is None:
        return
    ids = list(tables_for_job(job).values_list("pk", flat=True))
    ExportJob.objects.filter(pk=job.pk).update(total=len(ids), updated_at=timezone.now())

    def progress(done: int, stem: str) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done=done, updated_at=timezone.now())

    failures: list[dict] = []

    def failed(stem: str, exc: Exception) -> None:
        logger.error("bulk export %s: table %r failed", job.pk, stem, exc_info=exc)
        failures.append({"table": stem, "reason": failure_reason(exc)})

    try:
        target, written = _write_zip(job, ids, progress, failed)
    except PdfUnavailable as exc:
        logger.error("bulk export %s refused: %s", job.pk, exc)
        _fail(job, str(exc))
        return
    except OSError as exc:
        logger.exception("bulk export %s failed", job.pk)
        _fail(job, write_error_message(exc))
        return
    except Exception as exc:
        logger.exception("bulk export %s failed", job.pk)
        _fail(job, f"导出失败：{failure_reason(exc)}")
        return
    if not written:
        target.unlink(missing_ok=True)
        _fail(job, f"没有一张表导出成功。{failures[0]['table']}：{failures[0]['reason']}", failures)
        return
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        done=len(ids),
        failures=failures,
        file=target.name,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    _tell_the_requester(job)


def _claim(job_id: str) -> ExportJob | None:
    """The job marked running for this worker, or None when it is finished or another worker runs it."""
    with transaction.atomic():
        # Two workers picking up the same job (a requeue racing a slow worker): one runs it.
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (ExportJob.Status.DONE, ExportJob.Status.FAILED):
            return None
        if job.status == ExportJob.Status.RUNNING and job.updated_at > timezone.now() - STALE_AFTER:
            return None
        job.status = ExportJob.Status.RUNNING
        job.attempts += 1
        job.done = 0
        job.save(update_fields=["status", "attempts", "done", "updated_at"])
    return job


def _write_zip(job: ExportJob, ids: list, progress, failed) -> tuple[Path, int]:
    """The job's zip written to the export folder: its path and the number of tables in it."""
    if not ids:
        raise ValueError("没有符合条件的表（默认只导出已批复的表）")
    target = export_dir() / f"{job.pk}.zip"
    # A worker killed mid-export (this job's earlier attempt) leaves its half-written zip.
    for part in target.parent.glob(f".{target.name}.*.part"):
        part.unlink(missing_ok=True)
    # One table renders in this process: starting worker processes would cost more than it.
    workers = 1 if len(ids) == 1 else None
    return target, write_bulk_zip(_items(job, ids), target, progress=progress, failed=failed, workers=workers)


def write_error_message(exc: OSError) -> str:
    """What the job page says when the zip could not be written (the OS's own text is English)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "磁盘空间不足，导出失败。表数据未受影响，未生成任何导出文件；请联系管理员清理存储空间后重新导出。"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "写入导出文件失败：没有写入导出文件夹的权限。表数据未受影响，请联系管理员检查导出文件夹后重试。"
    code = errno.errorcode.get(exc.errno or 0, type(exc).__name__)
    return f"写入导出文件失败（{code}）。表数据未受影响，请联系管理员检查存储空间和导出文件夹后重试。"


def _fail(job: ExportJob, message: str, failures: list[dict] = ()) -> None:
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.FAILED,
        error=message,
        failures=list(failures),
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    _tell_the_requester(job)


def _tell_the_requester(job: ExportJob) -> None:
    job.refresh_from_db()
    notifications.export_finished(job)


def delete_expired(now=None) -> int:
    """Delete the zips of jobs finished more than EXPORT_RETENTION_DAYS ago (the jobs stay, marked
    已过期清理), and files in the export folder no job owns that are as old. Returns the files deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.EXPORT_RETENTION_DAYS)
    deleted = 0
    finished_before = Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, updated_at__lt=cutoff)
    for job in ExportJob.objects.filter(finished_before, status=ExportJob.Status.DONE):
        if job.file and (export_dir() / Path(job.file).name).is_file():
            (export_dir() / Path(job.file).name).unlink(missing_ok=True)
            deleted += 1
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.EXPIRED, file="", updated_at=now)
    owned = set(ExportJob.objects.exclude(file="").values_list("file", flat=True))
    for path in export_dir().iterdir():
        # Left by a failed job or a killed worker; a running export's .part is younger than the cutoff.
        if path.is_file() and path.name not in owned and path.stat().st_mtime < cutoff.timestamp():
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


def maintain(now=None) -> tuple[int, int]:
    """Requeue exports a dead worker left and delete expired zips: (jobs requeued, files deleted)."""
    return requeue_stale_jobs(now), delete_expired(now)


@task()
def run_export(job_id: str) -> None:
    execute(job_id)
    try:
        maintain()
    except Exception:  # the export is done; a clean-up that fails is tried again next time
        logger.exception("export clean-up after %s failed", job_id)


@task()
def maintain_exports() -> None:
    maintain()


def job_file(job: ExportJob) -> Path | None:
    """The finished zip, or None when the job is not done or the file is gone."""
    if job.status != ExportJob.Status.DONE or not job.file:
        return None
    path = export_dir() / Path(job.file).name
    return path if path.is_file() else None
