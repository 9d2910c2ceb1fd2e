"""Filling a monitoring form: a row's save over htmx, its light and the form's, the explanations a red or
yellow row needs, and optimistic locking (tables/monitoring/filling.py and its views)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from tables.models import MonitoringForm, MonitoringRow
from tables.monitoring import filling
from tables.monitoring.rounds import open_round
from tests.monitoring.test_rounds import approve

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def form(world):
    approve(world.table_a, world.filler_a, world.reviewer_a)
    opened = open_round(world.admin, year=2026, month=6)
    form = MonitoringForm.objects.get(round=opened.round)
    form.rows.filter(position=1).update(
        level3="培训人次", value="≥100人次", comparator="≥", number=D(100), unit="人次", accumulation="累计型"
    )
    form.rows.filter(position=2).update(
        level3="制度健全性", value="健全", comparator="定性", number=None, unit="", value_type="定性"
    )
    return form


def row(form, position) -> MonitoringRow:
    return form.rows.get(position=position)


def post_row(client, form, position, **data):
    target = row(form, position)
    payload = {"base": filling.row_fingerprint(target), **data}
    return client.post(reverse("monitoring-form-row", args=[form.pk, target.pk]), payload, headers=HTMX)


def test_the_filler_sees_the_copied_targets_read_only_with_inputs_for_completion(client, world, form):
    client.force_login(world.filler_a)
    html = client.get(reverse("monitoring-form", args=[form.pk])).content.decode()
    assert "培训人次" in html and "≥100人次" in html and 'name="actual"' in html and 'name="actual_result"' in html
    assert 'name="level3"' not in html and 'name="value"' not in html  # the target is not an input
    client.force_login(world.reviewer_a)
    html = client.get(reverse("monitoring-form", args=[form.pk])).content.decode()
    assert "培训人次" in html and 'name="actual"' not in html


def test_a_green_row_saves_and_lights_the_row_and_the_table(client, world, form):
    client.force_login(world.filler_a)
    response = post_row(client, form, 1, actual="50")  # 50 of 100 by June: 100 % of the pro-rated target
    assert response.status_code == 200
    html = response.content.decode()
    assert "绿灯" in html and 'id="form-light" hx-swap-oob="true"' in html and "已保存" in html
    assert row(form, 1).actual == D(50) and row(form, 1).light == "green"
    form.refresh_from_db()
    assert form.light == "green" and form.version == 2


def test_a_red_row_is_refused_until_it_has_a_reason_a_measure_a_disposal_and_a_due_date(client, world, form):
    client.force_login(world.filler_a)
    response = post_row(client, form, 1, actual="20")  # 20 of 50: 40 %
    assert response.status_code == 422
    html = response.content.decode()
    assert "红灯" in html and "“培训人次”：红灯指标须选择偏差原因" in html
    assert "红灯指标须选择处置方式（继续执行/调剂/取消）" in html and "整改完成时限" in html
    assert 'value="20"' in html  # what was typed stays in the row
    assert row(form, 1).actual is None  # nothing saved
    response = post_row(
        client, form, 1, actual="20", reasons=["经费保障", "其他"], explanation="资金下达晚，三季度集中培训",
        disposal="继续执行", due="2026-09-30", likelihood="有可能",
    )  # fmt: skip
    assert response.status_code == 200
    saved = row(form, 1)
    assert (saved.light, saved.reasons, saved.disposal, str(saved.due)) == (
        "red",
        ["经费保障", "其他"],
        "继续执行",
        "2026-09-30",
    )
    form.refresh_from_db()
    assert form.light == "red"


def test_a_qualitative_row_takes_a_result_and_yellow_needs_a_reason_and_measure(client, world, form):
    client.force_login(world.filler_a)
    response = post_row(client, form, 2, actual_result="部分达成")
    assert response.status_code == 422 and "黄灯指标须填写原因说明及纠偏措施" in response.content.decode()
    response = post_row(client, form, 2, actual_result="部分达成", reasons=["制度保障"], explanation="制度修订中")
    assert response.status_code == 200 and row(form, 2).light == "yellow"


def test_bad_input_is_named_in_chinese(client, world, form):
    client.force_login(world.filler_a)
    response = post_row(client, form, 1, actual="很多", due="明天", reasons=["天气"])
    html = response.content.decode()
    assert response.status_code == 422
    assert "“培训人次”的1–N月实际完成值“很多”应为数字（单位：人次）" in html
    assert "“培训人次”的整改完成时限“明天”不是有效日期" in html
    assert "偏差原因“天气”不在本批次的选项中" in html


def test_a_value_typed_with_its_unit_is_read(client, world, form):
    client.force_login(world.filler_a)
    assert post_row(client, form, 1, actual="60人次").status_code == 200
    assert row(form, 1).actual == D(60) and row(form, 1).light == "blue"  # 120 % of the pro-rated 50


def test_a_row_saved_by_a_colleague_meanwhile_is_a_conflict(client, world, form):
    client.force_login(world.filler_a)
    stale = filling.row_fingerprint(row(form, 1))
    assert post_row(client, form, 1, actual="50").status_code == 200
    target = row(form, 1)
    response = client.post(
        reverse("monitoring-form-row", args=[form.pk, target.pk]), {"base": stale, "actual": "10"}, headers=HTMX
    )
    assert response.status_code == 409 and 'value="50"' in response.content.decode()
    assert row(form, 1).actual == D(50)


def test_another_row_saved_meanwhile_is_no_conflict(client, world, form):
    client.force_login(world.filler_a)
    base = filling.row_fingerprint(row(form, 1))
    assert post_row(client, form, 2, actual_result="达成").status_code == 200
    target = row(form, 1)
    response = client.post(
        reverse("monitoring-form-row", args=[form.pk, target.pk]), {"base": base, "actual": "50"}, headers=HTMX
    )
    assert response.status_code == 200


def test_a_submitted_form_is_read_only(client, world, form):
    MonitoringForm.objects.filter(pk=form.pk).update(status=MonitoringForm.Status.SUBMITTED)
    client.force_login(world.filler_a)
    response = post_row(client, form, 1, actual="50")
    assert response.status_code == 403 and "已提交" in response.content.decode()


def test_saving_a_row_reads_a_fixed_number_of_queries(client, world, form, django_assert_num_queries):
    client.force_login(world.filler_a)
    post_row(client, form, 1, actual="40")
    target = row(form, 1)
    url = reverse("monitoring-form-row", args=[form.pk, target.pk])
    data = {"base": filling.row_fingerprint(target), "actual": "50"}
    # session, user, roles, the form (view); savepoint, the version bump (which takes the lock), the form
    # read back, the row, the row saved, the other rows' lights, the form's light, release (save)
    with django_assert_num_queries(12):
        assert client.post(url, data, headers=HTMX).status_code == 200
