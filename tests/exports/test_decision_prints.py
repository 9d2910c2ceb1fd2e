"""The approved print carries every decision (issue 19): each level's opinion, reviewer and date, the 四性 result
and grade, 公开 or 不公开 with its reason and the version, in the PDF and the workbook; a layout's 审核意见 rows
print the level its record gives them (`opinion_levels`)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from tables.exports import render_pdf, render_xlsx
from tables.exports.printed import with_decisions
from tables.layouts import layout_as_dict
from tables.models import Membership, ReviewDecision, Snapshot
from tables.review import workflow
from tests.conftest import log_in
from tests.exports.test_exports import pdf_text, squash
from tests.factories import MembershipFactory, layout
from tests.review.test_workflow import department_reviewer, fresh, two_level_round

pytestmark = pytest.mark.django_db

ALL_PASS = {stem: (True, "") for stem, _ in ReviewDecision.CHECKLIST}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def approved_in_two_levels(world):
    """部门A下属单位's table through 主管部门审核 and 财政审核: 不公开, graded 良."""
    two_level_round(world)
    dept = department_reviewer(world)
    dept.first_name, dept.last_name = "张初审", ""
    dept.save()
    world.reviewer_a.first_name, world.reviewer_a.last_name = "李批复", ""
    world.reviewer_a.save()
    filler = MembershipFactory(organisation=world.unit_a, role=Membership.Role.FILLER).user
    snapshot = workflow.submit(fresh(world.table_unit_a), filler)
    workflow.forward(fresh(world.table_unit_a), dept, snapshot_number=snapshot.number, opinion="同意上报财政")
    checklist = {**ALL_PASS, "feasibility": (False, "进度偏紧")}
    approval = workflow.Approval(
        opinion="同意批复。",
        checklist=checklist,
        grade="良",
        published=False,
        unpublished_reason="涉及安全生产信息",
    )
    workflow.approve(fresh(world.table_unit_a), world.reviewer_a, approval, snapshot_number=snapshot.number)
    return Snapshot.objects.get(pk=snapshot.pk), filler


EVERY_DECISION = (
    "版本：年初版",
    "主管部门审核意见：同意上报财政",
    "审核人：张初审",
    "财政部门审核意见：同意批复。",
    "审核人：李批复",
    "审核等级：良",
    "可行性",
    "进度偏紧",
    "不公开（原因：涉及安全生产信息）",
)


def workbook_lines(body: bytes) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(body))["绩效目标表"]
    return [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None]


@pytest.mark.pdf
def test_the_approved_pdf_and_workbook_of_a_two_level_table_carry_every_decision(client, world):
    snapshot, filler = approved_in_two_levels(world)
    log_in(client, filler)
    text = squash("".join(pdf_text(client.get(reverse("review-snapshot-pdf", args=[snapshot.pk])).content)))
    for piece in EVERY_DECISION:
        assert squash(piece) in text, piece
    assert "草稿" not in text
    today = timezone.localdate(snapshot.decisions.get(stage="department").decided_at)
    assert squash(f"审核日期：{today.year}年{today.month}月{today.day}日") in text

    for url in (
        reverse("review-snapshot-xlsx", args=[snapshot.pk]),
        reverse("table-download", args=[world.table_unit_a.pk, "xlsx"]),
    ):
        lines = "\n".join(workbook_lines(client.get(url).content))
        for piece in EVERY_DECISION:
            assert piece in lines, (url, piece)
    current = squash(
        "".join(pdf_text(client.get(reverse("table-download", args=[world.table_unit_a.pk, "pdf"])).content))
    )
    assert squash("不公开（原因：涉及安全生产信息）") in current and squash("主管部门审核意见：同意上报财政") in current


def test_the_review_page_and_the_table_page_show_the_published_flag(client, world):
    snapshot, _filler = approved_in_two_levels(world)
    log_in(client, world.reviewer_a)
    review = client.get(reverse("review-table", args=[world.table_unit_a.pk])).content.decode()
    record = review[review.index('aria-label="审核记录"') :]
    assert "不公开（原因：涉及安全生产信息）" in record and "评级 良" in record
    assert (
        reverse("review-snapshot-xlsx", args=[snapshot.pk])
        in client.get(world.table_unit_a.get_absolute_url()).content.decode()
    )


META = {
    "status": "approved",
    "revision": "第 1 次调整",
    "reviewer": "李批复",
    "approved_at": "2026年3月2日",
    "opinion": "同意批复。",
    "grade": "优",
    "published": True,
    "department_opinion": "同意上报",
    "department_reviewer": "张初审",
    "department_reviewed_at": "2026年3月1日",
}


def ezhou_table() -> dict:
    return {
        "format": "target-table/2",
        "kind": "project",
        "layout": "ezhou-project-standard-expected",
        "year": 2026,
        "title": "项目支出绩效目标表",
        "organization": {"code": "1", "name": "鄂州市某局"},
        "project": {"code": "P1", "name": "道路养护"},
        "goal": "完成道路养护",
        "indicators": [{"level1": "产出指标", "level2": "数量指标", "level3": "养护里程", "value": "≥10公里"}],
    }


def test_a_layout_prints_each_level_in_the_opinion_row_its_record_gives_it():
    ezhou = layout_as_dict(layout("ezhou-project-standard-expected"))
    assert ezhou["opinion_levels"] == {"department": "主管部门审核意见"}
    data = with_decisions(ezhou_table(), ezhou, META)
    assert data["footer"]["opinions"] == [
        {"by": "主管部门审核意见", "text": "同意上报（审核人：张初审，2026年3月1日）"}
    ]
    # An opinion the form itself holds (an imported table's) is kept.
    own = {**ezhou_table(), "footer": {"opinions": [{"by": "主管部门审核意见", "text": "原表意见"}]}}
    assert with_decisions(own, ezhou, META)["footer"]["opinions"] == [{"by": "主管部门审核意见", "text": "原表意见"}]
    # A draft, or a layout without opinion_levels, prints as before.
    assert with_decisions(ezhou_table(), ezhou, {"status": "draft"}) == ezhou_table()
    hunan = layout_as_dict(layout("hunan-project-annual-note-signoff"))
    assert list(hunan["opinion_levels"]) == ["finance"]
    assert with_decisions(ezhou_table(), {**ezhou, "opinion_levels": {}}, META) == ezhou_table()


@pytest.mark.pdf
def test_the_opinion_row_of_a_record_layout_holds_the_department_decision_in_pdf_and_workbook():
    ezhou = layout_as_dict(layout("ezhou-project-standard-expected"))
    text = squash("".join(pdf_text(render_pdf(ezhou_table(), ezhou, meta=META))))
    assert squash("主管部门审核意见同意上报（审核人：张初审，2026年3月1日）") in text
    assert squash("版本：第 1 次调整") in text and squash("公开：公开") in text
    sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx(ezhou_table(), ezhou, meta=META)))["绩效目标表"]
    rows = [[c.value for c in row if c.value is not None] for row in sheet.iter_rows()]
    assert ["主管部门审核意见", "同意上报（审核人：张初审，2026年3月1日）"] in rows
    # The hidden snapshot a re-import reads keeps the table's own content, not the decisions.
    snapshot = openpyxl.load_workbook(io.BytesIO(render_xlsx(ezhou_table(), ezhou, meta=META)))["_meta"]
    assert "张初审" not in "".join(str(c.value) for row in snapshot.iter_rows() for c in row if c.value)
