"""--mem-per-task and --memfree."""

import os
import signal
import time
import unittest

import cfhelp
from cfhelp import CoreflowTestCase, PY

# Holds N MiB resident (b'x' * n writes every page), then sleeps.
HOG = "import sys, time\nb = b'x' * (int(sys.argv[1]) << 20)\ntime.sleep(float(sys.argv[2]))\n"


def mem_available():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no MemAvailable")


class MemoryTest(CoreflowTestCase):
    def test_a_task_over_its_limit_is_killed_and_the_run_goes_on(self):
        self.write("hog.py", HOG)
        r = self.cf("-k", "--joblog", "log", "--mem-per-task", "64M",
                    "%s hog.py {1} {2} && echo done {1}" % PY, ":::", "300", "1", ":::+", "5", "0.1")
        self.assertEqual(r.returncode, 1, r)
        self.assertLess(r.elapsed, 5)  # killed, not left to finish
        self.assertEqual(r.out, "done 1\n")  # the other task ran to its end
        self.assertIn("coreflow: task 1 was killed: over memory limit", r.err)
        j = cfhelp.Journal(self.read("log").decode())
        outcomes = sorted((rec[0], rec[15]) for rec in j.final())
        self.assertEqual(outcomes, [("1", "over-memory"), ("2", "ok")])
        self.assertNoLeftovers()

    def test_tasks_at_once_are_cut_to_what_fits(self):
        per_task = mem_available() // 5 * 2  # two fit, three do not
        r = self.cf("-j8", "--mem-per-task", str(per_task), "echo {%}; : {}",
                    ":::", *[str(i) for i in range(8)])
        self.assertEqual(r.returncode, 0, r)
        self.assertTrue(set(r.out.split()) <= {"1", "2"}, r.out)

    def test_a_task_that_cannot_fit_is_a_usage_error(self):
        r = self.cf("--mem-per-task", "100T", "touch", "ran", ":::", "a")
        self.assertUsageError(r)
        self.assertIn("--mem-per-task", r.err)
        self.assertFalse(os.path.exists(self.path("ran")))

    def test_bad_sizes_are_usage_errors(self):
        self.assertUsageError(self.cf("--mem-per-task", "lots", "true", ":::", "a"))
        self.assertUsageError(self.cf("--memfree", "0", "true", ":::", "a"))

    def test_memfree_holds_tasks_back(self):
        p = self.start("--memfree", "100T", "touch", "ran", ":::", "a")
        time.sleep(1.0)
        self.assertFalse(os.path.exists(self.path("ran")))
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 143)
        self.assertIn(b"coreflow: waiting to start tasks", err)
        self.assertFalse(os.path.exists(self.path("ran")))


if __name__ == "__main__":
    unittest.main()
