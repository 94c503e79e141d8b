#!/usr/bin/env bash
# The snapfs benchmark on a fresh machine (bench/README.md): installs what it needs, builds
# snapfs, snapfs-emulator and snapfs-bench in build/ (or $SNAPFS_BUILD_DIR), runs the benchmark,
# prints its table and keeps the result as bench/results/<UTC time>.json and
# bench/results/latest.json.
#   bench/run.sh [--no-build] [snapfs-bench options, e.g. --callgrind; --help lists them]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

build=1
if [ "${1:-}" = "--no-build" ]; then
  build=0
  shift
fi
export SNAPFS_BUILD_DIR=${SNAPFS_BUILD_DIR:-$root/build}
if [ "$build" = "1" ]; then
  "$root/scripts/install-deps.sh"
  echo "== building in $SNAPFS_BUILD_DIR (a few minutes on a fresh clone)" >&2
  # The driver reuses the tests' emulator and mount helpers, so it needs BUILD_TESTING.
  "$root/scripts/build.sh" -DBUILD_TESTING=ON >/dev/null
fi
bench=$SNAPFS_BUILD_DIR/bench/snapfs-bench
if [ ! -x "$bench" ]; then
  echo "bench/run.sh: $bench is missing; run without --no-build" >&2
  exit 1
fi

results=$root/bench/results
mkdir -p "$results"
out=$results/$(date -u +%Y%m%dT%H%M%SZ).json
status=0
"$bench" --json "$out" "$@" || status=$?
if [ -s "$out" ]; then
  cp "$out" "$results/latest.json"
  echo
  echo "== result: $out (also bench/results/latest.json)"
fi
exit "$status"
