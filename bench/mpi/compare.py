#!/usr/bin/env python3
"""coreflow-mpi's costs (bench/mpi.sh), with the goals of docs/mpi.md; exit 1 when one is missed.

1. bench/sim/scale_sim: the real Scheduler with BENCH_SIM_WORKERS slots (10,000) and rank 0's
   real Dealer with as many simulated ranks, over BENCH_SIM_TASKS tasks (1,000,000), on a fake
   clock. Goal: >= 1,000,000 task events per second for each.
2. BENCH_TASKS (20,000) /bin/true tasks from a file: `coreflow run` on this machine against
   `mpirun -n 2 -bind-to core coreflow-mpi run` on the same machine, rounds interleaved, medians
   of BENCH_REPEATS (3). Bound, each rank has its own share of the cores, as it would have its
   own node, and runs one task per core of it; unbound, both ranks would each take every core
   and run twice the tasks at once (that figure is printed too, not judged).
   Goal: the two ranks reach >= 0.9x the throughput of the one coreflow (coordination <= 10 %).
   The bound run once more with -k (every task's place in the order goes to rank 0, printed or
   not) is printed too, not judged.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from launch_bench import machine_description  # noqa: E402
from launch_bench import whole_number as _whole_number  # noqa: E402


def whole_number(name, default):
    return _whole_number(name, default, "mpi benchmark")


def simulate(build, workers, tasks):
    r = subprocess.run([os.path.join(build, "bench", "scale_sim"), str(workers), str(tasks)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("mpi benchmark: scale_sim exited %d:\n%s" % (r.returncode, r.stderr))
    parts = {}
    for line in r.stdout.splitlines():
        fields = dict(f.split("=", 1) for f in line.split())
        parts[fields["part"]] = fields
    return parts


def timed(cmd, cwd):
    start = time.monotonic()
    r = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    wall = time.monotonic() - start
    if r.returncode != 0:
        sys.exit("mpi benchmark: %s exited %d:\n%s" % (cmd[0], r.returncode, r.stderr[-2000:]))
    return wall, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/release")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    sim_workers = whole_number("BENCH_SIM_WORKERS", 10000)
    sim_tasks = whole_number("BENCH_SIM_TASKS", 1000000)
    tasks = whole_number("BENCH_TASKS", 20000)
    repeats = whole_number("BENCH_REPEATS", 3)
    print("mpi benchmark on %s" % machine_description())
    missed = []

    parts = simulate(build, sim_workers, sim_tasks)
    sched, dealer = parts["scheduler"], parts["dealer"]
    sched_rate = float(sched["events_per_s"])
    deal_rate = float(dealer["tasks_per_s"])
    print("scheduler, %s slots, %s tasks: %s events in %s s = %.2fM events/s, peak RSS %s KiB"
          % (sched["workers"], sched["tasks"], sched["events"], sched["wall_s"], sched_rate / 1e6,
             sched["peak_rss_kib"]))
    print("rank 0's dealer, %s ranks, %s tasks: %s messages in %s s = %.2fM tasks/s, "
          "%.2fM messages/s, peak RSS %s KiB"
          % (dealer["workers"], dealer["tasks"], dealer["messages"], dealer["wall_s"],
             deal_rate / 1e6, float(dealer["messages_per_s"]) / 1e6, dealer["peak_rss_kib"]))
    for name, rate in (("scheduler", sched_rate), ("dealer", deal_rate)):
        if rate < 1e6:
            missed.append("%s: %.2fM events/s (goal 1M)" % (name, rate / 1e6))

    mpi = os.path.join(build, "coreflow-mpi")
    mpirun = shutil.which("mpirun.mpich")  # coreflow-mpi is built with MPICH
    if not os.path.exists(mpi) or mpirun is None:
        print("mpirun -n 2: not measured (no %s)" % ("coreflow-mpi" if mpirun else "mpirun.mpich"))
    else:
        coreflow = os.path.join(build, "coreflow")
        with tempfile.TemporaryDirectory(prefix="coreflow-bench-mpi-") as work:
            with open(os.path.join(work, "items.txt"), "w") as f:
                f.write("".join("%d\n" % i for i in range(tasks)))
            single, ranks, unbound, ordered = [], [], [], []
            for _ in range(repeats):
                # Both keep a journal: coreflow-mpi's ranks write theirs and rank 0 merges them.
                wall, _ = timed([coreflow, "run", "--joblog", "single.log", "--no-summary",
                                 "/bin/true", "::::", "items.txt"], work)
                single.append(wall)
                for binding, flags, times in ((["-bind-to", "core"], [], ranks),
                                              ([], [], unbound),
                                              (["-bind-to", "core"], ["-k"], ordered)):
                    wall, r = timed([mpirun, "-n", "2", *binding, mpi, "run", *flags, "--joblog",
                                     "run.log", "--no-summary", "/bin/true", "::::",
                                     "items.txt"], work)
                    times.append(wall)
                    with open(os.path.join(work, "run.log")) as f:
                        done = sum(1 for line in f if line[:1].isdigit())
                    if done != tasks:
                        sys.exit("mpi benchmark: the merged journal holds %d records, not %d"
                                 % (done, tasks))
        s, m, u, k = (statistics.median(t) for t in (single, ranks, unbound, ordered))
        ratio = s / m
        print("%d /bin/true tasks, medians of %d:" % (tasks, repeats))
        print("  coreflow run:                                %.2f s  %.0f tasks/s"
              % (s, tasks / s))
        print("  mpirun -n 2 -bind-to core coreflow-mpi run:  %.2f s  %.0f tasks/s  "
              "(%.2fx the throughput)" % (m, tasks / m, ratio))
        print("  mpirun -n 2 coreflow-mpi run (unbound):      %.2f s  %.0f tasks/s  "
              "(%.2fx; each rank takes every core)" % (u, tasks / u, s / u))
        print("  mpirun -n 2 -bind-to core coreflow-mpi run -k: %.2f s  %.0f tasks/s  "
              "(%.2fx)" % (k, tasks / k, s / k))
        if ratio < 0.9:
            missed.append("mpirun -n 2: %.2fx the single run's throughput (goal 0.9x)" % ratio)
    for m in missed:
        print("mpi benchmark: goal missed: " + m)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
