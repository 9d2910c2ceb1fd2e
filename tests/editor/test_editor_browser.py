"""The editor in a real browser: the five steps, pasting 20 rows, autosave across a reload, a conflict
between two pages, and an expired session that loses nothing. Screenshots go to test-artifacts/
(and a few to docs/screenshots/editor-*.png)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from django.db import connections

from indicators.models import Indicator
from tables.editor import editing
from tables.models import Layout, Round, TargetTable
from tests.conftest import SEEDS, launched_chromium
from tests.factories import IndicatorFactory, TableFactory, layout

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DOCS = ROOT / "docs" / "screenshots"
SEED = SEEDS / "000_db0fda59e4eac40f.txt"
PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _reference(reference_tables):
    """Schemes, layouts and catalog are back after the previous test's flush (tests/conftest.py)."""


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="zh-CN")
    yield context
    context.close()
    connections.close_all()  # the connection opened in Playwright's loop context


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


def shot(page, name: str, *, docs: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"editor-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs and os.environ.get("UPDATE_SCREENSHOTS"):  # make screenshots
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / f"editor-{name}.png")


def log_in(page, base: str, username: str, *, then: str | None = None) -> None:
    page.goto(f"{base}/accounts/login/" + (f"?next={then}" if then else ""))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def wait_until(check, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def saved(page) -> None:
    """Wait for the page's save state to say 已保存 (and for htmx to be idle)."""
    page.locator("#save-state[data-state=saved]").wait_for()
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def settle(page) -> None:
    """Let debounced requests (value parse, suggestions) start and finish before the next action.

    The test database is SQLite in shared memory, where two requests at the same moment can hit a
    table lock; a real server (PostgreSQL, or SQLite on disk with a busy timeout) just waits.
    """
    page.wait_for_timeout(400)
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def type_into(page, locator, text: str) -> None:
    locator.fill(text)
    settle(page)


def indicator_row(page, n: int):
    return page.locator("#indicator-grid tr.ind-row").nth(n)


def paste_into(locator, text: str) -> None:
    """What a paste from the clipboard does (the real clipboard is unavailable headless)."""
    locator.evaluate(
        """(el, text) => {
            const data = new DataTransfer();
            data.setData('text/plain', text);
            el.focus();
            el.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        text,
    )


def test_a_filler_creates_a_table_through_all_five_steps(live_server, page, world):
    base = live_server.url
    layout = Layout.objects.get(code="xinjiang-2022-dept")
    round_ = Round.objects.create(year=2027, layout=layout, title="2027年部门整体支出绩效目标")
    log_in(page, base, "filler_a")
    page.click("text=新建绩效目标表")
    page.select_option("#id_blank-round", str(round_.pk))
    page.select_option("#id_blank-organisation", str(world.org_a.pk))
    page.click("form:has(input[value=blank]) button[type=submit]")
    page.wait_for_url("**/basic/")
    table = TargetTable.objects.get(organisation=world.org_a, year=2027)

    # 1 基本信息
    page.fill("#id_title", "部门（单位）整体支出绩效目标表（2027）")
    shot(page, "1-basic")
    page.click("button[name=next]")
    page.wait_for_url("**/tasks/")

    # 2 任务与预算: a task row, typed with the keyboard only.
    page.click("#task-grid .add-row")
    page.locator("#task-grid tr.task-row input[name=name]").first.wait_for()
    name = page.locator("#task-grid tr.task-row input[name=name]").first
    name.fill("保障人员经费")
    name.press("Tab")
    page.keyboard.type("工资福利、社会保障缴费")
    page.keyboard.press("Tab")
    page.keyboard.type("1448.23")
    page.keyboard.press("Tab")
    page.keyboard.type("1448.23")
    page.keyboard.press("Tab")
    saved(page)
    wait_until(lambda: table.tasks.filter(fiscal="1448.23").exists())
    page.locator("#task-sum-total", has_text="1448.23").wait_for()
    shot(page, "2-tasks", docs=True)

    # 3 绩效目标 (from the step bar), autosaved on change.
    page.click("#step-bar a:has-text('绩效目标')")
    page.wait_for_url("**/goals/")
    page.fill("#id_goal", "目标1：保障单位正常运转。\n目标2：提高财政资金使用效益。")
    page.locator("#id_goal").blur()
    saved(page)
    wait_until(lambda: TargetTable.objects.get(pk=table.pk).goal.startswith("目标1"))
    shot(page, "3-goals")

    # 4 绩效指标: a row with dependent selects, a name and a value whose parse shows as you type.
    page.click("#step-bar a:has-text('绩效指标')")
    page.wait_for_url("**/indicators/")
    page.click("#indicator-grid .add-row")
    row = indicator_row(page, 0)
    row.wait_for()
    row.locator("select[name=level1]").select_option("产出指标")
    saved(page)
    row = indicator_row(page, 0)
    row.locator("select[name=level2]").select_option("时效指标")
    saved(page)
    row = indicator_row(page, 0)
    assert "时效指标" in page.locator("#indicator-grid tr.group-head").first.inner_text()
    type_into(page, row.locator("input[name=level3]"), "资金发放及时率")
    assert page.locator("#level3-suggestions option[value='资金发放及时率']").count() == 1  # from the catalog
    value = row.locator("input[name=value]")
    value.click()
    settle(page)
    page.keyboard.type(">=95％")
    row.locator(".parse", has_text="比较符").wait_for()
    settle(page)
    assert "≥" in row.locator(".parse").inner_text()
    # Enter on the last row asks for a new row; Ctrl+D fills its 一级 and 二级 down.
    page.keyboard.press("Enter")
    indicator_row(page, 1).wait_for()
    saved(page)
    second = indicator_row(page, 1)
    second.locator("input[name=level3]").wait_for()
    # The focus lands once htmx has settled the swapped grid: wait for it (fails after 5 s), then check.
    page.wait_for_function("document.activeElement && document.activeElement.name === 'level3'", timeout=5000)
    assert page.evaluate("document.activeElement.name") == "level3"
    type_into(page, second.locator("input[name=level3]"), "项目完成时间")
    second.locator("input[name=value]").click()
    settle(page)
    type_into(page, second.locator("input[name=value]"), "≥")
    assert "缺少数值" in second.locator(".parse").inner_text()  # flagged as you type
    second.locator("input[name=value]").press("Tab")
    saved(page)
    wait_until(lambda: table.indicators.count() == 2 and table.indicators.filter(value=">=95％").exists())
    shot(page, "4-indicators", docs=True)

    # 5 检查与提交: all findings and the printed preview.
    page.click("#step-bar a:has-text('检查与提交')")
    page.wait_for_url("**/check/")
    page.locator(".preview .official").wait_for()
    assert "资金发放及时率" in page.locator(".preview").inner_text()
    assert page.locator("#step-bar li.state-errors").count() >= 1
    assert "须修改后才能提交" in page.locator("#submit").inner_text()  # no submit while errors remain
    shot(page, "5-check", docs=True)


def test_pasting_twenty_rows_from_a_seed_creates_them(live_server, page, world):
    lines = SEED.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if "一级指标" in line and "三级指标" in line)
    body = [line for line in lines[start + 1 :] if line.count("\t") >= 2][:20]
    clipboard = "\n".join([lines[start], *body])  # the header row and 20 rows with blank merged cells
    table = TableFactory(organisation=world.org_a, year=2027)
    first = IndicatorFactory(table=table, position=1, level1="产出指标", level2="数量指标", level3="已有指标")

    log_in(page, live_server.url, "filler_a")
    page.goto(f"{live_server.url}/edit/{table.pk}/indicators/")
    paste_into(page.locator(f"#ind-{first.pk}-level3"), clipboard)
    page.locator("#paste-report", has_text="已添加 20 行").wait_for()
    wait_until(lambda: page.locator("#indicator-grid tr.ind-row").count() == 21)
    shot(page, "paste")
    rows = list(table.indicators.order_by("position"))
    assert len(rows) == 21
    assert all(r.level1 == "产出指标" and r.level2 == "数量指标" for r in rows[1:9])
    assert rows[1].level3 == "在职人员人数" and rows[1].value == "=83人"
    assert {r.level1 for r in rows[1:]} <= {"产出指标", "效益指标", "满意度指标"}
    assert not [r for r in rows if not r.level1 or not r.level2]


def test_autosave_survives_a_reload_and_unsent_text_is_restored(live_server, page, world):
    table = world.table_a
    row = table.indicators.order_by("position").first()
    log_in(page, live_server.url, "filler_a")
    url = f"{live_server.url}/edit/{table.pk}/indicators/"
    page.goto(url)
    cell = page.locator(f"#ind-{row.pk}-value")
    type_into(page, cell, "≥97%")
    cell.press("Tab")
    saved(page)
    page.reload()
    assert page.locator(f"#ind-{row.pk}-value").input_value() == "≥97%"
    assert Indicator.objects.get(pk=row.pk).value == "≥97%"

    # Text typed but never sent (the tab closed before the cell lost focus) is kept in the browser.
    type_into(page, page.locator(f"#ind-{row.pk}-level3"), "改过但未离开单元格的名称")
    page.reload()
    page.locator("#restored-drafts", has_text="已恢复").wait_for()
    assert page.locator(f"#ind-{row.pk}-level3").input_value() == "改过但未离开单元格的名称"
    wait_until(lambda: Indicator.objects.get(pk=row.pk).level3 == "改过但未离开单元格的名称")


def test_a_conflict_between_two_pages_is_reported_with_the_newer_value(live_server, context, world):
    table = world.table_a
    row = table.indicators.order_by("position").first()
    url = f"{live_server.url}/edit/{table.pk}/indicators/"
    first, second = context.new_page(), context.new_page()
    log_in(first, live_server.url, "filler_a")
    first.goto(url)
    second.goto(url)  # same session: two tabs

    type_into(first, first.locator(f"#ind-{row.pk}-value"), "≥90%")
    first.locator(f"#ind-{row.pk}-value").press("Tab")
    saved(first)

    type_into(second, second.locator(f"#ind-{row.pk}-value"), "≥99%")
    second.locator(f"#ind-{row.pk}-value").press("Tab")
    conflict = second.locator(f"#ind-{row.pk}-conflict")
    conflict.get_by_text("已被他人修改").wait_for()
    assert "≥90%" in conflict.inner_text() and "≥99%" in conflict.inner_text()
    assert Indicator.objects.get(pk=row.pk).value == "≥90%"
    shot(second, "conflict", docs=True)

    conflict.get_by_text("载入最新内容").click()
    second.wait_for_function("(id) => document.getElementById(id).value === '≥90%'", arg=f"ind-{row.pk}-value")


def test_an_expired_session_loses_no_typed_text(live_server, page, world):
    table = world.table_a
    row = table.indicators.order_by("position").first()
    log_in(page, live_server.url, "filler_a")
    page.goto(f"{live_server.url}/edit/{table.pk}/indicators/")
    page.context.clear_cookies()  # the session expired while the page stayed open
    cell = page.locator(f"#ind-{row.pk}-value")
    cell.fill("≥93%")  # the value parse request also meets the expired session: both go to login
    cell.press("Tab")
    page.wait_for_url("**/accounts/login/**")
    assert f"next=%2Fedit%2F{table.pk}%2Findicators%2F" in page.url or f"next=/edit/{table.pk}/indicators/" in page.url
    page.fill("input[name=username]", "filler_a")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"**/edit/{table.pk}/indicators/")
    wait_until(lambda: Indicator.objects.get(pk=row.pk).value == "≥93%")
    assert page.locator(f"#ind-{row.pk}-value").input_value() == "≥93%"


# What a select shows of its chosen option: the text's width in the select's font against the room inside it.
_CLIPPED_SELECTS = """() => [...document.querySelectorAll('#indicator-grid select:is(.level1, .level2)')]
    .map(select => {
        const style = getComputedStyle(select);
        const probe = document.createElement('span');
        probe.style.font = style.font;
        probe.style.whiteSpace = 'pre';
        probe.style.position = 'absolute';
        probe.textContent = select.selectedOptions[0] ? select.selectedOptions[0].text : '';
        document.body.appendChild(probe);
        const text = probe.getBoundingClientRect().width;
        probe.remove();
        const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return [probe.textContent, text, room];
    })
    .filter(([_name, text, room]) => text > room + 0.5)"""


def test_the_grid_shows_whole_category_names_and_keeps_the_unit_warning_apart(live_server, page, world):
    table = TableFactory(organisation=world.org_a, year=2027)
    IndicatorFactory(
        table=table, position=1, level1="效益指标", level2="可持续影响指标", level3="长效机制", value="≥90"
    )
    IndicatorFactory(table=table, position=2, level1="满意度指标", level2="服务对象满意度指标", level3="群众满意度")
    log_in(page, live_server.url, "filler_a")
    page.goto(f"{live_server.url}/edit/{table.pk}/indicators/")
    page.locator("#indicator-grid tr.ind-row").nth(1).wait_for()
    shot(page, "whole-names")
    assert page.evaluate(_CLIPPED_SELECTS) == []  # 服务对象满意度指标 was cut to 服务对象满意度
    parse = page.locator("#indicator-grid tr.ind-row").first.locator(".parse")
    warning = parse.locator(".parse-error").bounding_box()
    first_part = parse.locator(".parse-part").first.bounding_box()
    assert "缺少计量单位" in parse.locator(".parse-error").inner_text()
    # `⚠ 缺少计量单位` ran straight into `类型 数量`: now the parts start on the next line.
    assert warning["y"] + warning["height"] <= first_part["y"] + 0.5


DRAFT_KEYS = "() => Object.keys(localStorage).filter(key => key.startsWith('editor-draft:'))"


def test_an_unsaved_draft_is_not_saved_under_the_next_user_of_the_browser(live_server, page, world):
    table = world.table_a
    row = table.indicators.order_by("position").first()
    before = row.level3
    log_in(page, live_server.url, "filler_a")
    url = f"{live_server.url}/edit/{table.pk}/indicators/"
    page.goto(url)
    # Typed but never sent: the cell never lost focus before the session ended.
    type_into(page, page.locator(f"#ind-{row.pk}-level3"), "填报人甲未保存的名称")
    assert page.evaluate(DRAFT_KEYS)
    page.context.clear_cookies()  # the session expired; another person sits down at the computer

    log_in(page, live_server.url, "bureau_admin", then=f"/edit/{table.pk}/indicators/")
    page.wait_for_url(f"**/edit/{table.pk}/indicators/")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    assert page.locator("#restored-drafts").is_hidden()
    assert page.locator(f"#ind-{row.pk}-level3").input_value() == before
    assert Indicator.objects.get(pk=row.pk).level3 == before


def test_logging_out_clears_the_unsaved_drafts(live_server, page, world):
    table = world.table_a
    row = table.indicators.order_by("position").first()
    log_in(page, live_server.url, "filler_a")
    page.goto(f"{live_server.url}/edit/{table.pk}/indicators/")
    type_into(page, page.locator(f"#ind-{row.pk}-level3"), "没有保存就退出")
    assert page.evaluate(DRAFT_KEYS)
    page.locator("form[data-clear-drafts] button[type=submit]").click()
    page.wait_for_url("**/accounts/login/**")
    assert page.evaluate(DRAFT_KEYS) == []


def test_a_new_number_in_a_split_layout_shows_the_joined_value_after_the_autosave(live_server, page, world):
    def split_table(code: str, project_code: str) -> tuple[TargetTable, Indicator]:
        table = TableFactory(
            organisation=world.org_a, kind=TargetTable.Kind.PROJECT, layout=layout(code), project_code=project_code
        )
        rows = [{"level1": "产出指标", "level2": "数量指标", "level3": "养护里程", "value": "≥120公里"}]
        return table, editing.insert_rows(table, "indicators", rows).obj

    # 指标性质 | 指标值 | 计量单位 and no value column: the value the parts make shows under 指标值.
    table, row = split_table("chongqing-project-split-unit-sign", "P-1")
    log_in(page, live_server.url, "filler_a")
    page.goto(f"{live_server.url}/edit/{table.pk}/indicators/")
    assert page.locator(f"#ind-{row.pk}-joined").inner_text() == "≥120公里"
    number = page.locator(f"#ind-{row.pk}-number")
    type_into(page, number, "135")
    number.press("Tab")
    saved(page)
    page.locator(f"#ind-{row.pk}-joined", has_text="≥135公里").wait_for()
    assert "135" in page.locator(f"#ind-{row.pk}-parse").inner_text()
    assert Indicator.objects.get(pk=row.pk).value == "≥135公里"
    shot(page, "split-columns")

    # 单位 beside 指标值: a value typed in full puts its unit in the unit cell.
    table, row = split_table("transfer-regional-unit", "P-2")
    page.goto(f"{live_server.url}/edit/{table.pk}/indicators/")
    value = page.locator(f"#ind-{row.pk}-value")
    type_into(page, value, "≤5%")
    value.press("Tab")
    saved(page)
    wait_until(lambda: page.locator(f"#ind-{row.pk}-unit").input_value() == "%")
    assert Indicator.objects.get(pk=row.pk).unit == "%"
