#!/usr/bin/env python3
"""coreflow.Executor against concurrent.futures.ProcessPoolExecutor on a seed-style numpy script.

The script is the usual one: a likelihood per batch of parameter vectors (matrix products
through numpy's BLAS), one call per batch, max_workers = the usable cores. Configurations:

  pool, 1 BLAS thread    ProcessPoolExecutor with OPENBLAS_NUM_THREADS=1 exported, as users do
  coreflow, -t 1         coreflow.Executor(threads_per_task=1): coreflow sets the thread variables
  pool, default threads  ProcessPoolExecutor as it comes: every worker's BLAS starts a thread
                         per core, so the node runs cores x cores threads (oversubscribed)

Each run is a fresh process (interpreter, pool and workers started, every call made), timed
from before the pool is made to the last result. Rounds interleave the configurations; the
table has the median of the rounds, and the range. Run with the interpreter that has numpy:

    /usr/bin/python3 bench/python_executor.py [--rounds 5] [--calls 96] [--chunksize 1]

--chunksize N is map's, for every configuration: N calls per round trip to a worker.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
THREAD_VARIABLES = ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "BLIS_NUM_THREADS", "GOTO_NUM_THREADS", "NUMEXPR_NUM_THREADS"]

CONFIGS = [
    ("pool, 1 BLAS thread", "pool", {"OPENBLAS_NUM_THREADS": "1"}),
    ("coreflow, threads_per_task=1", "coreflow", {}),
    ("pool, default BLAS threads", "pool", {}),
]


# The seed script's work: the log-likelihood of a batch of parameter vectors.

def log_likelihood(seed):
    import numpy as np
    rng = np.random.default_rng(seed)
    design = rng.standard_normal((512, 384))     # the model's basis at the data points
    theta = rng.standard_normal((384, 256))      # 256 parameter vectors of the batch
    data = rng.standard_normal(512)
    total = 0.0
    for _ in range(6):
        residual = design @ theta - data[:, None]
        chi2 = np.einsum("ij,ij->j", residual, residual)
        total += float(np.logaddexp.reduce(-0.5 * chi2 / 512))
        theta = theta * 0.99 + 0.01 * (design.T @ residual) / 512
    return total


def child(kind, calls, workers, chunksize):
    """One run of the seed script with one pool; prints its wall time as JSON."""
    start = time.monotonic()
    if kind == "pool":
        from concurrent.futures import ProcessPoolExecutor
        pool = ProcessPoolExecutor(max_workers=workers)
    else:
        import coreflow
        pool = coreflow.Executor(max_workers=workers, threads_per_task=1)
    with pool:
        results = list(pool.map(log_likelihood, range(calls), chunksize=chunksize))
    print(json.dumps({"seconds": time.monotonic() - start, "check": round(sum(results), 3)}))


def run_child(kind, extra_env, calls, workers, chunksize):
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    env.update(extra_env)
    env["PYTHONPATH"] = os.pathsep.join([os.path.join(ROOT, "python")] + [
        p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", kind,
                          "--calls", str(calls), "--workers", str(workers),
                          "--chunksize", str(chunksize)],
                         env=env, check=True, stdout=subprocess.PIPE).stdout
    return json.loads(out.decode().strip().splitlines()[-1])


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import numpy
    return "%s; %d usable cores (%d online); Python %s, numpy %s" % (
        model, len(os.sched_getaffinity(0)), os.cpu_count(), platform.python_version(),
        numpy.__version__)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=96)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--chunksize", type=int, default=1)
    parser.add_argument("--child", choices=["pool", "coreflow"])
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.calls, args.workers, args.chunksize)
    if "COREFLOW_BIN" not in os.environ:
        os.environ["COREFLOW_BIN"] = os.path.join(ROOT, "build", "release", "coreflow")
    times = {name: [] for name, _, _ in CONFIGS}
    checks = set()
    for round_ in range(args.rounds):
        # Interleaved, and each round starting with another configuration.
        order = CONFIGS[round_ % len(CONFIGS):] + CONFIGS[:round_ % len(CONFIGS)]
        for name, kind, env in order:
            result = run_child(kind, env, args.calls, args.workers, args.chunksize)
            times[name].append(result["seconds"])
            checks.add(result["check"])
            print("round %d: %-30s %.2fs" % (round_ + 1, name, result["seconds"]),
                  file=sys.stderr)
    if len(checks) != 1:
        sys.exit("the configurations computed different results: %r" % checks)
    base = statistics.median(times[CONFIGS[0][0]])
    print("%s; %d calls, max_workers=%d, chunksize=%d, median of %d interleaved rounds\n"
          % (machine(), args.calls, args.workers, args.chunksize, args.rounds))
    print("| configuration | median (s) | range (s) | vs pool, 1 BLAS thread |")
    print("|---|---|---|---|")
    for name, _, _ in CONFIGS:
        median = statistics.median(times[name])
        print("| %s | %.2f | %.2f-%.2f | %.2fx |" % (name, median, min(times[name]),
                                                  max(times[name]), median / base))


if __name__ == "__main__":
    main()
