#!/usr/bin/env python3
"""Tuning a program's own knob with coreflow's (bench/tune-param.sh).

The task is examples/likelihood/likelihood.py on warm workers: a DOT-PE-style likelihood whose
batch size --i-batch is the program's parameter. Its best value depends on the threads BLAS
gets, so the optimum is a pair: a coreflow shape (-j, -t, --bind) and an i_batch.
(a) the grid, by hand: every -j/-t shape with J x T = the usable cores, with and without
    --bind, times every i_batch value; each measured over BENCH_GRID_ITEMS items by its
    journal's span (first task's start to last task's end: worker start-up left out);
    BENCH_REPEATS rounds, interleaved, the best of each counts;
(b) `coreflow run --autotune --retune --tune-param i_batch=...` in default and exhaustive mode
    over BENCH_ITEMS items, fresh caches: what each chose, its trials and inputs, and the
    choice's grid throughput against the grid's best.
Targets: the default mode reaches >= 95 % of the grid's best at <= 1/3 of the exhaustive
search's trial inputs. Every run must print the same lines (sorted), else exit 1.
Environment: BENCH_ITEMS (default 2400), BENCH_GRID_ITEMS (default 160), BENCH_REPEATS
(default 2), BENCH_JOBS (usable cores, given as COREFLOW_CORES), BENCH_PYTHON (a python3 with
numpy; default /usr/bin/python3), BENCH_VALUES (default 4..4096:x4).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
SCRIPT = os.path.join(TOP, "examples", "likelihood", "likelihood.py")
sys.path.insert(0, os.path.dirname(HERE))
from launch_bench import frozen_coreflow, machine_description, whole_number  # noqa: E402
from compare import THREAD_VARS, grid_shapes  # noqa: E402

TARGET_SHARE, TARGET_COST = 0.95, 1 / 3
CHOSE = re.compile(r"coreflow: autotune: chose (?P<config>.+?) \((?P<rate>[0-9.e+-]+) inputs/s"
                   r".*?\); (?P<trials>\d+) trials over (?P<inputs>\d+) inputs")
CONFIG = re.compile(r"-j (\d+) -t (\d+)((?: --bind)?) i_batch=(\d+)$")


def fail(message):
    sys.exit(f"tune-param benchmark: {message}")


def values_of(spec):
    """'4..4096:x4' -> [4, 16, ...]; '8,64' -> [8, 64]."""
    m = re.fullmatch(r"(\d+)\.\.(\d+):x(\d+)", spec)
    if not m:
        return [int(v) for v in spec.split(",")]
    a, b, f = (int(g) for g in m.groups())
    out = []
    while a <= b:
        out.append(a)
        a *= f
    return out


def describe(j, t, bind, b):
    return f"-j {j} -t {t}" + (" --bind" if bind else "") + f" i_batch={b}"


def span_of(joblog):
    """The journal's span: first Starttime to last Starttime + JobRuntime, in seconds."""
    first, last = None, None
    with open(joblog) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if line.startswith("#") or fields[0] == "Seq" or len(fields) < 9:
                continue
            start, runtime = float(fields[2]), float(fields[3])
            first = start if first is None else min(first, start)
            last = start + runtime if last is None else max(last, start + runtime)
    return (last - first) if first is not None else None


class Runs:
    def __init__(self, coreflow, python, env, tmp):
        self.coreflow, self.python, self.env, self.tmp = coreflow, python, env, tmp
        self.outputs = []

    def run(self, name, flags, items, cache=None):
        env = dict(self.env, COREFLOW_CACHE_DIR=cache or os.path.join(self.tmp, "no-cache"))
        joblog = os.path.join(self.tmp, "run.jl")
        if os.path.exists(joblog):
            os.unlink(joblog)
        cmd = [self.coreflow, "run", "--no-progress", "--no-summary", "--joblog", joblog,
               *flags, "--worker", f"{self.python} {SCRIPT} --serve", *self.args, ":::", *items]
        r = subprocess.run(cmd, env=env, cwd=self.tmp, stdin=subprocess.DEVNULL,
                           capture_output=True)
        err = r.stderr.decode(errors="replace")
        if r.returncode != 0:
            fail(f"{name}: exit status {r.returncode}:\n{err}")
        self.outputs.append((name, len(items), sorted(r.stdout.decode().splitlines())))
        span = span_of(joblog)
        print(f"{name}: {span:.2f} s", file=sys.stderr, flush=True)
        return span, err


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build/release")
    args = ap.parse_args()
    python = os.environ.get("BENCH_PYTHON") or "/usr/bin/python3"
    if subprocess.run([python, "-c", "import numpy"], capture_output=True).returncode != 0:
        fail(f"{python} has no numpy: apt-get install python3-numpy libopenblas0-pthread "
             "(or set BENCH_PYTHON)")
    with tempfile.TemporaryDirectory(prefix="bench-tune-param-") as tmp:
        coreflow = frozen_coreflow(args.build, tmp, "tune-param benchmark")
        return measure(coreflow, python, tmp)


def measure(coreflow, python, tmp):
    n = whole_number("BENCH_ITEMS", 2400)
    n_grid = whole_number("BENCH_GRID_ITEMS", 160)
    repeats = whole_number("BENCH_REPEATS", 2)
    cores = whole_number("BENCH_JOBS", len(os.sched_getaffinity(0)))
    spec = os.environ.get("BENCH_VALUES") or "4..4096:x4"
    values = values_of(spec)
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    env["COREFLOW_CORES"] = str(cores)
    runs = Runs(coreflow, python, env, tmp)
    runs.args = ["{}", "--i-batch", "{param:i_batch}"]
    print("# Tuning a program's parameter: --autotune --tune-param against the grid\n")
    print(f"Machine: {machine_description()}")
    print(f"Task: examples/likelihood/likelihood.py on warm workers ({python}, numpy with "
          f"{blas_of(python)}), i_batch in {values}; {cores} usable cores.\n")

    shapes = [(j, t, bind) for j, t in grid_shapes(cores) for bind in (False, True)]
    configs = [(j, t, bind, b) for j, t, bind in shapes for b in values]
    grid_items = [str(i) for i in range(1, n_grid + 1)]
    grid = {}
    for round_ in range(repeats):
        for c in configs:
            j, t, bind, b = c
            # Without --autotune, {param:i_batch} needs its value: a one-value --tune-param
            # is refused, so the grid gives the value as an argument.
            flags = ["-j", str(j), "-t", str(t)] + (["--bind"] if bind else [])
            saved = runs.args
            runs.args = ["{}", "--i-batch", str(b)]
            span, _ = runs.run(f"grid {describe(*c)} ({round_ + 1})", flags, grid_items)
            runs.args = saved
            grid[c] = max(grid.get(c, 0.0), n_grid / span)
    best = max(grid, key=grid.get)
    print(f"## (a) The grid: {len(configs)} configurations, {n_grid} items each, the best of "
          f"{repeats} interleaved rounds (items/s over the journal's span)\n")
    print("| shape | " + " | ".join(f"i_batch={b}" for b in values) + " |")
    print("|---|" + "---:|" * len(values))
    for j, t, bind in shapes:
        cells = []
        for b in values:
            mark = "**" if (j, t, bind, b) == best else ""
            cells.append(f"{mark}{grid[(j, t, bind, b)]:.1f}{mark}")
        print(f"| -j {j} -t {t}{' --bind' if bind else ''} | " + " | ".join(cells) + " |")
    print(f"\nBest: `{describe(*best)}`, {grid[best]:.1f} items/s.\n")

    items = [str(i) for i in range(1, n + 1)]
    tuned = []
    for mode in ("default", "exhaustive"):
        cache = os.path.join(tmp, f"cache-{mode}")
        span, err = runs.run(f"--autotune --tune-mode {mode}",
                             ["--autotune", "--retune", "--tune-mode", mode, "--tune-param",
                              f"i_batch={spec}"], items, cache)
        m = CHOSE.search(err)
        if not m:
            fail(f"{mode}: no 'autotune: chose' line; stderr:\n{err}")
        c = CONFIG.match(m.group("config"))
        choice = (int(c.group(1)), int(c.group(2)), bool(c.group(3)), int(c.group(4))) if c \
            else None
        tuned.append({"mode": mode, "config": m.group("config"), "trials": int(m.group("trials")),
                      "inputs": int(m.group("inputs")), "rate": n / span,
                      "share": grid[choice] / grid[best] if choice in grid else 0.0})
    print(f"## (b) --autotune --retune --tune-param i_batch={spec}, {n} items, fresh caches\n")
    print("| --tune-mode | chose | trials | inputs in trials | whole run items/s | the choice's "
          "grid items/s | of the grid's best |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in tuned:
        print(f"| {r['mode']} | `{r['config']}` | {r['trials']} | {r['inputs']} "
              f"| {r['rate']:.1f} | {r['share'] * grid[best]:.1f} | {r['share'] * 100:.1f} % |")
    d, e = tuned
    cost = d["inputs"] / e["inputs"]
    print("\n## Targets\n")
    print(f"- {'MET' if d['share'] >= TARGET_SHARE else 'MISSED'}: >= 95 % of the grid's best: "
          f"default mode {d['share'] * 100:.1f} %, exhaustive {e['share'] * 100:.1f} %")
    print(f"- {'MET' if cost <= TARGET_COST else 'MISSED'}: <= 1/3 of the exhaustive search's "
          f"trial inputs: {d['inputs']} / {e['inputs']} = {cost:.2f} ({d['trials']} / "
          f"{e['trials']} trials)\n")
    failed = []
    for size in {k for _, k, _ in runs.outputs}:
        same = [o for o in runs.outputs if o[1] == size]
        for name, _, lines in same[1:]:
            if lines != same[0][2]:
                failed.append(f"{name} printed other lines than {same[0][0]}")
    print("\n".join(f"FAILED: {p}" for p in failed) or
          f"All {len(runs.outputs)} runs printed the same lines for the same items.")
    return 1 if failed else 0


def blas_of(python):
    code = ("import numpy as np; a = np.ones((64, 64)); a @ a; "
            "print(next((l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l), "
            "'an unknown BLAS'))")
    r = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return os.path.basename(os.path.dirname(r.stdout.strip())) or "an unknown BLAS"


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
