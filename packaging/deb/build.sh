#!/bin/sh
# Builds lock-firmware_<version>_<arch>.deb with dpkg-deb: the production bundle lockd runs
# (dist/bundle), the compiled JavaScript lockctl runs (dist/), production dependencies only (what the
# bundle leaves external: sodium-native, serialport, pino-pretty), the gpiod addon for that
# architecture. Usage: build.sh [amd64|arm64|armhf] [outdir]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
deb_arch=${1:-$(dpkg --print-architecture)}
out=${2:-$root/build/deb}
case "$deb_arch" in
  amd64) node_arch=x64 ;;
  arm64) node_arch=arm64 ;;
  armhf) node_arch=arm ;;
  *) echo "build.sh: unsupported architecture $deb_arch" >&2; exit 2 ;;
esac
version=$(node -p "require('$root/package.json').version")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
lib="$stage/usr/lib/lock-firmware"
mkdir -p "$lib" "$stage/DEBIAN" "$stage/usr/bin" "$stage/etc/lock-firmware" "$stage/etc/default" \
  "$stage/lib/systemd/system" "$stage/usr/share/doc/lock-firmware"

echo "== compile (tsc, for lockctl), bundle (esbuild, for lockd) and the gpiod addon for linux-$node_arch"
# LOCK_PACKAGE_PREBUILT=1 (CI, right after its own build) reuses dist/ and the addon when present.
# The bundle is always rebuilt (a second or two), so the package never ships a stale one.
if [ "${LOCK_PACKAGE_PREBUILT:-}" != 1 ] || [ ! -f "$root/dist/firmware/main.js" ]; then (cd "$root" && npm run --silent build); fi
(cd "$root" && npm run --silent build:bundle >/dev/null)
if [ "${LOCK_PACKAGE_PREBUILT:-}" != 1 ] || [ ! -f "$root/build/native/linux-$node_arch/gpiod.node" ]; then
  sh "$root/hal/gpiod/native/build.sh" "$node_arch" >/dev/null
fi
cp -a "$root/dist" "$lib/dist"
# Not on a board: the simulator's page and the benchmarks' own bundle (if a bench ran here).
rm -rf "$lib/dist/sim/web" "$lib/dist/bench" 2>/dev/null || true
find "$lib/dist" \( -name '*.map' -o -name '*.v8cache' -o -name '*.v8cache.*' \) -delete
mkdir -p "$lib/build/native/linux-$node_arch"
cp "$root/build/native/linux-$node_arch/gpiod.node" "$lib/build/native/linux-$node_arch/"
cp "$root/boards.json" "$root/package.json" "$root/package-lock.json" "$lib/"

echo "== production dependencies"
mkdir -p "$lib/tools/npm" && cp -a "$root/tools/npm/cbor-extract-none" "$lib/tools/npm/"
(cd "$lib" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error)
rm -rf "$lib/tools"
# valibot names TypeScript as a peer (for its types only); no compiler goes to the board.
rm -rf "$lib/node_modules/typescript" "$lib/node_modules/.bin/tsc" "$lib/node_modules/.bin/tsserver"
# Keep only this architecture's prebuilt native bindings (serialport ships every platform's).
find "$lib/node_modules" -type d -name prebuilds | while read -r dir; do
  for p in "$dir"/*; do
    case "$(basename "$p")" in "linux-$node_arch") ;; *) rm -rf "$p" ;; esac
  done
done

echo "== files"
cp "$root/packaging/deb/lockd" "$root/packaging/deb/lockctl" "$stage/usr/bin/"
cp "$root/packaging/deb/lock.json" "$stage/etc/lock-firmware/lock.json"
cp "$root/packaging/deb/default" "$stage/etc/default/lock-firmware"
cp "$root/packaging/deb/lock-firmware.service" "$stage/lib/systemd/system/"
for doc in INSTALL.md HARDWARE.md; do [ -f "$root/docs/$doc" ] && cp "$root/docs/$doc" "$stage/usr/share/doc/lock-firmware/"; done
cp "$root/packaging/deb/postinst" "$root/packaging/deb/prerm" "$root/packaging/deb/postrm" "$stage/DEBIAN/"
printf '/etc/lock-firmware/lock.json\n/etc/default/lock-firmware\n' >"$stage/DEBIAN/conffiles"
# Node >= 20.15: the firmware uses zlib.crc32 (added in 20.15.0). tzdata: time zones are read from /usr/share/zoneinfo
# (without it the lock falls back to ICU, about 8 MiB more resident).
installed_kb=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<CONTROL
Package: lock-firmware
Version: $version
Architecture: $deb_arch
Maintainer: open-lock-firmware maintainers <maintainers@invalid>
Depends: nodejs (>= 20.15), adduser, systemd, tzdata
Installed-Size: $installed_kb
Section: misc
Priority: optional
Homepage: https://invalid/open-lock-firmware
Description: smart-lock firmware for Raspberry Pi and BeagleBone lock controllers
 Offline signed-grant access decisions, deadbolt control on the GPIO character
 device (no root), MQTT sync, serial pairing. Runs as the hardened systemd
 service lock-firmware.service as the user "lock".
CONTROL
find "$stage" -type d -exec chmod 0755 {} +
chmod -R u+rwX,go+rX,go-w "$lib"
mkdir -p "$out"
deb="$out/lock-firmware_${version}_${deb_arch}.deb"
dpkg-deb --root-owner-group -Zxz -z6 --build "$stage" "$deb" >/dev/null
echo "$deb"
