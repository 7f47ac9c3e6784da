# shellcheck shell=bash
# Shared by run.sh and run_by_hand.sh (sourced, not run).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# setup_workdir DIR SHORT: lays out DIR afresh: pdb/SET/NAME.pdb (unpacked), pdbs.txt (their
# paths, set by set), the pipeline file and its scripts. SHORT=1 takes the six marked 'short'.
setup_workdir() {
  local dir=$1 short=$2 set src tag name
  if ! command -v voronota >/dev/null; then
    echo "needs voronota: apt-get install voronota theseus-examples pymol-data" >&2
    return 1
  fi
  mkdir -p "$dir"
  rm -rf "$dir/pdb" "$dir/contacts" "$dir/graphs" "$dir/summary" "$dir/pdbs.txt"
  cp "$here/antibody.toml" "$here/contacts.sh" "$here/graph.py" "$here/summarize.py" "$dir/"
  : >"$dir/pdbs.txt"
  while read -r set src tag; do
    case $set in '' | '#'*) continue ;; esac
    [ "$short" = 1 ] && [ "$tag" != short ] && continue
    if [ ! -r "$src" ]; then
      echo "missing $src: apt-get install theseus-examples pymol-data" >&2
      return 1
    fi
    name=$(basename "$src" .gz)
    mkdir -p "$dir/pdb/$set"
    gzip -dcf "$src" >"$dir/pdb/$set/$name"
    echo "pdb/$set/$name" >>"$dir/pdbs.txt"
  done <"$here/structures.txt"
}

# check_outputs DIR: every structure has its contacts and graph, and every set a summary that
# counts all of its structures, in the order of pdbs.txt; then prints one line per set.
check_outputs() {
  python3 - "$1" <<'PY'
import json, os, sys
os.chdir(sys.argv[1])
sets = {}
for line in open("pdbs.txt"):
    _, s, f = line.strip().split("/")
    sets.setdefault(s, []).append(f.rsplit(".", 1)[0])
bad = 0
for s, names in sets.items():
    for n in names:
        for p in (f"contacts/{n}.tsv", f"graphs/{n}.json"):
            if not os.path.isfile(p):
                print(f"missing {p}", file=sys.stderr); bad += 1
    p = f"summary/{s}.json"
    if not os.path.isfile(p):
        print(f"missing {p}", file=sys.stderr); bad += 1; continue
    got = [x["structure"] for x in json.load(open(p))["per_structure"]]
    if got != names:
        print(f"{p}: structures {got}, expected {names}", file=sys.stderr); bad += 1
print(f"{'set':<12} {'n':>3} {'residues':>9} {'contacts':>9} {'area A^2':>9} "
      f"{'interface (all)':>15}  hub residue types")
for s in sets:
    if not os.path.isfile(f"summary/{s}.json"):
        continue
    j = json.load(open(f"summary/{s}.json"))
    print(f"{s:<12} {j['structures']:>3} {j['mean_residues']:>9} {j['mean_contacts']:>9} "
          f"{j['mean_area']:>9} {j['interface']['area']:>15}  "
          + " ".join(f"{k}:{v}" for k, v in j["hub_residue_types"].items()))
sys.exit(1 if bad else 0)
PY
}
