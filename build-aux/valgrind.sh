#!/usr/bin/env bash
# One headless run (30 Pokémon, 8 workers) against the fake PokeAPI program,
# under valgrind memcheck: memory errors and definitely lost bytes fail it.
# Installs valgrind when it is missing; builds into $BUILDDIR (default _build).
#
# Usage: build-aux/valgrind.sh
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

N=30
start=$(date +%s)

sg_install_packages
if ! command -v valgrind > /dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends valgrind >&2
fi
sg_build

work=$(mktemp -d)
server_pid=""
cleanup () {
  [ -n "$server_pid" ] && kill "$server_pid" 2> /dev/null && wait "$server_pid" 2> /dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The fake server, outside valgrind: only the app is checked.
"$BUILDDIR/tests/fake-pokeapi/fake-pokeapi" --count "$N" > "$work/url" &
server_pid=$!
for _ in $(seq 100); do
  [ -s "$work/url" ] && break
  sleep 0.1
done
base_url=$(head -n 1 "$work/url")
[ -n "$base_url" ] || { echo "valgrind.sh: the fake server did not start" >&2; exit 1; }

# GLib's and GTK's own suppressions (shipped with their -dev packages).
supp_args=()
for supp in /usr/share/glib-2.0/valgrind/glib.supp /usr/share/gtk-4.0/valgrind/gtk.supp; do
  [ -f "$supp" ] && supp_args+=("--suppressions=$supp")
done

status=0
# G_SLICE=always-malloc: every block goes through malloc, where memcheck sees
# it. GIO_USE_VFS=local: no gvfs daemon to talk to. The app's own proxy
# resolver stays (the environment sets no proxy).
G_SLICE=always-malloc G_DEBUG=gc-friendly GIO_USE_VFS=local \
GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR="$BUILDDIR/data" \
  valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \
           --show-leak-kinds=definite --error-exitcode=1 --num-callers=30 \
           --log-file="$work/valgrind.log" "${supp_args[@]}" \
           "$BUILDDIR/src/sprite-gallery" --download-only --base-url "$base_url" \
           -n "$N" -w 8 -o "$work/sprites" --stats "$work/stats.json" || status=$?

cat "$work/valgrind.log" >&2
if [ $status -ne 0 ]; then
  echo "valgrind.sh: FAILED (exit status $status)" >&2
elif ! grep -q "definitely lost: 0 bytes in 0 blocks\|All heap blocks were freed" "$work/valgrind.log"; then
  echo "valgrind.sh: FAILED: bytes were definitely lost" >&2
  status=1
elif [ "$(ls "$work/sprites" | wc -l)" -ne "$N" ]; then
  echo "valgrind.sh: FAILED: $(ls "$work/sprites" | wc -l) of $N sprites stored" >&2
  status=1
else
  echo "valgrind.sh: passed: $N sprites, 0 bytes definitely lost, no memory errors" >&2
fi
echo "valgrind.sh: $(( $(date +%s) - start )) s" >&2
exit $status
