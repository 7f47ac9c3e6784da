#!/usr/bin/env python3
"""A real program with a heavy import: `import scipy.linalg`, then per item an LU solve of a
60x60 system seeded by the item (an integer), printed as "ITEM<TAB>CHECKSUM".

    python3 lu_checksum.py --cold ITEM...                        # one process, these items
    coreflow run --worker 'python3 lu_checksum.py' {} ::: ITEMS  # a warm worker per slot
"""

import os
import sys

import numpy as np
import scipy.linalg  # what every cold start pays for

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "contrib", "python"))


def checksum(item):
    rng = np.random.default_rng(int(item))
    a = rng.standard_normal((60, 60)) + 60 * np.eye(60)  # diagonally dominant: well conditioned
    b = rng.standard_normal(60)
    x = scipy.linalg.lu_solve(scipy.linalg.lu_factor(a), b)
    return "%s\t%.9f" % (item, float(np.abs(x).sum()))


def handle(task):
    for item in task.args:
        print(checksum(item))


def main():
    if sys.argv[1:2] == ["--cold"]:
        for item in sys.argv[2:]:
            print(checksum(item))
    elif len(sys.argv) == 1:
        import coreflow_worker
        coreflow_worker.serve(handle)
    else:
        sys.exit("usage: lu_checksum.py --cold ITEM...  (or no arguments under coreflow --worker)")


if __name__ == "__main__":
    main()
