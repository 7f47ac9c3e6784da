"""The Python package (python/coreflow): coreflow.Executor and `python3 -m coreflow.worker`,
against the real binary.

The functions the executor runs are defined at the top of this module: its workers import
them by module and name. A call that has to wait for the test waits for a file to appear.
"""

import concurrent.futures as cf
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import cfhelp
from cfhelp import CoreflowTestCase

ROOT = os.path.normpath(os.path.join(cfhelp.HERE, "..", ".."))
PACKAGE_DIR = os.path.join(ROOT, "python")
sys.path.insert(0, PACKAGE_DIR)

import coreflow  # noqa: E402  (from the source tree, as PYTHONPATH=python gives it)

WAIT = 20.0  # the longest a call waits for the test's go-ahead


def wait_for(path, timeout=WAIT):
    """Polls for `path` (the test's go-ahead); True when it appeared in time."""
    return cfhelp.wait_until(lambda: os.path.exists(path), timeout, 0.01)


def touch(path):
    open(path, "a").close()


# The calls. Each is found by the worker as test_python_executor.NAME.

def square(x):
    return x * x


def square_when(x, directory, last):
    """x*x; the call for 0 returns only once the call for `last` has left its file."""
    if x == 0:
        wait_for(os.path.join(directory, "done-%d" % last))
    if x == last:
        touch(os.path.join(directory, "done-%d" % last))
    return x * x


def fail_with(text):
    raise ValueError("cannot fit " + text)


class Unpicklable(Exception):
    def __init__(self, a, b):
        super().__init__(a)
        self.lock = __import__("threading").Lock()


def raise_unpicklable():
    raise Unpicklable("one", "two")


def blocked(directory, name):
    """Says it started, then waits for the test's go-ahead."""
    touch(os.path.join(directory, "started-" + name))
    if not wait_for(os.path.join(directory, "go")):
        raise RuntimeError("no go-ahead")
    touch(os.path.join(directory, "ran-" + name))
    return name


def record_run(directory, name):
    touch(os.path.join(directory, "ran-" + name))
    return name


def hang_with_grandchild(directory, marker):
    child = subprocess.Popen(["sleep", marker])
    with open(os.path.join(directory, "grandchild"), "w") as f:
        f.write(str(child.pid))
    signal.pause()  # hangs until the call's timeout kills it


def kill_myself():
    os.kill(os.getpid(), signal.SIGKILL)


def environment(name):
    return os.environ.get(name)


def worker_pid():
    return os.getpid()


STATE = None  # set in a worker by its initializer


def initialize(value, directory):
    global STATE
    STATE = value
    with open(os.path.join(directory, "initialized"), "a") as f:
        f.write("%d\n" % os.getpid())


def state_and_pid(_):
    return STATE, os.getpid()


def refuse_to_start():
    raise RuntimeError("no licence server")


def square_unless_seven(x):
    if x == 7:
        raise ValueError("seven")
    return x * x


def make_closure():
    def inner():
        return 1
    return inner


class ExecutorTestCase(CoreflowTestCase):
    def executor(self, **options):
        options.setdefault("coreflow", cfhelp.BIN)
        ex = coreflow.Executor(**options)
        self.addCleanup(ex.shutdown, wait=True, cancel_futures=True)
        return ex

    def go(self):
        touch(self.path("go"))

    def wait_started(self, *names):
        self.wait_files(["started-" + n for n in names])


class MapAndSubmit(ExecutorTestCase):
    def test_map_returns_results_in_input_order(self):
        # The first call finishes last: it waits for the last one's file (on one slot, while
        # the other slot runs the rest).
        with self.executor(max_workers=2) as ex:
            results = list(ex.map(square_when, range(6), [self.tmp] * 6, [5] * 6))
        self.assertEqual(results, [x * x for x in range(6)])

    def test_map_timeout_is_the_waiting_time(self):
        with self.executor(max_workers=1) as ex:
            results = ex.map(blocked, [self.tmp], ["slow"], timeout=0.2)
            with self.assertRaises(cf.TimeoutError):
                next(results)
            self.go()

    def test_submit_and_as_completed(self):
        with self.executor(max_workers=2) as ex:
            futures = {ex.submit(square, x): x for x in range(10)}
            seen = {futures[f]: f.result() for f in cf.as_completed(futures, timeout=WAIT)}
            done, not_done = cf.wait(futures, timeout=WAIT)
        self.assertEqual(seen, {x: x * x for x in range(10)})
        self.assertEqual((len(done), len(not_done)), (10, 0))

    def test_keyword_arguments_and_environment(self):
        with self.executor(max_workers=2, threads_per_task=1) as ex:
            self.assertEqual(ex.submit(int, "ff", base=16).result(WAIT), 255)
            self.assertEqual(ex.submit(environment, "OMP_NUM_THREADS").result(WAIT), "1")
            self.assertEqual(ex.submit(environment, "OPENBLAS_NUM_THREADS").result(WAIT), "1")

    def test_workers_are_warm(self):
        with self.executor(max_workers=1) as ex:
            pids = {ex.submit(worker_pid).result(WAIT) for _ in range(5)}
        self.assertEqual(len(pids), 1)


class ChunksAndInitializer(ExecutorTestCase):
    def test_map_with_chunksize_sends_calls_in_chunks_and_keeps_the_order(self):
        journal = self.path("run.cfj")
        with self.executor(max_workers=2, journal=journal) as ex:
            self.assertEqual(list(ex.map(square, range(10), chunksize=3)),
                             [x * x for x in range(10)])
            with self.assertRaises(ValueError):
                list(ex.map(square, range(3), chunksize=0))
        with open(journal) as f:
            tasks = [line for line in f if line[:1].isdigit()]
        self.assertEqual(len(tasks), 4, tasks)  # 3 + 3 + 3 + 1 calls

    def test_an_exception_in_a_chunk_is_raised_where_its_result_would_be(self):
        with self.executor(max_workers=2) as ex:
            results = ex.map(square_unless_seven, range(10), chunksize=4)
            self.assertEqual([next(results) for _ in range(4)], [0, 1, 4, 9])
            with self.assertRaisesRegex(ValueError, "seven"):
                list(results)

    def test_the_initializer_runs_in_each_worker_before_its_calls(self):
        with self.executor(max_workers=2, initializer=initialize,
                           initargs=("ready", self.tmp)) as ex:
            results = list(ex.map(state_and_pid, range(8)))
        self.assertEqual({state for state, _ in results}, {"ready"})
        with open(self.path("initialized")) as f:
            initialized = {int(line) for line in f}
        self.assertLessEqual({pid for _, pid in results}, initialized)
        self.assertLessEqual(len(initialized), 2)  # once per worker

    def test_an_initializer_that_raises_breaks_the_executor_saying_why(self):
        with self.executor(max_workers=1, initializer=refuse_to_start) as ex:
            future = ex.submit(square, 3)
            with self.assertRaises(coreflow.ExecutorBroken) as caught:
                future.result(WAIT)
        self.assertIn("no licence server", str(caught.exception))
        self.assertIn("initializer test_python_executor.refuse_to_start raised",
                      str(caught.exception))
        with self.assertRaisesRegex(TypeError, "cannot be found that way"):
            self.executor(initializer=lambda: None)


class Errors(ExecutorTestCase):
    def test_an_exception_comes_back_with_the_remote_traceback(self):
        with self.executor(max_workers=1) as ex:
            future = ex.submit(fail_with, "model 7")
            with self.assertRaises(ValueError) as caught:
                future.result(WAIT)
            self.assertEqual(str(caught.exception), "cannot fit model 7")
            cause = caught.exception.__cause__
            self.assertIsInstance(cause, coreflow.RemoteTraceback)
            self.assertIn("in fail_with", str(cause))
            self.assertIn("ValueError: cannot fit model 7", str(cause))
            # An exception that cannot be pickled still comes back, as a CallFailed.
            with self.assertRaises(coreflow.CallFailed) as caught:
                ex.submit(raise_unpicklable).result(WAIT)
            self.assertIn("Unpicklable: one", str(caught.exception))
            self.assertEqual(ex.submit(square, 3).result(WAIT), 9)

    def test_functions_that_cannot_be_found_by_name_are_refused_at_submit(self):
        with self.executor(max_workers=1) as ex:
            with self.assertRaisesRegex(TypeError, "cannot be found that way"):
                ex.submit(lambda: 1)
            with self.assertRaisesRegex(TypeError, "cannot be found that way"):
                ex.submit(make_closure())
            with self.assertRaisesRegex(TypeError, "arguments of .*square cannot be pickled"):
                ex.submit(square, __import__("threading").Lock())

    def test_a_missing_binary_is_a_clear_error(self):
        with self.assertRaisesRegex(FileNotFoundError, "coreflow binary"):
            coreflow.Executor(coreflow=self.path("no-such-coreflow"))

    def test_a_call_past_its_timeout_is_killed_with_its_process_tree(self):
        with self.executor(max_workers=1, timeout=1) as ex:
            future = ex.submit(hang_with_grandchild, self.tmp, self.marker)
            with self.assertRaises(coreflow.CallTimeout) as caught:
                future.result(WAIT)
            self.assertEqual(caught.exception.outcome, "timeout")
            self.assertTrue(os.path.exists(self.path("grandchild")))
            self.assertNoLeftovers()  # the grandchild `sleep MARKER` is gone
            self.assertEqual(list(ex.map(square, range(4))), [0, 1, 4, 9])

    def test_a_worker_killed_during_a_call_fails_that_call_only(self):
        with self.executor(max_workers=2) as ex:
            futures = [ex.submit(square, x) for x in range(3)]
            killed = ex.submit(kill_myself)
            futures += [ex.submit(square, x) for x in range(3, 6)]
            with self.assertRaises(coreflow.WorkerDied):
                killed.result(WAIT)
            self.assertEqual([f.result(WAIT) for f in futures], [x * x for x in range(6)])

    def test_when_coreflow_dies_every_unfinished_future_fails(self):
        ex = self.executor(max_workers=1)
        futures = [ex.submit(blocked, self.tmp, str(i)) for i in range(4)]
        self.wait_started("0")
        os.kill(ex._manager._proc.pid, signal.SIGKILL)
        for future in futures:
            with self.assertRaisesRegex(coreflow.ExecutorBroken, "coreflow exited"):
                future.result(WAIT)
        with self.assertRaises(cf.BrokenExecutor):
            ex.submit(square, 2)


class ShutdownAndCancel(ExecutorTestCase):
    def test_a_pending_call_can_be_cancelled_a_running_one_cannot(self):
        with self.executor(max_workers=1) as ex:
            futures = [ex.submit(blocked, self.tmp, str(i)) for i in range(8)]
            self.wait_started("0")
            self.assertFalse(futures[0].cancel())
            self.assertTrue(futures[7].cancel())
            self.assertTrue(futures[7].cancelled())
            self.go()
            self.assertEqual([f.result(WAIT) for f in futures[:7]], [str(i) for i in range(7)])
        self.assertFalse(os.path.exists(self.path("ran-7")))

    def test_shutdown_waits_for_the_calls(self):
        ex = self.executor(max_workers=2)
        futures = [ex.submit(record_run, self.tmp, str(i)) for i in range(6)]
        ex.shutdown(wait=True)
        self.assertTrue(all(f.done() for f in futures))
        self.assertEqual([f.result() for f in futures], [str(i) for i in range(6)])
        with self.assertRaises(RuntimeError):
            ex.submit(square, 1)

    def test_shutdown_with_cancel_futures_runs_only_what_was_sent(self):
        ex = self.executor(max_workers=1)
        futures = [ex.submit(blocked, self.tmp, str(i)) for i in range(8)]
        self.wait_started("0")
        ex.shutdown(wait=False, cancel_futures=True)
        self.assertTrue(futures[7].cancelled())
        self.go()
        ex.shutdown(wait=True)
        ran = [f.result() for f in futures if not f.cancelled()]
        self.assertEqual(ran, [str(i) for i in range(len(ran))])
        self.assertLess(len(ran), 8)
        for i in range(len(ran), 8):
            self.assertFalse(os.path.exists(self.path("ran-%d" % i)))

    def test_the_temporary_directory_is_removed(self):
        ex = self.executor(max_workers=1)
        directory = ex._manager.directory
        self.assertEqual(ex.submit(square, 2).result(WAIT), 4)
        ex.shutdown(wait=True)
        self.assertFalse(os.path.exists(directory))


# A script that runs its calls with a journal; the calls from FIRST_BLOCKED on wait for the
# file `go`. Each call leaves a file `ran-I-PID` when it runs.
RESUMING_DRIVER = """
import json, os, sys, time
import coreflow

HERE = os.path.dirname(os.path.abspath(__file__))
FIRST_BLOCKED = 4

def compute(i):
    open(os.path.join(HERE, "ran-%d-%d" % (i, os.getpid())), "w").close()
    deadline = time.monotonic() + 20
    while i >= FIRST_BLOCKED and not os.path.exists(os.path.join(HERE, "go")):
        if time.monotonic() > deadline:
            raise RuntimeError("no go-ahead")
        time.sleep(0.01)
    return {"i": i, "square": i * i}

if __name__ == "__main__":
    with coreflow.Executor(max_workers=2, journal=os.path.join(HERE, "run.cfj"),
                           coreflow=sys.argv[1]) as pool:
        results = list(pool.map(compute, range(8)))
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump(results, f)
"""


class Journal(ExecutorTestCase):
    def driver_env(self):
        # A killed script leaves its executor's temporary directory: keep it in the test's.
        os.makedirs(self.path("tmp"), exist_ok=True)
        return cfhelp.base_env({"PYTHONPATH": PACKAGE_DIR, "TMPDIR": self.path("tmp")})

    def ok_records(self):
        try:
            text = self.read("run.cfj").decode()
            return len(cfhelp.Journal(text).final("ok"))
        except (OSError, ValueError):
            return 0

    def runs_of(self, i):
        return [n for n in os.listdir(self.tmp) if n.startswith("ran-%d-" % i)]

    def test_a_rerun_after_sigkill_runs_only_the_unfinished_calls(self):
        script = self.write("driver.py", RESUMING_DRIVER)
        argv = [sys.executable, script, cfhelp.BIN]
        first = subprocess.Popen(argv, cwd=self.tmp, env=self.driver_env(),
                                 stderr=subprocess.PIPE)
        self.addCleanup(cfhelp._reap, first)
        self.assertTrue(cfhelp.wait_until(lambda: self.ok_records() >= 4, WAIT),
                        "four calls did not finish")
        first.kill()
        first.wait()
        # The killed script's coreflow goes with it (and releases the journal).
        self.assertTrue(cfhelp.wait_until(lambda: not cfhelp.processes_with(self.tmp), WAIT),
                        cfhelp.processes_with(self.tmp))
        self.assertFalse(os.path.exists(self.path("results.json")))
        self.go()
        second = cfhelp.run(argv, cwd=self.tmp, env=self.driver_env())
        self.assertEqual(second.returncode, 0, second)
        results = json.loads(self.read("results.json"))
        self.assertEqual(results, [{"i": i, "square": i * i} for i in range(8)])
        for i in range(4):
            self.assertEqual(len(self.runs_of(i)), 1, "call %d ran again" % i)
        for i in range(4, 8):
            self.assertGreaterEqual(len(self.runs_of(i)), 1)
        # The second run sent coreflow only the four unfinished calls.
        journal = self.read("run.cfj").decode()
        second_part = journal[journal.rindex("#resume\t"):]
        self.assertEqual(len(cfhelp.Journal(journal).final("ok")), 8)
        self.assertEqual(sum(1 for line in second_part.splitlines()
                             if line.endswith("\tok\t1")), 4)

    def test_a_journal_answers_finished_calls_within_and_across_runs(self):
        journal = self.path("calls.cfj")
        with self.executor(max_workers=2, journal=journal) as ex:
            self.assertEqual(ex.submit(record_run, self.tmp, "a").result(WAIT), "a")
            self.assertEqual(ex.submit(record_run, self.tmp, "a").result(WAIT), "a")
        os.unlink(self.path("ran-a"))
        with self.executor(max_workers=2, journal=journal) as ex:
            self.assertEqual(ex.submit(record_run, self.tmp, "a").result(WAIT), "a")
            self.assertEqual(ex.submit(record_run, self.tmp, "b").result(WAIT), "b")
        self.assertFalse(os.path.exists(self.path("ran-a")))
        self.assertTrue(os.path.exists(self.path("ran-b")))

    def test_a_script_that_makes_an_executor_as_it_is_imported_gets_a_clear_error(self):
        # Its workers import it to find its functions (as spawn does): without the
        # `if __name__ == "__main__":` guard each would make an executor of its own.
        script = self.write("unguarded.py", "import sys, coreflow\n"
                            "def square(x):\n    return x * x\n"
                            "with coreflow.Executor(coreflow=sys.argv[1]) as pool:\n"
                            "    print(list(pool.map(square, range(3))))\n")
        result = cfhelp.run([sys.executable, script, cfhelp.BIN], cwd=self.tmp,
                            env=self.driver_env())
        self.assertNotEqual(result.returncode, 0, result)
        self.assertIn("coreflow.ExecutorBroken", result.err)
        self.assertIn("put the code that makes it under", result.err)

    def test_a_journal_in_use_is_a_clear_error(self):
        journal = self.path("busy.cfj")
        first = self.executor(max_workers=1, journal=journal)
        running = first.submit(blocked, self.tmp, "0")
        self.wait_started("0")
        second = self.executor(max_workers=1, journal=journal)
        with self.assertRaisesRegex(coreflow.ExecutorBroken, "in use by another coreflow"):
            second.submit(square, 2).result(WAIT)
        self.go()
        self.assertEqual(running.result(WAIT), "0")


# A per-item script, unchanged: it reads sys.argv and prints. Importing it leaves a file.
PER_ITEM_SCRIPT = """import os, sys
open("imported-%d" % os.getpid(), "w").close()

def main():
    name = sys.argv[1]
    if name == "bad":
        sys.exit(4)
    if name == "boom":
        raise KeyError(name)
    print("scored", name, len(sys.argv))

if __name__ == "__main__":
    main()
"""


class ScriptWorker(CoreflowTestCase):
    def worker(self, script):
        return "%s -m coreflow.worker %s" % (cfhelp.PY, script)

    def env(self):
        return cfhelp.base_env({"PYTHONPATH": PACKAGE_DIR})

    def test_an_unchanged_per_item_script_serves_tasks(self):
        self.write("score.py", PER_ITEM_SCRIPT)
        result = self.cf("-j", "1", "-k", "--joblog", "run.log", "--worker",
                         self.worker("score.py"), "{}", ":::", "a", "b c", "bad", "boom", "d",
                         env=self.env())
        self.assertEqual(result.returncode, 2, result)
        self.assertEqual(result.out, "scored a 2\nscored b c 2\nscored d 2\n")
        self.assertIn("KeyError: 'boom'", result.err)
        status = {r[8]: (r[15], r[6]) for r in cfhelp.Journal(self.read("run.log").decode())
                  .final()}
        self.assertEqual(status["bad"], ("failed", "4"))
        self.assertEqual(status["boom"], ("failed", "1"))
        imported = [n for n in os.listdir(self.tmp) if n.startswith("imported-")]
        self.assertEqual(len(imported), 1, "imported once per worker")

    def test_main_with_one_parameter_gets_the_arguments(self):
        self.write("args.py", "def main(argv):\n    print('|'.join(argv))\n")
        result = self.cf("-k", "--worker", self.worker("args.py"), "{}", "--x", ":::", "a", "b",
                         env=self.env())
        self.assertEqual((result.returncode, result.out), (0, "a|--x\nb|--x\n"), result)

    def test_a_script_without_main_is_a_clear_error(self):
        self.write("nomain.py", "print('hello')\n")
        result = self.cf("--worker", self.worker("nomain.py"), "{}", ":::", "a", env=self.env())
        self.assertEqual(result.returncode, 255, result)
        self.assertIn("has no main() function", result.err)


# A seed-style script as users wrote it for ProcessPoolExecutor: a likelihood per batch.
SEED_SCRIPT = """import json
import numpy as np
from concurrent.futures import ProcessPoolExecutor

DATA = np.sin(np.linspace(0, 6, 400))

def log_likelihood(seed):
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=(64, 3))                     # a batch of parameter vectors
    basis = np.vstack([np.ones_like(DATA), DATA, DATA ** 2])
    residual = DATA[None, :] - theta @ basis
    return float(np.logaddexp.reduce(-0.5 * np.einsum("ij,ij->i", residual, residual)))

if __name__ == "__main__":
    with ProcessPoolExecutor(max_workers=2) as pool:
        print(json.dumps([round(v, 6) for v in pool.map(log_likelihood, range(12))]))
"""
PORTED_LINE = ("from concurrent.futures import ProcessPoolExecutor",
               "from coreflow import Executor as ProcessPoolExecutor")


class SeedScript(CoreflowTestCase):
    def test_a_numpy_script_ported_from_process_pool_by_one_line(self):
        if subprocess.run([sys.executable, "-c", "import numpy"],
                          stderr=subprocess.DEVNULL).returncode != 0:
            self.skipTest("numpy is not installed for %s" % sys.executable)
        self.write("seed.py", SEED_SCRIPT)
        self.write("ported.py", SEED_SCRIPT.replace(*PORTED_LINE))
        env = cfhelp.base_env({"PYTHONPATH": PACKAGE_DIR, "COREFLOW_BIN": cfhelp.BIN})
        seed = cfhelp.run([sys.executable, "seed.py"], cwd=self.tmp, env=env)
        ported = cfhelp.run([sys.executable, "ported.py"], cwd=self.tmp, env=env)
        self.assertEqual(seed.returncode, 0, seed)
        self.assertEqual(ported.returncode, 0, ported)
        self.assertEqual(len(json.loads(ported.out)), 12)
        self.assertEqual(ported.out, seed.out)


class WorkerHelperCopy(unittest.TestCase):
    def test_the_single_file_helper_works_alone_as_a_copy(self):
        # Users copy contrib/python/coreflow_worker.py next to their script: it must need
        # nothing but the standard library.
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(os.path.join(ROOT, "contrib", "python", "coreflow_worker.py"), tmp)
            r = subprocess.run([sys.executable, "-S", "-c",
                                "import coreflow_worker; print(coreflow_worker.__all__)"],
                               cwd=tmp, capture_output=True, text=True,
                               env={"PATH": os.environ.get("PATH", "")})
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("serve", r.stdout)


if __name__ == "__main__":
    unittest.main()
