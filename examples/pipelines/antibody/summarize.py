#!/usr/bin/env python3
"""summarize.py OUT.json IN1.json IN2.json ...: one set's structures in one summary.

The INs are graph.py's outputs for the structures of one set; the set is named after OUT
(summary/trypsins.json is the set 'trypsins'). OUT.json holds the set's averages, its
interfaces between chains, the residue types that are most often among a structure's most
connected residues, and one line per structure, in the order given. OUT.json is written whole
or not at all (OUT.json.tmp, then renamed). Standard library only.
"""
import json
import os
import sys
from collections import Counter


def mean(values):
    return round(sum(values) / len(values), 1) if values else 0.0


def summarise(name, graphs):
    hubs = Counter(t["residue"].rsplit(":", 1)[1] for g in graphs for t in g["top_residues"])
    return {
        "set": name,
        "structures": len(graphs),
        "mean_residues": mean([g["residues"] for g in graphs]),
        "mean_contacts": mean([g["contacts"] for g in graphs]),
        "mean_area": mean([g["total_area"] for g in graphs]),
        "total_area": round(float(sum(g["total_area"] for g in graphs)), 1),
        "interface": {
            "structures": sum(1 for g in graphs if g["interface"]["contacts"] > 0),
            "contacts": sum(g["interface"]["contacts"] for g in graphs),
            "area": round(float(sum(g["interface"]["area"] for g in graphs)), 1),
        },
        "hub_residue_types": dict(hubs.most_common(5)),
        "per_structure": [
            {
                "structure": g["structure"],
                "residues": g["residues"],
                "contacts": g["contacts"],
                "area": g["total_area"],
                "interface_area": g["interface"]["area"],
            }
            for g in graphs
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
    if len(argv) < 3:
        sys.exit("usage: summarize.py OUT.json IN1.json [IN2.json ...]")
    out, inputs = argv[1], argv[2:]
    graphs = []
    for path in inputs:
        with open(path) as f:
            graphs.append(json.load(f))
    name = os.path.basename(out).rsplit(".", 1)[0]
    write_json(out, summarise(name, graphs))


if __name__ == "__main__":
    main(sys.argv)
