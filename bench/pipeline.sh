#!/bin/sh
# A three-stage pipeline in one run against three coreflow runs one after the other, side by
# side, with its goals (docs/pipelines.md): within 1.05x of the slowest stage's bound, first
# item within 1.2x of one item's path, flat memory. Exits 1 when one is missed.
# Usage: bench/pipeline.sh BUILD_DIR   (environment: see bench/pipeline/compare.py)
set -eu
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/pipeline/compare.py" --build "$1"
