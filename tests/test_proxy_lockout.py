"""The outside probe's lockout, replayed: gunicorn in production settings behind a reverse proxy.

Everything stays on loopback. A small proxy in this process plays nginx
(`proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`): it appends the
address of the peer it talks to. Two clients connect to it from different
loopback addresses (127.0.0.2 and 127.0.0.3), so the app sees every request
come from 127.0.0.1 (the proxy, TRUSTED_PROXIES) and must tell the clients
apart by X-Forwarded-For. Before the trusted-proxy handling, 20 failures from
anyone locked every account (issue 18, item 1), and /admin/login/ was not
throttled at all (item 2).

The passwords are hashed with the production PBKDF2, about half a second
each here, so the test sends only as many attempts as it needs.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Lan-2026-zhu-proxy"
CLIENT_A, CLIENT_B = "127.0.0.2", "127.0.0.3"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"}

SETUP = f"""
import django
django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("createcachetable", verbosity=0)
User = get_user_model()
User.objects.create_user("filler", password={PASSWORD!r})
User.objects.create_superuser("root", password={PASSWORD!r})
"""


# The production settings, except that static files are served as they are from a folder of this test's
# own: collecting them into the project's staticfiles/ would race with any other test process reading it.
SETTINGS = """
from config.settings import *  # noqa: F403

STATIC_ROOT = {static!r}
PLAIN = {{"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
STORAGES = {{**STORAGES, "staticfiles": PLAIN}}  # noqa: F405
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def can_bind(address: str) -> bool:
    try:
        with socket.socket() as s:
            s.bind((address, 0))
        return True
    except OSError:
        return False


# ---------------------------------------------------------------- the reverse proxy


def proxy_to(upstream_port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            forwarded = self.headers.get("X-Forwarded-For")
            headers["X-Forwarded-For"] = (
                f"{forwarded}, {self.client_address[0]}" if forwarded else self.client_address[0]
            )
            headers["X-Forwarded-Proto"] = "http"
            upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
            try:
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in HOP_BY_HOP | {"content-length"}:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            finally:
                upstream.close()

        do_GET = do_POST = _forward

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Browser:
    """One person's browser: a source address, cookies, and the login form's CSRF token."""

    def __init__(self, source: str, port: int, forged_for: str | None = None):
        self.source, self.port, self.forged_for = source, port, forged_for
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60, source_address=(self.source, 0))
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if self.forged_for:
            headers["X-Forwarded-For"] = self.forged_for  # trying to have its failures counted against someone else
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for key, value in response.getheaders():
                if key.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return response.status, response.getheader("Location", ""), text
        finally:
            connection.close()

    def login(self, username: str, password: str, path: str = "/accounts/login/") -> tuple[bool, str]:
        self.cookies.pop("sessionid", None)
        status, _, page = self.request("GET", path)
        assert status == 200, page[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _, page = self.request(
            "POST", path, {"csrfmiddlewaretoken": token, "username": username, "password": password}
        )
        return status == 302 and "sessionid" in self.cookies, page


# ---------------------------------------------------------------- gunicorn


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not (can_bind(CLIENT_A) and can_bind(CLIENT_B)):
        pytest.skip("this machine routes only 127.0.0.1 to loopback")
    folder = tmp_path_factory.mktemp("proxy-lockout")
    (folder / "proxy_lockout_settings.py").write_text(SETTINGS.format(static=str(folder / "static")))
    env = {k: v for k, v in os.environ.items() if k not in ("TESTING", "DEBUG", "REDIS_URL", "BEHIND_PROXY")}
    env.update(
        DJANGO_SETTINGS_MODULE="proxy_lockout_settings",
        PYTHONPATH=os.pathsep.join([str(folder), str(ROOT)]),
        DJANGO_ENV="production",
        DATABASE_URL=f"sqlite:///{folder / 'site.sqlite3'}",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        HTTPS="0",  # no TLS on loopback
        TRUSTED_PROXIES="127.0.0.1",
        MEDIA_ROOT=str(folder / "media"),
        PYTHONUNBUFFERED="1",
    )
    subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True, timeout=300)
    port = free_port()
    log = (folder / "gunicorn.log").open("wb")
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    server = subprocess.Popen(
        [*command, "--no-control-socket", "--timeout", "60"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    proxy = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(f"gunicorn did not start: {(folder / 'gunicorn.log').read_text()[-2000:]}")
        proxy = proxy_to(port)
        yield proxy.server_address[1]
    finally:
        if proxy is not None:
            proxy.shutdown()
            proxy.server_close()
        server.terminate()  # the gunicorn this fixture started, by its own process
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_failures_from_one_client_behind_the_proxy_never_lock_out_another(site):
    attacker = Browser(CLIENT_A, site, forged_for=CLIENT_B)
    names = ["filler", "root", "zhang", "li", "wang"]
    with ThreadPoolExecutor(2) as pool:  # two gunicorn workers
        results = list(pool.map(lambda n: Browser(CLIENT_A, site).login(names[n % 5], "wrong"), range(16)))
    results += [attacker.login("filler", "wrong") for _ in range(5)]
    assert not any(ok for ok, _ in results)
    assert "登录失败次数过多" in results[-1][1]  # the attacker's own address waits for "filler"
    assert not attacker.login("filler", PASSWORD)[0]
    assert Browser(CLIENT_B, site).login("filler", PASSWORD)[0]
    assert Browser(CLIENT_B, site).login("root", PASSWORD, path="/admin/login/?next=/admin/")[0]


def test_the_admin_login_behind_the_proxy_makes_a_guesser_wait(site):
    guesser = Browser(CLIENT_A, site)
    for _ in range(5):
        assert not guesser.login("root", "wrong", path="/admin/login/")[0]
    refused, page = guesser.login("root", PASSWORD, path="/admin/login/")
    assert not refused and "登录失败次数过多" in page
    assert Browser(CLIENT_B, site).login("root", PASSWORD, path="/admin/login/")[0]
