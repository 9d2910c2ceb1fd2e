"""In-year monitoring in a real browser: the bureau opens a 1–7月 round; a filler enters a lagging
indicator, is made to explain it, and sees the red light beside the row and the table; then enters the
money executed and sees its light, and the narrative saves itself on change."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from tables.models import MonitoringForm
from tests.conftest import chromium_page
from tests.monitoring.test_rounds import approve
from tests.test_setup_browser import log_in

pytestmark = [pytest.mark.browser]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def page():
    with chromium_page() as page:
        yield page


def test_the_bureau_opens_a_round_and_a_filler_explains_a_red_row(reference_tables, live_server, world, page):
    base = live_server.url
    approve(world.table_a, world.filler_a, world.reviewer_a)

    log_in(page, base, "bureau_admin")
    page.goto(f"{base}/monitoring/")
    page.click("#monitoring-open")
    page.get_by_label("预算年度").fill("2026")
    page.get_by_label("监控期间").select_option(label="1–7月")
    page.click("#monitoring-round-form button[type=submit]")
    expect(page.get_by_text("新增 1 张监控表")).to_be_visible()

    form = MonitoringForm.objects.get()
    form.rows.filter(position=1).update(
        level3="培训人次", value="≥120人次", comparator="≥", number=D(120), unit="人次", accumulation="累计型"
    )
    MonitoringForm.objects.filter(pk=form.pk).update(budget_total="100")
    log_in(page, base, "filler_a")
    page.goto(f"{base}/monitoring/")
    page.get_by_role("link", name=form.title).click()
    row = page.locator(f"#mrow-{form.rows.get(position=1).pk}")
    row.get_by_label("培训人次 实际完成值（人次）").fill("30")  # 30 of 70 by July: 43 %
    row.get_by_role("button", name="保存").click()
    row = page.locator(f"#mrow-{form.rows.get(position=1).pk}")
    expect(row.get_by_text("“培训人次”：红灯指标须选择偏差原因")).to_be_visible()
    expect(row.get_by_text("红灯", exact=True)).to_be_visible()

    row.get_by_label("经费保障").check()
    row.get_by_label("培训人次 原因说明及纠偏措施").fill("资金下达晚，三季度集中培训")
    row.get_by_label("培训人次 处置方式").select_option("继续执行")
    row.get_by_label("培训人次 整改完成时限").fill("2026-09-30")
    row.get_by_role("button", name="保存").click()
    expect(page.locator(f"#mrow-{form.rows.get(position=1).pk}").get_by_text("已保存")).to_be_visible()
    expect(page.locator("#form-light").get_by_text("红灯")).to_be_visible()
    form.refresh_from_db()
    assert form.light == "red" and form.rows.get(position=1).disposal == "继续执行"

    # The money, after the row's save moved the form's version on (the page took the new one).
    money = page.locator("#monitoring-money-block")
    money.get_by_label("年度资金总额 1–7月执行数（万元）").fill("60")  # 60 % against 序时进度 58.33 %
    money.get_by_role("button", name="保存预算执行情况").click()
    expect(page.locator("#money-light").get_by_text("绿灯")).to_be_visible()
    expect(page.locator("#monitoring-money").get_by_text("60.00%")).to_be_visible()
    page.get_by_label("总体执行情况").fill("总体按计划推进")
    page.get_by_label("存在问题").click()  # leaving the field is a change: it saves itself
    expect(page.locator("#narrative-status").get_by_text("已自动保存")).to_be_visible()
    form.refresh_from_db()
    assert (form.executed_total, form.money_light, form.summary) == (D(60), "green", "总体按计划推进")
    assert form.light == "red"  # the red row still outranks the green money
