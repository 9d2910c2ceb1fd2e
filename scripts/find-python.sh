#!/usr/bin/env bash
# Print the path of a Python >= 3.12 (Django 6.1 needs it), or explain and fail.
set -euo pipefail
candidates=(${PYTHON:-} python3.14 python3.13 python3.12 python3)
for root in "${PYENV_ROOT:-$HOME/.pyenv}" /root/.pyenv; do
  for dir in $(ls -d "$root"/versions/3.1[2-9]* 2>/dev/null | sort -rV); do
    [ -x "$dir/bin/python3" ] && candidates+=("$dir/bin/python3")
  done
done
for c in "${candidates[@]}"; do
  if path=$(command -v "$c" 2>/dev/null) && "$path" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
    echo "$path"
    exit 0
  fi
done
echo "需要 Python 3.12 或更高版本（Django 6.1 的要求），但没有找到。" >&2
echo "Python >= 3.12 is required (Django 6.1). Install one (e.g. 'pyenv install 3.13' or 'apt-get install python3.12') and retry," >&2
echo "or set PYTHON=/path/to/python3.12 when running make." >&2
exit 1
