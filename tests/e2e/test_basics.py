"""Basic behaviour: running tasks, slots, replacement strings, inputs as commands."""

import os
import subprocess
import unittest

import cfhelp
from cfhelp import CoreflowTestCase

# Each task marks itself running, waits (at most 20 s) until every name in $WAIT is running
# too, then reports. With too few slots the wait times out and the task fails.
RENDEZVOUS = ("touch running.{}; n=0; for w in $WAIT; do while [ ! -e running.$w ]; do "
              "n=$((n+1)); [ $n -gt 1000 ] && exit 9; sleep 0.02; done; done; echo ok {}")

# Each task fails if another task is running at the same time.
EXCLUSIVE = ("for f in running.*; do [ -e \"$f\" ] && exit 8; done; touch running.{}; "
             "sleep 0.05; rm running.{}; echo {}")


class RunTest(CoreflowTestCase):
    def test_version_and_help(self):
        r = cfhelp.run([cfhelp.BIN, "--version"])
        self.assertEqual(r.returncode, 0, r)
        self.assertRegex(r.out, r"^coreflow \S+ \(commit \S+\)\n$")
        r = cfhelp.run([cfhelp.BIN, "run", "--help"])
        self.assertEqual(r.returncode, 0, r)
        for option in ("--jobs", "--keep-order", "--timeout", "--halt", "--joblog",
                       "--results", "--threads-per-task", "--dry-run"):
            self.assertIn(option, r.out)

    def test_no_subcommand(self):
        r = cfhelp.run([cfhelp.BIN])
        self.assertEqual(r.returncode, 255, r)

    def test_simple_run(self):
        r = self.cf("echo", "hello", ":::", "a", "b", "c")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(sorted(r.out.splitlines()), ["hello a", "hello b", "hello c"])
        # stderr holds only the summary; --no-summary leaves it empty, as GNU parallel does.
        self.assertRegex(r.err, r"^coreflow: 3 tasks in [0-9.]+ s: 3 ok\ncoreflow: [^\n]+\n"
                                r"coreflow: ran with -j \d+ \([^\n]+\)\n$")
        r = self.cf("--no-summary", "echo", "hello", ":::", "a")
        self.assertEqual(r.stderr, b"")

    def test_jobs_run_at_the_same_time(self):
        env = cfhelp.base_env({"COREFLOW_CORES": "3", "WAIT": "a b c"})
        r = self.cf("-j3", RENDEZVOUS, ":::", "a", "b", "c", env=env)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(sorted(r.out.splitlines()), ["ok a", "ok b", "ok c"])

    def test_default_slots_follow_the_cores(self):
        env = cfhelp.base_env({"COREFLOW_CORES": "2", "WAIT": "a b"})
        r = self.cf(RENDEZVOUS, ":::", "a", "b", env=env)
        self.assertEqual(r.returncode, 0, r)

    def test_one_slot_runs_one_task_at_a_time(self):
        r = self.cf("-j1", "-k", EXCLUSIVE, ":::", "a", "b", "c")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "a\nb\nc\n")
        r = self.cf("-k", EXCLUSIVE, ":::", "a", "b", "c",
                    env=cfhelp.base_env({"COREFLOW_CORES": "1"}))
        self.assertEqual(r.returncode, 0, r)

    def test_jobs_percent_and_relative(self):
        env = cfhelp.base_env({"COREFLOW_CORES": "4"})
        r = self.cf("-j50%", "--dry-run", "echo {%} {}", ":::", "a", "b", "c", env=env)
        self.assertEqual(r.out, "echo 1 a\necho 2 b\necho 1 c\n")
        r = self.cf("-j-3", "--dry-run", "echo {%} {}", ":::", "a", "b", env=env)
        self.assertEqual(r.out, "echo 1 a\necho 1 b\n")
        r = self.cf("-j+1", "--dry-run", "echo {%} {}", ":::", *"abcdef", env=env)
        self.assertEqual([l.split()[1] for l in r.out.splitlines()],
                         ["1", "2", "3", "4", "5", "1"])

    def test_task_stdin_is_empty(self):
        # Tasks must not eat coreflow's own input.
        r = self.cf("-k", "cat; echo {}", input=b"x\ny\n")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "x\ny\n")

    def test_inputs_are_commands_without_a_template(self):
        r = self.cf("-k", ":::", "echo one", "echo 'two  spaces'", "exit 3")
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(r.out, "one\ntwo  spaces\n")
        r = self.cf("-k", input=b"echo a\necho b | tr b c\n")
        self.assertEqual(r.out, "a\nc\n")

    def test_input_appended_when_no_replacement_string(self):
        r = self.cf("-k", "echo", "x", ":::", "a b")
        self.assertEqual(r.out, "x a b\n")
        r = self.cf("-k", "printf", "[%s]", ":::", "a b")
        self.assertEqual(r.out, "[a b]")  # one argument, not two

    def test_replacement_strings(self):
        r = self.cf("-k", "echo", "{},{.},{/},{//},{/.},{#}", ":::", "dir/sub/file.tar.gz", "x")
        self.assertEqual(r.out, "dir/sub/file.tar.gz,dir/sub/file.tar,file.tar.gz,dir/sub,"
                                "file.tar,1\nx,x,x,.,x,2\n")

    def test_shell_features_in_template(self):
        r = self.cf("-k", "echo {} | tr a-z A-Z > out.{}; cat out.{}", ":::", "ab", "cd")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "AB\nCD\n")
        self.assertTrue(os.path.exists(self.path("out.ab")))

    def test_tasks_inherit_no_descriptors_of_coreflow(self):
        # Two at once, so the other task's pipes exist while each one starts.
        env = cfhelp.base_env({"COREFLOW_CORES": "2"})
        for mode in ("--group", "--line-buffer", "-u"):
            with self.subTest(mode=mode):
                r = self.cf(mode, "-k", "-j2", "ls /proc/self/fd; readlink /proc/self/fd/0 {}",
                            ":::", "a", "b", env=env)
                self.assertEqual(r.returncode, 2, r)  # readlink fails on 'a' and 'b'
                lines = r.out.splitlines()
                self.assertEqual(lines.count("/dev/null"), 2, r)  # stdin is /dev/null
                fds = sorted(set(l for l in lines if l.isdigit()))
                # 0, 1, 2 and the descriptor ls reads the directory with; nothing else.
                self.assertEqual(fds, ["0", "1", "2", "3"], r)

    def test_each_task_leads_its_own_process_group(self):
        r = self.cf("-k", "-j2", "cut -d' ' -f1,5 /proc/$$/stat; echo {}", ":::", "a", "b",
                    env=cfhelp.base_env({"COREFLOW_CORES": "2"}))
        pids = [l.split() for l in r.out.splitlines() if " " in l]
        self.assertEqual(len(pids), 2, r)
        for pid, pgrp in pids:
            self.assertEqual(pid, pgrp)

    def test_working_directory_is_kept(self):
        r = self.cf("pwd", ":::", "x")
        self.assertEqual(os.path.realpath(r.out.split()[0]), os.path.realpath(self.tmp))

    def test_progress_goes_to_stderr(self):
        r = self.cf("-k", "--bar", "echo", ":::", "a", "b", "c",
                    env=cfhelp.base_env({"COREFLOW_CORES": "2"}))
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "a\nb\nc\n")
        self.assertIn("3/3 done (100%)", r.err)
        r = self.cf("--bar", "--no-progress", "--no-summary", "echo", ":::", "a",
                    env=cfhelp.base_env({"COREFLOW_CORES": "2"}))
        self.assertEqual(r.stderr, b"")

    def test_output_that_cannot_be_written_fails_the_run_even_after_the_last_task(self):
        for jobs in ("-j1", "-j2"):
            for inputs in (["a"], ["a", "b", "c"]):
                with open("/dev/full", "wb") as full:
                    r = subprocess.run([cfhelp.BIN, "run", jobs, "--no-summary", "echo", ":::",
                                        *inputs], stdout=full, stderr=subprocess.PIPE,
                                       cwd=self.tmp, env=cfhelp.base_env(), timeout=60)
                self.assertEqual(r.returncode, 255, (jobs, inputs, r.stderr))
                self.assertIn(b"cannot write standard output: No space left on device",
                              r.stderr)

    def test_with_stdout_closed_no_file_takes_its_place(self):
        # The journal, opened first, would otherwise be descriptor 1 and get the output.
        r = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", cfhelp.BIN, "run",
                            "--no-summary", "--joblog", "j.cfj", "echo", "hello", ":::", "a",
                            "b"], stderr=subprocess.PIPE, cwd=self.tmp, env=cfhelp.base_env(),
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        journal = self.read("j.cfj").decode()
        self.assertNotIn("hello a\n", journal)
        j = cfhelp.Journal(journal)
        self.assertFalse(j.torn)
        self.assertEqual(len(j.final("ok")), 2)

    def test_stdout_of_coreflow_closed_early_by_head(self):
        p1 = subprocess.Popen([cfhelp.BIN, "run", "-k", "-j2", "seq", "{}", ":::",
                               *["2000"] * 20], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              cwd=self.tmp, env=cfhelp.base_env({"COREFLOW_CORES": "2"}))
        self.addCleanup(cfhelp._reap, p1)
        p2 = subprocess.run(["head", "-n", "3"], stdin=p1.stdout, capture_output=True,
                            timeout=60)
        p1.stdout.close()
        p1.wait(timeout=60)
        self.assertEqual(p2.stdout, b"1\n2\n3\n")
        self.assertIn(p1.returncode, (0, 141), p1.stderr.read())


if __name__ == "__main__":
    unittest.main()
