#!/bin/sh
# make fuzz / make check-fuzz: builds the fuzz preset and runs every libFuzzer target for
# SECONDS each on a scratch copy of its seed corpus (tests/fuzz/corpus/TARGET), so the tracked
# corpus stays as committed. Exits non-zero if any target crashed.
# Usage: scripts/fuzz.sh SECONDS   (environment: FUZZ_SEED=1, JOBS=number of CPUs)
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 SECONDS" >&2
  exit 2
fi
seconds=$1
seed=${FUZZ_SEED:-1}
jobs=${JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

cmake --preset fuzz >/dev/null
build=build/fuzz
targets=$(cat "$build/tests/fuzz/fuzz_targets.txt")
# Only the fuzz targets and what they link: the rest of the tree is covered by the other presets.
# shellcheck disable=SC2086
cmake --build --preset fuzz -j "$jobs" --target $targets

work=$(mktemp -d "${TMPDIR:-/tmp}/coreflow-fuzz.XXXXXX")
failed=""
for target in $targets; do
  corpus="$work/$target/corpus"
  artifacts="$work/$target/artifacts"
  mkdir -p "$corpus" "$artifacts"
  if [ -d "tests/fuzz/corpus/$target" ]; then
    cp -R "tests/fuzz/corpus/$target/." "$corpus/"
  else
    echo "fuzz: no seed corpus in tests/fuzz/corpus/$target; starting from nothing" >&2
  fi
  echo "fuzz: $target for ${seconds}s (seed $seed)"
  if ! UBSAN_OPTIONS=print_stacktrace=1 "$build/tests/fuzz/$target" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -seed="$seed" \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" >"$work/$target/log" 2>&1; then
    failed="$failed $target"
  fi
  grep -E '^stat::number_of_executed_units|^Done ' "$work/$target/log" || true
done

if [ -n "$failed" ]; then
  for target in $failed; do
    echo "fuzz: $target FAILED; end of its log ($work/$target/log):" >&2
    tail -n 40 "$work/$target/log" >&2
    echo "fuzz: $target: the inputs that failed it (crash-*, leak-*, timeout-*, oom-*):" >&2
    for input in "$work/$target/artifacts"/*; do
      [ -e "$input" ] && echo "  reproduce: $build/tests/fuzz/$target $input" >&2
    done
  done
  echo "fuzz: once fixed, copy each input into tests/fuzz/corpus/TARGET/ so that it stays a" \
    "regression test" >&2
  exit 1
fi
rm -rf "$work"
echo "fuzz: every target ran ${seconds}s without a crash"
