#!/bin/sh
# Package test (CI, as root): install the amd64 .deb, check files, user, groups and permissions,
# verify the unit, boot the installed lockd (the production bundle) on the simulated board as the
# `lock` user until "ready", twice (the first boot writes the code cache, the second loads it), then purge and check the machine is as it was. Usage: test-install.sh [path/to.deb]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
deb=${1:-$(ls -t "$root"/build/deb/lock-firmware_*_"$(dpkg --print-architecture)".deb | head -1)}
fail() { echo "package test: FAILED: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "must run as root"
if dpkg -s lock-firmware >/dev/null 2>&1 || getent passwd lock >/dev/null; then
  fail "lock-firmware or a user 'lock' is already here; refusing to touch them"
fi
groups_before=$(getent group gpio dialout i2c | cut -d: -f1 | sort | tr '\n' ' ')

echo "== dpkg -i $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB; installed $(dpkg-deb -f "$deb" Installed-Size) KiB)"
DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" >/dev/null
cleanup() { dpkg --purge lock-firmware >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "== files, user, groups, permissions"
for f in /usr/bin/lockd /usr/bin/lockctl; do [ -x "$f" ] || fail "$f not executable"; done
for f in /usr/lib/lock-firmware/dist/bundle/start.cjs /usr/lib/lock-firmware/dist/bundle/lock.cjs /usr/lib/lock-firmware/dist/tools/lockctl.js /usr/lib/lock-firmware/boards.json /lib/systemd/system/lock-firmware.service; do
  [ -f "$f" ] || fail "$f missing"
done
arch=$(node -p process.arch)
[ -f "/usr/lib/lock-firmware/build/native/linux-$arch/gpiod.node" ] || fail "gpiod addon for linux-$arch missing"
for dev in typescript vitest eslint tsx; do [ ! -e "/usr/lib/lock-firmware/node_modules/$dev" ] || fail "devDependency $dev shipped"; done
! find /usr/lib/lock-firmware/dist -name '*.ts' ! -name '*.d.ts' | grep -q . || fail "TypeScript sources shipped"
[ "$(stat -c '%U:%G %a' /etc/lock-firmware/lock.json)" = "root:lock 640" ] || fail "lock.json: $(stat -c '%U:%G %a' /etc/lock-firmware/lock.json)"
[ "$(stat -c '%U %a' /var/lib/lock-firmware)" = "lock 700" ] || fail "state dir: $(stat -c '%U %a' /var/lib/lock-firmware)"
[ "$(stat -c '%U %a' /var/cache/lock-firmware)" = "lock 700" ] || fail "code cache dir: $(stat -c '%U %a' /var/cache/lock-firmware)"
! find /usr/lib/lock-firmware -name '*.v8cache*' | grep -q . || fail "a code cache shipped"
[ "$(stat -c '%U' /usr/lib/lock-firmware/dist/bundle/lock.cjs)" = root ] || fail "program files not owned by root"
! find /usr/lib/lock-firmware ! -type l -perm -o+w | grep -q . || fail "world-writable program files"
uid=$(id -u lock)
[ "$uid" -lt 1000 ] || fail "lock is not a system user (uid $uid)"
[ "$(getent passwd lock | cut -d: -f7)" = /usr/sbin/nologin ] || fail "lock has a login shell"
for g in gpio dialout i2c; do id -nG lock | tr ' ' '\n' | grep -qx "$g" || fail "lock not in $g"; done
grep -qx /etc/lock-firmware/lock.json /var/lib/dpkg/info/lock-firmware.conffiles || fail "lock.json is not a conffile"

echo "== systemd-analyze verify"
systemd-analyze verify /lib/systemd/system/lock-firmware.service
systemd-analyze security --offline=true /lib/systemd/system/lock-firmware.service 2>/dev/null | tail -1 || true

echo "== lockd --board sim as user lock, from the installed files"
work=$(mktemp -d)
chmod 755 "$work"
echo '{ "stateDir": "/var/lib/lock-firmware", "logLevel": "info" }' >"$work/lock.json"
chmod 644 "$work/lock.json"
# lockd as the service starts it, minus systemd: the bundle, its code cache in /var/cache/lock-firmware.
boot() { # $1: which boot (for the messages)
  start=$(date +%s%N)
  env -u NOTIFY_SOCKET -u LOCK_CODE_CACHE_DIR setpriv --reuid=lock --regid=lock --init-groups /usr/bin/lockd --json --board sim --config "$work/lock.json" >"$work/out" 2>&1 &
  pid=$!
  ready=""
  for _ in $(seq 1 600); do
    if grep -q '"event":"ready"' "$work/out"; then ready=$(( ($(date +%s%N) - start) / 1000000 )); break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$ready" ] || { cat "$work/out" >&2; kill "$pid" 2>/dev/null || true; fail "lockd did not reach ready ($1 boot)"; }
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q ' /usr/lib/lock-firmware/dist/bundle/start.cjs ' || fail "lockd does not run the bundle: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
  echo "boot to ready, $1: ${ready} ms (as $(ps -o user= -p "$pid"), $(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -d' ' -f1-4))"
  kill -TERM "$pid"
  status=0
  wait "$pid" || status=$?
  grep -q '"event":"stopped"' "$work/out" || { cat "$work/out" >&2; fail "lockd did not stop cleanly ($1 boot)"; }
  [ "$status" = 0 ] || fail "lockd exited $status on SIGTERM ($1 boot)"
}
boot "first (compiles the bundle, writes the code cache)"
cache=$(ls /var/cache/lock-firmware/lock.cjs.*.v8cache 2>/dev/null | head -1)
[ -n "$cache" ] || fail "no code cache written in /var/cache/lock-firmware"
[ "$(stat -c '%U %a' "$cache")" = "lock 600" ] || fail "code cache: $(stat -c '%U %a' "$cache")"
echo "code cache: $(basename "$cache"), $(du -k "$cache" | cut -f1) KiB"
boot "second (loads the code cache)"
rm -rf "$work"

echo "== dpkg --purge"
trap - EXIT
dpkg --purge lock-firmware >/dev/null
! getent passwd lock >/dev/null || fail "user lock left behind"
! getent group lock >/dev/null || fail "group lock left behind"
for p in /var/lib/lock-firmware /var/cache/lock-firmware /usr/lib/lock-firmware /etc/lock-firmware /usr/bin/lockd /lib/systemd/system/lock-firmware.service; do
  [ ! -e "$p" ] || fail "$p left behind"
done
groups_after=$(getent group gpio dialout i2c | cut -d: -f1 | sort | tr '\n' ' ')
[ "$groups_before" = "$groups_after" ] || fail "groups changed: before '$groups_before', after '$groups_after'"
echo "package test: passed"
