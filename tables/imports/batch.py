"""Many files imported at once, in the background: a department uploads several files or a zip.

The upload (`start_batch`) only checks and stores: it lists a zip's members, refuses
the whole upload when it holds more than IMPORT_BATCH_MAX_FILES files or more than
IMPORT_BATCH_MAX_BYTES uncompressed, and records one `ImportBatchFile` per file. A
member that cannot be imported safely (a name leaving the zip's folder, a zip inside
the zip, an encrypted member, a link) is recorded as 未导入 with the reason at once;
nothing is ever extracted under a name taken from the zip. Windows zips store names
in GBK without the UTF-8 flag (0x800): such names are decoded as GBK, not cp437.

The worker (`run_import_batch`, Django Tasks as the bulk export) then imports each file
through `dispatch.import_path`, each in its own transaction: a refused file never stops
the others. A file whose tables belong to an organisation the uploader does not fill is
refused and rolled back. Every file ends as 已导入 (its tables, created and updated),
待确认 (`NeedsConfirmation`: the problems, to be imported one by one with the preview)
or 未导入 (the reason, in Chinese, naming the file and place). The stored uploads are
deleted when the batch ends; a worker that died mid-batch is picked up again by
`requeue_stale_batches` (the worker after every batch, `manage.py cleanup_exports`),
which goes on with the files not yet done.
"""

from __future__ import annotations

import logging
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from tables.imports.dispatch import FileImportResult, ImportFailed, NeedsConfirmation, check_size, import_path
from tables.models import ExportJob, ImportBatch, ImportBatchFile
from tables.permissions import fillable_organisations

logger = logging.getLogger(__name__)

Outcome = ImportBatchFile.Outcome
STALE_AFTER = timedelta(minutes=2)
# An idle worker (`db_worker`, polling every second) takes a queued batch up within this.
WORKER_GRACE = timedelta(seconds=10)
MAX_ATTEMPTS = 3
ACTIVE = (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING)
LYING = "压缩包中的这个文件已损坏（解压后的大小或校验值与压缩包记录的不符），可能是恶意压缩包，未导入"
KEPT = "已导入的文件保留，请重新上传其余文件。"
# A zip's end record: 22 bytes and a comment of at most 65535.
_EOCD_SEARCH = 22 + 65535
ENTRIES_PER_FILE = 4  # folders and an archiver's extra files (macOS: one ._ file per file) beside each file
ZIP_UTF8_FLAG = 0x800
ZIP_ENCRYPTED_FLAG = 0x1
ARCHIVES = (".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz")
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}$")


class BatchRefused(Exception):
    """The upload as a whole is refused (too many files, too large, too many batches); the message says why."""


@dataclass
class _Entry:
    """One file of an upload before it is recorded: where it is, or why it is refused."""

    name: str
    source: str = ""
    member: str = ""
    size: int = 0
    refusal: str = ""


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
            entries = _store(uploads, folder)
            _check_totals(entries)
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


def _store(uploads: list[UploadedFile], folder: Path) -> list[_Entry]:
    """Each upload written to the batch folder under a name of ours; a zip's members listed."""
    entries: list[_Entry] = []
    for index, upload in enumerate(uploads, start=1):
        name = Path(upload.name or f"文件{index}").name
        suffix = _suffix(name)
        if suffix == ".zip":
            if upload.size > settings.IMPORT_BATCH_MAX_BYTES:
                most = _mb(settings.IMPORT_BATCH_MAX_BYTES)
                raise BatchRefused(f"{name}：压缩包过大（{_mb(upload.size)}，上限 {most}）")
            stored = _write(upload, folder / f"{index}.zip")
            entries.extend(zip_entries(stored, name))
            continue
        try:
            check_size(upload.size, name)
        except ImportFailed as exc:
            entries.append(_Entry(name, refusal=str(exc)))
            continue
        stored = _write(upload, folder / f"{index}{suffix}")
        entries.append(_Entry(name, source=stored.name, size=upload.size))
    return entries


def _check_totals(entries: list[_Entry]) -> None:
    most = settings.IMPORT_BATCH_MAX_FILES
    if len(entries) > most:
        raise BatchRefused(f"一次最多导入 {most} 个文件，这次上传了 {len(entries)} 个（压缩包中的文件逐个计数）。")
    size = sum(entry.size for entry in entries)
    if size > settings.IMPORT_BATCH_MAX_BYTES:
        raise BatchRefused(
            f"这次上传的文件解压后共 {_mb(size)}，超过上限 {_mb(settings.IMPORT_BATCH_MAX_BYTES)}；请分几次上传。"
        )


def _write(upload: UploadedFile, target: Path) -> Path:
    with target.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return target


def _suffix(name: str) -> str:
    found = _SUFFIX.search(name)
    return found.group().lower() if found else ""


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


# ---------------------------------------------------------------- zips


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its author wrote it: UTF-8 when the zip says so (flag 0x800), else the bytes
    Python decoded as cp437 read again as UTF-8 (tools that write it without the flag) or GBK (Windows)."""
    if info.flag_bits & ZIP_UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:  # Python already decoded it otherwise
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def zip_entries(path: Path, zip_name: str) -> list[_Entry]:
    """A zip's files, each stored as a member of `path` or refused with the reason."""
    _refuse_a_huge_directory(path, zip_name)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return [_Entry(zip_name, refusal=f"{zip_name}：不是有效的 zip 压缩包，或压缩包已损坏")]
    entries = []
    with archive:
        for info in archive.infolist():
            name = member_name(info)
            if info.is_dir() or _is_clutter(name):
                continue
            shown = f"{zip_name}/{name}"
            refusal = _member_refusal(info, name)
            if refusal:
                entries.append(_Entry(shown, refusal=f"{shown}：{refusal}"))
                continue
            entries.append(_Entry(shown, source=path.name, member=info.filename, size=info.file_size))
    if not entries:
        return [_Entry(zip_name, refusal=f"{zip_name}：压缩包中没有文件")]
    return entries


def _refuse_a_huge_directory(path: Path, zip_name: str) -> None:
    """Count a zip's entries from its end record before zipfile reads every one of them into memory:
    a few MB of zip can list millions. Folders and an archiver's extra files count too, hence the margin."""
    most = ENTRIES_PER_FILE * settings.IMPORT_BATCH_MAX_FILES
    with path.open("rb") as handle:
        handle.seek(0, 2)
        handle.seek(max(0, handle.tell() - _EOCD_SEARCH))
        tail = handle.read()
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or len(tail) < end + 12:
        return  # not a zip: zipfile says so
    entries = int.from_bytes(tail[end + 10 : end + 12], "little")
    if entries > most:  # 0xFFFF: a zip64 directory, more entries than a 16-bit count holds
        raise BatchRefused(
            f"{zip_name}：压缩包中有 {'65535 以上' if entries == 0xFFFF else entries} 项，"
            f"一次最多导入 {settings.IMPORT_BATCH_MAX_FILES} 个文件。"
        )


def _is_clutter(name: str) -> bool:
    """What an archiver adds beside the files a person zipped (macOS resource forks, Finder and Explorer files)."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return bool(parts) and (parts[0] == "__MACOSX" or parts[-1] in (".DS_Store", "Thumbs.db", "desktop.ini"))


def _member_refusal(info: zipfile.ZipInfo, name: str) -> str:
    """Why a member is not imported, or ""."""
    path = name.replace("\\", "/")
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path) or ".." in path.split("/"):
        return "文件名指向压缩包以外的位置（绝对路径或“..”），可能是恶意压缩包，未导入"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "是符号链接而不是文件，未导入"
    if info.flag_bits & ZIP_ENCRYPTED_FLAG:
        return "文件已加密（设置了密码），无法读取；请解除密码后重新压缩上传"
    if _suffix(name) in ARCHIVES:
        return "压缩包中的压缩包不会展开；请解压后把其中的文件直接上传，或放进同一个 zip"
    return ""


def _extract(batch: ImportBatch, item: ImportBatchFile, into: Path) -> Path:
    """The file of `item` as a file in `into` named by us (the suffix kept: it tells the importer the kind)."""
    source = batch_dir(batch) / Path(item.source).name
    target = into / f"file{_suffix(item.name)}"
    if not item.member:
        shutil.copyfile(source, target)
        return target
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo(item.member)
        check_size(info.file_size, item.name)
        # The header's size can lie (a zip bomb): stop reading past it, or past the limit.
        most = min(info.file_size, settings.IMPORT_MAX_BYTES)
        written = 0
        try:
            with archive.open(info) as member, target.open("wb") as handle:
                while chunk := member.read(1024 * 1024):
                    written += len(chunk)
                    if written > most:
                        raise ImportFailed(f"{item.name}：{LYING}")
                    handle.write(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:  # zipfile's own checks: the size, the CRC
            raise ImportFailed(f"{item.name}：{LYING}") from exc
    return target


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
    item.problems, item.tables = [], []
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = _extract(batch, item, Path(folder))
            with transaction.atomic():
                result = import_path(path, user=user, name=item.name)
                _refuse_other_organisations(result, user, item.name)
                item.outcome = Outcome.IMPORTED
                item.message = imported_summary(result)
                item.problems = list(result.problems)
                item.tables = [
                    {"pk": table.pk, "title": table.title, "organisation": table.organisation.name, "year": table.year}
                    for table in result.tables
                ]
                _save(item)
            return
    except NeedsConfirmation as exc:
        item.outcome, item.message = Outcome.NEEDS_CONFIRMATION, str(exc)
        item.problems = [str(p) for p in getattr(exc.recognised, "problems", None) or []]
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


def _save(item: ImportBatchFile) -> None:
    item.save(update_fields=["outcome", "message", "problems", "tables"])


def imported_summary(result: FileImportResult) -> str:
    parts = [
        f"新建 {result.created} 张" if result.created else "",
        f"更新 {result.updated} 张" if result.updated else "",
    ]
    return f"导入 {len(result.tables)} 张表（{'，'.join(filter(None, parts))}）"


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
