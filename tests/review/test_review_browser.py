"""The review cycle in a real browser: submit, comment on two rows and return, see the comments,
fix, resubmit, see the diff, approve, locked. Screenshots go to test-artifacts/ (and a few to
docs/screenshots/review-*.png)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from django.db import connections

from tables.models import Comment, Snapshot, TargetTable
from tests.conftest import launched_chromium

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DOCS = ROOT / "docs" / "screenshots"
PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory

pytestmark = [
    pytest.mark.browser,
]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def browser():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
    connections.close_all()  # the connection opened in Playwright's loop context


def shot(page, name: str, *, docs: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"review-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs and os.environ.get("UPDATE_SCREENSHOTS"):  # make screenshots
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / f"review-{name}.png")


def log_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def wait_until(check, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def comment_on_row(page, dom_id: str, text: str) -> None:
    """Click a row of the printed table (the form picks it) and write the comment."""
    page.locator(f".commentable tr#{dom_id} td").last.click()
    page.fill("#id_body", text)
    page.click(".comment-form button[type=submit]")
    page.locator(".comment-thread", has_text=text).wait_for()


def fix_in_the_editor(page, base: str, table: TargetTable, row_pk: int, value: str) -> None:
    """Change one indicator value in the editor's grid (saved on change, by htmx)."""
    page.goto(f"{base}/edit/{table.pk}/indicators/")
    cell = page.locator(f"tr[data-row-id='{row_pk}'] input[name=value]")
    cell.fill(value)
    cell.press("Tab")


@pytest.mark.django_db(transaction=True)
def test_the_whole_review_cycle_in_the_browser(reference_tables, live_server, world, page):
    base = live_server.url
    table = world.table_a
    rows = list(table.indicators.order_by("position"))

    # The filler submits.
    log_in(page, base, "filler_a")
    page.goto(f"{base}{table.get_absolute_url()}")
    shot(page, "01-draft")
    page.click("#submit button[type=submit]")
    page.get_by_text("已提交（第 1 次）").first.wait_for()
    assert TargetTable.objects.get(pk=table.pk).status == "submitted"

    # The reviewer opens it from the queue, comments on two indicator rows and returns it.
    log_in(page, base, "reviewer_a")
    page.goto(f"{base}/review/")
    shot(page, "02-queue", docs=True)
    page.click(f"a[href='/review/tables/{table.pk}/']")
    page.wait_for_url(f"**/review/tables/{table.pk}/")
    comment_on_row(page, "indicator-1", "完成率目标偏低，请参照上年实际提高。")
    comment_on_row(page, "indicator-3", "效益指标请量化。")
    assert Comment.objects.filter(table=table).count() == 2
    assert {c.row_id for c in Comment.objects.all()} == {rows[0].pk, rows[2].pk}
    shot(page, "03-comments", docs=True)
    page.fill("#id_return_reason", "两项指标需修改后重新提交。")
    page.click(".return-form button[type=submit]")
    page.get_by_text("已退回填报人修改").wait_for()
    assert TargetTable.objects.get(pk=table.pk).status == "returned"

    # The filler sees the comments next to the rows (and a notification), fixes and resubmits.
    log_in(page, base, "filler_a")
    assert page.locator("#nav-notifications .badge").inner_text() == "1"
    page.goto(f"{base}{table.get_absolute_url()}")
    page.locator("tr#indicator-1 .comment-badge").wait_for()
    assert page.locator("tr#indicator-3 .comment-badge").inner_text() == "批注 1"
    assert page.locator(".comment-thread").count() == 2
    shot(page, "04-filler-sees-comments", docs=True)

    fix_in_the_editor(page, base, table, rows[0].pk, "≥98%")
    wait_until(lambda: table.indicators.get(pk=rows[0].pk).value == "≥98%")
    page.goto(f"{base}{table.get_absolute_url()}")
    thread = page.locator(".comment-thread").first
    thread.locator("textarea[name=body]").fill("已按上年实际调整为≥98%。")
    thread.locator("button", has_text="回复").click()
    page.get_by_text("已按上年实际调整为≥98%。").wait_for()
    page.click("#submit button[type=submit]")
    page.get_by_text("已提交（第 2 次）").first.wait_for()
    assert Snapshot.objects.filter(table=table).count() == 2

    # The reviewer sees what changed since the return and approves.
    log_in(page, base, "reviewer_a")
    page.goto(f"{base}/review/tables/{table.pk}/")
    diff = page.locator("#diff")
    diff.get_by_text("≥98%").wait_for()
    assert "≥95%" in diff.inner_text()
    shot(page, "05-diff", docs=True)
    for stem in ("completeness", "relevance", "appropriateness", "feasibility"):
        page.check(f"input[name={stem}_passed][value='1']")
    page.fill("input[name=feasibility_remark]", "目标可实现")
    page.fill("#id_approve_opinion", "目标明确，指标量化，同意批复。")
    page.select_option("#id_grade", "良")
    # The two comments are still open: approving asks first, then resolves them (issue 11).
    assert "还有 2 条批注未解决" in page.locator(".approve-form").inner_text()
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.click(".approve-form button[type=submit]")
    page.get_by_text("已批复，表格已锁定").wait_for()
    assert dialogs == ["还有 2 条批注未解决，批复后将一并标为已解决。确定批复吗？"]
    assert not Comment.objects.filter(table=table, parent__isnull=True, resolved=False).exists()
    shot(page, "06-approved")

    # Locked: the filler can neither submit nor edit.
    log_in(page, base, "filler_a")
    page.goto(f"{base}{table.get_absolute_url()}")
    assert page.locator("#submit").count() == 0
    assert page.locator(f"a[href='/edit/{table.pk}/']").count() == 0
    shot(page, "07-locked", docs=True)
    stored = TargetTable.objects.get(pk=table.pk)
    assert stored.status == "approved" and not stored.is_editable
