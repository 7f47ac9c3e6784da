#!/usr/bin/env python3
"""Staging ahead of compute against `cp -r` to scratch followed by the run, side by side in one
run (bench/staging.sh), over a latency-adding FUSE file system standing in for a parallel one.

BENCH_ITEMS files (64 KiB) sit behind latencyfs (every getattr, readdir, open and read waits
BENCH_DELAY_US). Each item's compute is `sleep BENCH_COMPUTE_MS` then a read of its copy, at
-j BENCH_JOBS. The two modes, rounds interleaved, medians of BENCH_REPEATS:
- cp: `cp -r` of the whole tree to scratch, then `coreflow run` of the compute on the copies;
- staged: one pipeline, a staging stage (BENCH_COPIES copies at once, prefetch BENCH_PREFETCH)
  then the compute on `{fetch.output}`.
Goals (docs/staging.md), exit 1 when one is missed: staged >= 2x faster than cp, and within
1.15x of its lower bound, the larger of the compute's task time over -j and the copies' over
the copies at once (both from the run's own --report).
Needs root (or fuse3's fusermount3) and /dev/fuse.
"""

import argparse
import json
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

COMPUTE = """#!/bin/sh
sleep %s
exec cat "$1" > /dev/null
"""


def whole_number(name, default):
    return _whole_number(name, default, "staging benchmark")


def run(cmd, cwd, what):
    start = time.monotonic()
    r = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("staging benchmark: %s exited %d:\n%s" % (what, r.returncode, r.stderr[-2000:]))
    return time.monotonic() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/release")
    args = ap.parse_args()
    coreflow = os.path.abspath(os.path.join(args.build, "coreflow"))
    items = whole_number("BENCH_ITEMS", 1000)
    repeats = whole_number("BENCH_REPEATS", 3)
    jobs = whole_number("BENCH_JOBS", 2)
    copies = whole_number("BENCH_COPIES", 8)
    prefetch = whole_number("BENCH_PREFETCH", 16)
    delay_us = whole_number("BENCH_DELAY_US", 4500)
    compute_ms = whole_number("BENCH_COMPUTE_MS", 40)
    print("staging benchmark on %s" % machine_description())
    with tempfile.TemporaryDirectory(prefix="coreflow-bench-staging-") as work:
        fs = latencyfs.build(work)
        src, mnt = os.path.join(work, "src"), os.path.join(work, "mnt")
        os.makedirs(os.path.join(src, "pdb"))
        os.mkdir(mnt)
        for i in range(items):
            with open(os.path.join(src, "pdb", "i%05d.pdb" % i), "wb") as f:
                f.write(os.urandom(65536))
        with latencyfs.mounted(fs, src, mnt, delay_us, os.path.join(work, "latencyfs.log")):
            with open(os.path.join(work, "compute.sh"), "w") as f:
                f.write(COMPUTE % (compute_ms / 1000))
            os.chmod(os.path.join(work, "compute.sh"), 0o755)
            files = sorted(os.path.join(mnt, "pdb", n) for n in os.listdir(os.path.join(src, "pdb")))
            with open(os.path.join(work, "items.txt"), "w") as f:
                f.write("".join(p + "\n" for p in files))
            one = run(["cp", files[0], os.path.join(work, "one.pdb")], work, "cp of one file")
            with open(os.path.join(work, "p.toml"), "w") as f:
                f.write('[[input]]\nfile = "items.txt"\n\n[[stage]]\nname = "fetch"\n'
                        'stage = { to = "scratch-b", prefetch = %d }\nslots = %d\n\n'
                        '[[stage]]\nname = "compute"\ncommand = "./compute.sh {fetch.output}"\n'
                        % (prefetch, copies))
            print("%d files of 64 KiB behind %d us per file system call (one cp: %.0f ms); "
                  "compute %d ms per item, -j %d; staging: %d copies at once, prefetch %d"
                  % (items, delay_us, one * 1000, compute_ms, jobs, copies, prefetch))
            cp_times, staged_times, bounds = [], [], []
            for _ in range(repeats):
                scratch = os.path.join(work, "scratch-a")
                subprocess.run(["rm", "-rf", scratch], check=True)
                wall = run(["cp", "-r", os.path.join(mnt, "pdb"), scratch], work, "cp -r")
                local = "".join(os.path.join(scratch, os.path.basename(p)) + "\n" for p in files)
                with open(os.path.join(work, "local.txt"), "w") as f:
                    f.write(local)
                wall += run([coreflow, "run", "--no-summary", "--no-progress", "-j", str(jobs),
                             "./compute.sh", "{}", "::::", "local.txt"], work, "the run")
                cp_times.append(wall)
                wall = run([coreflow, "run", "--no-summary", "--no-progress", "-j", str(jobs),
                            "-f", "p.toml", "--report", "r.json"], work, "the staged run")
                with open(os.path.join(work, "r.json")) as f:
                    stages = {s["name"]: s for s in json.load(f)["stages"]}
                bounds.append(max(stages["compute"]["task_wall_s"] / jobs,
                                  stages["fetch"]["task_wall_s"] / copies))
                staged_times.append(wall)
    cp_wall, staged_wall = statistics.median(cp_times), statistics.median(staged_times)
    ratio = statistics.median(s / b for s, b in zip(staged_times, bounds))
    print("cp -r, then the run:     %.2f s  (median of %d)" % (cp_wall, repeats))
    print("staged in one run:       %.2f s  (median of %d; %.3fx its lower bound)"
          % (staged_wall, repeats, ratio))
    print("staged vs cp -r:         %.2fx faster" % (cp_wall / staged_wall))
    missed = []
    if cp_wall / staged_wall < 2.0:
        missed.append("staged only %.2fx faster than cp -r (goal 2x)" % (cp_wall / staged_wall))
    if ratio > 1.15:
        missed.append("staged %.3fx its lower bound (goal 1.15x)" % ratio)
    for m in missed:
        print("staging benchmark: goal missed: " + m)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
