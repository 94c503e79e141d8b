#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, builds with warnings as
# errors, and runs every test (unit, provider-against-emulator, and real FUSE mount tests).
#   scripts/test.sh [--asan] [ctest arguments...]
# --asan (or SNAPFS_ASAN=1) builds in build-asan/ with AddressSanitizer and
# UndefinedBehaviorSanitizer and runs the same suite there; any sanitizer report fails its test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

asan=${SNAPFS_ASAN:-0}
if [ "${1:-}" = "--asan" ]; then
  asan=1
  shift
fi

"$root/scripts/install-deps.sh"
cmake_args=(-DBUILD_TESTING=ON)
if [ "$asan" = "1" ]; then
  export SNAPFS_BUILD_DIR=${SNAPFS_BUILD_DIR:-$root/build-asan}
  # No -Werror here: GCC 12 warns falsely (maybe-uninitialized in <regex>) under the sanitizers;
  # the default build checks warnings.
  cmake_args+=(-DASAN=ON -DWERROR=OFF)
  # Reports go to stderr with a stack; the first one ends the process with a failure.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:halt_on_error=1:detect_leaks=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
else
  export SNAPFS_BUILD_DIR=${SNAPFS_BUILD_DIR:-$root/build}
  cmake_args+=(-DWERROR=ON)
fi
"$root/scripts/build.sh" "${cmake_args[@]}"
cd "$SNAPFS_BUILD_DIR"
# Two tests at a time: they mostly wait on the emulator and on timeouts. Those that must run alone
# say so in tests/CMakeLists.txt (RUN_SERIAL).
jobs=${SNAPFS_TEST_JOBS:-2}
ctest --output-on-failure --timeout 600 -j"$jobs" "$@"

# The mount tests once more with the kernel's FUSE over io_uring switch on, so that every mount
# operation is also checked over the rings (the sanitizer build checks them in the io_uring mount
# tests alone); the switch is put back as it was.
uring=/sys/module/fuse/parameters/enable_uring
if [ $# -eq 0 ] && [ "$asan" = "0" ]; then
  saved=$(cat "$uring" 2>/dev/null || true)
  if [ -n "$saved" ] && (echo Y > "$uring") 2>/dev/null; then
    trap 'echo "$saved" > "$uring"' EXIT
    echo "== the mount tests again, over FUSE over io_uring ($uring was $saved)"
    ctest --output-on-failure --timeout 600 -j"$jobs" -L mount
  else
    echo "== SKIPPED: the mount tests over FUSE over io_uring ($uring missing or read-only)" >&2
  fi
fi
