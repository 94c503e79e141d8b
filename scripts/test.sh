#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, builds with warnings as
# errors, and runs every test (unit, provider-against-emulator, and real FUSE mount tests).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
export SNAPFS_BUILD_DIR=${SNAPFS_BUILD_DIR:-$root/build}
"$root/scripts/build.sh" -DWERROR=ON -DBUILD_TESTING=ON
cd "$SNAPFS_BUILD_DIR"
ctest --output-on-failure --timeout 600 -j1 "$@"
