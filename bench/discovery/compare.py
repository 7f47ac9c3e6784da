#!/usr/bin/env python3
"""--find's parallel walk against `find`, side by side in one run (bench/discovery.sh), over a
latency-adding FUSE file system standing in for a parallel one.

A tree of BENCH_FILES empty files, BENCH_PER_DIR per directory, in directories BENCH_FANOUT per
parent, sits behind latencyfs (every getattr, readdir, open and read waits BENCH_DELAY_US; the
server answers 64 requests at once, as a parallel file system's many servers would). Rounds
interleaved, medians of BENCH_REPEATS:
- find: `find MNT -name '*.pdb'`, the paths to a pipe;
- coreflow: `coreflow run --dry-run --find 'MNT/**/*.pdb' echo`, every task's command line to a
  pipe (the walk, and everything a run does with each input short of starting it), with
  --find-threads BENCH_THREADS.
Both must give the same paths. Goal (docs/run.md, "Finding inputs"), exit 1 when missed:
coreflow >= 8x faster.
Needs root (or fuse3's fusermount3) and /dev/fuse.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import latencyfs  # noqa: E402
from launch_bench import machine_description  # noqa: E402
from launch_bench import whole_number as _whole_number  # noqa: E402


def whole_number(name, default):
    return _whole_number(name, default, "discovery benchmark")


def timed_lines(cmd, cwd, what):
    start = time.monotonic()
    r = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    wall = time.monotonic() - start
    if r.returncode != 0:
        sys.exit("discovery benchmark: %s exited %d:\n%s" % (what, r.returncode, r.stderr[-2000:]))
    return wall, r.stdout.splitlines()


def make_tree(src, files, per_dir, fanout):
    """Directories `fanout` to a parent, leaves of `per_dir` files: `files` files in all."""
    leaves = (files + per_dir - 1) // per_dir
    levels, width = 1, fanout
    while width < leaves:
        levels, width = levels + 1, width * fanout
    made = 0
    for leaf in range(leaves):
        parts, n = [], leaf
        for _ in range(levels):
            parts.append("d%03d" % (n % fanout))
            n //= fanout
        d = os.path.join(src, *reversed(parts))
        os.makedirs(d, exist_ok=True)
        for _ in range(min(per_dir, files - made)):
            open(os.path.join(d, "f%06d.pdb" % made), "w").close()
            made += 1
    dirs = sum(1 for _ in os.walk(src))
    return dirs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/release")
    args = ap.parse_args()
    coreflow = os.path.abspath(os.path.join(args.build, "coreflow"))
    files = whole_number("BENCH_FILES", 100000)
    per_dir = whole_number("BENCH_PER_DIR", 100)
    fanout = whole_number("BENCH_FANOUT", 32)
    repeats = whole_number("BENCH_REPEATS", 3)
    delay_us = whole_number("BENCH_DELAY_US", 1000)
    threads = whole_number("BENCH_THREADS", 16)
    print("discovery benchmark on %s" % machine_description())
    with tempfile.TemporaryDirectory(prefix="coreflow-bench-discovery-") as work:
        fs = latencyfs.build(work)
        src, mnt = os.path.join(work, "src"), os.path.join(work, "mnt")
        os.mkdir(mnt)
        dirs = make_tree(src, files, per_dir, fanout)
        print("%d files in %d directories behind %d us per file system call; "
              "--find-threads %d" % (files, dirs, delay_us, threads))
        find_times, walk_times = [], []
        with latencyfs.mounted(fs, src, mnt, delay_us, os.path.join(work, "latencyfs.log"),
                               threads=64):
            for _ in range(repeats):
                wall, found = timed_lines(["find", "mnt", "-name", "*.pdb"], work, "find")
                find_times.append(wall)
                wall, lines = timed_lines(
                    [coreflow, "run", "--dry-run", "--find", "mnt/**/*.pdb", "--find-threads",
                     str(threads), "echo"], work, "coreflow --find")
                walk_times.append(wall)
                walked = [line[len("echo "):] for line in lines]
                if len(found) != files or sorted(found) != sorted(walked):
                    sys.exit("discovery benchmark: find gave %d paths, coreflow %d; they differ"
                             % (len(found), len(walked)))
    find_wall, walk_wall = statistics.median(find_times), statistics.median(walk_times)
    print("find:               %.2f s  (median of %d)" % (find_wall, repeats))
    print("coreflow --find:    %.2f s  (median of %d)" % (walk_wall, repeats))
    print("coreflow vs find:   %.1fx faster" % (find_wall / walk_wall))
    if find_wall / walk_wall < 8.0:
        print("discovery benchmark: goal missed: only %.1fx faster than find (goal 8x)"
              % (find_wall / walk_wall))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
