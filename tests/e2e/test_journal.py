"""The journal (--joblog), --resume, --resume-failed, --retries with delays."""

import os
import signal
import time
import unittest

import cfhelp
from cfhelp import CoreflowTestCase

# Fails unless a file named after the input exists: lets a test make a task pass later.
PASS_IF_FILE = "echo ran {} >> runs; test -e ok.{}"


def runs_of(text):
    return sorted(line.split()[1] for line in text.splitlines())


class ResumeTest(CoreflowTestCase):
    def journal(self):
        return cfhelp.Journal(self.read("log").decode())

    def test_resume_skips_finished_tasks_and_runs_the_rest(self):
        self.write("ok.a", "")
        self.write("ok.c", "")
        r = self.cf("--joblog", "log", PASS_IF_FILE, ":::", "a", "b", "c")
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(runs_of(self.read("runs").decode()), ["a", "b", "c"])
        # GNU meaning: --resume skips failed tasks too; --resume-failed runs them again.
        os.remove(self.path("runs"))
        r = self.cf("--joblog", "log", "--resume", PASS_IF_FILE, ":::", "a", "b", "c", "d")
        self.assertEqual(r.returncode, 1, r)  # d fails
        self.assertEqual(runs_of(self.read("runs").decode()), ["d"])
        self.assertIn("resumed: skipped 3 tasks", r.err)
        os.remove(self.path("runs"))
        self.write("ok.b", "")
        self.write("ok.d", "")
        r = self.cf("--joblog", "log", "--resume-failed", PASS_IF_FILE, ":::", "a", "b", "c", "d")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(runs_of(self.read("runs").decode()), ["b", "d"])
        j = self.journal()
        self.assertEqual(sorted(r[8].split()[-1] for r in j.final("ok")),
                         ["ok.a", "ok.b", "ok.c", "ok.d"])

    def test_tasks_are_matched_by_key_not_position(self):
        r = self.cf("-j1", "--joblog", "log", "echo ran {} >> runs", ":::", "a", "b", "c")
        self.assertEqual(r.returncode, 0, r)
        os.remove(self.path("runs"))
        # Reordered, grown, and with another slot count: only the new values run.
        r = self.cf("-j3", "--joblog", "log", "--resume", "echo ran {} >> runs",
                    ":::", "x", "c", "a", "y", "b")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(runs_of(self.read("runs").decode()), ["x", "y"])
        keys = [r[9] for r in self.journal().final("ok")]
        self.assertEqual(len(keys), 5)
        self.assertEqual(len(set(keys)), 5)

    def test_another_template_warns_and_skips_nothing(self):
        r = self.cf("--joblog", "log", "echo one {} >> runs", ":::", "a")
        self.assertEqual(r.returncode, 0, r)
        r = self.cf("--joblog", "log", "--resume", "echo two {} >> runs", ":::", "a")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("coreflow: warning: 'log' was written for the command 'echo one {} >> runs'",
                      r.err)
        self.assertEqual(self.read("runs"), b"one a\ntwo a\n")

    def test_a_torn_last_line_is_cut_before_appending(self):
        r = self.cf("--joblog", "log", "echo ran {} >> runs", ":::", "a", "b")
        self.assertEqual(r.returncode, 0, r)
        with open(self.path("log"), "a") as f:
            f.write("3\t:\t1700000000.000\t     0.0")  # a record cut by a crash
        self.assertTrue(cfhelp.Journal(self.read("log").decode()).torn)
        r = self.cf("--joblog", "log", "--resume", "echo ran {} >> runs", ":::", "a", "b", "c")
        self.assertEqual(r.returncode, 0, r)
        j = self.journal()
        self.assertFalse(j.torn)
        self.assertEqual(len(j.final("ok")), 3)
        self.assertEqual(runs_of(self.read("runs").decode()), ["a", "b", "c"])

    def test_a_missing_journal_is_a_fresh_start(self):
        r = self.cf("--joblog", "log", "--resume", "echo", ":::", "a")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(len(self.journal().final("ok")), 1)

    def test_resume_refuses_what_it_cannot_read(self):
        self.write("log", "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\t"
                          "Command\n1\t:\t1.0\t0.1\t0\t0\t0\t0\techo a\n")
        r = self.cf("--joblog", "log", "--resume", "touch", "ran", ":::", "a")
        self.assertUsageError(r)
        self.assertIn("GNU parallel's joblog cannot be resumed", r.err)
        self.assertFalse(os.path.exists(self.path("ran")))
        self.write("log", "#coreflow-journal\t1\t0\tx\nnot a record\n1\t2\n")
        r = self.cf("--joblog", "log", "--resume", "touch", "ran", ":::", "a")
        self.assertUsageError(r)
        self.assertIn("line 2", r.err)
        self.write("log", "#coreflow-journal\t9\t0\tx\n")
        r = self.cf("--joblog", "log", "--resume", "touch", "ran", ":::", "a")
        self.assertUsageError(r)
        self.assertIn("version 9", r.err)
        self.assertFalse(os.path.exists(self.path("ran")))

    def test_resume_needs_a_journal_file(self):
        self.assertUsageError(self.cf("--resume", "echo", ":::", "a"))
        self.assertUsageError(self.cf("--resume", "--joblog", "-", "echo", ":::", "a"))

    def test_every_attempt_has_a_start_mark_before_its_record(self):
        r = self.cf("--retries", "2", "--joblog", "log", "exit 1; : {}", ":::", "a")
        self.assertEqual(r.returncode, 1, r)
        j = self.journal()
        self.assertEqual([(s[1], s[2]) for s in j.starts], [(1, 1), (2, 1)])
        self.assertEqual([(r[10], r[16]) for r in j.records], [("1", "0"), ("2", "1")])
        self.assertEqual({s[0] for s in j.starts}, {r[9] for r in j.records})


class InterruptTest(CoreflowTestCase):
    def test_sigterm_stops_and_resume_continues(self):
        # A batch system's SIGTERM at the end of an allocation: running tasks end gracefully,
        # the journal says they did not finish, and --resume does exactly what remains.
        template = ("echo ran {} >> runs; if test {} = slow && ! test -e go; then sleep %s; fi"
                    % self.marker)
        p = self.start("-j2", "--joblog", "log", template, ":::", "fast", "slow", "x", "y")
        self.assertTrue(cfhelp.wait_until(lambda: os.path.exists(self.path("runs")) and
                                          "slow" in self.read("runs").decode(), 20))
        self.assertTrue(cfhelp.wait_until(lambda: len(self.read("runs").decode().split()) >= 6,
                                          20))
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=30)
        self.assertEqual(p.returncode, 143)
        self.assertNoLeftovers()
        j = cfhelp.Journal(self.read("log").decode())
        slow = [r for r in j.records if r[8].startswith("echo ran slow")]
        self.assertEqual([(r[15], r[16]) for r in slow], [("interrupted", "0")])
        finished = {r[8].split()[2] for r in j.final()}
        os.remove(self.path("runs"))
        self.write("go", "")
        r = self.cf("-j2", "--joblog", "log", "--resume", template, ":::", "fast", "slow", "x", "y")
        self.assertEqual(r.returncode, 0, r)
        rerun = set(runs_of(self.read("runs").decode()))
        self.assertEqual(rerun, {"fast", "slow", "x", "y"} - finished)
        self.assertIn("slow", rerun)


class RetryDelayTest(CoreflowTestCase):
    def test_retry_delay_doubles(self):
        r = self.cf("--retries", "3", "--retry-delay", "0.3", "--joblog", "log",
                    "exit 1; : {}", ":::", "a")
        self.assertEqual(r.returncode, 1, r)
        starts = [float(r[2]) for r in cfhelp.Journal(self.read("log").decode()).records]
        self.assertEqual(len(starts), 3)
        self.assertGreaterEqual(starts[1] - starts[0], 0.29)
        self.assertGreaterEqual(starts[2] - starts[1], 0.59)
        self.assertGreaterEqual(r.elapsed, 0.85)

    def test_other_tasks_run_while_a_retry_waits(self):
        r = self.cf("-j1", "--retries", "2", "--retry-delay", "1", "-k",
                    "test {} != a || test -e again || { touch again; exit 1; }; echo {}",
                    ":::", "a", "b", "c")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "a\nb\nc\n")  # -k order kept; b and c ran during the delay
        self.assertLess(r.elapsed, 5)

    def test_bad_delay_is_a_usage_error(self):
        self.assertUsageError(self.cf("--retry-delay", "soon", "echo", ":::", "a"))


if __name__ == "__main__":
    unittest.main()
