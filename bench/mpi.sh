#!/bin/sh
# Many nodes, measured on one: the scheduler and rank 0's dealer at 10,000 simulated workers
# and 1,000,000 tasks on a fake clock, then `mpirun -n 2 coreflow-mpi` against one coreflow
# over the same /bin/true tasks, with their goals (docs/mpi.md). Exits 1 when one is missed.
# Usage: bench/mpi.sh BUILD_DIR   (environment: see bench/mpi/compare.py)
set -eu
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/mpi/compare.py" --build "$1"
