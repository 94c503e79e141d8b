#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) into build-fuzz/ and runs
# each for SECONDS (default 30) on a corpus made from the seeds and the recorded API bodies.
# Fails when any target crashes; crashing inputs are kept in build-fuzz/crashes/<target>/.
# The random seed is fixed (SNAPFS_FUZZ_SEED, default 1) so that a run can be repeated exactly;
# SNAPFS_FUZZ_SEED=0 lets libFuzzer pick one (longer exploratory runs).
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-30}
seed=${SNAPFS_FUZZ_SEED:-1}
build=${SNAPFS_FUZZ_BUILD_DIR:-$root/build-fuzz}

"$root/scripts/install-deps.sh"
if ! command -v clang++ >/dev/null 2>&1 ||
   ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "install ok installed"; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: clang libclang-rt-14-dev" >&2
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    clang libclang-rt-14-dev >/dev/null
fi

cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DFUZZ=ON -DBUILD_TESTING=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target fuzz_all -j"$(nproc)"

python3 "$root/tests/fuzz/make-corpus.py" "$root/../shared/specs" "$build/corpus"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:suppressions=$root/tests/fuzz/ubsan.supp}
# One target per CPU at a time (each libFuzzer process uses one): on two CPUs the run takes half
# the time, and every target still gets its SECONDS of its own CPU.
jobs=${SNAPFS_FUZZ_JOBS:-$(nproc)}
run_target() {
  local binary=$1 target crashes log stats
  target=$(basename "$binary")
  crashes="$build/crashes/$target"
  mkdir -p "$crashes"
  log="$build/fuzz-$target.log"
  # The corpus directory comes first, so new interesting inputs are added to it.
  if "$binary" -seed="$seed" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$crashes/" -print_final_stats=1 \
      "$build/corpus/$target" >"$log" 2>&1; then
    stats=$(grep -E "stat::number_of_executed_units|stat::average_exec_per_sec" "$log" | tr '\n' ' ' || true)
    echo "== $target (${seconds}s) $stats"
    echo ok >"$build/fuzz-$target.status"
  else
    # One block per target, printed at once, so that targets running side by side do not mix.
    echo "== $target (${seconds}s) FAILED (log: $log)
$(grep -E "^==[0-9]+==ERROR|runtime error|SUMMARY|Test unit written" "$log" | head -5)"
    echo failed >"$build/fuzz-$target.status"
  fi
}
targets=()
for binary in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$binary" ] || continue
  targets+=("$(basename "$binary")")
  rm -f "$build/fuzz-$(basename "$binary").status"
  while [ "$(jobs -pr | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_target "$binary" &
done
wait
failed=()
for target in "${targets[@]}"; do
  [ "$(cat "$build/fuzz-$target.status" 2>/dev/null)" = ok ] || failed+=("$target")
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "crashing targets: ${failed[*]} (inputs in $build/crashes/)" >&2
  exit 1
fi
echo "no crashes"
