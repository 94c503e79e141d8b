#!/usr/bin/env bash
# Installs the Debian packages snapfs needs to build, test and run. Idempotent; silent when
# everything is already present.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libfuse3-dev fuse3 liburing-dev
  libcurl4-openssl-dev libssl-dev zlib1g-dev openssl curl ca-certificates
  rapidjson-dev libtinyxml2-dev libyaml-cpp-dev libinih-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev
  attr psmisc
  man-db groff-base
  # Ecosystem tests (tests/ecosystem): Midnight Commander driven through tmux; PCManFM on a
  # virtual X server, driven with xdotool, read through the clipboard (xclip), photographed with
  # ImageMagick's import, its windows listed with xwininfo.
  mc tmux xvfb pcmanfm xdotool xclip imagemagick x11-utils
  # The Debian packages (scripts/package.sh: CPack, dpkg-shlibdeps from build-essential's
  # dpkg-dev) are checked with lintian; the package test finds the daemon with pgrep.
  lintian procps
)
# The Scaleway JavaScript SDK check needs node and npm; a node already on PATH may come from
# outside dpkg, so look for the commands, not the packages.
command -v python3 >/dev/null 2>&1 || packages+=(python3)  # scripts/fuzz.sh corpus
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
