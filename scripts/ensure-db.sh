#!/usr/bin/env bash
# When DATABASE_URL points at PostgreSQL: make sure the server runs and the database exists.
set -euo pipefail
url="${DATABASE_URL:-}"
case "$url" in
  postgres://*|postgresql://*) ;;
  *) exit 0 ;;
esac
eval "$(.venv/bin/python - "$url" <<'PY'
import shlex, sys
from urllib.parse import urlparse
u = urlparse(sys.argv[1])
for k, v in {"PGHOST": u.hostname or "127.0.0.1", "PGPORT": u.port or 5432, "PGUSER": u.username or "postgres", "DBNAME": u.path.lstrip("/")}.items():
    print(f"{k}={shlex.quote(str(v))}")
PY
)"
export PGHOST PGPORT PGUSER
if ! pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "启动 PostgreSQL …"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
    for _ in $(seq 1 20); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && break; sleep 0.5; done
  fi
fi
pg_isready -q -h "$PGHOST" -p "$PGPORT" || { echo "PostgreSQL 未运行（$PGHOST:$PGPORT）" >&2; exit 1; }
if ! psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'" | grep -q 1; then
  createdb "$DBNAME"
fi
