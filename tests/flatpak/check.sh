#!/usr/bin/env bash
# tests/flatpak/check.sh: builds the Flatpak manifest, installs it and runs it
# with no access to Flathub, then builds and tests the project inside the
# Flatpak SDK.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Flathub cannot be reached, so org.gnome.Platform and org.gnome.Sdk are stood in
# for, under the ids and branch the manifest names, by runtimes made from Debian 13
# packages (GTK 4.18, GLib 2.84, libadwaita 1.7, libsoup 3.6: the GNOME 48
# generation; our version pins keep newer API out at compile time). They live in a
# private Flatpak installation (FLATPAK_USER_DIR), never in the system's, and are
# kept between runs as "the base". Then:
#
#   1. flatpak-builder --install on the unchanged manifest, with the SDK's
#      optimising flags (no compiler warning allowed);
#   2. the installed app runs under Xvfb against the fake PokeAPI (built on the
#      host, reached over the shared loopback): it must download every sprite and
#      its window must fill with them (the screenshot is kept);
#   3. inside the SDK: the project is built with its tests (no compiler warning
#      allowed), the whole suite runs, and the metainfo passes appstreamcli's
#      strict check with no override.
#
# Run as root on Debian 12 (the base is made with mmdebstrap; packages come from
# apt). Exits non-zero when anything fails and says what.
#
# Environment:
#   BUILDDIR                  the project's host build, made if missing (default _build)
#   SG_FLATPAK_BASE           the stand-in runtime and SDK, kept between runs (default
#                             /var/tmp/sprite-gallery-flatpak-base); rebuilt from nothing
#                             when absent, incomplete, or made from other package lists
#                             (platform-packages.txt; sdk-packages.txt and
#                             build-aux/debian-packages.txt for the SDK)
#   SG_FLATPAK_REBUILD_BASE=1 rebuild the base even so
#   SG_FLATPAK_WORK           this run's files: builds, logs, screenshot (default
#                             $BUILDDIR/flatpak; emptied at the start)
#   MIRROR                    Debian archive for the base (default: the first apt uses)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRCDIR=$(cd "$HERE/../.." && pwd)
export BUILDDIR=${BUILDDIR:-$SRCDIR/_build}
BASE=${SG_FLATPAK_BASE:-/var/tmp/sprite-gallery-flatpak-base}
WORK=${SG_FLATPAK_WORK:-$BUILDDIR/flatpak}

APP_ID=io.github.spritegallery.SpriteGallery
MANIFEST=$SRCDIR/flatpak/$APP_ID.json
SUITE=trixie
COUNT=100                     # sprites the installed app downloads
BASE_FORMAT=3                 # bump when the way the base is made changes
# Languages the suite runs the app in (tests/test-i18n.py): the SDK gets their
# glibc locale and the libraries' translations.
SDK_LOCALES="pt_BR"

# The stand-in takes the ids and branch the manifest names (read once python3 is there).
manifest_field () {
  /usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$MANIFEST" "$1"
}
RT_NAME="" SDK_NAME="" BRANCH=""

package_list () {
  grep -v '^#' "$1" | grep -v '^$' | tr '\n' ' '
}
PLATFORM_PKGS=$(package_list "$HERE/platform-packages.txt")
# The SDK: the platform, what the project needs on the host to build and test,
# and what the SDK needs besides.
SDK_PKGS="$PLATFORM_PKGS $(package_list "$SRCDIR/build-aux/debian-packages.txt")
 $(package_list "$HERE/sdk-packages.txt")"
# xdg-desktop-portal: as on a desktop, the sandboxed app asks it for proxy settings
# (without it libproxy warns on every request).
HOST_PKGS="flatpak flatpak-builder ostree bubblewrap mmdebstrap binutils elfutils
 xdg-desktop-portal xvfb xauth x11-utils imagemagick dbus python3"

export DEBIAN_FRONTEND=noninteractive
export FLATPAK_USER_DIR=$BASE/flatpak

failures=()
timings=()
now () { date +%s.%N; }
T0=$(now)

# step NAME COMMAND…: runs it, times it, and on failure records NAME and returns 1.
# It runs in a subshell of its own, started in the background: that keeps
# `set -e` in force inside (a function called as `f || …` would run without it)
# and keeps what it exports (DISPLAY, the bus) to itself.
step_pid=""
step () {
  local name=$1 start rc=0
  shift
  start=$(now)
  echo "=== flatpak: $name"
  "$@" &
  step_pid=$!
  wait "$step_pid" || rc=$?
  step_pid=""
  timings+=("$(printf '%-34s %6.1f s%s' "$name" "$(awk "BEGIN { print $(now) - $start }")" \
                       "$([ $rc = 0 ] || echo "  FAILED")")")
  if [ $rc != 0 ]; then
    failures+=("$name")
    echo "=== flatpak: FAILED: $name" >&2
  fi
  return $rc
}

# logged LOG COMMAND…: output to LOG only; its end is shown when the command fails.
logged () {
  local log=$1 rc=0
  shift
  "$@" >"$log" 2>&1 </dev/null || rc=$?
  if [ $rc != 0 ]; then
    echo "--- last lines of $log:" >&2
    tail -n 40 "$log" >&2
  fi
  return $rc
}

summary () {
  echo
  echo "=== flatpak: timings"
  printf '%s\n' "${timings[@]}"
  printf '%-34s %6.1f s\n' "total" "$(awk "BEGIN { print $(now) - $T0 }")"
  [ ! -f "$WORK/window.png" ] || echo "screenshot: $WORK/window.png"
  echo "logs: $WORK/logs"
  if [ ${#failures[@]} -gt 0 ]; then
    echo "flatpak: FAILED: ${failures[*]}"
    return 1
  fi
  echo "flatpak: all checks passed"
}

# --- host ---------------------------------------------------------------------

host_packages () {
  local pkg missing=()
  for pkg in $HOST_PKGS; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} = 0 ] && return 0
  echo "Installing: ${missing[*]}"
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The project's own host build: the fake PokeAPI the installed app talks to.
host_build () {
  # shellcheck source=../../build-aux/setup.sh
  . "$SRCDIR/build-aux/setup.sh"
  sg_install_packages
  # shellcheck disable=SC2119
  sg_build
  if [ ! -x "$BUILDDIR/tests/fake-pokeapi/fake-pokeapi" ]; then
    echo "$BUILDDIR/tests/fake-pokeapi/fake-pokeapi is missing (configured with -Dtests=false?)" >&2
    return 1
  fi
}

# --- the base: stand-in runtime and SDK, in a private installation ---------------

base_stamp () {
  printf 'format %s\nsuite %s\nids %s %s %s\nlocales %s\n' \
    "$BASE_FORMAT" "$SUITE" "$RT_NAME" "$SDK_NAME" "$BRANCH" "$SDK_LOCALES"
  sha256sum "$HERE/platform-packages.txt" "$SRCDIR/build-aux/debian-packages.txt" \
    "$HERE/sdk-packages.txt" | cut -d' ' -f1
}

base_is_usable () {
  [ "${SG_FLATPAK_REBUILD_BASE:-0}" != 1 ] &&
  [ -f "$BASE/stamp" ] && [ "$(cat "$BASE/stamp")" = "$(base_stamp)" ] &&
  flatpak info --user "$RT_NAME//$BRANCH" >/dev/null 2>&1 &&
  flatpak info --user "$SDK_NAME//$BRANCH" >/dev/null 2>&1
}

mirror () {
  local m=${MIRROR:-}
  [ -n "$m" ] || m=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$m" ] || m=$(awk '/^deb / { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
  echo "${m:-http://deb.debian.org/debian}"
}

# make_root DIR LANGUAGES PACKAGES…: a minimal Debian tree: no apt, docs, man
# pages, nor translations but those of LANGUAGES (space-separated, may be empty).
make_root () {
  local dir=$1 languages=$2 m lang keep=()
  shift 2
  m=$(mirror)
  for lang in $languages; do
    keep+=("--dpkgopt=path-include=/usr/share/locale/$lang/*")
  done
  mmdebstrap --quiet --variant=essential --include="$(IFS=,; echo "$*")" \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt=force-unsafe-io \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' "${keep[@]}" \
    "$SUITE" "$dir" \
    "deb $m $SUITE main" "deb $m $SUITE-updates main" "deb ${m%/debian}/debian-security $SUITE-security main"
}

# to_flatpak ROOT DEST NAME: ROOT becomes a runtime build dir DEST (metadata + usr).
to_flatpak () {
  local root=$1 dest=$2 name=$3 arch link target rel abs
  arch=$(flatpak --default-arch)
  # Apps bring their libraries in /app/lib: the loader cache must know it.
  printf '/app/lib\n/app/lib/x86_64-linux-gnu\n' >"$root/etc/ld.so.conf.d/00-flatpak-app.conf"
  # Meson's default libdir must be "lib", as in the GNOME SDK: Debian's meson picks
  # lib/x86_64-linux-gnu when dpkg-architecture exists, lib64 when /usr/lib64 is a
  # real directory.
  rm -f "$root/usr/bin/dpkg-architecture"
  rm -rf "$root/usr/lib64"
  ln -s lib/x86_64-linux-gnu "$root/usr/lib64"
  chroot "$root" /usr/sbin/ldconfig
  rm -rf "$dest"
  mkdir -p "$dest"
  mv "$root/usr" "$dest/usr"
  mv "$root/etc" "$dest/usr/etc"       # Flatpak shows the runtime's /usr/etc as /etc
  # Links that climb out of etc (os-release -> ../usr/lib/os-release) must be absolute.
  while read -r link; do
    target=$(readlink "$link")
    case $target in
      ../*)
        rel=${link#"$dest/usr/"}
        abs=$(realpath -m -s "/$(dirname "$rel")/$target")
        case $abs in /etc/*) ;; *) ln -sfn "$abs" "$link" ;; esac
        ;;
    esac
  done < <(find "$dest/usr/etc" -type l)
  rm -f "$dest/usr/etc/"{machine-id,hostname,resolv.conf,mtab,fstab}
  rm -rf "$dest/usr/etc/apt"
  printf '[Runtime]\nname=%s\nruntime=%s/%s/%s\nsdk=%s/%s/%s\n' \
    "$name" "$RT_NAME" "$arch" "$BRANCH" "$SDK_NAME" "$arch" "$BRANCH" >"$dest/metadata"
  rm -rf "$root"
}

# lap WHAT: how long since the last lap (the parts of making the base).
lap_start=""
lap () {
  local t
  t=$(now)
  [ -z "$lap_start" ] || printf '  %-30s %6.1f s\n' "$1" "$(awk "BEGIN { print $t - $lap_start }")"
  lap_start=$t
}

build_base () {
  if [ "$(id -u)" != 0 ]; then
    echo "Making the base needs root (mmdebstrap, chroot)" >&2
    return 1
  fi
  rm -rf "$BASE"
  mkdir -p "$BASE/logs"
  echo "Making $RT_NAME//$BRANCH and $SDK_NAME//$BRANCH from Debian $SUITE in $BASE"
  lap
  # Both at once: mostly waiting on downloads and dpkg.
  # shellcheck disable=SC2086
  logged "$BASE/logs/platform-mmdebstrap.log" make_root "$BASE/platform-root" "" $PLATFORM_PKGS &
  local pid=$! rc=0
  # shellcheck disable=SC2086
  logged "$BASE/logs/sdk-mmdebstrap.log" make_root "$BASE/sdk-root" "$SDK_LOCALES" $SDK_PKGS || rc=1
  wait $pid || rc=1
  [ $rc = 0 ] || return 1
  lap "mmdebstrap platform + SDK"
  local lang
  for lang in $SDK_LOCALES; do
    chroot "$BASE/sdk-root" localedef -i "$lang" -f UTF-8 "$lang.UTF-8"
  done
  # flatpak-builder compiles apps with the flags the SDK names here. The GNOME SDK
  # names optimised, hardened ones; so do we, so that warnings GCC only gives
  # when optimising (-Wmaybe-uninitialized, fortify) show up here too.
  mkdir -p "$BASE/sdk-root/etc/flatpak-builder"
  cat >"$BASE/sdk-root/etc/flatpak-builder/defaults.json" <<'JSON'
{
  "cflags": "-O2 -pipe -g -fexceptions -fstack-protector-strong -fstack-clash-protection -fcf-protection -D_FORTIFY_SOURCE=2",
  "cxxflags": "-O2 -pipe -g -fexceptions -fstack-protector-strong -fstack-clash-protection -fcf-protection -D_FORTIFY_SOURCE=2",
  "ldflags": "-Wl,-z,relro,-z,now -Wl,--as-needed"
}
JSON
  to_flatpak "$BASE/platform-root" "$BASE/platform" "$RT_NAME"
  to_flatpak "$BASE/sdk-root" "$BASE/sdk" "$SDK_NAME"
  lap "to the Flatpak layout"
  # Uncompressed (bare-user-only): no compression on export, and installing from
  # it on the same file system hard-links objects instead of copying them.
  ostree init --mode=bare-user-only --repo="$BASE/repo"
  flatpak build-export --disable-fsync --runtime --files=usr "$BASE/repo" "$BASE/platform" "$BRANCH" \
    >"$BASE/logs/export.log"
  flatpak build-export --disable-fsync --runtime --files=usr "$BASE/repo" "$BASE/sdk" "$BRANCH" \
    >>"$BASE/logs/export.log"
  rm -rf "$BASE/platform" "$BASE/sdk"
  lap "build-export platform + SDK"
  flatpak remote-add --user --no-gpg-verify --if-not-exists sg-standin "file://$BASE/repo"
  flatpak install --user -y --noninteractive sg-standin "$RT_NAME//$BRANCH" "$SDK_NAME//$BRANCH" </dev/null
  lap "flatpak install platform + SDK"
  base_stamp >"$BASE/stamp"
  du -sh "$BASE" | cut -f1 | sed 's/^/base size: /'
}

ensure_base () {
  if base_is_usable; then
    echo "Reusing the base in $BASE ($(sed -n 3p "$BASE/stamp"))"
    return 0
  fi
  build_base
}

# --- the app ----------------------------------------------------------------------

build_app () {
  local extra=()
  [ -e /dev/fuse ] || extra+=(--disable-rofiles-fuse)
  # A stale install must not stand in for a failed one.
  if flatpak info --user "$APP_ID" >/dev/null 2>&1; then
    flatpak uninstall --user -y --noninteractive "$APP_ID" </dev/null >/dev/null
  fi
  logged "$WORK/logs/flatpak-builder.log" \
    flatpak-builder --user --install --force-clean --disable-updates --keep-build-dirs "${extra[@]}" \
      --state-dir="$WORK/builder-state" --repo="$WORK/app-repo" \
      "$WORK/app-build" "$MANIFEST"
  flatpak info --user "$APP_ID"
}

# no_compiler_warnings LOG: lists the compiler's warnings in LOG (paths from the
# top of the source tree) and fails when there is any.
no_compiler_warnings () {
  local warnings
  warnings=$(grep -E ': warning: ' "$1" | sed -E 's#^(\.\./)+##' | sort -u || true)
  if [ -n "$warnings" ]; then
    echo "compiler warnings against the SDK's libraries ($1):" >&2
    echo "$warnings" >&2
    return 1
  fi
  echo "no compiler warnings"
}

# The processes run_app starts, ended by cleanup.
fake_pid=""
xvfb_pid=""
bus_pid=""
app_pid=""

cleanup () {
  if [ -n "$app_pid" ]; then
    flatpak kill "$APP_ID" >/dev/null 2>&1 || true
    kill "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
  fi
  # D-Bus-activated helpers (permission store, portals) end with their bus.
  for pid in "$bus_pid" "$xvfb_pid" "$fake_pid"; do
    [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  done
  for pid in "$xvfb_pid" "$fake_pid"; do
    [ -z "$pid" ] || wait "$pid" 2>/dev/null || true
  done
  app_pid="" bus_pid="" xvfb_pid="" fake_pid=""
}

# wait_for SECONDS COMMAND…: polls COMMAND every 0.2 s.
wait_for () {
  local tries=$(($1 * 5))
  shift
  while ! "$@"; do
    tries=$((tries - 1))
    [ $tries -gt 0 ] || return 1
    sleep 0.2
  done
}

stats_ready () {
  [ -s "$RUN/stats.json" ] || ! kill -0 "$app_pid" 2>/dev/null
}

# window_geometry: "X Y W H" of the app's largest window, found by its class (the
# title may be translated), from lines of `xwininfo -root -tree` like
#   0x200004 "Sprite Gallery": ("sprite-gallery" "sprite-gallery")  960x720+0+0  +0+0
window_geometry () {
  xwininfo -root -tree 2>/dev/null |
    awk '/\("sprite-gallery" / {
           n = split($0, f, /[ \t]+/); size = f[n - 1]; abs = f[n]
           split(size, wh, /[x+]/); split(abs, xy, /\+/)
           if (wh[1] * wh[2] > best) { best = wh[1] * wh[2]; g = xy[2] " " xy[3] " " wh[1] " " wh[2] }
         }
         END { if (best > 1) print g; else exit 1 }'
}

run_app () {
  local url dpy bus geometry sprites rc=0
  RUN=$WORK/app-run
  mkdir -p "$RUN"
  trap cleanup EXIT
  trap 'exit 143' TERM INT

  "$BUILDDIR/tests/fake-pokeapi/fake-pokeapi" --port 0 --count "$COUNT" >"$WORK/logs/fake-pokeapi.log" 2>&1 &
  fake_pid=$!
  wait_for 10 test -s "$WORK/logs/fake-pokeapi.log" || { echo "the fake PokeAPI did not start" >&2; return 1; }
  url=$(head -n 1 "$WORK/logs/fake-pokeapi.log")
  echo "fake PokeAPI: $url"

  Xvfb -displayfd 5 -screen 0 1280x1024x24 -nolisten tcp 5>"$WORK/xvfb.display" >"$WORK/logs/xvfb.log" 2>&1 &
  xvfb_pid=$!
  wait_for 10 test -s "$WORK/xvfb.display" || { echo "Xvfb did not start" >&2; return 1; }
  dpy=:$(cat "$WORK/xvfb.display")
  export DISPLAY=$dpy

  bus=$(dbus-daemon --session --fork --nopidfile --print-address=1 --print-pid=1)
  export DBUS_SESSION_BUS_ADDRESS
  DBUS_SESSION_BUS_ADDRESS=$(echo "$bus" | sed -n 1p)
  bus_pid=$(echo "$bus" | sed -n 2p)

  # With --share=network the sandbox shares the host's loopback, where the fake
  # server listens. No --quit-when-done: the window stays up for the screenshot.
  flatpak run --user --no-documents-portal --filesystem="$RUN" "$APP_ID" \
    --base-url "$url" -n "$COUNT" --stats "$RUN/stats.json" \
    >"$WORK/logs/app.log" 2>&1 </dev/null &
  app_pid=$!

  # The app writes its statistics when the run ends, the window still open.
  if ! wait_for 120 stats_ready || [ ! -s "$RUN/stats.json" ]; then
    echo "the app wrote no statistics (did it start? see $WORK/logs/app.log)" >&2
    rc=1
  fi
  sleep 1      # let the last sprites be drawn
  import -window root "$WORK/window.png"
  echo "screenshot: $WORK/window.png"
  geometry=$(window_geometry) || { echo "no window of class sprite-gallery on the display" >&2; rc=1; }
  cleanup

  # Each distinct message once, with how often it came.
  echo "--- app log, $WORK/logs/app.log (distinct messages, times seen):"
  grep -E -- '-(CRITICAL|WARNING|Message) \*\*' "$WORK/logs/app.log" |
    sed -E 's/^\([^)]*\): //; s/ \*\*: [0-9:.]+: / **: /' | sort | uniq -c | sort -rn | head -n 20 | grep . || echo "  (none)"
  if grep -q -- '-CRITICAL \*\*' "$WORK/logs/app.log"; then
    echo "the app logged criticals (see above)" >&2
    rc=1
  fi
  if [ -s "$RUN/stats.json" ]; then
    /usr/bin/python3 "$HERE/check-run.py" stats "$RUN/stats.json" "$COUNT" || rc=1
  fi
  # Downloads land in the sandbox's own data folder, under our private HOME.
  sprites=$(find "$HOME/.var/app/$APP_ID/data" -name '*.png' 2>/dev/null | wc -l)
  echo "sprites stored in ~/.var/app/$APP_ID/data: $sprites"
  [ "$sprites" = "$COUNT" ] || { echo "expected $COUNT stored sprites" >&2; rc=1; }
  if [ -n "$geometry" ]; then
    # shellcheck disable=SC2086
    /usr/bin/python3 "$HERE/check-run.py" window "$WORK/window.png" $geometry || rc=1
  fi
  return $rc
}

# --- the project inside the SDK ------------------------------------------------------

# in_sdk [flatpak run options…] -- COMMAND: runs a shell command in the stand-in
# SDK, with the sources read-only, the SDK build writable and no network at all
# (loopback only: the tests' fake server runs in-process).
in_sdk () {
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  flatpak run --user --no-documents-portal --unshare=network \
    --filesystem="$SRCDIR:ro" --filesystem="$WORK" "${opts[@]}" \
    --command=bash "$SDK_NAME//$BRANCH" -c "$1" </dev/null
}

sdk_build () {
  local log=$WORK/logs/sdk-build.log
  logged "$log" in_sdk -- "
    set -e
    echo \"GTK \$(pkg-config --modversion gtk4), GLib \$(pkg-config --modversion glib-2.0),\" \
         \"libadwaita \$(pkg-config --modversion libadwaita-1), libsoup \$(pkg-config --modversion libsoup-3.0),\" \
         \"gcc \$(gcc -dumpfullversion)\"
    meson setup '$WORK/sdk-build' '$SRCDIR' -Dtests=true
    ninja -C '$WORK/sdk-build'" || return 1
  head -n 1 "$log"
  # Meson's own warnings (deprecations in the newer meson) are worth a look, not a failure.
  grep -E '^(WARNING|DEPRECATION): ' "$log" | sed 's/^/meson: /' || true
}

# The suite sdk_build built, as it was built: what was checked for warnings is
# what is tested.
sdk_test () {
  local rc=0
  in_sdk -- "
    xvfb-run -a -s '-screen 0 1280x1024x24' \
      dbus-run-session -- meson test -C '$WORK/sdk-build' --no-rebuild --print-errorlogs" \
    >"$WORK/logs/sdk-test.log" 2>&1 || rc=$?
  grep -E '^ *[0-9]+/[0-9]+ |^(Ok|Expected Fail|Fail|Unexpected Pass|Skipped|Timeout): ' \
    "$WORK/logs/sdk-test.log" || true
  if [ $rc != 0 ]; then
    echo "--- the suite failed in the SDK; its log ($WORK/logs/sdk-test.log) ends:" >&2
    tail -n 60 "$WORK/logs/sdk-test.log" >&2
  fi
  return $rc
}

# AppStream 1.0 knows <developer>: the strict check needs no override there.
sdk_appstream () {
  in_sdk -- "
    appstreamcli --version
    appstreamcli validate --no-net --strict '$WORK/sdk-build/data/$APP_ID.metainfo.xml'"
}

# --- main --------------------------------------------------------------------------

main () {
  trap '[ -z "$step_pid" ] || kill "$step_pid" 2>/dev/null; echo "flatpak: interrupted" >&2; exit 143' TERM INT
  step "host packages" host_packages || { summary; return 1; }
  step "host build (fake PokeAPI)" host_build || { summary; return 1; }
  RT_NAME=$(manifest_field runtime)
  SDK_NAME=$(manifest_field sdk)
  BRANCH=$(manifest_field runtime-version)

  rm -rf "$WORK"
  mkdir -p "$WORK/logs" "$WORK/home" "$WORK/xdg-runtime"
  chmod 700 "$WORK/xdg-runtime"
  # Flatpak keeps per-app data in ~/.var and instance state in XDG_RUNTIME_DIR:
  # both private to this run.
  export HOME=$WORK/home XDG_RUNTIME_DIR=$WORK/xdg-runtime

  # One run at a time uses (or makes) the base.
  mkdir -p "$(dirname "$BASE")"
  exec 9>"$BASE.lock"
  flock -n 9 || { echo "waiting for another run to release $BASE.lock"; flock 9; }

  step "base (stand-in runtime and SDK)" ensure_base || { summary; return 1; }

  if step "flatpak-builder --install" build_app; then
    # The app's build uses the SDK's optimising flags: warnings of its own.
    step "no compiler warnings (app, -O2)" no_compiler_warnings "$WORK/logs/flatpak-builder.log" || true
    step "run the installed app" run_app || true
  fi
  if step "build in the SDK" sdk_build; then
    step "no compiler warnings (suite, -O0)" no_compiler_warnings "$WORK/logs/sdk-build.log" || true
    step "test suite in the SDK" sdk_test || true
    step "strict metainfo check in the SDK" sdk_appstream || true
  fi
  summary
}

main "$@"
