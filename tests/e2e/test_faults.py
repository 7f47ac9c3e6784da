"""Faults: a full disk under the journal or the output spill, spawn and descriptor limits."""

import os
import resource
import subprocess
import unittest

import cfhelp
from cfhelp import CoreflowTestCase, PY

COUNT = "echo ran {} >> runs"


def runs_in(text):
    return sorted(line.split()[1] for line in text.splitlines())


class DiskFullTest(CoreflowTestCase):
    def env(self, faults):
        return cfhelp.base_env({"COREFLOW_FAULTS": faults, "COREFLOW_CORES": "2"})

    def test_journal_disk_full_stops_cleanly_and_resumes(self):
        values = ["v%02d" % i for i in range(20)]
        # The 9th write (header not counted) fails half-way, as on a full disk.
        r = self.cf("-j2", "--joblog", "log", COUNT, ":::", *values,
                    env=self.env("journal=ENOSPC@9"))
        self.assertEqual(r.returncode, 255, r)
        self.assertIn("coreflow: error: cannot write journal 'log': No space left on device", r.err)
        self.assertIn("--resume", r.err)
        first = runs_in(self.read("runs").decode())
        self.assertLess(len(first), len(values))  # it stopped starting tasks
        j = cfhelp.Journal(self.read("log").decode())  # still parses
        self.assertTrue(j.torn)
        r = self.cf("-j2", "--joblog", "log", "--resume", COUNT, ":::", *values)
        self.assertEqual(r.returncode, 0, r)
        j = cfhelp.Journal(self.read("log").decode())
        self.assertFalse(j.torn)
        done = sorted(rec[8].split()[2] for rec in j.final("ok"))
        self.assertEqual(done, values)  # every task recorded finished exactly once

    def test_spill_disk_full_keeps_output_and_stops(self):
        self.write("big.py", "import sys\nsys.stdout.write('x' * 600000 + ' ' + sys.argv[1] + '\\n')\n")
        r = self.cf("-j1", PY, "big.py", ":::", "a", "b", "c", env=self.env("spill=ENOSPC@1"))
        self.assertEqual(r.returncode, 255, r)
        self.assertEqual(r.stdout, b"x" * 600000 + b" a\n")  # nothing of it lost
        self.assertIn("cannot spill task output to a temporary file: No space left on device",
                      r.err)


class LimitsTest(CoreflowTestCase):
    def test_spawn_eagain_backs_off_and_loses_nothing(self):
        values = [str(i) for i in range(30)]
        env = cfhelp.base_env({"COREFLOW_FAULTS": "spawn=EAGAIN@3+8"})
        r = self.cf("-j4", "--joblog", "log", COUNT, ":::", *values, env=env)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(runs_in(self.read("runs").decode()), sorted(values))
        self.assertEqual(len(cfhelp.Journal(self.read("log").decode()).final("ok")), 30)

    def test_low_descriptor_limit_backs_off_and_loses_nothing(self):
        # Each running task holds a pidfd and two pipes; 24 descriptors cannot hold 16 tasks.
        def limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (24, 24))
        values = [str(i) for i in range(40)]
        p = subprocess.run([cfhelp.BIN, "run", "-j16", COUNT, ":::", *values], cwd=self.tmp,
                           env=cfhelp.base_env(), capture_output=True, timeout=120,
                           preexec_fn=limit)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(runs_in(self.read("runs").decode()), sorted(values))

    def test_a_descriptor_limit_lowers_the_slots_and_says_so(self):
        # With 20 descriptors a task or two fit: the run goes on with what fits instead of
        # waiting on back-off timers that doubled for every start of a burst (once a minute
        # for 100 tasks at 16), and says why it runs fewer than asked.
        def limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (20, 20))
        values = [str(i) for i in range(100)]
        p = subprocess.run([cfhelp.BIN, "run", "-j8", "--joblog", "log", COUNT, ":::", *values],
                           cwd=self.tmp, env=cfhelp.base_env(), capture_output=True, timeout=120,
                           preexec_fn=limit)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(runs_in(self.read("runs").decode()), sorted(values))
        self.assertRegex(p.stderr.decode(), r"coreflow: warning: only [1-7] of 8 tasks can run at "
                                            r"once here: starting more fails \(Too many open "
                                            r"files\); check ulimit -n")
        self.assertEqual(len(cfhelp.Journal(self.read("log").decode()).final("ok")), 100)

    def test_bad_fault_plan_is_a_usage_error(self):
        env = cfhelp.base_env({"COREFLOW_FAULTS": "spawn=EWHAT@1"})
        self.assertUsageError(self.cf("true", ":::", "a", env=env))


if __name__ == "__main__":
    unittest.main()
