"""The monitoring records: a round's period and rules, a form's money block, a row's light and what it requires."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import IntegrityError

from tables.models import MonitoringForm, MonitoringRound, MonitoringRow
from tables.monitoring import lights

pytestmark = pytest.mark.django_db


@pytest.fixture
def form(world):
    round_ = MonitoringRound.objects.create(year=2026, month=7)
    return MonitoringForm.objects.create(
        round=round_, table=world.table_a, organisation=world.org_a, title="表A", budget_total=D("200.00")
    )


def test_a_round_names_its_period_and_refuses_a_month_outside_the_year(db):
    assert MonitoringRound(year=2026, month=1).period_label == "1月"
    assert MonitoringRound(year=2026, month=7).period_label == "1–7月"
    with pytest.raises(IntegrityError):
        MonitoringRound.objects.create(year=2026, month=13)


def test_the_money_block_gives_each_source_its_execution_rate(form):
    form.budget_fiscal, form.executed_total, form.executed_fiscal = D("100.00"), D("70.00"), D("50.00")
    money = {line["source"]: line for line in form.money()}
    assert [line["label"] for line in form.money()] == ["年度资金总额", "其中：财政拨款", "上年结转", "其他资金"]
    assert money["total"]["rate"] == D(35) and money["fiscal"]["rate"] == D(50)
    assert money["carryover"]["rate"] is None
    # 35 % executed by July against 58.33 % 序时进度 is exactly 60 %: yellow
    assert form.money_verdict().light == lights.YELLOW


def test_a_row_is_judged_with_its_rounds_rules_and_names_what_it_lacks(form):
    row = MonitoringRow.objects.create(
        form=form, position=1, level3="培训人次", value="≥120人次", comparator="≥", number=D(120), unit="人次",
        direction="正向", value_type="定量", accumulation="累计型", actual=D(40),
    )  # fmt: skip
    verdict = row.verdict(7, form.round.rules())  # 40 of 70 pro-rated: 57 %
    assert verdict.light == lights.RED
    assert row.missing_explanations(verdict.light) == [
        "“培训人次”：红灯指标须选择偏差原因",
        "“培训人次”：红灯指标须填写原因说明及纠偏措施",
        "“培训人次”：红灯指标须选择处置方式（继续执行/调剂/取消）",
        "“培训人次”：红灯指标须填写整改完成时限",
    ]
    row.reasons, row.explanation = ["经费保障"], "资金到位晚，下半年集中培训"
    row.disposal, row.due = MonitoringRow.Disposal.CONTINUE, date(2026, 10, 31)
    assert row.missing_explanations(verdict.light) == []


def test_a_qualitative_row_reads_its_result_not_a_number(form):
    row = MonitoringRow(form=form, level3="制度健全性", value="健全", comparator="定性", value_type="定性")
    row.actual_result = MonitoringRow.Result.PARTLY
    assert row.verdict(7, lights.DEFAULT).light == lights.YELLOW
