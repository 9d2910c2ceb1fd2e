"""Issue 19 in a real browser: a unit's table through a two-level round, the approved PDF carrying both opinions,
the grade and 不公开 with its reason; then the unit asks for a 年中调整, both levels agree, the table reopens as
第 1 次调整, and the history shows the request, its reason and the decisions.

The bureau admin sets it up in the product's own pages (系统设置): the department-level reviewer and the
round's two levels; the unit's filler and the bureau's reviewer exist already."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tables.models import AdjustmentRequest, Membership, Round, TargetTable
from tests.factories import MembershipFactory, layout
from tests.review.test_review_browser import browser, fast_passwords, page, shot  # noqa: F401 (fixtures)
from tests.test_setup_browser import CHOSEN, create_department_reviewer, first_log_in, log_in, set_two_levels

pytestmark = [pytest.mark.browser]


def pdf_text(path: str) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(Path(path).read_bytes())) as doc:
        return "".join("".join((p.extract_text() or "").split()) for p in doc.pages)


def two_level_set_up(tab, base: str, world) -> TargetTable:
    """The round starts with one level; the bureau admin adds the 主管部门's reviewer and the second level."""
    round_ = Round.objects.create(year=2026, title="2026年预算绩效目标", layout=layout())
    TargetTable.objects.filter(pk=world.table_unit_a.pk).update(round=round_)
    MembershipFactory(organisation=world.unit_a, role=Membership.Role.FILLER, user__username="unit_filler")
    world.reviewer_a.first_name, world.reviewer_a.last_name = "李批复", ""
    world.reviewer_a.save()
    log_in(tab, base, "bureau_admin")
    create_department_reviewer(tab, "dept_reviewer_a", "张初审")
    set_two_levels(tab, round_.title)
    assert Round.objects.get(pk=round_.pk).review_levels == 2
    first_log_in(tab, base, "dept_reviewer_a")
    return world.table_unit_a


def decide_adjustment(tab, note: str, done: str) -> None:
    form = tab.locator(".adjustment-decide")
    form.locator("input[name=decision][value=agree]").check()
    form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()
    tab.get_by_text(done).first.wait_for()


@pytest.mark.django_db(transaction=True)
def test_two_levels_an_approved_print_with_every_decision_and_an_adjustment_the_unit_asked_for(
    reference_tables,
    live_server,
    world,
    page,  # noqa: F811 (the fixture)
):
    base = live_server.url
    table = two_level_set_up(page, base, world)
    review_url = f"{base}/review/tables/{table.pk}/"

    # The unit submits; its table goes to the 主管部门 first.
    log_in(page, base, "unit_filler")
    page.goto(f"{base}{table.get_absolute_url()}")
    page.click("#submit button[type=submit]")
    page.get_by_text("等待主管部门审核").first.wait_for()

    # The 主管部门 forwards it with its opinion.
    log_in(page, base, "dept_reviewer_a", CHOSEN)
    page.goto(review_url)
    page.fill("#id_forward_opinion", "同意上报财政")
    page.click("text=审核通过，转报财政")
    page.get_by_text("已审核通过并转报财政审核").wait_for()

    # The bureau approves: 四性, grade 良, 不公开 with its reason.
    log_in(page, base, "reviewer_a")
    page.goto(review_url)
    for stem in ("completeness", "relevance", "appropriateness", "feasibility"):
        page.check(f"input[name={stem}_passed][value='1']")
    page.fill("#id_approve_opinion", "目标明确，同意批复。")
    page.select_option("#id_grade", "良")
    page.select_option("#id_published", "0")
    page.fill("#id_unpublished_reason", "涉及安全生产信息")
    page.click(".approve-form button[type=submit]")
    page.get_by_text("已批复，表格已锁定").wait_for()
    record = page.locator("section[aria-label=审核记录]").inner_text()
    assert "主管部门审核：审核通过并转报" in record and "不公开（原因：涉及安全生产信息）" in record

    # The unit downloads the approved version: both opinions, the grade and 不公开 with its reason.
    log_in(page, base, "unit_filler")
    page.goto(f"{base}{table.get_absolute_url()}")
    with page.expect_download() as download:
        page.locator("a[href*='/export.pdf']").first.click()
    text = pdf_text(download.value.path())
    for piece in (
        "版本：年初版",
        "主管部门审核意见：同意上报财政",
        "审核人：张初审",
        "财政部门审核意见：目标明确，同意批复。",
        "审核人：李批复",
        "审核等级：良",
        "不公开（原因：涉及安全生产信息）",
    ):
        assert "".join(piece.split()) in text, piece

    # The unit asks for a 年中调整 from its table's page, where the form stands open.
    adjustment = page.locator("#adjustment")
    assert adjustment.is_visible()
    page.fill("#id_adjustment_reason", "追加设备采购预算")
    page.fill("#id_adjustment_budget", "120.5")
    shot(page, "adjustment-01-request")
    adjustment.locator("button[type=submit]").click()
    page.get_by_text("已申请年中调整，等待主管部门审核").wait_for()

    # Both levels agree; the bureau's agreement reopens the table.
    log_in(page, base, "dept_reviewer_a", CHOSEN)
    page.goto(review_url)
    assert "追加设备采购预算" in page.locator("#adjustment").inner_text()
    decide_adjustment(page, "情况属实", "已同意年中调整申请，转报财政审核")
    log_in(page, base, "reviewer_a")
    page.goto(review_url)
    decide_adjustment(page, "同意调整", "已同意年中调整申请：已撤销批复")
    stored = TargetTable.objects.get(pk=table.pk)
    assert stored.status == TargetTable.Status.DRAFT
    assert AdjustmentRequest.objects.get().outcome == AdjustmentRequest.Outcome.GRANTED

    # The unit sees 第 1 次调整, and the history shows the request, its reason and the decisions.
    log_in(page, base, "unit_filler")
    page.goto(f"{base}{table.get_absolute_url()}")
    assert "第 1 次调整" in page.locator(".version-label").inner_text()
    history = page.locator("#adjustment").inner_text()
    assert "追加设备采购预算" in history and "主管部门审核（张初审" in history and "财政审核（李批复" in history
    shot(page, "adjustment-02-reopened")
    page.goto(f"{base}/review/tables/{table.pk}/audit/")
    log = page.locator(".audit-log").inner_text()
    for piece in (
        "申请年中调整",
        "追加设备采购预算",
        "调整后预算总额 120.5 万元",
        "主管部门同意年中调整申请",
        "财政审核同意年中调整申请",
        "撤销批复，开启第 1 次调整",
    ):
        assert piece in log, piece
