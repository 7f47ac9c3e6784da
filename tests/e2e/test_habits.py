"""GNU parallel habits and first-hour traps: options scripts carry over (with GNU's meaning,
compared against GNU parallel itself), and the messages a new user needs."""

import glob
import os
import unittest

import cfhelp
from cfhelp import CoreflowTestCase
import test_differential as diff

SEQ300 = [str(i) for i in range(1, 301)]

# (name, arguments after the program name, stdin or None, skip reason or None)
CASES = [
    ("max_args_n", ["-n", "2", "echo", ":::", "1", "2", "3", "4", "5"], None, None),
    ("max_args_n_positions", ["-n2", "echo", "{2}", "{1}", ":::", "1", "2", "3", "4", "5"],
     None, None),
    ("max_args_multiplier", ["-N", "1k", "echo", ":::", "a", "b"], None, None),
    ("max_chars_multiplier", ["-X", "-j1", "-s", "1k", "echo", ":::", *SEQ300], None, None),
    ("replace_string", ["-I", "@@", "echo", "@@", "{}", "{.}", "x@@y", ":::", "a.b"], None, None),
    ("replace_string_appended", ["-I", "@@", "echo", "{}", ":::", "a"], None, None),
    ("quote", ["-q", "printf", "[%s]\\n", "x{}y", "a;b", "$HOME", "{#}", ":::", "a b", "c"],
     None, None),
    ("quote_python", ["-q", "python3", "-c", "import sys; print(sys.argv[1:]); print(2)", "{}",
                      ":::", "a b", "it's"], None, None),
    ("verbose", ["-v", "echo", ":::", "a", "b c"], None, None),
    ("verbose_line_buffer", ["-v", "--lb", "-j1", "echo", ":::", "a", "b c"], None, None),
    ("tag", ["--tag", "echo", "x", ":::", "a", "b"], None, None),
    ("tag_two_sources", ["--tag", "echo", ":::", "a", "b", ":::", "c"], None, None),
    ("tag_no_newline", ["--tag", "printf", "x", ":::", "a"], None, None),
    ("tag_verbose", ["--tag", "-v", "echo", ":::", "a"], None, None),
    ("tag_line_buffer", ["--lb", "--tag", "echo a; echo b", ":::", "x", "y"], None, None),
    ("tagstring", ["--tagstring", "<{}-{#}>", "echo l1; echo l2", ":::", "a", "b"], None, None),
    ("tag_replace_string", ["-I", "@@", "--tag", "echo", "@@", ":::", "q"], None, None),
    # -N with several sources: one list of values, as with -X.
    ("max_args_several_sources", ["-N2", "echo", "{1}-{2}", "{3}", ":::", "a", "b", ":::", "c",
                                  "d"], None, None),
    ("dryrun_will_cite", ["--dryrun", "--will-cite", "echo", ":::", "a", "b c"], None, None),
]


@unittest.skipUnless(diff._is_gnu_parallel(), "GNU parallel is not installed")
class HabitsDifferentialTest(diff.DifferentialBase):
    pass


diff.add_cases(HabitsDifferentialTest, CASES)


class HabitsTest(CoreflowTestCase):
    def test_tag_marks_stderr_lines_too(self):
        r = self.cf("--tag", "echo out; echo err >&2", ":::", "x")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "x\tout\n")
        self.assertIn("x\terr x\n", r.err)

    def test_tag_on_spilled_output(self):
        # Output past the in-memory limit goes to a file; each line is still tagged.
        r = self.cf("--tag", "seq 1 100000 && echo {}", ":::", "t")
        self.assertEqual(r.returncode, 0, r)
        lines = r.out.splitlines()
        self.assertEqual(len(lines), 100001)
        self.assertTrue(all(line.startswith("t\t") for line in lines))
        self.assertEqual(lines[-2:], ["t\t100000", "t\tt"])

    def test_perl_expression_stops_before_the_run(self):
        r = self.cf("touch ran; echo {= s/a/b/ =}", ":::", "a")
        self.assertUsageError(r)
        self.assertIn("perl expression", r.err)
        self.assertFalse(os.path.exists(self.path("ran")))

    def test_gnu_t_points_to_verbose(self):
        r = self.cf("-t", "echo", ":::", "a")
        self.assertUsageError(r)
        self.assertIn("-v (--verbose)", r.err)
        self.assertIn("threads per task", r.err)

    def test_unknown_commands_are_named(self):
        r = cfhelp.run([cfhelp.BIN, "rnu", ":::", "a"], cwd=self.tmp)
        self.assertUsageError(r)
        self.assertIn("unknown command 'rnu' (did you mean 'run'?)", r.err)
        r = cfhelp.run([cfhelp.BIN, "echo", ":::", "a"], cwd=self.tmp)
        self.assertUsageError(r)
        self.assertIn("coreflow run echo", r.err)
        r = cfhelp.run([cfhelp.BIN, "help"], cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("run", r.out)

    def test_unknown_options_get_a_suggestion(self):
        r = self.cf("--keeporder", "echo", ":::", "a")
        self.assertUsageError(r)
        self.assertIn("did you mean '--keep-order'?", r.err)
        r = self.cf("--pipe", "wc", "-l")
        self.assertUsageError(r)
        self.assertIn("GNU parallel option", r.err)
        self.assertIn("split", r.err)
        r = cfhelp.run([cfhelp.BIN, "tune", "--smaple", "3", "true", ":::", "a"], cwd=self.tmp)
        self.assertUsageError(r)
        self.assertIn("did you mean '--sample'?", r.err)

    def test_quote_needs_a_command(self):
        r = self.cf("-q", input=b"a\n")
        self.assertUsageError(r)
        self.assertIn("no command was given", r.err)

    def test_tag_cannot_go_with_ungroup_or_results(self):
        for flags, why in ((["--tag", "-u"], "--line-buffer"),
                           (["--tagstring", "x", "--results", "res"], "--results")):
            r = self.cf(*flags, "echo", ":::", "a")
            self.assertUsageError(r)
            self.assertIn("prefixes the lines", r.err)
            self.assertIn(why, r.err)
        self.assertFalse(os.path.exists(self.path("res")))

    def test_replace_string_must_not_be_empty(self):
        r = self.cf("-I", "", "echo", ":::", "a")
        self.assertUsageError(r)
        self.assertIn("needs a string", r.err)

    def test_seq_in_outputs_is_the_task_number(self):
        os.mkdir(self.path("ens"))
        args = ("--joblog", "log", "--outputs", "ens/{#}.txt", "echo {} > ens/{#}.txt",
                ":::", "a", "b", "c")
        r = self.cf(*args)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(sorted(os.listdir(self.path("ens"))), ["1.txt", "2.txt", "3.txt"])
        self.assertEqual(self.read("ens/3.txt"), b"c\n")
        # A second run finds every output there.
        again = self.cf(*args)
        self.assertEqual(again.returncode, 0, again)
        self.assertIn("skipped 3 tasks whose outputs exist", again.err)

    def test_seq_in_outputs_with_batches_is_refused(self):
        r = self.cf("-N", "2", "--outputs", "ens/{#}.txt", "touch", "{}", ":::", "a", "b")
        self.assertUsageError(r)
        self.assertIn("{#}", r.err)

    def test_exported_thread_count_is_warned_and_shown(self):
        env = cfhelp.base_env({"OMP_NUM_THREADS": "64"})
        r = self.cf("-j", "2", "echo $OMP_NUM_THREADS", ":::", "a", env=env)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "64 a\n")  # what the user exported still wins
        self.assertEqual(r.err.count("OMP_NUM_THREADS=64 is exported"), 1, r)
        self.assertIn("-t 64 (OMP_NUM_THREADS exported)", r.err)
        # -t sets it, and then nothing is said.
        r = self.cf("-j", "2", "-t", "1", "echo $OMP_NUM_THREADS", ":::", "a", env=env)
        self.assertEqual(r.out, "1 a\n")
        self.assertNotIn("exported", r.err)

    def test_no_inputs_is_warned(self):
        r = self.cf("echo", input=b"")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("no inputs were read from standard input", r.err)
        self.write("empty.txt", "")
        r = self.cf("echo", "::::", "empty.txt")
        self.assertIn("hold no inputs", r.err)
        r = self.cf("echo", input=b"a\n")
        self.assertNotIn("no inputs", r.err)

    def test_joblog_plus_appends(self):
        r = self.cf("--joblog", "+log", "echo", ":::", "a", "b")
        self.assertEqual(r.returncode, 0, r)
        self.assertTrue(os.path.exists(self.path("log")))
        r = self.cf("--joblog", "+log", "echo", ":::", "a", "c")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(sorted(r.out.split()), ["a", "c"])  # nothing skipped: it appends
        commands = [rec[8] for rec in cfhelp.Journal(self.read("log").decode()).final()]
        self.assertEqual(sorted(commands), ["echo a", "echo a", "echo b", "echo c"])
        report = cfhelp.run([cfhelp.BIN, "report", "log"], cwd=self.tmp)
        self.assertEqual(report.returncode, 0, report)
        # With --resume, + changes nothing: finished tasks are skipped.
        r = self.cf("--resume", "--joblog", "+log", "echo", ":::", "a", "d")
        self.assertEqual(r.out, "d\n")

    def test_autotune_with_too_few_inputs_runs_the_default(self):
        cache = self.path("cache")
        env = cfhelp.base_env({"COREFLOW_CACHE_DIR": cache})
        r = self.cf("--autotune", "echo", ":::", *"abcdefghijklmnop", env=env)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(sorted(r.out.split()), sorted("abcdefghijklmnop"))
        self.assertIn("too few inputs to tune on", r.err)
        self.assertIn("no trials", r.err)
        self.assertEqual(glob.glob(os.path.join(cache, "tune", "*.json")), [])


if __name__ == "__main__":
    unittest.main()
