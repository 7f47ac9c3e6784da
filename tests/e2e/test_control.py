"""--halt, --retries, --joblog and --dry-run."""

import os
import time
import unittest

import cfhelp
from cfhelp import CoreflowTestCase


def wait_for_files_sh(*names):
    """Shell code that waits until every named file exists."""
    test = " || ".join("[ ! -e %s ]" % n for n in names)
    return "while %s; do sleep 0.02; done" % test


class HaltTest(CoreflowTestCase):
    def test_now_fail_kills_running_tasks_and_returns_the_failing_status(self):
        m = self.marker
        # Task 2 fails once tasks 1 and 3 are running; tasks 4 and 5 must never start.
        template = ("if [ {} = 2 ]; then %s; exit 7; fi; touch started.{}; sleep %s"
                    % (wait_for_files_sh("started.1", "started.3"), m))
        r = self.cf("-j3", "--halt", "now,fail=1", "--joblog", "log", template,
                    ":::", "1", "2", "3", "4", "5", env=cfhelp.base_env({"COREFLOW_CORES": "3"}))
        self.assertEqual(r.returncode, 7, r)
        self.assertLess(r.elapsed, 30.0)
        self.assertFalse(os.path.exists(self.path("started.4")))
        self.assertFalse(os.path.exists(self.path("started.5")))
        self.assertNoLeftovers()
        rows = cfhelp.read_joblog(self.read("log").decode())[1]
        self.assertEqual(sorted(row[0] for row in rows), ["1", "2", "3"])
        self.assertEqual({row[0]: row[6] for row in rows}["2"], "7")

    def test_now_fail_status_of_a_killed_task(self):
        r = self.cf("-j1", "--halt", "now,fail=1", "kill -9 $$; echo {}", ":::", "a", "b")
        self.assertEqual(r.returncode, 128 + 9, r)

    def test_soon_fail_lets_running_tasks_finish(self):
        # 'slow' finishes only once coreflow has journalled the failure of 'bad', that is
        # after it has seen it (finishing earlier would free a slot for 'never' first); with
        # soon it is not killed.
        failed_in_log = "awk -F '\\t' '$7 == 3 {f = 1} END {exit !f}' log 2>/dev/null"
        template = ("if [ {} = bad ]; then exit 3; fi; if [ {} = slow ]; then "
                    "until %s; do sleep 0.02; done; fi; echo done {}" % failed_in_log)
        r = self.cf("-j2", "--halt", "soon,fail=1", "--joblog", "log", template,
                    ":::", "slow", "bad", "never", env=cfhelp.base_env({"COREFLOW_CORES": "2"}))
        self.assertEqual(r.returncode, 3, r)
        self.assertEqual(r.out, "done slow\n")

    def test_soon_fail_n(self):
        r = self.cf("-j1", "--halt", "soon,fail=2", "echo {}; exit {}",
                    ":::", "0", "1", "0", "2", "3", "4")
        self.assertEqual(r.returncode, 2, r)
        self.assertEqual(r.out.split(), ["0", "1", "0", "2"])

    def test_soon_fail_percent(self):
        r = self.cf("-j1", "--halt", "soon,fail=50%", "echo {}; exit {}",
                    ":::", "1", "1", "0", "0")
        self.assertEqual(r.returncode, 50, r)
        self.assertEqual(r.out.split(), ["1", "1"])

    def test_now_success(self):
        m = self.marker
        template = ("if [ {} = ok ]; then %s; exit 0; fi; touch started.{}; sleep %s"
                    % (wait_for_files_sh("started.long"), m))
        r = self.cf("-j2", "--halt", "now,success=1", template, ":::", "ok", "long", "never",
                    env=cfhelp.base_env({"COREFLOW_CORES": "2"}))
        self.assertEqual(r.returncode, 0, r)
        self.assertLess(r.elapsed, 30.0)
        self.assertFalse(os.path.exists(self.path("started.never")))
        self.assertNoLeftovers()

    def test_halt_never_runs_everything(self):
        r = self.cf("-j1", "--halt", "never", "echo {}; exit {}", ":::", "1", "0", "2")
        self.assertEqual(r.returncode, 2, r)
        self.assertEqual(r.out.split(), ["1", "0", "2"])


# Counts its attempts in a file named after the input; fails until attempt N.
ATTEMPT_TEMPLATE = ("echo x >> count.{1}; n=$(wc -l < count.{1}); echo attempt $n of {1}; "
                    "echo err $n >&2; [ $n -ge {2} ]")


class RetriesTest(CoreflowTestCase):
    def test_retries_until_success_prints_only_the_last_attempt(self):
        r = self.cf("--retries", "3", "--joblog", "log", ATTEMPT_TEMPLATE,
                    ":::", "a", ":::+", "3")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "attempt 3 of a\n")
        self.assertEqual([l for l in r.err.splitlines() if l.startswith("err")], ["err 3"])
        self.assertEqual(self.read("count.a"), b"x\nx\nx\n")
        # Every attempt is journalled; only the last one is final.
        rows = cfhelp.read_joblog(self.read("log").decode())[1]
        self.assertEqual([(row[0], row[6], row[10], row[15], row[16]) for row in rows],
                         [("1", "1", "1", "failed", "0"), ("1", "1", "2", "failed", "0"),
                          ("1", "0", "3", "ok", "1")])
        self.assertEqual(len({row[9] for row in rows}), 1)  # one task, one key

    def test_retries_give_up_after_n_attempts(self):
        r = self.cf("--retries", "2", ATTEMPT_TEMPLATE, ":::", "a", ":::+", "99")
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(r.out, "attempt 2 of a\n")
        self.assertEqual(self.read("count.a"), b"x\nx\n")

    def test_retries_only_touch_failing_tasks(self):
        r = self.cf("-k", "--retries", "3", ATTEMPT_TEMPLATE,
                    ":::", "ok", "two", ":::+", "1", "2")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "attempt 1 of ok\nattempt 2 of two\n")
        self.assertEqual(self.read("count.ok"), b"x\n")

    def test_without_retries_a_task_runs_once(self):
        r = self.cf(ATTEMPT_TEMPLATE, ":::", "a", ":::+", "2")
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(self.read("count.a"), b"x\n")


class JoblogTest(CoreflowTestCase):
    def test_joblog_columns(self):
        before = time.time()
        r = self.cf("-k", "--joblog", "log", "printf %s {}; exit {#}", ":::", "a", "bb", "c d")
        after = time.time()
        self.assertEqual(r.returncode, 3, r)
        text = self.read("log").decode()
        self.assertTrue(text.endswith("\n"))
        header, rows = cfhelp.read_joblog(text)
        self.assertEqual(header, cfhelp.JOBLOG_HEADER)
        self.assertEqual(len(rows), 3)
        for row in sorted(rows, key=lambda row: int(row[0])):
            self.assertEqual(len(row), 17, row)
        rows = sorted(rows, key=lambda row: int(row[0]))
        values = ["a", "bb", "'c d'"]
        for i, row in enumerate(rows):
            seq, host, start, runtime, send, receive, exitval, sig, command = row[:9]
            key, attempt, user, sys_cpu, rss, slot, outcome, final = row[9:]
            self.assertRegex(key, r"^[0-9a-f]{32}$")
            self.assertEqual(attempt, "1")
            self.assertRegex(user, r"^\d+\.\d{3}$")
            self.assertRegex(sys_cpu, r"^\d+\.\d{3}$")
            self.assertGreater(int(rss), 0)
            self.assertIn(slot, ["1", "2", "3"])
            self.assertEqual((outcome, final), ("failed", "1"))
            self.assertEqual(seq, str(i + 1))
            self.assertEqual(host, ":")
            self.assertRegex(start, r"^\d+\.\d{3}$")
            self.assertGreaterEqual(float(start), before - 1)
            self.assertLessEqual(float(start), after + 1)
            self.assertRegex(runtime, r"^ *\d+\.\d{3}$")
            self.assertEqual(send, "0")
            self.assertEqual(receive, str(len(values[i].strip("'"))))  # stdout bytes
            self.assertEqual(exitval, str(i + 1))
            self.assertEqual(sig, "0")
            self.assertEqual(command, "printf %s " + values[i] + "; exit " + str(i + 1))

    def test_joblog_to_stdout(self):
        r = self.cf("--joblog", "-", "true", ":::", "a", "b")
        self.assertEqual(r.returncode, 0, r)
        header, rows = cfhelp.read_joblog(r.out)
        self.assertEqual(header, cfhelp.JOBLOG_HEADER)
        self.assertEqual(sorted(row[8] for row in rows), ["true a", "true b"])

    def test_joblog_escapes_newlines_and_tabs(self):
        r = self.cf("--joblog", "log", "true", ":::", "x\ny", "t\tu")
        self.assertEqual(r.returncode, 0, r)
        lines = [l for l in self.read("log").decode().splitlines() if not l.startswith("#")]
        self.assertEqual(len(lines), 3, lines)  # one line per task, whatever the values hold
        self.assertTrue(all(len(l.split("\t")) == 17 for l in lines), lines)

    def test_joblog_is_replaced(self):
        self.write("log", "old content\n" * 10)
        r = self.cf("--joblog", "log", "true", ":::", "a")
        self.assertEqual(r.returncode, 0, r)
        text = self.read("log").decode()
        self.assertNotIn("old content", text)
        self.assertEqual(len(cfhelp.read_joblog(text)[1]), 1)


class DryRunTest(CoreflowTestCase):
    def test_dry_run_prints_quoted_commands_and_runs_nothing(self):
        r = self.cf("-k", "--dry-run", "touch", "ran", "{}", ":::", "a b", "it's", "$(x)", "",
                    "plain-1.txt")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out.splitlines(), [
            "touch ran 'a b'",
            "touch ran 'it'\"'\"'s'",
            "touch ran '$(x)'",
            "touch ran ''",
            "touch ran plain-1.txt",
        ])
        self.assertEqual(os.listdir(self.tmp), [])

    def test_dry_run_with_replacement_strings(self):
        r = self.cf("-k", "--dry-run", "convert {} {/.}.png #{#}", ":::", "d/a b.jpg")
        self.assertEqual(r.out, "convert 'd/a b.jpg' 'a b'.png #1\n")

    def test_dry_run_from_stdin(self):
        r = self.cf("--dry-run", "-0", "echo", input=b"two\nlines\0x\0")
        self.assertEqual(r.out, "echo 'two\nlines'\necho x\n")

    def test_dry_run_ignores_joblog(self):
        r = self.cf("--dry-run", "--joblog", "log", "echo", ":::", "a")
        self.assertEqual(r.out, "echo a\n")
        self.assertFalse(os.path.exists(self.path("log")))


if __name__ == "__main__":
    unittest.main()
