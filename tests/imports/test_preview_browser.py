"""The import preview in a real browser (issue 14): a filler uploads Ezhou's 2022 project form as
xlsx (built from the transcription by `tests.builders`), sees the preview, puts the `绩效标准`
column into 指标值说明 and ignores the caption column, confirms, and finds the table stored so;
next year's file of the same shape then goes straight through. The preview's screenshot goes to
test-artifacts/ and, under `make screenshots`, to docs/screenshots/import-preview.png."""

from __future__ import annotations

import os
import shutil

import pytest

from tables.models import ImportMapping, TargetTable
from tests.conftest import chromium_page
from tests.editor.test_editor_browser import ARTIFACTS, DOCS, log_in
from tests.imports.test_preview import UNPLACED, ezhou_xlsx, transcription

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _reference(reference_tables):
    """The shipped layouts are back after the previous test's flush (tests/conftest.py)."""


@pytest.fixture
def page():
    with chromium_page() as page:
        yield page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS"):  # make screenshots
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / f"{name}.png")


def upload(page, base: str, name: str, data: bytes) -> None:
    page.goto(f"{base}/imports/")
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": XLSX, "buffer": data}])
    page.click("#import-upload-submit")


def choose(page, source: str, value: str) -> None:
    """Change one column's field; the preview comes back over htmx with the choice in place."""
    select = page.locator(f'#import-columns tr[data-source="{source}"] select')
    with page.expect_response(lambda response: response.request.method == "POST"):
        select.select_option(value)
    page.locator(f'#import-columns tr[data-source="{source}"] select option[value="{value}"]:checked').wait_for(
        state="attached"
    )


def test_a_province_file_is_previewed_remapped_confirmed_and_next_year_goes_straight_through(live_server, page, world):
    base = live_server.url
    log_in(page, base, "filler_a")
    upload(page, base, "鄂州市2022年项目支出绩效目标表.xlsx", ezhou_xlsx())
    page.wait_for_url("**/imports/*/")
    page.locator("#import-problems", has_text=f"列“{UNPLACED}”对应不到指标的任何一项").wait_for()
    page.locator(".import-indicators", has_text="办公大楼日常维修维护次数").wait_for()
    assert not TargetTable.objects.filter(organisation=world.org_a).exclude(pk=world.table_a.pk).exists()

    choose(page, "绩效标准", "note")
    choose(page, UNPLACED, "-")
    page.locator(".import-indicators th", has_text="指标值说明").wait_for()
    assert page.locator("#import-problems").count() == 0
    shot(page, "import-preview")

    page.click("#import-confirm")
    page.wait_for_url("**/tables/*/")
    table = TargetTable.objects.get(organisation=world.org_a, year=2022)
    source, _ = transcription()
    stored = list(table.indicators.order_by("position").values_list("level3", "basis", "note"))
    assert stored == [(row["level3"], None, row.get("basis")) for row in source["indicators"]]
    assert ImportMapping.objects.get(organisation=world.org_a).mapping["绩效标准"] == "note"

    upload(page, base, "鄂州市2023年项目支出绩效目标表.xlsx", ezhou_xlsx(2023))
    page.wait_for_url("**/tables/*/")
    page.locator("#messages", has_text="各列按记住的对应").wait_for()
    following = TargetTable.objects.get(organisation=world.org_a, year=2023)
    assert page.url.endswith(f"/tables/{following.pk}/")
    notes = list(following.indicators.order_by("position").values_list("note", flat=True))
    assert notes == [row.get("basis") for row in source["indicators"]]
