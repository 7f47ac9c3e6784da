"""Stopping tasks: --timeout, --term-grace, Ctrl-C and SIGTERM. No process outlives coreflow.

Every long-running process here is `sleep MARKER`, where MARKER is a unique duration, so a scan
of /proc finds any that survived.
"""

import os
import signal
import time
import unittest

import cfhelp
from cfhelp import CoreflowTestCase

# A task leader that ignores SIGTERM itself (and so do the children it starts), with a
# background grandchild; it reports that it has started through a file.
IGNORE_TERM_SCRIPT = """\
#!/bin/sh
trap "" TERM
sleep "$1" &
touch "started.$2"
sleep "$1"
echo "not reached"
"""


class TimeoutTest(CoreflowTestCase):
    def test_timeout_kills_the_whole_process_group(self):
        m = self.marker
        r = self.cf("--timeout", "1", "--joblog", "log", "-j2",
                    "if [ {} = slow ]; then sh -c 'sleep %s & sleep %s'; fi; echo {}" % (m, m),
                    ":::", "slow", "fast")
        self.assertEqual(r.returncode, 1, r)  # one task failed
        self.assertEqual(r.stdout, b"fast\n")
        self.assertGreaterEqual(r.elapsed, 0.9)
        self.assertLess(r.elapsed, 8.0, "a timeout of 1 s took far longer")
        self.assertNoLeftovers()
        header, rows = cfhelp.read_joblog(self.read("log").decode())
        self.assertEqual(header, cfhelp.JOBLOG_HEADER)
        by_seq = {row[0]: row for row in rows}
        self.assertEqual(len(rows), 2, rows)
        self.assertEqual((by_seq["1"][6], by_seq["1"][7]), ("-1", "15"), "killed by the timeout")
        self.assertEqual((by_seq["2"][6], by_seq["2"][7]), ("0", "0"))

    def test_direct_sh_leader(self):
        m = self.marker
        r = self.cf("--timeout", "0.5", "--joblog", "-", "sh", "-c",
                    "'sleep %s & sleep %s'" % (m, m), ":::", "x")
        self.assertEqual(r.returncode, 1, r)
        self.assertLess(r.elapsed, 8.0)
        rows = cfhelp.read_joblog(r.out)[1]
        self.assertEqual([(row[6], row[7]) for row in rows], [("-1", "15")])
        self.assertNoLeftovers()

    def test_term_grace_then_sigkill(self):
        self.write("ignore.sh", IGNORE_TERM_SCRIPT, 0o755)
        r = self.cf("--timeout", "0.5", "--term-grace", "1", "--joblog", "log",
                    "./ignore.sh", self.marker, "{}", ":::", "1")
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(r.stdout, b"")
        self.assertTrue(os.path.exists(self.path("started.1")))
        self.assertGreaterEqual(r.elapsed, 1.4, "SIGKILL must wait for the grace period")
        self.assertLess(r.elapsed, 10.0)
        rows = cfhelp.read_joblog(self.read("log").decode())[1]
        self.assertEqual([(row[6], row[7]) for row in rows], [("-1", "9")])
        self.assertNoLeftovers()

    def test_task_that_obeys_sigterm_does_not_wait_for_the_grace(self):
        r = self.cf("--timeout", "0.5", "--term-grace", "60", "sleep", ":::", self.marker)
        self.assertEqual(r.returncode, 1, r)
        self.assertLess(r.elapsed, 20.0, "the grace period is a limit, not a wait")
        self.assertNoLeftovers()

    def test_timed_out_task_is_retried(self):
        r = self.cf("--timeout", "0.3", "--retries", "2", "--joblog", "log",
                    "echo x >> count; echo out {}; sleep %s" % self.marker, ":::", "a")
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(r.stdout, b"out a\n")  # the last attempt's output only
        self.assertEqual(self.read("count"), b"x\nx\n")
        rows = cfhelp.read_joblog(self.read("log").decode())[1]
        self.assertEqual([(row[6], row[7], row[10], row[15], row[16]) for row in rows],
                         [("-1", "15", "1", "timeout", "0"), ("-1", "15", "2", "timeout", "1")])
        self.assertNoLeftovers()

    def test_timeouts_are_not_retried_when_asked(self):
        r = self.cf("--timeout", "0.3", "--retries", "3", "--no-retry-timeouts", "--joblog", "log",
                    "echo x >> count; sleep %s; : {}" % self.marker, ":::", "a")
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(self.read("count"), b"x\n")
        rows = cfhelp.read_joblog(self.read("log").decode())[1]
        self.assertEqual([(row[15], row[16]) for row in rows], [("timeout", "1")])
        self.assertNoLeftovers()

    def test_fast_tasks_are_not_touched_by_the_timeout(self):
        r = self.cf("--timeout", "30", "--joblog", "log", "-k", "echo", ":::", "a", "b")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, b"a\nb\n")
        self.assertLess(r.elapsed, 20.0)
        rows = cfhelp.read_joblog(self.read("log").decode())[1]
        self.assertEqual([(row[6], row[7]) for row in rows], [("0", "0"), ("0", "0")])

    def test_bad_timeouts(self):
        for value in ("abc", "0", "-1", "5x", ""):
            with self.subTest(value=value):
                r = self.cf("--timeout", value, "touch", "ran", ":::", "x")
                self.assertUsageError(r)
        self.assertFalse(os.path.exists(self.path("ran")))


class InterruptTest(CoreflowTestCase):
    def start_long_tasks(self, n, *extra, inputs=None):
        """Starts n long tasks at once (each with a background grandchild) and waits for them."""
        m = self.marker
        env = cfhelp.base_env({"COREFLOW_CORES": str(n)})
        proc = self.start("-j%d" % n, *extra,
                          "sh -c 'sleep %s & sleep %s & touch started.{}; wait'" % (m, m),
                          ":::", *[str(i) for i in range(1, (inputs or n) + 1)], env=env)
        self.wait_files(["started.%d" % i for i in range(1, n + 1)])
        return proc

    def test_sigint_stops_everything(self):
        proc = self.start_long_tasks(3)
        os.kill(proc.pid, signal.SIGINT)
        t0 = time.monotonic()
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 130, err)
        self.assertLess(time.monotonic() - t0, 10.0)
        self.assertIn(b"terminating 3 running tasks", err)
        self.assertNoLeftovers()

    def test_sigterm_exits_143(self):
        proc = self.start_long_tasks(2)
        os.kill(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 143, err)
        self.assertNoLeftovers()

    def test_sighup_exits_129(self):
        proc = self.start_long_tasks(1)
        os.kill(proc.pid, signal.SIGHUP)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 129, err)
        self.assertNoLeftovers()

    def test_no_new_task_starts_after_sigint(self):
        proc = self.start_long_tasks(2, inputs=4)
        os.kill(proc.pid, signal.SIGINT)
        proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 130)
        # Only the two running tasks ever started; the other inputs were never run.
        self.assertFalse(os.path.exists(self.path("started.3")))
        self.assertFalse(os.path.exists(self.path("started.4")))
        self.assertNoLeftovers()

    def test_second_sigint_kills_at_once(self):
        self.write("ignore.sh", IGNORE_TERM_SCRIPT, 0o755)
        env = cfhelp.base_env({"COREFLOW_CORES": "2"})
        proc = self.start("-j2", "--term-grace", "60", "./ignore.sh", self.marker, "{}",
                          ":::", "1", "2", env=env)
        self.wait_files(["started.1", "started.2"])
        t0 = time.monotonic()
        os.kill(proc.pid, signal.SIGINT)
        # Wait until coreflow has acted on the first signal: two signals sent back to back
        # could reach it as one.
        line = proc.stderr.readline()
        self.assertIn(b"terminating 2 running tasks", line)
        self.assertIsNone(proc.poll(), "tasks ignore SIGTERM: coreflow must still be waiting")
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 130, err)
        self.assertLess(time.monotonic() - t0, 20.0, "the second Ctrl-C must not wait 60 s")
        self.assertEqual(out, b"")
        self.assertNoLeftovers()

    def test_single_sigint_kills_after_the_grace(self):
        self.write("ignore.sh", IGNORE_TERM_SCRIPT, 0o755)
        proc = self.start("--term-grace", "0.5", "./ignore.sh", self.marker, "{}", ":::", "1")
        self.wait_files(["started.1"])
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 130, err)
        self.assertNoLeftovers()


class SecondSignalDuringCleanupTest(CoreflowTestCase):
    def test_a_second_sigint_while_an_orphan_gets_its_grace_kills_at_once(self):
        # An orphan that ignores SIGTERM and cleared its environment (so no task can claim it)
        # is ended when the run ends, after --term-grace; a second Ctrl-C cuts that short.
        m = self.marker
        self.write("task.sh", "setsid env -i sh -c 'trap \"\" TERM; touch orphan.ready; "
                              "exec sleep %s' &\nwhile [ ! -e orphan.ready ]; do sleep 0.01; done\n"
                              "touch started\nexec sleep %s\n" % (m, m))
        proc = self.start("--term-grace", "60", "--joblog", "log", "sh", "task.sh", ":::", "a")
        self.wait_files(["started"])
        os.kill(proc.pid, signal.SIGINT)
        # Once the task's record is in the journal, coreflow is ending the orphan.
        self.assertTrue(cfhelp.wait_until(
            lambda: b"\tinterrupted\t" in self.read("log"), 20), self.read("log"))
        t0 = time.monotonic()
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=50)
        self.assertEqual(proc.returncode, 130, err)
        self.assertLess(time.monotonic() - t0, 20.0, "the second Ctrl-C must not wait 60 s")
        self.assertNoLeftovers()


class OrphanTest(CoreflowTestCase):
    def test_grandchild_in_its_own_session_is_ended(self):
        # The task leaves a grandchild behind in a new session (out of its process group) and
        # exits: coreflow, the subreaper, still ends it before it exits itself.
        r = self.cf("sh -c 'setsid sleep %s & echo started {}'" % self.marker, ":::", "x")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, b"started x\n")
        self.assertNoLeftovers(grace=2.0)

    def test_grandchild_in_its_own_session_is_ended_on_sigint(self):
        m = self.marker
        proc = self.start("sh -c 'setsid sleep %s & sleep %s & touch started.{}; wait'" % (m, m),
                          ":::", "1")
        self.wait_files(["started.1"])
        os.kill(proc.pid, signal.SIGINT)
        proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 130)
        self.assertNoLeftovers(grace=2.0)

    def test_grandchild_in_its_own_session_is_ended_on_timeout(self):
        m = self.marker
        r = self.cf("--timeout", "0.5", "sh -c 'setsid sleep %s & sleep %s' {}" % (m, m),
                    ":::", "1")
        self.assertEqual(r.returncode, 1, r)
        self.assertNoLeftovers(grace=2.0)


if __name__ == "__main__":
    unittest.main()
