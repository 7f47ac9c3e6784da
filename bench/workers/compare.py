#!/usr/bin/env python3
"""Warm workers against a process per item, side by side in one run (bench/workers.sh).

(a) lu_checksum.py, a real program (`import scipy.linalg`, an LU solve per item), over 200
    items: cold (a process per item), batched (-N 16: a process per 16 items) and --worker.
(b) examples/workers/slow_start.py (1 s to start, about 20 ms per item) over 40 items: cold
    and --worker; then --worker over 1000 items for its throughput, with and without the
    start-up (the report's `workers.startup_s`), against the cold throughput.
Every mode must print the same lines (sorted) as cold; the benchmark exits 1 when one does not.
Environment: BENCH_JOBS (-j, default the usable CPUs), BENCH_ITEMS (a, default 200),
BENCH_SLOW_ITEMS (b, default 40), BENCH_LONG_ITEMS (b's long run, default 1000),
PYTHON (a python3 with scipy).
"""

import argparse
import json
import os
import tempfile
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
LU = os.path.join(HERE, "lu_checksum.py")
SLOW = os.path.normpath(os.path.join(HERE, "..", "..", "examples", "workers", "slow_start.py"))
sys.path.insert(0, os.path.dirname(HERE))
from launch_bench import machine_description  # noqa: E402  (the same line as make bench)
from launch_bench import whole_number as _whole_number  # noqa: E402


def whole_number(name, default):
    return _whole_number(name, default, "workers benchmark")


def find_python():
    """The interpreter (not a wrapper script) of the first candidate that has scipy."""
    for candidate in (os.environ.get("PYTHON"), "python3", "/usr/bin/python3"):
        if not candidate:
            continue
        try:
            r = subprocess.run([candidate, "-c", "import scipy.linalg, sys; print(sys.executable)"],
                               capture_output=True, text=True)
        except OSError:
            continue
        if r.returncode == 0:
            return r.stdout.strip()
    sys.exit("workers benchmark: needs python3 with scipy: apt-get install python3-scipy "
             "(or set PYTHON)")



def run_mode(coreflow, jobs, mode_args, items):
    """Runs one mode; returns (wall seconds, sorted output lines)."""
    cmd = [coreflow, "run", "-j", str(jobs), "--no-progress", "--no-summary", *mode_args,
           ":::", *items]
    start = time.monotonic()
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True)
    wall = time.monotonic() - start
    if r.returncode != 0:
        sys.exit(f"workers benchmark: exit status {r.returncode} from\n  "
                 f"{shlex.join(cmd[:12])} ...\n{r.stderr.decode(errors='replace')}")
    return wall, sorted(r.stdout.decode(errors="replace").splitlines())


def compare(title, coreflow, jobs, items, modes):
    """Runs every mode, checks its output against the first (cold) and prints a table."""
    print(f"## {title}: {len(items)} items, -j{jobs}\n")
    results = []
    for name, mode_args in modes:
        wall, lines = run_mode(coreflow, jobs, mode_args, items)
        results.append((name, mode_args, wall, lines))
    cold_wall, cold_lines = results[0][2], results[0][3]
    print("| mode | wall s | items/s | speedup vs cold |")
    print("|---|---:|---:|---:|")
    for name, _, wall, _ in results:
        print(f"| {name} | {wall:.2f} | {len(items) / wall:.1f} | {cold_wall / wall:.2f}x |")
    print()
    for name, mode_args, _, lines in results:
        shown = " ".join(shlex.quote(a) if " " in a else a for a in mode_args)
        shown = shown.replace(TOP + os.sep, "")  # paths as seen from the repository
        print(f"- {name}: `coreflow run -j{jobs} {shown} ::: ...`")
    print()
    failed = []
    if len(cold_lines) != len(items):
        failed.append(f"cold printed {len(cold_lines)} lines for {len(items)} items")
    for name, _, _, lines in results[1:]:
        if lines != cold_lines:
            diff = next((f"{a!r} against {b!r}" for a, b in zip(cold_lines, lines) if a != b),
                        f"{len(cold_lines)} lines against {len(lines)}")
            failed.append(f"{name} printed other lines than cold: {diff}")
    return failed, cold_wall


def long_worker_run(coreflow, jobs, py, items, cold_rate):
    """--worker over many items: its throughput with and without the start-up."""
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "r.json")
        cmd = [coreflow, "run", "-j", str(jobs), "--no-progress", "--no-summary", "--report",
               report, "--worker", shlex.join([py, SLOW]), "{}", ":::", *items]
        start = time.monotonic()
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True)
        wall = time.monotonic() - start
        if r.returncode != 0:
            sys.exit(f"workers benchmark: the long --worker run failed:\n{r.stderr.decode()}")
        with open(report) as f:
            rep = json.load(f)
    startup = rep["workers"]["startup_s"]["max"]
    rate, steady = len(items) / wall, len(items) / max(wall - startup, 1e-9)
    print(f"--worker over {len(items)} items: {wall:.2f} s wall, of which {startup:.2f} s "
          f"start-up (the slowest worker).\n")
    print("| --worker throughput | items/s | against cold |")
    print("|---|---:|---:|")
    print(f"| start-up included | {rate:.1f} | {rate / cold_rate:.1f}x |")
    print(f"| after start-up (steady) | {steady:.1f} | {steady / cold_rate:.1f}x |")
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build/release")
    args = ap.parse_args()
    coreflow = os.path.abspath(os.path.join(args.build, "coreflow"))
    if not os.access(coreflow, os.X_OK):
        sys.exit(f"{coreflow} is missing: build the release preset first (make release)")
    jobs = whole_number("BENCH_JOBS", len(os.sched_getaffinity(0)))
    lu_items = [str(i) for i in range(1, whole_number("BENCH_ITEMS", 200) + 1)]
    slow_items = [str(i) for i in range(1, whole_number("BENCH_SLOW_ITEMS", 40) + 1)]
    long_items = [str(i) for i in range(1, whole_number("BENCH_LONG_ITEMS", 1000) + 1)]
    py = find_python()
    print("# Warm workers: a process per item against a process per slot")
    print(f"Machine: {machine_description()}; {py}\n")

    failed, _ = compare("(a) import scipy.linalg, an LU solve of 60x60 per item", coreflow, jobs,
                     lu_items, [
                         ("cold: a process per item", [py, LU, "--cold", "{}"]),
                         ("batched: -N 16", ["-N", "16", py, LU, "--cold", "{}"]),
                         ("--worker", ["--worker", shlex.join([py, LU]), "{}"]),
                     ])
    more, cold_wall = compare("(b) 1 s start-up, about 20 ms per item", coreflow, jobs,
                              slow_items, [
                                  ("cold: a process per item", [py, SLOW, "--cold", "{}"]),
                                  ("--worker", ["--worker", shlex.join([py, SLOW]), "{}"]),
                              ])
    failed += more
    long_worker_run(coreflow, jobs, py, long_items, len(slow_items) / cold_wall)
    for problem in failed:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
