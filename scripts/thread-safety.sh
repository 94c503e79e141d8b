#!/usr/bin/env bash
# Checks the lock annotations of fs/ and providers/ (providers/common/thread_annotations.h) with
# clang's thread-safety analysis: every .cc there is parsed (no code generated) with
# -Wthread-safety -Werror, using the include paths and defines of the normal build, taken from a
# compile_commands.json that cmake writes into build-tsa/ (configured, never built).
#   scripts/thread-safety.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SNAPFS_TSA_BUILD_DIR:-$root/build-tsa}
clang=${SNAPFS_TSA_CLANG:-clang++}

if ! command -v "$clang" >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: clang" >&2
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang >/dev/null
fi

cmake -S "$root" -B "$build" -DBUILD_TESTING=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
# fs/main.cc includes a header generated at build time (no compiling involved).
cmake --build "$build" --target snapfs_git_commit >/dev/null

# One line per source: the file, then the -I/-isystem/-D/-std flags of its build command.
python3 - "$build/compile_commands.json" "$root" >"$build/tsa-commands.txt" <<'PY'
import json, os, shlex, sys
entries = json.load(open(sys.argv[1]))
root = os.path.realpath(sys.argv[2])
for e in entries:
    src = os.path.realpath(os.path.join(e["directory"], e["file"]))
    rel = os.path.relpath(src, root)
    if not (rel.startswith("fs/") or rel.startswith("providers/")) or not rel.endswith(".cc"):
        continue
    args = e.get("arguments") or shlex.split(e["command"])
    flags, i = [], 0
    while i < len(args):
        a = args[i]
        if a in ("-I", "-isystem", "-D"):
            flags += [a, args[i + 1]]
            i += 2
            continue
        if a.startswith(("-I", "-D", "-std=")) or a.startswith("-isystem"):
            flags.append(a)
        i += 1
    print(" ".join(shlex.quote(x) for x in [src] + flags))
PY

count=$(wc -l <"$build/tsa-commands.txt")
[ "$count" -gt 0 ] || { echo "thread-safety: no sources found" >&2; exit 1; }
# Only the thread-safety warnings: the normal build (gcc, -Werror) checks the rest.
export clang
if xargs -P"$(nproc)" -L1 sh -c \
    '"$clang" -fsyntax-only -Wno-everything -Wthread-safety -Werror "$@" "$0"' \
    <"$build/tsa-commands.txt"; then
  echo "thread-safety: $count files clean"
else
  echo "thread-safety: lock annotation errors above" >&2
  exit 1
fi
