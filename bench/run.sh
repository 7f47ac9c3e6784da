#!/bin/sh
# make bench: task-launch throughput of coreflow against a raw posix_spawn loop, xargs and
# GNU parallel, side by side in one run, plus coreflow's memory on a million inputs.
# Usage: bench/run.sh BUILD_DIR   (environment: BENCH_SIZES="2000 20000", BENCH_REPEATS=3)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build/release}
exec python3 "$here/launch_bench.py" --build "$build" "$@"
