"""Batch import: several files or a zip, imported one by one in the background, with a summary per file."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker

from tables.exports import render_xlsx
from tables.imports.batch import jobs as batch_module
from tables.imports.batch.jobs import BatchRefused, batch_dir, execute, start_batch
from tables.imports.batch.uploads import member_name, member_refusal
from tables.imports.dispatch import NeedsConfirmation
from tables.imports.exchange import export_table, import_document
from tables.layouts import LAYOUTS_BY_CODE, infer_layout_code
from tables.models import HeldUpload, ImportBatch, ImportBatchFile, Membership, Organisation, TargetTable
from tests.builders.files import form_file
from tests.conftest import SEEDS, load_expected
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

Outcome = ImportBatchFile.Outcome
SEED_000, SEED_001, SEED_002, SEED_003 = (
    "000_db0fda59e4eac40f",
    "001_421184b3b351f12a",
    "002_3cbdb8ee36d44a4b",
    "003_1accb42d456f302a",
)


@pytest.fixture
def filler(db):
    """A filler of the organisations the seeds 000–002 belong to (003's is somebody else's)."""
    orgs = [
        OrganisationFactory(code=f"BZ{i}", name=load_expected(f"{seed}.json")["organization"]["name"])
        for i, seed in enumerate((SEED_000, SEED_001, SEED_002))
    ]
    OrganisationFactory(code="XY1", name=load_expected(f"{SEED_003}.json")["organization"]["name"])
    user = MembershipFactory(organisation=orgs[0], user__username="batch_filler").user
    for org in orgs[1:]:
        Membership.objects.create(user=user, organisation=org, role=Membership.Role.FILLER)
    return user


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def seed_json(seed: str) -> bytes:
    return json.dumps(load_expected(f"{seed}.json"), ensure_ascii=False).encode()


def seed_xlsx(seed: str) -> bytes:
    data = load_expected(f"{seed}.json")
    return render_xlsx(data, LAYOUTS_BY_CODE[infer_layout_code(data)])


def zipped(*members: tuple[str, bytes], **options) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content, **options)
    return buffer.getvalue()


def outcomes(batch: ImportBatch) -> dict[str, tuple[str, str]]:
    return {f.name: (f.outcome, f.message) for f in batch.files.order_by("position")}


PROBLEMS = ["Sheet1!C4：“完成时限”一列无法对应到任何字段", "Sheet1!A2：找不到预算年度"]


@pytest.fixture
def needs_confirmation(monkeypatch):
    """Files named *待确认* are read but need a person to confirm their columns (what the recogniser
    says of a form no shipped layout fits); every other file goes through the real import."""
    real = batch_module.import_path

    def import_path(path, *, name=None, **kwargs):
        if "待确认" in (name or ""):
            table = {"organization": {"name": load_expected(f"{SEED_000}.json")["organization"]["name"]}}
            recognised = SimpleNamespace(problems=PROBLEMS, tables=[table])
            raise NeedsConfirmation(f"{name}：没有相近的已有表样，请确认每列的含义", recognised)
        return real(path, name=name, **kwargs)

    monkeypatch.setattr(batch_module, "import_path", import_path)


# ---------------------------------------------------------------- a mixed batch


def test_a_mixed_batch_imports_each_file_on_its_own_and_says_what_became_of_it(filler, needs_confirmation):
    import_document(load_expected(f"{SEED_002}.json"), "002.json")  # the xlsx will update it
    organisations = Organisation.objects.count()
    to_confirm = seed_xlsx(SEED_000)
    files = [
        upload("整体表.json", seed_json(SEED_000)),
        upload("党委办.txt", (SEEDS / f"{SEED_001}.txt").read_bytes()),
        upload("世行办.xlsx", seed_xlsx(SEED_002)),
        upload("坏的.xlsx", b"PK\x03\x04 this is no workbook"),
        upload("说明.doc", b"\xd0\xcf\x11\xe0 an old Word file"),
        upload("外省表格待确认.xlsx", to_confirm),
        upload("别人的表.json", seed_json(SEED_003)),
    ]
    batch = start_batch(filler, files)
    assert batch.status == ImportBatch.Status.QUEUED and (batch.total, batch.done) == (7, 0)

    execute(str(batch.pk))

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and batch.done == 7
    result = outcomes(batch)
    assert result["整体表.json"] == (Outcome.IMPORTED, "导入 1 张表（新建 1 张）")
    assert result["党委办.txt"] == (Outcome.IMPORTED, "导入 1 张表（新建 1 张）")
    assert result["世行办.xlsx"] == (Outcome.IMPORTED, "导入 1 张表（更新 1 张）")
    assert result["坏的.xlsx"][0] == Outcome.REFUSED and result["坏的.xlsx"][1].startswith("坏的.xlsx：")
    unsupported = "说明.doc：不支持的文件类型“.doc”（支持 .json、.txt、.xlsx、.docx、.pdf）"
    assert result["说明.doc"] == (Outcome.REFUSED, unsupported)
    assert result["外省表格待确认.xlsx"][0] == Outcome.NEEDS_CONFIRMATION
    assert "不是您填报的部门（单位）" in result["别人的表.json"][1]
    confirm = batch.files.get(outcome=Outcome.NEEDS_CONFIRMATION)
    assert confirm.problems == PROBLEMS
    # kept for the preview, in the organisation the file names, for the uploader
    assert (confirm.held.user, confirm.held.name) == (filler, "外省表格待确认.xlsx")
    assert confirm.held.organisation.name == load_expected(f"{SEED_000}.json")["organization"]["name"]
    assert bytes(confirm.held.data) == to_confirm
    imported = batch.files.get(name="整体表.json").tables
    table = TargetTable.objects.get(pk=imported[0]["pk"])
    assert imported == [{"pk": table.pk, "title": table.title, "organisation": table.organisation.name, "year": 2022}]
    # Three tables, of the filler's organisations; the refused files left nothing behind.
    assert set(TargetTable.objects.values_list("organisation__name", flat=True)) == {
        load_expected(f"{seed}.json")["organization"]["name"] for seed in (SEED_000, SEED_001, SEED_002)
    }
    assert Organisation.objects.count() == organisations
    assert not batch_dir(batch).exists()  # the uploads are deleted when the batch ends


def test_a_file_that_fails_unexpectedly_is_refused_and_the_others_go_on(filler, monkeypatch):
    real = batch_module.import_path

    def import_path(path, *, name=None, **kwargs):
        if name == "坏.json":
            raise KeyError("layout")
        return real(path, name=name, **kwargs)

    monkeypatch.setattr(batch_module, "import_path", import_path)
    batch = start_batch(filler, [upload("坏.json", seed_json(SEED_000)), upload("好.json", seed_json(SEED_000))])
    execute(str(batch.pk))
    result = outcomes(batch)
    assert result["坏.json"] == (
        Outcome.REFUSED,
        "坏.json：导入时出错（KeyError），未导入；请单独导入此文件查看原因，或联系管理员。",
    )
    assert result["好.json"][0] == Outcome.IMPORTED


def test_a_batch_runs_through_the_database_worker(client, filler, monkeypatch):
    # The worker closes connections whose autocommit differs from the settings, as the test's is.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    client.force_login(filler)
    response = client.post(
        reverse("import-batch-start"),
        {"files": [upload("tables.zip", zipped(("a/整体表.json", seed_json(SEED_000))))]},
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("import-batch", args=[batch.pk])
    body = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in body and "已处理 0/1" in body

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert outcomes(batch) == {"tables.zip/a/整体表.json": (Outcome.IMPORTED, "导入 1 张表（新建 1 张）")}


# ---------------------------------------------------------------- zips are untrusted


def test_a_zip_member_that_is_unsafe_is_refused_with_the_reason_and_the_rest_import(filler):
    archive = zipped(
        ("../../etc/整体表.json", seed_json(SEED_000)),
        ("/abs/整体表.json", seed_json(SEED_000)),
        ("C:/Windows/整体表.json", seed_json(SEED_000)),
        ("inner.zip", zipped(("整体表.json", seed_json(SEED_000)))),
        ("__MACOSX/._整体表.json", b"\x00\x05\x16\x07"),
        ("好/整体表.json", seed_json(SEED_000)),
    )
    batch = start_batch(filler, [upload("上传.zip", archive)])
    result = outcomes(batch)
    assert list(result) == [
        "上传.zip/../../etc/整体表.json",
        "上传.zip//abs/整体表.json",
        "上传.zip/C:/Windows/整体表.json",
        "上传.zip/inner.zip",
        "上传.zip/好/整体表.json",
    ]
    for name in list(result)[:3]:
        assert result[name] == (
            Outcome.REFUSED,
            f"{name}：文件名指向压缩包以外的位置（绝对路径或“..”），可能是恶意压缩包，未导入",
        )
    assert "压缩包中的压缩包不会展开" in result["上传.zip/inner.zip"][1]
    assert (batch.total, batch.done) == (5, 4)
    execute(str(batch.pk))
    assert outcomes(batch)["上传.zip/好/整体表.json"][0] == Outcome.IMPORTED
    assert TargetTable.objects.count() == 1


def test_an_encrypted_member_is_refused():
    # zipfile writes no encryption: set the flag bit (0x1) in both headers of a stored member.
    raw = bytearray(zipped(("secret.json", b"{}"), compress_type=zipfile.ZIP_STORED))
    raw[6] |= 0x1  # the local header's flags
    central = raw.rindex(b"PK\x01\x02")
    raw[central + 8] |= 0x1
    info = zipfile.ZipFile(io.BytesIO(bytes(raw))).infolist()[0]
    assert member_refusal(info, "secret.json") == "文件已加密（设置了密码），无法读取；请解除密码后重新压缩上传"


def test_member_names_are_decoded_as_their_zip_says_gbk_from_windows_utf8_by_the_flag(filler):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("整体表.json", seed_json(SEED_000))  # Python sets the UTF-8 flag for non-ASCII names
    raw = buffer.getvalue()
    gbk_name, utf8_name = "整体表.json".encode("gbk"), "整体表.json".encode()
    assert len(gbk_name) != len(utf8_name)
    # A Windows zip: the name in GBK, without the flag (0x800), as the Explorer and WinRAR write it.
    windows = raw.replace(utf8_name, gbk_name.ljust(len(utf8_name), b" "))
    windows = bytearray(windows)
    windows[7] &= ~0x08  # local header: flag bit 11 is the high byte's 0x08
    central = windows.rindex(b"PK\x01\x02")
    windows[central + 9] &= ~0x08
    info = zipfile.ZipFile(io.BytesIO(bytes(windows))).infolist()[0]
    assert not info.flag_bits & 0x800
    assert member_name(info).rstrip() == "整体表.json"
    flagged = zipfile.ZipFile(io.BytesIO(raw)).infolist()[0]
    assert flagged.flag_bits & 0x800 and member_name(flagged) == "整体表.json"


def test_a_zip_past_the_file_count_or_size_limits_is_refused_whole(filler, settings):
    settings.IMPORT_BATCH_MAX_FILES = 2
    three = zipped(*[(f"{i}.json", b"{}") for i in range(3)])
    with pytest.raises(BatchRefused, match="一次最多导入 2 个文件，这次上传了 3 个"):
        start_batch(filler, [upload("多.zip", three)])
    settings.IMPORT_BATCH_MAX_FILES = 100
    settings.IMPORT_BATCH_MAX_BYTES = 1024 * 1024
    bomb = zipped(("大.txt", b"0" * (2 * 1024 * 1024)))  # 2 MB of zeros, a few KB zipped
    assert len(bomb) < 1024 * 1024
    with pytest.raises(BatchRefused, match=r"解压后共 2\.0 MB，超过上限 1\.0 MB"):
        start_batch(filler, [upload("炸弹.zip", bomb)])
    assert not ImportBatch.objects.exists()


def test_a_zip_listing_far_more_entries_than_files_allowed_is_refused_before_it_is_read(filler, settings, monkeypatch):
    settings.IMPORT_BATCH_MAX_FILES = 2
    many = zipped(*[(f"d{i}/", b"") for i in range(9)])  # 9 folders: more than 4 entries per file allowed
    monkeypatch.setattr(zipfile, "ZipFile", None)  # never opened: the end record's count refuses it
    with pytest.raises(BatchRefused, match="压缩包中有 9 项，一次最多导入 2 个文件"):
        start_batch(filler, [upload("目录.zip", many)])


def test_a_member_whose_header_lies_about_its_size_is_cut_off(filler):
    archive = bytearray(zipped(("整体表.json", seed_json(SEED_000)), compress_type=zipfile.ZIP_STORED))
    central = archive.rindex(b"PK\x01\x02")
    archive[central + 24 : central + 28] = (10).to_bytes(4, "little")  # uncompressed size: 10 bytes
    batch = start_batch(filler, [upload("谎报.zip", bytes(archive))])
    execute(str(batch.pk))
    [(outcome, message)] = outcomes(batch).values()
    assert outcome == Outcome.REFUSED and "解压后的大小或校验值与压缩包记录的不符" in message
    assert not TargetTable.objects.exists()


def test_a_file_that_is_no_zip_and_an_oversized_file_are_refused_at_upload(filler, settings):
    settings.IMPORT_MAX_BYTES = 100
    batch = start_batch(filler, [upload("坏.zip", b"not a zip"), upload("大.json", b" " * 200)])
    assert outcomes(batch) == {
        "坏.zip": (Outcome.REFUSED, "坏.zip：不是有效的 zip 压缩包，或压缩包已损坏"),
        "大.json": (Outcome.REFUSED, "大.json：文件过大（0.0 MB，上限 0 MB）"),
    }
    assert (batch.total, batch.done) == (2, 2)


def test_one_person_has_at_most_so_many_batches_running(filler, settings):
    settings.IMPORT_BATCHES_PER_USER = 1
    start_batch(filler, [upload("a.json", seed_json(SEED_000))])
    with pytest.raises(BatchRefused, match="您已有 1 个批量导入正在排队或进行中"):
        start_batch(filler, [upload("b.json", seed_json(SEED_000))])


# ---------------------------------------------------------------- the pages


def test_the_batch_page_lists_every_file_with_its_outcome_in_constant_queries(
    client, filler, needs_confirmation, django_assert_num_queries
):
    def finished_batch(count: int) -> ImportBatch:
        files = [upload(f"{i}-整体表.json", seed_json(SEED_000)) for i in range(count)]
        files += [upload("外省待确认.xlsx", seed_xlsx(SEED_000)), upload("说明.doc", b"x")]
        batch = start_batch(filler, files)
        execute(str(batch.pk))
        return batch

    client.force_login(filler)
    small, large = finished_batch(1), finished_batch(6)
    client.get(reverse("import-batch", args=[small.pk]))  # the sliding session is saved on the first request
    for batch in (small, large):
        # session, user, batch, files, and the menu's roles and unread notifications
        with django_assert_num_queries(6):
            body = client.get(reverse("import-batch", args=[batch.pk])).content.decode()
    assert "已处理 8/8" in body and "every 1s" not in body
    assert "已导入 <strong>6</strong> 个 · 待确认 <strong>1</strong> 个 · 未导入 <strong>1</strong> 个" in body
    assert "导入 1 张表（更新 1 张）" in body
    table = TargetTable.objects.get()
    assert reverse("table-detail", args=[table.pk]) in body
    held = large.files.get(outcome=Outcome.NEEDS_CONFIRMATION).held
    assert f'href="{reverse("import-preview", args=[held.pk])}">预览并确认' in body
    assert "Sheet1!C4：“完成时限”一列无法对应到任何字段" in body
    assert "说明.doc：不支持的文件类型" in body
    fragment = client.get(reverse("import-batch", args=[large.pk]), headers={"HX-Request": "true"})
    assert (
        fragment.content.decode().lstrip().startswith('<div id="import-batch"')
        and "<html" not in fragment.content.decode()
    )


def ezhou_for(organisation: Organisation, year: int | None = None) -> bytes:
    """Ezhou's project form with a column no field is called (tests/imports/test_preview.py), filled in by
    `organisation`: the import reads it and leaves a person to confirm that column."""
    from tests.builders.forms import form_grid
    from tests.builders.render import to_xlsx
    from tests.imports.test_preview import transcription

    table, layout = transcription(year=year)
    table = {**table, "organization": {"code": None, "name": organisation.name}}
    return to_xlsx(form_grid(table, layout))


def test_a_file_to_confirm_links_to_its_preview_and_a_remembered_mapping_takes_it_straight_through(client, world):
    from tests.imports.test_preview import UNPLACED, mapping_data

    batch = start_batch(world.filler_a, [upload("鄂州2022.xlsx", ezhou_for(world.org_a))])
    execute(str(batch.pk))
    item = batch.files.get()
    assert item.outcome == Outcome.NEEDS_CONFIRMATION and f"“{UNPLACED}”" in item.message
    assert any(f"列“{UNPLACED}”对应不到" in problem for problem in item.problems)
    assert (item.held.user, item.held.organisation) == (world.filler_a, world.org_a)
    link = reverse("import-preview", args=[item.held.pk])

    client.force_login(world.filler_a)
    assert f'href="{link}">预览并确认' in client.get(reverse("import-batch", args=[batch.pk])).content.decode()
    page = client.get(link)
    assert page.status_code == 200 and "办公大楼日常维修维护次数" in page.content.decode()
    for other, status in ((world.filler_b, 404), (world.reviewer_a, 403)):  # another filler; no filler at all
        client.force_login(other)
        assert client.get(link).status_code == status
    client.force_login(world.filler_a)
    confirmed = client.post(reverse("import-confirm", args=[item.held.pk]), mapping_data(page, **{UNPLACED: "-"}))
    table = TargetTable.objects.get(organisation=world.org_a, year=2022)
    assert confirmed["Location"] == reverse("table-detail", args=[table.pk])

    # next year's file of the same shape: the mapping confirmed above fits, so the batch imports it
    batch = start_batch(world.filler_a, [upload("鄂州2023.xlsx", ezhou_for(world.org_a, 2023))])
    execute(str(batch.pk))
    item = batch.files.get()
    following = TargetTable.objects.get(organisation=world.org_a, year=2023)
    assert (item.outcome, item.message) == (Outcome.IMPORTED, "导入 1 张表（新建 1 张），各列按记住的对应导入")
    assert item.held is None and not HeldUpload.objects.exists()
    assert [t["pk"] for t in item.tables] == [following.pk]
    assert not any(UNPLACED in (note or "") for note in following.indicators.values_list("note", flat=True))


def test_a_file_to_confirm_is_held_in_the_organisation_it_names_or_the_only_one_the_uploader_fills(
    client, filler, monkeypatch
):
    def read(*names):
        return SimpleNamespace(problems=[], tables=[{"organization": {"code": None, "name": name}} for name in names])

    named = load_expected(f"{SEED_001}.json")["organization"]["name"]
    assert batch_module.organisation_for(read(named), filler).name == named
    assert batch_module.organisation_for([read("某县财政局"), read(named)], filler).name == named
    assert batch_module.organisation_for(read("某县财政局"), filler) is None  # several it fills, none named
    other = load_expected(f"{SEED_003}.json")["organization"]["name"]
    assert batch_module.organisation_for(read(other), filler) is None  # not one the uploader fills
    single = MembershipFactory(organisation=OrganisationFactory(code="S1", name="单一单位")).user
    assert batch_module.organisation_for(read("某县财政局"), single).name == "单一单位"

    def unknown_organisation(path, *, name=None, **kwargs):
        raise NeedsConfirmation(f"{name}：没有相近的已有表样，请确认每列的含义", read("某县财政局"))

    monkeypatch.setattr(batch_module, "import_path", unknown_organisation)
    batch = start_batch(filler, [upload("外省待确认.xlsx", seed_xlsx(SEED_000))])
    execute(str(batch.pk))
    item = batch.files.get()
    assert item.outcome == Outcome.NEEDS_CONFIRMATION and item.held is None
    assert "请在导入页面选择单位后逐个导入" in item.message and not HeldUpload.objects.exists()
    client.force_login(filler)
    body = client.get(reverse("import-batch", args=[batch.pk])).content.decode()
    assert f'href="{reverse("import-upload")}">逐个导入并确认' in body


def test_the_upload_page_refuses_too_many_files_with_a_message(client, filler, settings):
    settings.IMPORT_BATCH_MAX_FILES = 1
    client.force_login(filler)
    response = client.post(reverse("import-batch-start"), {"files": [upload("a.json", b"{}"), upload("b.json", b"{}")]})
    assert response.status_code == 422 and "一次最多导入 1 个文件，这次上传了 2 个" in response.content.decode()
    assert client.post(reverse("import-batch-start"), {}).status_code == 422
    assert not ImportBatch.objects.exists()


def test_only_fillers_upload_and_only_the_uploader_sees_a_batch(client, world):
    client.force_login(world.reviewer_a)
    assert client.get(reverse("import-batch-start")).status_code == 403
    assert client.post(reverse("import-batch-start"), {"files": [upload("a.json", b"{}")]}).status_code == 403
    batch = start_batch(world.filler_a, [upload("a.json", b"{}")])
    for user, status in ((world.filler_a, 200), (world.filler_b, 404), (world.reviewer_a, 404), (world.admin, 200)):
        client.force_login(user)
        assert client.get(reverse("import-batch", args=[batch.pk])).status_code == status


def test_a_filler_cannot_import_into_another_organisation_through_a_batch(world):
    data = export_table(world.table_b)
    data["indicators"][0]["value"] = "改过"
    batch = start_batch(world.filler_a, [upload("部门B.json", json.dumps(data, ensure_ascii=False).encode())])
    execute(str(batch.pk))
    [(outcome, message)] = outcomes(batch).values()
    assert outcome == Outcome.REFUSED and "文件中的表属于“部门B”，不是您填报的部门（单位），未导入" in message
    assert world.table_b.indicators.order_by("position").first().value != "改过"


# ---------------------------------------------------------------- a worker that died


def test_a_batch_whose_worker_died_goes_on_with_the_files_not_done(filler):
    batch = start_batch(filler, [upload("a.json", seed_json(SEED_000)), upload("b.json", seed_json(SEED_001))])
    first = batch.files.get(position=1)
    batch_module.import_file(batch, first, filler)  # the worker imported one file, then died
    long_ago = timezone.now() - batch_module.STALE_AFTER - timedelta(seconds=1)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING, attempts=1, updated_at=long_ago)

    out = io.StringIO()
    call_command("cleanup_exports", stdout=out)
    assert "已重新排队 1 个中断的批量导入" in out.getvalue()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.QUEUED

    execute(str(batch.pk))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and batch.attempts == 2
    assert [f.outcome for f in batch.files.order_by("position")] == [Outcome.IMPORTED, Outcome.IMPORTED]
    assert TargetTable.objects.count() == 2  # the first file was not imported a second time


def test_a_batch_that_keeps_dying_is_marked_failed(filler):
    batch = start_batch(filler, [upload("a.json", seed_json(SEED_000))])
    long_ago = timezone.now() - batch_module.STALE_AFTER - timedelta(seconds=1)
    attempts = batch_module.MAX_ATTEMPTS
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.RUNNING, attempts=attempts, updated_at=long_ago
    )
    assert batch_module.requeue_stale_batches() == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.error == "导入进程多次中断，已停止；已导入的文件保留，请重新上传其余文件。"
    assert not batch_dir(batch).exists()


# ---------------------------------------------------------------- a form that prints no unit line


def test_a_form_without_a_unit_line_is_imported_for_the_only_organisation_the_uploader_fills(tmp_path, filler):
    content = form_file(tmp_path, "25_Hebei_2019_project.json", "xlsx").read_bytes()
    single = MembershipFactory(organisation=OrganisationFactory(code="S1", name="单一单位")).user
    batch = start_batch(single, [upload("邯郸.xlsx", content)])
    execute(str(batch.pk))
    item = batch.files.get()
    (table,) = TargetTable.objects.all()
    assert (item.outcome, item.message) == (Outcome.IMPORTED, "导入 1 张表（新建 1 张）")
    assert (table.organisation.name, table.year) == ("单一单位", 2019)

    batch = start_batch(filler, [upload("邯郸.xlsx", content)])  # fills three: which one is not said
    execute(str(batch.pk))
    item = batch.files.get()
    assert item.outcome == Outcome.REFUSED
    assert "表上没有单位名称一行" in item.message and "请在导入页面选择单位后逐个导入" in item.message
    assert TargetTable.objects.count() == 1
