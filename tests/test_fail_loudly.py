"""A machine that cannot print says so: a system check on every command, and every PDF export refuses.

The font lookup is pointed at an empty folder (and the HarfBuzz subsetter at a
library that does not exist), as on a server set up without fonts-noto-cjk.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.urls import reverse
from django.utils import timezone

from tables.exports import fonts
from tables.exports.jobs import WORKER_GRACE, execute, export_dir, start_job
from tables.exports.pdf import PdfUnavailable, render_pdf
from tables.models import ExportJob, OverallGoal, TargetTable
from tables.review import workflow
from tests.conftest import load_expected
from tests.exports.test_exports import layout_of

WAITING = "导出任务正在排队，等待后台任务进程（manage.py db_worker）启动"


@pytest.fixture
def no_cjk_fonts(monkeypatch, tmp_path):
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    monkeypatch.setattr(fonts, "NOTO_DIRS", (str(empty),))


@pytest.fixture
def no_harfbuzz_subset(monkeypatch):
    monkeypatch.setattr(fonts, "HB_SUBSET_LIBRARY", "libharfbuzz-subset-absent.so.0")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _pdf_checks(deploy: bool = False) -> list[checks.CheckMessage]:
    return checks.run_checks(tags=["pdf"], include_deployment_checks=deploy)


# ---------------------------------------------------------------- the system check


def test_the_pdf_check_is_silent_on_a_machine_that_can_print():
    assert fonts.missing_packages() == [], "`make test` installs the PDF packages (scripts/system-deps.sh test)"
    assert _pdf_checks(deploy=True) == []


def test_without_cjk_fonts_the_system_check_warns_naming_fonts_noto_cjk(no_cjk_fonts):
    [warning] = _pdf_checks()
    assert warning.id == "tables.W001" and warning.level == checks.WARNING
    assert "fonts-noto-cjk" in warning.msg and "空白方框" in warning.msg


def test_without_cjk_fonts_check_deploy_is_an_error(no_cjk_fonts):
    ids = {(message.id, message.level) for message in _pdf_checks(deploy=True)}
    assert ("tables.E001", checks.ERROR) in ids
    with pytest.raises(SystemCheckError, match="fonts-noto-cjk"):
        call_command("check", deploy=True, tags=["pdf"])


def test_without_cjk_fonts_any_command_prints_the_warning(no_cjk_fonts, world, tmp_path):
    stderr = io.StringIO()
    call_command("export_tables", "--format", "json", "--out", str(tmp_path / "out"), skip_checks=False, stderr=stderr)
    assert "tables.W001" in stderr.getvalue() and "fonts-noto-cjk" in stderr.getvalue()


def test_without_harfbuzz_subset_the_check_warns_and_pdfs_refuse_naming_the_package(no_harfbuzz_subset):
    [warning] = _pdf_checks()
    assert "libharfbuzz-subset0" in warning.msg and "fonts-noto-cjk" not in warning.msg
    data = load_expected("000_db0fda59e4eac40f.json")
    with pytest.raises(PdfUnavailable, match="libharfbuzz-subset0"):
        render_pdf(data, layout_of(data))


def test_with_both_missing_one_message_names_both_packages(no_cjk_fonts, no_harfbuzz_subset):
    [warning] = _pdf_checks()
    assert "sudo apt-get install fonts-noto-cjk libharfbuzz-subset0" in warning.msg


# ---------------------------------------------------------------- every PDF export refuses


def test_without_cjk_fonts_the_renderer_refuses_instead_of_printing_boxes(no_cjk_fonts):
    data = load_expected("000_db0fda59e4eac40f.json")
    with pytest.raises(PdfUnavailable, match=r"无法生成 PDF.*fonts-noto-cjk"):
        render_pdf(data, layout_of(data))


def test_without_cjk_fonts_the_table_pdf_download_is_a_503_page_naming_the_package(no_cjk_fonts, client, world):
    client.force_login(world.filler_a)
    response = client.get(reverse("table-download", args=[world.table_a.pk, "pdf"]))
    assert response.status_code == 503 and response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "无法生成 PDF" in body and "fonts-noto-cjk" in body
    assert client.get(reverse("table-download", args=[world.table_a.pk, "xlsx"])).status_code == 200


def test_without_cjk_fonts_the_booklet_pdf_download_is_a_503_page(no_cjk_fonts, client, world):
    overall = OverallGoal.objects.create(organisation=world.org_a, year=2026, goal="部门整体目标")
    client.force_login(world.filler_a)
    response = client.get(reverse("booklet-download", args=[overall.pk, "pdf"]))
    assert response.status_code == 503 and "fonts-noto-cjk" in response.content.decode()


def test_without_cjk_fonts_the_submitted_versions_pdf_is_a_503_page(no_cjk_fonts, client, world):
    snapshot = workflow.submit(world.table_a, world.filler_a)
    client.force_login(world.filler_a)
    response = client.get(reverse("review-snapshot-pdf", args=[snapshot.pk]))
    assert response.status_code == 503 and "fonts-noto-cjk" in response.content.decode()


def test_without_cjk_fonts_export_tables_pdf_is_a_command_error_and_writes_nothing(no_cjk_fonts, world, tmp_path):
    out = tmp_path / "out"
    for format in ("pdf", "booklet"):
        with pytest.raises(CommandError, match="fonts-noto-cjk"):
            call_command("export_tables", "--format", format, "--out", str(out))
    assert not out.exists()


def test_without_cjk_fonts_a_bulk_export_fails_with_the_reason_and_leaves_no_file(no_cjk_fonts, media, client, world):
    TargetTable.objects.filter(pk=world.table_a.pk).update(status=TargetTable.Status.APPROVED)
    job = start_job(world.filler_a)
    execute(str(job.pk))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert job.error.startswith("无法生成 PDF") and "fonts-noto-cjk" in job.error
    assert list(export_dir().iterdir()) == []
    client.force_login(world.filler_a)
    assert "fonts-noto-cjk" in client.get(reverse("export-job", args=[job.pk])).content.decode()


# ---------------------------------------------------------------- with the fonts, Chinese prints


@pytest.mark.pdf
def test_with_the_fonts_the_downloaded_pdf_has_chinese_text_in_an_embedded_cjk_font(client, world):
    import pdfplumber

    client.force_login(world.filler_a)
    response = client.get(reverse("table-download", args=[world.table_a.pk, "pdf"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages).replace(" ", "")
        fonts_used = {char["fontname"] for page in pdf.pages for char in page.chars if char["text"] in "一级指标"}
    assert "一级指标" in text and world.org_a.name in text
    # Subset fonts are named "ABCDEF+Noto-…" (embedded); a box-printing fallback would be DejaVu.
    assert fonts_used and all("+Noto-" in name and "CJK-SC" in name for name in fonts_used), fonts_used


# ---------------------------------------------------------------- tests without poppler say how to get it


def test_the_pdffonts_helper_fails_naming_make_test_when_poppler_is_missing(monkeypatch, tmp_path):
    from tests.exports import test_exports

    monkeypatch.setattr(test_exports.shutil, "which", lambda name: None)
    with pytest.raises(AssertionError, match="`make test` installs poppler-utils"):
        test_exports.pdffonts(b"%PDF-1.7", tmp_path)


# ---------------------------------------------------------------- a bulk export without a worker


def _queued_since(job: ExportJob, seconds: float) -> None:
    ExportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(seconds=seconds))


def _job_page(client, job) -> str:
    return client.get(reverse("export-job", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()


def test_a_job_queued_with_no_worker_running_says_it_waits_for_the_worker(media, client, world):
    TargetTable.objects.filter(pk=world.table_a.pk).update(status=TargetTable.Status.APPROVED)
    job = start_job(world.filler_a)
    client.force_login(world.filler_a)
    assert WAITING not in _job_page(client, job)  # a worker polling every second has not had its chance yet
    _queued_since(job, WORKER_GRACE.total_seconds() + 1)
    body = _job_page(client, job)
    assert WAITING in body and 'hx-trigger="every 1s"' in body  # and it notices when the worker starts


def test_a_job_queued_behind_a_running_export_does_not_blame_the_worker(media, client, world):
    TargetTable.objects.filter(pk=world.table_a.pk).update(status=TargetTable.Status.APPROVED)
    ExportJob.objects.create(created_by=world.admin, status=ExportJob.Status.RUNNING)  # progressing just now
    job = start_job(world.filler_a)
    _queued_since(job, WORKER_GRACE.total_seconds() + 1)
    client.force_login(world.filler_a)
    assert WAITING not in _job_page(client, job)


@pytest.mark.pdf
def test_the_waiting_note_is_gone_once_the_worker_has_run_the_job(media, client, world, monkeypatch):
    from django_tasks_db.management.commands import db_worker

    # The worker closes connections whose autocommit differs from the settings, as the test's is.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    TargetTable.objects.filter(pk=world.table_a.pk).update(status=TargetTable.Status.APPROVED)
    job = start_job(world.filler_a)
    _queued_since(job, WORKER_GRACE.total_seconds() + 1)
    client.force_login(world.filler_a)
    assert WAITING in _job_page(client, job)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and WAITING not in _job_page(client, job)


def test_the_font_lookup_reads_the_folders_it_is_given(tmp_path, monkeypatch):
    """The refusal tests point the lookup at an empty folder; a folder holding the files satisfies it."""
    real = {name: fonts._font_file(name) for name, _weight in fonts.SOURCES.values()}
    folder = tmp_path / "fonts"
    folder.mkdir()
    for name, path in real.items():
        (folder / name).symlink_to(path)
    monkeypatch.setattr(fonts, "NOTO_DIRS", (str(tmp_path / "empty"), str(folder)))
    assert fonts.missing_packages() == []
    assert all(fonts._font_file(name) == Path(folder) / name for name in real)


def test_a_browser_test_without_chromium_fails_naming_the_package(monkeypatch, tmp_path):
    from tests import conftest

    class BrowserItem:
        def get_closest_marker(self, name):
            return name == "browser"

    monkeypatch.setattr(conftest, "CHROMIUM", tmp_path / "chromium")
    with pytest.raises(pytest.fail.Exception, match="Debian 软件包 chromium"):
        conftest.pytest_runtest_setup(BrowserItem())
