#!/bin/sh
# Builds the GPIO character-device addon (hal/gpiod/native/gpiod.c) with a plain C compiler:
# no node-gyp, no downloads. Usage: build.sh [arch] (arm64, arm, x64; default: this machine's).
# Cross builds use Debian's gcc-aarch64-linux-gnu / gcc-arm-linux-gnueabihf. Output:
# build/native/linux-<arch>/gpiod.node under the repository root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
arch=${1:-$(node -p process.arch)}
case "$arch" in
  x64) cc=${CC:-gcc}; [ "$(node -p process.arch)" = x64 ] || cc=x86_64-linux-gnu-gcc ;;
  arm64) cc=${CC:-aarch64-linux-gnu-gcc}; [ "$(node -p process.arch)" = arm64 ] && cc=${CC:-gcc} ;;
  arm) cc=${CC:-arm-linux-gnueabihf-gcc}; [ "$(node -p process.arch)" = arm ] && cc=${CC:-gcc} ;;
  *) echo "build.sh: unsupported arch $arch" >&2; exit 2 ;;
esac
# Node's own headers (node_api.h, uv.h) sit beside the node binary in every Node release and in Debian's nodejs.
prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
inc=${NODE_INCLUDE:-$prefix/include/node}
[ -f "$inc/node_api.h" ] || { echo "build.sh: no node_api.h under $inc (set NODE_INCLUDE)" >&2; exit 1; }
out="$root/build/native/linux-$arch"
mkdir -p "$out"
"$cc" -std=gnu11 -O2 -Wall -Wextra -Wno-unused-parameter -fPIC -shared -fvisibility=hidden \
  -DNODE_GYP_MODULE_NAME=gpiod -I"$inc" -o "$out/gpiod.node" "$here/gpiod.c"
echo "$out/gpiod.node"
