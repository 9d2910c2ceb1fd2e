"""Two-level review set up in the product's own pages, in a real browser (issue 19).

The bureau admin creates a 主管部门审核人 for 部门A and sets the round to two levels; a unit's table is
submitted, the department reviewer forwards it, and the bureau's queue shows it 未开始审核. Screenshots
go to test-artifacts/ (and, with UPDATE_SCREENSHOTS, to docs/screenshots/setup-*.png).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tables.models import Membership, Round, Snapshot, Stage, TargetTable
from tests.conftest import chromium_page
from tests.factories import MembershipFactory, layout

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
DOCS = ROOT / "docs" / "screenshots"
PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory
INITIAL = "Initial-pass-2026"
CHOSEN = "Chosen-by-li-2026"

pytestmark = [pytest.mark.browser]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def page():
    with chromium_page() as page:
        yield page


def shot(page, name: str, *, docs: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"setup-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs and os.environ.get("UPDATE_SCREENSHOTS"):  # make screenshots
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / f"setup-{name}.png")


def log_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def create_department_reviewer(page, username: str, name: str) -> None:
    """As the bureau admin, in 系统设置: a new person who reviews 部门A at the first level."""
    page.get_by_role("link", name="系统设置").click()
    page.get_by_role("link", name="新建人员").click()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("姓名").fill(name)
    page.get_by_label("初始密码").fill(INITIAL)
    page.get_by_label("角色").select_option(label="主管部门审核人")
    page.get_by_label("部门（单位）").select_option(label="100 部门A")
    page.get_by_role("button", name="新建").click()
    page.locator("#person-duties").get_by_text("100 部门A · 主管部门审核人").wait_for()


def set_two_levels(page, round_title: str, *, screenshot: bool = False) -> None:
    """As the bureau admin, in 系统设置: the round reviewed by the 主管部门, then the bureau."""
    page.get_by_role("link", name="系统设置").click()
    page.get_by_role("link", name="填报批次与审核级次").click()
    page.get_by_role("link", name=round_title).click()
    page.get_by_label("两级：主管部门审核，再财政审核").check()
    if screenshot:
        shot(page, "02-round-levels", docs=True)
    page.get_by_role("button", name="保存").click()
    page.locator("#setup-rounds tr", has_text=round_title).get_by_text("主管部门审核 + 财政审核").wait_for()


def first_log_in(page, base: str, username: str) -> None:
    """A person created with an initial password logs in and chooses their own, as they must."""
    log_in(page, base, username, INITIAL)
    page.wait_for_url("**/accounts/password_change/**")
    page.fill("input[name=old_password]", INITIAL)
    page.fill("input[name=new_password1]", CHOSEN)
    page.fill("input[name=new_password2]", CHOSEN)
    page.get_by_role("button", name="修改密码").click()
    page.wait_for_url(lambda url: "/accounts/password_change/" not in url or url.endswith("/done/"))


@pytest.mark.django_db(transaction=True)
def test_the_admin_sets_up_two_levels_and_the_bureau_sees_the_forwarded_table_unopened(
    reference_tables, live_server, world, page
):
    base = live_server.url
    round_ = Round.objects.create(year=2026, title="2026年部门预算", layout=layout())
    TargetTable.objects.filter(pk=world.table_unit_a.pk).update(round=round_)
    MembershipFactory(organisation=world.unit_a, role=Membership.Role.FILLER, user__username="filler_unit")

    # The bureau admin creates the department-level reviewer of 部门A in 系统设置 …
    log_in(page, base, "bureau_admin")
    create_department_reviewer(page, "dept_li", "李四")
    page.get_by_role("link", name="人员与角色").click()
    people = page.locator("#setup-people")
    assert people.locator("tr", has_text="dept_li").get_by_text("100 部门A · 主管部门审核人").is_visible()
    assert people.locator("tr", has_text="reviewer_a").get_by_text("100 部门A · 财政审核人").is_visible()
    shot(page, "01-people", docs=True)

    # … and sets the round to two levels.
    set_two_levels(page, "2026年部门预算", screenshot=True)
    assert Round.objects.get(pk=round_.pk).review_levels == 2

    # The unit submits its table: it goes to 部门A's department reviewer first.
    log_in(page, base, "filler_unit")
    page.goto(f"{base}{world.table_unit_a.get_absolute_url()}")
    page.click("#submit button[type=submit]")
    page.get_by_text("已提交（第 1 次）").first.wait_for()
    assert Snapshot.objects.get(table=world.table_unit_a).stage == Stage.DEPARTMENT

    # The department reviewer logs in (and chooses a password), opens the table and forwards it.
    first_log_in(page, base, "dept_li")
    page.goto(f"{base}/review/")
    page.click(f"a[href='/review/tables/{world.table_unit_a.pk}/']")
    page.get_by_role("button", name="开始审核").click()
    page.fill("#id_forward_opinion", "同意，转报财政。")
    page.get_by_role("button", name="审核通过，转报财政").click()
    page.get_by_text("已审核通过并转报财政审核。").wait_for()
    pending = Snapshot.objects.get(table=world.table_unit_a)
    assert pending.stage == Stage.FINANCE and pending.opened_at is not None

    # The bureau's reviewer sees it in the queue, not yet opened at the bureau's level.
    log_in(page, base, "reviewer_a")
    page.goto(f"{base}/review/")
    row = page.locator("tr", has=page.locator(f"a[href='/review/tables/{world.table_unit_a.pk}/']"))
    row.get_by_text("未开始审核").wait_for()
    assert "财政审核" in row.inner_text()
    shot(page, "03-bureau-queue-unopened", docs=True)
