#!/usr/bin/env python3
"""Scaling from 1 core up (bench/scaling.sh): each benchmark on K cores, one table each."""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
sys.path.insert(0, BENCH)
from launch_bench import machine_description  # noqa: E402


def fail(message):
    sys.exit(f"scaling benchmark: {message}")


def cpus_in_core_order(usable):
    """The usable PUs ordered so that the first K are on K different cores when there are
    K cores: the first PU of every core, then the second of every core, and so on."""
    cores = {}
    for cpu in sorted(usable):
        base = f"/sys/devices/system/cpu/cpu{cpu}/topology/"
        try:
            with open(base + "physical_package_id") as f:
                package = f.read().strip()
            with open(base + "core_id") as f:
                core = f.read().strip()
        except OSError:
            package, core = "?", str(cpu)  # no topology: every PU its own core
        cores.setdefault((package, core), []).append(cpu)
    ordered, depth = [], 0
    while len(ordered) < len(usable):
        ordered += [pus[depth] for pus in cores.values() if len(pus) > depth]
        depth += 1
    return ordered, len(cores)


def counts(usable):
    text = os.environ.get("SCALING_CORES", "1 2 4 8 16")
    try:
        wanted = sorted({int(w) for w in text.split()})
    except ValueError:
        fail(f"SCALING_CORES must be whole numbers, not {text!r}")
    if not wanted or wanted[0] < 1:
        fail(f"SCALING_CORES must be whole numbers of at least 1, not {text!r}")
    return sorted({k for k in wanted if k <= usable} | {usable})


def script_env(script):
    """The environment for one benchmark: THREADS_BENCH_X=v (or TUNE_BENCH_X=v) sets BENCH_X
    for that one only, since the two take the same names for different things."""
    prefix = script.split(".")[0].upper() + "_"
    env = dict(os.environ)
    for name, value in os.environ.items():
        if name.startswith(prefix + "BENCH_"):
            env[name[len(prefix):]] = value
    return env


def run_one(script, build, cpus, json_path, log_path):
    cmd = ["taskset", "-c", ",".join(map(str, cpus)), "sh", os.path.join(BENCH, script), build,
           "--json", json_path]
    print(f"== {script} on {len(cpus)} core{'s' if len(cpus) > 1 else ''} "
          f"(CPUs {','.join(map(str, cpus))})", file=sys.stderr, flush=True)
    with open(log_path, "w") as log:
        try:
            r = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, env=script_env(script))
        except OSError as e:
            fail(f"cannot run taskset: {e.strerror} (it is in util-linux)")
    if r.returncode != 0 or not os.path.exists(json_path):
        with open(log_path) as f:
            tail = f.read()[-2000:]
        return None, f"{script} on {len(cpus)} cores: exit status {r.returncode}\n{tail}"
    with open(json_path) as f:
        return json.load(f), None


def threads_table(results):
    print("## Nested threads (bench/threads.sh): items/s; load = a busy loop per core\n")
    print("| cores | default, load | xargs, load | best hand-picked, load | default vs xargs, "
          "load | default vs best, load | default, no load | default's speed-up, no load |")
    print("|---:|---:|---:|---|---:|---:|---:|---:|")
    base = None
    for k, r in results:
        modes = {m["name"]: m for m in r["modes"]}
        n = r["items"]
        d, x, b = modes["coreflow default"], modes[f"xargs -P{r['cores']} -n1"], \
            modes[r["best_load"]]
        quiet = n / d["wall_no_load"]
        base = base or (quiet if k == 1 else None)
        print(f"| {k} | {n / d['wall_load']:.2f} | {n / x['wall_load']:.2f} "
              f"| {n / b['wall_load']:.2f} (`{r['best_load']}`) "
              f"| {r['default_vs_xargs_load']:.2f}x | {r['default_vs_best_load'] * 100:+.1f} % "
              f"| {quiet:.2f} | {f'{quiet / base:.2f}x' if base else '-'} |")
    r = results[-1][1]
    print(f"\n{r['items']} items of {r['size']}x{r['size']}, median of {r['repeats']} "
          "run(s) each. Targets: default >= 2x xargs under load, and within 10 % of the best.\n")


def tune_table(results):
    print("## Tuning quality (bench/tune.sh)\n")
    print("| cores | grid shapes | the default, items/s | the grid's best | default mode chose "
          "| of the best | its trials / inputs | exhaustive's | online loss |")
    print("|---:|---:|---:|---|---|---:|---:|---:|---:|")
    for k, r in results:
        d, e = r["modes"]["default"], r["modes"]["exhaustive"]
        share = f"{d['share'] * 100:.1f} %" if d["share"] else "-"
        print(f"| {k} | {len(r['grid'])} | {r['grid'][r['default']]:.2f} "
              f"| `{r['best']}` {r['grid'][r['best']]:.2f} | `{d['config']}` | {share} "
              f"| {d['trials']} / {d['inputs']} | {e['trials']} / {e['inputs']} "
              f"| {r['online_loss'] * 100:+.1f} % |")
    print("\nTargets: >= 95 % of the grid's best with <= 1/3 of the exhaustive trial cost; "
          "online loss <= 10 %.\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", default="build/release")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    if not os.access(os.path.join(build, "coreflow"), os.X_OK):
        fail(f"{args.build}/coreflow is missing: build the release preset first (make release)")
    usable = sorted(os.sched_getaffinity(0))
    ordered, physical = cpus_in_core_order(usable)
    ks = counts(len(usable))
    logs = os.environ.get("SCALING_LOGS")
    if logs:
        os.makedirs(logs, exist_ok=True)
    print("# Scaling: bench/threads.sh and bench/tune.sh on 1 to "
          f"{ks[-1]} cores")
    print(f"Machine: {machine_description()}; {len(usable)} usable PUs on {physical} cores. "
          "Each run is confined with taskset to the first K PUs in core order (one PU per core "
          "while K <= the cores).\n")
    failures, tables = [], {"threads.sh": [], "tune.sh": []}
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp:
        for k in ks:
            for script in tables:
                name = f"{script.split('.')[0]}-{k}"
                log = os.path.join(logs or tmp, name + ".md")
                result, err = run_one(script, build, ordered[:k],
                                      os.path.join(tmp, name + ".json"), log)
                if err:
                    failures.append(err)
                else:
                    tables[script].append((k, result))
    if tables["threads.sh"]:
        threads_table(tables["threads.sh"])
    if tables["tune.sh"]:
        tune_table(tables["tune.sh"])
    if logs:
        print(f"Each run's full report: {logs}/")
    for f in failures:
        print(f"FAILED: {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
