"""The library's pages: anyone signed in browses and searches it; the bureau admin imports an edition
(upload → preview → 确认导入, atomic, in the admin log); `manage.py import_library`."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from indicators.models import CatalogEntry, LibraryEdition, LibraryField
from tables.models import HeldUpload
from tests.builders.library import library_rows, library_workbook

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("library_of_its_own")]
HTMX = {"HX-Request": "true"}


def upload(client, data: bytes, name: str = "指标库.xlsx"):
    return client.post(reverse("library-import"), {"file": SimpleUploadedFile(name, data)})


@pytest.fixture
def entries():
    field = LibraryField.objects.create(code="205", name="教育支出")
    CatalogEntry.objects.create(
        field=field, level1="产出指标", level2="数量指标", level3="学生资助覆盖率", origin="workbook",
        definition="获得资助的学生比例", value="≥95%", unit="%", direction="正向",
    )  # fmt: skip
    return field


def test_a_filler_browses_the_library_with_its_tree_and_origin_badges(client, world, entries):
    client.force_login(world.filler_a)
    body = client.get(reverse("library")).content.decode()
    assert 'id="library-tree"' in body and "教育支出" in body
    assert "学生资助覆盖率" in body and "获得资助的学生比例" in body and "≥95%" in body
    assert "指标库导入" in body and "本系统编写" in body  # the shipped examples are the project's own
    assert "导入指标库" not in body  # the import is the bureau admin's
    assert 'id="nav-library"' in body


def test_the_search_as_you_type_answers_with_the_results_fragment(client, world, entries):
    client.force_login(world.filler_a)
    response = client.get(reverse("library"), {"q": "资助"}, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and 'id="library-results"' in body
    assert "学生资助覆盖率" in body and "找到 1 条" in body


def test_the_tree_filters_by_a_field_and_its_sub_fields(client, world, entries):
    client.force_login(world.filler_a)
    body = client.get(reverse("library"), {"field": entries.pk}).content.decode()
    assert "学生资助覆盖率" in body and "满意度" not in body.split('id="library-results"')[1]


def test_the_old_catalog_address_opens_the_library_with_the_search_kept(client, world):
    client.force_login(world.filler_a)
    response = client.get(reverse("editor-catalog"), {"q": "满意度"})
    assert response.status_code == 302 and response["Location"] == reverse("library") + "?q=%E6%BB%A1%E6%84%8F%E5%BA%A6"


def test_the_admin_imports_an_edition_through_its_preview(client, world):
    client.force_login(world.admin)
    response = upload(client, library_workbook(library_rows(60)))
    held = HeldUpload.objects.get(user=world.admin)
    assert response.status_code == 302 and response["Location"] == reverse("library-import-preview", args=[held.pk])

    body = client.get(response["Location"]).content.decode()
    assert 'id="count-added">60<' in body and 'id="count-retired">0<' in body
    assert "指标库 第 5 行" in body and "确认导入" in body
    assert not CatalogEntry.objects.filter(origin="workbook").exists()

    response = client.post(reverse("library-import-confirm", args=[held.pk]), {"name": "某省2025年版"})

    assert response.status_code == 302 and response["Location"] == reverse("library")
    edition = LibraryEdition.objects.get()
    assert (edition.name, edition.added, edition.imported_by) == ("某省2025年版", 60, world.admin)
    assert CatalogEntry.objects.filter(origin="workbook", edition=edition).count() == 60
    assert not HeldUpload.objects.exists()
    log = LogEntry.objects.get(object_id=str(edition.pk))
    assert log.user == world.admin and "新增 60 条" in log.change_message


def test_a_preview_with_errors_names_the_cells_and_offers_no_confirmation(client, world):
    book = openpyxl.Workbook()
    for row in [["一级指标", "三级指标", "指标解释"], ["产出指标", None, "没有名称"]]:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    client.force_login(world.admin)
    response = client.get(upload(client, out.getvalue())["Location"])
    body = response.content.decode()
    assert "Sheet!B2：三级指标（指标名称）是空的" in body and 'id="library-confirm"' not in body
    held = HeldUpload.objects.get()
    assert client.post(reverse("library-import-confirm", args=[held.pk]), {"name": "x"}).status_code == 422
    assert not LibraryEdition.objects.exists()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"not a workbook", "库.xlsx", "库.xlsx：文件不是 xlsx 工作簿"),
        (b"a,b\n1,2\n", "库.csv", "库.csv：指标库请上传 Excel/WPS 保存的 .xlsx 工作簿"),
        (b"", "库.xlsx", "所提交的是空文件"),  # the form refuses it first
    ],
)
def test_a_file_that_is_no_library_workbook_is_refused_at_upload(client, world, data, name, message):
    client.force_login(world.admin)
    response = upload(client, data, name)
    assert response.status_code == 422 and message in response.content.decode()
    assert not HeldUpload.objects.exists()


def test_a_workbook_without_a_header_is_refused_at_upload(client, world):
    book = openpyxl.Workbook()
    book.active.append(["项目", "金额"])
    out = io.BytesIO()
    book.save(out)
    client.force_login(world.admin)
    response = upload(client, out.getvalue())
    assert response.status_code == 422 and "指标库.xlsx：没有找到表头" in response.content.decode()


def test_a_formula_without_a_saved_result_is_refused_naming_its_cell(client, world):
    book = openpyxl.Workbook()
    book.active.append(["三级指标", "指标解释", "参考指标值"])
    book.active.append(["完成率", "完成的比例", "=1+1"])
    out = io.BytesIO()
    book.save(out)
    client.force_login(world.admin)
    body = upload(client, out.getvalue()).content.decode()
    assert "Sheet!C2：是公式" in body


def test_another_admins_held_upload_is_gone_for_this_one(client, world):
    held = HeldUpload.objects.create(
        user=world.admin, organisation=None, name="库.xlsx", data=library_workbook(library_rows(3))
    )
    other = type(world.admin).objects.create(username="second_admin", is_superuser=True)
    client.force_login(other)
    response = client.get(reverse("library-import-preview", args=[held.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("library-import")
    assert HeldUpload.objects.filter(pk=held.pk).exists()


def test_a_table_import_preview_does_not_open_a_held_library(client, world):
    held = HeldUpload.objects.create(
        user=world.admin, organisation=None, name="库.xlsx", data=library_workbook(library_rows(3))
    )
    client.force_login(world.admin)
    assert client.get(reverse("import-preview", args=[held.pk])).status_code == 403


def test_the_command_previews_with_dry_run_and_imports_without(tmp_path, capsys):
    path = tmp_path / "省指标库.xlsx"
    path.write_bytes(library_workbook(library_rows(40)))

    call_command("import_library", str(path), "--dry-run")
    assert "读取 40 条；新增 40 条" in capsys.readouterr().out
    assert not LibraryEdition.objects.exists()

    call_command("import_library", str(path), "--name", "2025年版")
    assert "新增 40 条" in capsys.readouterr().out
    assert LibraryEdition.objects.get().name == "2025年版"
    assert CatalogEntry.objects.filter(origin="workbook").count() == 40


def test_the_command_refuses_a_bad_file_naming_it(tmp_path):
    path = tmp_path / "坏.xlsx"
    path.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(CommandError, match=r"坏\.xlsx：xlsx 文件已损坏"):
        call_command("import_library", str(path))


def test_the_search_fragment_reads_a_fixed_number_of_queries(client, world, entries, django_assert_num_queries):
    for n in range(30):
        CatalogEntry.objects.create(field=entries, level1="产出指标", level2="数量指标", level3=f"资助人数{n}")
    client.force_login(world.filler_a)
    # session, user, the page's count, its entries with field and edition; the sliding session's save (3)
    with django_assert_num_queries(7):
        response = client.get(reverse("library"), {"q": "资助"}, headers=HTMX)
    assert response.content.decode().count('class="library-entry') == 31


def test_a_file_over_the_import_limit_is_refused_naming_the_limit(client, world, settings):
    settings.IMPORT_MAX_BYTES = 2 * 1024 * 1024
    client.force_login(world.admin)
    response = upload(client, b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024 + 10))
    assert response.status_code == 422 and "指标库.xlsx：文件过大" in response.content.decode()
    assert not HeldUpload.objects.exists()
