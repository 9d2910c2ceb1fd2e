"""Bulk export in the background: through the real database worker, with progress and recovery."""

from __future__ import annotations

import errno
import io
import zipfile
from datetime import timedelta

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tables.exports.jobs import execute, export_dir, job_file, requeue_stale_jobs, start_job
from tables.imports.exchange import export_table
from tables.models import ExportJob, Notification, TargetTable

pytestmark = [pytest.mark.django_db, pytest.mark.pdf]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _approve(*tables):
    TargetTable.objects.filter(pk__in=[t.pk for t in tables]).update(status=TargetTable.Status.APPROVED)


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    """The worker closes connections whose autocommit differs from the settings, as the test's is."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def _run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def test_a_round_exports_through_the_database_worker(client, world):
    _approve(world.table_a, world.table_b)
    client.force_login(world.admin)
    response = client.post(reverse("export-start"), {"statuses": ["approved"]})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("export-job", args=[job.pk])
    assert job.status == ExportJob.Status.QUEUED and job.total == 2

    _run_worker()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.percent == 100

    page = client.get(reverse("export-job", args=[job.pk]), headers={"HX-Request": "true"})
    assert "下载 zip" in page.content.decode() and "every 1s" not in page.content.decode()
    download = client.get(reverse("export-download", args=[job.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = archive.namelist()
    assert sum(name.endswith(".pdf") for name in names) == 2
    book = openpyxl.load_workbook(io.BytesIO(archive.read(next(n for n in names if n.endswith(".xlsx")))))
    assert len([ws for ws in book.worksheets if ws.sheet_state == "visible"]) == 2


def test_the_job_page_polls_while_running(client, world):
    _approve(world.table_a)
    job = start_job(world.filler_a)
    client.force_login(world.filler_a)
    body = client.get(reverse("export-job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in body and "排队中" in body


def test_a_filler_exports_only_their_own_tables(world):
    _approve(world.table_a, world.table_b, world.table_unit_a)
    job = start_job(world.filler_a)
    assert job.total == 1
    execute(str(job.pk))
    job.refresh_from_db()
    names = zipfile.ZipFile(job_file(job)).namelist()
    assert [n for n in names if n.endswith(".pdf")] == [n for n in names if "部门A-" in n and n.endswith(".pdf")]


def test_nobody_else_sees_or_downloads_a_job(client, world):
    _approve(world.table_a)
    job = start_job(world.filler_a)
    execute(str(job.pk))
    client.force_login(world.filler_b)
    assert client.get(reverse("export-job", args=[job.pk])).status_code == 404
    assert client.get(reverse("export-download", args=[job.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("export-download", args=[job.pk])).status_code == 302


def test_nothing_to_export_is_said_plainly(client, world):
    client.force_login(world.filler_a)
    response = client.post(reverse("export-start"), {"statuses": ["approved"]})
    assert response.status_code == 422
    assert "没有符合条件的表" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_a_job_whose_worker_died_restarts_cleanly(world):
    _approve(world.table_a)
    job = start_job(world.filler_a)
    # The worker took the job and died: no progress for a while, a partial file left behind.
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, attempts=1, done=0)
    ExportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    partial = export_dir() / f".{job.pk}.zip.k1ll3d.part"
    partial.write_bytes(b"PK\x03\x04 half a zip")
    assert job_file(ExportJob.objects.get(pk=job.pk)) is None
    assert requeue_stale_jobs() == 1
    _run_worker()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.attempts == 2
    assert zipfile.ZipFile(job_file(job)).testzip() is None
    assert [p.name for p in export_dir().iterdir()] == [f"{job.pk}.zip"]  # the dead attempt's part is gone


def test_a_job_that_keeps_dying_is_marked_failed(world):
    _approve(world.table_a)
    job = start_job(world.filler_a)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, attempts=3)
    ExportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    requeue_stale_jobs()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and "多次中断" in job.error


def test_an_unwritable_export_folder_fails_with_a_message_and_keeps_the_data(world, settings, tmp_path):
    _approve(world.table_a)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    settings.MEDIA_ROOT = blocked
    job = ExportJob.objects.create(created_by=world.filler_a, filters={})
    execute(str(job.pk))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert "写入导出文件失败" in job.error
    assert TargetTable.objects.get(pk=world.table_a.pk).indicators.count() == 4


def _disk_full_on_second_pdf(monkeypatch):
    """The disk fills up after the first PDF went into the zip (so half a zip is on disk)."""
    writestr = zipfile.ZipFile.writestr
    calls = []

    def write(self, name, data, *args, **kwargs):
        calls.append(name)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return writestr(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", write)


def _disk_full_on_workbook(monkeypatch):
    """The disk fills up while xlsxwriter packages the workbook (it wraps the OSError)."""
    from xlsxwriter.workbook import Workbook

    def store(self):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Workbook, "_store_workbook", store)


@pytest.mark.parametrize("disk_full", [_disk_full_on_second_pdf, _disk_full_on_workbook])
def test_a_full_disk_fails_the_job_plainly_offers_no_file_and_keeps_the_data(client, world, monkeypatch, disk_full):
    _approve(world.table_a, world.table_b)
    before = {t.pk: export_table(TargetTable.objects.get(pk=t.pk)) for t in (world.table_a, world.table_b)}
    job = start_job(world.admin)
    disk_full(monkeypatch)

    execute(str(job.pk))

    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert job.error.startswith("磁盘空间不足，导出失败") and "表数据未受影响" in job.error
    assert "No space" not in job.error  # the OS's English text stays in the log
    assert job_file(job) is None and list(export_dir().iterdir()) == []  # no zip, no half-written .part
    client.force_login(world.admin)
    assert client.get(reverse("export-download", args=[job.pk])).status_code == 404
    page = client.get(reverse("export-job", args=[job.pk])).content.decode()
    assert "磁盘空间不足" in page and "下载 zip" not in page
    for pk, data in before.items():
        table = TargetTable.objects.get(pk=pk)
        assert table.status == TargetTable.Status.APPROVED and export_table(table) == data


def test_whoever_started_an_export_is_told_when_it_is_ready_or_failed(world):
    _approve(world.table_a)
    done = start_job(world.admin)
    execute(str(done.pk))
    failed = start_job(world.filler_b)  # nothing of theirs is approved
    execute(str(failed.pk))
    ready = Notification.objects.get(recipient=world.admin)
    assert ready.kind == Notification.Kind.EXPORTED and "批量导出已完成：1 张表" in ready.message
    assert ready.url == reverse("export-job", args=[done.pk])
    refused = Notification.objects.get(recipient=world.filler_b)
    assert refused.message.startswith("批量导出没有完成。") and "没有符合条件的表" in refused.message
