#!/usr/bin/env bash
# Builds the Debian packages snapfs_VERSION_ARCH.deb and snapfs-emulator_VERSION_ARCH.deb with
# CPack and writes them into OUTPUT_DIR (default: the current directory):
#   scripts/package.sh [OUTPUT_DIR]
# then: sudo apt-get install ./snapfs_*.deb
# Builds in build/ (or $SNAPFS_BUILD_DIR); a build directory not configured yet is configured
# without the tests, which a package does not need. SNAPFS_INSTALL_DEPS=0 skips
# scripts/install-deps.sh (the test suite packs its own build, whose dependencies are there).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SNAPFS_BUILD_DIR:-$root/build}
mkdir -p "${1:-.}"
out=$(cd "${1:-.}" && pwd)

if [ "${SNAPFS_INSTALL_DEPS:-1}" != "0" ]; then
  "$root/scripts/install-deps.sh"
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-RelWithDebInfo} \
    -DBUILD_TESTING=OFF >/dev/null
fi
# Standard output is the list of packages made; the build talks on standard error.
cmake --build "$build" -j"$(nproc)" --target snapfs snapfs-emulator snapfs_packaging_files >&2

# CPack stages the files under its own directory; only the packages are moved to OUTPUT_DIR.
stage=$(mktemp -d "$build/cpack.XXXXXX")
trap 'rm -rf "$stage"' EXIT
(cd "$build" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$stage" >"$stage/cpack.log") ||
  { cat "$stage/cpack.log" >&2; exit 1; }
shopt -s nullglob
debs=("$stage"/*.deb)
[ ${#debs[@]} -eq 2 ] || { echo "package.sh: expected 2 packages, got ${#debs[@]}" >&2; exit 1; }
for deb in "${debs[@]}"; do
  mv "$deb" "$out/"
  echo "$out/$(basename "$deb")"
done
