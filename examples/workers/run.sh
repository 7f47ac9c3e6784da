#!/bin/sh
# Warm workers against one process per item. slow_start.py takes 1 s to start (standing for
# loading a model) and about 20 ms per item; it runs over the same items twice:
#   1. cold: coreflow run python3 slow_start.py --cold {} ::: ...      (a process per item)
#   2. warm: coreflow run --worker 'python3 slow_start.py' {} ::: ...  (a process per slot)
# then checks that both printed the same lines and shows the two wall times.
#
# Usage: examples/workers/run.sh PATH/TO/coreflow
# Environment: WORKERS_ITEMS (items, default 40), WORKERS_JOBS (-j, default coreflow's),
#              PYTHON (the python3 to run, default python3), SLOW_START_SECONDS (default 1).
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 PATH/TO/coreflow" >&2
  exit 2
fi
case $1 in
  */*) coreflow=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") ;;
  *) coreflow=$(command -v "$1" || true) ;;
esac
if [ ! -x "$coreflow" ]; then
  echo "run.sh: '$1' is not an executable coreflow (build it first: make release)" >&2
  exit 2
fi
items=${WORKERS_ITEMS:-40}
jobs=${WORKERS_JOBS:-}
case $items$jobs in
  *[!0-9]*) echo "run.sh: WORKERS_ITEMS and WORKERS_JOBS must be whole numbers" >&2; exit 2 ;;
esac
if [ "$items" -lt 1 ]; then
  echo "run.sh: WORKERS_ITEMS must be at least 1" >&2
  exit 2
fi
# The interpreter itself, not a wrapper script on PATH that would slow every cold start.
python=$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)' 2>/dev/null || true)
if [ -z "$python" ]; then
  echo "run.sh: cannot run ${PYTHON:-python3} (set PYTHON)" >&2
  exit 2
fi
case $python in
  *\'*) echo "run.sh: the path of python may not hold a single quote: $python" >&2; exit 2 ;;
esac

cd "$(dirname "$0")"  # slow_start.py is found here, from any current directory
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
set -- $(seq 1 "$items")
jflag=${jobs:+-j$jobs}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

echo "== cold: a new process per item, $items items"
echo "coreflow run ${jflag:+$jflag }$python slow_start.py --cold {} ::: 1 ... $items"
started=$(now_ms)
"$coreflow" run ${jflag:+"$jflag"} --no-summary "$python" slow_start.py --cold {} ::: "$@" >"$work/cold"
cold=$(($(now_ms) - started))

echo "== warm: one worker per slot, the same $items items"
echo "coreflow run ${jflag:+$jflag }--worker '$python slow_start.py' {} ::: 1 ... $items"
started=$(now_ms)
"$coreflow" run ${jflag:+"$jflag"} --no-summary --worker "'$python' slow_start.py" {} ::: "$@" >"$work/warm"
warm=$(($(now_ms) - started))

LC_ALL=C sort "$work/cold" >"$work/cold.sorted"
LC_ALL=C sort "$work/warm" >"$work/warm.sorted"
if ! cmp -s "$work/cold.sorted" "$work/warm.sorted"; then
  echo "run.sh: the two runs printed different lines:" >&2
  diff "$work/cold.sorted" "$work/warm.sorted" | head -20 >&2
  exit 1
fi
lines=$(wc -l <"$work/cold.sorted")
if [ "$lines" -ne "$items" ]; then
  echo "run.sh: expected $items lines, got $lines" >&2
  exit 1
fi
[ "$warm" -gt 0 ] || warm=1
tenths=$((cold * 10 / warm))
printf '== same %d lines; cold %d.%02d s, warm %d.%02d s: warm is %d.%dx faster\n' "$items" \
  $((cold / 1000)) $((cold % 1000 / 10)) $((warm / 1000)) $((warm % 1000 / 10)) \
  $((tenths / 10)) $((tenths % 10))
