"""Login throttling: exponential backoff, never a lock that a stranger can pull.

The model, in the order a login attempt meets it:

1. The client's address is REMOTE_ADDR, unless REMOTE_ADDR is one of
   TRUSTED_PROXIES: then it is the right-most address in X-Forwarded-For that
   is not a trusted proxy (each proxy appends the address it was talking to, so
   everything left of that is whatever the client chose to send). Behind nginx
   every user would otherwise share nginx's address and one counter.
2. Failures are counted three ways, in the shared cache: per (user name,
   address) pair, per user name, per address.
3. Only the pair counter ever refuses an attempt without checking the
   password: from the PAIR_FREE-th failure of one name from one address, that
   pair waits BASE_DELAY, then twice as long after each further failure, up to
   MAX_DELAY (15 s, 30 s, 1 min, 2 min … 15 min). The wait is shown on the
   login page in Chinese.
4. The per-user and per-address counters never refuse a correct password.
   They take away the pair's free attempts instead: once a name has failed
   USER_FREE times from anywhere (a guessing attack spread over addresses), or
   an address has failed ADDRESS_FREE times for any names (one address trying
   many names), the first failure of a pair starts its wait. So someone who
   hammers a reviewer's name from their own machines only slows themselves:
   the reviewer, from an address that has not failed, still gets in with the
   right password, and a guesser needs a fresh address for every guess.
5. A correct password clears its pair. Counters are forgotten WINDOW_SECONDS
   after their last failure.

The counts are read and written without a lock, so a burst of parallel guesses
can get a few more attempts than the limits say; each attempt still costs a
password hash, and the backoff catches up with the next failure.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest

PAIR_FREE = getattr(settings, "LOGIN_FREE_FAILURES_PER_PAIR", 5)
USER_FREE = getattr(settings, "LOGIN_FREE_FAILURES_PER_USER", 10)
ADDRESS_FREE = getattr(settings, "LOGIN_FREE_FAILURES_PER_ADDRESS", 20)
BASE_DELAY = getattr(settings, "LOGIN_BACKOFF_BASE_SECONDS", 15)
MAX_DELAY = getattr(settings, "LOGIN_BACKOFF_MAX_SECONDS", 15 * 60)
WINDOW_SECONDS = getattr(settings, "LOGIN_FAILURE_WINDOW_SECONDS", 60 * 60)


# ---------------------------------------------------------------- the client's address


def is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network) for network in settings.TRUSTED_PROXIES)


def client_ip(request: HttpRequest) -> str:
    """The address of the person at the keyboard, as far as the trusted proxies vouch for it."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    if not is_trusted_proxy(remote):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # a trusted proxy never writes this: the chain is broken, trust nothing left of it
        if not is_trusted_proxy(hop):
            return hop
    return remote  # the request came from a trusted machine itself (or a broken chain): count it as that


# ---------------------------------------------------------------- counting


@dataclass
class Attempt:
    username: str
    address: str

    def keys(self) -> tuple[str, str, str]:
        name = self.username.strip().lower()
        return _key("pair", f"{name}\n{self.address}"), _key("user", name), _key("address", self.address)


def _key(kind: str, value: str) -> str:
    return f"login-failures:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def backoff(failures: int, free: int) -> int:
    """The wait after the `failures`-th failure: none before `free`, then BASE_DELAY, doubling."""
    if failures < free:
        return 0
    return min(MAX_DELAY, BASE_DELAY * 2 ** min(failures - free, 32))


def wait_seconds(attempt: Attempt, now: float | None = None) -> int:
    """Seconds before this name may try again from this address (0: go ahead)."""
    now = time.time() if now is None else now
    record = cache.get(attempt.keys()[0])
    if not record:
        return 0
    return max(0, math.ceil(record["until"] - now))


def record_failure(attempt: Attempt, now: float | None = None) -> int:
    """Count a wrong password; the wait it earns this pair, in seconds."""
    now = time.time() if now is None else now
    pair_key, user_key, address_key = attempt.keys()
    records = cache.get_many([pair_key, user_key, address_key])
    counts = {key: records.get(key, {}).get("n", 0) + 1 for key in (pair_key, user_key, address_key)}
    suspicious = counts[user_key] > USER_FREE or counts[address_key] > ADDRESS_FREE
    delay = backoff(counts[pair_key], 1 if suspicious else PAIR_FREE)
    until = now + delay
    cache.set_many(
        {
            pair_key: {"n": counts[pair_key], "until": until},
            user_key: {"n": counts[user_key], "until": 0},
            address_key: {"n": counts[address_key], "until": 0},
        },
        timeout=WINDOW_SECONDS + delay,
    )
    return delay


def clear_failures(attempt: Attempt) -> None:
    cache.delete(attempt.keys()[0])


def within_rate(kind: str, value: str, limit: int, window: int) -> bool:
    """Count one more event of `kind` for `value`; False once there were `limit` within `window` seconds."""
    key = _key(kind, value.strip().lower())
    count = cache.get(key, 0) + 1
    cache.set(key, count, window)
    return count <= limit


def describe_wait(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} 秒"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} 分 {rest} 秒" if rest else f"{minutes} 分钟"


# ---------------------------------------------------------------- the forms and the view


class ThrottledLoginMixin:
    """Checks the pair's wait before the password, counts wrong passwords after it."""

    throttle_messages = {
        "wait": "登录失败次数过多。为防止猜测密码，请 %(wait)s后再试。",
        "invalid_with_wait": "用户名或密码不正确。登录失败次数过多，请 %(wait)s后再试。",
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        attempt = Attempt(username, client_ip(self.request) if self.request else "unknown")
        self.throttle_wait = wait_seconds(attempt)
        if self.throttle_wait:
            raise ValidationError(
                self.throttle_messages["wait"], code="throttled", params={"wait": describe_wait(self.throttle_wait)}
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            if self.user_cache is not None:
                raise  # the password was right (an inactive account, or not staff on the admin's form)
            self.throttle_wait = record_failure(attempt)
            if self.throttle_wait:
                raise ValidationError(
                    self.throttle_messages["invalid_with_wait"],
                    code="throttled",
                    params={"wait": describe_wait(self.throttle_wait)},
                ) from None
            raise
        clear_failures(attempt)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class ThrottledLoginView(LoginView):
    form_class = ThrottledAuthenticationForm
