#!/usr/bin/env bash
# Install the Debian packages a task needs, only those that are missing.
#   scripts/system-deps.sh run    → CJK fonts (PDFs)
#   scripts/system-deps.sh test   → fonts, poppler-utils (PDF checks), chromium (browser tests)
#   scripts/system-deps.sh bench  → test's packages plus LibreOffice (PDF comparison)
set -euo pipefail
case "${1:-run}" in
  run) packages=(fonts-noto-cjk libharfbuzz-subset0) ;;
  test) packages=(fonts-noto-cjk libharfbuzz-subset0 poppler-utils chromium) ;;
  bench) packages=(fonts-noto-cjk libharfbuzz-subset0 poppler-utils chromium libreoffice-calc-nogui) ;;
  *) echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "缺少系统软件包：${missing[*]}，且本机没有 apt-get，请手动安装。" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "安装系统软件包：${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
