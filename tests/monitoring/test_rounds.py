"""Opening a monitoring round (tables/monitoring/rounds.py): which tables, what is copied, idempotent, atomic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from indicators.models import Indicator
from tables.models import MonitoringForm, MonitoringRound, MonitoringRow, ReviewDecision
from tables.monitoring import lights
from tables.monitoring.rounds import open_round
from tables.review import workflow
from tables.review.workflow import Blocked, NotAllowed
from tests.factories import table_with_rows

pytestmark = pytest.mark.django_db

ALL_PASS = {stem: (True, "") for stem, _ in ReviewDecision.CHECKLIST}
KEY = MonitoringRound.Scope.KEY


def approve(table, filler, reviewer):
    snapshot = workflow.submit(table, filler)
    workflow.approve(
        table,
        reviewer,
        workflow.Approval(opinion="同意", checklist=ALL_PASS, published=True),
        snapshot_number=snapshot.number,
    )
    table.refresh_from_db()


@pytest.fixture
def approved_a(world):
    table = world.table_a
    # three tasks of 10.00 万元 each, all 财政拨款 (the checks compare the budget with the tasks)
    table.budget_total, table.budget_fiscal, table.budget_other = D("30.00"), D("30.00"), D("0")
    table.save()
    rows = list(table.indicators.order_by("position"))
    for row, (level3, value, direction) in zip(
        rows,
        [
            ("培训人次", "≥500人次", "正向"),
            ("项目验收合格率", "≥95%", ""),
            ("日常维护总成本", "≤62万元", ""),
            ("群众满意度", "≥90%", ""),
        ],
        strict=True,
    ):
        Indicator.objects.filter(pk=row.pk).update(level3=level3, value=value, direction=direction)
    approve(table, world.filler_a, world.reviewer_a)
    return table


def test_a_round_gives_each_approved_table_a_form_copying_its_targets(world, approved_a):
    opened = open_round(world.admin, year=2026, month=7, deadline=date(2026, 8, 10))
    assert opened.created and opened.added == 1  # table B and the unit's table are drafts
    form = MonitoringForm.objects.get(round=opened.round)
    assert form.table == approved_a and form.organisation == world.org_a
    assert form.status == MonitoringForm.Status.DRAFT and form.snapshot == workflow.approved_snapshot(approved_a)
    assert (form.initial_total, form.budget_total, form.budget_fiscal, form.budget_other) == (
        D("30.00"),
        D("30.00"),
        D("30.00"),
        D("0"),
    )
    assert form.budget_carryover is None and form.executed_total is None
    assert form.goal == approved_a.goal
    rows = list(form.rows.order_by("position"))
    assert [(r.level3, r.comparator, r.number, r.unit, r.direction, r.value_type, r.accumulation) for r in rows] == [
        ("培训人次", "≥", D(500), "人次", "正向", "定量", "累计型"),
        ("项目验收合格率", "≥", D(95), "%", "", "定量", "时点型"),
        ("日常维护总成本", "≤", D(62), "万元", "", "定量", "累计型"),
        ("群众满意度", "≥", D(90), "%", "", "定量", "时点型"),
    ]
    assert all(row.light == "" and row.indicator_id for row in rows)
    assert str(opened.round) == "2026年1–7月绩效运行监控（部门自行监控）"
    assert opened.round.rules() == lights.DEFAULT


def test_opening_again_adds_only_the_tables_approved_since(world, approved_a):
    first = open_round(world.admin, year=2026, month=7)
    again = open_round(world.admin, year=2026, month=7)
    assert again.round == first.round and not again.created and again.added == 0
    approve(world.table_b, world.filler_b, world.reviewer_b)
    later = open_round(world.admin, year=2026, month=7)
    assert later.added == 1
    assert set(MonitoringForm.objects.values_list("table_id", flat=True)) == {approved_a.pk, world.table_b.pk}
    assert MonitoringRow.objects.filter(form__table=approved_a).count() == 4  # not copied twice


def test_a_table_reopened_for_adjustment_is_followed_in_its_approved_version(world, approved_a):
    workflow.reopen(approved_a, world.reviewer_a, reason="年中调整", version=approved_a.version)
    Indicator.objects.filter(table=approved_a, level3="培训人次").update(value="≥800人次")  # the draft of the 调整
    form = MonitoringForm.objects.get(round=open_round(world.admin, year=2026, month=7).round)
    assert form.rows.get(level3="培训人次").number == D(500)


def test_after_an_approved_adjustment_the_budget_in_force_and_the_initial_one_differ(world, approved_a):
    workflow.reopen(approved_a, world.reviewer_a, reason="追加预算", version=approved_a.version)
    approved_a.refresh_from_db()
    approved_a.budget_total = approved_a.budget_fiscal = D("50.00")
    approved_a.save()
    approved_a.tasks.filter(position=1).update(total=D("30.00"), fiscal=D("30.00"))
    Indicator.objects.filter(table=approved_a, level3="培训人次").update(value="≥800人次")
    approve(approved_a, world.filler_a, world.reviewer_a)
    form = MonitoringForm.objects.get(round=open_round(world.admin, year=2026, month=7).round)
    assert (form.revision, form.initial_total, form.budget_total) == (2, D("30.00"), D("50.00"))
    assert form.rows.get(level3="培训人次").number == D(800)


def test_an_indicators_own_accumulation_is_copied(world, approved_a):
    Indicator.objects.filter(table=approved_a, level3="培训人次").update(accumulation="时点型")
    form = MonitoringForm.objects.get(round=open_round(world.admin, year=2026, month=7).round)
    assert form.rows.get(level3="培训人次").accumulation == "时点型"


def test_key_monitoring_takes_only_the_chosen_tables(world, approved_a):
    approve(world.table_b, world.filler_b, world.reviewer_b)
    opened = open_round(world.admin, year=2026, month=10, scope=KEY, table_ids=[world.table_b.pk])
    assert list(opened.round.forms.values_list("table_id", flat=True)) == [world.table_b.pk]
    # a 部门自行监控 round of the same period is another round
    assert open_round(world.admin, year=2026, month=10).round != opened.round


def test_choosing_a_table_not_approved_refuses_the_whole_opening(world, approved_a):
    with pytest.raises(Blocked, match=str(world.table_b.pk)):
        open_round(world.admin, year=2026, month=7, scope=KEY, table_ids=[approved_a.pk, world.table_b.pk])
    with pytest.raises(Blocked, match="至少一张"):
        open_round(world.admin, year=2026, month=7, scope=KEY, table_ids=[])
    assert not MonitoringRound.objects.exists() and not MonitoringForm.objects.exists()


def test_only_the_bureau_admin_opens_a_round(world, approved_a):
    for user in (world.filler_a, world.reviewer_a):
        with pytest.raises(NotAllowed, match="财政局管理员"):
            open_round(user, year=2026, month=7)
    with pytest.raises(ValueError, match="1–12"):
        open_round(world.admin, year=2026, month=13)
    assert not MonitoringRound.objects.exists()


def test_settings_given_again_replace_the_rounds(world, approved_a):
    open_round(world.admin, year=2026, month=6)
    opened = open_round(
        world.admin, year=2026, month=6, thresholds=lights.SICHUAN_2025, reasons=["经费保障", " ", "经费保障", "其他"]
    )
    opened.round.refresh_from_db()
    assert opened.round.rules() == lights.SICHUAN_2025
    assert opened.round.reasons == ["经费保障", "其他"]


def test_opening_copies_many_tables_in_a_fixed_number_of_queries(world, django_assert_num_queries):
    from tables.models import TargetTable

    TargetTable.objects.update(status=TargetTable.Status.APPROVED)  # approved by an import: no snapshot
    for _ in range(3):
        table_with_rows(world.org_b, indicators=5, status=TargetTable.Status.APPROVED, kind="project",
                        project_code=f"P{TargetTable.objects.count()}", title="项目")  # fmt: skip
    # the user's roles; the round: savepoint, get, savepoint, insert, release, lock; the tables; their approved
    # snapshots; the tables without one (none here has one) with their tasks and indicators; the forms
    # (insert, read back); the indicators' own accumulation; the library; the rows; release
    with django_assert_num_queries(18):
        opened = open_round(world.admin, year=2026, month=7)
    assert opened.added == 6 and MonitoringRow.objects.count() == 4 * 3 + 5 * 3
