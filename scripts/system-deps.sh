#!/usr/bin/env bash
# Install the Debian packages a task needs, only those that are missing.
#   scripts/system-deps.sh run    → CJK fonts (PDFs)
#   scripts/system-deps.sh test   → fonts, poppler-utils (PDF checks), chromium (browser tests)
#   scripts/system-deps.sh bench  → test's packages plus LibreOffice (PDF comparison)
# When another apt holds the lock, it waits (APT_LOCK_TIMEOUT seconds, 300 by default) and says for whom.
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

# Right after boot unattended-upgrades (or another terminal) may hold apt's locks, and apt-get
# would fail at once with "Could not get lock". Wait for it, saying for whom, up to LOCK_TIMEOUT;
# apt-get's own DPkg::Lock::Timeout covers the moment between our look and its own.
LOCK_TIMEOUT="${APT_LOCK_TIMEOUT:-300}"
LOCKS=(/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock)
APT_GET=(apt-get -o "DPkg::Lock::Timeout=$LOCK_TIMEOUT")

lock_holders() {  # "unattended-upgr（进程 812）" for each process holding one of the locks; empty if none
  command -v fuser >/dev/null || return 0
  local pids
  pids=$($SUDO fuser "${LOCKS[@]}" 2>/dev/null | xargs) || return 0
  [ -n "$pids" ] || return 0
  # A holder may end between fuser and ps; ps then fails for it and the rest are still named.
  ps -o pid=,comm= -p "${pids// /,}" | awk '{printf "%s%s（进程 %s）", (NR > 1 ? "、" : ""), $2, $1}' || true
}

wait_for_apt_locks() {
  local holders waited=0
  holders=$(lock_holders)
  [ -n "$holders" ] || return 0
  echo "等待其他 apt 进程释放锁：$holders（最多 ${LOCK_TIMEOUT} 秒）…"
  while [ -n "$holders" ]; do
    if [ "$waited" -ge "$LOCK_TIMEOUT" ]; then
      echo "等了 ${LOCK_TIMEOUT} 秒，apt 的锁仍被占用：$holders。请等它结束后重试。" >&2
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
    holders=$(lock_holders)
  done
  echo "apt 的锁已释放，继续。"
}

echo "安装系统软件包：${missing[*]}"
wait_for_apt_locks
echo "更新软件包索引（apt-get update）…"
$SUDO "${APT_GET[@]}" update -qq
wait_for_apt_locks
# env, not a VAR=… prefix: sudo resets the environment it is given.
$SUDO env DEBIAN_FRONTEND=noninteractive "${APT_GET[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
