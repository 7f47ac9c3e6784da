#!/usr/bin/env python3
"""A program that is slow to start and quick per item, as one that loads a model is.

Start-up sleeps SLOW_START_SECONDS (default 1) to stand for loading; then each item costs
20 ms of CPU time hashing and prints one line, "ITEM<TAB>DIGEST". Both modes print the same:

    python3 slow_start.py --cold ITEM...                          # one-shot: score, exit
    coreflow run --worker 'python3 slow_start.py' {} ::: ITEMS    # warm: one process per slot
"""

import hashlib
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "contrib", "python"))


def load():
    time.sleep(float(os.environ.get("SLOW_START_SECONDS", "1")))


WORK_SECONDS = 0.020  # of CPU per item, whatever the machine's speed


def score(item):
    started = time.process_time()
    digest = os.fsencode(item)
    for _ in range(2000):
        digest = hashlib.sha256(digest).digest()
    while time.process_time() - started < WORK_SECONDS:  # the rest of the item's work
        hashlib.sha256(digest).digest()
    return "%s\t%s" % (item, digest.hex()[:16])


def handle(task):
    for item in task.args:
        print(score(item))


def main():
    if sys.argv[1:2] == ["--cold"]:
        load()
        for item in sys.argv[2:]:
            print(score(item))
    elif len(sys.argv) == 1:
        import coreflow_worker
        load()
        coreflow_worker.serve(handle)
    else:
        sys.exit("usage: slow_start.py --cold ITEM...  (or no arguments under coreflow --worker)")


if __name__ == "__main__":
    main()
