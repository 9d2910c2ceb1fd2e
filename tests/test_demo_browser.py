"""The "try this" tour `make run` prints, walked in a real browser on the loaded demo: the reviewer's
queue holds submitted tables, filler1 finds a returned table with its comments, and the approved
table's PDF carries the approval. Screenshots go to test-artifacts/demo-*.png."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tables import demo
from tables.models import Comment, ReviewDecision, TargetTable
from tables.review import comments

# The Chromium setup of the review cycle's browser test, shared rather than copied.
from tests.review.test_review_browser import ARTIFACTS, browser, page  # noqa: F401

pytestmark = [
    pytest.mark.browser,
]


def log_in(page, base: str, username: str) -> None:  # noqa: F811 (the fixture)
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def shot(page, name: str) -> None:  # noqa: F811 (the fixture)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"demo-{name}.png"), full_page=True)


def pdf_text(path: str) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(Path(path).read_bytes())) as doc:
        return "\n".join(p.extract_text() or "" for p in doc.pages)


@pytest.mark.django_db(transaction=True)
def test_the_printed_tour_shows_queue_returned_table_and_approved_pdf(reference_tables, live_server, page):  # noqa: F811 (the fixture)
    demo.load_demo()
    queue_step, returned_step, approved_step = demo.tour(live_server.url)
    base = live_server.url

    # 1. The reviewer's queue holds the submitted tables, the resubmitted one among them.
    log_in(page, base, queue_step.username)
    page.goto(queue_step.path)
    rows = page.locator("#queue-rows tbody tr", has=page.locator(".badge.status-submitted"))
    rows.first.wait_for()
    assert rows.count() >= 3
    assert rows.filter(has_text="新疆巴州党委办公室").count() == 1
    shot(page, "1-queue")

    # 2. filler1's returned table: the reason on top, the two row comments beside their rows.
    returned = demo.story_table(demo.RETURNED)
    reason = returned.decisions.get(action=ReviewDecision.Action.RETURN).opinion
    log_in(page, base, returned_step.username)
    page.goto(returned_step.path)
    page.locator(".review-status .alert-danger", has_text=reason).wait_for()
    places = comments.places(returned)
    for comment in Comment.objects.filter(table=returned, parent__isnull=True):
        dom = places[comment.anchor_key].dom
        assert page.locator(f"tr#{dom} .comment-badge").count() == 1, dom
        page.locator(".comment-thread", has_text=comment.body).first.wait_for()
    shot(page, "2-returned")

    # 3. The approved table: its 批复版 PDF prints the approval.
    approved = demo.story_table(demo.APPROVED)
    decision = approved.decisions.get(action=ReviewDecision.Action.APPROVE)
    log_in(page, base, approved_step.username)
    page.goto(approved_step.path)
    assert TargetTable.objects.get(pk=approved.pk).status == TargetTable.Status.APPROVED
    shot(page, "3-approved")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载批复版 PDF").click()
    text = pdf_text(download.value.path())
    assert "审核状态：已批复" in text
    assert f"审核等级：{decision.grade}" in text
    assert f"审核意见：{decision.opinion}" in text
