"""Filling a monitoring form's money and narrative over htmx: amounts read and refused by name, 执行率 and
the money light at their boundaries, the explanations a red or yellow money light needs, the form's light,
and optimistic locking on the form's version (tables/monitoring/filling.py and its views)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from tables.models import MonitoringForm
from tests.monitoring.test_filling import HTMX, form, post_row  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def budgeted(form):  # noqa: F811
    """The form with a 全年预算数 of 100 万元 in total (June: 序时进度 50 %)."""
    MonitoringForm.objects.filter(pk=form.pk).update(budget_total="100", budget_fiscal="80", budget_other="20")
    form.refresh_from_db()
    return form


def version(target) -> int:
    return MonitoringForm.objects.get(pk=target.pk).version


def post_money(client, target, **data):
    payload = {"version": str(version(target)), **data}
    return client.post(reverse("monitoring-form-money", args=[target.pk]), payload, headers=HTMX)


def post_narrative(client, target, **data):
    payload = {"version": str(version(target)), **data}
    return client.post(reverse("monitoring-form-narrative", args=[target.pk]), payload, headers=HTMX)


def test_the_filler_sees_money_and_narrative_inputs_the_reviewer_reads_them(client, world, budgeted):
    client.force_login(world.filler_a)
    html = client.get(reverse("monitoring-form", args=[budgeted.pk])).content.decode()
    for name in ("executed_total", "projected_fiscal", "budget_carryover", "money_explanation", "summary", "measures"):
        assert f'name="{name}"' in html
    assert 'name="budget_total"' not in html  # the approved budget is copied, read-only
    assert 'hx-trigger="change delay:300ms, submit"' in html  # the narrative saves itself on change
    client.force_login(world.reviewer_a)
    html = client.get(reverse("monitoring-form", args=[budgeted.pk])).content.decode()
    assert 'name="executed_total"' not in html and "总体执行情况" in html


@pytest.mark.parametrize(
    ("executed", "light", "rate"),
    [
        ("29.99", "red", "29.99%"),  # 29.99 % of the budget is 59.98 % of 序时进度: below 60
        ("30", "yellow", "30.00%"),  # exactly 60 %: yellow
        ("39.999", "yellow", "40.00%"),
        ("40", "green", "40.00%"),  # exactly 80 %: green
    ],
)
def test_the_money_light_at_its_boundaries_through_the_page(client, world, budgeted, executed, light, rate):
    client.force_login(world.filler_a)
    explained = {"money_reasons": ["经费保障"], "money_explanation": "资金下达晚，三季度集中支付"}
    response = post_money(client, budgeted, executed_total=executed, **(explained if light != "green" else {}))
    assert response.status_code == 200
    html = response.content.decode()
    assert rate in html and {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}[light] in html
    assert 'id="form-light" hx-swap-oob="true"' in html and 'id="money-version"' in html
    saved = MonitoringForm.objects.get(pk=budgeted.pk)
    assert (saved.executed_total, saved.money_light, saved.light) == (D(executed), light, light)


def test_a_red_money_light_needs_a_reason_and_a_measure(client, world, budgeted):
    client.force_login(world.filler_a)
    response = post_money(client, budgeted, executed_total="10")
    html = response.content.decode()
    assert response.status_code == 422
    assert "资金执行：红灯资金执行须选择偏差原因" in html and "资金执行：红灯资金执行须填写原因说明及纠偏措施" in html
    assert "处置方式" not in html.split("money-errors")[1]  # money has no disposal
    assert 'value="10"' in html  # what was typed stays
    assert MonitoringForm.objects.get(pk=budgeted.pk).executed_total is None and version(budgeted) == 1


def test_the_table_light_is_the_worst_of_rows_and_money(client, world, budgeted):
    client.force_login(world.filler_a)
    assert post_row(client, budgeted, 1, actual="50").status_code == 200  # a green row
    explained = {"money_reasons": ["其他"], "money_explanation": "项目招标延后"}
    assert post_money(client, budgeted, executed_total="35", **explained).status_code == 200  # yellow money
    assert MonitoringForm.objects.get(pk=budgeted.pk).light == "yellow"
    assert post_money(client, budgeted, executed_total="50").status_code == 200  # green money
    assert MonitoringForm.objects.get(pk=budgeted.pk).light == "green"


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("executed_total", "很多", "年度资金总额的1–6月执行数“很多”应为数字（单位：万元）"),
        ("projected_fiscal", "-3", "其中：财政拨款的全年预计执行数“-3”不能为负数"),
        ("executed_other", "1.1234567", "其他资金的1–6月执行数“1.1234567”最多6位小数"),
        ("budget_carryover", "abc", "上年结转的全年预算数“abc”应为数字（单位：万元）"),
    ],
)
def test_bad_amounts_are_refused_naming_the_line(client, world, budgeted, field, text, message):
    client.force_login(world.filler_a)
    response = post_money(
        client, budgeted, **{field: text, "executed_total": "50"} if field != "executed_total" else {field: text}
    )
    assert response.status_code == 422 and message in response.content.decode()
    saved = MonitoringForm.objects.get(pk=budgeted.pk)
    assert saved.executed_total is None and saved.version == 1  # nothing written


def test_the_carryover_budget_is_the_units_and_its_rate_is_shown(client, world, budgeted):
    client.force_login(world.filler_a)
    response = post_money(client, budgeted, executed_total="50", budget_carryover="10", executed_carryover="2.5")
    assert response.status_code == 200 and "25.00%" in response.content.decode()
    saved = MonitoringForm.objects.get(pk=budgeted.pk)
    assert (saved.budget_carryover, saved.executed_carryover) == (D(10), D("2.5"))


def test_a_stale_money_save_is_refused_and_what_was_typed_comes_back(client, world, budgeted):
    client.force_login(world.filler_a)
    stale = version(budgeted)
    assert post_row(client, budgeted, 1, actual="50").status_code == 200  # a colleague saved a row meanwhile
    url = reverse("monitoring-form-money", args=[budgeted.pk])
    response = client.post(url, {"version": str(stale), "executed_total": "45"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 409 and "已被他人修改，未保存" in html and 'value="45"' in html
    assert f'value="{stale + 1}" hx-swap-oob="true"' in html  # the newer version, to save again knowingly
    assert MonitoringForm.objects.get(pk=budgeted.pk).executed_total is None


def test_the_narrative_is_saved_and_a_stale_one_refused(client, world, budgeted):
    client.force_login(world.filler_a)
    text = {
        "goal_progress": "已培训50人次",
        "summary": "总体按计划推进",
        "problems": "资金到位晚",
        "measures": "加快支付",
    }
    response = post_narrative(client, budgeted, **text)
    assert response.status_code == 200 and "已自动保存" in response.content.decode()
    saved = MonitoringForm.objects.get(pk=budgeted.pk)
    assert (saved.goal_progress, saved.summary, saved.problems, saved.measures, saved.version) == (*text.values(), 2)
    url = reverse("monitoring-form-narrative", args=[budgeted.pk])
    response = client.post(url, {"version": "1", "summary": "旧页面的改动"}, headers=HTMX)
    assert response.status_code == 409 and "已被他人修改，未保存" in response.content.decode()
    assert MonitoringForm.objects.get(pk=budgeted.pk).summary == "总体按计划推进"
    html = client.get(reverse("monitoring-form", args=[budgeted.pk])).content.decode()
    assert "总体按计划推进" in html and "加快支付" in html


def test_only_the_units_fillers_save_while_the_form_is_editable(client, world, budgeted):
    client.force_login(world.reviewer_a)
    assert post_money(client, budgeted, executed_total="50").status_code == 403
    client.force_login(world.filler_b)
    assert post_narrative(client, budgeted, summary="别的单位").status_code == 404
    MonitoringForm.objects.filter(pk=budgeted.pk).update(status=MonitoringForm.Status.SUBMITTED)
    client.force_login(world.filler_a)
    assert post_money(client, budgeted, executed_total="50").status_code == 403
    assert post_narrative(client, budgeted, summary="改").status_code == 403
    assert MonitoringForm.objects.get(pk=budgeted.pk).summary == ""


def test_saving_the_money_reads_a_fixed_number_of_queries(client, world, budgeted, django_assert_num_queries):
    client.force_login(world.filler_a)
    post_money(client, budgeted, executed_total="40")
    data = {"version": str(version(budgeted)), "executed_total": "45"}
    url = reverse("monitoring-form-money", args=[budgeted.pk])
    # session, user, roles, the form (view); savepoint, the version bump (which takes the lock), the form
    # read back, the rows' lights, the form saved, release (save)
    with django_assert_num_queries(10):
        assert client.post(url, data, headers=HTMX).status_code == 200
