#!/usr/bin/env bash
# Runs the official Scaleway JavaScript SDK (tests/node/scaleway) against snapfs-emulator, changed
# only in its API URL. Usage: run-scaleway-sdk.sh PATH/TO/snapfs-emulator
# Without node or npm the check is skipped (exit 0), except under CI=true where that is a failure.
set -euo pipefail

emulator=${1:?usage: run-scaleway-sdk.sh PATH/TO/snapfs-emulator}
package_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/scaleway" && pwd)"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    if [ "${CI:-}" = "true" ]; then
      echo "FAILED: '$tool' is not installed (scripts/install-deps.sh installs it)" >&2
      exit 1
    fi
    echo "SKIPPED: scaleway_js_sdk_against_emulator needs '$tool', which is not installed" \
         "(scripts/install-deps.sh installs it)"
    exit 0
  fi
done
if [ ! -x "$emulator" ]; then
  echo "FAILED: no emulator at $emulator" >&2
  exit 1
fi

# The SDK declares node >= 20.19.4; an older node is tried all the same, with a warning.
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "warning: node $(node --version) is older than the SDK's declared minimum (20.19.4)" >&2
fi

# Install the locked packages when node_modules is missing or was made from another lockfile.
lock_hash=$(cat "$package_dir/package-lock.json" "$package_dir/package.json" | sha256sum)
stamp="$package_dir/node_modules/.snapfs-lock-hash"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  echo "installing the locked npm packages in $package_dir"
  (cd "$package_dir" && npm ci --no-audit --no-fund)
  echo "$lock_hash" >"$stamp"
fi

work=$(mktemp -d)
emulator_pid=""
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  if [ -n "$emulator_pid" ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

"$emulator" --seed demo --async-ms 300 >"$work/stdout" 2>"$work/stderr" &
emulator_pid=$!

url=""
for _ in $(seq 1 300); do
  url=$(sed -n 's/^listening on \(http[^ ]*\)$/\1/p' "$work/stdout" | head -n 1)
  [ -n "$url" ] && break
  if ! kill -0 "$emulator_pid" 2>/dev/null; then
    echo "FAILED: the emulator exited before listening:" >&2
    cat "$work/stderr" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "FAILED: the emulator printed no 'listening on URL' line within 30 s" >&2
  cat "$work/stderr" >&2
  exit 1
fi
echo "emulator listening on $url"

status=0
(cd "$package_dir" && SNAPFS_EMULATOR_URL="$url" node --test sdk.test.mjs) || status=$?
if [ "$status" -ne 0 ]; then
  echo "emulator log (stderr):" >&2
  tail -n 50 "$work/stderr" >&2
fi
exit "$status"
