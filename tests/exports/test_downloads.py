"""Official-form downloads from the web UI: each checks who may see the table."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from tables.imports.exchange import import_document
from tables.models import OverallGoal, TargetTable
from tests.conftest import load_expected

pytestmark = pytest.mark.django_db


def test_table_downloads_as_xlsx_with_values_as_text(client, world):
    import_document(load_expected("000_db0fda59e4eac40f.json"), "000.json")
    table = TargetTable.objects.get(organisation__name="新疆巴州财政局")
    client.force_login(world.admin)
    response = client.get(reverse("table-download", args=[table.pk, "xlsx"]))
    assert response.status_code == 200
    assert "filename*=UTF-8''2022-" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = next(ws for ws in book.worksheets if ws.sheet_state == "visible")
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "=83人" in values


@pytest.mark.pdf
def test_table_downloads_as_pdf(client, world):
    client.force_login(world.filler_a)
    response = client.get(reverse("table-download", args=[world.table_a.pk, "pdf"]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_downloads_of_another_organisations_table_are_404(client, world):
    client.force_login(world.filler_a)
    for fmt in ("pdf", "xlsx"):
        assert client.get(reverse("table-download", args=[world.table_b.pk, fmt])).status_code == 404


def test_unknown_format_is_404(client, world):
    client.force_login(world.admin)
    assert client.get(f"/tables/{world.table_a.pk}/export.docx").status_code == 404


def test_booklet_xlsx_downloads_for_its_department_only(client, world):
    import_document(load_expected("004_23c08299ad075e9a.json"), "004.json")
    # The bureau's booklet holds what was handed in (tests/exports/test_exports_security.py: who gets which states).
    TargetTable.objects.update(status=TargetTable.Status.SUBMITTED)
    overall = OverallGoal.objects.get()
    client.force_login(world.filler_a)
    assert client.get(reverse("booklet-download", args=[overall.pk, "xlsx"])).status_code == 404
    assert client.get(reverse("booklets")).context["page"].paginator.count == 0
    client.force_login(world.admin)
    response = client.get(reverse("booklet-download", args=[overall.pk, "xlsx"]))
    assert response.status_code == 200
    assert len(openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames) >= 24


def test_blank_template_downloads(client, world):
    client.force_login(world.filler_a)
    response = client.get(reverse("blank-template", args=["hebei-2023-project"]))
    assert response.status_code == 200
    assert client.get(reverse("blank-template", args=["no-such-layout"])).status_code == 404
