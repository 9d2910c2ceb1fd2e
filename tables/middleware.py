"""The one htmx response contract (see STYLE.md)."""

from __future__ import annotations

import json
import sys
import time

from django.conf import settings
from django.contrib import messages
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.defaults import bad_request as django_bad_request

from tables.passwords import SESSION_KEY as PASSWORD_CHANGE_SESSION_KEY
from tables.throttle import is_trusted_proxy


class TrustedProxyMiddleware:
    """Drops X-Forwarded-For and X-Forwarded-Proto unless the peer is one of TRUSTED_PROXIES.

    SECURE_PROXY_SSL_HEADER alone would believe "https" from any client that
    reaches the app servers directly; the login throttle would believe any
    address a client writes. See docs/deploy.md, "Trust model".
    """

    HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            for header in self.HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """A user whose password was set by someone else changes it before doing anything else.

    The flag is copied into the session at login (tables.passwords), so ordinary
    requests cost no query.
    """

    ALLOWED = ("password_change", "password_change_done", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is None or not session.get(PASSWORD_CHANGE_SESSION_KEY) or not request.user.is_authenticated:
            return self.get_response(request)
        if request.path in {reverse(name) for name in self.ALLOWED}:
            return self.get_response(request)
        url = reverse("password_change")
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)


class HtmxContractMiddleware:
    """For htmx requests: a login redirect becomes HX-Redirect, and messages travel in HX-Trigger.

    Without this an expired session would swap the login page into a table cell.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "htmx", False):
            return response
        login_url = resolve_url(settings.LOGIN_URL)
        if response.status_code in (301, 302) and response.get("Location", "").startswith(login_url):
            redirect = HttpResponse(status=204)
            redirect["HX-Redirect"] = response["Location"]
            return redirect
        stored = [{"level": m.level_tag, "text": str(m.message)} for m in messages.get_messages(request)]
        if stored:
            trigger = {}
            if response.get("HX-Trigger"):
                try:
                    trigger = json.loads(response["HX-Trigger"])
                except ValueError:
                    trigger = {response["HX-Trigger"]: True}
            trigger["messages"] = stored
            response["HX-Trigger"] = json.dumps(trigger)  # ASCII: headers must not be MIME-encoded
        return response


class SessionActivityMiddleware:
    """Sliding session expiry: a session ends after SESSION_COOKIE_AGE of inactivity.

    SESSION_SAVE_EVERY_REQUEST would do it with a session write on every request
    (three statements on each autosave of a cell); this refreshes the expiry at
    most once per SESSION_REFRESH_SECONDS, which moves the end of the session by
    at most that much.
    """

    KEY = "_activity"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "database_unavailable", False):
            return response  # the 503 page (DatabaseUnavailableMiddleware): reading the user would fail again
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[self.KEY] = now  # marks the session modified: saved with a new expiry and cookie
        return response


class DatabaseUnavailableMiddleware:
    """A lost database connection becomes a clear 503 page, not a 500.

    A failing view gets the page from `process_exception`. Listed before the
    session, auth and message middleware, because they touch the database too
    (reading the user, saving the session) after the view, and Django turns
    their exception into a 500 before any other middleware sees it: so a
    database error anywhere in the request is noted on the request (the
    `got_request_exception` signal), and the 500 it became is answered here as
    the 503 page.

    The next request opens a fresh connection (CONN_HEALTH_CHECKS), so the app
    recovers by itself once the database is back. Transactions that were cut
    off are rolled back by the database, so no table is half-written.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(_note_database_error, dispatch_uid="tables.database_unavailable")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "database_unavailable", False) and response.status_code >= 500:
            return _unavailable()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _is_database_error(exception):
            return None
        request.database_unavailable = True
        return _unavailable()


def _is_database_error(exception: BaseException | None) -> bool:
    """Whether a lost database is behind `exception`, also where Django re-raised it as something else
    (a session save cut off by the database becomes SessionInterrupted, answered 400)."""
    seen = 0
    while exception is not None and seen < 10:
        if isinstance(exception, (OperationalError, InterfaceError)):
            return True
        exception, seen = exception.__cause__ or exception.__context__, seen + 1
    return False


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: Django's 400 page, or the 503 page when the database went away under the request.

    SessionMiddleware turns a session save the database cut off into SessionInterrupted, a
    SuspiciousOperation that Django answers 400 ("the session was deleted") without telling any
    middleware; the user would be told their request was malformed while the database restarts.
    """
    if _is_database_error(exception):
        return _unavailable()
    return django_bad_request(request, exception)


def _note_database_error(sender, request: HttpRequest | None = None, **kwargs) -> None:
    # Sent from inside Django's `except` block: the exception is the one being handled.
    if request is not None and _is_database_error(sys.exc_info()[1]):
        request.database_unavailable = True


def _unavailable() -> HttpResponse:
    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "30"
    return response


class NoStoreMiddleware:
    """Nothing shown to a signed-in user is kept by the browser or a proxy cache.

    Pages, htmx fragments and downloads carry unapproved budget figures: after
    logout on a shared office computer, Back or the disk cache must not show them.
    Static files never get here (WhiteNoise answers them earlier).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
