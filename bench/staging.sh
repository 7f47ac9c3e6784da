#!/bin/sh
# Staging ahead of compute against `cp -r` to scratch then the run, over a latency-adding FUSE
# file system (tests/latencyfs/latencyfs.c), with its goals (docs/staging.md). Exits 1 when one
# is missed. Needs /dev/fuse and libfuse3 (scripts/install-deps.sh).
# Usage: bench/staging.sh BUILD_DIR   (environment: see bench/staging/compare.py)
set -eu
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/staging/compare.py" --build "$1"
