#!/usr/bin/env python3
"""Threads per task against oversubscription, side by side in one run (bench/threads.sh).

Items of cholesky.py (numpy/OpenBLAS: a Cholesky factorization and two triangular solves of
N x N) through (1) coreflow's default, `coreflow run PY cholesky.py {}`; (2) `xargs -P CORES
-n1`, the BLAS thread variables unset, so that each task's OpenBLAS starts a thread per core;
(3) `coreflow run -j J -t T` with J x T = the usable cores, J the powers of two dividing them
and the cores. Each mode runs without and under a load of one busy loop per usable core, and
must print the same lines (sorted) as the others, else the benchmark exits 1. Targets (under
load): default >= 2x xargs, and within 10 % of the best -j/-t pair.
Environment: BENCH_ITEMS (24), BENCH_SIZE (N, 2000), BENCH_REPEATS (rounds over every mode,
interleaved so that drift spreads over the modes alike; each mode's median counts: 1),
BENCH_JOBS (the usable cores: default what coreflow finds), PYTHON (a python3 with numpy,
default /usr/bin/python3). --json FILE also writes the figures for bench/scaling.sh.
"""

import argparse
import ctypes
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
TASK = os.path.relpath(os.path.join(HERE, "cholesky.py"), TOP)  # commands run in TOP
sys.path.insert(0, os.path.dirname(HERE))
from launch_bench import frozen_coreflow  # noqa: E402
from launch_bench import machine_description  # noqa: E402  (the same line as make bench)
from launch_bench import whole_number as _whole_number  # noqa: E402

# What coreflow sets for every task (docs/run.md, "Slots and threads"): unset for every mode,
# so that xargs's tasks get OpenBLAS's own default and coreflow's default is its own.
THREAD_VARS = ("OMP_NUM_THREADS", "OMP_THREAD_LIMIT", "OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS",
               "MKL_NUM_THREADS", "MKL_DYNAMIC", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
               "NUMEXPR_NUM_THREADS", "NUMEXPR_MAX_THREADS", "NUMBA_NUM_THREADS",
               "JULIA_NUM_THREADS", "RAYON_NUM_THREADS", "TF_NUM_INTRAOP_THREADS")
# Core-type overrides some machines export for older OpenBLAS builds: unset both, together.
CORE_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
TARGET_VS_XARGS, TARGET_VS_BEST = 2.0, 1.10


def whole_number(name, default):
    return _whole_number(name, default, "threads benchmark")


def fail(message):
    sys.exit(f"threads benchmark: {message}")



def find_python():
    py = os.environ.get("PYTHON") or "/usr/bin/python3"
    if not shutil.which(py) or subprocess.run([py, "-c", "import numpy"]).returncode != 0:
        fail(f"needs {py} with numpy: apt-get install python3-numpy (or set PYTHON)")
    return py


def run(cmd, env, stdin_text=None):
    """Runs cmd in the repository; returns (wall seconds, stdout)."""
    start = time.monotonic()
    try:
        r = subprocess.run(cmd, cwd=TOP, env=env, capture_output=True,
                           input=(stdin_text or "").encode())
    except OSError as e:
        fail(f"cannot run {shown(cmd)}: {e.strerror}")
    wall = time.monotonic() - start
    if r.returncode != 0:
        fail(f"exit status {r.returncode} from\n  {shown(cmd)}\n"
             f"{r.stderr.decode(errors='replace')}")
    return wall, r.stdout.decode(errors="replace")


def shown(cmd, limit=14):
    """cmd for a message: paths in the repository relative to it, temporary files by name."""
    tmp = tempfile.gettempdir() + os.sep
    words = [os.path.relpath(w, TOP) if w.startswith(TOP + os.sep) else
             os.path.basename(w) if w.startswith(tmp) else w for w in cmd]
    return shlex.join(words[:limit]) + (" ..." if len(words) > limit else "")


class Load:
    """One busy loop per core, in a process group of its own. Killed by stop(), which every
    exit of this script runs (SIGTERM and SIGHUP become exits), by the kernel when this script
    dies (PR_SET_PDEATHSIG), and by the trap in bench/threads.sh (the group is in pgid_file)."""

    def __init__(self, count, pgid_file):
        self.count, self.pgid_file, self.procs = count, pgid_file, []

    def start(self):
        prctl, parent = ctypes.CDLL(None).prctl, os.getpid()

        def child():
            os.setpgid(0, self.procs[0].pid if self.procs else 0)
            prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
            if os.getppid() != parent:
                os._exit(1)

        for _ in range(self.count):
            self.procs.append(subprocess.Popen(["sh", "-c", "while :; do :; done"],
                                               preexec_fn=child, stdin=subprocess.DEVNULL))
            if self.pgid_file and len(self.procs) == 1:
                with open(self.pgid_file, "w") as f:
                    f.write(f"{self.procs[0].pid}\n")
        time.sleep(0.5)  # let the loops reach full speed

    def stop(self):
        if self.procs:
            os.killpg(self.procs[0].pid, signal.SIGKILL)
            for p in self.procs:
                p.wait()
            self.procs = []
        if self.pgid_file and os.path.exists(self.pgid_file):
            os.remove(self.pgid_file)


def probe(coreflow, env, py, mode_args):
    """What a task of this mode sees: (BLAS info, coreflow's report or None)."""
    if mode_args is None:  # xargs passes the environment on unchanged
        return json.loads(run([py, TASK, "--info"], env)[1]), None
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        _, out = run([coreflow, "run", "--no-progress", "--no-summary", "--report", report,
                      *mode_args, py, TASK, "--info", ":::", "probe"], env)
        with open(report) as f:
            return json.loads(out), json.load(f)


def configured(report, key):
    """A value from the configuration in coreflow's --report, None when it is not there."""
    return ((report or {}).get("configuration", {}).get(key) or {}).get("value")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build/release")
    ap.add_argument("--load-pgid-file", help="where to write the load's process group id")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-threads-") as tmp:
        coreflow = frozen_coreflow(args.build, tmp, "threads benchmark")
        return measure(coreflow, args.load_pgid_file, args.json)


def median(values):
    v = sorted(values)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


def measure(coreflow, pgid_file, json_path):
    items = [str(i) for i in range(1, whole_number("BENCH_ITEMS", 24) + 1)]
    size = whole_number("BENCH_SIZE", 2000)
    repeats = whole_number("BENCH_REPEATS", 1)
    py = find_python()
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS + CORE_VARS}
    if os.environ.get("BENCH_JOBS"):
        env["COREFLOW_CORES"] = str(whole_number("BENCH_JOBS", 1))
    blas, report = probe(coreflow, env, py, [])
    cores = int(env.get("COREFLOW_CORES") or configured(report, "usable_cpus")
                or len(os.sched_getaffinity(0)))
    task = [py, TASK, "--size", str(size)]
    xargs, default = f"xargs -P{cores} -n1", "coreflow default"
    modes = [(default, []), (xargs, None)]
    pairs = [j for j in (2**k for k in range(cores.bit_length())) if cores % j == 0]
    for j in pairs + ([cores] if cores not in pairs else []):
        modes.append((f"coreflow -j{j} -t{cores // j}", ["-j", str(j), "-t", str(cores // j)]))
    threads = {}  # what a task of each mode sees: slots x OpenBLAS threads
    for name, mode_args in modes:
        info, rep = (blas, report) if mode_args == [] else probe(coreflow, env, py, mode_args)
        threads[name] = (configured(rep, "slots") if rep else cores, info.get("threads"))

    print("# Threads per task: numpy/OpenBLAS Cholesky under coreflow, xargs and -j/-t pairs")
    print(f"Machine: {machine_description()}")
    print(f"BLAS: {blas['library']} ({blas.get('config') or 'not OpenBLAS'}); OpenBLAS core: "
          f"{blas.get('corename')}; numpy {blas['numpy']}, solves by {blas['solves']}; {py}")
    was = ", ".join(f"{k}={os.environ[k]}" for k in CORE_VARS if k in os.environ)
    print(f"The tasks run with {' and '.join(CORE_VARS)} unset ({was or 'neither was set'} "
          "here), and with every BLAS thread variable unset except what coreflow sets.")
    each = f"; each wall time is the median of {repeats} interleaved runs" if repeats > 1 else ""
    print(f"{len(items)} items of {size}x{size}, {cores} usable cores; load: a busy loop "
          f"per core{each}.\n")

    load = Load(cores, pgid_file)
    runs, outputs = {}, {}
    try:
        for loaded in (False, True):
            if loaded:
                load.start()
            for round_ in range(repeats):
                for name, mode_args in modes:
                    if mode_args is None:
                        wall, out = run(["xargs", f"-P{cores}", "-n1", *task], env,
                                        "".join(f"{i}\n" for i in items))
                    else:
                        wall, out = run([coreflow, "run", "--no-progress", "--no-summary",
                                         *mode_args, *task, "{}", ":::", *items], env)
                    runs.setdefault((name, loaded), []).append(wall)
                    outputs[name, loaded, round_] = sorted(out.splitlines())
                    print(f"{'under load' if loaded else 'no load'}: {name}: {wall:.1f} s",
                          file=sys.stderr, flush=True)
    finally:
        load.stop()
    walls = {key: median(v) for key, v in runs.items()}

    grid = [name for name, mode_args in modes if mode_args]
    best = min(grid, key=lambda n: walls[n, True])
    best_quiet = min(grid, key=lambda n: walls[n, False])
    print("| mode | slots x BLAS threads | wall s, load | wall s, no load | items/s, load "
          "| items/s, no load | vs xargs, load | vs xargs, no load |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, _ in modes:
        wl, wq = walls[name, True], walls[name, False]
        print(f"| {name}{' (best under load)' if name == best else ''} "
              f"| {threads[name][0]} x {threads[name][1]} | {wl:.2f} | {wq:.2f} "
              f"| {len(items) / wl:.2f} | {len(items) / wq:.2f} "
              f"| {walls[xargs, True] / wl:.2f}x | {walls[xargs, False] / wq:.2f}x |")
    print()
    shown_task = shlex.join(task)
    for name, mode_args in modes:
        if mode_args is None:
            print(f"- {name}: `{xargs} {shown_task} < items`, BLAS thread variables unset")
        else:
            print(f"- {name}: `{shlex.join(['coreflow', 'run', *mode_args])} {shown_task} {{}}"
                  " ::: items`")
    print()

    vs_xargs = walls[xargs, True] / walls[default, True]
    vs_best = walls[default, True] / walls[best, True] - 1
    print(f"- {'MET' if vs_xargs >= TARGET_VS_XARGS else 'MISSED'}: default >= "
          f"{TARGET_VS_XARGS:g}x xargs under load: {vs_xargs:.2f}x "
          f"(no load: {walls[xargs, False] / walls[default, False]:.2f}x)")
    print(f"- {'MET' if vs_best <= TARGET_VS_BEST - 1 else 'MISSED'}: default within "
          f"{(TARGET_VS_BEST - 1) * 100:.0f} % of the best hand-picked ({best}) under load: "
          f"{vs_best * 100:+.1f} % (no load, best {best_quiet}: "
          f"{(walls[default, False] / walls[best_quiet, False] - 1) * 100:+.1f} %)\n")

    if json_path:
        with open(json_path, "w") as f:
            json.dump({"cores": cores, "items": len(items), "size": size, "repeats": repeats,
                       "modes": [{"name": name, "slots": threads[name][0],
                                  "blas_threads": threads[name][1],
                                  "wall_load": walls[name, True],
                                  "wall_no_load": walls[name, False]} for name, _ in modes],
                       "best_load": best, "default_vs_xargs_load": vs_xargs,
                       "default_vs_best_load": vs_best}, f, indent=1)

    reference = outputs[default, False, 0]
    failed = [] if len(reference) == len(items) else [
        f"coreflow default printed {len(reference)} lines for {len(items)} items"]
    for (name, loaded, _), lines in outputs.items():
        if lines != reference:
            diff = next((f"{b!r} against {a!r}" for a, b in zip(reference, lines) if a != b),
                        f"{len(lines)} lines against {len(reference)}")
            failed.append(f"{name} ({'load' if loaded else 'no load'}) printed other lines "
                          f"than coreflow default: {diff}")
    print("\n".join(f"FAILED: {p}" for p in failed) or
          f"All {len(outputs)} runs printed the same {len(reference)} lines.",
          file=sys.stderr if failed else sys.stdout)
    return 1 if failed else 0


def exit_on_signal(signum, _frame):
    sys.exit(128 + signum)  # runs the finally above, which kills the load


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, exit_on_signal)
    signal.signal(signal.SIGHUP, exit_on_signal)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
