#!/usr/bin/env python3
"""graph.py CONTACTS.tsv OUT.json: the residue contact graph of one structure, summarised.

Nodes are residues, edges are residue pairs in contact (from contacts.sh), weighted by their
contact area. OUT.json holds the graph's size, its total contact area, the interface between
chains (edges whose residues lie on different chains) and the residues with the most contacts.
OUT.json is written whole or not at all (OUT.json.tmp, then renamed). Standard library only.
"""
import csv
import json
import os
import sys
from collections import defaultdict

TOP = 5  # residues listed in "top_residues"


def read_contacts(path):
    """{(residue, residue): area} with each residue as 'CHAIN:NUMBER:NAME'."""
    edges = defaultdict(float)
    with open(path, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            a = f"{row['chain1']}:{row['res1']}:{row['resname1']}"
            b = f"{row['chain2']}:{row['res2']}:{row['resname2']}"
            if a != b:
                edges[tuple(sorted((a, b)))] += float(row["area"])
    return edges


def summarise(name, edges):
    degree = defaultdict(int)
    area = defaultdict(float)
    for (a, b), w in edges.items():
        for r in (a, b):
            degree[r] += 1
            area[r] += w
    chain = lambda r: r.split(":", 1)[0]
    interface = {e: w for e, w in edges.items() if chain(e[0]) != chain(e[1])}
    top = sorted(degree, key=lambda r: (-degree[r], -area[r], r))[:TOP]
    n = len(degree)
    return {
        "structure": name,
        "residues": n,
        "contacts": len(edges),
        "total_area": round(float(sum(edges.values())), 1),
        "mean_degree": round(2 * len(edges) / n, 2) if n else 0.0,
        "chains": sorted({chain(r) for r in degree}),
        "interface": {
            "contacts": len(interface),
            "area": round(float(sum(interface.values())), 1),
            "residues": len({r for e in interface for r in e}),
        },
        "top_residues": [
            {"residue": r, "degree": degree[r], "area": round(area[r], 1)} for r in top
        ],
    }


def write_json(path, data):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: graph.py CONTACTS.tsv OUT.json")
    contacts, out = argv[1], argv[2]
    edges = read_contacts(contacts)
    if not edges:
        sys.exit(f"graph.py: no contacts in {contacts}")
    name = os.path.basename(contacts).rsplit(".", 1)[0]
    write_json(out, summarise(name, edges))


if __name__ == "__main__":
    main(sys.argv)
