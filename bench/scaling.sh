#!/bin/sh
# Scaling from 1 core up: bench/threads.sh (nested BLAS threads) and bench/tune.sh (tuning
# quality) run under taskset on K of the usable cores, one PU per core while there are
# enough, for K = 1, 2, 4, 8, 16 and the usable count, and their figures go into one table
# per workload. Exits 1 when one of the runs fails.
# Usage: bench/scaling.sh BUILD_DIR
# Environment: SCALING_CORES="1 2 4 8 16" (counts above the usable cores are left out; the
#              usable count is added), SCALING_LOGS (a directory for each run's full report),
#              and each benchmark's own: BENCH_ITEMS, BENCH_SIZE, BENCH_REPEATS, ...;
#              THREADS_BENCH_X or TUNE_BENCH_X sets BENCH_X for that benchmark alone.
set -eu
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/scaling/run.py" --build "$1"
