"""scripts/system-deps.sh against a fake apt: it waits for apt's lock instead of failing at once.

`make run` right after boot failed with "Could not get lock /var/lib/dpkg/lock-frontend" while
unattended-upgrades ran. Fake dpkg-query (every package missing), apt-get (records its arguments),
sudo and fuser (a lock holder for as many looks as asked) stand in front of PATH.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "system-deps.sh"


def fake_apt(tmp_path: Path, *, held_for: int) -> tuple[dict[str, str], Path]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "apt-get.calls"
    looks = tmp_path / "fuser.looks"
    scripts = {
        "dpkg-query": "echo 'unknown ok not-installed'",
        "apt-get": f'printf "%s\\n" "$*" >> {calls}',
        "sudo": 'exec "$@"',
        # Prints the holder's PID (this test's own process, so ps can name it) for the first
        # `held_for` looks, then reports the locks free, as fuser does, with exit status 1.
        "fuser": (
            f"n=$(($(cat {looks} 2>/dev/null || echo 0) + 1)); echo $n > {looks}; "
            f'[ $n -le {held_for} ] && {{ echo " {os.getpid()}"; exit 0; }}; exit 1'
        ),
    }
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(f"#!/usr/bin/env bash\n{body}\n")
        path.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return env, calls


def run(env: dict[str, str], **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SCRIPT), "test"], env=env | extra, capture_output=True, text=True, timeout=60, check=False
    )


def test_every_apt_get_call_waits_for_the_lock(tmp_path):
    env, calls = fake_apt(tmp_path, held_for=0)
    result = run(env)
    assert result.returncode == 0, result.stderr
    lines = calls.read_text().splitlines()
    assert [line.split()[2] for line in lines] == ["update", "install"]
    assert all(line.startswith("-o DPkg::Lock::Timeout=300 ") for line in lines)
    assert "fonts-noto-cjk" in lines[1] and "poppler-utils" in lines[1]
    assert "等待" not in result.stdout  # nobody held the lock: no word about waiting


def test_a_held_apt_lock_is_waited_for_and_its_holder_named_in_chinese(tmp_path):
    env, calls = fake_apt(tmp_path, held_for=2)
    result = run(env)
    assert result.returncode == 0, result.stderr
    me = Path("/proc/self/comm").read_text().strip()
    assert f"等待其他 apt 进程释放锁：{me}（进程 {os.getpid()}）（最多 300 秒）…" in result.stdout
    assert "apt 的锁已释放，继续。" in result.stdout
    assert [line.split()[2] for line in calls.read_text().splitlines()] == ["update", "install"]


def test_a_lock_held_past_the_timeout_stops_with_a_chinese_message_before_apt_get(tmp_path):
    env, calls = fake_apt(tmp_path, held_for=100)
    result = run(env, APT_LOCK_TIMEOUT="1")
    assert result.returncode == 1
    assert "等了 1 秒，apt 的锁仍被占用" in result.stderr
    assert not calls.exists()


def test_nothing_is_installed_when_every_package_is_present(tmp_path):
    env, calls = fake_apt(tmp_path, held_for=0)
    (tmp_path / "bin" / "dpkg-query").write_text("#!/usr/bin/env bash\necho 'install ok installed'\n")
    result = run(env)
    assert result.returncode == 0 and result.stdout == ""
    assert not calls.exists()
