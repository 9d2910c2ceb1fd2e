"""Login throttling: lock a user name, and an address, out after repeated failures.

Counts live in the cache (the database cache in production, so every app
server sees the same counts).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.core.exceptions import ValidationError

USER_LIMIT = getattr(settings, "LOGIN_FAILURES_PER_USER", 5)
IP_LIMIT = getattr(settings, "LOGIN_FAILURES_PER_IP", 20)
WINDOW_SECONDS = getattr(settings, "LOGIN_LOCKOUT_SECONDS", 15 * 60)


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"login-failures:{kind}:{digest}"


def client_ip(request) -> str:
    # Behind the documented reverse proxy, REMOTE_ADDR is set from X-Real-IP by nginx.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def is_locked(username: str, ip: str) -> bool:
    counts = cache.get_many([_key("user", username), _key("ip", ip)])
    return counts.get(_key("user", username), 0) >= USER_LIMIT or counts.get(_key("ip", ip), 0) >= IP_LIMIT


def record_failure(username: str, ip: str) -> None:
    for key in (_key("user", username), _key("ip", ip)):
        if cache.add(key, 1, WINDOW_SECONDS) is False:
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, WINDOW_SECONDS)


def clear_failures(username: str) -> None:
    cache.delete(_key("user", username))


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": "登录失败次数过多，账号或地址已被暂时锁定，请 %(minutes)d 分钟后再试。",
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request else "unknown"
        if is_locked(username, ip):
            raise ValidationError(
                self.error_messages["locked"], code="locked", params={"minutes": WINDOW_SECONDS // 60}
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            record_failure(username, ip)
            raise
        clear_failures(username)
        return cleaned


class ThrottledLoginView(LoginView):
    form_class = ThrottledAuthenticationForm
