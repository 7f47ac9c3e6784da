#!/usr/bin/env python3
"""Checks and summarises a demo run: every input has a valid result, every task saw the
threads it was given, the hidden periods were found; writes one TSV row per input.

  summarize.py --list inputs.txt --out-dir out --truth truth.tsv --joblog joblog.tsv \
               --threads 2 --tsv summary.tsv

Exits 1 when an output is missing or wrong, or a task failed; 0 otherwise.
"""
import argparse
import hashlib
import json
import os
import statistics
import sys

PERIOD_TOLERANCE = 0.02  # relative


def read_truth(path):
    truth = {}
    with open(path) as f:
        next(f)
        for line in f:
            name, noise_sd, periods, _ = line.rstrip("\n").split("\t")
            truth[name] = (float(noise_sd), [float(p) for p in periods.split(",")])
    return truth


def read_joblog(path):
    """Rows of the journal (GNU parallel's joblog columns first) as (start, runtime, exitval,
    signal). Lines starting with '#' are coreflow's notes; the first other line names the
    columns."""
    rows = []
    with open(path) as f:
        lines = (line for line in f if not line.startswith("#"))
        header = next(lines, "").rstrip("\n").split("\t")
        col = {name: i for i, name in enumerate(header)}
        for line in lines:
            fields = line.rstrip("\n").split("\t")
            if len(fields) < len(header):
                continue
            rows.append((float(fields[col["Starttime"]]), float(fields[col["JobRuntime"]]),
                         int(fields[col["Exitval"]]), int(fields[col["Signal"]])))
    return rows


def most_at_once(rows):
    # The joblog rounds start and runtime to milliseconds each, so a task that starts as
    # another ends can seem to overlap it by 1 ms: ignore overlaps that small. At equal
    # times an end sorts before a start.
    events = sorted([(round(s * 1000), 1) for s, _, _, _ in rows] +
                    [(round((s + r) * 1000) - 2, -1) for s, r, _, _ in rows])
    now = best = 0
    for _, step in events:
        now += step
        best = max(best, now)
    return best


def check_one(path, out_dir, truth, threads):
    """Returns (tsv row, list of problems) for one input."""
    base = os.path.splitext(os.path.basename(path))[0]  # what {/.} gives
    out = os.path.join(out_dir, base + ".json")
    true_sd, true_periods = truth.get(os.path.basename(path), (float("nan"), []))
    row = {"file": os.path.basename(path),
           "true_periods_h": ",".join(f"{p:.2f}" for p in true_periods)}
    try:
        with open(out) as f:
            result = json.load(f)
    except FileNotFoundError:
        return row, [f"{out}: missing"]
    except (OSError, ValueError) as e:
        return row, [f"{out}: unreadable: {e}"]

    problems = []
    with open(path, "rb") as f:
        if result.get("input_sha256") != hashlib.sha256(f.read()).hexdigest():
            problems.append(f"{out}: made from a different {path}")
    found = [o["period_h"] for o in result.get("oscillations", [])]
    ok = len(found) == len(true_periods) and all(
        abs(f - t) <= PERIOD_TOLERANCE * t for f, t in zip(found, true_periods))
    if not ok:
        problems.append(f"{out}: periods {found} h, expected {true_periods} h")
    seen = result.get("threads", {})
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        if seen.get(var) != str(threads):
            problems.append(f"{out}: task saw {var}={seen.get(var)}, expected {threads}")
    if seen.get("blas_threads") not in (None, threads):
        problems.append(f"{out}: BLAS ran {seen['blas_threads']} threads, expected {threads}")
    row.update({
        "found_periods_h": ",".join(f"{p:.2f}" for p in found),
        "periods_ok": "yes" if ok else "NO",
        "true_noise_sd": f"{true_sd:.3f}",
        "found_noise_sd": f"{result.get('noise_sd', float('nan')):.3f}",
        "OMP_NUM_THREADS": seen.get("OMP_NUM_THREADS"),
        "blas_threads": seen.get("blas_threads"),
        "seconds": result.get("seconds"),
        "cpu_seconds": result.get("cpu_seconds"),
        "blas_library": os.path.basename(seen.get("blas_library") or "?"),
    })
    return row, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--joblog", required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--tsv", required=True)
    args = ap.parse_args()

    with open(args.list) as f:
        inputs = [line.rstrip("\n") for line in f if line.strip()]
    truth = read_truth(args.truth)
    rows, problems = [], []
    for path in inputs:
        row, trouble = check_one(path, args.out_dir, truth, args.threads)
        rows.append(row)
        problems += trouble

    columns = ["file", "true_periods_h", "found_periods_h", "periods_ok", "true_noise_sd",
               "found_noise_sd", "OMP_NUM_THREADS", "blas_threads", "seconds", "cpu_seconds",
               "blas_library"]
    with open(args.tsv, "w") as f:
        f.write("\t".join(columns) + "\n")
        for row in rows:
            f.write("\t".join("" if row.get(c) is None else str(row[c]) for c in columns) + "\n")

    jobs = read_joblog(args.joblog) if os.path.exists(args.joblog) else []
    failed = [r for r in jobs if r[2] != 0 or r[3] != 0]
    if len(jobs) != len(inputs):
        problems.append(f"{args.joblog}: {len(jobs)} tasks logged for {len(inputs)} inputs")
    if failed:
        problems.append(f"{args.joblog}: {len(failed)} tasks failed")

    done = [r for r in rows if "seconds" in r]
    print(f"  inputs: {len(inputs)}, results: {len(done)}, "
          f"periods recovered: {sum(r.get('periods_ok') == 'yes' for r in rows)}/{len(inputs)}")
    if done:
        omp = sorted({str(r["OMP_NUM_THREADS"]) for r in done})
        blas = sorted({str(r["blas_threads"]) for r in done})
        libs = sorted({r["blas_library"] for r in done})
        secs = [r["seconds"] for r in done]
        cpu = sum(r["cpu_seconds"] for r in done) / max(sum(secs), 1e-9)
        print(f"  threads per task: OMP_NUM_THREADS={'/'.join(omp)}, "
              f"BLAS threads={'/'.join(blas)} ({', '.join(libs)})")
        print(f"  analysis per task: median {statistics.median(secs):.2f} s, "
              f"{cpu:.2f} cores busy on average")
    if jobs:
        span = max(s + r for s, r, _, _ in jobs) - min(s for s, _, _, _ in jobs)
        print(f"  coreflow: {len(jobs)} tasks in {span:.1f} s, up to {most_at_once(jobs)} at once, "
              f"{len(failed)} failed")
    for p in problems:
        print(f"  PROBLEM: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
