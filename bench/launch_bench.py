#!/usr/bin/env python3
"""Launch-overhead benchmark: N x /bin/true at -j2 through four runners, in one run.

Runners: a raw posix_spawn loop (bench/spawn_loop.cc, the floor), `xargs -P2 -n1`,
GNU parallel -j2 and coreflow (default grouped output, and -u). Reports the median wall
time per task, ratios, coreflow's own CPU per task (RUSAGE_SELF, children excluded) and peak
RSS, and the peak RSS of `coreflow run --dry-run` over 1,000,000 inputs. Exits 1 when a
target is missed, so a regression cannot pass silently.
"""

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TARGETS = {
    "wall_vs_raw_max": 1.10,
    "speedup_vs_xargs_min": 2.0,
    "speedup_vs_parallel_min": 10.0,
    "self_cpu_per_task_us_max": 50.0,
    "dry_run_rss_mib_max": 16.0,
}

STATS_RE = re.compile(r"self_cpu_per_task_us=([0-9.]+) peak_rss_kib=([0-9]+)")


def whole_number(name, default, what="benchmark"):
    """The environment variable `name` as a whole number >= 1 (default when unset)."""
    value = os.environ.get(name) or str(default)
    if not value.isdigit() or int(value) < 1:
        sys.exit(f"{what}: {name} must be a whole number of at least 1, not {value!r}")
    return int(value)


def frozen_coreflow(build, tmp, what="benchmark"):
    """A copy of BUILD/coreflow in `tmp`, so that every run of a benchmark uses the same
    binary even when the build is redone meanwhile; exits when it is not built."""
    top = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    built = os.path.abspath(os.path.join(build, "coreflow"))
    if not os.access(built, os.X_OK):
        sys.exit(f"{what}: {os.path.relpath(built, top)} is missing: build the release preset "
                 "first (make release)")
    copy = os.path.join(tmp, "coreflow")
    shutil.copy2(built, copy)
    return copy


def machine_description():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0))
    return f"{model}, {cpus} usable CPUs, Linux {platform.release()}"


def timed(cmd, stdin_path=None, env=None):
    """Runs cmd, returns (seconds, stderr)."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        start = time.monotonic()
        proc = subprocess.run(cmd, stdin=stdin, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env=env)
        elapsed = time.monotonic() - start
    finally:
        if stdin_path:
            stdin.close()
    if proc.returncode != 0:
        sys.exit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n"
                 f"{proc.stderr.decode(errors='replace')}")
    return elapsed, proc.stderr.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", default="build/release")
    ap.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "2000 20000"))
    ap.add_argument("--repeats", type=int, default=int(os.environ.get("BENCH_REPEATS", "3")))
    ap.add_argument("--jobs", type=int, default=2)
    args, _ = ap.parse_known_args()

    coreflow = os.path.join(args.build, "coreflow")
    spawn_loop = os.path.join(args.build, "bench", "spawn_loop")
    for path in (coreflow, spawn_loop):
        if not os.access(path, os.X_OK):
            sys.exit(f"{path} is missing: build the release preset first (make release)")
    env = dict(os.environ, HOME=tempfile.mkdtemp(prefix="bench-home-"))
    j = str(args.jobs)
    misses = []
    print(f"# Launch benchmark: /bin/true at -j{j}")
    print(f"Machine: {machine_description()}\n")

    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(s) for s in args.sizes.split()]:
            inputs = os.path.join(tmp, f"inputs-{n}.txt")
            with open(inputs, "w") as f:
                f.write("".join(f"{i}\n" for i in range(1, n + 1)))
            runners = {
                "raw posix_spawn loop": ([spawn_loop, str(n), j, "/bin/true"], None),
                "xargs -P2 -n1": (["xargs", f"-P{j}", "-n1", "/bin/true"], inputs),
                "GNU parallel -j2": (["parallel", "--will-cite", f"-j{j}", "/bin/true"], inputs),
                "coreflow run -j2": ([coreflow, "run", f"-j{j}", "--stats", "/bin/true"], inputs),
                "coreflow run -j2 -u": ([coreflow, "run", f"-j{j}", "-u", "--stats",
                                         "/bin/true"], inputs),
            }
            times = {name: [] for name in runners}
            cpu = {name: [] for name in runners}
            rss = {name: [] for name in runners}
            # GNU parallel costs ~50x more per task; one run of it is enough at large sizes.
            for rep in range(args.repeats):
                for name, (cmd, stdin_path) in runners.items():
                    if name.startswith("GNU") and n > 5000 and rep > 0:
                        continue
                    secs, err = timed(cmd, stdin_path, env)
                    times[name].append(secs)
                    m = STATS_RE.search(err)
                    if m:
                        cpu[name].append(float(m.group(1)))
                        rss[name].append(int(m.group(2)))
            med = {name: statistics.median(t) for name, t in times.items()}
            raw = med["raw posix_spawn loop"]
            cf = med["coreflow run -j2"]
            print(f"## {n} tasks ({args.repeats} repeats, median)\n")
            print("| runner | ms/task | vs raw loop | coreflow speedup | own CPU us/task "
                  "| peak RSS MiB |")
            print("|---|---:|---:|---:|---:|---:|")
            for name in runners:
                ms = med[name] * 1000 / n
                own = f"{statistics.median(cpu[name]):.0f}" if cpu[name] else "-"
                mem = f"{max(rss[name]) / 1024:.1f}" if rss[name] else "-"
                print(f"| {name} | {ms:.3f} | {med[name] / raw:.2f}x | {med[name] / cf:.2f}x "
                      f"| {own} | {mem} |")
            print()
            own_cf = statistics.median(cpu["coreflow run -j2"])
            own_raw = statistics.median(cpu["raw posix_spawn loop"])
            checks = [
                (f"wall <= {TARGETS['wall_vs_raw_max']}x raw loop", cf / raw,
                 cf / raw <= TARGETS["wall_vs_raw_max"]),
                (f">= {TARGETS['speedup_vs_xargs_min']}x faster than xargs",
                 med["xargs -P2 -n1"] / cf,
                 med["xargs -P2 -n1"] / cf >= TARGETS["speedup_vs_xargs_min"]),
                (f">= {TARGETS['speedup_vs_parallel_min']}x faster than GNU parallel",
                 med["GNU parallel -j2"] / cf,
                 med["GNU parallel -j2"] / cf >= TARGETS["speedup_vs_parallel_min"]),
                (f"<= {TARGETS['self_cpu_per_task_us_max']} us own CPU per task "
                 f"(raw loop's own: {own_raw:.0f} us)", own_cf,
                 own_cf <= TARGETS["self_cpu_per_task_us_max"]),
            ]
            for label, value, ok in checks:
                print(f"- {'PASS' if ok else 'MISS'}: {label}: {value:.2f}")
                if not ok:
                    misses.append(f"{n} tasks: {label}")
            print()

        big = os.path.join(tmp, "million.txt")
        with open(big, "w") as f:
            f.write("".join(f"input-{i}.dat\n" for i in range(1_000_000)))
        print("## --dry-run over 1,000,000 inputs\n")
        for label, cmd, stdin_path in [
            (":::: file", [coreflow, "run", "--dry-run", "--stats", "gzip", "{}", "::::", big],
             None),
            ("stdin", [coreflow, "run", "--dry-run", "--stats", "gzip", "{}"], big),
        ]:
            secs, err = timed(cmd, stdin_path, env)
            m = STATS_RE.search(err)
            mib = int(m.group(2)) / 1024 if m else float("nan")
            ok = mib <= TARGETS["dry_run_rss_mib_max"]
            print(f"- {'PASS' if ok else 'MISS'}: {label}: peak RSS {mib:.1f} MiB "
                  f"(target <= {TARGETS['dry_run_rss_mib_max']:.0f}), {secs:.2f} s")
            if not ok:
                misses.append(f"dry-run {label}: {mib:.1f} MiB")
    print()
    if misses:
        print("Missed targets:\n" + "\n".join(f"- {m}" for m in misses))
        return 1
    print("All targets met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
