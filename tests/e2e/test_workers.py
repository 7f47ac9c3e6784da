"""Warm workers (--worker): the real binary with Python workers built on the shipped helper."""

import json
import os
import signal
import subprocess
import time
import unittest

import cfhelp
from cfhelp import CoreflowTestCase

HELPER_DIR = os.path.join(cfhelp.HERE, "..", "..", "contrib", "python")
EXAMPLES = os.path.join(cfhelp.HERE, "..", "..", "examples", "workers")

# One program, two ways to run it: `--cold ARGS...` does one task and exits, no arguments
# serves tasks as a worker. What a task does depends on its first argument.
WORKER = r"""
import os, sys, time
import coreflow_worker

START = float(os.environ.get("START_SECONDS", "0"))

def work(args):
    what = args[0] if args else ""
    if what == "crash" and not os.path.exists("crashed"):
        open("crashed", "w").close()
        os._exit(7)
    if what == "hang":
        time.sleep(60)
    if what == "garbage":
        os.write(int(os.environ["COREFLOW_RESULT_FD"]), b"this is not json\n")
        time.sleep(60)
    if what == "wrong-id":
        os.write(int(os.environ["COREFLOW_RESULT_FD"]), b'{"id": 99999, "status": 0}\n')
        time.sleep(60)
    if what == "big":
        global HOARD
        HOARD = bytearray(80 << 20)
        HOARD[::4096] = b"x" * len(HOARD[::4096])
    if what == "env":
        print(os.environ.get("OMP_NUM_THREADS"), os.environ.get("COREFLOW_SLOT"),
              os.environ.get("COREFLOW_WORKER"))
        return 0
    if what == "pid":
        print(os.getpid())
        return 0
    if what == "fail":
        raise coreflow_worker.TaskFailed(3, "cannot fit " + " ".join(args[1:]))
    for a in args:
        print("%s:%d" % (a, len(a)))
    print("to stderr", file=sys.stderr)
    return 0

if len(sys.argv) > 1 and sys.argv[1] == "--cold":
    time.sleep(START)
    sys.exit(work(sys.argv[2:]))
time.sleep(START)
coreflow_worker.serve(lambda task: work(task.args))
"""

VALUES = ["a b", "it's", "$(touch PWNED)", "é€", "", "-n", "line\nbreak", "plain"]


class WorkerTest(CoreflowTestCase):
    def setUp(self):
        super().setUp()
        self.write("w.py", WORKER)
        self.env = cfhelp.base_env({"PYTHONPATH": os.path.abspath(HELPER_DIR),
                                    "COREFLOW_CORES": "2"})

    def worker(self, *args, timeout=60, env=None):
        return self.cf("--worker", "%s w.py %s" % (cfhelp.PY, self.marker), *args,
                       env=env or self.env, timeout=timeout)

    def test_results_are_those_of_the_cold_run(self):
        cold = self.cf("-j2", cfhelp.PY, "w.py", "--cold", "{}", ":::", *VALUES, env=self.env)
        warm = self.worker("-j2", "{}", ":::", *VALUES)
        self.assertEqual(cold.returncode, 0, cold)
        self.assertEqual(warm.returncode, 0, warm)
        self.assertEqual(sorted(warm.out.split("\n")), sorted(cold.out.split("\n")))
        self.assertEqual(warm.err.count("to stderr\n"), len(VALUES))
        self.assertFalse(os.path.exists(self.path("PWNED")))
        self.assertNoLeftovers()

    def test_batches_and_several_sources_reach_the_worker(self):
        r = self.worker("-j1", "-k", "-N2", "x{}", ":::", "1", "2", "3")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "x1:2\nx2:2\nx3:2\n")
        r = self.worker("-j1", "-k", "{2}", "{1}", ":::", "a", ":::", "p", "q")
        self.assertEqual(r.out, "p:1\na:1\nq:1\na:1\n")

    def test_start_up_is_accounted_apart_from_tasks(self):
        env = dict(self.env, START_SECONDS="0.6")
        r = self.worker("-j2", "--joblog", "log", "--report", "r.json", "{}",
                        ":::", *map(str, range(8)), env=env)
        self.assertEqual(r.returncode, 0, r)
        rep = json.loads(self.read("r.json"))
        self.assertEqual(rep["workers"]["started"], 2)
        self.assertGreaterEqual(rep["workers"]["startup_s"]["p50"], 0.55)
        self.assertLess(rep["runtime_s"]["max"], 0.5)  # no task carries the start-up
        # At least the 0.6 s the worker sleeps; a loaded machine may add any amount.
        self.assertRegex(r.err, r"coreflow: 2 workers started, start-up p50 (0\.[6-9]|[1-9])")
        self.assertEqual(len(cfhelp.journal_marks(self.read("log").decode(), "worker")), 2)
        again = cfhelp.run([cfhelp.BIN, "report", "log"], cwd=self.tmp)
        self.assertIn("2 workers started", again.out)

    def test_a_failed_task_keeps_the_worker(self):
        r = self.worker("-j1", "{}", ":::", "pid", "fail", "pid")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("coreflow: task 2: cannot fit", r.err)
        pids = r.out.split()
        self.assertEqual(len(pids), 2)
        self.assertEqual(pids[0], pids[1])

    def test_a_worker_that_crashes_is_replaced_and_the_task_retried(self):
        r = self.worker("-j1", "--retries", "2", "--joblog", "log", "{}",
                        ":::", "one", "crash", "two")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("the worker (slot 1) exited with status 7; a new one is started", r.err)
        self.assertEqual(sorted(r.out.split()), ["crash:5", "one:3", "two:3"])
        crash = [(rec[10], rec[15]) for rec in cfhelp.Journal(self.read("log").decode()).records
                 if rec[8].endswith("crash")]
        self.assertEqual(crash, [("1", "failed"), ("2", "ok")])

    def test_a_task_past_its_timeout_kills_the_worker_only(self):
        start = time.monotonic()
        r = self.worker("-j2", "--timeout", "1", "--term-grace", "0.2", "{}",
                        ":::", "hang", "a", "b", "c")
        self.assertEqual(r.returncode, 1, r)
        self.assertLess(time.monotonic() - start, 15)
        self.assertEqual(sorted(r.out.split()), ["a:1", "b:1", "c:1"])
        self.assertIn("failed: input hang (task 1, timeout)", r.err)
        self.assertNoLeftovers()

    def test_protocol_errors_fail_the_task_and_replace_the_worker(self):
        for what, says in (("garbage", "bad answer 'this is not json': not a JSON object"),
                           ("wrong-id", "the answer names task 99999, but it was running task 1")):
            r = self.worker("-j1", "{}", ":::", what, "after")
            self.assertEqual(r.returncode, 1, r)
            self.assertIn("protocol error: " + says, r.err)
            self.assertEqual(r.out, "after:5\n")
        self.assertNoLeftovers()

    def test_a_worker_that_never_gets_ready_stops_the_run(self):
        self.write("silent.py", "import time\ntime.sleep(60)\n")
        start = time.monotonic()
        r = self.cf("--worker", "%s silent.py %s" % (cfhelp.PY, self.marker),
                    "--worker-start-timeout", "0.3", "{}", ":::", "a", "b", env=self.env)
        self.assertEqual(r.returncode, 255, r)
        self.assertIn("not ready after", r.err)
        self.assertIn("failed to start 3 times in a row", r.err)
        self.assertLess(time.monotonic() - start, 20)
        self.write("broken.py", "import sys\nprint('boom: no model file', file=sys.stderr)\n"
                                "sys.exit(3)\n")
        r = self.cf("--worker", "%s broken.py" % cfhelp.PY, "{}", ":::", "a", env=self.env)
        self.assertEqual(r.returncode, 255, r)
        self.assertIn("exited with status 3 before it was ready; its last words on stderr:\n"
                      "boom: no model file", r.err)
        self.assertNoLeftovers()

    def test_workers_are_recycled_after_max_tasks_and_max_rss(self):
        r = self.worker("-j1", "--worker-max-tasks", "2", "{}", ":::", *["pid"] * 5)
        self.assertEqual(r.returncode, 0, r)
        pids = r.out.split()
        self.assertEqual(len(pids), 5)
        self.assertEqual(len(set(pids)), 3)
        self.assertEqual(pids[0], pids[1])
        self.assertNotEqual(pids[1], pids[2])
        r = self.worker("-j1", "--worker-max-rss", "60M", "{}", ":::", "pid", "big", "pid")
        self.assertEqual(r.returncode, 0, r)
        pids = [w for w in r.out.split() if w.isdigit()]
        self.assertEqual(len(pids), 2)
        self.assertNotEqual(pids[0], pids[1])  # replaced after it grew past the limit

    def test_threads_and_slot_reach_the_worker(self):
        r = self.worker("-j2", "-t", "3", "{}", ":::", "env", "env")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(sorted(r.out.splitlines()), ["3 1 1", "3 2 1"])

    def test_bad_worker_flags_are_usage_errors(self):
        for flags in (["--worker", " "], ["--worker", ""], ["--worker-max-tasks", "2"],
                      ["--worker", "x", "--worker-start-timeout", "soon"],
                      ["--worker", "x", "--worker-max-rss", "lots"]):
            r = self.cf(*flags, "touch", "ran", ":::", "a", env=self.env)
            self.assertUsageError(r)
            self.assertFalse(os.path.exists(self.path("ran")))

    def test_resume_of_a_warm_run_after_sigkill(self):
        items = [str(i) for i in range(40)]
        self.write("slow.py", WORKER.replace("for a in args:", "time.sleep(0.05)\n    for a in args:"))
        args = ["--worker", "%s slow.py %s" % (cfhelp.PY, self.marker), "-j2", "--joblog", "log",
                "--no-summary", "{}", ":::", *items]
        p = self.start(*args, env=self.env)
        self.assertTrue(cfhelp.wait_until(
            lambda: os.path.exists(self.path("log")) and self.read("log").count(b"\tok\t") >= 8))
        p.send_signal(signal.SIGKILL)
        first, _ = p.communicate(timeout=30)
        # Workers end on end of file when coreflow is gone, or at once if idle.
        self.assertNoLeftovers(grace=10)
        r = self.cf("--resume", *args, env=self.env)
        self.assertEqual(r.returncode, 0, r)
        done = cfhelp.Journal(self.read("log").decode()).final("ok")
        self.assertEqual(sorted(rec[8].split()[-1] for rec in done), sorted(items))
        self.assertLess(len(r.out.split()), len(items))  # the finished ones did not run again

    @unittest.skipUnless(os.environ.get("COREFLOW_EXAMPLE_WORKER"), "the C++ example is not built")
    def test_the_cpp_example_worker(self):
        worker = os.environ["COREFLOW_EXAMPLE_WORKER"]
        r = self.cf("--worker", worker, "-j2", "{}", ":::", "a", "b c", "fail", env=self.env)
        self.assertEqual(r.returncode, 1, r)
        lines = sorted(r.out.splitlines())
        self.assertEqual([line.split("\t")[0] for line in lines], ["a", "b c"])
        self.assertRegex(r.err, r"coreflow: task 3: .+")

    def test_the_example_runs(self):
        env = cfhelp.base_env({"WORKERS_ITEMS": "4", "SLOW_START_SECONDS": "0.2",
                               "PYTHON": "/usr/bin/python3"})
        r = subprocess.run(["sh", os.path.join(EXAMPLES, "run.sh"), cfhelp.BIN],
                           capture_output=True, env=env, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())


# Raw workers, without the helper, that break the protocol in the ways a careless one does.
RAW = r"""
import json, os, sys
what = sys.argv[1]
out = os.fdopen(3, "w")
def say(obj):
    out.write(json.dumps(obj) + "\n"); out.flush()
if what == "pre-answer":      # answers the request it expects with its ready line, at once
    out.write(json.dumps({"ready": True}) + "\n" + json.dumps({"id": 1, "status": 0}) + "\n")
    out.flush()
else:
    say({"ready": True})
if what == "never-reads":     # answers its request once it has come, without reading it
    import select
    select.select([sys.stdin], [], [])
    say({"id": 1, "status": 0})
    import signal
    signal.pause()            # and leaves it unread until coreflow stops it
if what == "close-results":   # closes its result descriptor and lives on
    out.close()
if what == "die":             # killed by SIGKILL in its first task, as by the OOM killer
    sys.stdin.readline()
    import signal
    os.kill(os.getpid(), signal.SIGKILL)
for line in sys.stdin:
    req = json.loads(line)
    if what == "len":
        print(req["id"], sum(len(a) for a in req["args"]))
        sys.stdout.flush()
        say({"id": req["id"], "status": 0})
"""


class WorkerProtocolTest(CoreflowTestCase):
    def setUp(self):
        super().setUp()
        self.write("raw.py", RAW)

    def raw(self, what, *args, timeout=60):
        return self.cf("--worker", "%s raw.py %s %s" % (cfhelp.PY, what, self.marker),
                       "--joblog", "log", *args, timeout=timeout)

    def test_requests_larger_than_the_pipe_wait_for_room(self):
        big = "x" * 100_000
        r = self.raw("len", "-k", "{}", ":::", big, "small")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "1 100000\n2 5\n")
        many = [str(i) for i in range(3000)]
        r = self.raw("len", "-N", "3000", "{}", ":::", *many)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "1 %d\n" % sum(len(v) for v in many))

    def test_a_worker_that_closes_its_result_descriptor_does_not_hang_the_run(self):
        r = self.raw("close-results", "-j1", "{}", ":::", "a", "b", timeout=60)
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("protocol error: it closed its result descriptor (3)", r.err)
        self.assertNoLeftovers()

    def test_a_worker_killed_mid_task_is_journalled_as_killed_not_as_a_protocol_error(self):
        # Its death closes its result descriptor just before its exit is seen: the journal
        # must say signal 9, every time.
        items = [str(i) for i in range(8)]
        r = self.raw("die", "-j2", "{}", ":::", *items, timeout=120)
        self.assertEqual(r.returncode, len(items), r)
        self.assertNotIn("protocol error", r.err)
        j = cfhelp.Journal(self.read("log").decode())
        final = j.final()
        self.assertEqual(len(final), len(items))
        self.assertEqual({(rec[6], rec[7], rec[15]) for rec in final}, {("0", "9", "signal")},
                         final)
        self.assertNoLeftovers()

    def test_an_answer_written_before_its_request_is_not_taken(self):
        r = self.raw("pre-answer", "-j1", "{}", ":::", "a")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("protocol error: it wrote an answer before it was sent a request", r.err)
        j = cfhelp.Journal(self.read("log").decode())
        self.assertEqual([rec[15] for rec in j.final()], ["failed"])

    def test_an_answer_from_a_worker_that_never_read_its_request_is_not_taken(self):
        r = self.raw("never-reads", "-j1", "{}", ":::", "a")
        self.assertEqual(r.returncode, 1, r)
        # (If the answer came before the request was even sent, that is refused as well.)
        self.assertRegex(r.err, r"protocol error: an answer \(id 1\) (before it read its request|"
                                r"while it had no task)")


if __name__ == "__main__":
    unittest.main()
