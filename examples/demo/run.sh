#!/bin/sh
# The coreflow example pipeline (what `make demo` runs):
#   1. write synthetic sensor records (work/in/*.csv),
#   2. analyse each one with numpy on T threads, as many at once as the cores allow,
#      through `coreflow run -t T --progress --joblog ... --html ...` (work/out/*.json,
#      work/report.html),
#   3. check and summarise the results (work/summary.tsv).
#
# Usage: examples/demo/run.sh PATH/TO/coreflow
# Environment: DEMO_THREADS (threads per task, default 2), DEMO_FILES (inputs, default 24),
#              DEMO_WORK (work folder, default examples/demo/work; what the demo
#              wrote there last time is removed first),
#              PYTHON (a python3 with numpy).
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

threads=${DEMO_THREADS:-2}
files=${DEMO_FILES:-24}
case $threads$files in
  *[!0-9]*) echo "run.sh: DEMO_THREADS and DEMO_FILES must be whole numbers" >&2; exit 2 ;;
esac
if [ "$threads" -lt 1 ] || [ "$files" -lt 1 ]; then
  echo "run.sh: DEMO_THREADS and DEMO_FILES must be at least 1" >&2
  exit 2
fi
work=work  # relative to examples/demo, where the steps below run
if [ -n "${DEMO_WORK:-}" ]; then
  mkdir -p "$DEMO_WORK"
  work=$(cd "$DEMO_WORK" && pwd)
fi

# Debian's python3 sees python3-numpy; another python3 earlier on PATH may not.
python=""
for candidate in "${PYTHON:-}" python3 /usr/bin/python3; do
  if [ -n "$candidate" ] && "$candidate" -c "import numpy" 2>/dev/null; then
    python=$candidate
    break
  fi
done
if [ -z "$python" ]; then
  echo "run.sh: needs python3 with numpy: run ./scripts/install-deps.sh (or set PYTHON)" >&2
  exit 1
fi
case $python in
  */*) python=$(cd "$(dirname "$python")" && pwd)/$(basename "$python") ;;
esac

cd "$(dirname "$0")"  # paths below are relative to examples/demo
now_ms() { echo $(($(date +%s%N) / 1000000)); }
started=$(now_ms)

# Start clean, removing only what this script writes.
rm -rf "$work/in" "$work/out"
rm -f "$work/inputs.txt" "$work/truth.tsv" "$work/joblog.tsv" "$work/summary.tsv" \
  "$work/report.html"
mkdir -p "$work/in" "$work/out"
shown=$(cd "$work" && pwd)
echo "== coreflow demo: work folder $shown"

echo "== 1. writing $files synthetic sensor records"
"$python" make_inputs.py --count "$files" --dir "$work/in" --list "$work/inputs.txt" \
  --truth "$work/truth.tsv"

echo "== 2. analysing them with coreflow, threads per task: $threads"
echo "coreflow run -t $threads --progress --joblog $work/joblog.tsv --html $work/report.html \\"
echo "    $python analyze.py {} $work/out/{/.}.json :::: $work/inputs.txt"
status=0
"$coreflow" run -t "$threads" --progress --joblog "$work/joblog.tsv" --html "$work/report.html" \
  "$python" analyze.py {} "$work/out/{/.}.json" :::: "$work/inputs.txt" || status=$?
if [ "$status" -ne 0 ]; then
  echo "run.sh: coreflow run exited with status $status" >&2
fi

echo "== 3. checking the results"
"$python" summarize.py --list "$work/inputs.txt" --out-dir "$work/out" \
  --truth "$work/truth.tsv" --joblog "$work/joblog.tsv" --threads "$threads" \
  --tsv "$work/summary.tsv" || status=1

elapsed=$(($(now_ms) - started))
if [ "$status" -eq 0 ]; then
  printf '== demo passed in %d.%01d s; look at %s/summary.tsv, %s/out/*.json and the\n' \
    $((elapsed / 1000)) $((elapsed % 1000 / 100)) "$shown" "$shown"
  printf '   timeline of the run in %s/report.html\n' "$shown"
else
  printf '== demo FAILED after %d.%01d s (details above)\n' \
    $((elapsed / 1000)) $((elapsed % 1000 / 100)) >&2
fi
exit "$status"
