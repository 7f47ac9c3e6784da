#!/bin/sh
# Threads per task against oversubscription, side by side in one run: numpy/OpenBLAS
# Cholesky items under coreflow's default, `xargs -P` with the BLAS thread variables unset,
# and a grid of `coreflow run -j J -t T` (J x T = the usable cores), each without and under a
# co-running load of one busy loop per usable core. Exits 1 when a mode prints other lines.
# Usage: bench/threads.sh BUILD_DIR [--json FILE]
# Environment: BENCH_ITEMS=24, BENCH_SIZE=2000 (matrix size), BENCH_REPEATS=1 (interleaved
#              rounds; the median counts), BENCH_JOBS (usable cores,
#              default what coreflow finds), PYTHON (a python3 with numpy: /usr/bin/python3).
set -eu
if [ $# -ne 1 ] && { [ $# -ne 3 ] || [ "$2" != --json ]; }; then
  echo "usage: $0 BUILD_DIR [--json FILE]" >&2
  exit 2
fi
build=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
state=$(mktemp -d)
# The driver kills its load itself (and the load dies with the driver); this is the backstop.
cleanup() {
  if [ -s "$state/load.pgid" ]; then
    kill -KILL -- "-$(cat "$state/load.pgid")" 2>/dev/null || true
  fi
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
python3 "$here/threads/compare.py" --build "$build" "$@" --load-pgid-file "$state/load.pgid"
