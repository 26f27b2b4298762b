#!/usr/bin/env bash
# Builds a separate AddressSanitizer + UndefinedBehaviorSanitizer build and
# runs every test suite in it, with leak checking on, under a virtual display
# and a private D-Bus session. Exits non-zero on any failure.
#
# Usage: build-aux/sanitize.sh [meson test options…]
# Build directory: $SANITIZE_BUILDDIR (default: _build-sanitize).
#
# LeakSanitizer needs whole allocation stacks to match its suppressions
# (Debian's libraries have no frame pointers), so it unwinds slowly; a test
# whose loops make millions of allocations is listed in LEAKLESS_CASES below
# and runs in a pass of its own with fast unwinding and without leak checking
# (memory errors and undefined behaviour are still fatal there). Every other
# test case runs with leak checking.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

SANITIZE_BUILDDIR=${SANITIZE_BUILDDIR:-$SRCDIR/_build-sanitize}

# test:path,path… — cases too heavy for slow unwinding (each takes minutes).
LEAKLESS_CASES=(
  "test-pokeapi:/pokeapi/detail/mutations-real,/pokeapi/detail/mutations-small"
)
# test:path — cases with a display that open GTK 4.8's own file chooser (no
# portal on the test bus). Its sidebar loads libcloudproviders and GVfs,
# which leak D-Bus proxies, GFileInfos and GErrors from threads whose frames
# have no symbols in Debian's builds, so no suppression can name them
# without also hiding ours. They run without leak checking; memory errors
# and undefined behaviour still fail them. The rest of these tests runs
# with leak checking.
LEAKLESS_UI_CASES=(
  "test-detail-view:/export/save-as"
)

start=$(date +%s)

sg_install_packages
if [ ! -f "$SANITIZE_BUILDDIR/build.ninja" ]; then
  meson setup "$SANITIZE_BUILDDIR" "$SRCDIR" \
    -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized >&2
fi
ninja -C "$SANITIZE_BUILDDIR" >&2

supp_all="$SRCDIR/build-aux/lsan.supp"
supp_ui=$(mktemp --suffix=.supp)
trap 'rm -f "$supp_ui"' EXIT
cat "$SRCDIR/build-aux/lsan.supp" "$SRCDIR/build-aux/lsan-ui.supp" > "$supp_ui"

export G_SLICE=always-malloc
export GSK_RENDERER=cairo
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
asan_common=abort_on_error=1:detect_stack_use_after_return=0:check_initialization_order=1:strict_init_order=1

status=0
run_pass () {
  local name=$1 asan=$2 lsan=$3; shift 3
  local t0=$SECONDS
  echo "── $name" >&2
  if ASAN_OPTIONS="$asan_common:$asan" LSAN_OPTIONS="$lsan" \
     xvfb-run -a -s "-screen 0 1280x1024x24" \
       dbus-run-session -- meson test -C "$SANITIZE_BUILDDIR" --no-rebuild --print-errorlogs \
         --timeout-multiplier 5 --logbase "sanitize-$(echo "$name" | tr -c 'a-zA-Z0-9\n' -)" "$@"; then
    echo "── $name: passed in $((SECONDS - t0)) s" >&2
  else
    echo "── $name: FAILED after $((SECONDS - t0)) s" >&2
    status=1
  fi
}

# The tests that are neither `ui` nor listed above, by name.
leakless_tests=()
for entry in "${LEAKLESS_CASES[@]}"; do
  leakless_tests+=("${entry%%:*}")
done

mapfile -t plain_tests < <(meson test -C "$SANITIZE_BUILDDIR" --no-rebuild --list --no-suite ui 2>/dev/null |
                           sed -n 's/^.* \/ //p')
filtered=()
for t in "${plain_tests[@]}"; do
  keep=1
  for l in "${leakless_tests[@]}"; do [ "$t" = "$l" ] && keep=0; done
  [ $keep = 1 ] && filtered+=("$t")
done

leak_on="detect_leaks=1:fast_unwind_on_malloc=0"
lsan_on="fast_unwind_on_malloc=0:print_suppressions=0"

run_pass "displayless suites" "$leak_on" "$lsan_on:suppressions=$supp_all" "$@" "${filtered[@]}"
for entry in "${LEAKLESS_CASES[@]}"; do
  t=${entry%%:*}
  IFS=, read -r -a paths <<< "${entry#*:}"
  skip_args=()
  for path in "${paths[@]}"; do
    skip_args+=("-s" "$path")
  done
  run_pass "$t" "$leak_on" "$lsan_on:suppressions=$supp_all" \
    "$@" --test-args "${skip_args[*]}" "$t"
  # One at a time: GLib's TAP output has one plan per -p.
  for path in "${paths[@]}"; do
    run_pass "$t $path, no leak check" "detect_leaks=0" "" "$@" --test-args "-p $path" "$t"
  done
done
leakless_ui_tests=()
for entry in "${LEAKLESS_UI_CASES[@]}"; do
  leakless_ui_tests+=("${entry%%:*}")
done
mapfile -t ui_tests < <(meson test -C "$SANITIZE_BUILDDIR" --no-rebuild --list --suite ui 2>/dev/null |
                        sed -n 's/^.* \/ //p')
ui_filtered=()
for t in "${ui_tests[@]}"; do
  keep=1
  for l in "${leakless_ui_tests[@]}"; do [ "$t" = "$l" ] && keep=0; done
  [ $keep = 1 ] && ui_filtered+=("$t")
done

run_pass "suites with a display" "$leak_on" "$lsan_on:suppressions=$supp_ui" "$@" "${ui_filtered[@]}"
for entry in "${LEAKLESS_UI_CASES[@]}"; do
  t=${entry%%:*}
  IFS=, read -r -a paths <<< "${entry#*:}"
  skip_args=()
  for path in "${paths[@]}"; do
    skip_args+=("-s" "$path")
  done
  run_pass "$t" "$leak_on" "$lsan_on:suppressions=$supp_ui" \
    "$@" --test-args "${skip_args[*]}" "$t"
  for path in "${paths[@]}"; do
    run_pass "$t $path, no leak check" "detect_leaks=0" "" "$@" --test-args "-p $path" "$t"
  done
done

echo "sanitize.sh: $([ $status = 0 ] && echo passed || echo FAILED) in $(( $(date +%s) - start )) s" >&2
exit $status
