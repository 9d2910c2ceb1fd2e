"""Benchmark of the whole stack under load: `bench.load` for a shorter time (40 s of 100 users at
a person's pace, 30 s of stress beyond capacity, then 20 s with a PostgreSQL restart), with its
figures and the PASS/FAIL of its checks.

It runs in its own process with the production settings (DEBUG off, gunicorn, whitenoise) against
its own PostgreSQL database (`target_tables_load_bench`, recreated each time), whatever database
`make bench` itself uses: it needs the local PostgreSQL server, not DATABASE_URL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DURATION = 40
STRESS_DURATION = 30
RESTART_DURATION = 20
USERS = 100


def run() -> list[tuple[str, str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("TESTING", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        out = Path(folder) / "load.json"
        command = [sys.executable, "-m", "bench.load", "--duration", str(DURATION), "--users", str(USERS)]
        command += ["--stress-duration", str(STRESS_DURATION)]
        command += ["--restart-db", "--restart-duration", str(RESTART_DURATION)]
        command += ["--database", "target_tables_load_bench", "--json", str(out)]
        # The checks decide the exit status; the figures are wanted either way.
        subprocess.run(command, cwd=ROOT, env=env, check=False, timeout=900)
        if not out.exists():
            raise RuntimeError("bench.load 未输出结果（见上面的输出）")
        result = json.loads(out.read_text())
    return [tuple(row) for row in result["figures"]]


if __name__ == "__main__":
    for label, value in run():
        print(f"{label}: {value}")
