"""建议指标 in a real browser: start a project table, type its name and goal, open the panel and add three
suggestions with one click each (the keyboard for the third); their values, units and basis are filled."""

from __future__ import annotations

import pytest
from django.db import connections

from indicators import suggestions
from indicators.models import Indicator
from tables.models import Layout, Round, TargetTable
from tests.conftest import chromium_page
from tests.editor.test_editor_browser import log_in, saved, settle, shot, wait_until
from tests.editor.test_suggestions import indicators, project
from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _reference(reference_tables):
    """Schemes, layouts and catalog are back after the previous test's flush (tests/conftest.py)."""


@pytest.fixture
def page():
    suggestions.forget_index()
    with chromium_page() as page:
        yield page
    connections.close_all()  # the connection opened in Playwright's loop context
    suggestions.forget_index()


def test_a_filler_adds_three_suggestions_with_one_click_each(live_server, page, world):
    for i, organisation in enumerate(("丙县农业农村局", "丁县农业农村局")):
        county = OrganisationFactory(name=organisation)
        approved = project(county, year=2026, status=TargetTable.Status.APPROVED, code=f"P{i}")
        indicators(
            approved,
            ("产出指标", "数量指标", "新建高标准农田面积", f"≥{i + 1}0000亩", "计划标准"),
            ("产出指标", "质量指标", "工程验收合格率", "≥95%", "行业标准"),
            ("效益指标", "经济效益指标", "亩均粮食产能提高", "≥50公斤", "历史标准"),
            ("满意度指标", "服务对象满意度指标", "受益农户满意度", "≥90%", "历史标准"),
        )
    layout = Layout.objects.get(code="hebei-2023-project")
    round_ = Round.objects.create(year=2027, layout=layout, title="2027年项目支出绩效目标")
    base = live_server.url
    log_in(page, base, "filler_a")

    page.goto(f"{base}/edit/new/")
    page.select_option("#id_blank-round", str(round_.pk))
    page.select_option("#id_blank-organisation", str(world.org_a.pk))
    page.fill("#id_blank-project_code", "A2027")
    page.fill("#id_blank-project_name", "2027年高标准农田建设项目")
    page.click("form:has(input[value=blank]) button[type=submit]")
    page.wait_for_url("**/basic/")
    table = TargetTable.objects.get(organisation=world.org_a, year=2027)

    page.click("#step-bar a:has-text('绩效目标')")
    page.wait_for_url("**/goals/")
    page.fill("#id_goal", "新建高标准农田，完善灌溉排水设施，提高粮食综合生产能力。")
    page.locator("#id_goal").blur()
    saved(page)
    wait_until(lambda: TargetTable.objects.get(pk=table.pk).goal.startswith("新建高标准农田"))

    page.click("#step-bar a:has-text('绩效指标')")
    page.wait_for_url("**/indicators/")
    page.click("#suggest-box summary")
    panel = page.locator("#suggestion-panel")
    panel.locator(".suggestion-add").first.wait_for()
    assert "同类项目已批复使用（相似度" in panel.inner_text()
    shot(page, "suggestions-panel")

    added = []
    for click in range(3):
        first = panel.locator(".suggestion").first
        added.append(first.locator(".suggestion-name").inner_text())
        if click < 2:
            first.locator(".suggestion-add").click()
        else:  # the keyboard: 添加 took the focus back to the panel's first button
            page.wait_for_function("() => document.activeElement && document.activeElement.id === 'suggestion-first'")
            page.keyboard.press("Enter")
        page.locator("#indicator-grid tr.ind-row").nth(click).wait_for()
        settle(page)
        assert added[-1] not in panel.inner_text()  # the panel refreshed without it
    shot(page, "suggestions-added")

    rows = {row.level3: row for row in Indicator.objects.filter(table=table)}
    assert sorted(rows) == sorted(added)
    for name, row in rows.items():
        assert row.value and row.unit and row.basis, name
        assert page.locator(f"#ind-{row.pk}-value").input_value() == row.value
        assert page.locator(f"#ind-{row.pk}-basis").input_value() == row.basis
    assert page.locator("#editor").get_attribute("data-version") == str(TargetTable.objects.get(pk=table.pk).version)
