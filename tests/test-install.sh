#!/usr/bin/env bash
# tests/test-install.sh: install into a temporary prefix and launch the installed desktop file
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-install.sh SOURCE_ROOT FAKE_POKEAPI
#
# Configures a separate build with -Dprefix=<tmp>/prefix and installs it for
# real: the binary's LOCALEDIR then points where its translations are, which
# `meson install --destdir` cannot give. Checks the installed files, then
# launches the installed desktop file with `gio launch` against the fake
# PokeAPI and waits for the window to fill.
#
# Needs a display and a session bus: run under xvfb-run and dbus-run-session.
# The GSettings memory backend cannot reach a process that `gio launch`
# starts, so the settings go in a keyfile in the test's own config dir.
# Set SG_TEST_SHOTS_DIR to keep a screenshot (installed.png) there.
# Exit status: 0 pass, 1 fail, 77 skip (no display or session bus).

set -euo pipefail

APP_ID=io.github.spritegallery.SpriteGallery
APP_PATH=/io/github/spritegallery/SpriteGallery
N=20
WAIT_S=90

if [[ $# -ne 2 ]]; then
  echo "usage: $0 SOURCE_ROOT FAKE_POKEAPI" >&2
  exit 2
fi
srcdir=$(cd "$1" && pwd)
fake=$2

if [[ -z ${DISPLAY:-} || -z ${DBUS_SESSION_BUS_ADDRESS:-} ]]; then
  echo "SKIP: needs DISPLAY and a session bus (run under xvfb-run and dbus-run-session)"
  exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sg-test-install.XXXXXX")
prefix=$tmp/prefix
fake_pid=
app_pid=

fail () {
  echo "FAIL: $*" >&2
  exit 1
}

cleanup () {
  local status=$?

  if [[ -n $app_pid ]] && kill -0 "$app_pid" 2> /dev/null; then
    kill "$app_pid" 2> /dev/null || true
  fi
  if [[ -n $fake_pid ]]; then
    kill "$fake_pid" 2> /dev/null || true
    wait "$fake_pid" 2> /dev/null || true
  fi
  if [[ $status -ne 0 && -f $tmp/app.log ]]; then
    echo "--- log of the launched app:" >&2
    tail -n 40 "$tmp/app.log" >&2 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# Whatever the calling test environment says, this is a plain user session.
unset GSETTINGS_SCHEMA_DIR GSETTINGS_BACKEND LANGUAGE LC_ALL LC_MESSAGES NO_AT_BRIDGE
export LANG=C.UTF-8
export XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_CACHE_HOME=$tmp/cache
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"

# 1. Build and install for real into the temporary prefix.
echo "# Installing into $prefix"
if ! { meson setup "$tmp/build" "$srcdir" --prefix="$prefix" -Dtests=false --wrap-mode=nodownload &&
       meson compile -C "$tmp/build" &&
       meson install -C "$tmp/build"; } > "$tmp/install.log" 2>&1; then
  tail -n 40 "$tmp/install.log" >&2
  fail "could not build and install into $prefix"
fi

# 2. Exactly these files.
for f in \
  bin/sprite-gallery \
  share/applications/$APP_ID.desktop \
  share/metainfo/$APP_ID.metainfo.xml \
  share/icons/hicolor/scalable/apps/$APP_ID.svg \
  share/icons/hicolor/symbolic/apps/$APP_ID-symbolic.svg \
  share/glib-2.0/schemas/$APP_ID.gschema.xml \
  share/glib-2.0/schemas/gschemas.compiled \
  share/locale/pt_BR/LC_MESSAGES/sprite-gallery.mo
do
  [[ -f $prefix/$f ]] || fail "$f was not installed"
  echo "ok - installed $f"
done
[[ -x $prefix/bin/sprite-gallery ]] || fail "bin/sprite-gallery is not executable"

# The catalogue is the Brazilian Portuguese one, not an empty shell.
msgunfmt "$prefix/share/locale/pt_BR/LC_MESSAGES/sprite-gallery.mo" > "$tmp/pt_BR.po"
grep -qxF 'msgstr "Atualizar"' "$tmp/pt_BR.po" || fail "the installed pt_BR catalogue lacks \"Refresh\""
grep -qF 'Exec=sprite-gallery' "$prefix/share/applications/$APP_ID.desktop" ||
  fail "the installed desktop file does not run sprite-gallery"
echo "ok - installed catalogue and desktop file"

# 3. The fake PokeAPI; it prints its base URL on the first line. The file
# exists before the server starts: the background redirect may come later.
: > "$tmp/fake.out"
"$fake" --count 151 > "$tmp/fake.out" 2> "$tmp/fake.err" &
fake_pid=$!
base_url=
for _ in $(seq 100); do
  base_url=$(head -n 1 "$tmp/fake.out" 2> /dev/null || true)
  [[ -n $base_url ]] && break
  kill -0 "$fake_pid" 2> /dev/null || fail "the fake server exited: $(cat "$tmp/fake.err")"
  sleep 0.1
done
[[ $base_url == http://127.0.0.1:*/api/v2/ ]] || fail "no base URL from the fake server: '$base_url'"
stats_url=${base_url%/api/v2/}/_fake/stats

fake_requests () {
  curl --silent --max-time 5 --noproxy '*' "$stats_url" |
    sed -n 's/.*"requests":\([0-9]*\).*/\1/p'
}

# 4. Settings in a keyfile the launched app reads.
out=$tmp/sprites
mkdir -p "$XDG_CONFIG_HOME/glib-2.0/settings"
cat > "$XDG_CONFIG_HOME/glib-2.0/settings/keyfile" << EOF
[${APP_PATH#/}]
base-url='$base_url'
limit=$N
output-dir='$out'
EOF
export GSETTINGS_BACKEND=keyfile
export XDG_DATA_DIRS=$prefix/share:/usr/local/share:/usr/share
export PATH=$prefix/bin:$PATH

has_owner=$(gdbus call --session --timeout 5 --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
              --method org.freedesktop.DBus.NameHasOwner "$APP_ID") || fail "cannot ask the session bus"
[[ $has_owner == "(false,)" ]] || fail "another $APP_ID is already running on this session bus"

# 5. Launch the installed desktop file.
echo "# gio launch $prefix/share/applications/$APP_ID.desktop"
timeout 30 gio launch "$prefix/share/applications/$APP_ID.desktop" > "$tmp/app.log" 2>&1 ||
  fail "gio launch failed: $(cat "$tmp/app.log")"

# Who answers for the app id is the process to check, and to close.
for _ in $(seq $((WAIT_S * 10))); do
  app_pid=$(gdbus call --session --timeout 5 --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
              --method org.freedesktop.DBus.GetConnectionUnixProcessID "$APP_ID" 2> /dev/null |
            sed -n 's/^(uint32 \([0-9]*\),)$/\1/p') || true
  [[ -n $app_pid ]] && break
  sleep 0.1
done
[[ -n $app_pid ]] || fail "no $APP_ID on the session bus after ${WAIT_S} s"
exe=$(readlink "/proc/$app_pid/exe" || true)
[[ $exe == "$prefix/bin/sprite-gallery" ]] || fail "the launched process runs '$exe', not the installed binary"
echo "ok - the desktop file started $exe (pid $app_pid)"

# 6. The window fills: 1 list + N details + N sprites reach the server, and
# the N sprites land in the folder from the keyfile.
requests=0
n_files=0
for _ in $(seq $((WAIT_S * 5))); do
  kill -0 "$app_pid" 2> /dev/null || fail "the app exited before the window filled"
  requests=$(fake_requests || true)
  n_files=$(find "$out" -type f -name '*.png' 2> /dev/null | wc -l || true)
  if [[ ${requests:-0} -ge $((2 * N + 1)) && $n_files -eq $N ]]; then
    break
  fi
  sleep 0.2
done
[[ ${requests:-0} -ge $((2 * N + 1)) ]] || fail "the fake server saw ${requests:-0} requests, expected at least $((2 * N + 1))"
[[ $n_files -eq $N ]] || fail "$n_files sprites in $out, expected $N"
echo "ok - $requests requests, $n_files sprites in the folder from the keyfile"

# A window of ours is mapped on the display.
xwininfo -root -tree > "$tmp/windows.txt" || fail "xwininfo failed"
grep -qF '"Sprite Gallery"' "$tmp/windows.txt" || fail "no \"Sprite Gallery\" window on $DISPLAY"
echo "ok - the window is on the display"

if [[ -n ${SG_TEST_SHOTS_DIR:-} ]]; then
  # Let the last tiles and the toast reach the screen.
  sleep 1
  mkdir -p "$SG_TEST_SHOTS_DIR"
  import -window root "$SG_TEST_SHOTS_DIR/installed.png"
  echo "# screenshot: $SG_TEST_SHOTS_DIR/installed.png"
fi

# 7. Close it as a user would, through its quit action.
gdbus call --session --timeout 5 --dest "$APP_ID" --object-path "$APP_PATH" \
  --method org.gtk.Actions.Activate quit '[]' '{}' > /dev/null || fail "could not activate app.quit"
for _ in $(seq 100); do
  kill -0 "$app_pid" 2> /dev/null || break
  sleep 0.1
done
kill -0 "$app_pid" 2> /dev/null && fail "the app did not quit within 10 s of app.quit"
app_pid=
echo "ok - the app quit"
