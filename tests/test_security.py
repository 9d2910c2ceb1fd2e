"""Security settings that every page relies on."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_name_and_address_with_repeated_failures_wait_before_the_next_try(client, world):
    url = reverse("login")
    for _ in range(5):
        response = client.post(url, {"username": "filler_a", "password": "wrong"})
        assert "请输入一个正确的" in response.content.decode() or response.status_code == 200
    response = client.post(url, {"username": "filler_a", "password": "pw-for-tests-1"})
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_good_login_clears_the_failures(client, world):
    url = reverse("login")
    for _ in range(4):
        client.post(url, {"username": "filler_b", "password": "wrong"})
    response = client.post(url, {"username": "filler_b", "password": "pw-for-tests-1"})
    assert response.status_code == 302
    client.logout()
    for _ in range(4):
        client.post(url, {"username": "filler_b", "password": "wrong"})
    assert client.post(url, {"username": "filler_b", "password": "pw-for-tests-1"}).status_code == 302


def test_pages_carry_a_csp_without_inline_scripts_and_deny_framing(client, world):
    client.force_login(world.filler_a)
    response = client.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.content.decode()


def test_htmx_request_after_session_expiry_gets_hx_redirect(client, world):
    response = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_a_lost_database_gives_a_clear_503(client, world, monkeypatch):
    from django.db import OperationalError

    from tables import views

    def broken(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views, "get_table_for_user", broken)
    client.force_login(world.filler_a)
    client.raise_request_exception = False
    response = client.get(reverse("table-detail", args=[world.table_a.pk]))
    assert response.status_code == 503
    assert "暂时无法连接数据库" in response.content.decode()
    assert response["Retry-After"] == "30"


def test_a_database_error_after_the_view_is_a_503_not_a_500(client, world, monkeypatch):
    """A middleware that reads the session or the user after a failed view must not turn the
    503 page into a 500 (found by the load test's database restart under gunicorn)."""
    from django.contrib.auth import middleware as auth_middleware
    from django.db import OperationalError

    from tables import views

    def broken(*args, **kwargs):
        raise OperationalError("the database system is shutting down")

    client.force_login(world.filler_a)
    monkeypatch.setattr(views, "get_table_for_user", broken)
    monkeypatch.setattr(auth_middleware, "get_user", broken)  # the user cannot be read either
    client.raise_request_exception = False
    response = client.get(reverse("table-detail", args=[world.table_a.pk]))
    assert response.status_code == 503 and "暂时无法连接数据库" in response.content.decode()


def test_a_session_save_the_database_cuts_off_is_a_503_not_a_bad_request(client, world, monkeypatch):
    """Django turns a session save that fails on the database into SessionInterrupted, answered 400
    "the session was deleted" (seen once in the load test's PostgreSQL restart)."""
    from django.contrib.sessions.backends.base import UpdateError
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError

    def cut_off(self, must_create=False):
        try:
            raise OperationalError("terminating connection due to administrator command")
        except OperationalError:
            raise UpdateError  # noqa: B904 -- as Django does: the OperationalError is its __context__

    client.force_login(world.filler_a)  # no activity stamp yet: this request writes the session
    monkeypatch.setattr(SessionStore, "save", cut_off)
    response = client.get(reverse("home"))
    assert response.status_code == 503 and "暂时无法连接数据库" in response.content.decode()


def test_a_really_bad_request_is_still_a_400(client, world):
    response = client.get(reverse("home"), headers={"Host": "evil.example"})
    assert response.status_code == 400


def test_static_files_collect_with_the_production_storage(settings, tmp_path):
    """`make serve-prod` runs collectstatic with hashed, compressed files and a manifest: every
    reference inside the vendored CSS and JS must resolve (no source maps that are not shipped)."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("vendor/bootstrap/bootstrap.min.*.css.gz"))


def _expiry(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_the_session_expires_after_inactivity_and_activity_extends_it(client, world, settings):
    """Sliding expiry (SessionActivityMiddleware): refreshed at most once a minute, not on every request."""
    from django.contrib.sessions.models import Session

    client.force_login(world.filler_a)
    home = reverse("home")
    assert client.get(home).status_code == 200
    first = _expiry(client)

    # Within the refresh interval: no session write at all.
    assert client.get(home).status_code == 200
    assert _expiry(client) == first

    # A minute later: the expiry moves to SESSION_COOKIE_AGE from now, and the cookie with it.
    session = client.session
    session["_activity"] -= settings.SESSION_REFRESH_SECONDS
    session.save()
    response = client.get(home)
    assert _expiry(client) > first
    assert response.cookies["sessionid"]["max-age"] == settings.SESSION_COOKIE_AGE

    # Inactive beyond SESSION_COOKIE_AGE: the stored session is expired and the user logged out.
    Session.objects.filter(session_key=client.session.session_key).update(expire_date="2000-01-01T00:00:00Z")
    response = client.get(home)
    assert response.status_code == 302 and reverse("login") in response["Location"]
