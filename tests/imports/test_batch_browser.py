"""Batch import in a real browser: choose a zip and a file, watch the page fill in as the worker imports them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tables.imports.batch.jobs import execute
from tables.models import ImportBatch, Membership
from tests.conftest import chromium_page, load_expected
from tests.factories import MembershipFactory, OrganisationFactory
from tests.imports.test_batch import SEED_000, SEED_001, seed_json, zipped

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _reference(reference_tables):
    """Schemes, layouts and catalog are back after the previous test's flush (tests/conftest.py)."""


@pytest.fixture
def page():
    with chromium_page(1300, 900) as page:
        yield page


def test_a_filler_uploads_a_zip_and_a_file_and_reads_what_became_of_each(live_server, page):
    names = [load_expected(f"{seed}.json")["organization"]["name"] for seed in (SEED_000, SEED_001)]
    filler = MembershipFactory(organisation=OrganisationFactory(code="BZ0", name=names[0]), user__username="bf").user
    Membership.objects.create(
        user=filler, organisation=OrganisationFactory(code="BZ1", name=names[1]), role=Membership.Role.FILLER
    )
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "bf")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.goto(base + reverse("home"))
    page.get_by_role("link", name="批量导入").click()
    archive = zipped(("表/整体表.json", seed_json(SEED_000)), ("表/说明.doc", b"not a table"))
    page.get_by_label("文件（可多选，或一个 zip 压缩包）").set_input_files(
        [
            {"name": "两个文件.zip", "mimeType": "application/zip", "buffer": archive},
            {"name": "党委办.json", "mimeType": "application/json", "buffer": seed_json(SEED_001)},
        ]
    )
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_url(lambda url: "/imports/batch/" in url and url.rstrip("/").split("/")[-1] != "batch")
    page.get_by_text("已处理 0/3").wait_for()
    assert page.get_by_text("等待导入 3 个").is_visible()

    execute(str(ImportBatch.objects.get().pk))  # the worker, here in the test's thread

    page.get_by_text("状态：已完成").wait_for()  # the page polls every second
    assert page.get_by_text("已处理 3/3").is_visible()
    rows = page.locator("#import-batch tbody tr")
    assert rows.count() == 3
    assert "已导入" in rows.nth(0).inner_text() and "新建 1 张" in rows.nth(0).inner_text()
    assert "未导入" in rows.nth(1).inner_text() and "不支持的文件类型" in rows.nth(1).inner_text()
    assert "已导入" in rows.nth(2).inner_text()
    rows.nth(0).get_by_role("link").click()
    page.wait_for_url(lambda url: "/tables/" in url)
    assert names[0] in page.content()
