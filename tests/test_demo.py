"""The demo (`manage.py load_demo`): every state of the review cycle, played through the workflow, once."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from tables import demo, permissions
from tables.models import (
    AuditEntry,
    Comment,
    ExportJob,
    Membership,
    Notification,
    ReviewDecision,
    Round,
    Snapshot,
    Stage,
    TargetTable,
)
from tables.review import comments, workflow

pytestmark = pytest.mark.django_db

Status = TargetTable.Status
Action = AuditEntry.Action


@pytest.fixture
def loaded():
    return demo.load_demo()


def user(username: str):
    return get_user_model().objects.get(username=username)


def client_for(client, username: str):
    client.force_login(user(username))
    return client


def pdf_text(pdf: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def test_reviewers_queue_holds_submitted_tables_awaiting_the_bureau(loaded, client):
    awaiting = set(
        Snapshot.objects.filter(outcome=Snapshot.Outcome.PENDING, stage=Stage.FINANCE).values_list(
            "table_id", flat=True
        )
    )
    assert len(awaiting) >= 3

    response = client_for(client, "reviewer").get(reverse("review-queue"))

    shown = {table.pk: table for table in response.context["page"]}
    assert awaiting <= set(shown)
    assert {shown[pk].status for pk in awaiting} == {Status.SUBMITTED}


def test_department_reviewer_has_a_units_table_waiting_at_the_first_level(loaded, client):
    waiting = TargetTable.objects.get(pk=demo.story_table(demo.AT_DEPARTMENT).pk)
    assert waiting.round.review_levels == 2
    assert workflow.pending_snapshot(waiting).stage == Stage.DEPARTMENT
    pending = workflow.pending_snapshot(waiting)
    assert "forward" in permissions.available_actions(waiting, user("dept_reviewer"), pending)

    response = client_for(client, "dept_reviewer").get(reverse("review-queue"))

    assert waiting.pk in {table.pk for table in response.context["page"]}


def test_both_levels_left_their_decisions(loaded):
    forwarded = demo.story_table(demo.FORWARDED)
    assert forwarded.status == Status.SUBMITTED
    assert workflow.pending_snapshot(forwarded).stage == Stage.FINANCE
    assert forwarded.decisions.get().action == ReviewDecision.Action.FORWARD

    returned = demo.story_table(demo.RETURNED_BY_DEPARTMENT)
    decision = returned.decisions.get()
    assert returned.status == Status.RETURNED
    assert (decision.stage, decision.action) == (Stage.DEPARTMENT, ReviewDecision.Action.RETURN)

    approved = demo.story_table(demo.APPROVED_TWO_LEVELS)
    assert list(approved.decisions.values_list("stage", "action")) == [
        (Stage.DEPARTMENT, ReviewDecision.Action.FORWARD),
        (Stage.FINANCE, ReviewDecision.Action.APPROVE),
    ]


def test_filler1_finds_a_returned_table_with_a_reason_and_two_row_comments(loaded, client):
    table = demo.story_table(demo.RETURNED)
    assert demo.filler_of(table).username == "filler1"
    assert table.status == Status.RETURNED
    reason = table.decisions.get(action=ReviewDecision.Action.RETURN).opinion
    assert reason
    threads = list(Comment.objects.filter(table=table, parent__isnull=True))
    assert len(threads) >= 2
    assert {c.anchor_kind for c in threads} == {Comment.Anchor.INDICATOR, Comment.Anchor.TASK}
    rows = {*table.indicators.values_list("pk", flat=True), *table.tasks.values_list("pk", flat=True)}
    assert all(c.row_id in rows for c in threads)

    body = client_for(client, "filler1").get(table.get_absolute_url()).content.decode()

    assert reason in body
    for comment in threads:
        assert comment.body in body
    assert Notification.objects.filter(recipient=user("filler1"), table=table, kind=Notification.Kind.RETURNED).exists()


def test_resubmitted_table_has_a_diff_since_its_return(loaded, client):
    table = demo.story_table(demo.RESUBMITTED)
    outcomes = list(table.snapshots.order_by("number").values_list("outcome", flat=True))
    assert outcomes == [Snapshot.Outcome.RETURNED, Snapshot.Outcome.PENDING]
    assert table.audit_entries.filter(action=Action.CHANGE).exists()

    response = client_for(client, "reviewer").get(reverse("review-diff", args=[table.pk]))

    changed = [row for row in response.context["diff"].indicators if row.status == "changed"]
    assert [(c[2], c[3]) for row in changed for c in row.changes] == [("≤24小时", "≤12小时")]


def test_approved_table_pdf_carries_the_approval(loaded, client):
    table = demo.story_table(demo.APPROVED)
    snapshot = workflow.approved_snapshot(table)
    decision = snapshot.decisions.get(action=ReviewDecision.Action.APPROVE)
    assert table.status == Status.APPROVED
    assert decision.opinion and decision.grade

    response = client_for(client, demo.filler_of(table).username).get(
        reverse("review-snapshot-pdf", args=[snapshot.pk])
    )

    text = pdf_text(response.content)
    assert "审核状态：已批复" in text
    assert f"审核等级：{decision.grade}" in text
    assert f"审核意见：{decision.opinion}" in text


def test_reopened_table_is_a_draft_for_adjustment_while_its_approval_stays_valid(loaded):
    table = demo.story_table(demo.REOPENED)
    assert table.status == Status.DRAFT and table.is_editable
    assert workflow.approved_snapshot(table) is not None
    assert workflow.next_revision(table) == 2  # the next submission is 第 1 次调整
    assert table.audit_entries.filter(action=Action.REOPEN).exists()


def test_the_audit_log_records_each_step_of_the_story(loaded):
    table = demo.story_table(demo.RETURNED)
    actions = list(table.audit_entries.order_by("at", "id").values_list("action", flat=True))
    assert actions == [Action.SUBMIT, Action.OPEN, Action.RETURN]


def test_every_demo_user_has_notifications(loaded):
    usernames = {login.username for login in loaded}
    assert {"admin", "reviewer", "dept_reviewer", "filler1", "filler7"} <= usernames
    without = {name for name in usernames if not Notification.objects.filter(recipient__username=name).exists()}
    assert without == set()


def test_the_admin_has_exported_the_approved_tables_and_was_told(loaded):
    job = ExportJob.objects.get(created_by__username="admin")
    assert (job.status, job.done) == (ExportJob.Status.DONE, 1)
    notice = Notification.objects.get(recipient__username="admin")
    assert notice.kind == Notification.Kind.EXPORTED and notice.url == reverse("export-job", args=[job.pk])


def test_dashboard_shows_completion_in_every_demo_round(loaded, client):
    client_for(client, "reviewer")
    rounds = list(Round.objects.all())
    assert len(rounds) == 3

    default = client.get(reverse("review-dashboard"))
    assert default.context["totals"]["percent"] > 0
    for round_ in rounds:
        response = client.get(reverse("review-dashboard"), {"round": round_.pk})
        assert response.context["totals"]["percent"] > 0, round_.title


def _state() -> dict:
    return {
        "tables": list(TargetTable.objects.order_by("pk").values_list("pk", "status", "version")),
        "snapshots": Snapshot.objects.count(),
        "decisions": ReviewDecision.objects.count(),
        "comments": Comment.objects.count(),
        "audit": AuditEntry.objects.count(),
        "notifications": Notification.objects.count(),
        "memberships": Membership.objects.count(),
        "users": get_user_model().objects.count(),
        "rows": list(TargetTable.objects.order_by("pk").values_list("indicators__pk", flat=True)),
    }


def test_loading_the_demo_again_replays_nothing_and_keeps_edits(loaded):
    before = _state()

    again = demo.load_demo()

    assert _state() == before
    assert [login.username for login in again] == [login.username for login in loaded]
    # The resubmitted table keeps the filler's fix, and its comment still points at its row.
    table = demo.story_table(demo.RESUBMITTED)
    assert table.indicators.filter(value="≤12小时").exists()
    assert all(
        thread.place is not None for threads in comments.comments_by_anchor(table).values() for thread in threads
    )


def test_a_table_taken_through_the_workflow_by_hand_is_left_alone(loaded):
    table = demo.story_table(demo.AT_DEPARTMENT)
    filler = demo.filler_of(table)
    workflow.withdraw(table, filler, snapshot_number=None)

    demo.load_demo()

    assert TargetTable.objects.get(pk=table.pk).status == Status.DRAFT
    assert table.snapshots.count() == 1


def test_load_demo_prints_the_logins_and_a_three_step_tour_whose_pages_open(loaded, client):
    out = StringIO()

    call_command("load_demo", "--base-url", "http://testserver", stdout=out)

    printed = out.getvalue()
    for login in loaded:
        assert login.username in printed
    lines = printed[printed.index("试一试") :].splitlines()[1:]
    assert len(lines) == 3
    steps = demo.tour("http://testserver")
    assert [step.username for step in steps] == ["reviewer", "filler1", "filler3"]
    for line, step in zip(lines, steps, strict=True):
        assert step.username in line and step.path in line
        response = client_for(client, step.username).get(step.path.removeprefix("http://testserver"))
        assert response.status_code == 200, step.path
