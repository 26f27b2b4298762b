#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS]: build the libFuzzer targets and run each one
# for SECONDS (default 60) on a copy of its committed corpus.
#
# Needs clang and libFuzzer (Debian 12: apt-get install clang libclang-rt-14-dev).
# The build directory is $SG_FUZZ_BUILDDIR, or _build-fuzz at the top of the
# source tree; it is set up on first use. Nothing in the source tree changes:
# logs, the grown corpora and any crashing input go to a temporary directory,
# printed at the end ($SG_FUZZ_RESULTS to choose it).
#
# Exit status: 0 when every target ran its time without a finding (crash,
# leak, sanitizer report, timeout, oracle disagreement), 1 otherwise.
#
# SPDX-License-Identifier: GPL-3.0-or-later

set -euo pipefail

seconds=${1:-60}
case $seconds in
  ''|*[!0-9]*|0) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_root=$(cd "$fuzz_dir/../.." && pwd)
build_dir=${SG_FUZZ_BUILDDIR:-$source_root/_build-fuzz}
results=${SG_FUZZ_RESULTS:-$(mktemp -d "${TMPDIR:-/tmp}/sg-fuzz.XXXXXX")}

# target, -max_len, dictionary
targets=(
  "fuzz-list 200000 json.dict"
  "fuzz-detail 400000 json.dict"
  "fuzz-name 4096 -"
  "fuzz-png 65536 png.dict"
)

die () {
  echo "run.sh: $*" >&2
  exit 1
}

if ! grep -q "option('fuzzing'" "$source_root/meson_options.txt"; then
  die "meson_options.txt has no 'fuzzing' option; add:
  option('fuzzing', type: 'boolean', value: false, description: 'Build the libFuzzer targets in tests/fuzz (needs clang, see tests/fuzz/run.sh)')"
fi

command -v clang >/dev/null || die "clang is missing (apt-get install clang libclang-rt-14-dev)"

probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
echo 'int LLVMFuzzerTestOneInput (const char *d, unsigned long n) { return 0; }' > "$probe_dir/probe.c"
clang -fsanitize=fuzzer,address,undefined -o "$probe_dir/probe" "$probe_dir/probe.c" 2>/dev/null ||
  die "clang cannot link libFuzzer (apt-get install libclang-rt-14-dev)"

if [ ! -f "$build_dir/build.ninja" ]; then
  echo "== Setting up $build_dir"
  CC=clang meson setup "$build_dir" "$source_root" \
    -Dfuzzing=true \
    -Dbuildtype=debugoptimized \
    -Db_sanitize=address,undefined \
    -Db_lundef=false \
    "-Dc_args=-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined" >"$results/setup.log" 2>&1 ||
    { tail -n 30 "$results/setup.log"; die "meson setup failed (log: $results/setup.log)"; }
fi

echo "== Building the fuzz targets in $build_dir"
ninja_targets=()
for spec in "${targets[@]}"; do
  read -r target _ _ <<<"$spec"
  ninja_targets+=("tests/fuzz/$target")
done
ninja -C "$build_dir" "${ninja_targets[@]}" >"$results/build.log" 2>&1 ||
  { tail -n 30 "$results/build.log"; die "the build failed (is $build_dir a clang build with -Dfuzzing=true?)"; }

# GSlice hides allocations from ASan; glib's own one-time allocations are
# reachable, not leaks. halt_on_error: UBSan reports are findings too.
export G_SLICE=always-malloc
export G_DEBUG=gc-friendly
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0:detect_stack_use_after_return=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$fuzz_dir/lsan.supp:print_suppressions=0

failed=()
summary=()

for spec in "${targets[@]}"; do
  read -r target max_len dict <<<"$spec"
  name=${target#fuzz-}
  work=$results/$name
  mkdir -p "$work/corpus" "$work/artifacts"
  cp "$fuzz_dir/corpus/$name/"* "$work/corpus/"
  seeds=$(find "$work/corpus" -type f | wc -l)

  args=(
    "-max_total_time=$seconds"
    "-max_len=$max_len"
    -timeout=10
    -rss_limit_mb=2048
    -print_final_stats=1
    "-artifact_prefix=$work/artifacts/"
  )
  if [ "$dict" != "-" ]; then
    args+=("-dict=$fuzz_dir/$dict")
  fi

  echo "== $target: ${seconds} s on $seeds seeds"
  status=0
  "$build_dir/tests/fuzz/$target" "${args[@]}" "$work/corpus" >"$work/log" 2>&1 || status=$?

  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
  grown=$(find "$work/corpus" -type f | wc -l)
  artifacts=$(find "$work/artifacts" -type f | sort)

  if [ "$status" -ne 0 ] || [ -n "$artifacts" ]; then
    failed+=("$target")
    summary+=("$target: FAILED (exit $status) after ${runs:-?} runs; log: $work/log")
    echo "---- $target: last lines of its log"
    tail -n 60 "$work/log"
    for artifact in $artifacts; do
      echo "---- reproduce: $build_dir/tests/fuzz/$target $artifact"
    done
  else
    summary+=("$target: ${runs:-?} runs in ${seconds} s (${rate:-?}/s), corpus $seeds -> $grown inputs, no finding")
  fi
done

echo
echo "== Summary (results in $results)"
printf '%s\n' "${summary[@]}"

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
