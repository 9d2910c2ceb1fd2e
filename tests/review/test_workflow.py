"""The review workflow's domain logic: transitions, snapshots, comments, diffs, audit, notifications, imports."""

from __future__ import annotations

import io
import threading
import time
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections

from tables import permissions
from tables.imports.accounts import AccountsImportError, import_accounts
from tables.models import (
    AuditEntry,
    ImmutableRecordError,
    Membership,
    Notification,
    Organisation,
    ReviewDecision,
    ReviewDuty,
    Round,
    RoundOrganisation,
    Snapshot,
    Stage,
    TargetTable,
)
from tables.review import comments, workflow
from tables.review.diff import diff_tables
from tables.review.notifications import send_reminders
from tests.factories import MembershipFactory, layout

pytestmark = pytest.mark.django_db

Status = TargetTable.Status


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # The personas' passwords would otherwise cost half a second each to hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


ALL_PASS = {stem: (True, "") for stem, _ in ReviewDecision.CHECKLIST}


def fresh(table: TargetTable) -> TargetTable:
    return TargetTable.objects.select_related("organisation", "round", "layout").get(pk=table.pk)


def approve(table, user, number=None, **kwargs):
    options = {"opinion": "同意批复。", "checklist": ALL_PASS, "grade": "良", "published": True}
    options.update(kwargs)
    return workflow.approve(table, user, workflow.Approval(**options), snapshot_number=number)


def first_indicator(table):
    return table.indicators.order_by("position").first()


def comment_on_indicator(table, user, position=1, body="请核实指标值。"):
    row = table.indicators.get(position=position)
    return comments.add_comment(table, user, anchor=f"indicator:{row.pk}", body=body)


def two_level_round(world) -> Round:
    round_ = Round.objects.create(year=2026, title="2026年预算绩效目标", layout=layout(), review_levels=2)
    TargetTable.objects.filter(pk__in=[world.table_unit_a.pk, world.table_a.pk]).update(round=round_)
    return round_


def department_reviewer(world):
    """A reviewer of 部门A's own staff (主管部门审核 of its units)."""
    membership = MembershipFactory(
        organisation=world.org_a, role=Membership.Role.REVIEWER, user__username="dept_reviewer_a"
    )
    ReviewDuty.objects.create(membership=membership, level=Stage.DEPARTMENT)
    return membership.user


# ---------------------------------------------------------------- submit


def test_filler_submits_a_draft_and_the_snapshot_freezes_the_table(world):
    snapshot = workflow.submit(world.table_a, world.filler_a)
    table = fresh(world.table_a)
    assert table.status == Status.SUBMITTED and not table.is_editable
    assert snapshot.number == 1 and snapshot.revision == 1 and snapshot.outcome == Snapshot.Outcome.PENDING
    assert snapshot.data["format"] == "target-table/2"
    assert [row["id"] for row in snapshot.data["indicators"]] == list(
        table.indicators.order_by("position").values_list("pk", flat=True)
    )
    assert "id" not in snapshot.exchange_data()["indicators"][0]
    entry = AuditEntry.objects.get(table=table)
    assert (entry.action, entry.user, entry.old, entry.new) == ("submit", world.filler_a, "草稿", "已提交")


def test_submit_is_blocked_while_the_checks_report_errors(world):
    row = first_indicator(world.table_a)
    row.value = "*"
    row.save()
    with pytest.raises(workflow.Blocked, match="1 项错误"):
        workflow.submit(world.table_a, world.filler_a)
    assert fresh(world.table_a).status == Status.DRAFT
    assert not Snapshot.objects.exists() and not AuditEntry.objects.exists()


def test_warnings_need_a_written_reason_that_the_snapshot_keeps_for_the_reviewer(world):
    row = world.table_a.indicators.get(position=4)
    row.level3, row.value = "服务对象满意度", "≥50%"
    row.save()
    with pytest.raises(workflow.Blocked, match="请填写提交说明"):
        workflow.submit(world.table_a, world.filler_a)
    snapshot = workflow.submit(world.table_a, world.filler_a, warning_reason="新开展的业务，首年满意度难以达到80%。")
    assert snapshot.warning_reason.startswith("新开展的业务")
    assert [w["code"] for w in snapshot.warnings] == ["value.satisfaction_floor"]
    assert snapshot.warnings[0]["anchor"] == "indicator-4"


def test_a_submit_made_from_a_page_older_than_the_last_edit_changes_nothing(world):
    seen = workflow.fingerprint(workflow.current_data(world.table_a))
    row = first_indicator(world.table_a)
    row.value = "≥96%"
    row.save()  # a colleague's edit after the page was rendered
    with pytest.raises(workflow.StaleTransition, match="又被修改过"):
        workflow.submit(world.table_a, world.filler_a, fingerprint_seen=seen)
    assert fresh(world.table_a).status == Status.DRAFT and not Snapshot.objects.exists()
    fresh_seen = workflow.fingerprint(workflow.current_data(world.table_a))
    assert workflow.submit(world.table_a, world.filler_a, fingerprint_seen=fresh_seen).number == 1


def test_only_the_tables_own_fillers_submit(world):
    for user in (world.filler_b, world.reviewer_a, world.admin):
        with pytest.raises(workflow.NotAllowed):
            workflow.submit(world.table_a, user)
    assert fresh(world.table_a).status == Status.DRAFT


def test_a_submitted_table_cannot_be_submitted_again(world):
    workflow.submit(world.table_a, world.filler_a)
    with pytest.raises(workflow.StaleTransition, match="已提交"):
        workflow.submit(world.table_a, world.filler_a)
    assert Snapshot.objects.count() == 1


# ---------------------------------------------------------------- withdraw


def test_filler_withdraws_a_submission_the_reviewer_has_not_opened(world):
    snapshot = workflow.submit(world.table_a, world.filler_a)
    workflow.withdraw(world.table_a, world.filler_a, snapshot_number=snapshot.number)
    snapshot.refresh_from_db()
    assert snapshot.outcome == Snapshot.Outcome.WITHDRAWN
    assert fresh(world.table_a).status == Status.DRAFT


def test_withdrawal_is_refused_once_the_reviewer_opened_the_submission(world):
    snapshot = workflow.submit(world.table_a, world.filler_a)
    assert not workflow.mark_opened(world.table_a, world.filler_a)  # a filler opening it does not count
    assert workflow.mark_opened(world.table_a, world.reviewer_a)
    assert not workflow.mark_opened(world.table_a, world.reviewer_a)  # only the first opening is recorded
    with pytest.raises(workflow.Blocked, match="审核人已开始审核"):
        workflow.withdraw(world.table_a, world.filler_a, snapshot_number=snapshot.number)
    assert fresh(world.table_a).status == Status.SUBMITTED


def test_withdrawing_a_resubmission_goes_back_to_returned(world):
    first = workflow.submit(world.table_a, world.filler_a)
    comments.add_comment(world.table_a, world.reviewer_a, anchor="table", body="请补充。")
    workflow.return_table(world.table_a, world.reviewer_a, snapshot_number=first.number, reason="内容不全")
    second = workflow.submit(world.table_a, world.filler_a)
    workflow.withdraw(world.table_a, world.filler_a, snapshot_number=second.number)
    assert fresh(world.table_a).status == Status.RETURNED


# ---------------------------------------------------------------- return, approve


def test_returning_needs_a_reason_and_at_least_one_comment(world):
    snapshot = workflow.submit(world.table_a, world.filler_a)
    with pytest.raises(workflow.Blocked, match="退回原因"):
        workflow.return_table(world.table_a, world.reviewer_a, snapshot_number=snapshot.number, reason=" ")
    with pytest.raises(workflow.Blocked, match="至少添加一条批注"):
        workflow.return_table(world.table_a, world.reviewer_a, snapshot_number=snapshot.number, reason="请修改")
    comment_on_indicator(world.table_a, world.reviewer_a)
    decision = workflow.return_table(world.table_a, world.reviewer_a, snapshot_number=snapshot.number, reason="请修改")
    assert decision.action == "return" and decision.opinion == "请修改"
    assert fresh(world.table_a).status == Status.RETURNED and fresh(world.table_a).is_editable


def test_the_whole_cycle_submit_return_resubmit_approve(world):
    first = workflow.submit(world.table_a, world.filler_a)
    comment_on_indicator(world.table_a, world.reviewer_a, 1)
    comment_on_indicator(world.table_a, world.reviewer_a, 2)
    workflow.return_table(world.table_a, world.reviewer_a, snapshot_number=first.number, reason="两处指标值需核实")
    row = first_indicator(world.table_a)
    row.value = "≥98%"
    row.save()
    second = workflow.submit(world.table_a, world.filler_a)
    decision = approve(
        world.table_a,
        world.reviewer_a,
        second.number,
        checklist={**ALL_PASS, "feasibility": (False, "部分指标偏高")},
        grade="优",
    )
    table = fresh(world.table_a)
    assert table.status == Status.APPROVED and not table.is_editable
    assert [s.outcome for s in table.snapshots.order_by("number")] == ["returned", "approved"]
    assert decision.checklist()[3] == {"name": "可行性", "passed": False, "note": "部分指标偏高"}
    assert decision.grade == "优" and decision.published is True
    assert workflow.approved_snapshot(table) == second
    actions = list(AuditEntry.objects.filter(table=table).values_list("action", flat=True))
    # The second "approve" entry records the two comments left open, which the approval resolved.
    assert actions == ["submit", "return", "submit", "approve", "approve"]
    assert decision.closed_threads == 2


def test_approval_needs_the_opinion_the_four_checks_and_published_or_a_reason(world):
    snapshot = workflow.submit(world.table_a, world.filler_a)
    with pytest.raises(workflow.Blocked, match="审核意见"):
        approve(world.table_a, world.reviewer_a, snapshot.number, opinion="")
    with pytest.raises(workflow.Blocked, match="相关性"):
        approve(world.table_a, world.reviewer_a, snapshot.number, checklist={"completeness": (True, "")})
    with pytest.raises(workflow.Blocked, match="不公开"):
        approve(world.table_a, world.reviewer_a, snapshot.number, published=False)
    with pytest.raises(workflow.Blocked, match="评级"):
        approve(world.table_a, world.reviewer_a, snapshot.number, grade="甲")
    decision = approve(world.table_a, world.reviewer_a, snapshot.number, published=False, unpublished_reason="涉密")
    assert decision.published is False and decision.unpublished_reason == "涉密"


def test_only_reviewers_of_the_organisation_decide(world):
    snapshot = workflow.submit(world.table_a, world.filler_a)
    for user in (world.filler_a, world.reviewer_b, world.filler_b):
        with pytest.raises(workflow.NotAllowed):
            approve(world.table_a, user, snapshot.number)
    assert approve(world.table_a, world.admin, snapshot.number).reviewer == world.admin


def test_a_second_decision_on_the_same_submission_is_stale_and_changes_nothing(world):
    snapshot = workflow.submit(world.table_a, world.filler_a)
    comment_on_indicator(world.table_a, world.reviewer_a)
    approve(world.table_a, world.reviewer_a, snapshot.number)
    with pytest.raises(workflow.StaleTransition, match="已批复"):
        workflow.return_table(world.table_a, world.admin, snapshot_number=snapshot.number, reason="不同意")
    assert ReviewDecision.objects.count() == 1 and fresh(world.table_a).status == Status.APPROVED


def test_a_decision_on_a_withdrawn_and_resubmitted_table_is_stale(world):
    first = workflow.submit(world.table_a, world.filler_a)
    workflow.withdraw(world.table_a, world.filler_a, snapshot_number=first.number)
    workflow.submit(world.table_a, world.filler_a)
    with pytest.raises(workflow.StaleTransition, match="重新提交"):
        approve(world.table_a, world.reviewer_a, first.number)
    assert not ReviewDecision.objects.exists()


# ---------------------------------------------------------------- two review levels


def test_a_units_table_in_a_two_level_round_goes_to_its_department_first(world):
    two_level_round(world)
    dept = department_reviewer(world)
    table = fresh(world.table_unit_a)
    filler = MembershipFactory(organisation=world.unit_a, role=Membership.Role.FILLER).user
    snapshot = workflow.submit(table, filler)
    assert snapshot.stage == Stage.DEPARTMENT
    table = fresh(table)
    assert permissions.available_actions(table, dept, snapshot) >= {"forward", "return"}
    assert "approve" not in permissions.available_actions(table, world.reviewer_a, snapshot)
    with pytest.raises(workflow.Blocked, match="主管部门审核环节"):
        approve(table, world.reviewer_a, snapshot.number)
    with pytest.raises(workflow.NotAllowed):
        workflow.forward(table, world.reviewer_a, snapshot_number=snapshot.number)

    workflow.forward(table, dept, snapshot_number=snapshot.number, opinion="同意上报")
    snapshot.refresh_from_db()
    assert snapshot.stage == Stage.FINANCE and fresh(table).status == Status.SUBMITTED
    with pytest.raises(workflow.NotAllowed):
        approve(table, dept, snapshot.number)
    approve(table, world.reviewer_a, snapshot.number)
    meta = workflow.approval_meta(snapshot)
    assert meta["department_opinion"] == "同意上报" and meta["status"] == "approved"
    assert [d.stage for d in snapshot.decisions.all()] == ["department", "finance"]


def test_each_level_can_return_to_the_filler(world):
    two_level_round(world)
    dept = department_reviewer(world)
    filler = MembershipFactory(organisation=world.unit_a, role=Membership.Role.FILLER).user
    table = fresh(world.table_unit_a)
    first = workflow.submit(table, filler)
    comments.add_comment(table, dept, anchor="field:goal", body="目标太笼统")
    workflow.return_table(table, dept, snapshot_number=first.number, reason="主管部门退回")
    second = workflow.submit(table, filler)
    workflow.forward(table, dept, snapshot_number=second.number)
    comments.add_comment(table, world.reviewer_a, anchor="table", body="预算与任务不符")
    workflow.return_table(table, world.reviewer_a, snapshot_number=second.number, reason="财政退回")
    stages = list(ReviewDecision.objects.filter(action="return").values_list("stage", flat=True))
    assert stages == ["department", "finance"] and fresh(table).status == Status.RETURNED


def test_a_one_level_round_and_a_departments_own_table_skip_the_department_level(world):
    round_ = two_level_round(world)
    assert workflow.stages_for(fresh(world.table_a)) == [Stage.FINANCE]  # 部门A has no 主管部门 above it
    Round.objects.filter(pk=round_.pk).update(review_levels=1)
    assert workflow.stages_for(fresh(world.table_unit_a)) == [Stage.FINANCE]


# ---------------------------------------------------------------- reopen (调整)


def test_reopening_keeps_the_approved_version_valid_until_the_new_one_is_approved(world):
    first = workflow.submit(world.table_a, world.filler_a)
    approve(world.table_a, world.reviewer_a, first.number)
    version = fresh(world.table_a).version
    with pytest.raises(workflow.Blocked, match="原因"):
        workflow.reopen(world.table_a, world.reviewer_a, reason="", version=version)
    with pytest.raises(workflow.NotAllowed):
        workflow.reopen(world.table_a, world.filler_a, reason="年中调整", version=version)
    workflow.reopen(world.table_a, world.reviewer_a, reason="年中追加预算", version=version)
    table = fresh(world.table_a)
    assert table.status == Status.DRAFT and table.is_editable and table.version == version + 1
    assert workflow.approved_snapshot(table) == first  # still the valid version

    with pytest.raises(workflow.StaleTransition):  # a second reopen from the same page
        workflow.reopen(world.table_a, world.admin, reason="again", version=version)

    second = workflow.submit(table, world.filler_a)
    assert second.revision == 2
    assert workflow.approved_snapshot(table) == first
    approve(table, world.reviewer_a, second.number)
    first.refresh_from_db()
    assert first.outcome == Snapshot.Outcome.SUPERSEDED
    assert workflow.approved_snapshot(table) == second


# ---------------------------------------------------------------- audit and immutability


def test_the_audit_log_and_snapshots_cannot_be_edited(world):
    snapshot = workflow.submit(world.table_a, world.filler_a)
    entry = AuditEntry.objects.get()
    entry.what = "篡改"
    with pytest.raises(ImmutableRecordError):
        entry.save()
    with pytest.raises(ImmutableRecordError):
        entry.delete()
    with pytest.raises(ImmutableRecordError):
        AuditEntry.objects.update(what="篡改")
    with pytest.raises(ImmutableRecordError):
        AuditEntry.objects.all().delete()
    snapshot.data = {}
    with pytest.raises(ImmutableRecordError):
        snapshot.save()
    with pytest.raises(ImmutableRecordError):
        Snapshot.objects.update(data={})
    with pytest.raises(ImmutableRecordError):
        Snapshot.objects.all().delete()


# ---------------------------------------------------------------- comments


def test_comments_follow_their_row_and_show_as_outdated_when_it_changed(world):
    table = world.table_a
    workflow.submit(table, world.filler_a)
    thread = comment_on_indicator(table, world.reviewer_a, position=2, body="偏低")
    comments.reply(thread, world.filler_a, body="已调整")
    grouped = comments.comments_by_anchor(fresh(table))
    [found] = grouped[f"indicator:{thread.row_id}"]
    assert found.place.dom == "indicator-2" and not found.outdated
    assert [r.body for r in found.thread_replies] == ["已调整"]

    rows = list(table.indicators.order_by("position"))
    rows[0].position, rows[1].position = 99, 1  # move row 2 to the top
    rows[0].save()
    rows[1].value = "≥99%"
    rows[1].save()
    [found] = comments.comments_by_anchor(fresh(table))[f"indicator:{thread.row_id}"]
    assert found.place.dom == "indicator-1" and found.outdated

    rows[1].delete()
    [found] = comments.comments_by_anchor(fresh(table))[f"indicator:{thread.row_id}"]
    assert found.row_deleted and found.row_label.startswith("指标 2：")


def test_only_reviewers_start_threads_and_fillers_reply_and_resolve(world):
    with pytest.raises(workflow.NotAllowed):
        comments.add_comment(world.table_a, world.filler_a, anchor="table", body="?")
    thread = comments.add_comment(world.table_a, world.reviewer_a, anchor="field:goal", body="目标不具体")
    with pytest.raises(workflow.NotAllowed):
        comments.reply(thread, world.filler_b, body="…")
    with pytest.raises(workflow.StaleTransition):
        comments.add_comment(world.table_a, world.reviewer_a, anchor="indicator:999999", body="?")
    comments.set_resolved(thread, world.filler_a, resolved=True)
    thread.refresh_from_db()
    assert thread.resolved and thread.resolved_by == world.filler_a
    assert thread.anchor_key == "field:goal"


# ---------------------------------------------------------------- diffs


def test_the_diff_shows_changed_fields_and_rows_added_removed_and_moved(world):
    first = workflow.submit(world.table_a, world.filler_a)
    comment_on_indicator(world.table_a, world.reviewer_a)
    workflow.return_table(world.table_a, world.reviewer_a, snapshot_number=first.number, reason="改")
    table = world.table_a
    table.goal = "目标1：保障运转。目标2：提升效能。"
    table.save()
    rows = list(table.indicators.order_by("position"))
    rows[1].delete()
    rows[0].position = 10  # first row moved to the end
    rows[0].value = "≥97%"
    rows[0].save()
    table.indicators.create(position=11, level1="效益指标", level2="社会效益指标", level3="新指标", value="显著提高")
    second = workflow.submit(table, world.filler_a)
    diff = diff_tables(first.data, second.data)
    assert [(f.key, f.anchor) for f in diff.fields] == [("goal", "field-goal")]
    by_label = {r.label: r for r in diff.indicators}
    moved = by_label[rows[0].level3]
    assert moved.status == "changed" and moved.moved
    assert moved.changes == [("value", "指标值", "≥95%", "≥97%")]
    assert by_label[rows[1].level3].status == "removed"
    assert by_label["新指标"].status == "added" and by_label["新指标"].anchor == "indicator-4"
    assert not by_label[rows[2].level3].moved  # one move does not mark the rows below it
    assert diff.counts() == {"fields": 1, "added": 1, "removed": 1, "changed": 1, "moved": 1}


def test_rows_without_ids_match_by_name_for_the_previous_years_table():
    old = {
        "tasks": [],
        "indicators": [{"level1": "产出指标", "level2": "数量指标", "level3": "培训人数", "value": "≥100人"}],
    }
    new = {
        "tasks": [],
        "indicators": [{"level1": "产出指标", "level2": "数量指标", "level3": "培训人数", "value": "≥120人"}],
    }
    [row] = diff_tables(old, new).indicators
    assert row.status == "changed" and row.changes == [("value", "指标值", "≥100人", "≥120人")]


# ---------------------------------------------------------------- notifications


def test_each_step_notifies_the_other_side_in_the_app_and_by_mail(world, django_capture_on_commit_callbacks):
    world.reviewer_a.email = "reviewer_a@example.invalid"
    world.reviewer_a.save()
    world.filler_a.email = "filler_a@example.invalid"
    world.filler_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = workflow.submit(world.table_a, world.filler_a)
    assert Notification.objects.get(recipient=world.reviewer_a).kind == "submitted"
    assert mail.outbox[-1].to == ["reviewer_a@example.invalid"] and "已提交" in mail.outbox[-1].subject
    with django_capture_on_commit_callbacks(execute=True):
        comment_on_indicator(world.table_a, world.reviewer_a)
        workflow.return_table(world.table_a, world.reviewer_a, snapshot_number=snapshot.number, reason="请修改")
    assert mail.outbox[-1].to == ["filler_a@example.invalid"] and "请修改" in mail.outbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        second = workflow.submit(world.table_a, world.filler_a)
        approve(world.table_a, world.reviewer_a, second.number)
        workflow.reopen(world.table_a, world.reviewer_a, reason="调整", version=fresh(world.table_a).version)
    kinds = list(Notification.objects.filter(recipient=world.filler_a).order_by("id").values_list("kind", flat=True))
    assert kinds == ["returned", "approved", "reopened"]
    assert not Notification.objects.filter(recipient=world.filler_b).exists()


def test_a_refused_transition_sends_nothing(world, django_capture_on_commit_callbacks):
    world.reviewer_a.email = "reviewer_a@example.invalid"
    world.reviewer_a.save()
    row = first_indicator(world.table_a)
    row.value = "*"
    row.save()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(workflow.Blocked):
        workflow.submit(world.table_a, world.filler_a)
    assert not mail.outbox and not Notification.objects.exists()


def test_reminders_go_to_fillers_of_unsubmitted_tables_once_a_day(world):
    today = date(2026, 3, 1)
    round_ = Round.objects.create(year=2026, title="2026年预算", layout=layout(), deadline=today + timedelta(days=2))
    TargetTable.objects.filter(pk__in=[world.table_a.pk, world.table_b.pk]).update(round=round_)
    workflow.submit(world.table_b, world.filler_b)
    assert send_reminders(3, today) == 1
    assert send_reminders(3, today) == 0  # not twice on one day
    reminder = Notification.objects.get(kind="reminder")
    assert reminder.recipient == world.filler_a and "2 天后" in reminder.message
    assert send_reminders(1, today) == 0  # the deadline is further away than one day


def test_the_reminder_command_prints_how_many_it_sent(world, capsys):
    round_ = Round.objects.create(year=2026, title="2026年预算", layout=layout(), deadline=date(2026, 3, 3))
    TargetTable.objects.filter(pk=world.table_a.pk).update(round=round_)
    call_command("send_reminders", "--days", "5", "--today", "2026-03-01")
    assert "1" in capsys.readouterr().out


# ---------------------------------------------------------------- accounts import


def workbook(orgs, users) -> io.BytesIO:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "部门单位"
    sheet.append(["编码", "名称", "上级编码"])
    for row in orgs:
        sheet.append(row)
    sheet = book.create_sheet("用户")
    sheet.append(["用户名", "姓名", "邮箱", "部门编码", "角色", "含下属单位", "初始密码"])
    for row in users:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


GOOD_ORGS = [
    ["318", "丰润区财政局", None],
    ["318001", "丰润区财政局本级", "318"],
    ["318003", "国有资产事务中心", "318"],
]
GOOD_USERS = [
    ["zhang", "张三", "zhang@example.invalid", "318", "填报人", "是", "pw-2026-abcd"],
    ["li", "李四", None, "318", "主管部门审核人", None, None],
    ["wang", "王五", None, "318", "审核人", None, None],
    ["zhao", "赵六", None, None, "管理员", None, None],
]


def test_accounts_import_creates_organisations_users_and_roles_for_a_round(world):
    round_ = Round.objects.create(year=2026, title="2026年预算", layout=layout())
    result = import_accounts(workbook(GOOD_ORGS, GOOD_USERS), round_=round_, confirm_admins=True)
    assert (result.organisations_created, result.users_created, result.memberships_created) == (3, 4, 4)
    unit = Organisation.objects.get(code="318003")
    assert unit.parent.code == "318"
    assert RoundOrganisation.objects.filter(round=round_).count() == 3
    zhang = Membership.objects.get(user__username="zhang")
    assert zhang.include_units and zhang.user.check_password("pw-2026-abcd")
    assert not Membership.objects.get(user__username="li").user.has_usable_password()
    assert ReviewDuty.objects.get(membership__user__username="li").level == Stage.DEPARTMENT
    assert not ReviewDuty.objects.filter(membership__user__username="wang").exists()
    assert Membership.objects.get(user__username="zhao").role == "admin"
    again = import_accounts(workbook(GOOD_ORGS, GOOD_USERS), round_=round_, confirm_admins=True)
    assert (again.organisations_created, again.users_created, again.memberships_created) == (0, 0, 0)


def test_a_bad_accounts_workbook_names_sheet_and_cell_and_changes_nothing(world):
    orgs = [*GOOD_ORGS, ["318009", "", "999"], ["318001", "重复", None]]
    users = [*GOOD_USERS, ["bad user!", "x", "not-an-email", "777", "局长", "也许", "short"]]
    with pytest.raises(AccountsImportError) as caught:
        import_accounts(workbook(orgs, users))
    errors = caught.value.errors
    assert "部门单位!B5：名称不能为空" in errors
    assert any(e.startswith("部门单位!C5：找不到上级“999”") for e in errors)
    assert any(e.startswith("部门单位!A6：编码“318001”重复") for e in errors)
    assert any(e.startswith("用户!A6：用户名“bad user!”无效") for e in errors)
    assert any(e.startswith("用户!C6：邮箱") for e in errors)
    assert any(e.startswith("用户!E6：角色“局长”无效") for e in errors)
    assert not Organisation.objects.filter(code__startswith="318").exists()
    assert not type(world.admin).objects.filter(username="zhang").exists()


def test_an_accounts_workbook_without_the_sheets_is_refused(world):
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    buffer.seek(0)
    with pytest.raises(AccountsImportError, match="部门单位"):
        import_accounts(buffer)
    with pytest.raises(AccountsImportError, match="不是 xlsx"):
        import_accounts(io.BytesIO(b"code,name\n1,a\n"))


# ---------------------------------------------------------------- races (PostgreSQL)

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


def _race(monkeypatch, *moves) -> list:
    """Run the moves in threads at the same moment; each holds the row lock a little while."""
    original = workflow._lock

    def slow_lock(pk, **kwargs):
        table = original(pk, **kwargs)
        time.sleep(0.3)  # keep the lock so the other thread really waits on it
        return table

    monkeypatch.setattr(workflow, "_lock", slow_lock)
    barrier = threading.Barrier(len(moves))
    results: list = [None] * len(moves)

    def run(i, move):
        try:
            barrier.wait()
            results[i] = move()
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, move)) for i, move in enumerate(moves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_and_returning_at_once_exactly_one_wins(reference_tables, world, monkeypatch):
    snapshot = workflow.submit(world.table_a, world.filler_a)
    comments.add_comment(world.table_a, world.reviewer_a, anchor="table", body="请核实")
    results = _race(
        monkeypatch,
        lambda: approve(world.table_a, world.reviewer_a, snapshot.number),
        lambda: workflow.return_table(world.table_a, world.admin, snapshot_number=snapshot.number, reason="退回"),
    )
    winners = [r for r in results if isinstance(r, ReviewDecision)]
    losers = [r for r in results if isinstance(r, workflow.StaleTransition)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert ReviewDecision.objects.filter(snapshot=snapshot).count() == 1
    expected = Status.APPROVED if winners[0].action == "approve" else Status.RETURNED
    assert TargetTable.objects.get(pk=world.table_a.pk).status == expected
    # One transition logged; an approval also logs the open comment it resolved (a second entry, not a transition).
    transitions = AuditEntry.objects.filter(table=world.table_a).exclude(action="submit")
    assert transitions.exclude(what__contains="批注标为已解决").count() == 1


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_two_fillers_submitting_at_once_make_one_snapshot(reference_tables, world, monkeypatch):
    colleague = MembershipFactory(organisation=world.org_a, role=Membership.Role.FILLER).user
    results = _race(
        monkeypatch,
        lambda: workflow.submit(world.table_a, world.filler_a),
        lambda: workflow.submit(world.table_a, colleague),
    )
    assert sum(isinstance(r, Snapshot) for r in results) == 1, results
    assert sum(isinstance(r, workflow.StaleTransition) for r in results) == 1
    assert Snapshot.objects.filter(table=world.table_a).count() == 1
