"""Many files imported at once, in the background: a department uploads several files or a zip.

The upload (`start_batch`) only checks and stores (`uploads.py`: the zip's safety rules) and
records one `ImportBatchFile` per file; a file refused there is 未导入 at once. The worker
(`run_import_batch`, Django Tasks as the bulk export) then imports each file through
`dispatch.import_path`, each in its own transaction: a refused file never stops the others.
A file whose tables belong to an organisation the uploader does not fill is refused and
rolled back; a form that prints no unit line (`NeedsOrganisation`) is imported for the organisation
`organisation_for` decides (the only one the uploader fills), or refused saying so. Every file ends
as 已导入 (its tables, created and updated), 待确认
(`NeedsConfirmation`: the problems, and the file held for the import preview in the organisation
it names, its row linking there; `to_confirm`) or 未导入
(the reason, in Chinese, naming the file and place). The stored uploads are deleted when the
batch ends; a worker that died mid-batch is picked up again by `requeue_stale_batches` (the
worker after every batch, `manage.py cleanup_exports`), which goes on with the files not yet done.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from tables.imports import preview
from tables.imports.batch.uploads import BatchRefused, extract, store_uploads
from tables.imports.dispatch import FileImportResult, ImportFailed, NeedsConfirmation, NeedsOrganisation, import_path
from tables.models import ExportJob, ImportBatch, ImportBatchFile, Organisation
from tables.permissions import fillable_organisations

logger = logging.getLogger(__name__)

Outcome = ImportBatchFile.Outcome
STALE_AFTER = timedelta(minutes=2)
# An idle worker (`db_worker`, polling every second) takes a queued batch up within this.
WORKER_GRACE = timedelta(seconds=10)
MAX_ATTEMPTS = 3
ACTIVE = (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING)
KEPT = "已导入的文件保留，请重新上传其余文件。"
UNKNOWN_ORGANISATION = "无法确定文件属于您填报的哪个部门（单位），请在导入页面选择单位后逐个导入"


def batch_dir(batch: ImportBatch) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / str(batch.pk)


# ---------------------------------------------------------------- the upload


def start_batch(user, uploads: list[UploadedFile]) -> ImportBatch:
    """Record and queue the uploaded files, or raise BatchRefused (nothing is kept)."""
    if not uploads:
        raise BatchRefused("请选择要导入的文件（可以一次选择多个文件，或上传一个 zip 压缩包）。")
    limit = settings.IMPORT_BATCHES_PER_USER
    with transaction.atomic():
        # Two uploads at once: locking the person's row makes the second count the first's batch.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if ImportBatch.objects.filter(created_by=user, status__in=ACTIVE).count() >= limit:
            raise BatchRefused(
                f"您已有 {limit} 个批量导入正在排队或进行中（每人最多同时 {limit} 个），请等其中一个完成后再上传。"
            )
        batch = ImportBatch.objects.create(created_by=user)
        folder = batch_dir(batch)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            entries = store_uploads(uploads, folder)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        ImportBatchFile.objects.bulk_create(
            ImportBatchFile(
                batch=batch,
                position=position,
                name=entry.name[:500],
                source=entry.source,
                member=entry.member,
                outcome=Outcome.REFUSED if entry.refusal else Outcome.PENDING,
                message=entry.refusal,
            )
            for position, entry in enumerate(entries, start=1)
        )
        batch.total = len(entries)
        batch.done = sum(bool(entry.refusal) for entry in entries)
        batch.save(update_fields=["total", "done"])
        _enqueue(batch)
    return batch


# ---------------------------------------------------------------- the worker


def _enqueue(batch: ImportBatch) -> None:
    result = run_import_batch.enqueue(str(batch.pk))
    ImportBatch.objects.filter(pk=batch.pk).update(task_id=str(result.id), updated_at=timezone.now())


def execute(batch_id: str) -> None:
    """Import every file of a batch not yet done (the task body; also callable directly)."""
    batch = _claim(batch_id)
    if batch is None:
        return
    user = batch.created_by
    try:
        for item in batch.files.filter(outcome=Outcome.PENDING).order_by("position"):
            import_file(batch, item, user)
            done = batch.files.exclude(outcome=Outcome.PENDING).count()
            ImportBatch.objects.filter(pk=batch.pk).update(done=done, updated_at=timezone.now())
    except Exception as exc:
        logger.exception("batch import %s failed", batch.pk)
        message = f"批量导入中断（{type(exc).__name__}）；{KEPT}"
        _finish(batch, ImportBatch.Status.FAILED, message)
        return
    _finish(batch, ImportBatch.Status.DONE)


def import_file(batch: ImportBatch, item: ImportBatchFile, user) -> None:
    """Import one file of the batch, all or nothing, and save its outcome (an import's in the same
    transaction as its tables: a worker killed between the two never imports a file twice)."""
    item.problems, item.tables, item.held = [], [], None
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = extract(batch_dir(batch), item, Path(folder))
            try:
                with transaction.atomic():
                    result = _import(path, user, item.name)
                    _refuse_other_organisations(result, user, item.name)
                    item.outcome = Outcome.IMPORTED
                    item.message = imported_summary(len(result.tables), result.created, result.updated)
                    item.problems = list(result.problems)
                    item.tables = _tables(result.tables)
                    _save(item)
            except NeedsConfirmation as exc:
                to_confirm(item, user, path.read_bytes(), exc)
            return
    except ImportFailed as exc:
        item.outcome, item.message = Outcome.REFUSED, str(exc)
    except Exception as exc:  # a bug or a broken file the readers did not expect: the other files go on
        logger.exception("batch import %s: file %r failed", batch.pk, item.name)
        item.outcome = Outcome.REFUSED
        item.message = (
            f"{item.name}：导入时出错（{type(exc).__name__}），未导入；请单独导入此文件查看原因，或联系管理员。"
        )
    item.tables = []
    _save(item)


def _import(path: Path, user, name: str) -> FileImportResult:
    """`import_path`; a form that prints no unit line is imported for the organisation `organisation_for`
    decides (the only one the uploader fills), or refused saying so."""
    try:
        return import_path(path, user=user, name=name)
    except NeedsOrganisation as exc:
        organisation = organisation_for(exc.recognised, user)
        if organisation is None:
            raise ImportFailed(f"{exc}\n{UNKNOWN_ORGANISATION}") from exc
        return import_path(path, user=user, name=name, organisation=organisation)


def to_confirm(item: ImportBatchFile, user, data: bytes, exc: NeedsConfirmation) -> None:
    """A file a person has to confirm: held for the import preview (`preview.hold`) in the organisation it
    is for, and its row links there; when a remembered mapping fits it, stored straight away instead, as
    the single-file upload does (`preview.straight_through`)."""
    item.outcome, item.message = Outcome.NEEDS_CONFIRMATION, str(exc)
    item.problems = [str(p) for result in _results(exc.recognised) for p in getattr(result, "problems", None) or []]
    organisation = organisation_for(exc.recognised, user)
    if organisation is None:
        item.message += f"；{UNKNOWN_ORGANISATION}"
        _save(item)
        return
    try:
        held = preview.hold(user, organisation, item.name, data)
    except preview.PreviewError as refused:  # read by the import, so the preview reads it too; said all the same
        item.problems.append(str(refused))
        _save(item)
        return
    with transaction.atomic():
        reading, stored = preview.straight_through(held, user)
        if stored:
            item.outcome = Outcome.IMPORTED
            item.message = imported_summary(len(stored), len(stored), 0) + "，各列按记住的对应导入"
            item.problems = list(reading.problems)
            item.tables = _tables(stored)
        else:
            item.held = held
        _save(item)


def _results(recognised) -> list:
    return recognised if isinstance(recognised, list) else [recognised] if recognised is not None else []


def organisation_for(recognised, user) -> Organisation | None:
    """The organisation a file to be confirmed is imported for: the one among those `user` fills that its
    tables name (by code or name, as `import_document` finds it), else the only one they fill; None when
    neither says."""
    fillable = fillable_organisations(user)
    codes, names = set(), set()
    for result in _results(recognised):
        for table in getattr(result, "tables", None) or []:
            for named in (table.get("organization"), table.get("department")):
                if named:
                    codes.add(named.get("code"))
                    names.add(named.get("name"))
    codes.discard(None)
    names.discard(None)
    named = list(fillable.filter(Q(code__in=codes) | Q(name__in=names))[:2])
    if len(named) == 1:
        return named[0]
    if not named:
        only = list(fillable[:2])
        if len(only) == 1:
            return only[0]
    return None


def _tables(tables) -> list[dict]:
    return [
        {"pk": table.pk, "title": table.title, "organisation": table.organisation.name, "year": table.year}
        for table in tables
    ]


def _save(item: ImportBatchFile) -> None:
    item.save(update_fields=["outcome", "message", "problems", "tables", "held"])


def imported_summary(count: int, created: int, updated: int) -> str:
    parts = [f"新建 {created} 张" if created else "", f"更新 {updated} 张" if updated else ""]
    return f"导入 {count} 张表（{'，'.join(filter(None, parts))}）"


def _refuse_other_organisations(result: FileImportResult, user, name: str) -> None:
    """A person imports only the tables of organisations they fill (the admins: any); otherwise roll back."""
    organisations = {table.organisation for table in result.tables}
    if result.overall is not None:
        organisations.add(result.overall.organisation)
    asked = fillable_organisations(user).filter(pk__in=[o.pk for o in organisations])
    allowed = set(asked.values_list("pk", flat=True))
    refused = sorted(o.name for o in organisations if o.pk not in allowed)
    if refused:
        raise ImportFailed(
            f"{name}：文件中的表属于“{'、'.join(refused)}”，不是您填报的部门（单位），未导入；"
            "请检查文件中的“部门（单位）名称”是否与系统中的名称一致"
        )


def _claim(batch_id: str) -> ImportBatch | None:
    """The batch marked running for this worker, or None when it is finished or another worker runs it."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().select_related("created_by").filter(pk=batch_id).first()
        if batch is None or batch.finished:
            return None
        if batch.status == ImportBatch.Status.RUNNING and batch.updated_at > timezone.now() - STALE_AFTER:
            return None
        batch.status = ImportBatch.Status.RUNNING
        batch.attempts += 1
        batch.save(update_fields=["status", "attempts", "updated_at"])
    return batch


def _finish(batch: ImportBatch, status: str, error: str = "") -> None:
    now = timezone.now()
    done = batch.files.exclude(outcome=Outcome.PENDING).count()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=status, error=error, done=done, finished_at=now, updated_at=now
    )
    shutil.rmtree(batch_dir(batch), ignore_errors=True)


def requeue_stale_batches(now=None) -> int:
    """Restart batches whose worker stopped making progress (they go on with the files not done);
    fail them after MAX_ATTEMPTS."""
    now = now or timezone.now()
    count = 0
    for batch in ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING, updated_at__lt=now - STALE_AFTER):
        if batch.attempts >= MAX_ATTEMPTS:
            _finish(batch, ImportBatch.Status.FAILED, f"导入进程多次中断，已停止；{KEPT}")
            continue
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.QUEUED, updated_at=now)
        _enqueue(batch)
        count += 1
    return count


def waiting_for_worker(batch: ImportBatch, now=None) -> bool:
    """Whether a queued batch waits for a worker that is not there (as `exports.jobs.waiting_for_worker`:
    queued longer than WORKER_GRACE while no batch or export has moved within STALE_AFTER)."""
    now = now or timezone.now()
    if batch.status != ImportBatch.Status.QUEUED or batch.updated_at > now - WORKER_GRACE:
        return False
    recent = now - STALE_AFTER
    busy = ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING, updated_at__gte=recent).exists()
    return not (busy or ExportJob.objects.filter(status=ExportJob.Status.RUNNING, updated_at__gte=recent).exists())


@task()
def run_import_batch(batch_id: str) -> None:
    execute(batch_id)
    try:
        requeue_stale_batches()
    except Exception:  # the batch is done; a clean-up that fails is tried again next time
        logger.exception("import clean-up after %s failed", batch_id)
