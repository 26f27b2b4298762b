#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite under a
# virtual display and a private D-Bus session.
#
# Usage: build-aux/test.sh [meson test options…]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

sg_install_packages
sg_build

status=0
xvfb-run -a -s "-screen 0 1280x1024x24" \
  dbus-run-session -- meson test -C "$BUILDDIR" --print-errorlogs "$@" || status=$?

# One plain closing line, counted from meson's own log.
/usr/bin/python3 - "$BUILDDIR/meson-logs/testlog.json" <<'PY' || true
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): passed += 1
    elif r == "SKIP": skipped += 1
    else: failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
