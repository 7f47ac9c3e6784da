"""coreflow bench: configurations side by side on the same items (docs/bench.md). Its
statistics are tested with a fake machine in the unit tests; these drive the real binary and
check what it runs, compares and reports, never how fast anything was."""

import json
import os
import re
import signal
import subprocess

import cfhelp
from cfhelp import CoreflowTestCase


class BenchTest(CoreflowTestCase):
    def bench(self, *args, timeout=120):
        return cfhelp.run([cfhelp.BIN, "bench", *args], env=cfhelp.base_env(), cwd=self.tmp,
                          timeout=timeout)

    def items(self, n=12):
        self.write("items.txt", "".join("%d\n" % i for i in range(1, n + 1)))

    def test_same_outputs_give_a_table_and_a_report(self):
        self.items()
        # Budget 0: one warm-up round and the two counted rounds an interval needs.
        r = self.bench("-c", "one=-j1 echo {}", "-c", "two=-j2 echo {}", "--block", "4",
                       "--warmup", "1", "--budget", "0", "--report", "r.json",
                       "::::", "items.txt")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("coreflow bench: 2 configurations, 2 rounds of 4 items after 1 round of "
                      "warm-up", r.out)
        self.assertRegex(r.out, r"\none +[\d.e+]+ .* 1\n")
        self.assertRegex(r.out, r"\ntwo +[\d.e+]+ ")
        self.assertIn("outputs: the same in all", r.out)
        report = json.loads(self.read("r.json"))
        self.assertEqual([c["name"] for c in report["configurations"]], ["one", "two"])
        self.assertEqual(report["configurations"][1]["args"], ["-j2", "echo", "{}"])
        self.assertEqual(report["block_items"], 4)
        self.assertEqual(report["confidence"], 0.95)
        self.assertEqual((report["rounds"], report["stopped"]), (2, "budget"))
        self.assertEqual(report["outputs"]["compared"], 12, "the warm-up's outputs too")
        self.assertEqual(report["outputs"]["differ"], 0)
        rate = report["configurations"][0]["items_per_s"]
        self.assertGreater(rate["estimate"], 0)
        self.assertEqual(sorted(os.listdir(self.tmp)), ["items.txt", "r.json"],
                         "nothing else is left here")

    def test_the_page_shows_the_configurations_escaped(self):
        self.items(4)
        r = self.bench("-c", "plain=echo {}", "-c", "<b>&x=-j1 echo {}", "--block", "2",
                       "--budget", "0", "--html", "b.html", "::::", "items.txt")
        self.assertEqual(r.returncode, 0, r)
        page = self.read("b.html").decode()
        self.assertTrue(page.startswith("<!DOCTYPE html>"), page[:80])
        self.assertIn("<title>coreflow bench</title>", page)
        self.assertIn("&lt;b&gt;&amp;x", page)
        self.assertNotIn("<b>&x", page)
        self.assertIn("<code>-j1 echo &#39;{}&#39;</code>", page)
        self.assertIn("<svg", page)
        self.assertIn("The same in all 6 item runs compared with <b>plain</b>.", page)

    def test_enough_rounds_give_intervals_around_the_estimates(self):
        self.items(30)
        r = self.bench("-c", "a=echo {}", "-c", "b=echo {}", "--block", "3", "--budget", "600",
                       "--precision", "1000", "--report", "r.json", "::::", "items.txt")
        self.assertEqual(r.returncode, 0, r)
        report = json.loads(self.read("r.json"))
        self.assertEqual(report["stopped"], "precise", "the least rounds, then any width will do")
        self.assertEqual(report["rounds"], 10)
        for c in report["configurations"]:
            for key in ("items_per_s", "seconds_per_item", "time_ratio"):
                i = c[key]
                self.assertLessEqual(i["low"], i["estimate"], (c["name"], key))
                self.assertLessEqual(i["estimate"], i["high"], (c["name"], key))

    def test_an_item_whose_output_differs_is_reported_and_the_exit_status_is_1(self):
        self.items(6)
        self.write("odd.sh", '#!/bin/sh\nif [ "$1" = 3 ]; then echo x3; else echo "$1"; fi\n',
                   0o755)
        r = self.bench("-c", "plain=echo {}", "-c", "odd=./odd.sh {}", "--block", "6",
                       "--budget", "0", "::::", "items.txt")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("outputs: 3 of 18 item runs differ from 'plain':\n"
                      + "  item '3' under 'odd': other output (3 bytes instead of 2)\n" * 3,
                      r.out)

    def test_a_users_comparison_decides_what_is_the_same(self):
        self.items(4)
        # Outputs that differ in their last digit only; the comparison looks at the first four
        # characters.
        self.write("cmp.sh", '#!/bin/sh\n[ "$(cut -c1-4 "$1")" = "$(cut -c1-4 "$2")" ]\n', 0o755)
        args = ["-c", "a=echo same{}0", "-c", "b=echo same{}1", "--budget", "0", "--block", "4"]
        r = self.bench(*args, "::::", "items.txt")
        self.assertEqual(r.returncode, 1, r)
        r = self.bench(*args, "--compare", "./cmp.sh", "::::", "items.txt")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("outputs: the same in all 12 item runs", r.out)

    def test_failing_items_are_counted(self):
        self.items(4)
        self.write("fail.sh", "#!/bin/sh\nexit 3\n", 0o755)
        r = self.bench("-c", "a=./fail.sh {}", "-c", "b=./fail.sh {}", "--budget", "0",
                       "--block", "2", "::::", "items.txt")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("'a': 6 item runs failed\n'b': 6 item runs failed\n", r.out)
        self.assertIn("outputs: the same in all 6 item runs", r.out, "failing alike")

    def test_ctrl_c_ends_the_block_under_way_and_leaves_nothing(self):
        self.items(4)
        os.mkdir(self.path("tmp"))
        # Each task says it started, then waits for a file that never comes.
        self.write("bench_hold.sh", '#!/bin/sh\ntouch "started.$1"\n'
                   'while [ ! -e never ]; do sleep 0.05; done\n', 0o755)
        proc = subprocess.Popen([cfhelp.BIN, "bench", "-c", "a=./bench_hold.sh {}", "-c",
                                 "b=./bench_hold.sh {}", "--block", "2", "::::", "items.txt"],
                                cwd=self.tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=cfhelp.base_env({"TMPDIR": self.path("tmp")}))
        self.addCleanup(cfhelp._reap, proc)
        self.assertTrue(cfhelp.wait_until(lambda: os.path.exists(self.path("started.1")), 60))
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 130, err)
        self.assertIn(b"coreflow bench: stopped by Interrupt", err)
        self.assertEqual(out, b"")
        self.assertEqual(os.listdir(self.path("tmp")), [], "the blocks' directory is gone")
        self.assertEqual(cfhelp.processes_with("bench_hold.sh"), [], "no task is left")

    def test_what_cannot_be_benched_is_said_before_anything_runs(self):
        self.items(4)
        cases = [
            (["-c", "a=echo {}"], "give two or more configurations"),
            (["-c", "a=echo {}", "-c", "a=echo {}"], "two configurations are named 'a'"),
            (["-c", "echo {}", "-c", "b=echo"], "needs a name"),
            (["-c", "a=", "-c", "b=echo"], "--config a has no command"),
            (["-c", "a=echo 'x", "-c", "b=echo"], "has a ' that is not closed"),
            (["-c", "a=-N2 echo", "-c", "b=echo"], "--config a: -N, -m and -X run several"),
            (["-c", "a=--joblog j echo", "-c", "b=echo"], "--config a: --joblog, --results"),
            (["-c", "a=echo ::: x", "-c", "b=echo"], "--config a: the items go after"),
            (["-c", "a=-j2", "-c", "b=echo"], "--config a: it has no command"),
            (["-c", "a=--bogus echo", "-c", "b=echo"], "--config a: unknown option '--bogus'"),
            (["-c", "a=echo", "-c", "b=echo", "--budget", "soon"], "--budget"),
        ]
        for args, words in cases:
            r = self.bench(*args, "::::", "items.txt")
            self.assertEqual(r.returncode, 255, (args, r))
            self.assertIn(words, r.err, args)
        r = self.bench("-c", "a=echo", "-c", "b=echo")
        self.assertEqual(r.returncode, 255, r)
        self.assertIn("give the items after ::: or ::::", r.err)
        r = self.bench("-c", "a=--timeout never echo {}", "-c", "b=echo {}", "--budget", "0",
                       "::::", "items.txt")
        self.assertEqual(r.returncode, 255, r)
        self.assertRegex(r.err, r"configuration 'a' could not run \(exit status 255\): .*never")


if __name__ == "__main__":
    import unittest
    unittest.main()
