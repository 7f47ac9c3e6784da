#!/bin/bash
# contacts.sh IN.pdb OUT.tsv: the inter-residue contacts of one structure, by Voronota.
#
# Each line of OUT.tsv is one pair of residues in contact (atoms of the same residue do not
# count; a blank chain ID is written as '_'):
#   chain1  res1  resname1  chain2  res2  resname2  area  distance
# area is the Voronoi contact area in square angstroms, distance the closest atom pair in
# angstroms. IN may be gzipped. OUT is written whole or not at all (OUT.tmp, then mv).
#
# Debian's voronota (1.22) is single-threaded, so the stage asks for one thread; an
# OMP_NUM_THREADS set by the caller is passed through untouched.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 IN.pdb OUT.tsv" >&2
  exit 2
fi
in=$1 out=$2
mkdir -p "$(dirname "$out")"
tmp=$out.tmp
trap 'rm -f "$tmp"' EXIT

gzip -dcf -- "$in" |
  voronota get-balls-from-atoms-file --annotated |
  voronota calculate-contacts --annotated |
  voronota query-contacts --match-min-seq-sep 1 --no-solvent --inter-residue |
  awk -v OFS='\t' '
    # c<A>r<188>i<A>R<GLY>: chain, residue number, insertion code, residue name
    function part(a, key) {
      if (!match(a, key "<[^>]*>")) return ""
      return substr(a, RSTART + 2, RLENGTH - 3)
    }
    function res(a, chain) {
      chain = part(a, "c")
      return (chain == "" ? "_" : chain) OFS part(a, "r") part(a, "i") OFS part(a, "R")
    }
    BEGIN { print "chain1", "res1", "resname1", "chain2", "res2", "resname2", "area", "distance" }
    { print res($1), res($2), $3, $4 }
  ' >"$tmp"

if [ "$(wc -l <"$tmp")" -lt 2 ]; then
  echo "contacts.sh: no contacts found in $in (not a protein structure?)" >&2
  exit 1
fi
mv -f -- "$tmp" "$out"
trap - EXIT
