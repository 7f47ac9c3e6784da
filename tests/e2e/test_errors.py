"""Exit statuses, usage errors and commands that cannot be executed."""

import glob
import os
import unittest

import cfhelp
from cfhelp import CoreflowTestCase


class ExitStatusTest(CoreflowTestCase):
    def test_all_succeed(self):
        r = self.cf("true", ":::", "a", "b", "c")
        self.assertEqual(r.returncode, 0, r)

    def test_status_is_the_number_of_failed_tasks(self):
        r = self.cf("-j3", "exit {}", ":::", "0", "1", "2", "0", "255", "7")
        self.assertEqual(r.returncode, 4, r)

    def test_killed_task_counts_as_failed(self):
        r = self.cf("--joblog", "log", "kill -9 $$; echo {}", ":::", "a")
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(r.stdout, b"")
        rows = cfhelp.read_joblog(self.read("log").decode())[1]
        self.assertEqual([(row[6], row[7]) for row in rows], [("0", "9")])

    def test_more_than_100_failures_is_101(self):
        r = self.cf("-j8", "false", ":::", *[str(i) for i in range(150)], timeout=120)
        self.assertEqual(r.returncode, 101, r)

    def test_exactly_100_failures_is_100(self):
        r = self.cf("-j8", "false", ":::", *[str(i) for i in range(100)], timeout=120)
        self.assertEqual(r.returncode, 100, r)

    def test_no_inputs_runs_nothing(self):
        r = self.cf("touch", "ran", input=b"")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, b"")
        self.assertFalse(os.path.exists(self.path("ran")))


class UsageErrorTest(CoreflowTestCase):
    """Each mistake exits 255 with one line on stderr, before any task starts."""

    def check(self, *args, input=None):
        r = self.cf(*args, input=input)
        self.assertUsageError(r)
        self.assertEqual(glob.glob(self.path("ran*")), [], "a task ran despite the error")
        return r

    def test_unknown_option(self):
        r = self.check("--no-such-option", "touch", "ran", ":::", "x")
        self.assertIn("--no-such-option", r.err)

    def test_unknown_short_option(self):
        self.check("-Z", "touch", "ran", ":::", "x")

    def test_unclosed_brace(self):
        r = self.check("touch ran; echo {1", ":::", "x")
        self.assertIn("unclosed", r.err)
        self.check("touch", "ran", "{.", ":::", "x")
        self.check("touch", "ran", "{2/", ":::", "x", ":::", "y")

    def test_source_number_out_of_range(self):
        r = self.check("touch", "ran{1}", "{3}", ":::", "a", ":::", "b")
        self.assertIn("{3}", r.err)
        self.check("touch", "ran{1}", "{2}", ":::", "a")
        self.check("touch", "ran{2}", input=b"a\n")

    def test_missing_input_file(self):
        r = self.check("touch", "ran{}", "::::", "no-such-file")
        self.assertIn("no-such-file", r.err)
        self.check("-a", "no-such-file", "touch", "ran{}")
        self.write("exists", "x\n")
        self.check("touch", "ran{}", "::::", "exists", "no-such-file")

    def test_source_separator_misuse(self):
        self.check("touch", "ran", "::::")
        self.check("touch", "ran", ":::+", "a")

    def test_empty_template(self):
        # '' given as the command (e.g. an unset variable) must not run the inputs as commands.
        self.check("", ":::", "touch ran")
        self.check(" ", ":::", "touch ran")
        self.check("", "", ":::", "touch ran")

    def test_bad_jobs(self):
        for value in ("abc", "", "1.5", "0%", "-x", "2x"):
            with self.subTest(jobs=value):
                self.check("-j", value, "touch", "ran", ":::", "x")

    def test_bad_halt(self):
        for value in ("sometimes", "now", "now,fail", "now,fail=0", "now,fail=x", "later,fail=1",
                      "now,oops=1", "soon,fail=101%", ""):
            with self.subTest(halt=value):
                self.check("--halt", value, "touch", "ran", ":::", "x")

    def test_bad_timeout(self):
        for value in ("abc", "", "0", "-1", "1x", "1.2.3"):
            with self.subTest(timeout=value):
                self.check("--timeout", value, "touch", "ran", ":::", "x")
        self.check("--term-grace", "soon", "touch", "ran", ":::", "x")

    def test_bad_numbers(self):
        self.check("-t", "0", "touch", "ran", ":::", "x")
        self.check("-t", "two", "touch", "ran", ":::", "x")
        self.check("--retries", "-1", "touch", "ran", ":::", "x")
        self.check("-d", "", "touch", "ran", ":::", "x")  # -d takes a string, but not an empty one
        self.check("--colsep", "[", "touch", "ran", ":::", "x")

    def test_conflicting_output_modes(self):
        self.check("--line-buffer", "--ungroup", "touch", "ran", ":::", "x")

    def test_unwritable_joblog(self):
        r = self.check("--joblog", self.path("no", "such", "dir", "log"), "touch", "ran",
                       ":::", "x")
        self.assertIn("cannot create journal '" + self.path("no", "such", "dir", "log"), r.err)


class CannotExecuteTest(CoreflowTestCase):
    def test_command_not_found_fails_only_that_task(self):
        missing = "no-such-command-" + self.marker
        self.write("not-executable.sh", "echo hi\n", 0o644)
        r = self.cf("-k", "--joblog", "log", "{}", "hello", ":::",
                    "echo", missing, "./not-executable.sh", "true")
        self.assertEqual(r.returncode, 2, r)  # two of four tasks failed
        self.assertEqual(r.stdout, b"hello\n", "the other tasks still ran")
        self.assertIn("%s: command not found" % missing, r.err)
        self.assertIn("./not-executable.sh: permission denied", r.err)
        rows = cfhelp.read_joblog(self.read("log").decode())[1]
        exitvals = {row[0]: row[6] for row in rows}
        self.assertEqual(exitvals, {"1": "0", "2": "127", "3": "126", "4": "0"})

    def test_command_not_found_through_the_shell(self):
        missing = "no-such-command-" + self.marker
        r = self.cf("--joblog", "log", missing + " {} && echo no", ":::", "a")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(missing, r.err)
        rows = cfhelp.read_joblog(self.read("log").decode())[1]
        self.assertEqual([row[6] for row in rows], ["127"])

    def test_every_task_missing(self):
        r = self.cf("-j2", "no-such-command-" + self.marker, ":::", "a", "b", "c")
        self.assertEqual(r.returncode, 3, r)
        self.assertEqual(r.err.count("command not found"), 3, r)


if __name__ == "__main__":
    unittest.main()
