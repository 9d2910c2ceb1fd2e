"""Stored XSS, as the outside probe looked for it: every text a person can type holds a payload, and
every page that shows those texts is opened in a real browser, with the Content-Security-Policy
bypassed so that only escaping stands between the payload and the page. Nothing may run, open a
dialog or add an element.

Most texts are stored through the domain functions a form calls (the workflow's comment, return,
approve and reopen; the models for names and rows); two are typed into the editor, so its autosave,
its answers and the audit log of the typed change are covered too.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from indicators.models import CatalogEntry, Indicator
from tables.models import Organisation, OverallGoal, ReviewDecision, Round, SubGoal, TargetTable, Task
from tables.review import comments, workflow
from tests.conftest import launched_chromium
from tests.editor.test_editor_browser import log_in, saved, settle, wait_until
from tests.factories import layout

PAYLOAD = '"><img src=x onerror=window.__xss=1><script>window.__xss=1</script>'

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

# What a page must not hold after load: the payload's effect, or its markup as elements.
INJECTED = """() => ({
    ran: window.__xss !== undefined,
    images: document.querySelectorAll('img[src="x"]').length,
    scripts: [...document.scripts].filter(s => s.textContent.includes('__xss')).length,
})"""


def tagged(label: str) -> str:
    return f"{label}{PAYLOAD}"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _reference(reference_tables):
    """Schemes, layouts and catalog are back after the previous test's flush (tests/conftest.py)."""


@pytest.fixture
def browser():
    with launched_chromium() as browser:
        yield browser


def _store_texts(world) -> None:
    """A payload in every text field of the draft table and around it (names, round, goals, catalog)."""
    for org in (world.org_a, world.unit_a):
        Organisation.objects.filter(pk=org.pk).update(name=tagged(org.name))
    round_ = Round.objects.create(year=2026, title=tagged("2026年预算"), layout=layout())
    table = world.table_a
    TargetTable.objects.filter(pk=table.pk).update(
        round=round_,
        mission=tagged("履职目标"),
        goal=tagged("总体目标"),
        project_name=tagged("项目名称"),
        project_purpose=tagged("资金用途"),
        source=tagged("来源"),
    )
    Task.objects.filter(table=table).update(name=tagged("任务"), content=tagged("主要内容"))
    Indicator.objects.filter(table=table).update(
        description=tagged("指标描述"), basis=tagged("确定依据"), note=tagged("备注")
    )
    overall = OverallGoal.objects.create(
        organisation=world.org_a, year=2026, goal=tagged("部门总体目标"), measures=tagged("保障措施")
    )
    SubGoal.objects.create(overall=overall, position=1, title=tagged("分目标"), goal=tagged("目标"), indicators="指标")
    CatalogEntry.objects.create(
        level1="产出指标", level2="数量指标", level3=tagged("库中指标"), value="≥1个", description=tagged("库中描述")
    )
    for user in (world.filler_a, world.reviewer_a, world.admin):
        type(user).objects.filter(pk=user.pk).update(first_name=tagged("姓名"))


def _type_in_the_editor(page, base: str, table: TargetTable) -> None:
    """The table's title and an indicator's name, typed and autosaved as a filler does."""
    row = table.indicators.order_by("position").first()
    page.goto(f"{base}/edit/{table.pk}/basic/")
    title = page.locator("[name=title]")
    title.fill(tagged("表名"))
    # A new title reloads the page (its heading shows the title): wait for that reload, or the
    # next goto races it and is interrupted.
    with page.expect_navigation(wait_until="load"):
        title.press("Tab")
    wait_until(lambda: TargetTable.objects.get(pk=table.pk).title == tagged("表名"))
    page.goto(f"{base}/edit/{table.pk}/indicators/")
    name = page.locator(f"#ind-{row.pk}-level3")
    name.fill(tagged("三级指标"))
    settle(page)
    name.press("Tab")
    saved(page)


def _review_cycle(world) -> None:
    """Submitted, commented, replied, returned, approved with remarks, reopened and submitted again:
    every text of the review is stored, and the review page has a submission to show."""
    table, filler, reviewer = world.table_a, world.filler_a, world.reviewer_a
    first = workflow.submit(table, filler, warning_reason=tagged("警告说明"))
    comment = comments.add_comment(table, reviewer, anchor="field:goal", body=tagged("批注"))
    comments.add_comment(table, reviewer, anchor="table", body=tagged("整表批注"))
    comments.reply(comment, filler, body=tagged("回复"))
    workflow.return_table(table, reviewer, snapshot_number=first.number, reason=tagged("退回原因"))
    second = workflow.submit(table, filler, warning_reason=tagged("再次提交说明"))
    approval = workflow.Approval(
        opinion=tagged("审核意见"),
        checklist={stem: (True, tagged("说明")) for stem, _ in ReviewDecision.CHECKLIST},
        published=False,
        unpublished_reason=tagged("不公开原因"),
    )
    workflow.approve(table, reviewer, approval, snapshot_number=second.number)
    table = TargetTable.objects.get(pk=table.pk)
    workflow.reopen(table, reviewer, reason=tagged("撤销批复原因"), version=table.version)
    TargetTable.objects.filter(pk=table.pk).update(goal=tagged("调整后的总体目标"))
    workflow.submit(table, filler, warning_reason=tagged("第三次提交说明"))


def _pages(world) -> dict[str, list[str]]:
    table = world.table_a.pk
    overall = OverallGoal.objects.get(organisation=world.org_a).pk
    round_ = Round.objects.get(title__startswith="2026年预算").pk
    table_pages = [
        reverse("table-detail", args=[table]),
        reverse("review-comments", args=[table]),
        reverse("review-diff", args=[table]),
        reverse("review-diff", args=[table]) + "?a=1&b=current",
        reverse("review-audit", args=[table]),
        *(reverse("editor-step", args=[table, step]) for step in ("basic", "tasks", "goals", "indicators", "check")),
    ]
    common = [reverse("home"), reverse("review-notifications"), reverse("booklets"), reverse("export-start")]
    return {
        "filler_a": [*common, *table_pages, reverse("editor-start")],
        "reviewer_a": [
            *common,
            *table_pages,
            reverse("review-queue"),
            reverse("review-table", args=[table]),
            reverse("review-dashboard") + f"?round={round_}",
            reverse("library"),
        ],
        "bureau_admin": [
            reverse("review-accounts-inactive"),
            reverse("review-dashboard"),
            reverse("home") + f"?round={round_}",
            reverse("admin:tables_targettable_changelist"),
            reverse("admin:tables_targettable_change", args=[table]),
            reverse("admin:tables_overallgoal_change", args=[overall]),
        ],
    }


def test_no_stored_text_runs_on_any_page_that_shows_it(live_server, browser, world):
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    _store_texts(world)
    context = browser.new_context(bypass_csp=True, locale="zh-CN")  # only the escaping is tested
    page = context.new_page()
    page.set_default_timeout(15000)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(f"{page.url}: {dialog.message}"), dialog.dismiss()))
    log_in(page, live_server.url, "filler_a")
    _type_in_the_editor(page, live_server.url, world.table_a)
    _review_cycle(world)
    stored = TargetTable.objects.get(pk=world.table_a.pk)
    assert PAYLOAD in stored.title and stored.status == TargetTable.Status.SUBMITTED

    found, visited = [], 0
    for persona, urls in _pages(world).items():
        context.clear_cookies()
        log_in(page, live_server.url, persona)
        for url in urls:
            response = page.goto(live_server.url + url, wait_until="load")
            assert response is not None and response.status == 200, f"{persona} {url}: {response and response.status}"
            page.wait_for_function("() => !document.querySelector('.htmx-request')")
            visited += 1
            injected = page.evaluate(INJECTED)
            if injected["ran"] or injected["images"] or injected["scripts"]:
                found.append(f"{persona} {url}: {injected}")
    context.close()
    assert visited >= 30
    assert not found and not dialogs
