#!/usr/bin/env bash
# Installs what is missing (Debian 12) and builds into _build.
# Sourced by launch.sh and test.sh; safe to run again: it only does what is needed.
set -euo pipefail

SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDDIR=${BUILDDIR:-$SRCDIR/_build}

# sg_install_packages [LIST]: the packages of LIST (default debian-packages.txt)
sg_install_packages () {
  local list=${1:-$SRCDIR/build-aux/debian-packages.txt}
  local wanted missing=()
  wanted=$(grep -v '^#' "$list" | grep -v '^$')
  for pkg in $wanted; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

sg_build () {
  if [ ! -f "$BUILDDIR/build.ninja" ]; then
    meson setup "$BUILDDIR" "$SRCDIR" "$@" >&2
  fi
  ninja -C "$BUILDDIR" >&2
}
