"""--outputs: declared outputs prove completion; partial ones never pass for finished ones."""

import os
import signal
import unittest

import cfhelp
from cfhelp import CoreflowTestCase

WRITE = "echo ran {} >> runs; echo data {} > out/{}.txt"


class OutputsTest(CoreflowTestCase):
    def setUp(self):
        super().setUp()
        os.mkdir(self.path("out"))

    def runs(self):
        if not os.path.exists(self.path("runs")):
            return []
        return sorted(line.split()[1] for line in self.read("runs").decode().splitlines())

    def test_tasks_whose_outputs_exist_are_skipped_and_journalled(self):
        self.write("out/b.txt", "data b\n")
        r = self.cf("--joblog", "log", "--outputs", "out/{}.txt", WRITE, ":::", "a", "b", "c")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.runs(), ["a", "c"])
        self.assertIn("skipped 1 task whose outputs exist", r.err)
        j = cfhelp.Journal(self.read("log").decode())
        skipped = j.final("skipped")
        self.assertEqual(len(skipped), 1)
        self.assertIn("out/b.txt", skipped[0][8])
        # A second run has nothing to do.
        os.remove(self.path("runs"))
        r = self.cf("--outputs", "out/{}.txt", WRITE, ":::", "a", "b", "c")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.runs(), [])

    def test_an_output_that_is_the_same_for_every_task_is_refused(self):
        # One task's failure would remove what the others wrote.
        for template in ("shared.txt", "out/all.txt"):
            with self.subTest(template=template):
                r = self.cf("--outputs", template, "echo {} >> shared.txt", ":::", "a", "b")
                self.assertUsageError(r)
                self.assertIn("is the same file for every task", r.err)
                self.assertFalse(os.path.exists(self.path("shared.txt")))

    def test_clobber_runs_them_anyway(self):
        self.write("out/a.txt", "old\n")
        r = self.cf("--clobber", "--outputs", "out/{}.txt", WRITE, ":::", "a")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.read("out/a.txt"), b"data a\n")

    def test_several_outputs_all_must_exist(self):
        self.write("out/a.txt", "data a\n")
        r = self.cf("--outputs", "out/{}.txt", "--outputs", "out/{}.log",
                    WRITE + "; echo log > out/{}.log", ":::", "a")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.runs(), ["a"])

    def test_exit_0_without_the_output_is_a_failure(self):
        r = self.cf("--joblog", "log", "--outputs", "out/{/.}.tsv", "echo {}", ":::", "dir/x.pdb")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("coreflow: task 1 exited 0 but did not write its output 'out/x.tsv'", r.err)
        j = cfhelp.Journal(self.read("log").decode())
        self.assertEqual([(r[6], r[15]) for r in j.records], [("0", "missing-output")])

    def test_a_failed_attempt_leaves_no_partial_output(self):
        r = self.cf("--outputs", "out/{}.txt", "echo half > out/{}.txt; exit 3", ":::", "a")
        self.assertEqual(r.returncode, 1, r)
        self.assertFalse(os.path.exists(self.path("out/a.txt")))

    def test_keep_failed_outputs_moves_them_aside(self):
        r = self.cf("--keep-failed-outputs", "--outputs", "out/{}.txt",
                    "echo half > out/{}.txt; exit 3", ":::", "a")
        self.assertEqual(r.returncode, 1, r)
        self.assertFalse(os.path.exists(self.path("out/a.txt")))
        self.assertEqual(self.read("out/a.txt.failed"), b"half\n")

    def test_a_timed_out_attempt_leaves_no_partial_output(self):
        r = self.cf("--timeout", "0.3", "--outputs", "out/{}.txt",
                    "echo half > out/{}.txt; sleep %s" % self.marker, ":::", "a")
        self.assertEqual(r.returncode, 1, r)
        self.assertFalse(os.path.exists(self.path("out/a.txt")))
        self.assertNoLeftovers()

    def test_an_untouched_existing_output_survives_a_failed_clobber(self):
        self.write("out/a.txt", "good\n")
        r = self.cf("--clobber", "--outputs", "out/{}.txt", "exit 2; : {}", ":::", "a")
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(self.read("out/a.txt"), b"good\n")

    def test_output_of_a_task_cut_short_by_a_crash_is_redone(self):
        # coreflow is killed while a task has written half its output; the resumed run must
        # not take that half for a finished output.
        template = ("echo first > out/{}.txt; test -e go || sleep %s; echo second >> out/{}.txt"
                    % self.marker)
        p = self.start("--joblog", "log", "--outputs", "out/{}.txt", template, ":::", "a")
        # The file exists as soon as the shell opens it: wait for what echo writes.
        self.assertTrue(cfhelp.wait_until(
            lambda: os.path.exists(self.path("out/a.txt")) and self.read("out/a.txt"), 20))
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=30)
        # The task itself dies with coreflow (its own children may linger, harmlessly).
        self.assertTrue(cfhelp.wait_until(lambda: not [
            c for _, c in cfhelp.processes_with(self.marker) if c.startswith("/bin/sh")], 5))
        cfhelp.kill_processes_with(self.marker)
        self.assertEqual(self.read("out/a.txt"), b"first\n")
        self.write("go", "")
        r = self.cf("--joblog", "log", "--resume", "--outputs", "out/{}.txt", template,
                    ":::", "a")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.read("out/a.txt"), b"first\nsecond\n")

    def test_bad_output_templates_are_usage_errors(self):
        self.assertUsageError(self.cf("--outputs", "out/{3}.txt", "echo", ":::", "a"))
        self.assertUsageError(self.cf("--outputs", "out/{%}.txt", "echo", ":::", "a"))
        self.assertUsageError(self.cf("--outputs", "", "echo", ":::", "a"))

    def test_many_outputs_in_one_directory(self):
        names = ["n%05d" % i for i in range(3000)]
        for n in names[:2990]:
            self.write("out/%s.txt" % n, "")
        r = self.cf("--outputs", "out/{}.txt", "touch out/{}.txt; echo ran {} >> runs",
                    ":::", *names)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.runs(), names[2990:])


if __name__ == "__main__":
    unittest.main()
