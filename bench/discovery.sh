#!/bin/sh
# --find's parallel walk against find(1) over a latency-adding FUSE file system
# (tests/latencyfs/latencyfs.c), with its goal (docs/run.md, "Finding inputs"). Exits 1 when it is missed.
# Needs /dev/fuse and libfuse3 (scripts/install-deps.sh).
# Usage: bench/discovery.sh BUILD_DIR   (environment: see bench/discovery/compare.py)
set -eu
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/discovery/compare.py" --build "$1"
