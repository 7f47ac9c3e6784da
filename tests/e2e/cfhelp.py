"""Shared helpers for the end-to-end tests: find and run the coreflow binary, find leftovers.

The binary comes from $COREFLOW_BIN (CTest sets it), else ../../build/dev/coreflow relative to
this file. Every test gets its own temporary working directory and a unique marker string;
processes a test starts carry the marker in their command line, so /proc tells whether any of
them outlived coreflow.
"""

import itertools
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))

# The interpreter running the tests, started without site packages (fast). `python3` on PATH
# may be a slow wrapper script; templates use PY instead.
PY = shlex.quote(sys.executable) + " -S"

# Variables a task inherits that would change what it sees; scrubbed from every run.
THREAD_VARIABLES = [
    "OMP_NUM_THREADS", "OMP_THREAD_LIMIT", "OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS",
    "MKL_NUM_THREADS", "MKL_DYNAMIC", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS", "NUMEXPR_MAX_THREADS", "NUMBA_NUM_THREADS", "JULIA_NUM_THREADS",
    "RAYON_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
]

# A small program that writes its arguments as one JSON line of hex strings, so that every
# byte an argument holds (newlines, NULs aside) survives the trip to the test unchanged.
ARGV_PROGRAM = (
    "import json, os, sys\n"
    "sys.stdout.write(json.dumps([os.fsencode(a).hex() for a in sys.argv[1:]]) + '\\n')\n"
)


def coreflow_bin():
    path = os.environ.get("COREFLOW_BIN")
    if path:
        return os.path.abspath(path)
    return os.path.normpath(os.path.join(HERE, "..", "..", "build", "dev", "coreflow"))


BIN = coreflow_bin()

_counter = itertools.count(1)


def new_marker():
    """A unique number usable as a `sleep` duration: it appears verbatim in the cmdline."""
    return "%d.%d%06d%d" % (900 + next(_counter), os.getpid() % 100000,
                            random.randrange(10**6), next(_counter))


def base_env(extra=None, drop=()):
    env = dict(os.environ)
    for name in THREAD_VARIABLES + ["PARALLEL_SEQ", "PARALLEL_JOBSLOT"]:
        env.pop(name, None)
    for name in list(env):
        if name.startswith("COREFLOW_") and name != "COREFLOW_BIN":
            del env[name]
    for name in drop:
        env.pop(name, None)
    env["LC_ALL"] = "C.UTF-8"
    if extra:
        env.update(extra)
    return env


class Result:
    def __init__(self, returncode, stdout, stderr, elapsed):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed

    @property
    def out(self):
        return self.stdout.decode("utf-8", "replace")

    @property
    def err(self):
        return self.stderr.decode("utf-8", "replace")

    def __repr__(self):
        return "Result(rc=%r, %.2fs, stdout=%r, stderr=%r)" % (
            self.returncode, self.elapsed, self.stdout[:2000], self.stderr[:2000])


def run(argv, *, input=None, env=None, cwd=None, timeout=60):
    """Runs argv to completion with a time limit; returns a Result with bytes output."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE if input is not None
                            else subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env if env is not None else base_env(),
                            cwd=cwd)
    try:
        out, err = proc.communicate(input=input, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError("%r did not finish within %ss; stdout=%r stderr=%r" % (
            argv, timeout, out[:2000], err[:2000]))
    return Result(proc.returncode, out, err, time.monotonic() - start)


def processes_with(marker):
    """(pid, cmdline) of every live process whose command line contains marker."""
    needle = marker.encode() if isinstance(marker, str) else marker
    found = []
    me = os.getpid()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open("/proc/%s/cmdline" % name, "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if needle in cmdline:  # zombies have an empty cmdline and never match
            found.append((int(name), cmdline.replace(b"\0", b" ").decode("utf-8", "replace")))
    return found


def children_of(pid):
    """The direct children of process `pid` (of its main thread)."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def cmdline(pid):
    """The command line of process `pid`, "" when it is gone or exiting."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def wait_until(predicate, timeout=10.0, interval=0.02):
    """Polls predicate until it is true or timeout passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def kill_processes_with(marker):
    for pid, _ in processes_with(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


class CoreflowTestCase(unittest.TestCase):
    """Gives each test a temporary working directory and a marker; cleans both up."""

    maxDiff = 4000

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="coreflow-e2e-")
        self.marker = new_marker()
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        # Runs before the directory goes: a failed test must not leave processes behind.
        self.addCleanup(kill_processes_with, self.marker)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def write(self, name, data, mode=0o644):
        p = self.path(name)
        with open(p, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        os.chmod(p, mode)
        return p

    def read(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()

    def cf(self, *args, input=None, env=None, timeout=60):
        """Runs `coreflow run ARGS...` in the test's directory."""
        return run([BIN, "run", *args], input=input, env=env if env is not None else base_env(),
                   cwd=self.tmp, timeout=timeout)

    def start(self, *args, env=None, stdin=subprocess.DEVNULL):
        """Starts `coreflow run ARGS...` in the background; returns the Popen."""
        proc = subprocess.Popen([BIN, "run", *args], stdin=stdin, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=self.tmp,
                                env=env if env is not None else base_env())
        self.addCleanup(_reap, proc)
        return proc

    def wait_files(self, names, timeout=20.0):
        ok = wait_until(lambda: all(os.path.exists(self.path(n)) for n in names), timeout)
        self.assertTrue(ok, "tasks did not start in time: missing %r" % [
            n for n in names if not os.path.exists(self.path(n))])

    def assertNoLeftovers(self, marker=None, grace=5.0):
        """Asserts that no process carrying the marker is alive (allowing a moment to die)."""
        marker = marker or self.marker
        left = wait_until(lambda: not processes_with(marker), grace)
        self.assertTrue(left, "processes outlived coreflow: %r" % processes_with(marker))

    def assertUsageError(self, result):
        """Exit 255 and exactly one line on stderr, starting with 'coreflow: error:'."""
        self.assertEqual(result.returncode, 255, result)
        lines = result.err.splitlines()
        self.assertEqual(len(lines), 1, result)
        self.assertTrue(lines[0].startswith("coreflow: error: "), result)
        self.assertEqual(result.stdout, b"", result)


def _reap(proc):
    if proc.poll() is None:
        proc.kill()
    try:
        proc.communicate(timeout=10)
    except (subprocess.TimeoutExpired, ValueError, OSError):
        pass


def read_joblog(text):
    """Parses a journal: returns (column names, list of record rows), '#' lines left out."""
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return lines[0].split("\t"), [line.split("\t") for line in lines[1:]]


def journal_marks(text, kind):
    """The '#kind' lines of a journal, split into columns."""
    return [line.split("\t") for line in text.splitlines() if line.startswith("#" + kind + "\t")]


# GNU parallel's nine joblog columns, then coreflow's own.
GNU_JOBLOG_COLUMNS = ["Seq", "Host", "Starttime", "JobRuntime", "Send", "Receive", "Exitval",
                      "Signal", "Command"]
JOBLOG_HEADER = GNU_JOBLOG_COLUMNS + ["Key", "Attempt", "UserCPU", "SysCPU", "MaxRSSKiB", "Slot",
                                      "Outcome", "Final"]


class Journal:
    """A journal read by the rules of docs/journal.md: strict, except that the last line may
    be torn (no newline). Raises ValueError on anything else."""

    def __init__(self, text):
        self.torn = bool(text) and not text.endswith("\n")
        lines = text.split("\n")[:-1]  # a torn last piece is left out
        if not lines or not lines[0].startswith(("#coreflow-journal\t1\t",
                                                  "#coreflow-journal\t2\t")):
            raise ValueError("no version 1 or 2 header: %r" % lines[:1])
        self.version = int(lines[0].split("\t")[1])
        self.template = lines[0].split("\t", 3)[3] if lines[0].count("\t") >= 3 else ""
        self.records, self.starts = [], []
        for number, line in enumerate(lines[1:], start=2):
            if line.startswith("#start\t"):
                cols = line.split("\t")
                if len(cols) != (4 if self.version == 1 else 5):
                    raise ValueError("line %d: bad start mark %r" % (number, line))
                self.starts.append((cols[1], int(cols[2]), int(cols[3])))
            elif line.startswith("#") or line.startswith("Seq\t"):
                continue
            else:
                cols = line.split("\t")
                if len(cols) != 17 or cols[16] not in ("0", "1"):
                    raise ValueError("line %d: bad record %r" % (number, line))
                int(cols[0]), float(cols[2]), float(cols[3]), int(cols[6]), int(cols[10])
                self.records.append(cols)

    def final(self, outcome=None):
        """Final records (those that finish a task), optionally of one outcome."""
        return [r for r in self.records
                if r[16] == "1" and (outcome is None or r[15] == outcome)]
