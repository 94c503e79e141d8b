#!/usr/bin/env bash
# Configures and builds snapfs into build/ (or $SNAPFS_BUILD_DIR). Extra arguments go to cmake,
# e.g. scripts/build.sh -DASAN=ON.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SNAPFS_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-RelWithDebInfo} "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
