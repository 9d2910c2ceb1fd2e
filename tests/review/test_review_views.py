"""The review pages: table page panel, review page, transitions over HTTP, comments, diffs,
downloads, queue, dashboard, notifications and the accounts import."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tables.models import (
    AuditEntry,
    Comment,
    Membership,
    Notification,
    Organisation,
    ReviewDecision,
    Round,
    RoundOrganisation,
    Snapshot,
    TargetTable,
)
from tables.review import workflow
from tables.review.views.dashboard import DASHBOARD_PAGE_SIZE, round_progress
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, layout, table_with_rows
from tests.review.test_workflow import ALL_PASS, GOOD_ORGS, GOOD_USERS, comment_on_indicator, workbook

pytestmark = pytest.mark.django_db
Status = TargetTable.Status


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # The personas' passwords would otherwise cost half a second each to hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages] if hasattr(response, "wsgi_request") else []


def approve_data(snapshot, **extra) -> dict:
    data = {"snapshot": snapshot.number, "opinion": "同意。", "grade": "良", "published": "1", "unpublished_reason": ""}
    for stem, _ in ReviewDecision.CHECKLIST:
        data[f"{stem}_passed"] = "1"
        data[f"{stem}_remark"] = ""
    data.update(extra)
    return data


def submitted(world, table=None):
    return workflow.submit(table or world.table_a, world.filler_a)


# ---------------------------------------------------------------- the table page


def test_the_filler_submits_from_the_table_page(client, world):
    client.force_login(world.filler_a)
    page = client.get(world.table_a.get_absolute_url())
    body = page.content.decode()
    assert 'id="submit"' in body
    fingerprint = page.context["review"]["submit_form"]["fingerprint"].value()
    response = client.post(reverse("review-submit", args=[world.table_a.pk]), {"fingerprint": fingerprint}, follow=True)
    assert response.redirect_chain[-1][0] == world.table_a.get_absolute_url()
    assert "已提交（第 1 次）" in response.content.decode()
    assert TargetTable.objects.get(pk=world.table_a.pk).status == Status.SUBMITTED
    body = response.content.decode()
    assert "撤回" in body and 'id="submit"' not in body


def test_a_stale_submit_gets_a_clear_message_and_changes_nothing(client, world):
    client.force_login(world.filler_a)
    response = client.post(
        reverse("review-submit", args=[world.table_a.pk]), {"fingerprint": "not-what-is-stored"}, follow=True
    )
    assert "又被修改过" in response.content.decode()
    assert TargetTable.objects.get(pk=world.table_a.pk).status == Status.DRAFT


def test_a_submit_with_errors_in_the_checks_is_refused_with_the_reason(client, world):
    row = world.table_a.indicators.get(position=1)
    row.value = "*"
    row.save()
    client.force_login(world.filler_a)
    body = client.get(world.table_a.get_absolute_url()).content.decode()
    assert "须修改后才能提交" in body
    response = client.post(reverse("review-submit", args=[world.table_a.pk]), follow=True)
    assert "1 项错误" in response.content.decode()
    assert not Snapshot.objects.exists()


def test_the_table_page_shows_comments_snapshots_and_the_audit_log(client, world):
    snapshot = submitted(world)
    thread = comment_on_indicator(world.table_a, world.reviewer_a, 2, body="满意度偏低")
    workflow.return_table(world.table_a, world.reviewer_a, snapshot_number=snapshot.number, reason="请调整")
    client.force_login(world.filler_a)
    body = client.get(world.table_a.get_absolute_url()).content.decode()
    assert f'id="comment-{thread.pk}"' in body and 'data-dom-anchor="indicator-2"' in body and "满意度偏低" in body
    assert reverse("review-snapshot-json", args=[snapshot.pk]) in body
    assert "审计日志" in body and "请调整" in body
    assert reverse("review-comment-reply", args=[thread.pk]) in body


@pytest.mark.parametrize("rows", [5, 40])
def test_the_table_page_with_review_data_costs_the_same_queries_for_any_number_of_rows(
    client, world, django_assert_num_queries, rows
):
    table = table_with_rows(world.org_a, indicators=rows, tasks=rows // 5 + 1, year=2025)
    snapshot = workflow.submit(table, world.filler_a)
    for position in (1, 2, 3):
        comment_on_indicator(table, world.reviewer_a, position)
    workflow.return_table(table, world.reviewer_a, snapshot_number=snapshot.number, reason="改")
    client.force_login(world.filler_a)
    client.get(table.get_absolute_url())
    # session, user, memberships, table, tasks, indicators, snapshots + decisions, review levels,
    # audit, comments, unread notifications (the scheme's categories were cached by the first request; a table
    # never approved has no 年中调整 requests to read)
    with django_assert_num_queries(QUERIES_TABLE_PAGE_WITH_REVIEW):
        assert client.get(table.get_absolute_url()).status_code == 200


QUERIES_TABLE_PAGE_WITH_REVIEW = 12


# ---------------------------------------------------------------- the review page


def test_the_review_page_is_for_reviewers_and_starting_the_review_ends_the_chance_to_withdraw(client, world):
    snapshot = submitted(world)
    url = reverse("review-table", args=[world.table_a.pk])
    client.force_login(world.filler_a)
    assert client.get(url).status_code == 403
    client.force_login(world.reviewer_b)
    assert client.get(url).status_code == 404
    client.force_login(world.reviewer_a)
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="official"' in body and "四性审核" in body and "添加批注" in body and "开始审核" in body
    snapshot.refresh_from_db()
    assert snapshot.opened_at is None  # looking is not reviewing
    response = client.post(reverse("review-open", args=[world.table_a.pk]))
    assert response.status_code == 302
    snapshot.refresh_from_db()
    assert snapshot.opened_by == world.reviewer_a
    client.force_login(world.filler_a)
    response = client.post(reverse("review-withdraw", args=[world.table_a.pk]), {"snapshot": 1}, follow=True)
    assert "审核人已开始审核" in response.content.decode()


def test_the_reviewer_sees_the_diff_against_the_returned_submission_by_default(client, world):
    first = submitted(world)
    comment_on_indicator(world.table_a, world.reviewer_a)
    workflow.return_table(world.table_a, world.reviewer_a, snapshot_number=first.number, reason="改")
    row = world.table_a.indicators.get(position=1)
    row.value = "≥99%"
    row.save()
    submitted(world)
    client.force_login(world.reviewer_a)
    response = client.get(reverse("review-table", args=[world.table_a.pk]))
    assert response.context["base"] == first
    body = response.content.decode()
    assert "与第 1 次提交（已退回）相比的修改" in body
    assert "≥95%</del> → <ins" in body and "≥99%" in body
    assert f"{world.table_a.get_absolute_url()}#indicator-1" in body


def test_a_reviewer_approves_over_http_and_the_table_is_locked(client, world):
    snapshot = submitted(world)
    client.force_login(world.reviewer_a)
    response = client.post(reverse("review-approve", args=[world.table_a.pk]), approve_data(snapshot, grade="优"))
    assert response.status_code == 302
    decision = ReviewDecision.objects.get()
    assert decision.grade == "优" and decision.completeness_passed is True
    table = TargetTable.objects.get(pk=world.table_a.pk)
    assert table.status == Status.APPROVED and not table.is_editable
    client.force_login(world.filler_a)
    body = client.get(table.get_absolute_url()).content.decode()
    assert 'id="submit"' not in body and "已批复" in body


def test_an_incomplete_approval_form_is_shown_again_with_its_errors(client, world):
    snapshot = submitted(world)
    client.force_login(world.reviewer_a)
    data = approve_data(snapshot, published="0", opinion="")
    del data["relevance_passed"]
    response = client.post(reverse("review-approve", args=[world.table_a.pk]), data)
    assert response.status_code == 422
    form = response.context["approve_form"]
    assert set(form.errors) == {"opinion", "relevance_passed", "unpublished_reason"}
    assert not ReviewDecision.objects.exists()


def test_a_stale_approval_says_so_and_changes_nothing(client, world):
    snapshot = submitted(world)
    comment_on_indicator(world.table_a, world.reviewer_a)
    workflow.return_table(world.table_a, world.admin, snapshot_number=snapshot.number, reason="已由他人退回")
    client.force_login(world.reviewer_a)
    response = client.post(reverse("review-approve", args=[world.table_a.pk]), approve_data(snapshot), follow=True)
    assert "本次操作未执行" in response.content.decode()
    assert TargetTable.objects.get(pk=world.table_a.pk).status == Status.RETURNED
    assert ReviewDecision.objects.count() == 1


def test_returning_without_a_comment_is_refused_on_the_page(client, world):
    snapshot = submitted(world)
    client.force_login(world.reviewer_a)
    response = client.post(
        reverse("review-return", args=[world.table_a.pk]), {"snapshot": snapshot.number, "reason": "改"}
    )
    assert response.status_code == 422 and "至少添加一条批注" in response.content.decode()


def test_a_filler_cannot_decide_and_an_outsider_does_not_see_the_table(client, world):
    snapshot = submitted(world)
    client.force_login(world.filler_a)
    assert client.post(reverse("review-approve", args=[world.table_a.pk]), approve_data(snapshot)).status_code == 403
    client.force_login(world.reviewer_b)
    assert client.post(reverse("review-approve", args=[world.table_a.pk]), approve_data(snapshot)).status_code == 404
    assert TargetTable.objects.get(pk=world.table_a.pk).status == Status.SUBMITTED


def test_reopen_from_the_table_page_keeps_the_approved_version_downloadable(client, world):
    snapshot = submitted(world)
    workflow.approve(
        world.table_a,
        world.reviewer_a,
        workflow.Approval(opinion="同意", checklist=ALL_PASS, published=True),
        snapshot_number=1,
    )
    client.force_login(world.reviewer_a)
    table = TargetTable.objects.get(pk=world.table_a.pk)
    response = client.post(reverse("review-reopen", args=[table.pk]), {"version": table.version, "reason": "年中调整"})
    assert response.status_code == 302
    client.force_login(world.filler_a)
    body = client.get(table.get_absolute_url()).content.decode()
    assert "当前有效的批复版本" in body and reverse("review-snapshot-pdf", args=[snapshot.pk]) in body
    download = client.get(reverse("review-snapshot-json", args=[snapshot.pk]))
    assert download.status_code == 200 and b'"target-table/2"' in download.content and b'"id"' not in download.content


@pytest.mark.pdf
def test_the_approved_pdf_prints_the_opinion_the_checklist_and_the_grade(client, world):
    import pdfplumber

    snapshot = submitted(world)
    workflow.approve(
        world.table_a,
        world.reviewer_a,
        workflow.Approval(
            opinion="目标明确，同意批复。",
            checklist={**ALL_PASS, "feasibility": (False, "个别指标偏高")},
            grade="优",
            published=True,
        ),
        snapshot_number=1,
    )
    client.force_login(world.filler_a)
    response = client.get(reverse("review-snapshot-pdf", args=[snapshot.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages).replace(" ", "")
    assert "目标明确，同意批复。" in text and "可行性" in text and "优" in text


# ---------------------------------------------------------------- comments


def test_a_reviewer_comments_through_htmx_and_gets_the_panel_back(client, world):
    submitted(world)
    row = world.table_a.indicators.get(position=3)
    client.force_login(world.reviewer_a)
    url = reverse("review-comments", args=[world.table_a.pk])
    response = client.post(url, {"anchor": f"indicator:{row.pk}", "body": "指标值偏低"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="comment-panel">') and "<html" not in body
    assert "指标值偏低" in body and 'data-dom-anchor="indicator-3"' in body
    comment = Comment.objects.get()
    assert comment.row_id == row.pk and comment.snapshot is not None


def test_an_empty_comment_re_renders_the_form_with_422(client, world):
    client.force_login(world.reviewer_a)
    response = client.post(
        reverse("review-comments", args=[world.table_a.pk]),
        {"anchor": "table", "body": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422 and not Comment.objects.exists()


def test_fillers_reply_and_resolve_but_do_not_start_threads(client, world):
    thread = comment_on_indicator(world.table_a, world.reviewer_a)
    client.force_login(world.filler_a)
    response = client.post(reverse("review-comments", args=[world.table_a.pk]), {"anchor": "table", "body": "x"})
    assert response.status_code == 403
    client.post(reverse("review-comment-reply", args=[thread.pk]), {"body": "已修改"})
    client.post(reverse("review-comment-resolve", args=[thread.pk]), {"resolved": "1"})
    thread.refresh_from_db()
    assert thread.resolved and thread.replies.get().body == "已修改"
    client.force_login(world.filler_b)
    assert client.post(reverse("review-comment-reply", args=[thread.pk]), {"body": "?"}).status_code == 404


def test_the_deep_link_of_a_comment_follows_its_row(client, world):
    thread = comment_on_indicator(world.table_a, world.reviewer_a, position=4)
    row = world.table_a.indicators.get(position=4)
    world.table_a.indicators.filter(position=1).update(position=90)
    row.position = 1
    row.save()
    client.force_login(world.filler_a)
    response = client.get(reverse("review-comment", args=[thread.pk]))
    assert response.status_code == 302 and response["Location"] == f"{world.table_a.get_absolute_url()}#indicator-1"


# ---------------------------------------------------------------- diffs


def test_the_diff_page_compares_any_two_versions_and_serves_htmx_the_fragment(client, world):
    first = submitted(world)
    workflow.withdraw(world.table_a, world.filler_a, snapshot_number=first.number)
    world.table_a.goal = "新的年度目标"
    world.table_a.save()
    submitted(world)
    client.force_login(world.reviewer_a)
    url = reverse("review-diff", args=[world.table_a.pk])
    response = client.get(url)
    assert (response.context["a_key"], response.context["b_key"]) == ("1", "2")
    assert "新的年度目标" in response.content.decode()
    fragment = client.get(url, {"a": "2", "b": "current"}, headers={"HX-Request": "true"})
    assert (
        fragment.content.decode().lstrip().startswith('<div id="diff-body"') and "没有修改" in fragment.content.decode()
    )
    assert client.get(url, {"a": "99"}).status_code == 404


def test_the_table_can_be_compared_with_the_previous_years_approved_table(client, world):
    last_year = table_with_rows(world.org_a, indicators=4, year=2025)
    snapshot = workflow.submit(last_year, world.filler_a)
    workflow.approve(
        last_year,
        world.reviewer_a,
        workflow.Approval(opinion="同意", checklist=ALL_PASS, published=True),
        snapshot_number=snapshot.number,
    )
    client.force_login(world.filler_a)
    page = client.get(world.table_a.get_absolute_url()).content.decode()
    assert "与上年对比" in page
    response = client.get(reverse("review-diff", args=[world.table_a.pk]), {"a": "previous-year", "b": "current"})
    assert response.status_code == 200 and response.context["a_label"] == "2025年批复版"


# ---------------------------------------------------------------- queue and dashboard


def test_the_queue_lists_the_reviewers_tables_oldest_submission_first_with_counts(client, world):
    Round.objects.create(
        year=2026, title="2026年预算", layout=layout(), deadline=timezone.localdate() - timedelta(days=1)
    )
    TargetTable.objects.update(round=Round.objects.get())
    workflow.submit(world.table_unit_a, MembershipFactory(organisation=world.unit_a).user)
    workflow.submit(world.table_a, world.filler_a)
    client.force_login(world.reviewer_a)
    response = client.get(reverse("review-queue"))
    page = list(response.context["page"])
    assert [t.pk for t in page] == [world.table_unit_a.pk, world.table_a.pk]
    assert dict((v, n) for v, _l, n in response.context["statuses"])["submitted"] == 2
    assert world.table_b.title not in [t.title for t in page if t.organisation_id == world.org_b.pk]
    body = response.content.decode()
    for table in page:  # each row links to the table and to its review, and says when it came in
        assert f'href="{reverse("table-detail", args=[table.pk])}"' in body
        assert f'href="{reverse("review-table", args=[table.pk])}"' in body
        assert timezone.localtime(table.submitted_at).strftime("%Y-%m-%d %H:%M") in body
    client.force_login(world.filler_a)
    assert client.get(reverse("review-queue")).status_code == 403


def test_the_queue_filters_and_marks_overdue_tables(client, world):
    round_ = Round.objects.create(
        year=2026, title="2026年预算", layout=layout(), deadline=timezone.localdate() - timedelta(days=1)
    )
    TargetTable.objects.update(round=round_)
    client.force_login(world.admin)
    response = client.get(
        reverse("review-queue"), {"status": "draft", "organisation": world.org_a.pk}, headers={"HX-Request": "true"}
    )
    assert {t.pk for t in response.context["page"]} == {world.table_a.pk, world.table_unit_a.pk}
    assert all(t.overdue for t in response.context["page"])
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="queue-rows">') and "逾期" in body


def _bulk_round(n_orgs: int, per_org: int) -> Round:
    round_ = Round.objects.create(year=2026, title="基准批次", layout=layout(), deadline=timezone.localdate())
    orgs = Organisation.objects.bulk_create(
        [Organisation(code=f"B{i:04d}", name=f"基准部门{i}") for i in range(n_orgs)]
    )
    lay = layout()
    statuses = list(Status.values)
    tables = [
        TargetTable(
            organisation=o,
            year=2026,
            round=round_,
            layout=lay,
            kind="project",
            title=f"项目{j}",
            project_code=f"P{o.code}-{j}",
            status=statuses[(i + j) % 4],
        )
        for i, o in enumerate(orgs)
        for j in range(per_org)
    ]
    TargetTable.objects.bulk_create(tables)
    RoundOrganisation.objects.bulk_create([RoundOrganisation(round=round_, organisation=o) for o in orgs])
    return round_


@pytest.mark.parametrize("n_orgs", [1, 60])
def test_queue_and_dashboard_cost_the_same_queries_for_any_number_of_tables(
    client, world, django_assert_num_queries, n_orgs
):
    round_ = _bulk_round(n_orgs, 3)
    department = Organisation.objects.get(code="B0000")
    client.force_login(world.admin)
    client.get(reverse("review-queue"))
    # session, user, memberships (admin), counts per status (also the page count), page rows, rounds,
    # departments for the filter, unread notifications
    with django_assert_num_queries(QUERIES_QUEUE):
        assert client.get(reverse("review-queue")).status_code == 200
    # session, user, memberships, rounds, counts per department × status, organisations not started per
    # department, the departments, unread notifications
    with django_assert_num_queries(QUERIES_DASHBOARD):
        response = client.get(reverse("review-dashboard"), {"round": round_.pk})
    assert response.status_code == 200 and len(response.context["page"]) <= DASHBOARD_PAGE_SIZE
    # session, user, round, department, its units, memberships, counts per organisation × status,
    # participants, organisations (+ parent), unread notifications
    url = reverse("review-dashboard-department", args=[round_.pk, department.pk])
    with django_assert_num_queries(QUERIES_DRILL_DOWN):
        assert client.get(url).status_code == 200


QUERIES_QUEUE = 8
QUERIES_DASHBOARD = 8
QUERIES_DRILL_DOWN = 10


def _province(n_departments: int, units: int) -> Round:
    """A round of `n_departments` 主管部门 with `units` units each; the department's own table and one
    table per unit, statuses cycling, and one unit of each department expected but not started."""
    round_ = Round.objects.create(
        year=2026, title="省级批次", layout=layout(), deadline=timezone.localdate() - timedelta(days=1)
    )
    departments = Organisation.objects.bulk_create(
        [Organisation(code=f"D{i:03d}", name=f"主管部门{i}") for i in range(n_departments)]
    )
    members = Organisation.objects.bulk_create(
        [Organisation(code=f"D{i:03d}-{j}", name=f"单位{i}-{j}", parent=d) for i, d in enumerate(departments)
         for j in range(units + 1)]
    )  # fmt: skip
    filing = [*departments, *(o for o in members if not o.code.endswith(f"-{units}"))]
    statuses = list(Status.values)
    TargetTable.objects.bulk_create(
        [
            TargetTable(organisation=o, year=2026, round=round_, layout=layout(), kind="department",
                        title="整体", status=statuses[(k + int(o.code[1:4])) % 4])
            for k, o in enumerate(filing)
        ]
    )  # fmt: skip
    RoundOrganisation.objects.bulk_create([RoundOrganisation(round=round_, organisation=o) for o in members])
    return round_


def test_the_dashboard_sums_each_department_with_its_units_lowest_completion_first(client, world):
    round_ = _province(3, 2)
    # D000: 草稿 ×2 (one made 已提交 here), 已批复; D001: 已退回 ×2, 已批复; D002: 草稿, 已提交, 已退回
    TargetTable.objects.filter(organisation__code="D000-1").update(status=Status.SUBMITTED)
    client.force_login(world.admin)
    response = client.get(reverse("review-dashboard"), {"round": round_.pk})
    rows = list(response.context["page"])
    # 0 % first; then at 33 % the more overdue department (D001: 3) before the less (D000: 2)
    assert [r["organisation"].code for r in rows] == ["D002", "D001", "D000"]
    by_code = {r["organisation"].code: r for r in rows}
    assert by_code["D000"]["statuses"] == [1, 1, 0, 1] and by_code["D000"]["total"] == 3
    assert by_code["D000"]["percent"] == 33 and by_code["D000"]["not_started"] == 1
    # overdue after the deadline: drafts, returned tables and the unit that never started
    assert by_code["D000"]["overdue"] == 1 + 0 + 1 and by_code["D001"]["overdue"] == 0 + 2 + 1
    totals = response.context["totals"]
    assert totals["departments"] == 3 and totals["total"] == 9 and totals["not_started"] == 3
    body = response.content.decode()
    drill = reverse("review-dashboard-department", args=[round_.pk, by_code["D000"]["organisation"].pk])
    assert f'href="{drill}"' in body

    detail = client.get(drill)
    assert [r["organisation"].code for r in detail.context["page"]] == ["D000", "D000-0", "D000-1", "D000-2"]
    assert detail.context["totals"]["not_started"] == 1


def test_the_dashboard_pages_its_departments(client, world, settings):
    round_ = _province(DASHBOARD_PAGE_SIZE + 3, 0)
    client.force_login(world.admin)
    first = client.get(reverse("review-dashboard"), {"round": round_.pk})
    assert len(first.context["page"]) == DASHBOARD_PAGE_SIZE
    assert first.context["totals"]["departments"] == DASHBOARD_PAGE_SIZE + 3
    second = client.get(reverse("review-dashboard"), {"round": round_.pk, "page": 2})
    assert len(second.context["page"]) == 3
    seen = {r["organisation"].pk for r in first.context["page"]} | {
        r["organisation"].pk for r in second.context["page"]
    }
    assert len(seen) == DASHBOARD_PAGE_SIZE + 3
    assert f"round={round_.pk}&amp;page=2" in first.content.decode()


def test_a_department_reviewer_drills_down_only_into_their_departments(client, world):
    round_ = Round.objects.create(year=2026, title="2026年预算", layout=layout())
    TargetTable.objects.update(round=round_)
    client.force_login(world.reviewer_a)
    main = client.get(reverse("review-dashboard"), {"round": round_.pk})
    assert [r["organisation"] for r in main.context["page"]] == [world.org_a]
    own = client.get(reverse("review-dashboard-department", args=[round_.pk, world.org_a.pk]))
    assert [r["organisation"] for r in own.context["page"]] == [world.org_a, world.unit_a]
    for org in (world.org_b, world.unit_a):  # another's department; a unit is no department
        assert client.get(reverse("review-dashboard-department", args=[round_.pk, org.pk])).status_code == 404
    client.force_login(world.filler_a)
    assert client.get(reverse("review-dashboard-department", args=[round_.pk, world.org_a.pk])).status_code == 403


def test_the_dashboard_xlsx_lists_every_organisation_with_completion(client, world):
    round_ = _bulk_round(2, 4)
    waiting = OrganisationFactory(code="B9999", name='=HYPERLINK("http://x")')
    RoundOrganisation.objects.create(round=round_, organisation=waiting)
    client.force_login(world.admin)
    rows, totals = round_progress(round_, world.admin)
    rows = {r["organisation"].code: r for r in rows}
    assert rows["B0000"]["statuses"] == [1, 1, 1, 1] and rows["B0000"]["percent"] == 25
    assert rows["B9999"]["not_started"]
    assert totals["total"] == 8 and totals["approved"] == 2 and totals["percent"] == 25 and totals["not_started"] == 1
    from openpyxl import load_workbook

    download = client.get(reverse("review-dashboard-xlsx", args=[round_.pk]))
    assert download.status_code == 200 and "filename*=UTF-8''" in download["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(download.content)).active
    names = {row[1].value: row[1].data_type for row in sheet.iter_rows(min_row=2)}
    assert names['=HYPERLINK("http://x")'] == "s"  # text, not a formula
    assert sheet.cell(row=1, column=4).value == "草稿"


def test_reviewers_see_only_their_organisations_on_the_dashboard(client, world):
    round_ = Round.objects.create(year=2026, title="2026年预算", layout=layout())
    TargetTable.objects.update(round=round_)
    client.force_login(world.reviewer_b)
    response = client.get(reverse("review-dashboard"))
    assert [r["organisation"] for r in response.context["page"]] == [world.org_b]
    client.force_login(world.filler_a)
    assert client.get(reverse("review-dashboard")).status_code == 403


# ---------------------------------------------------------------- notifications


def test_the_header_shows_unread_notifications_and_opening_one_marks_it_read(client, world):
    submitted(world)
    client.force_login(world.reviewer_a)
    body = client.get(reverse("home")).content.decode()
    assert re.search(r'id="nav-notifications">通知 <span class="badge[^"]*" aria-label="未读通知">1</span>', body)
    notification = Notification.objects.get(recipient=world.reviewer_a)
    response = client.post(reverse("review-notification-open", args=[notification.pk]))
    assert response["Location"] == reverse("review-table", args=[world.table_a.pk])
    notification.refresh_from_db()
    assert notification.read_at is not None
    client.force_login(world.filler_b)
    assert client.post(reverse("review-notification-open", args=[notification.pk])).status_code == 404


def test_all_notifications_can_be_marked_read(client, world):
    submitted(world)
    client.force_login(world.reviewer_a)
    assert "提交" in client.get(reverse("review-notifications")).content.decode()
    client.post(reverse("review-notifications-read-all"))
    assert not Notification.objects.filter(read_at__isnull=True, recipient=world.reviewer_a).exists()


# ---------------------------------------------------------------- accounts


def test_an_admin_imports_accounts_and_sees_who_has_not_logged_in(client, world):
    round_ = Round.objects.create(year=2026, title="2026年预算", layout=layout())
    client.force_login(world.admin)
    upload = workbook(GOOD_ORGS, GOOD_USERS)
    upload.name = "accounts.xlsx"
    preview = client.post(reverse("review-accounts-import"), {"file": upload, "round": round_.pk})
    assert "新建用户 zhang" in preview.content.decode() and not Membership.objects.filter(user__username="zhang")
    confirm = {"action": "confirm", "token": preview.context["token"], "confirm_admins": "1"}
    response = client.post(reverse("review-accounts-import"), confirm, follow=True)
    body = response.content.decode()
    assert "导入完成" in body and "zhang" in body and "li" in body
    assert response.redirect_chain[-1][0] == f"{reverse('review-accounts-inactive')}?round={round_.pk}"
    assert Membership.objects.filter(user__username="zhang").exists()


def test_an_accounts_import_with_errors_lists_the_cells_and_writes_nothing(client, world):
    client.force_login(world.admin)
    upload = workbook([["X1", "", None]], [])
    upload.name = "accounts.xlsx"
    response = client.post(reverse("review-accounts-import"), {"file": upload})
    assert response.status_code == 422 and "部门单位!B2：名称不能为空" in response.content.decode()
    assert not Organisation.objects.filter(code="X1").exists()


def test_only_admins_import_accounts(client, world):
    client.force_login(world.reviewer_a)
    assert client.get(reverse("review-accounts-import")).status_code == 403
    assert client.get(reverse("review-accounts-inactive")).status_code == 403


def test_the_accounts_template_has_both_sheets(client, world):
    from openpyxl import load_workbook

    client.force_login(world.admin)
    book = load_workbook(io.BytesIO(client.get(reverse("review-accounts-template")).content))
    assert book.sheetnames == ["部门单位", "用户"]


def test_the_audit_page_lists_every_entry(client, world):
    submitted(world)
    client.force_login(world.filler_a)
    body = client.get(reverse("review-audit", args=[world.table_a.pk])).content.decode()
    assert "第 1 次提交" in body and AuditEntry.objects.count() == 1


def test_accounts_that_never_logged_in_are_listed(client, world):
    UserFactory(username="newbie")
    Membership.objects.create(
        user=type(world.admin).objects.get(username="newbie"), organisation=world.org_a, role=Membership.Role.FILLER
    )
    client.force_login(world.admin)
    listed = [u.username for u in client.get(reverse("review-accounts-inactive")).context["page"]]
    assert "newbie" in listed and "bureau_admin" not in listed  # force_login counts as a login
