#!/bin/bash
# run.sh COREFLOW [--short] [WORKDIR]: the antibody pipeline (antibody.toml) with coreflow.
#
# Lays out WORKDIR (default: a new folder under $TMPDIR or /tmp) with the structures listed in
# structures.txt (--short: six of them, in two sets), runs
#     coreflow run -f antibody.toml
# there, checks that every structure and every set has its output, and prints the summaries.
# What an earlier run wrote in WORKDIR is removed first.
set -euo pipefail

usage() { echo "usage: $0 PATH/TO/coreflow [--short] [WORKDIR]" >&2; exit 2; }
[ $# -ge 1 ] || usage
case $1 in
  */*) coreflow=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") ;;
  *) coreflow=$(command -v "$1" || true) ;;
esac
[ -x "$coreflow" ] || { echo "run.sh: '$1' is not an executable coreflow" >&2; exit 2; }
shift
short=0 work=""
for arg; do
  case $arg in
    --short) short=1 ;;
    -*) usage ;;
    *) [ -z "$work" ] || usage; work=$arg ;;
  esac
done
[ -n "$work" ] || work=$(mktemp -d "${TMPDIR:-/tmp}/antibody.XXXXXX")

# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
setup_workdir "$work" "$short"
cd "$work"
echo "== $(wc -l <pdbs.txt) structures in $work"
echo "== coreflow run -f antibody.toml"
status=0
"$coreflow" run -f antibody.toml || status=$?
echo "== summaries (summary/*.json; residues, contacts and area are means per structure)"
check_outputs . || status=1
exit "$status"
