#!/bin/sh
# Tuning a program's own parameter (--tune-param) with coreflow's shape: a DOT-PE-style numpy
# likelihood whose i_batch is the knob, against the hand-measured grid of shapes x values.
# Exits 1 when runs over the same items print different lines.
# Usage: bench/tune-param.sh BUILD_DIR
# Environment: see bench/tune/param_compare.py (BENCH_ITEMS, BENCH_GRID_ITEMS, BENCH_REPEATS,
#              BENCH_JOBS, BENCH_PYTHON, BENCH_VALUES).
set -eu
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/tune/param_compare.py" --build "$1"
