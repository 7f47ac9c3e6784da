#!/bin/bash
# run_by_hand.sh [--short] [WORKDIR]: the three stages of antibody.toml as plain loops, one
# task at a time, in the same work directory layout as run.sh (for comparing with it).
set -euo pipefail

short=0 work=""
for arg; do
  case $arg in
    --short) short=1 ;;
    -*) echo "usage: $0 [--short] [WORKDIR]" >&2; exit 2 ;;
    *) work=$arg ;;
  esac
done
[ -n "$work" ] || work=$(mktemp -d "${TMPDIR:-/tmp}/antibody.XXXXXX")

# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
setup_workdir "$work" "$short"
cd "$work"
echo "== $(wc -l <pdbs.txt) structures in $work"

echo "== contacts, then graph, per structure"
while read -r pdb; do
  name=$(basename "$pdb" .pdb)
  start=$(date +%s%N)
  ./contacts.sh "$pdb" "contacts/$name.tsv"
  took=$((($(date +%s%N) - start) / 1000000))
  python3 graph.py "contacts/$name.tsv" "graphs/$name.json"
  printf '%-28s contacts.sh %d.%02d s, %d contacts\n' "$pdb" $((took / 1000)) \
    $((took % 1000 / 10)) $(($(wc -l <"contacts/$name.tsv") - 1))
done <pdbs.txt

echo "== summary per set"
for set in $(cut -d/ -f2 pdbs.txt | uniq); do
  graphs=$(grep "^pdb/$set/" pdbs.txt | sed 's|^pdb/[^/]*/\(.*\)\.pdb$|graphs/\1.json|')
  # shellcheck disable=SC2086  # one word per file
  python3 summarize.py "summary/$set.json" $graphs
done

echo "== summaries (summary/*.json; residues, contacts and area are means per structure)"
check_outputs .
