"""The import preview (issue 14): a person's column choices, the remembered mapping, the pages.

The files are built from the province transcriptions with `tests.builders`: 04 is Ezhou's 2022
project form, with a `绩效指标` caption column down the side (read as a caption, not a field) and a
`绩效标准` column (read as 指标值确定依据). The files here carry one more column, `责任科室`, that no
form's field is called: the column a person has to place (or ignore) before the file is stored.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators.models import Indicator
from tables.imports import preview
from tables.imports.exchange import ExchangeError
from tables.imports.recognise import read_xlsx, recognise
from tables.imports.recognise.columns import IN_NOTE
from tables.models import HeldUpload, ImportMapping, TargetTable
from tests.builders.forms import form_grid, with_extra_column
from tests.builders.render import to_docx, to_tsv, to_xlsx

PROVINCES = Path(__file__).resolve().parents[1] / "data" / "provinces"
LAYOUT_DATA = Path(__file__).resolve().parents[2] / "tables" / "layout_data"
EZHOU = "04_Hubei_2022_project.json"
UNPLACED = "责任科室"  # the extra column of every file here: it fits no field


def transcription(name: str = EZHOU, year: int | None = None) -> tuple[dict, dict]:
    table = json.loads((PROVINCES / name).read_text(encoding="utf-8"))
    layout = json.loads((LAYOUT_DATA / f"{table['layout_family']}.json").read_text(encoding="utf-8"))
    if year is not None:  # next year's file of the same shape
        table = {**table, "year": year, "title": table["title"].replace(str(table["year"]), str(year))}
    return with_extra_column(table, layout, UNPLACED, ["办公室", "财务科"])


def ezhou_xlsx(year: int | None = None) -> bytes:
    table, layout = transcription(year=year)
    return to_xlsx(form_grid(table, layout))


def by_source(result) -> dict:
    return {column.source: column for column in result.columns}


# ---------------------------------------------------------------- overrides


def test_every_column_has_a_stable_source_key():
    first = recognise(read_xlsx(ezhou_xlsx())[0])
    again = recognise(read_xlsx(ezhou_xlsx(2023))[0])
    assert [c.source for c in first.columns] == [
        "绩效指标",
        "一级指标",
        "二级指标",
        "三级指标",
        "绩效标准",
        "当年预期实现值",
        UNPLACED,
    ]
    assert [c.source for c in again.columns] == [c.source for c in first.columns]


def test_an_override_puts_a_column_in_another_field():
    grid = read_xlsx(ezhou_xlsx())[0]
    assert by_source(recognise(grid))["绩效标准"].key == "basis"
    chosen = recognise(grid, overrides={"绩效标准": "note", UNPLACED: None})
    assert by_source(chosen)["绩效标准"].key == "note" and by_source(chosen)["绩效标准"].chosen
    table, _ = transcription()
    assert any(row.get("basis") for row in table["indicators"])
    assert [row["note"] for row in chosen.tables[0]["indicators"]] == [row.get("basis") for row in table["indicators"]]
    assert not any(row["basis"] for row in chosen.tables[0]["indicators"])


def test_none_ignores_a_column_and_in_note_keeps_it_without_a_problem():
    grid = read_xlsx(ezhou_xlsx())[0]
    plain = recognise(grid)
    assert by_source(plain)["绩效指标"].section == "ignored"  # the caption down the side: no field, no problem
    assert not any("绩效指标" in problem for problem in plain.problems)
    assert by_source(plain)[UNPLACED].key is None  # unplaced: reported, and kept in the note
    assert any(f"列“{UNPLACED}”对应不到" in problem for problem in plain.problems)
    assert all(f"{UNPLACED}：" in row["note"] for row in plain.tables[0]["indicators"])
    ignored = recognise(grid, overrides={UNPLACED: None})
    assert by_source(ignored)[UNPLACED].section == "ignored"
    assert not any(f"{UNPLACED}：" in (row["note"] or "") for row in ignored.tables[0]["indicators"])
    assert not any(UNPLACED in problem for problem in ignored.problems)
    kept = recognise(grid, overrides={UNPLACED: IN_NOTE})
    assert all(f"{UNPLACED}：" in row["note"] for row in kept.tables[0]["indicators"])
    assert not any(UNPLACED in problem for problem in kept.problems)  # a person confirmed it


def test_an_unknown_choice_leaves_the_column_as_its_label_says():
    grid = read_xlsx(ezhou_xlsx())[0]
    result = recognise(grid, overrides={"三级指标": "no_such_field", "一级指标": "budget:no_such"})
    assert by_source(result)["三级指标"].key == "level3" and not by_source(result)["三级指标"].chosen
    assert by_source(result)["一级指标"].key == "level1"


def test_a_second_column_of_the_same_label_is_numbered():
    text = "一级指标\t二级指标\t三级指标\t指标值\t指标值\n产出指标\t数量指标\t培训人数\t100人\t90人\n"
    result = recognise(read_text_grid(f"2024年度项目支出绩效目标表\n项目名称\t培训\n{text}"))
    assert [c.source for c in result.columns][-2:] == ["指标值", "指标值#2"]


def read_text_grid(text: str):
    from tables.imports.recognise import read_text

    return read_text(text)[0]


# ---------------------------------------------------------------- the mapping memory


def test_a_mapping_is_remembered_per_organisation_layout_and_columns(world):
    sources = ["一级指标", "二级指标", "三级指标", "指标值"]
    ImportMapping.objects.create(
        organisation=world.org_a, layout_code="project-88-annual", signature=ImportMapping.signature_of(sources),
        sources=sources, mapping={"指标值": "note"}, confirmed_by=world.filler_a,
    )  # fmt: skip
    found = ImportMapping.objects.remembered(world.org_a, "project-88-annual", list(reversed(sources)))
    assert found is not None and found.mapping == {"指标值": "note"}
    assert ImportMapping.objects.remembered(world.org_b, "project-88-annual", sources) is None
    assert ImportMapping.objects.remembered(world.org_a, "anhui-project-plain", sources) is None
    assert ImportMapping.objects.remembered(world.org_a, "project-88-annual", sources[:3]) is None


def test_storing_remembers_the_mapping_and_the_next_file_goes_straight_through(world):
    held = preview.hold(world.filler_a, world.org_a, "鄂州2022.xlsx", ezhou_xlsx(), None)
    reading, tables = preview.prepare(held, {UNPLACED: None, "绩效标准": "note"}, None)
    stored = preview.store(held, reading, tables, world.filler_a)
    assert [t.organisation for t in stored] == [world.org_a] and stored[0].year == 2022
    remembered = ImportMapping.objects.get(organisation=world.org_a)
    assert remembered.mapping["绩效标准"] == "note" and remembered.mapping[UNPLACED] is None
    assert remembered.mapping["三级指标"] == "level3" and remembered.confirmed_by == world.filler_a
    assert not HeldUpload.objects.exists()

    again = preview.hold(world.filler_a, world.org_a, "鄂州2023.xlsx", ezhou_xlsx(2023), None)
    reading, stored = preview.straight_through(again, world.filler_a)
    assert reading.remembered == remembered and [t.year for t in stored] == [2023]
    table, _ = transcription()
    notes = list(Indicator.objects.filter(table=stored[0]).order_by("position").values_list("note", flat=True))
    assert notes == [row.get("basis") or None for row in table["indicators"]] and any(notes)


def test_without_a_remembered_mapping_nothing_goes_straight_through(world):
    held = preview.hold(world.filler_a, world.org_a, "鄂州2022.xlsx", ezhou_xlsx(), None)
    reading, stored = preview.straight_through(held, world.filler_a)
    assert stored == [] and reading.remembered is None
    assert not TargetTable.objects.filter(organisation=world.org_a, year=2022).exists()


def test_a_remembered_mapping_of_another_organisation_is_not_used(world):
    held = preview.hold(world.filler_b, world.org_b, "鄂州2022.xlsx", ezhou_xlsx(), None)
    reading, tables = preview.prepare(held, {UNPLACED: None}, None)
    preview.store(held, reading, tables, world.filler_b)
    held = preview.hold(world.filler_a, world.org_a, "鄂州2023.xlsx", ezhou_xlsx(2023), None)
    _, stored = preview.straight_through(held, world.filler_a)
    assert stored == []


def test_two_columns_on_one_field_block_the_import(world):
    held = preview.hold(world.filler_a, world.org_a, "鄂州2022.xlsx", ezhou_xlsx(), None)
    reading, _ = preview.prepare(held, {"绩效标准": "level3"}, None)
    assert any("都对应到了" in blocker and "三级指标" in blocker for blocker in reading.blockers)


# ---------------------------------------------------------------- the pages


def upload(client, data: bytes, name: str, org, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile(name, data)
    return client.post(reverse("import-upload"), {"organisation": org.pk, "file": file, **extra})


def mapping_data(response, **changes) -> dict:
    """The preview form's current values, with `changes` ({source: value}) applied."""
    form = response.context["form"]
    data = {"year": form["year"].value() or ""}
    for name, source in form.sources:
        data[name] = changes.get(source, form[name].value())
    return data


def test_the_preview_shows_every_column_its_field_and_every_problem(client, world):
    client.force_login(world.filler_a)
    response = upload(client, ezhou_xlsx(), "鄂州.xlsx", world.org_a)
    held = HeldUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("import-preview", args=[held.pk])
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    for label in ("绩效指标", "一级指标", "三级指标", "绩效标准", "当年预期实现值", UNPLACED):
        assert f"<td>{label}" in html
    assert "忽略此列" in html and "记入备注" in html and "确认导入" in html
    assert f"工作表“绩效目标表”G13：列“{UNPLACED}”对应不到指标的任何一项" in html
    assert "列“绩效指标”对应不到" not in html  # the caption down the side is no column to place
    assert "办公大楼日常维修维护次数" in html and "≥280次" in html and "反映办公大楼全年维修维护情况" in html
    assert not TargetTable.objects.filter(year=2022, organisation=world.org_a).exists()


def test_changing_a_column_re_renders_the_preview_and_changes_the_stored_field(client, world):
    client.force_login(world.filler_a)
    upload(client, ezhou_xlsx(), "鄂州.xlsx", world.org_a)
    held = HeldUpload.objects.get()
    page = client.get(reverse("import-preview", args=[held.pk]))
    data = mapping_data(page, **{"绩效标准": "note", UNPLACED: preview.IGNORE})
    partial = client.post(reverse("import-preview", args=[held.pk]), data, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    html = partial.content.decode()
    assert html.lstrip().startswith('<div id="import-preview">') and "<html" not in html
    assert "指标值说明" in html and "对应不到" not in html
    confirmed = client.post(reverse("import-confirm", args=[held.pk]), data)
    table = TargetTable.objects.get(organisation=world.org_a, year=2022)
    assert confirmed.status_code == 302 and confirmed["Location"] == reverse("table-detail", args=[table.pk])
    source, _ = transcription()
    rows = list(table.indicators.order_by("position").values_list("basis", "note"))
    assert rows == [(None, row.get("basis")) for row in source["indicators"]]
    assert ImportMapping.objects.get(organisation=world.org_a).mapping["绩效标准"] == "note"


def test_next_years_file_goes_straight_through_with_a_message(client, world):
    client.force_login(world.filler_a)
    upload(client, ezhou_xlsx(), "鄂州.xlsx", world.org_a)
    held = HeldUpload.objects.get()
    page = client.get(reverse("import-preview", args=[held.pk]))
    client.post(reverse("import-confirm", args=[held.pk]), mapping_data(page, **{UNPLACED: preview.IGNORE}))
    response = upload(client, ezhou_xlsx(2023), "鄂州2023.xlsx", world.org_a)
    table = TargetTable.objects.get(organisation=world.org_a, year=2023)
    assert response["Location"] == reverse("table-detail", args=[table.pk])
    said = [str(m) for m in response.wsgi_request._messages]
    assert any("按记住的对应" in m and "filler_a" in m for m in said), said
    assert not HeldUpload.objects.exists()


def test_pasted_text_is_previewed_too(client, world):
    client.force_login(world.filler_a)
    table, layout = transcription()
    response = client.post(
        reverse("import-upload"), {"organisation": world.org_a.pk, "text": to_tsv(form_grid(table, layout))}
    )
    held = HeldUpload.objects.get()
    assert response["Location"] == reverse("import-preview", args=[held.pk]) and held.name == preview.PASTED_NAME
    assert "办公大楼日常维修维护次数" in client.get(response["Location"]).content.decode()


def test_another_organisation_can_neither_see_nor_confirm_the_upload(client, world):
    client.force_login(world.filler_a)
    upload(client, ezhou_xlsx(), "鄂州.xlsx", world.org_a)
    held = HeldUpload.objects.get()
    page = client.get(reverse("import-preview", args=[held.pk]))
    data = mapping_data(page)
    for other in (world.filler_b, world.reviewer_a, world.admin):
        client.force_login(other)
        assert client.get(reverse("import-preview", args=[held.pk])).status_code in (403, 404)
        assert client.post(reverse("import-confirm", args=[held.pk]), data).status_code in (403, 404)
        assert client.post(reverse("import-cancel", args=[held.pk])).status_code in (403, 404)
    assert HeldUpload.objects.filter(pk=held.pk).exists()
    assert not TargetTable.objects.filter(year=2022).exists()


def test_a_filler_cannot_upload_for_another_organisation(client, world):
    client.force_login(world.filler_b)
    response = upload(client, ezhou_xlsx(), "鄂州.xlsx", world.org_a)
    assert response.status_code == 422 and not HeldUpload.objects.exists()


def test_a_stale_or_expired_upload_says_so_in_chinese(client, world):
    client.force_login(world.filler_a)
    gone = client.get(reverse("import-preview", args=[uuid.uuid4()]))
    assert gone.status_code == 410 and "这次上传的预览已失效" in gone.content.decode()
    upload(client, ezhou_xlsx(), "鄂州.xlsx", world.org_a)
    held = HeldUpload.objects.get()
    page = client.get(reverse("import-preview", args=[held.pk]))
    HeldUpload.objects.filter(pk=held.pk).update(created_at=timezone.now() - timedelta(hours=25))
    response = client.post(reverse("import-confirm", args=[held.pk]), mapping_data(page))
    assert response.status_code == 410 and "请重新上传文件" in response.content.decode()
    assert not HeldUpload.objects.exists() and not TargetTable.objects.filter(year=2022).exists()


def test_an_existing_table_blocks_the_import_and_a_bad_file_is_named(client, world):
    client.force_login(world.filler_a)
    bad = upload(client, b"not a workbook", "坏文件.xlsx", world.org_a)
    assert bad.status_code == 422 and "坏文件.xlsx：文件不是 xlsx 工作簿" in bad.content.decode()
    upload(client, ezhou_xlsx(world.table_a.year), "鄂州.xlsx", world.org_a, year=world.table_a.year)
    held = HeldUpload.objects.get()
    TargetTable.objects.filter(pk=world.table_a.pk).update(  # the same project: no code, the same name
        kind=TargetTable.Kind.PROJECT, project_code="", project_name=transcription()[0]["project"]["name"]
    )
    page = client.get(reverse("import-preview", args=[held.pk]))
    assert "导入不会覆盖它" in page.content.decode()
    response = client.post(reverse("import-confirm", args=[held.pk]), mapping_data(page))
    assert response.status_code == 422 and HeldUpload.objects.filter(pk=held.pk).exists()


def test_cancel_deletes_the_held_upload(client, world):
    client.force_login(world.filler_a)
    upload(client, ezhou_xlsx(), "鄂州.xlsx", world.org_a)
    held = HeldUpload.objects.get()
    response = client.post(reverse("import-cancel", args=[held.pk]))
    assert response["Location"] == reverse("import-upload") and not HeldUpload.objects.exists()


@pytest.mark.parametrize("persona", ["reviewer_a", "reviewer_b"])
def test_reviewers_cannot_upload(client, world, persona):
    client.force_login(getattr(world, persona))
    assert client.get(reverse("import-upload")).status_code == 403


def test_a_sheet_of_several_projects_is_previewed_as_several_tables(world):
    tables = json.loads((PROVINCES / "90_Ours_2024_project_multi.json").read_text(encoding="utf-8"))
    layout = json.loads((LAYOUT_DATA / f"{tables[0]['layout_family']}.json").read_text(encoding="utf-8"))
    held = preview.hold(world.filler_a, world.org_a, "多项目.xlsx", to_xlsx(form_grid(tables, layout)), None)
    reading, out = preview.prepare(held, None, None)
    assert [table["project"]["name"] for table in out] == [table["project"]["name"] for table in tables]
    name_column = next(column for column in reading.columns if column.source == "项目名称")
    assert preview.options(reading.layout, name_column)[0] == ("header:project_name", "项目名称（每个项目一格）")
    assert preview.choice_of(name_column) == "header:project_name"
    assert reading.blockers == []  # two names without 项目编码: two projects
    stored = preview.store(held, reading, out, world.filler_a)
    assert [table.project_name for table in stored] == [table["project"]["name"] for table in tables]
    assert TargetTable.objects.filter(organisation=world.org_a, year=2024).count() == 2


def test_two_projects_of_one_name_without_code_block_the_preview_naming_both(world):
    tables = json.loads((PROVINCES / "90_Ours_2024_project_multi.json").read_text(encoding="utf-8"))
    layout = json.loads((LAYOUT_DATA / f"{tables[0]['layout_family']}.json").read_text(encoding="utf-8"))
    again = [*tables, tables[0]]  # the first project's rows once more, after the second's
    held = preview.hold(world.filler_a, world.org_a, "多项目.xlsx", to_xlsx(form_grid(again, layout)), None)
    reading, out = preview.prepare(held, None, None)
    assert reading.blockers == [
        f"多项目.xlsx：第 1 张表和第 3 张表的两张表项目名称都是“{tables[0]['project']['name']}”，又都没有项目编码，"
        "同一单位同一年度会存成同一张表：请填写各自的项目编码，或改用不同的项目名称后重新上传。"
    ]
    with pytest.raises(ExchangeError):
        preview.store(held, reading, out, world.filler_a)
    assert not TargetTable.objects.filter(organisation=world.org_a, year=2024).exists()


def test_a_table_without_a_year_waits_for_one(client, world):
    client.force_login(world.filler_a)
    text = (
        "项目支出绩效目标表\n项目名称\t培训\n"
        "一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t培训人数\t100人\n"
    )
    client.post(reverse("import-upload"), {"organisation": world.org_a.pk, "text": text})
    held = HeldUpload.objects.get()
    page = client.get(reverse("import-preview", args=[held.pk]))
    assert "找不到预算年度" in page.content.decode() and page.context["reading"].blockers
    data = {**mapping_data(page), "year": "2031"}
    partial = client.post(reverse("import-preview", args=[held.pk]), data, headers={"HX-Request": "true"})
    assert not partial.context["reading"].blockers and "2031年" in partial.content.decode()
    client.post(reverse("import-confirm", args=[held.pk]), data)
    table = TargetTable.objects.get(organisation=world.org_a, year=2031)
    assert list(table.indicators.values_list("level3", "value")) == [("培训人数", "100人")]


def test_a_word_file_is_previewed_like_the_xlsx_and_an_old_doc_is_named(client, world):
    client.force_login(world.filler_a)
    table, layout = transcription()
    response = upload(client, to_docx(form_grid(table, layout)), "鄂州.docx", world.org_a)
    held = HeldUpload.objects.get()
    reading, _ = preview.prepare(held, None, None)
    from_xlsx = preview.read_held("鄂州.xlsx", ezhou_xlsx())
    assert reading.sources == from_xlsx.sources
    assert reading.tables[0]["indicators"] == from_xlsx.tables[0]["indicators"]
    assert "办公大楼日常维修维护次数" in client.get(response["Location"]).content.decode()
    old = upload(client, b"\xd0\xcf\x11\xe0old word", "旧文件.doc", world.org_a)
    assert old.status_code == 422 and "旧文件.doc：不支持的文件类型“.doc”" in old.content.decode()


def test_a_remembered_mapping_can_be_previewed_and_changed_again(client, world):
    client.force_login(world.filler_a)
    upload(client, ezhou_xlsx(), "鄂州.xlsx", world.org_a)
    held = HeldUpload.objects.get()
    page = client.get(reverse("import-preview", args=[held.pk]))
    client.post(reverse("import-confirm", args=[held.pk]), mapping_data(page, **{UNPLACED: preview.IGNORE}))
    response = upload(client, ezhou_xlsx(2023), "鄂州2023.xlsx", world.org_a, always_preview="on")
    held = HeldUpload.objects.get()
    assert response["Location"] == reverse("import-preview", args=[held.pk])
    page = client.get(response["Location"])
    assert page.context["reading"].remembered is not None and "已按记住的列对应读取" in page.content.decode()
    form = page.context["form"]
    [field] = [name for name, source in form.sources if source == UNPLACED]
    assert form[field].value() == preview.IGNORE  # the remembered choice, shown
    client.post(reverse("import-confirm", args=[held.pk]), mapping_data(page, **{"绩效标准": "note"}))
    assert ImportMapping.objects.get(organisation=world.org_a).mapping["绩效标准"] == "note"
    assert TargetTable.objects.filter(organisation=world.org_a, year=2023).exists()


def test_the_admin_lists_remembered_mappings(client, world):
    from tests.factories import UserFactory

    held = preview.hold(world.filler_a, world.org_a, "鄂州.xlsx", ezhou_xlsx())
    reading, tables = preview.prepare(held, None, None)
    preview.store(held, reading, tables, world.filler_a)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:tables_importmapping_changelist"))
    assert page.status_code == 200 and "部门A" in page.content.decode()


def test_a_file_over_the_limit_is_refused_and_a_second_confirmation_finds_the_preview_gone(client, world, settings):
    client.force_login(world.filler_a)
    upload(client, ezhou_xlsx(), "鄂州.xlsx", world.org_a)
    held = HeldUpload.objects.get()
    page = client.get(reverse("import-preview", args=[held.pk]))
    data = mapping_data(page)
    assert client.post(reverse("import-confirm", args=[held.pk]), data).status_code == 302
    again = client.post(reverse("import-confirm", args=[held.pk]), data)
    assert again.status_code == 410 and "这次上传的预览已失效" in again.content.decode()
    assert TargetTable.objects.filter(organisation=world.org_a, year=2022).count() == 1
    settings.IMPORT_MAX_BYTES = 1000
    big = upload(client, ezhou_xlsx(2023), "大文件.xlsx", world.org_a)
    assert big.status_code == 422 and "大文件.xlsx：文件过大" in big.content.decode()
    assert not HeldUpload.objects.exists()
