"""The set-up pages: organisations, people and their duties, rounds' review levels (issue 19).

Who may reach each URL is in tests/test_permission_matrix.py; these tests are what the pages do.
"""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tables.imports.accounts import AccountsImportError, import_accounts
from tables.models import Membership, Organisation, PasswordChangeRequired, ReviewDuty, Round, Stage
from tables.review import workflow
from tables.setup import duties
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, layout
from tests.review.test_workflow import workbook

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def body_of(response) -> str:
    return response.content.decode()


def logged(obj) -> list[str]:
    return list(LogEntry.objects.filter(object_id=str(obj.pk)).order_by("pk").values_list("change_message", flat=True))


# ---------------------------------------------------------------- people and duties


def test_the_admin_creates_a_department_level_reviewer_and_the_level_shows_wherever_listed(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("setup-person-new"),
        {
            "username": "dept_li",
            "name": "李四",
            "email": "li@example.invalid",
            "password": "Initial-pass-2026",
            "duty": duties.Duty.DEPARTMENT_REVIEWER,
            "organisation": world.org_a.pk,
        },
    )
    li = get_user_model().objects.get(username="dept_li")
    assert response.status_code == 302 and response["Location"] == reverse("setup-person", args=[li.pk])
    membership = Membership.objects.get(user=li)
    assert membership.role == Membership.Role.REVIEWER and membership.review_duty.level == Stage.DEPARTMENT
    assert li.check_password("Initial-pass-2026")
    assert PasswordChangeRequired.objects.get(user=li).reason == PasswordChangeRequired.Reason.ADMIN
    assert logged(li) == ["在系统设置中新建用户 dept_li，100 部门A · 主管部门审核人"]

    people = body_of(client.get(reverse("setup-people")))
    assert "100 部门A · 主管部门审核人" in people  # dept_li
    assert "100 部门A · 财政审核人" in people  # reviewer_a: the same organisation, the other level
    assert "100 部门A · 填报人" in people and "全部部门 · 管理员" in people
    inactive = body_of(client.get(reverse("review-accounts-inactive")))
    assert "100 部门A · 主管部门审核人" in inactive
    page = body_of(client.get(reverse("setup-person", args=[li.pk])))
    assert "变更记录" in page and "bureau_admin · 在系统设置中新建用户 dept_li，100 部门A · 主管部门审核人" in page


def test_a_duty_is_changed_removed_and_admin_is_granted_only_when_confirmed(client, world):
    client.force_login(world.admin)
    url = reverse("setup-person-duty-add", args=[world.reviewer_a.pk])
    response = client.post(url, {"duty": duties.Duty.DEPARTMENT_REVIEWER, "organisation": world.org_a.pk})
    assert response.status_code == 302
    membership = Membership.objects.get(user=world.reviewer_a)  # the same membership, now the first level
    assert membership.review_duty.level == Stage.DEPARTMENT
    response = client.post(url, {"duty": duties.Duty.FINANCE_REVIEWER, "organisation": world.org_a.pk})
    assert not ReviewDuty.objects.filter(membership=membership).exists()

    response = client.post(url, {"duty": duties.Duty.ADMIN})
    body = body_of(response)
    assert response.status_code == 422 and "授予管理员权限须勾选确认" in body
    assert '<div class="alert alert-danger" role="alert">未添加角色，请按提示修改。</div>' in body
    assert not Membership.objects.filter(user=world.reviewer_a, role=Membership.Role.ADMIN).exists()
    response = client.post(url, {"duty": duties.Duty.FILLER})
    assert response.status_code == 422 and "填报人须指定部门（单位）" in body_of(response)
    client.post(url, {"duty": duties.Duty.ADMIN, "confirm_admin": "on"})
    admin = Membership.objects.get(user=world.reviewer_a, role=Membership.Role.ADMIN)
    assert admin.organisation is None

    remove = reverse("setup-person-duty-remove", args=[world.reviewer_a.pk, membership.pk])
    assert client.post(remove).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert logged(world.reviewer_a) == [
        "在系统设置中为用户 reviewer_a 设定角色：100 部门A · 主管部门审核人",
        "在系统设置中为用户 reviewer_a 设定角色：100 部门A · 财政审核人",
        "在系统设置中为用户 reviewer_a 设定角色：全部部门 · 管理员",
        "在系统设置中撤销用户 reviewer_a 的角色：100 部门A · 财政审核人",
    ]
    # Nobody locks themselves out: the admin's own 管理员 stays.
    own = Membership.objects.get(user=world.admin, role=Membership.Role.ADMIN)
    response = client.post(reverse("setup-person-duty-remove", args=[world.admin.pk, own.pk]))
    assert response.status_code == 403 and Membership.objects.filter(pk=own.pk).exists()
    # A membership of another person is not found through this one.
    other = Membership.objects.get(user=world.filler_a)
    assert client.post(reverse("setup-person-duty-remove", args=[world.admin.pk, other.pk])).status_code == 404


def test_a_new_person_is_refused_with_messages_and_nothing_is_written(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("setup-person-new"),
        {"username": "filler_a", "email": "not-an-email", "password": "123", "duty": duties.Duty.FILLER},
    )
    body = body_of(response)
    assert response.status_code == 422
    for message in ("用户名“filler_a”已被使用", "邮箱“not-an-email”格式不正确", "填报人须指定部门（单位）"):
        assert message in body
    response = client.post(
        reverse("setup-person-new"),
        {"username": "newbie", "password": "123", "duty": duties.Duty.FILLER, "organisation": world.org_a.pk},
    )
    assert response.status_code == 422 and "用户“newbie”的初始密码不符合要求" in body_of(response)
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_a_persons_name_email_and_login_are_edited_but_not_ones_own_login(client, world):
    client.force_login(world.admin)
    url = reverse("setup-person", args=[world.filler_a.pk])
    response = client.post(url, {"first_name": "张三", "email": "zhang@example.invalid", "is_active": "on"})
    assert response.status_code == 302
    filler = get_user_model().objects.get(pk=world.filler_a.pk)
    assert (filler.first_name, filler.email) == ("张三", "zhang@example.invalid")
    assert logged(filler) == ["在系统设置中修改用户 filler_a：姓名、邮箱"]
    response = client.post(reverse("setup-person", args=[world.admin.pk]), {"first_name": "管理员"})
    assert response.status_code == 422 and "不能停用自己的账号" in body_of(response)
    assert get_user_model().objects.get(pk=world.admin.pk).is_active


# ---------------------------------------------------------------- organisations


def test_an_organisation_without_a_code_is_listed_and_edited_by_its_name(client, world):
    client.force_login(world.admin)
    new = reverse("setup-organisation-new")
    response = client.post(new, {"code": "", "name": "唐山市丰润区财政局", "active": "on"})
    assert response.status_code == 302
    fengrun = Organisation.objects.get(name="唐山市丰润区财政局")
    assert fengrun.code is None
    assert logged(fengrun) == ["在系统设置中新建部门（单位）：唐山市丰润区财政局"]
    body = body_of(client.get(reverse("setup-organisations")))
    assert f'<a href="{reverse("setup-organisation", args=[fengrun.pk])}">唐山市丰润区财政局</a>' in body
    # Another uncoded one of the same name is refused; a unit is put under it by choosing it by name.
    response = client.post(reverse("setup-organisation-new"), {"name": "唐山市丰润区财政局", "active": "on"})
    assert response.status_code == 422 and "已有名为“唐山市丰润区财政局”且没有编码的部门（单位）" in body_of(response)
    page = body_of(client.get(reverse("setup-organisation-new")))
    assert f'<option value="{fengrun.pk}">唐山市丰润区财政局</option>' in page
    response = client.post(
        reverse("setup-organisation-new"), {"code": "318001", "name": "丰润区财政局本级", "parent": fengrun.pk}
    )
    assert response.status_code == 302 and Organisation.objects.get(code="318001").parent == fengrun


def test_an_organisations_parent_is_a_department_and_codes_stay_unique(client, world):
    client.force_login(world.admin)
    url = reverse("setup-organisation", args=[world.org_a.pk])
    response = client.post(url, {"code": "200", "name": "部门A", "active": "on"})
    assert response.status_code == 422 and "编码“200”已被另一个部门（单位）使用" in body_of(response)
    response = client.post(url, {"code": "100", "name": "部门A", "parent": world.org_b.pk, "active": "on"})
    assert response.status_code == 422 and "“100 部门A”在系统中已有下属单位，不能再设上级" in body_of(response)
    response = client.post(
        reverse("setup-organisation", args=[world.org_b.pk]),
        {"code": "200", "name": "部门B", "parent": world.unit_a.pk, "active": "on"},
    )
    assert response.status_code == 422 and "选择一个有效的选项" in body_of(response)  # units are not offered
    response = client.post(url, {"code": "100", "name": "部门A（改名）", "active": "on"})
    assert response.status_code == 302 and Organisation.objects.get(pk=world.org_a.pk).name == "部门A（改名）"
    assert logged(world.org_a) == ["在系统设置中修改部门（单位）100 部门A：名称"]


# ---------------------------------------------------------------- rounds


def test_a_round_is_set_to_two_levels_but_not_while_tables_are_under_review(client, world):
    round_ = Round.objects.create(year=2026, title="2026年预算", layout=layout())
    client.force_login(world.admin)
    url = reverse("setup-round", args=[round_.pk])
    response = client.post(url, {"title": "2026年预算", "review_levels": "2"})
    assert response.status_code == 302 and Round.objects.get(pk=round_.pk).review_levels == 2
    assert logged(round_) == ["在系统设置中修改填报批次 2026年预算：审核级次（审核级次：主管部门审核 + 财政审核）"]
    assert "主管部门审核 + 财政审核" in body_of(client.get(reverse("setup-rounds")))

    world.table_unit_a.round = round_
    world.table_unit_a.save()
    unit_filler = MembershipFactory(organisation=world.unit_a, role=Membership.Role.FILLER).user
    snapshot = workflow.submit(world.table_unit_a, unit_filler)
    assert snapshot.stage == Stage.DEPARTMENT  # the round's two levels route the unit's table
    response = client.post(url, {"title": "2026年预算", "review_levels": "1"})
    body = body_of(response)
    assert response.status_code == 422 and "该批次有 1 张表正在审核中" in body
    assert '<div class="alert alert-danger" role="alert">未保存，请按提示修改。</div>' in body
    assert Round.objects.get(pk=round_.pk).review_levels == 2


# ---------------------------------------------------------------- the lists' queries


@pytest.mark.parametrize(("name", "add"), [("setup-people", "people"), ("setup-organisations", "organisations")])
def test_the_set_up_lists_cost_the_same_queries_for_few_and_many_rows(client, world, name, add):
    client.force_login(world.admin)
    client.get(reverse(name))  # the session and the user are read once per request either way

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name)).status_code == 200
        return len(queries)

    few = count()
    for n in range(12):
        org = OrganisationFactory(parent=world.org_a if n % 2 else None)
        if add == "people":
            user = UserFactory()
            duties.grant(user, org, duties.Duty.DEPARTMENT_REVIEWER)
            duties.grant(user, world.org_b, duties.Duty.FILLER)
        else:
            MembershipFactory(organisation=org)
    assert count() == few
    # session, user, roles, count, page (+ the memberships' prefetch for people), unread notifications
    assert few == (7 if add == "people" else 6)


# ---------------------------------------------------------------- the import shares the words and the rules


def test_the_import_names_an_uncoded_organisation_by_its_name_with_the_same_words(world):
    fengrun = Organisation.objects.create(code=None, name="唐山市丰润区财政局")
    users = [
        ["li", "李四", None, "唐山市丰润区财政局", "主管部门审核人", None, None],
        ["wang", "王五", None, "唐山市丰润区财政局", "财政审核人", None, None],
    ]
    orgs = [["318001", "丰润区财政局本级", "唐山市丰润区财政局"]]
    result = import_accounts(workbook(orgs, users))
    assert Organisation.objects.get(code="318001").parent == fengrun
    li = Membership.objects.select_related("review_duty").get(user__username="li")
    assert duties.describe(li) == "唐山市丰润区财政局 · 主管部门审核人"
    assert "li 新增权限：主管部门审核人 · 唐山市丰润区财政局" in result.changes
    assert "wang 新增权限：财政审核人 · 唐山市丰润区财政局" in result.changes
    with pytest.raises(AccountsImportError) as caught:
        import_accounts(workbook([], [["zhou", "", None, "没有这个部门", "局长", None, None]]))
    assert "用户!E2：角色“局长”无效（应为 填报人、主管部门审核人、财政审核人、管理员、审核人）" in caught.value.errors


def test_the_django_admin_lists_a_reviewer_with_the_level(client, world):
    duties.grant(world.reviewer_b, world.org_a, duties.Duty.DEPARTMENT_REVIEWER)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    body = body_of(client.get(reverse("admin:tables_membership_changelist")))
    assert "主管部门审核人" in body and "财政审核人" in body


def test_the_django_admin_links_an_uncoded_organisation_by_its_name(client, world):
    fengrun = Organisation.objects.create(code=None, name="唐山市丰润区财政局")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    body = body_of(client.get(reverse("admin:tables_organisation_changelist")))
    assert f'<a href="{reverse("admin:tables_organisation_change", args=[fengrun.pk])}">唐山市丰润区财政局</a>' in body


def test_the_import_page_names_the_duties_in_the_set_up_pages_words(client, world):
    client.force_login(world.admin)
    body = body_of(client.get(reverse("review-accounts-import")))
    assert "角色：填报人、主管部门审核人、财政审核人、管理员、审核人（“审核人”即财政审核人" in body
