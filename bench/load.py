"""`make load`: a deadline day on loopback — gunicorn on PostgreSQL, 500 organisations, 100 people.

    python -m bench.load [--duration 60] [--users 100] [--think 2 8] [--stress-duration 30]
                         [--restart-db] [--json FILE]

1. (Re)creates the database `target_tables_load`, migrates it, loads the demo and scales it
   to 500 organisations (`bench.scale`): 1,500 tables in every state, 20–40 indicators in
   each department table, fillers and reviewers.
2. Starts gunicorn (`config.wsgi`, DEBUG off, plain HTTP on 127.0.0.1 and a free port).
3. Logs the users in (CSRF and all) and opens their pages, has every worker render one PDF
   (its first loads the fonts), then runs the users for `--duration` seconds with 2–8 s
   of think time between actions (a person types a cell between two autosaves): the
   deadline day the latency targets are for. Fillers open step 4 of their own department table and
   autosave indicator rows exactly as the page does (htmx POST of the row's fields with
   `base` and `version`, the fingerprint of each answer kept for the next save, a 409
   conflict answered with reload or overwrite); reviewers open their queue, open a
   submitted table and approve it or comment and return it; now and then someone
   downloads a PDF.
4. Prints requests/s and p50/p95/p99 per kind of request and the errors, then checks the
   database: every acknowledged save is there, no table is in an impossible state, each
   table's version moved by exactly its acknowledged writes.
   With `--stress-duration`, the same people then act every 0.5–2 s for that long: more
   than two cores serve, so it measures the capacity (requests/s at saturation) and that
   nothing is lost or half-written when requests queue; the latency targets do not apply.
5. With `--restart-db`, a second window follows in which PostgreSQL is restarted
   (`pg_ctlcluster 15 main restart`): requests meanwhile must get the 503 page, the app
   must recover by itself, and the same checks must pass (a save answered 503 is not
   acknowledged; it may or may not have been committed).

Everything stays on loopback and is bounded: the users stop at the deadline, gunicorn is
stopped and PostgreSQL is running again when the script ends, whatever happened.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
PG_CLUSTER = ("15", "main")
DATABASE = "target_tables_load"
THINK = (2.0, 8.0)  # seconds between two actions of one person: typing a cell, reading a warning
STRESS_THINK = (0.5, 2.0)  # the stress window: people faster than people, to find the capacity
REVIEW_READING = (1.0, 3.0)  # a reviewer reads the table before deciding
PDF_SHARE = 0.006  # of a filler's actions: download the table's PDF
APPROVE_SHARE = 0.7  # the rest of the decisions are returns (comment first)
TARGET_P95_MS = 300
KINDS = ["login", "page", "row save", "queue", "approve/return", "comment", "pdf"]


# ---------------------------------------------------------------- environment and database


def server_env(database: str) -> dict[str, str]:
    """The production settings (DEBUG off) for plain HTTP on loopback, against the load database."""
    env = {k: v for k, v in os.environ.items() if k not in ("TESTING", "DEBUG", "REDIS_URL", "BEHIND_PROXY")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        HTTPS="0",  # no TLS on loopback: no secure-only cookies, no redirect to https
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    return env


def pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", PG_HOST, "-p", str(PG_PORT)], check=False).returncode == 0


def ensure_postgres() -> None:
    """Start the local server if it is down (it must be running when this script ends)."""
    if pg_ready():
        return
    print("启动 PostgreSQL …", flush=True)
    subprocess.run(["pg_ctlcluster", *PG_CLUSTER, "start"], check=False)
    for _ in range(60):
        if pg_ready():
            return
        time.sleep(0.5)
    raise RuntimeError(f"PostgreSQL 未运行（{PG_HOST}:{PG_PORT}）")


def recreate_database(name: str) -> None:
    import psycopg

    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def collect_static() -> None:
    """collectstatic with the production storage (hashed, compressed, with its manifest)."""
    from django.conf import settings
    from django.core.management import call_command

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    sources = [p for folder in settings.STATICFILES_DIRS for p in Path(folder).rglob("*") if p.is_file()]
    newest = max([p.stat().st_mtime for p in sources] + [(ROOT / "requirements.txt").stat().st_mtime])
    if manifest.exists() and manifest.stat().st_mtime > newest:
        return  # collected since the last change of a static file or of the requirements
    production = "whitenoise.storage.CompressedManifestStaticFilesStorage"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": production}}
    call_command("collectstatic", interactive=False, verbosity=0)


def prepare(database: str, orgs: int) -> dict:
    """Fresh database with the demo scaled to `orgs` organisations; returns what was built."""
    import io
    from contextlib import redirect_stdout

    import django

    django.setup()
    from django.core.management import call_command

    from bench.scale import build_deadline_day

    steps = {}
    started = time.perf_counter()
    recreate_database(database)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    steps["migrate"] = time.perf_counter() - started
    mark = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        call_command("load_demo")
    steps["load_demo"] = time.perf_counter() - mark
    mark = time.perf_counter()
    world = build_deadline_day(orgs)
    steps["scale"] = time.perf_counter() - mark
    mark = time.perf_counter()
    collect_static()
    steps["collectstatic"] = time.perf_counter() - mark
    print(
        f"数据库 {database}：{world.organisations} 个部门（单位），{world.tables} 张表，{world.indicators} 行指标，"
        f"{world.users} 个账号（" + "，".join(f"{k} {v:.1f} s" for k, v in steps.items()) + "）",
        flush=True,
    )
    print("  表的状态：" + "，".join(f"{k} {v}" for k, v in sorted(world.statuses.items())), flush=True)
    return {"world": world, "seconds": time.perf_counter() - started}


# ---------------------------------------------------------------- gunicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind((PG_HOST, 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn serving `config.wsgi` on 127.0.0.1, stopped (by its own pid) on exit."""

    def __init__(self, env: dict[str, str], *, workers: int, worker_class: str, threads: int, log: Path):
        self.env, self.workers, self.worker_class, self.threads, self.log = env, workers, worker_class, threads, log
        self.port = free_port()
        self.url = f"http://{PG_HOST}:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        cmd = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"{PG_HOST}:{self.port}"]
        cmd += ["--workers", str(self.workers), "--worker-class", self.worker_class, "--timeout", "120"]
        if self.worker_class == "gthread":
            cmd += ["--threads", str(self.threads)]
        cmd += ["--no-control-socket"]  # several gunicorns on one machine would share ~/.gunicorn/gunicorn.ctl
        handle = self.log.open("wb")
        # A session of its own: the server and the load are separate machines in real life, and with the
        # kernel's autogroup scheduling a session's processes share one slice of the CPU.
        self.process = subprocess.Popen(
            cmd, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        handle.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"{self.url}/accounts/login/", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn 未能启动（60 秒内没有回答），见 {self.log}")

    def __exit__(self, *exc) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # graceful: the workers finish their requests
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group this script started: master and workers
            self.process.wait()

    def log_counts(self) -> dict[str, int]:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return {
            "Internal Server Error": text.count("Internal Server Error"),
            "Service Unavailable": text.count("Service Unavailable"),
            "WORKER TIMEOUT": text.count("WORKER TIMEOUT"),
            "Traceback": text.count("Traceback"),
        }


# ---------------------------------------------------------------- where the CPU went


_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: str) -> tuple[str, int, float] | None:
    """(command, parent pid, CPU seconds) of a process, from /proc."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS


def cpu_snapshot(server_pids: frozenset[int]) -> dict:
    """CPU seconds used so far by the whole machine, and by each process of gunicorn and PostgreSQL."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    processes = {}
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        stat = _proc_stat(pid)
        if stat is None:
            continue
        name, parent, seconds = stat
        if int(pid) in server_pids or parent in server_pids:
            processes[pid] = ("gunicorn", seconds)
        elif name in ("postgres", "postmaster"):
            processes[pid] = ("postgres", seconds)
    usage = os.times()
    return {
        "machine": (sum(ticks) - ticks[3] - ticks[4]) / _TICKS,  # all but idle and iowait
        "processes": processes,
        "load script": usage.user + usage.system,
        "wall": time.perf_counter(),
    }


def cpu_share(before: dict, after: dict) -> dict[str, float]:
    """Cores used on average between two snapshots (1.0 = one core busy), with 'other' the rest of the machine.
    A process that started meanwhile counts from zero; one that ended is missing (PostgreSQL's restart)."""
    wall = after["wall"] - before["wall"]
    used = {key: (after[key] - before[key]) / wall for key in ("machine", "load script")}
    used["gunicorn"] = used["postgres"] = 0.0
    for pid, (group, seconds) in after["processes"].items():
        used[group] += (seconds - before["processes"].get(pid, (group, 0.0))[1]) / wall
    used["other processes"] = max(0.0, used["machine"] - used["gunicorn"] - used["postgres"] - used["load script"])
    return used


# ---------------------------------------------------------------- what the pages say


class GridParser(HTMLParser):
    """The indicator rows of step 4 as the browser would send them: every named field of each
    `<tr id="ind-…">` (inputs, the selected option of each select, textareas)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: dict[int, dict[str, str]] = {}
        self._row: dict[str, str] | None = None
        self._select: str | None = None
        self._first_option = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "tr" and (a.get("id") or "").startswith("ind-") and a.get("data-row-id"):
            self._row = {}
            self.rows[int(a["data-row-id"])] = self._row
            return
        if self._row is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            self._row[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select, self._first_option = name, True
        elif tag == "option" and self._select:
            if self._first_option or "selected" in a:  # an unselected select sends its first option
                self._row[self._select] = a.get("value") or ""
            self._first_option = False
        elif tag == "textarea" and name:
            self._textarea = name
            self._row[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._row is not None and self._textarea:
            self._row[self._textarea] += data


def parse_rows(html: str) -> dict[int, dict[str, str]]:
    start, end = html.find('<tr id="ind-'), html.rfind("</tr>")
    parser = GridParser()
    if start >= 0:
        parser.feed(html[start : end + 5])  # only the rows: the rest of the page is three times as long
    return parser.rows


def _find(pattern: str, text: str) -> str | None:
    found = re.search(pattern, text)
    return found.group(1) if found else None


def htmx_token(html: str) -> str | None:
    return _find(r"hx-headers='\{\"x-csrftoken\": \"([^\"]+)\"\}'", html)


def form_token(html: str) -> str | None:
    return _find(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)


# ---------------------------------------------------------------- recording


@dataclass
class Sample:
    kind: str
    phase: str
    status: int  # 0: no answer (connection error, timeout)
    ms: float
    at: float  # seconds since the start, when the request was sent
    ok: bool
    expected: str = ""  # "conflict", "invalid", "unavailable": a failure the page handles
    path: str = ""  # the URL with its numbers as <n>: which page


@dataclass
class SaveAttempt:
    table: int
    row: int
    fields: dict[str, str]
    status: int
    version: int | None  # X-Table-Version of an acknowledged save
    user: str


@dataclass
class Decision:
    action: str  # approve / return
    table: int
    user: str
    outcome: str  # acknowledged / stale / unavailable / error


@dataclass
class Recorder:
    t0: float = field(default_factory=time.perf_counter)
    think: tuple[float, float] = THINK
    phase: str = "login"
    samples: list[Sample] = field(default_factory=list)
    saves: list[SaveAttempt] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    probe: list[tuple[float, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def now(self) -> float:
        return time.perf_counter() - self.t0


def _path(method: str, url: str) -> str:
    return f"{method} {re.sub(r'[0-9]+', '<n>', url.split('?')[0])}"


EXPECTED = {("row save", 409): "conflict", ("row save", 422): "invalid"}


class Person:
    """One simulated person: an httpx client with their session, and what their page shows."""

    page_url = "/"

    def __init__(self, index: int, username: str, base_urls: list[str], rec: Recorder, rng: random.Random):
        self.index, self.username, self.rec, self.rng = index, username, rec, rng
        # With several instances (`--instances`), each request goes to the next one: one session cookie
        # (cookies ignore the port), several servers, as behind a load balancer without sticky sessions.
        self.base_urls = base_urls
        self.turn = index
        self.client = httpx.AsyncClient(timeout=60, follow_redirects=False)
        self.csrf = ""

    async def request(self, kind: str, method: str, url: str, *, htmx: bool = False, **kwargs):
        headers = kwargs.pop("headers", {})
        base = self.base_urls[self.turn % len(self.base_urls)]
        self.turn += 1
        if method == "POST":
            headers.setdefault("Origin", base)  # as a browser sends it
        if htmx:
            headers.update({"HX-Request": "true", "HX-Current-URL": f"{base}{self.page_url}"})
            headers["X-CSRFToken"] = self.csrf
        phase, at = self.rec.phase, self.rec.now()
        start = time.perf_counter()
        try:
            response = await self.client.request(method, f"{base}{url}", headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            ms = (time.perf_counter() - start) * 1000
            self.rec.samples.append(Sample(kind, phase, 0, ms, at, False, "", _path(method, url)))
            self.rec.notes.append(f"{self.username} {method} {url}: {type(exc).__name__} {exc}")
            return None
        ms = (time.perf_counter() - start) * 1000
        status = response.status_code
        expected = EXPECTED.get((kind, status), "")
        if status == 503 and phase == "restart":
            expected = "unavailable"  # the 503 page while PostgreSQL restarts; an error at any other time
        ok = 200 <= status < 400
        if status == 302 and response.headers.get("Location", "").startswith("/accounts/login/"):
            # Signed out: the session was not recognised (with several instances, by this one). An error.
            ok = False
        if ok and method == "GET" and kind == "page" and not htmx:
            self.page_url = url  # what HX-Current-URL says on the next htmx request
        self.rec.samples.append(Sample(kind, phase, status, ms, at, ok, expected, _path(method, url)))
        if not ok and not expected and len(self.rec.notes) < 200:
            self.rec.notes.append(f"{self.username} {method} {url}: {status} {response.text[:200]!r}")
        return response

    async def think(self, span: tuple[float, float] | None = None) -> None:
        await asyncio.sleep(self.rng.uniform(*(span or self.rec.think)))

    async def login(self, password: str) -> bool:
        page = await self.request("page", "GET", "/accounts/login/")
        if page is None or page.status_code != 200:
            return False
        data = {"username": self.username, "password": password, "csrfmiddlewaretoken": form_token(page.text)}
        response = await self.request("login", "POST", "/accounts/login/", data={**data, "next": ""})
        if response is None or response.status_code != 302:
            return False
        home = await self.request("page", "GET", response.headers["Location"])
        # After a login without `next`, /start/ sends a reviewer to the queue and a filler to their tables.
        if home is not None and home.status_code == 302:
            home = await self.request("page", "GET", home.headers["Location"])
        if home is not None and home.status_code == 200:
            self.csrf = htmx_token(home.text) or ""
        return bool(self.csrf)

    async def close(self) -> None:
        await self.client.aclose()


class Filler(Person):
    """Edits the indicator rows of their own department table in step 4, as the page does."""

    def __init__(self, *args, table: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        self.editor_url = f"/edit/{table}/indicators/"
        self.rows: dict[int, dict[str, str]] = {}
        self.version = ""
        self.row: int | None = None
        self.seq = 0

    async def open_editor(self) -> None:
        response = await self.request("page", "GET", self.editor_url)
        if response is None or response.status_code != 200:
            return
        self.version = _find(r'<div id="editor"[^>]*data-version="(\d+)"', response.text) or self.version
        self.csrf = htmx_token(response.text) or self.csrf
        self.rows = parse_rows(response.text)

    async def reload_row(self, row: int) -> None:
        """载入最新内容: the row as stored replaces the one on the page."""
        url = f"/edit/{self.table}/rows/indicators/{row}/"
        response = await self.request("page", "GET", url, htmx=True)
        if response is not None and response.status_code == 200:
            self.rows.update(parse_rows(response.text))

    def _new_value(self) -> str:
        self.seq += 1
        return (
            f"≥{90 + self.seq % 10}.{self.index:03d}{self.seq:04d}%"  # unique per save: the checks can tell saves apart
        )

    async def save(self) -> None:
        if not self.rows:
            await self.open_editor()
            if not self.rows:
                return
        if self.row not in self.rows or self.rng.random() < 0.35:
            self.row = self.rng.choice(list(self.rows))
        fields = dict(self.rows[self.row])
        fields["value"] = self._new_value()
        if self.rng.random() < 0.1:  # now and then the name too (the page then looks up last year's value)
            name = fields.get("level3", "")
            fields["level3"] = name[:-4] if name.endswith("（修订）") else f"{name}（修订）"
        await self._post_row(self.row, fields)

    async def _post_row(self, row: int, fields: dict[str, str], overwrite: str | None = None) -> None:
        url = f"/edit/{self.table}/rows/indicators/{row}/"
        data = {**fields, "version": self.version}
        if overwrite:
            data["overwrite_base"] = overwrite
        response = await self.request(
            "row save",
            "POST",
            url,
            htmx=True,
            data=data,
            headers={"HX-Trigger": f"ind-{row}", "HX-Target": f"ind-{row}"},
        )
        status = response.status_code if response is not None else 0
        sent = {k: v for k, v in fields.items() if k != "base"}
        if status == 200:
            version = int(response.headers["X-Table-Version"])
            saved = json.loads(response.headers["HX-Trigger"])["editor:saved"]
            self.version = str(version)
            self.rows[row] = {**fields, "base": saved["base"]}
            self.rec.saves.append(SaveAttempt(self.table, row, sent, 200, version, self.username))
            return
        self.rec.saves.append(SaveAttempt(self.table, row, sent, status, None, self.username))
        if status == 409:
            # The page shows the newer values with 载入最新内容 and 仍用我的内容覆盖: people do either.
            fingerprint = _find(r'"overwrite_base": "([0-9a-f]+)"', response.text)
            if fingerprint and overwrite is None and self.rng.random() < 0.5:
                await self._post_row(row, fields, overwrite=fingerprint)
            else:
                await self.reload_row(row)
        elif status == 422:
            await self.reload_row(row)
        else:
            # 503 or no answer: the page keeps the typed text and saves it again on the next change, against
            # the same base (so a save that was committed after all comes back as a conflict).
            self.rows[row] = {**fields, "base": self.rows[row]["base"]}

    async def act(self) -> None:
        roll = self.rng.random()
        if roll < PDF_SHARE:
            response = await self.request("pdf", "GET", f"/tables/{self.table}/export.pdf")
            if response is not None and response.status_code == 200 and not response.content.startswith(b"%PDF"):
                self.rec.notes.append(f"{self.username}: PDF download is not a PDF")
        elif roll < 0.10:
            await self.open_editor()  # reload step 4
        elif roll < 0.16:
            page = self.rng.choice([f"/tables/{self.table}/", f"/edit/{self.table}/check/", "/"])
            await self.request("page", "GET", page)
        else:
            await self.save()

    async def run(self, until: float) -> None:
        if not self.rows:
            await self.open_editor()
        while self.rec.now() < until:
            await self.think()
            if self.rec.now() >= until:
                break
            await self.act()


class Reviewer(Person):
    """Works through the queue: opens a submitted table, reads it, approves it or comments and returns it."""

    page_url = "/review/"

    async def run(self, until: float) -> None:
        while self.rec.now() < until:
            # Think first, as a filler does: otherwise every reviewer asks for the queue in the same
            # millisecond each window starts, a burst no office produces, which is then a third of
            # the slowest queue requests.
            await self.think()
            if self.rec.now() >= until:
                break
            queue = await self.request("queue", "GET", "/review/?status=submitted")
            pks = sorted({int(pk) for pk in re.findall(r'href="/review/tables/(\d+)/"', queue.text)}) if queue else []
            await self.think()
            if not pks or self.rec.now() >= until:
                continue
            pk = self.rng.choice(pks)
            page = await self.request("page", "GET", f"/review/tables/{pk}/")
            if page is None or page.status_code != 200:
                continue
            self.csrf = htmx_token(page.text) or self.csrf
            snapshot = _find(r'name="snapshot" value="(\d+)"', page.text)
            token = form_token(page.text)
            if self.rng.random() < 0.05:
                await self.request("pdf", "GET", f"/tables/{pk}/export.pdf")
            if not snapshot or f'action="/review/tables/{pk}/approve/"' not in page.text:
                continue  # decided meanwhile by the other reviewer of this department
            await self.think(REVIEW_READING)
            if self.rec.now() >= until:
                return
            if self.rng.random() < APPROVE_SHARE:
                await self.decide("approve", pk, token, {"snapshot": snapshot, **_APPROVAL})
            else:
                comment = await self.request(
                    "comment",
                    "POST",
                    f"/review/tables/{pk}/comments/",
                    htmx=True,
                    data={
                        "csrfmiddlewaretoken": token,
                        "next": self.page_url,
                        "anchor": "table",
                        "body": "请补充可量化的产出指标，并说明指标值的确定依据。",
                    },
                    headers={"HX-Target": "comment-panel"},
                )
                if comment is None or comment.status_code != 200:
                    continue
                await self.think()
                if self.rec.now() >= until:
                    return
                await self.decide(
                    "return", pk, token, {"snapshot": snapshot, "reason": "产出指标不够具体，请修改后重新提交。"}
                )

    async def decide(self, action: str, pk: int, token: str | None, data: dict) -> None:
        response = await self.request(
            "approve/return", "POST", f"/review/tables/{pk}/{action}/", data={"csrfmiddlewaretoken": token, **data}
        )
        if response is None:
            self.rec.decisions.append(Decision(action, pk, self.username, "error"))
            return
        location = response.headers.get("Location", "")
        if response.status_code == 302 and location == f"/review/tables/{pk}/":
            outcome = "acknowledged"
        elif response.status_code == 302:
            outcome = "stale"  # another reviewer was faster: a message on the table page, nothing changed
        elif response.status_code == 503:
            outcome = "unavailable"
        else:
            outcome = "error"
        self.rec.decisions.append(Decision(action, pk, self.username, outcome))
        if response.status_code == 302:
            await self.request("page", "GET", location)  # the browser follows the redirect


_APPROVAL = {
    "opinion": "同意。绩效目标明确，指标设置合理。",
    "grade": "良",
    "published": "1",
    "unpublished_reason": "",
    **{f"{stem}_passed": "1" for stem in ("completeness", "relevance", "appropriateness", "feasibility")},
    **{f"{stem}_remark": "" for stem in ("completeness", "relevance", "appropriateness", "feasibility")},
}


# ---------------------------------------------------------------- who takes part


@dataclass
class Cast:
    fillers: list[tuple[str, int]]  # (username, table id)
    reviewers: list[str]
    probe: str
    shared_tables: int


def cast(users: int, seed: int) -> Cast:
    """Pick the people: 12 % reviewers, the rest fillers of editable department tables; one in four
    fillers shares the table with a colleague (both edit it at once)."""
    from tables.models import Membership, TargetTable

    rng = random.Random(seed)
    editable = dict(
        TargetTable.objects.filter(
            organisation__code__startswith="load-", kind="department", status__in=["draft", "returned"]
        ).values_list("organisation_id", "pk")
    )
    by_table: dict[int, list[str]] = defaultdict(list)
    for username, organisation in Membership.objects.filter(
        role="filler", organisation_id__in=editable, user__username__startswith="load-filler-"
    ).values_list("user__username", "organisation_id"):
        by_table[editable[organisation]].append(username)
    pairs = sorted(t for t, names in by_table.items() if len(names) >= 2)
    singles = sorted(t for t, names in by_table.items() if len(names) == 1)
    rng.shuffle(pairs)
    rng.shuffle(singles)
    n_reviewers = max(1, round(users * 0.12)) if users > 1 else 0
    n_fillers = users - n_reviewers
    n_pairs = min(len(pairs), n_fillers // 8)
    fillers = [(sorted(by_table[t])[k], t) for t in pairs[:n_pairs] for k in range(2)]
    fillers += [(by_table[t][0], t) for t in singles[: n_fillers - len(fillers)]]
    if len(fillers) < n_fillers:
        raise RuntimeError(f"只有 {len(fillers)} 个可编辑的部门表，不够 {n_fillers} 个填报人")
    reviewers = [f"load-reviewer-{k:02d}" for k in range(n_reviewers)]
    used = {name for name, _ in fillers}
    probe = next(name for t in singles[n_fillers:] for name in by_table[t] if name not in used)
    return Cast(fillers, reviewers, probe, n_pairs)


# ---------------------------------------------------------------- the run


async def log_in(people: list[Person], password: str, rec: Recorder, concurrency: int) -> list[str]:
    """Everyone logs in and opens their page before the clock starts (PBKDF2 makes a login cost ~0.65 s
    of CPU here: 100 people logging in at once would be a different test)."""
    gate = asyncio.Semaphore(concurrency)
    failed: list[str] = []

    async def one(person: Person) -> None:
        async with gate:
            if not await person.login(password):
                failed.append(person.username)
            elif isinstance(person, Filler):
                await person.open_editor()  # on their page when the clock starts, not all at once after it

    await asyncio.gather(*(one(p) for p in people))
    return failed


async def restart_postgres(rec: Recorder, at: float, result: dict) -> None:
    """`pg_ctlcluster 15 main restart` at `at`, while pg_isready watches when the server goes down and comes up."""

    async def ready() -> bool:
        check = await asyncio.create_subprocess_exec("pg_isready", "-q", "-h", PG_HOST, "-p", str(PG_PORT))
        return await check.wait() == 0

    async def watch(done: asyncio.Event) -> None:
        while not done.is_set() or "up" not in result:
            up = await ready()
            if not up and "down" not in result:
                result["down"] = rec.now()
            if up and "down" in result and "up" not in result:
                result["up"] = rec.now()
            await asyncio.sleep(0.05)

    await asyncio.sleep(max(0.0, at - rec.now()))
    result["started"] = rec.now()
    done = asyncio.Event()
    watcher = asyncio.create_task(watch(done))
    proc = await asyncio.create_subprocess_exec(
        "pg_ctlcluster", *PG_CLUSTER, "restart", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await proc.communicate()
    result["command_done"] = rec.now()
    result["returncode"] = proc.returncode
    result["output"] = output.decode(errors="replace").strip()
    done.set()
    await asyncio.wait_for(watcher, timeout=60)


async def probe(person: Person, until: float, interval: float = 0.2) -> None:
    """A logged-in page every `interval` seconds, without waiting for the previous answer: when does the
    app fail, and when does it answer again? Records (answered at, status)."""

    async def one() -> None:
        try:
            status = (await person.client.get(f"{person.base_urls[0]}/", timeout=30)).status_code
        except httpx.HTTPError:
            status = 0
        # When the answer came: a queued request meets the database when it is served, just before it is answered.
        person.rec.probe.append((person.rec.now(), status))

    sent = []
    while person.rec.now() < until:
        sent.append(asyncio.create_task(one()))
        await asyncio.sleep(interval)
    await asyncio.gather(*sent)
    person.rec.probe.sort()


async def run_phase(
    rec: Recorder, name: str, people: list[Person], seconds: float, server_pids: frozenset[int], extra=()
) -> tuple[float, float, dict[str, float]]:
    """Everyone works until `seconds` have passed; returns the window and the cores each party used."""
    rec.phase = name
    start = rec.now()
    before = cpu_snapshot(server_pids)
    until = start + seconds
    await asyncio.gather(*(p.run(until) for p in people), *(make(until) for make in extra))
    return start, rec.now(), cpu_share(before, cpu_snapshot(server_pids))


# ---------------------------------------------------------------- figures


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summarise(samples: list[Sample], seconds: float) -> list[dict]:
    rows = []
    for kind in [*KINDS, "all"]:
        mine = [s for s in samples if kind in ("all", s.kind)]
        if not mine:
            continue
        times = [s.ms for s in mine if s.status]
        rows.append(
            {
                "kind": kind,
                "n": len(mine),
                "rps": len(mine) / seconds if seconds else 0.0,
                "p50": percentile(times, 0.50),
                "p95": percentile(times, 0.95),
                "p99": percentile(times, 0.99),
                "max": max(times) if times else float("nan"),
                "errors": sum(1 for s in mine if not s.ok and not s.expected),
                "conflict": sum(1 for s in mine if s.expected == "conflict"),
                "invalid": sum(1 for s in mine if s.expected == "invalid"),
                "unavailable": sum(1 for s in mine if s.expected == "unavailable"),
            }
        )
    return rows


def by_path(samples: list[Sample], top: int = 8) -> list[tuple[str, int, float, float]]:
    """The slowest pages: (method and path, requests, p50, p95), by p95."""
    grouped: dict[str, list[float]] = defaultdict(list)
    for s in samples:
        if s.status:
            grouped[s.path].append(s.ms)
    rows = [(path, len(ms), percentile(ms, 0.5), percentile(ms, 0.95)) for path, ms in grouped.items()]
    return sorted(rows, key=lambda r: -r[3])[:top]


def print_table(rows: list[dict]) -> None:
    print(f"  {'kind':<15}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}", end="")
    print(f"{'errors':>8}{'409':>6}{'422':>6}{'503':>6}")
    for r in rows:
        print(
            f"  {r['kind']:<15}{r['n']:>9}{r['rps']:>8.1f}{r['p50']:>9.0f}{r['p95']:>9.0f}{r['p99']:>9.0f}"
            f"{r['max']:>9.0f}{r['errors']:>8}{r['conflict']:>6}{r['invalid']:>6}{r['unavailable']:>6}"
        )


# ---------------------------------------------------------------- checking the database


def _norm(value) -> str:
    return "" if value is None else str(value).strip()


def verify(rec: Recorder, start_versions: dict[int, int], run_started, *, fault: bool) -> list[tuple[str, bool, str]]:
    """What the database says after the run; a list of (check, passed, detail)."""
    from django.db import connections
    from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery

    from indicators.models import Indicator
    from tables.models import AuditEntry, Comment, ReviewDecision, Snapshot, TargetTable

    try:
        checks: list[tuple[str, bool, str]] = []
        acked = [s for s in rec.saves if s.version is not None]
        unknown = [s for s in rec.saves if s.version is None and (s.status == 0 or s.status >= 500)]
        # 1. Every acknowledged save is there, unless a later acknowledged one of the same row replaced it.
        last: dict[tuple[int, int], SaveAttempt] = {}
        for s in acked:
            key = (s.table, s.row)
            if key not in last or s.version > last[key].version:
                last[key] = s
        maybe: dict[tuple[int, int], list[dict]] = defaultdict(list)
        for s in unknown:
            maybe[(s.table, s.row)].append(s.fields)
        rows = {r.pk: r for r in Indicator.objects.filter(pk__in={row for _, row in last})}
        lost, committed_unacked = [], 0
        for (table, row), s in last.items():
            stored = rows.get(row)
            current = {name: _norm(getattr(stored, name)) for name in s.fields} if stored else None
            if current == {k: _norm(v) for k, v in s.fields.items()}:
                continue
            if current is not None and any(
                current == {k: _norm(v) for k, v in f.items()} for f in maybe.get((table, row), [])
            ):
                committed_unacked += 1  # a save answered 503 that was committed after all
                continue
            lost.append(
                f"table {table} row {row}: sent {s.fields.get('value')!r}, stored {current and current['value']!r}"
            )
        detail = f"{len(acked)} acknowledged saves of {len(last)} rows; lost {len(lost)}"
        if fault:
            detail += (
                f"; {committed_unacked} rows hold a value whose save was answered 503 (committed, not acknowledged)"
            )
        checks.append(
            ("every acknowledged save is in the database", not lost, detail + "".join(f"\n      {x}" for x in lost[:5]))
        )

        # 2. Version counters: each table moved by exactly its acknowledged writes (saves answered 503 may count).
        final = dict(TargetTable.objects.values_list("pk", "version"))
        acked_by_table = Counter(s.table for s in acked)
        unknown_by_table = Counter(s.table for s in unknown)
        versions_by_table: dict[int, list[int]] = defaultdict(list)
        for s in acked:
            versions_by_table[s.table].append(s.version)
        wrong = []
        for pk, version in final.items():
            delta = version - start_versions.get(pk, version)
            low, high = acked_by_table[pk], acked_by_table[pk] + unknown_by_table[pk]
            if not low <= delta <= high:
                wrong.append(f"table {pk}: version +{delta}, acknowledged writes {low}, unanswered {high - low}")
            seen = versions_by_table.get(pk, [])
            if len(seen) != len(set(seen)) or any(not start_versions[pk] < v <= version for v in seen):
                wrong.append(f"table {pk}: acknowledged versions {sorted(seen)} not distinct within the range")
        touched = len(acked_by_table)
        committed = sum(final[pk] - start_versions[pk] - acked_by_table[pk] for pk in unknown_by_table)
        checks.append(
            (
                "version = start + acknowledged writes, for every table",
                not wrong,
                f"{len(final)} tables, {touched} written"
                + (
                    f"; {sum(unknown_by_table.values())} writes answered 503 or not at all, "
                    f"{committed} of them committed nonetheless"
                    if fault
                    else ""
                )
                + "".join(f"\n      {x}" for x in wrong[:5]),
            )
        )

        # 3. Audited tables (submitted before): one audit entry per write, in the write's own transaction.
        audited = set(Snapshot.objects.filter(table_id__in=acked_by_table).values_list("table_id", flat=True))
        entries: dict[int, set[int]] = defaultdict(set)
        for table, version in AuditEntry.objects.filter(table_id__in=audited, action="change").values_list(
            "table_id", "version"
        ):
            if version > start_versions[table]:
                entries[table].add(version)
        half = []
        for table in audited:
            bumps = final[table] - start_versions[table]
            if len(entries[table]) != bumps or not set(versions_by_table[table]) <= entries[table]:
                half.append(f"table {table}: {bumps} version bumps, audit entries for {len(entries[table])}")
        checks.append(
            (
                "every write of a submitted-before table has its audit entry (no half-written change)",
                not half,
                f"{len(audited)} audited tables written" + "".join(f"\n      {x}" for x in half[:5]),
            )
        )

        # 4. No table in an impossible state.
        pending = Count("snapshots", filter=Q(snapshots__outcome="pending"))
        bad = []
        qs = TargetTable.objects.annotate(pending=pending)
        bad += [
            f"{pk} submitted, {n} pending"
            for pk, n in qs.filter(status="submitted").exclude(pending=1).values_list("pk", "pending")
        ]
        bad += [
            f"{pk} {s} with a pending snapshot"
            for pk, s in qs.exclude(status="submitted").filter(pending__gt=0).values_list("pk", "status")
        ]
        approved = ReviewDecision.objects.filter(action="approve", snapshot__outcome="approved")
        bad += [
            f"{pk} approved without an approved snapshot and its approval"
            for pk in TargetTable.objects.filter(status="approved")
            .exclude(decisions__in=approved)
            .values_list("pk", flat=True)
        ]
        latest = Snapshot.objects.filter(table=OuterRef("pk")).order_by("-number")
        returned = TargetTable.objects.filter(status="returned").annotate(
            last_outcome=Subquery(latest.values("outcome")[:1]), last_snapshot=Subquery(latest.values("pk")[:1])
        )
        with_reason = set(ReviewDecision.objects.filter(action="return").values_list("snapshot_id", flat=True))
        bad += [
            f"{pk} returned, but its last submission was not returned with a reason"
            for pk, outcome, snapshot in returned.values_list("pk", "last_outcome", "last_snapshot")
            if outcome != "returned" or snapshot not in with_reason
        ]
        for outcome, action in (("approved", "approve"), ("superseded", "approve"), ("returned", "return")):
            missing = Snapshot.objects.filter(outcome=outcome).exclude(decisions__action=action)
            bad += [
                f"snapshot {pk} {outcome} without a {action} decision" for pk in missing.values_list("pk", flat=True)
            ]
        bad += [
            f"decision {pk} on another table's snapshot"
            for pk in ReviewDecision.objects.exclude(table_id=F("snapshot__table_id")).values_list("pk", flat=True)
        ]
        returns = ReviewDecision.objects.filter(action="return")
        commented = Comment.objects.filter(parent__isnull=True).values("snapshot_id")
        bad += [
            f"return {pk} without a comment"
            for pk in returns.exclude(snapshot_id__in=commented).values_list("pk", flat=True)
        ]
        gaps = (
            Indicator.objects.values("table_id")
            .annotate(n=Count("id"), top=Max("position"), low=Min("position"))
            .exclude(Q(top=F("n")) & Q(low=1))
        )
        bad += [f"table {g['table_id']}: indicator positions not 1..n" for g in gaps]
        checks.append(
            (
                "no table in an impossible state (status ↔ pending/approved/returned snapshots and decisions)",
                not bad,
                f"{len(final)} tables" + "".join(f"\n      {x}" for x in bad[:8]),
            )
        )

        # 5. Every acknowledged decision is recorded, and no decision was recorded that nobody was told of.
        made = ReviewDecision.objects.filter(decided_at__gte=run_started, action__in=["approve", "return"])
        recorded = Counter(made.values_list("table_id", "action", "reviewer__username"))
        told = [d for d in rec.decisions if d.outcome == "acknowledged"]
        missing = [d for d in told if recorded[(d.table, d.action, d.user)] != 1]
        unanswered = sum(1 for d in rec.decisions if d.outcome in ("unavailable", "error"))
        extra = sum(recorded.values()) - len(told)
        ok = not missing and 0 <= extra <= unanswered
        stale = sum(1 for d in rec.decisions if d.outcome == "stale")
        checks.append(
            (
                "every acknowledged approve/return is recorded once, the table in its new state",
                ok
                and all(
                    TargetTable.objects.filter(
                        pk=d.table, status="approved" if d.action == "approve" else "returned"
                    ).exists()
                    for d in told
                ),
                f"{len(told)} acknowledged ({Counter(d.action for d in told)}), {stale} refused as stale (another "
                f"reviewer was faster), {sum(recorded.values())} recorded"
                + (f", {unanswered} answered 503/no answer" if fault else ""),
            )
        )
        return checks
    finally:
        for connection in connections.all(initialized_only=True):
            connection.close()


# ---------------------------------------------------------------- main


def fault_report(rec: Recorder, restart: dict, window: tuple[float, float]) -> tuple[list[tuple[str, bool, str]], dict]:
    """When did the app fail and recover around the restart, and did anyone get something else than the 503 page?"""
    started, up = restart.get("started"), restart.get("up")
    if started is None or up is None or restart.get("returncode"):
        return [("PostgreSQL restarted during the load", False, restart.get("output", "not restarted"))], {}
    down = restart.get("down", started)
    failures = [at for at, status in rec.probe if at >= started and status != 200]
    recovered = next((at for at, status in rec.probe if failures and at > failures[-1] and status == 200), None)
    during = [s for s in rec.samples if s.phase == "restart" and not s.ok]
    statuses = Counter(s.status for s in during)
    wrong = [s for s in during if s.status not in (503, 409, 422)]
    late = [
        s for s in rec.samples if recovered is not None and s.at + s.ms / 1000 > recovered + 1.0 and s.status == 503
    ]
    timeline: list[list] = []  # the probe's answers in a row: [status, count, first answered at]
    for at, status in rec.probe:
        if timeline and timeline[-1][0] == status:
            timeline[-1][1] += 1
        else:
            timeline.append([status, 1, at - started])
    figures = {
        "restart_command_s": restart["command_done"] - started,
        "postgres_down_s": up - down,
        "app_failing_s": (failures[-1] - failures[0]) if failures else 0.0,
        "recovered_after_up_s": (recovered - up) if recovered is not None else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "probe": ", ".join(f"{status}×{n} from {at:+.1f} s" for status, n, at in timeline),
    }
    recovery = (
        f"the app answered 503 for {figures['app_failing_s']:.1f} s and was back "
        f"{_recovery_text(figures['recovered_after_up_s'])} after PostgreSQL accepted connections again"
        if recovered is not None
        else "the app did not answer again"
    )
    checks = [
        (
            "requests during the outage get the 503 page (no 500, no dropped connection)",
            not wrong and statuses.get(503, 0) > 0,
            f"failed requests by status: {figures['statuses']} (409: conflicts, handled by the page)",
        ),
        (
            "the app recovers by itself once PostgreSQL is back",
            recovered is not None and not late,
            f"restart command {figures['restart_command_s']:.1f} s, PostgreSQL refused connections for "
            f"{figures['postgres_down_s']:.1f} s; {recovery}"
            + (f"; {len(late)} requests still got 503 more than 1 s after recovery" if late else "")
            + f"\n      probe (GET / every 0.2 s; when answered, from the restart): {figures['probe']}",
        ),
    ]
    return checks, figures


async def run_load(
    args, servers: list[Gunicorn], password: str, who: Cast, rec: Recorder, versions: dict, run_started
) -> dict:
    rng = random.Random(args.seed)
    urls = [server.url for server in servers]
    pids = frozenset(server.process.pid for server in servers)
    people: list[Person] = [
        Filler(i, name, urls, rec, random.Random(rng.random()), table=table)
        for i, (name, table) in enumerate(who.fillers)
    ]
    people += [
        Reviewer(len(people) + k, name, urls, rec, random.Random(rng.random())) for k, name in enumerate(who.reviewers)
    ]
    rng.shuffle(people)
    watcher = Person(len(people), who.probe, urls, rec, random.Random(1))
    result: dict = {"phases": {}, "checks": []}

    async def phase(name: str, seconds: float, extra=()) -> tuple[float, float]:
        start, end, cpu = await run_phase(rec, name, people, seconds, pids, extra)
        mine = [s for s in rec.samples if s.phase == name]
        result["phases"][name] = {"seconds": end - start, "rows": summarise(mine, end - start), "cpu": cpu}
        return start, end

    try:
        started = time.perf_counter()
        failed = await log_in([*people, watcher] if args.restart_db else people, password, rec, args.workers)
        result["login_s"] = time.perf_counter() - started
        if failed:
            raise RuntimeError(f"{len(failed)} 人登录失败：{failed[:5]}")
        # Each worker's first PDF loads the fonts (~2 s of CPU), once in its life: warm them all before the clock
        # starts, so that the window measures a server that has been up for a while.
        mark = time.perf_counter()
        warm = [p for p in people if isinstance(p, Filler)][: args.workers * 2 * len(servers)]
        await asyncio.gather(*(p.request("pdf", "GET", f"/tables/{p.table}/export.pdf") for p in warm))
        result["warm_s"] = time.perf_counter() - mark
        logins = [s for s in rec.samples if s.kind == "login"]
        result["phases"]["login"] = {"seconds": result["login_s"], "rows": summarise(logins, result["login_s"])}
        print(
            f"{len(people)} 人已登录并打开了各自的页面（{result['login_s']:.1f} s），每个 worker 预先生成过 PDF"
            f"（{result['warm_s']:.1f} s），开始 {args.duration:.0f} s 的负载 …",
            flush=True,
        )

        await phase("steady", args.duration)
        checks = await asyncio.to_thread(verify, rec, versions, run_started, fault=False)
        result["checks"] += [("steady", *c) for c in checks]

        if args.stress_duration:
            low, high = args.stress_think
            print(f"再 {args.stress_duration:.0f} s 压力测试（思考时间 {low:g}–{high:g} s）…", flush=True)
            rec.think = tuple(args.stress_think)
            await phase("stress", args.stress_duration)
            rec.think = tuple(args.think)
            checks = await asyncio.to_thread(verify, rec, versions, run_started, fault=False)
            result["checks"] += [("stress", *c) for c in checks]

        if args.restart_db:
            at = rec.now() + args.restart_duration / 3
            print(
                f"再 {args.restart_duration:.0f} s，其间第 {args.restart_duration / 3:.0f} s 重启 PostgreSQL …",
                flush=True,
            )
            restart: dict = {}
            window = await phase(
                "restart",
                args.restart_duration,
                extra=(lambda until: restart_postgres(rec, at, restart), lambda until: probe(watcher, until)),
            )
            checks, result["restart"] = fault_report(rec, restart, window)
            checks += await asyncio.to_thread(verify, rec, versions, run_started, fault=True)
            result["checks"] += [("restart", *c) for c in checks]
    finally:
        await asyncio.gather(*(p.close() for p in [*people, watcher]))
    return result


def targets(result: dict) -> list[tuple[str, str, bool, str]]:
    """Zero errors in every window with people acting; p95 under 300 ms for pages (the queue is a
    page too) and row saves on the deadline day (the stress window is beyond capacity by design)."""
    out = []
    for phase in ("steady", "stress"):
        if phase not in result["phases"]:
            continue
        rows = {r["kind"]: r for r in result["phases"][phase]["rows"]}
        errors = rows["all"]["errors"]
        out.append((phase, "zero errors", errors == 0, f"{errors} of {rows['all']['n']} requests"))
    rows = {r["kind"]: r for r in result["phases"]["steady"]["rows"]}
    for kind in ("page", "queue", "row save"):
        if kind in rows:
            p95 = rows[kind]["p95"]
            out.append(("steady", f"p95 of {kind} under {TARGET_P95_MS} ms", p95 < TARGET_P95_MS, f"{p95:.0f} ms"))
    return out


def figures_for_bench(args, result: dict, gunicorn: str) -> list[tuple[str, str]]:
    think = f"{args.think[0]:g}–{args.think[1]:g} s"
    stress = f"; stress window {args.stress_think[0]:g}–{args.stress_think[1]:g} s" if args.stress_duration else ""
    figures = [
        ("load: setup", f"{args.orgs} organisations, {gunicorn}, {args.users} users, think time {think}{stress}")
    ]
    figures.append(("load: all users logging in (PBKDF2)", f"{result['login_s']:.1f} s"))
    for phase in ("steady", "stress", "restart"):
        if phase not in result["phases"]:
            continue
        info = result["phases"][phase]
        for r in info["rows"]:
            if phase != "steady" and r["kind"] != "all":
                continue
            figures.append(
                (
                    f"load: {phase}, {r['kind']} ({info['seconds']:.0f} s)",
                    f"{r['n']} req, {r['rps']:.1f}/s, p50 {r['p50']:.0f} / p95 {r['p95']:.0f} / p99 {r['p99']:.0f} ms, "
                    f"{r['errors']} errors"
                    + (f", {r['conflict']} conflicts (409)" if r["conflict"] else "")
                    + (f", {r['unavailable']} × 503" if r["unavailable"] else ""),
                )
            )
        figures.append((f"load: {phase}, CPU in cores", _cpu_text(info["cpu"])))
        figures.append((f"load: {phase}, server CPU per request", _cpu_per_request(info)))
    if result.get("restart"):
        f = result["restart"]
        figures.append(
            (
                "load: PostgreSQL restart — refused connections / app answered 503 / back after PostgreSQL",
                f"{f['postgres_down_s']:.1f} s / {f['app_failing_s']:.1f} s / "
                + (_recovery_text(f["recovered_after_up_s"]) if f["recovered_after_up_s"] is not None else "never"),
            )
        )
    for phase, name, ok, _detail in [*result["targets"], *result["checks"]]:
        figures.append((f"load: {phase}: {name}", "PASS" if ok else "FAIL"))
    return figures


def _cpu_text(cpu: dict[str, float]) -> str:
    return (
        "machine {machine:.2f} = gunicorn {gunicorn:.2f} + PostgreSQL {postgres:.2f} + load script {load script:.2f}"
        " + other processes {other processes:.2f}".format_map(cpu)
    )


def _cpu_per_request(info: dict) -> str:
    """Server CPU per request: what the machine's cores buy, whoever else is using them."""
    requests = next(r["n"] for r in info["rows"] if r["kind"] == "all")
    per = {k: info["cpu"][k] * info["seconds"] / requests * 1000 for k in ("gunicorn", "postgres")}
    return f"gunicorn {per['gunicorn']:.0f} ms + PostgreSQL {per['postgres']:.0f} ms (mean of {requests} requests)"


def _recovery_text(seconds: float) -> str:
    # The probe sends every 0.2 s and pg_isready takes a moment to answer: closer than that is "at once".
    return f"{seconds:.2f} s" if seconds > 0.2 else "at once (within the 0.2 s probe interval)"


def print_report(result: dict, rec: Recorder, log_counts: dict[str, int], log: Path) -> None:
    titles = {"login": "登录", "steady": "稳定负载", "stress": "压力（超出容量）", "restart": "重启 PostgreSQL 期间"}
    for phase, title in titles.items():
        if phase not in result["phases"]:
            continue
        info = result["phases"][phase]
        print(f"\n{title}（{info['seconds']:.1f} s）：")
        print_table(info["rows"])
        if "cpu" in info:
            print(f"  CPU（核）：{_cpu_text(info['cpu'])}")
            print(f"  每个请求的服务器 CPU：{_cpu_per_request(info)}")
        if phase != "login":
            print("  最慢的地址（p95）：")
            for path, n, p50, p95 in by_path([s for s in rec.samples if s.phase == phase]):
                print(f"    {path:<48}{n:>6} 次  p50 {p50:>6.0f} ms  p95 {p95:>6.0f} ms")
    print(f"\n  gunicorn 日志 {log}：" + "，".join(f"{k} {v}" for k, v in log_counts.items()))
    if rec.notes:
        print("  意外的回答（前 10 条）：")
        for note in rec.notes[:10]:
            print(f"    {note}")
    print("\n检查：")
    for phase, name, ok, detail in [*result["targets"], *result["checks"]]:
        print(f"  {'PASS' if ok else 'FAIL'}  [{phase}] {name} — {detail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    parser.add_argument("--users", type=int, default=100, help="simulated people (default 100)")
    parser.add_argument(
        "--think", type=float, nargs=2, default=THINK, metavar=("MIN", "MAX"), help="seconds between actions (2 8)"
    )
    parser.add_argument(
        "--stress-duration", type=float, default=30, help="then seconds of the stress window (default 30; 0: none)"
    )
    parser.add_argument(
        "--stress-think", type=float, nargs=2, default=STRESS_THINK, metavar=("MIN", "MAX"),
        help="seconds between actions in the stress window (0.5 2)",
    )  # fmt: skip
    parser.add_argument("--orgs", type=int, default=500, help="organisations (default 500)")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers of each instance (default 5)")
    parser.add_argument(
        "--instances", type=int, default=1, choices=range(1, 5), metavar="N",
        help="gunicorn instances on their own ports, each person's requests alternating between them (1–4)",
    )  # fmt: skip
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    parser.add_argument("--restart-db", action="store_true", help="then restart PostgreSQL under load")
    parser.add_argument("--restart-duration", type=float, default=20, help="seconds of the restart window")
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", type=Path, help="write the figures here (for make bench)")
    args = parser.parse_args(argv)

    env = server_env(args.database)
    os.environ.update(env)
    for name in ("TESTING", "DEBUG", "REDIS_URL", "BEHIND_PROXY"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(ROOT))
    workdir = Path(tempfile.mkdtemp(prefix="target-tables-load-"))
    gunicorn = f"gunicorn {args.workers} {args.worker_class} workers" + (
        f" × {args.threads} threads" if args.worker_class == "gthread" else ""
    )
    if args.instances > 1:
        gunicorn = f"{args.instances} × {gunicorn}"
    status = 1
    try:
        ensure_postgres()
        print(
            f"== 负载测试：{args.users} 人，{args.duration:.0f} s，{gunicorn}，PostgreSQL {args.database}", flush=True
        )
        built = prepare(args.database, args.orgs)
        from django.db import connections
        from django.utils import timezone

        from tables.models import TargetTable

        who = cast(args.users, args.seed)
        versions = dict(TargetTable.objects.values_list("pk", "version"))  # logins change no table
        run_started = timezone.now()
        print(
            f"  {len(who.fillers)} 名填报人（{who.shared_tables} 张表各由两人同时编辑），{len(who.reviewers)} 名审核人",
            flush=True,
        )
        for connection in connections.all(initialized_only=True):
            connection.close()
        rec = Recorder(think=tuple(args.think))
        with contextlib.ExitStack() as stack:
            servers = [
                stack.enter_context(
                    Gunicorn(
                        env,
                        workers=args.workers,
                        worker_class=args.worker_class,
                        threads=args.threads,
                        log=workdir / ("gunicorn.log" if n == 0 else f"gunicorn-{n + 1}.log"),
                    )
                )
                for n in range(args.instances)
            ]
            if args.instances > 1:
                print(f"  {args.instances} 个 gunicorn 实例：{', '.join(s.url for s in servers)}", flush=True)
            result = asyncio.run(run_load(args, servers, built["world"].password, who, rec, versions, run_started))
            log_counts = Counter()
            for server in servers:
                log_counts.update(server.log_counts())
        result["targets"] = targets(result)
        print_report(result, rec, log_counts, workdir / "gunicorn.log")
        passed = all(ok for _, _, ok, _ in [*result["targets"], *result["checks"]])
        if args.json:
            args.json.write_text(
                json.dumps({"figures": figures_for_bench(args, result, gunicorn), "passed": passed}, ensure_ascii=False)
            )
        status = 0 if passed else 1
        print("\n全部通过。" if passed else f"\n有检查未通过。gunicorn 的日志留在 {workdir}。")
        if passed:
            shutil.rmtree(workdir, ignore_errors=True)
    finally:
        if not pg_ready():  # whatever happened, the server must be running again
            ensure_postgres()
    return status


if __name__ == "__main__":
    sys.exit(main())
