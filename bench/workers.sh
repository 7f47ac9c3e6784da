#!/bin/sh
# Warm workers against a process per item, side by side in one run: a scipy program over 200
# items (cold, -N 16, --worker) and a program with a 1 s start-up over 100 (cold, --worker).
# Exits non-zero when a mode prints other lines than the cold run.
# Usage: bench/workers.sh BUILD_DIR
# Environment: BENCH_JOBS (-j, default the usable CPUs), BENCH_ITEMS=200, BENCH_SLOW_ITEMS=100,
#              PYTHON (a python3 with scipy: Debian's python3-scipy).
set -eu
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/workers/compare.py" --build "$1"
