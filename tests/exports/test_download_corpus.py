"""Every download, with names holding what a probe would type: controls, header syntax, very long
text, emoji, bidi overrides. Each gives 200, a Content-Disposition a browser and gunicorn accept,
and a file that opens (issue 18, item 6 and the corpus of "What to build").

Names reach the database raw (SQL, around NameField's cleaning), as data stored before names were
cleaned would: the file-name function alone must make them safe. Snapshots keep the raw title in
their frozen data as well.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from urllib.parse import unquote

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from tables.exports.jobs import execute, start_job
from tables.imports.exchange import export_table
from tables.models import ExportJob, Layout, Organisation, OverallGoal, Round, RoundOrganisation, Snapshot, TargetTable
from tests.factories import layout, table_with_rows

pytestmark = pytest.mark.django_db

C0 = "".join(chr(c) for c in range(0x01, 0x20))  # NUL is refused on the way in (PostgreSQL cannot store it)
CORPUS = {
    "c0": f"标题{C0}尾",
    "del-c1": "标题\x7f" + "".join(chr(c) for c in range(0x80, 0xA0)) + "尾",
    "crlf": "标题\r\nSet-Cookie: sid=1\r\n\r\n<html>",
    "quotes": '标题"\'`\\"',
    "header-syntax": "标题; filename=\"evil.exe\"; filename*=UTF-8''evil.exe",
    "long": "很长的标题" * 55,
    "emoji": "标题😀👍🏽🇨🇳",
    "rtl": "标题\u202efdp.exe\u202c",
}
CONTROLS = {chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}


def _raw_update(model, pk: int, **values) -> None:
    """Store values as they are, the way rows written before NameField hold them."""
    table = connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(k)} = %s" for k in values)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {sets} WHERE id = %s", [*values.values(), pk])


@pytest.fixture(params=list(CORPUS), ids=list(CORPUS))
def named(request, world):
    """Department A, its table, round, booklet and layout named with one corpus entry."""
    return _name_everything(world, CORPUS[request.param])


def _name_everything(world, text: str):
    round_ = Round.objects.create(title="2026年", year=2026, layout=layout())
    RoundOrganisation.objects.create(round=round_, organisation=world.org_a)
    TargetTable.objects.filter(pk=world.table_a.pk).update(round=round_, status=TargetTable.Status.APPROVED)
    project = table_with_rows(
        world.org_a, indicators=1, tasks=0, kind=TargetTable.Kind.PROJECT, layout=layout("hebei-2023-project")
    )
    overall = OverallGoal.objects.create(organisation=world.org_a, year=2026, goal="目标")
    _raw_update(TargetTable, world.table_a.pk, title=text[:300])
    _raw_update(TargetTable, project.pk, project_name=text[:300], title=text[:300])
    _raw_update(Organisation, world.org_a.pk, name=text[:200])
    _raw_update(Round, round_.pk, title=text[:200])
    table = TargetTable.objects.get(pk=world.table_a.pk)
    snapshot = Snapshot.objects.create(
        table=table, number=1, table_version=table.version, data=export_table(table), submitted_by=world.filler_a
    )
    layout_obj = Layout.objects.get(code="xinjiang-2022-dept")
    _raw_update(Layout, layout_obj.pk, name=text[:100])
    return {"table": table, "round": round_, "overall": overall, "snapshot": snapshot, "layout": layout_obj}


# attachment, then filename="ascii" and/or filename*=UTF-8''percent-encoded (RFC 6266), nothing else.
DISPOSITION = re.compile(
    r"""attachment(?:; filename="([ -!#-~]*)")?(?:; filename\*=utf-8''([A-Za-z0-9%._~-]+))?""", re.I
)


def _attachment_name(response) -> str:
    """The file name a browser takes from the response, after checking every header is clean."""
    for header, value in response.items():
        assert value.isascii() and value.isprintable(), (header, value)
    match = DISPOSITION.fullmatch(response["Content-Disposition"])
    assert match and (match[1] or match[2]), response["Content-Disposition"]
    names = [name for name in (match[1], unquote(match[2] or "")) if name]
    for name in names:
        assert not CONTROLS & set(name) and not set(name) & set('\\/:*?"<>|'), name
        assert "\u202e" not in name and len(name) <= 150 and not name.startswith(".")
    assert len({name.rpartition(".")[2] for name in names}) == 1  # both carry the same extension
    return names[-1]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _assert_xlsx(body: bytes) -> None:
    book = openpyxl.load_workbook(io.BytesIO(body))
    assert any(ws.sheet_state == "visible" for ws in book.worksheets)


def _get(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def test_table_downloads_with_any_title(client, world, named):
    table = named["table"]
    xlsx = _get(client, world.filler_a, reverse("table-download", args=[table.pk, "xlsx"]))
    assert _attachment_name(xlsx).endswith(".xlsx")
    _assert_xlsx(xlsx.content)
    data = _get(client, world.filler_a, reverse("table-json", args=[table.pk]))
    assert _attachment_name(data).endswith(".json")
    assert json.loads(data.content)["title"] == table.title


def test_booklet_and_snapshot_download_with_any_name(client, world, named):
    booklet = _get(client, world.filler_a, reverse("booklet-download", args=[named["overall"].pk, "xlsx"]))
    assert _attachment_name(booklet).endswith(".xlsx")
    _assert_xlsx(booklet.content)
    snapshot = _get(client, world.reviewer_a, reverse("review-snapshot-json", args=[named["snapshot"].pk]))
    assert _attachment_name(snapshot).endswith(".json")
    assert json.loads(snapshot.content)["title"] == named["table"].title


def test_dashboard_and_templates_download_with_any_name(client, world, named):
    dashboard = _get(client, world.admin, reverse("review-dashboard-xlsx", args=[named["round"].pk]))
    assert _attachment_name(dashboard).endswith(".xlsx")
    _assert_xlsx(dashboard.content)
    blank = _get(client, world.filler_a, reverse("blank-template", args=[named["layout"].code]))
    assert _attachment_name(blank).endswith(".xlsx")
    _assert_xlsx(blank.content)
    accounts = _get(client, world.admin, reverse("review-accounts-template"))
    assert _attachment_name(accounts).endswith(".xlsx")
    _assert_xlsx(accounts.content)


def test_bulk_zip_downloads_with_any_name(client, world, named, settings, tmp_path, monkeypatch):
    from tables.exports import bulk

    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(bulk, "_rendered", lambda items, workers: ((item, b"%PDF-1.7 stub") for item in items))
    job = start_job(world.filler_a, round_=named["round"], filters={"statuses": [TargetTable.Status.APPROVED]})
    execute(str(job.pk))
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.DONE
    response = _get(client, world.filler_a, reverse("export-download", args=[job.pk]))
    assert _attachment_name(response).endswith(".zip")
    archive = zipfile.ZipFile(io.BytesIO(_body(response)))
    assert archive.testzip() is None
    for member in archive.namelist():
        assert not CONTROLS & set(member) and "/" not in member and "\u202e" not in member
    _assert_xlsx(archive.read(bulk.WORKBOOK_NAME))


@pytest.mark.pdf
def test_pdf_downloads_with_every_corpus_entry_at_once(client, world):
    """PDFs are slow: one small table named with the whole corpus, through each PDF download."""
    named = _name_everything(world, "".join(CORPUS[k] for k in CORPUS if k != "long")[:200])
    urls = [
        (world.filler_a, reverse("table-download", args=[named["table"].pk, "pdf"])),
        (world.filler_a, reverse("booklet-download", args=[named["overall"].pk, "pdf"])),
        (world.reviewer_a, reverse("review-snapshot-pdf", args=[named["snapshot"].pk])),
    ]
    for user, url in urls:
        response = _get(client, user, url)
        assert _attachment_name(response).endswith(".pdf")
        assert response.content.startswith(b"%PDF-")
