"""Logging in and passwords: the backoff, the trusted proxy, the admin's login, password changes,
and the accounts import's initial passwords and preview (issue 18, items 1, 2, 4 and 13)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import RequestFactory
from django.urls import reverse

from tables import throttle
from tables.imports.accounts import AccountsImportError, import_accounts
from tables.models import Membership, PasswordChangeRequired
from tests.factories import UserFactory
from tests.review.test_workflow import GOOD_ORGS, workbook

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory


@pytest.fixture(autouse=True)
def held_workbooks_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # previews hold the uploaded workbook under MEDIA_ROOT/account-imports


@pytest.fixture
def behind_proxy(settings):
    """The test client talks from 127.0.0.1: make that the trusted reverse proxy."""
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]


def login(client, username: str, password: str, address: str | None = None, url: str = LOGIN):
    headers = {"X-Forwarded-For": address} if address else {}
    return client.post(url, {"username": username, "password": password}, headers=headers)


def logged_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


# ---------------------------------------------------------------- the client's address


@pytest.mark.parametrize(
    "remote, forwarded, expected",
    [
        ("10.0.0.5", "203.0.113.7", "203.0.113.7"),  # nginx says who the client is
        ("198.51.100.9", "203.0.113.7", "198.51.100.9"),  # anyone else may not
        ("10.0.0.5", "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # the client's own entry, left of nginx's, is ignored
        ("10.0.0.5", "203.0.113.7, 10.0.0.6", "203.0.113.7"),  # two trusted hops
        ("10.0.0.5", "", "10.0.0.5"),  # the proxy's own request
        ("10.0.0.5", "not-an-address", "10.0.0.5"),  # a broken chain is not believed
    ],
)
def test_the_client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy(
    settings, remote, forwarded, expected
):
    settings.TRUSTED_PROXIES = ["10.0.0.5", "10.0.0.6/32"]
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert throttle.client_ip(request) == expected


def test_x_forwarded_proto_is_believed_from_the_trusted_proxy_only(client, settings, world):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    https = {"X-Forwarded-Proto": "https"}
    from_stranger = client.get(LOGIN, headers=https, REMOTE_ADDR="198.51.100.9")
    assert from_stranger.status_code == 301 and from_stranger["Location"].startswith("https://")
    assert client.get(LOGIN, headers=https, REMOTE_ADDR="10.0.0.5").status_code == 200


def test_behind_proxy_no_longer_starts_the_app_because_it_trusted_every_peer():
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings", "BEHIND_PROXY": "1", "TESTING": "1"}
    code = "import django; django.setup()"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "TRUSTED_PROXIES" in result.stderr


# ---------------------------------------------------------------- backoff, never one lock for everybody


def test_the_wait_starts_at_the_fifth_failure_doubles_and_stops_at_fifteen_minutes():
    waits = [throttle.backoff(n, throttle.PAIR_FREE) for n in range(1, 12)]
    assert waits == [0, 0, 0, 0, 15, 30, 60, 120, 240, 480, 900]


def test_many_failures_behind_the_proxy_do_not_refuse_another_clients_correct_password(client, behind_proxy, world):
    for number in range(25):
        login(client, f"guess{number % 7}", "wrong", address="203.0.113.1")
    assert logged_in(login(client, "filler_a", PASSWORD, address="203.0.113.2"))


def test_failures_from_one_address_never_refuse_a_correct_password_from_it(client, world):
    for number in range(25):
        login(client, f"typo{number}", "wrong")  # a whole office behind one address, each mistyping once
    assert logged_in(login(client, "filler_b", PASSWORD))


def test_failures_against_a_reviewers_name_from_elsewhere_do_not_keep_the_reviewer_out(client, behind_proxy, world):
    for number in range(30):
        login(client, "reviewer_a", "wrong", address=f"203.0.113.{number % 3 + 1}")
    assert logged_in(login(client, "reviewer_a", PASSWORD, address="198.51.100.20"))


def test_repeated_failures_from_one_address_make_that_name_wait_and_say_how_long(client, world, monkeypatch):
    now = 1_000_000.0
    monkeypatch.setattr(throttle.time, "time", lambda: now)
    for _ in range(4):
        assert "登录失败次数过多" not in login(client, "filler_a", "wrong").content.decode()
    fifth = login(client, "filler_a", "wrong").content.decode()
    assert "用户名或密码不正确。登录失败次数过多，请 15 秒后再试。" in fifth
    refused = login(client, "filler_a", PASSWORD)
    assert not logged_in(refused) and "请 15 秒后再试" in refused.content.decode()
    now += 16
    assert logged_in(login(client, "filler_a", PASSWORD))


def test_once_a_name_is_under_attack_each_new_address_gets_one_guess(client, behind_proxy, world):
    for number in range(11):
        login(client, "filler_a", "wrong", address=f"203.0.113.{number}")
    first_guess = login(client, "filler_a", "wrong", address="198.51.100.1")
    assert "请 15 秒后再试" in first_guess.content.decode()
    assert not logged_in(login(client, "filler_a", PASSWORD, address="198.51.100.1"))  # no second guess
    assert logged_in(login(client, "filler_a", PASSWORD, address="198.51.100.2"))


def test_the_wait_message_reads_in_minutes_when_long():
    assert (throttle.describe_wait(15), throttle.describe_wait(120), throttle.describe_wait(150)) == (
        "15 秒",
        "2 分钟",
        "2 分 30 秒",
    )


# ---------------------------------------------------------------- the admin's login


@pytest.fixture
def staff(world):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_the_admin_login_makes_a_guesser_wait_like_the_site_login(client, staff):
    url = reverse("admin:login")
    for _ in range(5):
        login(client, "root", "wrong", url=url)
    refused = login(client, "root", PASSWORD, url=url)
    assert refused.status_code == 200 and "登录失败次数过多" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_on_the_admin_login_and_the_site_login_add_up(client, staff):
    for _ in range(3):
        login(client, "root", "wrong", url=reverse("admin:login"))
    for _ in range(2):
        login(client, "root", "wrong")
    assert not logged_in(login(client, "root", PASSWORD))


def test_a_correct_non_staff_password_on_the_admin_login_is_not_counted_as_a_guess(client, world):
    for _ in range(6):
        login(client, "filler_a", PASSWORD, url=reverse("admin:login"))
    assert logged_in(login(client, "filler_a", PASSWORD))


# ---------------------------------------------------------------- TESTING is never production


def test_check_deploy_fails_while_testing_is_on(settings):
    settings.TESTING = True
    with pytest.raises(SystemCheckError, match=r"tables\.E002"):
        call_command("check", deploy=True, tags=["security"])


def test_check_deploy_refuses_a_proxy_list_that_trusts_everyone(settings):
    from tables.system_checks import testing_is_off, trusted_proxies_are_specific

    settings.TESTING = False
    settings.TRUSTED_PROXIES = ["0.0.0.0/0"]
    assert testing_is_off() == []
    assert [message.id for message in trusted_proxies_are_specific()] == ["tables.E003"]


# ---------------------------------------------------------------- changing a password


def test_every_user_can_change_their_password(client, world):
    client.force_login(world.reviewer_a)
    assert 'href="/accounts/password_change/"' in client.get(reverse("home")).content.decode()
    form = {"old_password": PASSWORD, "new_password1": "Zhu-2026-lan", "new_password2": "Zhu-2026-lan"}
    response = client.post(reverse("password_change"), form)
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    world.reviewer_a.refresh_from_db()
    assert world.reviewer_a.check_password("Zhu-2026-lan")
    assert "密码已修改" in client.get(reverse("password_change_done")).content.decode()


def test_a_new_password_must_pass_the_validators(client, world):
    client.force_login(world.filler_a)
    form = {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    response = client.post(reverse("password_change"), form)
    assert response.status_code == 200 and "这个密码太常见了" in response.content.decode()


def test_users_created_in_code_like_the_demo_users_are_not_sent_to_change_their_password(client, world):
    client.post(LOGIN, {"username": "filler_a", "password": PASSWORD})
    assert client.get(reverse("home")).status_code == 200


def test_an_imported_user_changes_the_initial_password_before_anything_else(client, world):
    import_accounts(workbook(GOOD_ORGS, [["zhang", "张三", None, "318", "填报人", None, "Lan-2026-zhu"]]))
    assert logged_in(login(client, "zhang", "Lan-2026-zhu"))
    assert client.get(reverse("home"))["Location"] == reverse("password_change")
    htmx = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx["HX-Redirect"] == reverse("password_change")
    assert "由他人设定" in client.get(reverse("password_change")).content.decode()
    form = {"old_password": "Lan-2026-zhu", "new_password1": "Mei-2026-zhu", "new_password2": "Mei-2026-zhu"}
    client.post(reverse("password_change"), form)
    assert client.get(reverse("home")).status_code == 200
    assert not PasswordChangeRequired.objects.exists()


def test_a_user_an_admin_adds_in_the_admin_must_change_the_password(client, staff):
    client.force_login(staff)
    form = {"username": "sun", "password1": "Lan-2026-zhu", "password2": "Lan-2026-zhu", "usable_password": "true"}
    response = client.post(reverse("admin:auth_user_add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PasswordChangeRequired.objects.get(user__username="sun").reason == "admin"


def test_a_password_an_admin_resets_in_the_admin_must_be_changed(client, staff, world):
    client.force_login(staff)
    url = reverse("admin:auth_user_password_change", args=[world.filler_a.pk])
    form = {"password1": "Lan-2026-zhu", "password2": "Lan-2026-zhu", "usable_password": "true", "set-password": ""}
    assert client.post(url, form).status_code == 302
    assert PasswordChangeRequired.objects.filter(user=world.filler_a).exists()
    own = reverse("admin:auth_user_password_change", args=[staff.pk])
    client.post(own, form)
    assert not PasswordChangeRequired.objects.filter(user=staff).exists()


# ---------------------------------------------------------------- the accounts import: passwords


@pytest.mark.parametrize("password", ["12345678", "password"])
def test_the_accounts_import_refuses_a_weak_initial_password_naming_the_cell(world, password):
    users = [
        ["zhang", "张三", None, "318", "填报人", None, "Lan-2026-zhu"],
        ["qian", None, None, "318", "填报人", None, password],
    ]
    with pytest.raises(AccountsImportError) as caught:
        import_accounts(workbook(GOOD_ORGS, users))
    assert any(e.startswith("用户!G3：用户“qian”的初始密码不符合要求：") for e in caught.value.errors), (
        caught.value.errors
    )
    assert not get_user_model().objects.filter(username__in=["zhang", "qian"]).exists()


# ---------------------------------------------------------------- the accounts import: preview


def upload(rows, orgs=GOOD_ORGS):
    book = workbook(orgs, rows)
    book.name = "accounts.xlsx"
    return book


def test_an_accounts_upload_is_previewed_and_changes_nothing_until_confirmed(client, world):
    client.force_login(world.admin)
    url = reverse("review-accounts-import")
    preview = client.post(url, {"file": upload([["zhang", "张三", None, "318", "填报人", "是", None]])})
    body = preview.content.decode()
    assert preview.status_code == 200 and "还没有导入" in body and "新建用户 zhang（张三）" in body
    assert "zhang 新增权限：填报人 · 318 丰润区财政局（含下属单位）" in body
    assert not get_user_model().objects.filter(username="zhang").exists()
    client.post(url, {"action": "confirm", "token": preview.context["token"]})
    assert Membership.objects.filter(user__username="zhang", include_units=True).exists()


def test_the_preview_shows_an_existing_users_new_email_before_it_is_written(client, world):
    world.filler_a.email = "a@czj.example.invalid"
    world.filler_a.save()
    client.force_login(world.admin)
    url = reverse("review-accounts-import")
    row = ["filler_a", None, "someone@else.invalid", "318", "填报人", None, None]
    preview = client.post(url, {"file": upload([row])})
    assert "已有用户 filler_a：邮箱 a@czj.example.invalid → someone@else.invalid" in preview.content.decode()
    world.filler_a.refresh_from_db()
    assert world.filler_a.email == "a@czj.example.invalid"


def test_the_import_grants_admin_only_with_the_explicit_confirmation(client, world):
    client.force_login(world.admin)
    url = reverse("review-accounts-import")
    preview = client.post(url, {"file": upload([["zhao", "赵六", None, None, "管理员", None, None]], orgs=[])})
    assert 'id="admin-grants"' in preview.content.decode()
    unticked = client.post(url, {"action": "confirm", "token": preview.context["token"]})
    assert unticked.status_code == 422 and "授予“zhao”管理员权限须先预览并确认" in unticked.content.decode()
    assert not Membership.objects.filter(role="admin", user__username="zhao").exists()
    client.post(url, {"action": "confirm", "token": preview.context["token"], "confirm_admins": "1"})
    assert Membership.objects.filter(role="admin", user__username="zhao").exists()


def test_importing_without_the_view_never_grants_admin_silently(world):
    with pytest.raises(AccountsImportError, match="管理员权限须先预览并确认"):
        import_accounts(workbook([], [["zhao", None, None, None, "管理员", None, None]]))
    assert not get_user_model().objects.filter(username="zhao").exists()


def test_a_confirmation_after_the_data_changed_since_the_preview_imports_nothing(client, world):
    client.force_login(world.admin)
    url = reverse("review-accounts-import")
    preview = client.post(
        url, {"file": upload([["filler_a", None, "new@czj.example.invalid", "318", "填报人", None, None]])}
    )
    world.filler_a.email = "changed@czj.example.invalid"  # another admin, meanwhile
    world.filler_a.save()
    response = client.post(url, {"action": "confirm", "token": preview.context["token"]})
    assert response.status_code == 409 and "预览之后" in response.content.decode()
    world.filler_a.refresh_from_db()
    assert world.filler_a.email == "changed@czj.example.invalid"
    assert not Membership.objects.filter(user=world.filler_a, organisation__code="318").exists()


def test_a_preview_can_be_confirmed_only_from_the_session_that_made_it(client, world):
    from django.test import Client

    client.force_login(world.admin)
    preview = client.post(
        reverse("review-accounts-import"), {"file": upload([["zhang", None, None, "318", "填报人", None, None]])}
    )
    other = Client()
    other.force_login(world.admin)  # the same admin in another browser: a session of its own
    response = other.post(reverse("review-accounts-import"), {"action": "confirm", "token": preview.context["token"]})
    assert response.status_code == 302
    assert not get_user_model().objects.filter(username="zhang").exists()


def test_an_admin_resets_a_forgotten_password_from_the_command_line(client, world):
    import io

    out = io.StringIO()
    call_command("reset_password", "filler_b", stdout=out)
    temporary = out.getvalue().split("临时密码：")[1].split()[0]
    assert logged_in(login(client, "filler_b", temporary))
    assert client.get(reverse("home"))["Location"] == reverse("password_change")


def test_a_cancelled_or_confirmed_preview_leaves_no_uploaded_workbook_behind(client, world, settings):
    from pathlib import Path

    client.force_login(world.admin)
    url = reverse("review-accounts-import")
    held = Path(settings.MEDIA_ROOT) / "account-imports"
    rows = [["zhang", None, None, "318", "填报人", None, None]]
    preview = client.post(url, {"file": upload(rows)})
    assert len(list(held.iterdir())) == 1
    client.post(url, {"action": "confirm", "token": preview.context["token"], "cancel": "1"})
    assert not list(held.iterdir()) and not get_user_model().objects.filter(username="zhang").exists()
    preview = client.post(url, {"file": upload(rows)})
    client.post(url, {"action": "confirm", "token": preview.context["token"]})
    assert not list(held.iterdir()) and get_user_model().objects.filter(username="zhang").exists()


# ---------------------------------------------------------------- a forgotten password, by e-mail


def reset_link(message) -> str:
    return next(line for line in message.body.splitlines() if "/accounts/reset/" in line).split("testserver", 1)[1]


def test_a_forgotten_password_is_reset_through_the_link_mailed_to_the_user(client, world, mailoutbox):
    PasswordChangeRequired.objects.create(user=world.filler_a, reason="imported")
    world.filler_a.email = "filler_a@czj.example.invalid"
    world.filler_a.save()
    assert "忘记密码" in client.get(LOGIN).content.decode()
    response = client.post(reverse("password_reset"), {"email": world.filler_a.email})
    assert response["Location"] == reverse("password_reset_done") and len(mailoutbox) == 1
    assert mailoutbox[0].to == [world.filler_a.email] and "重置密码" in mailoutbox[0].subject
    form_page = client.get(reset_link(mailoutbox[0]), follow=True)
    assert "设定新密码" in form_page.content.decode()
    form = {"new_password1": "Mei-2026-zhu", "new_password2": "Mei-2026-zhu"}
    done = client.post(form_page.redirect_chain[-1][0], form)
    assert done["Location"] == reverse("password_reset_complete")
    assert not PasswordChangeRequired.objects.filter(user=world.filler_a).exists()
    assert logged_in(login(client, "filler_a", "Mei-2026-zhu"))


def test_the_reset_link_starts_with_site_url(client, world, settings, mailoutbox):
    settings.SITE_URL = "https://jxmb.czj.example.gov.cn"
    world.filler_a.email = "filler_a@czj.example.invalid"
    world.filler_a.save()
    client.post(reverse("password_reset"), {"email": world.filler_a.email})
    assert "https://jxmb.czj.example.gov.cn/accounts/reset/" in mailoutbox[0].body


def test_admin_and_staff_passwords_are_never_reset_by_email(client, world, staff, mailoutbox):
    for user in (world.admin, staff):
        user.email = f"{user.username}@czj.example.invalid"
        user.save()
        response = client.post(reverse("password_reset"), {"email": user.email})
        assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []


def test_reset_emails_to_one_address_are_limited(client, world, mailoutbox):
    world.filler_b.email = "filler_b@czj.example.invalid"
    world.filler_b.save()
    for _ in range(5):
        assert client.post(reverse("password_reset"), {"email": world.filler_b.email}).status_code == 302
    assert len(mailoutbox) == 3


def test_a_preview_hashes_no_initial_password(world, monkeypatch):
    """PBKDF2 costs about half a second a password in production: a preview of hundreds of users would time out."""
    import django.contrib.auth.base_user as base_user

    hashed = []  # make_password(None) is how set_unusable_password marks an account: no hashing
    monkeypatch.setattr(
        base_user, "make_password", lambda raw, *a, **k: (raw is not None and hashed.append(raw)) or "!"
    )
    rows = [[f"user{n}", None, None, "318", "填报人", None, f"Lan-2026-zhu-{n}"] for n in range(3)]
    preview = import_accounts(workbook(GOOD_ORGS, rows), dry_run=True)
    assert preview.users_created == 3 and hashed == []
