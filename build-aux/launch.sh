#!/usr/bin/env bash
# Builds Sprite Gallery and launches it. When PokeAPI cannot be reached (no
# internet), it starts the project's own fake PokeAPI on loopback and points
# the app at it — the way an embedded database stands in for a server — and
# says so. The app itself never switches servers.
#
# Usage: build-aux/launch.sh [sprite-gallery options…]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

sg_install_packages
sg_build

export GSETTINGS_SCHEMA_DIR="$BUILDDIR/data${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}"
app="$BUILDDIR/src/sprite-gallery"
real_api=https://pokeapi.co/api/v2/

if curl -fsS --max-time 4 -o /dev/null "${real_api}pokemon?limit=1" 2>/dev/null; then
  echo "PokeAPI is reachable: using $real_api" >&2
  exec "$app" "$@"
fi

fake_log=$(mktemp)
"$BUILDDIR/tests/fake-pokeapi/fake-pokeapi" --latency-ms "${SG_FAKE_LATENCY_MS:-50}" >"$fake_log" &
fake_pid=$!
trap 'kill "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null; rm -f "$fake_log"' EXIT
for _ in $(seq 100); do
  [ -s "$fake_log" ] && break
  sleep 0.05
done
fake_url=$(head -n 1 "$fake_log")
if [ -z "$fake_url" ]; then
  echo "The fake PokeAPI did not start" >&2
  exit 1
fi

cat >&2 <<MSG
PokeAPI ($real_api) cannot be reached from this machine.
Using the project's fake PokeAPI on loopback instead: $fake_url
(offline demo: real PokeAPI data shapes, generated sprites; the window shows the server it uses)
MSG

# Sprites of the demo server go to a folder of their own, not the user's library.
"$app" --base-url "$fake_url" \
       --output "${SG_DEMO_OUTPUT:-${XDG_CACHE_HOME:-$HOME/.cache}/sprite-gallery-demo}" "$@"
