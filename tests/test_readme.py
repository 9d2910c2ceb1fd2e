"""The README's commands, pasted as a user would: no DEBUG, TESTING or SECRET_KEY in the environment.

Every line of the README's ```sh blocks is either a `manage.py` command, run here one after the
other on a fresh temporary SQLite database, or a `make` target that cannot run inside the suite (it
installs, serves or runs the suite itself), looked up in the Makefile instead. The README's
placeholders become small real inputs from tests/data:

    FILE…                  the seed text 000 and the booklet JSON 004
    DIR                    an empty temporary folder
    [--year Y]             --year 2022 (seed 000's year)
    [--org CODE_OR_NAME]   --org 新疆巴州财政局 (seed 000's organisation, which has no code)
    [--json]               --json
    FILE_OR_TABLE…         the booklet JSON 004 and the number of the first stored table
    USERNAME               filler1, a demo login (load_demo comes first)
"""

from __future__ import annotations

import os
import re
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXPECTED, SEEDS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
MANAGE = ".venv/bin/python manage.py "
SEED_TEXT = SEEDS / "000_db0fda59e4eac40f.txt"
BOOKLET = EXPECTED / "004_23c08299ad075e9a.json"
# What a user's shell would not carry: the suite's own settings, and anything pointing at its database.
NOT_A_USERS = {
    "DEBUG",
    "TESTING",
    "SECRET_KEY",
    "DJANGO_ENV",
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "MEDIA_ROOT",
}


def sh_blocks() -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", README, flags=re.M | re.S)


def command_lines() -> list[str]:
    return [line.strip() for block in sh_blocks() for line in block.splitlines() if line.strip()]


def make_targets_named() -> set[str]:
    """`make X` in the command blocks (comments included) and in the prose's code spans."""
    prose = re.sub(r"^```.*?^```", "", README, flags=re.M | re.S)
    code = [*command_lines(), *re.findall(r"`([^`\n]+)`", prose)]
    return {target for text in code for target in re.findall(r"(?:^|[\s:])make ([a-z][a-z-]*)", text)}


def makefile_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", MAKEFILE, flags=re.M))


def users_environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NOT_A_USERS}
    # A temporary database and media folder stand in for the clone's db.sqlite3 and media/.
    return env | {"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "MEDIA_ROOT": str(tmp_path / "media")}


def first_table(tmp_path: Path) -> str:
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        (number,) = db.execute("SELECT min(id) FROM tables_targettable").fetchone()
    assert number is not None, "the README's commands reach check_tables before any table is imported"
    return str(number)


def library_file(tmp_path: Path) -> Path:
    """A province-shaped 指标库 workbook (tests/builders/library.py) for `import_library`."""
    from tests.builders.library import library_rows, library_workbook

    path = tmp_path / "指标库.xlsx"
    path.write_bytes(library_workbook(library_rows(30)))
    return path


def with_real_inputs(line: str, tmp_path: Path) -> str:
    command = line.split("  #", 1)[0].strip()
    values = {
        "FILE_OR_TABLE…": lambda: f"{shlex.quote(str(BOOKLET))} {first_table(tmp_path)}",
        "FILE…": lambda: f"{shlex.quote(str(SEED_TEXT))} {shlex.quote(str(BOOKLET))}",
        "DIR": lambda: shlex.quote(str(tmp_path / "out")),
        "[--year Y]": lambda: "--year 2022",
        "[--org CODE_OR_NAME]": lambda: "--org 新疆巴州财政局",
        "[--json]": lambda: "--json",
        "USERNAME": lambda: "filler1",
        "LIBRARY.xlsx": lambda: shlex.quote(str(library_file(tmp_path))),
    }
    for placeholder, value in values.items():
        if re.search(rf"(?<!\S){re.escape(placeholder)}(?!\S)", command):
            command = re.sub(rf"(?<!\S){re.escape(placeholder)}(?!\S)", lambda _m, v=value: v(), command)
    leftover = [word for word in shlex.split(command) if re.fullmatch(r"[A-Z][A-Z_]*…?|\[.*|.*\]|.*…", word)]
    assert leftover == [], f"README placeholder with no value in tests/test_readme.py: {leftover} in {line!r}"
    return command


def test_every_command_line_in_the_readme_is_a_manage_py_command_or_a_make_target():
    lines = command_lines()
    assert any(line.startswith(MANAGE) for line in lines)
    others = [line for line in lines if not line.startswith(MANAGE)]
    assert [line for line in others if "make " not in line.split("#", 1)[0]] == []


def test_every_make_target_the_readme_names_is_in_the_makefile_and_in_make_help():
    named = make_targets_named()
    assert {"run", "test", "install"} <= named  # the parse found the README's main targets
    assert sorted(named - makefile_targets()) == []
    listed = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert [target for target in sorted(named) if f"make {target} " not in listed] == []


def test_the_readme_commands_run_as_written_on_a_fresh_database(tmp_path):
    """On a clone with nothing set, `manage.py import_tables` used to stop at "SECRET_KEY must be set"."""
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.fail("the README's commands use .venv/bin/python: create it with `make install`")
    env = users_environment(tmp_path)
    ran = []
    for line in command_lines():
        if not line.startswith(MANAGE):
            continue
        command = with_real_inputs(line, tmp_path)
        result = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        ran.append(shlex.split(command)[2])
    assert {"migrate", "import_tables", "export_tables", "check_tables", "load_demo"} <= set(ran)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["000_db0fda59e4eac40f.json"]


# ---------------------------------------------------------------- the README's sentence on settings


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=users_environment(tmp_path) | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    result = manage(tmp_path, "check", DJANGO_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DJANGO_ENV=production" in result.stderr


def test_production_settings_refuse_testing(tmp_path):
    result = manage(tmp_path, "check", DJANGO_ENV="production", SECRET_KEY="k" * 60, TESTING="1")
    assert result.returncode != 0
    assert "TESTING cannot be on when DJANGO_ENV=production" in result.stderr


def test_an_app_server_is_production_unless_told_otherwise(tmp_path):
    """gunicorn started by hand without DJANGO_ENV or SECRET_KEY must not serve on the development key."""
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=users_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DJANGO_ENV=production" in result.stderr


def test_the_development_key_fails_the_deploy_check(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout


def test_make_serve_prod_refuses_to_start_without_a_secret_key(tmp_path):
    env = users_environment(tmp_path) | {"MAKEFLAGS": ""}
    # -o install: the suite must not pip- or apt-install; the refusal comes before any server starts.
    result = subprocess.run(
        ["make", "-s", "-o", "install", "serve-prod"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "请设置 SECRET_KEY" in result.stdout + result.stderr


def test_runserver_loading_the_wsgi_module_keeps_its_development_environment(tmp_path):
    """runserver imports config.wsgi after its settings: the processes it starts must not turn production."""
    code = (
        "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup(); "
        "import config.wsgi; print(os.environ.get('DJANGO_ENV', 'unset'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=users_environment(tmp_path), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "unset"


def test_where_to_look_names_one_file_that_holds_each_answer():
    """The README's "Where to look first" table: each file exists and defines the function it names."""
    table = README.split("Where to look first:", 1)[1].split("\n\n", 2)[1]
    rows = re.findall(r"^\| [^|]+ \| `([^`]+)` \(`(\w+)`\) \|$", table, flags=re.M)
    assert len(rows) >= 4
    for path, function in rows:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {function}\(", source, flags=re.M), f"{path} does not define {function}"
