#!/bin/sh
# Tuning quality, side by side in one run: an OpenMP kernel whose working set fits a core's L2
# only with 2+ threads per task, over the hand-measured -j/-t/--bind grid, `coreflow run
# --autotune` (default and exhaustive modes, fresh caches), a plain run on the grid's best (the
# online loss) and a second --autotune run that must take the cache's answer.
# Exits 1 when a run prints other lines than the first, or when the cache check fails.
# Usage: bench/tune.sh BUILD_DIR [--json FILE]
# Environment: BENCH_ITEMS=120, BENCH_REPEATS=1 (runs of each grid shape; the fastest counts),
#              BENCH_JOBS (usable cores, default the CPU affinity's count),
#              CXX=g++ (needs -fopenmp), KERNEL_WS_KIB, KERNEL_PASSES (see bench/tune/kernel.cc).
set -eu
if [ $# -ne 1 ] && { [ $# -ne 3 ] || [ "$2" != --json ]; }; then
  echo "usage: $0 BUILD_DIR [--json FILE]" >&2
  exit 2
fi
build=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/tune/compare.py" --build "$build" "$@"
