#!/usr/bin/env python3
"""A three-stage pipeline in one coreflow run against the same work as three coreflow runs one
after the other, side by side in one run (bench/pipeline.sh).

Each item passes `prep` (BENCH_PREP_MS of sleep), `model` (BENCH_MODEL_MS, at most
BENCH_MODEL_SLOTS at once: a licence, a GPU) and `post` (BENCH_POST_MS), on a budget of
BENCH_JOBS cores. Rounds of the two modes are interleaved; medians are reported. For the
pipeline it checks what docs/pipelines.md promises, and exits 1 when a goal is missed:
- the makespan is within 1.05x of the slowest stage's bound: the larger of the model stage's
  task time over its slots and all task time over the budget, from the run's own report;
- the first item is out within 1.2x of one item's path: the makespan of the same pipeline
  over one item, alone (the three stages' mean runtimes in the big run are shown too);
- coreflow's peak memory is flat: the same (within 25 %) at 5x the items.
Environment: BENCH_ITEMS (2000), BENCH_REPEATS (3), BENCH_JOBS (8), BENCH_MODEL_SLOTS (2),
BENCH_PREP_MS (40), BENCH_MODEL_MS (100), BENCH_POST_MS (40): tasks long enough that a spawn
is not most of one (on a 2-CPU machine, -j 8 of 4 ms tasks measures spawn contention).
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from launch_bench import machine_description  # noqa: E402  (the same line as make bench)
from launch_bench import whole_number as _whole_number  # noqa: E402


def whole_number(name, default):
    return _whole_number(name, default, "pipeline benchmark")


def pipeline_toml(jobs, slots, ms):
    stages = ""
    for name, wait in zip(("prep", "model", "post"), ms):
        stages += '\n[[stage]]\nname = "%s"\ncommand = "sleep %.3f {}"\n' % (name, wait / 1000)
        if name == "model":
            stages += "slots = %d\n" % slots
    return "jobs = %d\n%s" % (jobs, stages)


def run(cmd, cwd):
    start = time.monotonic()
    r = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    wall = time.monotonic() - start
    if r.returncode != 0:
        sys.exit("pipeline benchmark: %s exited %d:\n%s" % (" ".join(cmd), r.returncode, r.stderr))
    return wall, r.stderr


def page_data(path):
    """The attempts the --html page embeds (column arrays)."""
    with open(path, encoding="utf-8") as f:
        page = f.read()
    m = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


def pipeline_round(coreflow, work, items_file):
    wall, _ = run([coreflow, "run", "--no-summary", "--no-progress", "-f", "p.toml",
                   "--report", "r.json", "--html", "r.html", "::::", items_file], work)
    with open(os.path.join(work, "r.json"), encoding="utf-8") as f:
        report = json.load(f)
    d = page_data(os.path.join(work, "r.html"))
    names = [o["name"] for o in d["outcomes"]]
    last = names.index("ok: post")
    first_out = min((d["start"][i] + d["wall"][i]) / 1000 for i in range(len(d["seq"]))
                    if d["out"][i] == last)
    return wall, report, first_out


def sequential_round(coreflow, work, items_file, jobs, slots, ms):
    total = 0.0
    for j, wait in ((jobs, ms[0]), (slots, ms[1]), (jobs, ms[2])):
        wall, _ = run([coreflow, "run", "--no-summary", "--no-progress", "-j", str(j),
                       "sleep", "%.3f" % (wait / 1000), "{}", "::::", items_file], work)
        total += wall
    return total


def peak_rss_kib(coreflow, work, items_file):
    _, err = run([coreflow, "run", "--no-summary", "--no-progress", "--stats", "-f", "q.toml",
                  "::::", items_file], work)
    return int(re.search(r"peak_rss_kib=(\d+)", err).group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/release")
    args = ap.parse_args()
    coreflow = os.path.abspath(os.path.join(args.build, "coreflow"))
    items = whole_number("BENCH_ITEMS", 2000)
    repeats = whole_number("BENCH_REPEATS", 3)
    jobs = whole_number("BENCH_JOBS", 8)
    slots = whole_number("BENCH_MODEL_SLOTS", 2)
    ms = (whole_number("BENCH_PREP_MS", 40), whole_number("BENCH_MODEL_MS", 100),
          whole_number("BENCH_POST_MS", 40))
    print("pipeline benchmark on %s" % machine_description())
    print("%d items; stages prep %d ms, model %d ms (at most %d at once), post %d ms; "
          "-j %d" % (items, ms[0], ms[1], slots, ms[2], jobs))
    with tempfile.TemporaryDirectory(prefix="coreflow-bench-pipeline-") as work:
        with open(os.path.join(work, "p.toml"), "w") as f:
            f.write(pipeline_toml(jobs, slots, ms))
        with open(os.path.join(work, "q.toml"), "w") as f:  # no waits: memory, not time
            f.write(pipeline_toml(jobs, slots, (0, 0, 0)))
        for n in (items, 5 * items):
            with open(os.path.join(work, "items%d.txt" % n), "w") as f:
                f.write("0\n" * n)
        items_file = "items%d.txt" % items
        with open(os.path.join(work, "one.txt"), "w") as f:
            f.write("0\n")
        piped, sequential, ratios, firsts, means, alone = [], [], [], [], [], []
        for _ in range(repeats):
            _, one, _ = pipeline_round(coreflow, work, "one.txt")
            alone.append(one["time"]["makespan_s"])
            wall, report, first_out = pipeline_round(coreflow, work, items_file)
            stages = {s["name"]: s for s in report["stages"]}
            task_time = sum(s["task_wall_s"] for s in stages.values())
            bound = max(stages["model"]["task_wall_s"] / slots, task_time / jobs)
            path = sum(s["task_wall_s"] / max(s["tasks"], 1) for s in stages.values())
            makespan = report["time"]["makespan_s"]
            piped.append(makespan)
            ratios.append(makespan / bound)
            firsts.append(first_out)
            means.append(path)
            sequential.append(sequential_round(coreflow, work, items_file, jobs, slots, ms))
        small = peak_rss_kib(coreflow, work, items_file)
        large = peak_rss_kib(coreflow, work, "items%d.txt" % (5 * items))
    path = statistics.median(alone)
    ratio, first = statistics.median(ratios), statistics.median(firsts) / path
    print("one pipeline run:        %.2f s  (median of %d; %.3fx the slowest stage's bound)"
          % (statistics.median(piped), repeats, ratio))
    print("three runs, one by one:  %.2f s  (median of %d)" % (statistics.median(sequential),
                                                                repeats))
    print("pipeline vs one by one:  %.2fx faster" % (statistics.median(sequential)
                                                     / statistics.median(piped)))
    print("first item out after:    %.3f s: %.2fx one item's path alone (%.3f s; the stages' "
          "mean runtimes in the big run add up to %.3f s)"
          % (statistics.median(firsts), first, path, statistics.median(means)))
    print("coreflow peak RSS:       %d KiB at %d items, %d KiB at %d" % (small, items, large,
                                                                       5 * items))
    missed = []
    if ratio > 1.05:
        missed.append("makespan %.3fx the bound (goal 1.05x)" % ratio)
    if first > 1.2:
        missed.append("first item %.2fx its path (goal 1.2x)" % first)
    if large > small * 1.25:
        missed.append("memory grew from %d to %d KiB" % (small, large))
    for m in missed:
        print("pipeline benchmark: goal missed: " + m)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
