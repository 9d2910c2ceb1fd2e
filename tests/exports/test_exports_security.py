"""Exports that hold up against what people type: who reads a booklet, names that break
sheets and headers, and how bulk jobs fail, queue and expire (issue 18, items 3, 5, 6, 10, 13)."""

from __future__ import annotations

import io
import os
import time
import zipfile
from datetime import timedelta

import openpyxl
import pytest
import xlsxwriter
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.fields import clean_name
from indicators.models import Indicator
from tables.exports.bulk import FAILURES_NAME, WORKBOOK_NAME
from tables.exports.downloads import content_disposition, safe_filename
from tables.exports.jobs import TooManyJobs, execute, export_dir, job_file, maintain_exports, start_job
from tables.exports.service import file_stem
from tables.exports.xlsx import sheet_name
from tables.imports.exchange import booklet_tables, import_document
from tables.models import ExportJob, Membership, Organisation, OverallGoal, Round, TargetTable, Task
from tests.factories import MembershipFactory, OrganisationFactory, layout, table_with_rows

CONTROLS = [chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))]
Status = TargetTable.Status


# ---------------------------------------------------------------- booklets (item 3)


@pytest.fixture
def booklet(world):
    """Department A's booklet: its own projects and its unit's, one in each state that matters."""
    overall = OverallGoal.objects.create(organisation=world.org_a, year=2026, goal="部门整体目标")
    project = {"kind": TargetTable.Kind.PROJECT, "layout": layout("hebei-2023-project")}
    made = {}
    for org, label in ((world.org_a, "部门"), (world.unit_a, "单位")):
        for status in (Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.APPROVED):
            name = f"{label}{status.label}项目"
            made[name] = table_with_rows(
                org, indicators=2, tasks=0, project_name=name, project_code=name, title=name, status=status, **project
            )
    return overall


def _names(overall, user) -> set[str]:
    return {t.project_name for t in booklet_tables(overall, user)}


def test_booklet_of_a_filler_without_units_holds_only_the_departments_own_tables(booklet, world):
    assert _names(booklet, world.filler_a) == {"部门草稿项目", "部门已提交项目", "部门已退回项目", "部门已批复项目"}


def test_booklet_of_a_filler_with_units_holds_the_units_tables_in_every_state(booklet, world):
    Membership.objects.filter(user=world.filler_a).update(include_units=True)
    world.filler_a.refresh_from_db()
    assert len(_names(booklet, world.filler_a)) == 8


def test_booklet_of_a_reviewer_holds_only_what_was_handed_in(booklet, world):
    shared = {"部门已提交项目", "部门已批复项目", "单位已提交项目", "单位已批复项目"}
    assert _names(booklet, world.reviewer_a) == shared
    assert _names(booklet, world.admin) == shared


def test_booklet_tables_of_a_unit_filler_are_the_units_own(booklet, world):
    unit_filler = MembershipFactory(organisation=world.unit_a, role=Membership.Role.FILLER).user
    assert _names(booklet, unit_filler) == {"单位草稿项目", "单位已提交项目", "单位已退回项目", "单位已批复项目"}


def test_booklet_download_leaves_out_units_tables_for_a_filler_without_units(client, booklet, world):
    client.force_login(world.filler_a)
    response = client.get(reverse("booklet-download", args=[booklet.pk, "xlsx"]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    visible = [ws.title for ws in book.worksheets if ws.sheet_state == "visible"]
    assert len(visible) == 5  # part 1 and the department's four project tables
    assert not any("单位" in title for title in visible[1:])


def test_booklet_download_of_another_department_is_404(client, booklet, world):
    client.force_login(world.filler_b)
    assert client.get(reverse("booklet-download", args=[booklet.pk, "xlsx"])).status_code == 404


# ---------------------------------------------------------------- sheet names (item 5)

EXCEL_BAD = set("[]:*?/\\")


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _assert_valid_sheet_names(names: list[str]) -> None:
    for name in names:
        assert 1 <= _utf16(name) <= 31, name
        assert not EXCEL_BAD & set(name), name
        assert not any(c in name for c in CONTROLS), name
        assert not name.startswith("'") and not name.endswith("'"), name
        assert name.lower() not in ("history", "_meta"), name
    assert len({n.lower() for n in names}) == len(names)


names_strategy = st.lists(
    st.lists(st.sampled_from([*"'[]:*?/\\ aA历史表_", "History", "_meta", "\x00", "\x1b", "\x85", "😀", "\u202e"])).map(
        "".join
    )
    | st.text(max_size=80),
    min_size=1,
    max_size=12,
)


@given(names_strategy)
@settings(max_examples=400, deadline=None)
def test_every_sheet_name_is_valid_for_excel_and_unique(titles):
    taken = {"_meta"}
    _assert_valid_sheet_names([sheet_name(title, taken) for title in titles])


@given(names_strategy)
@settings(max_examples=40, deadline=None)
def test_workbooks_with_any_sheet_names_are_written_and_read_back(titles):
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    taken: set[str] = set()
    names = [sheet_name(title, taken) for title in titles]
    for name in names:
        book.add_worksheet(name)  # xlsxwriter raises InvalidWorksheetName on anything Excel refuses
    book.close()
    assert openpyxl.load_workbook(io.BytesIO(out.getvalue())).sheetnames == names


def test_a_name_cut_at_an_apostrophe_does_not_end_with_it():
    title = "项" * 30 + "'s 项目"
    assert sheet_name(title, set()) == "项" * 30


# ---------------------------------------------------------------- file names (item 6)


@given(st.text(max_size=400))
@settings(max_examples=400, deadline=None)
def test_every_file_name_is_free_of_controls_and_path_characters(name):
    cleaned = safe_filename(name)
    assert cleaned and len(cleaned) <= 150
    assert not set(cleaned) & set('\\/:*?"<>|') and not any(c in cleaned for c in CONTROLS)
    assert "\u202e" not in cleaned
    header = content_disposition(name)
    assert header.isprintable() and header.isascii()


def test_a_long_file_name_keeps_its_extension():
    assert safe_filename("表" * 300 + ".xlsx").endswith("表.xlsx")


# ---------------------------------------------------------------- names on input (item 6)


@pytest.mark.parametrize("control", CONTROLS)
def test_names_are_stored_without_control_characters(world, control):
    world.table_a.title = f"标题{control}甲"
    world.table_a.save()
    world.table_a.refresh_from_db()
    assert world.table_a.title in ("标题甲", "标题 甲")
    assert all(c not in world.table_a.title for c in CONTROLS)


def test_a_line_break_in_a_name_becomes_a_space():
    assert clean_name("项目\r\n名称\x0b二\t三") == "项目 名称 二 三"
    assert clean_name("正常的名称") == "正常的名称"


def test_update_and_bulk_create_clean_names_too(world):
    Organisation.objects.filter(pk=world.org_a.pk).update(name="部门\x1bA")
    Task.objects.bulk_create([Task(table=world.table_a, position=99, name="任务\x7f名")])
    assert Organisation.objects.get(pk=world.org_a.pk).name == "部门A"
    assert Task.objects.get(table=world.table_a, position=99).name == "任务名"


def test_imported_titles_and_names_lose_their_control_characters(world):
    result = import_document(
        {
            "format": "target-table/1",
            "year": 2026,
            "kind": "department",
            "title": "整体\x0c绩效\x9b目标表",
            "organization": {"code": "777", "name": "导入\x1b[31m部门"},
            "tasks": [{"name": "任务\x07一", "content": "内容"}],
            "indicators": [{"level1": "产出指标", "level2": "数量指标", "level3": "指标\x7f一", "value": "1个"}],
        },
        "ctl.json",
        layout_code="xinjiang-2022-dept",
    )
    table = TargetTable.objects.get(pk=result.tables[0].pk)
    assert table.title == "整体 绩效目标表"
    assert table.organisation.name == "导入[31m部门"
    assert table.tasks.get().name == "任务一"
    assert Indicator.objects.get(table=table).level3 == "指标一"


def test_a_title_typed_in_the_editor_is_saved_without_control_characters(client, world):
    from tables.editor import editing
    from tests.editor.test_editor import HTMX, round_for, step_url

    table = world.table_a
    base = editing.fingerprint(editing.values_of(table, ("organisation_id", "round_id", "title")))
    client.force_login(world.filler_a)
    response = client.post(
        step_url(table, "basic"),
        {"organisation": world.org_a.pk, "round": round_for(2026).pk, "title": "新\x1b标题\x0b二", "base": base},
        headers=HTMX,
    )
    assert response.status_code == 200
    table.refresh_from_db()
    assert table.title == "新标题 二"
    assert client.get(reverse("table-download", args=[table.pk, "xlsx"])).status_code == 200


def test_round_names_lose_their_control_characters(db):
    round_ = Round.objects.create(title="2027\x1b年\x00批次", year=2027, layout=layout())
    round_.refresh_from_db()
    assert round_.title == "2027年批次"


def test_admin_form_cleans_a_title(world):
    from django.forms import modelform_factory

    form = modelform_factory(Organisation, fields=["name", "code"])({"name": "名\x0b称", "code": "X1"})
    assert form.is_valid(), form.errors
    assert form.save().name == "名 称"


# ---------------------------------------------------------------- bulk jobs: failures, limits, retention


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def quick_pdfs(monkeypatch):
    """Bulk jobs without WeasyPrint: what is tested here is what happens around each table."""
    from tables.exports import bulk

    monkeypatch.setattr(bulk, "_rendered", lambda items, workers: ((item, b"%PDF-1.7 stub") for item in items))


def _approved(*tables):
    TargetTable.objects.filter(pk__in=[t.pk for t in tables]).update(status=Status.APPROVED)


def test_a_table_that_fails_is_named_in_chinese_and_the_rest_are_exported(
    client, world, media, quick_pdfs, monkeypatch
):
    from tables.exports import bulk

    _approved(world.table_a, world.table_b)
    TargetTable.objects.filter(pk=world.table_b.pk).update(title="坏表")
    real_build = bulk.build_table

    def build(data, layout, **kwargs):
        if data["title"] == "坏表":
            raise KeyError("indicator_columns")  # an English internal error
        return real_build(data, layout, **kwargs)

    monkeypatch.setattr(bulk, "build_table", build)
    job = start_job(world.admin)
    execute(str(job.pk))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert [f["table"] for f in job.failures] == [file_stem(TargetTable.objects.get(pk=world.table_b.pk))]
    reason = job.failures[0]["reason"]
    assert "联系管理员" in reason and not any(c.isascii() and c.isalpha() for c in reason)  # no English
    archive = zipfile.ZipFile(job_file(job))
    assert sum(n.endswith(".pdf") for n in archive.namelist()) == 1
    assert "坏表" in archive.read(FAILURES_NAME).decode()
    book = openpyxl.load_workbook(io.BytesIO(archive.read(WORKBOOK_NAME)))
    assert len([ws for ws in book.worksheets if ws.sheet_state == "visible"]) == 1
    client.force_login(world.admin)
    page = client.get(reverse("export-job", args=[job.pk])).content.decode()
    assert "以下 1 张表未能导出" in page and "下载 zip" in page


def test_a_job_where_every_table_fails_is_failed_with_a_chinese_message(world, media, quick_pdfs, monkeypatch):
    from tables.exports import bulk

    _approved(world.table_a)
    monkeypatch.setattr(bulk, "build_table", lambda *a, **k: 1 / 0)
    job = start_job(world.filler_a)
    execute(str(job.pk))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and job_file(job) is None
    assert job.error.startswith("没有一张表导出成功") and "division" not in job.error


def test_a_project_name_cut_at_an_apostrophe_exports_in_bulk_and_in_the_booklet(
    client, booklet, world, media, quick_pdfs
):
    name = "x" * 22 + "'" + "s plan"
    TargetTable.objects.filter(project_name="部门已批复项目").update(project_name=name)
    job = start_job(world.admin, filters={"statuses": [Status.APPROVED]})
    execute(str(job.pk))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.failures == []
    client.force_login(world.admin)
    assert client.get(reverse("booklet-download", args=[booklet.pk, "xlsx"])).status_code == 200


def test_a_third_export_in_progress_is_refused_naming_the_limit(client, world, media, settings):
    settings.EXPORT_JOBS_PER_USER = 2
    _approved(world.table_a)
    client.force_login(world.filler_a)
    for _ in range(2):
        assert client.post(reverse("export-start"), {"statuses": ["approved"]}).status_code == 302
    refused = client.post(reverse("export-start"), {"statuses": ["approved"]})
    assert refused.status_code == 422
    assert "每人最多同时 2 个" in refused.content.decode()
    assert ExportJob.objects.filter(created_by=world.filler_a).count() == 2
    # Another person is not held up by filler A's jobs, and a finished job frees a place.
    with pytest.raises(TooManyJobs):
        start_job(world.filler_a)
    start_job(world.admin)
    ExportJob.objects.filter(created_by=world.filler_a).update(status=ExportJob.Status.DONE)
    assert start_job(world.filler_a).status == ExportJob.Status.QUEUED


def _finished_job(user, days_ago: float) -> ExportJob:
    job = ExportJob.objects.create(created_by=user, status=ExportJob.Status.DONE)
    (export_dir() / f"{job.pk}.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    finished = timezone.now() - timedelta(days=days_ago)
    ExportJob.objects.filter(pk=job.pk).update(file=f"{job.pk}.zip", finished_at=finished)
    return ExportJob.objects.get(pk=job.pk)


def test_cleanup_command_deletes_zips_past_retention_and_keeps_newer_ones(client, world, media, settings):
    settings.EXPORT_RETENTION_DAYS = 7
    old, new = _finished_job(world.filler_a, 8), _finished_job(world.filler_a, 6)
    stray = export_dir() / ".abandoned.zip.x.part"
    stray.write_bytes(b"half")
    os.utime(stray, (time.time() - 9 * 86400, time.time() - 9 * 86400))
    call_command("cleanup_exports", stdout=io.StringIO())
    old.refresh_from_db()
    assert old.status == ExportJob.Status.EXPIRED and job_file(old) is None
    assert sorted(p.name for p in export_dir().iterdir()) == [f"{new.pk}.zip"]
    client.force_login(world.filler_a)
    assert client.get(reverse("export-download", args=[old.pk])).status_code == 404
    assert "已超过保留期限（7 天）" in client.get(reverse("export-job", args=[old.pk])).content.decode()


def test_cleanup_also_expires_a_finished_job_without_a_finish_time(world, media, settings):
    settings.EXPORT_RETENTION_DAYS = 7
    job = _finished_job(world.filler_a, 30)
    ExportJob.objects.filter(pk=job.pk).update(finished_at=None, updated_at=timezone.now() - timedelta(days=30))
    call_command("cleanup_exports", stdout=io.StringIO())
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.EXPIRED
    assert not list(export_dir().iterdir())


@pytest.fixture
def worker_connection(monkeypatch):
    """The worker closes connections whose autocommit differs from the settings, as the test's is."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def test_the_worker_runs_the_cleanup_task(world, media, settings, worker_connection):
    settings.EXPORT_RETENTION_DAYS = 7
    old = _finished_job(world.filler_a, 30)
    maintain_exports.enqueue()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    old.refresh_from_db()
    assert old.status == ExportJob.Status.EXPIRED and not list(export_dir().iterdir())


def _stale(job: ExportJob) -> None:
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, attempts=1)
    ExportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=10))


def test_opening_a_job_page_changes_no_job(client, world, media):
    _approved(world.table_a, world.table_b)
    mine, theirs = start_job(world.filler_a), start_job(world.filler_b)
    _stale(mine), _stale(theirs)
    before = list(ExportJob.objects.order_by("pk").values())
    client.force_login(world.filler_a)
    page = client.get(reverse("export-job", args=[mine.pk]))
    assert page.status_code == 200 and "可能已中断" in page.content.decode()
    assert list(ExportJob.objects.order_by("pk").values()) == before
    call_command("cleanup_exports", stdout=io.StringIO())  # the worker side restarts them
    assert set(ExportJob.objects.values_list("status", flat=True)) == {ExportJob.Status.QUEUED}


# ---------------------------------------------------------------- dashboard xlsx (item 13)


@pytest.mark.parametrize("name", ["=1+1", "+86-10", "-3", "@SUM(A1)"])
def test_dashboard_xlsx_writes_formula_like_names_as_quoted_text(client, world, name):
    from tables.models import RoundOrganisation

    round_ = Round.objects.create(title="2026年", year=2026, layout=layout())
    RoundOrganisation.objects.create(round=round_, organisation=OrganisationFactory(name=name))
    client.force_login(world.admin)
    response = client.get(reverse("review-dashboard-xlsx", args=[round_.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cell = next(row[1] for row in sheet.iter_rows(min_row=2) if row[1].value == name)
    assert cell.data_type == "s" and cell.quotePrefix
