"""Batches (-N, -X, -m): several inputs per command, journalled, resumed and skipped per input."""

import json
import os
import shutil

import cfhelp
from cfhelp import CoreflowTestCase

# Writes out/<input>.txt for each argument; an argument named in the file `bad` fails the
# whole command (exit 4) before it writes anything for it.
WRITER = """#!/bin/sh
mkdir -p out
for x in "$@"; do
  if grep -qx "$x" bad 2>/dev/null; then echo "bad input $x" >&2; exit 4; fi
  echo "$x" > "out/$x.txt"
done
echo "batch: $*"
"""


class BatchingTest(CoreflowTestCase):
    def setUp(self):
        super().setUp()
        self.write("w.sh", WRITER, 0o755)
        self.write("bad", "")

    def run_writer(self, *flags, items=range(1, 11)):
        return self.cf(*flags, "--joblog", "log", "--outputs", "out/{}.txt", "./w.sh", "{}",
                       ":::", *[str(i) for i in items])

    def journal(self):
        return cfhelp.Journal(self.read("log").decode())

    def test_the_journal_has_a_record_per_input(self):
        self.write("bad", "6\n")
        r = self.run_writer("-N4")
        self.assertEqual(r.returncode, 1, r)  # one command (of inputs 5-8) failed
        self.assertEqual(sorted(r.out.splitlines()),
                         ["batch: 1 2 3 4", "batch: 9 10"])
        j = self.journal()
        self.assertEqual(len(j.records), 10)
        by_seq = {}
        for rec in j.records:
            by_seq.setdefault(rec[0], []).append(rec)
        self.assertEqual(sorted(len(v) for v in by_seq.values()), [2, 4, 4])
        failed = [rec for rec in j.records if rec[15] == "failed"]
        self.assertEqual(len(failed), 4)
        self.assertEqual({rec[8] for rec in failed}, {"./w.sh 5 6 7 8"})
        self.assertEqual(len({rec[9] for rec in j.records}), 10)  # a key per input
        self.assertEqual(len(j.starts), 10)
        # 5 was written before 6 failed: a failed command's outputs are removed.
        self.assertEqual(sorted(os.listdir(self.path("out"))),
                         sorted("%d.txt" % i for i in (1, 2, 3, 4, 9, 10)))

    def test_resume_runs_only_the_inputs_left_in_new_batches(self):
        self.write("bad", "6\n")
        self.run_writer("-N4")
        self.write("bad", "")
        r = self.run_writer("-N3", "--resume-failed")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(sorted(r.out.splitlines()), ["batch: 5 6 7", "batch: 8"])
        self.assertIn("skipped 6 tasks", r.err)
        self.assertEqual(len(self.journal().final("ok")), 10)
        r = self.run_writer("-N3", "--resume")
        self.assertEqual(r.out, "")

    def test_inputs_whose_outputs_exist_are_left_out_of_batches(self):
        os.mkdir(self.path("out"))
        for i in (2, 3, 7):
            self.write("out/%d.txt" % i, "old\n")
        r = self.run_writer("-N3")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(sorted(r.out.splitlines()),
                         ["batch: 1 4 5", "batch: 10", "batch: 6 8 9"])
        skipped = [rec for rec in self.journal().records if rec[15] == "skipped"]
        self.assertEqual(sorted(rec[8] for rec in skipped), ["./w.sh 2", "./w.sh 3", "./w.sh 7"])
        self.assertEqual(self.read("out/2.txt"), b"old\n")

    def test_a_failed_batch_can_be_split(self):
        self.write("bad", "6\n")
        r = self.run_writer("-N4", "--split-failed-batches", "--retries", "2")
        self.assertEqual(r.returncode, 1, r)  # input 6 alone fails, twice
        self.assertIn("its 4 inputs run again one by one (--split-failed-batches)", r.err)
        self.assertEqual(sorted(r.out.splitlines()),
                         ["batch: 1 2 3 4", "batch: 5", "batch: 7", "batch: 8", "batch: 9 10"])
        j = self.journal()
        split = [rec for rec in j.records if rec[8] == "./w.sh 5 6 7 8"]
        self.assertEqual([(rec[15], rec[16]) for rec in split], [("failed", "0")] * 4)
        six = [(rec[10], rec[15], rec[16]) for rec in j.records if rec[8] == "./w.sh 6"]
        self.assertEqual(six, [("1", "failed", "0"), ("2", "failed", "1")])
        self.assertEqual(len(j.final("ok")), 9)
        self.assertEqual(len(os.listdir(self.path("out"))), 9)

    def test_with_k_a_split_batchs_inputs_print_in_its_place(self):
        self.write("bad", "6\n")
        for jobs in ("-j1", "-j2"):
            shutil.rmtree(self.path("out"), ignore_errors=True)  # or every input is done
            r = self.run_writer(jobs, "-k", "-N4", "--split-failed-batches")
            self.assertEqual(r.returncode, 1, r)
            self.assertEqual(r.out.splitlines(),
                             ["batch: 1 2 3 4", "batch: 5", "batch: 7", "batch: 8", "batch: 9 10"],
                             jobs)

    def test_reports_count_inputs_and_commands(self):
        r = self.run_writer("-N4", "--report", "r.json")
        self.assertEqual(r.returncode, 0, r)
        self.assertRegex(r.err, r"coreflow: 10 inputs \(in 3 commands\) in [0-9.]+ s: 10 ok")
        rep = json.loads(self.read("r.json"))
        self.assertEqual((rep["counts"]["tasks"], rep["counts"]["inputs"]), (3, 10))
        self.assertEqual(rep["configuration"]["inputs_per_invocation"],
                         {"value": 4, "source": "-N"})
        again = cfhelp.run([cfhelp.BIN, "report", "log", "--json", "j.json"], cwd=self.tmp)
        self.assertEqual(again.returncode, 0, again)
        rep = json.loads(self.read("j.json"))
        self.assertEqual((rep["counts"]["tasks"], rep["counts"]["inputs"]), (3, 10))

    def test_x_fills_the_command_line_and_spreads_over_slots(self):
        items = ["item%04d-%s" % (i, "x" * 90) for i in range(3000)]  # about 300 KB
        self.write("items", "\n".join(items) + "\n")
        self.write("count.py", "import sys\nprint(len(sys.argv) - 1, sum(map(len, sys.argv)))\n")
        r = self.cf("-X", "-j1", "--no-summary", cfhelp.PY, "count.py", "::::", "items")
        self.assertEqual(r.returncode, 0, r)
        counts = [tuple(map(int, line.split())) for line in r.out.splitlines()]
        self.assertGreaterEqual(len(counts), 3)
        self.assertEqual(sum(n for n, _ in counts), 3000)
        self.assertTrue(all(size < 128 * 1024 for _, size in counts), counts)
        r = self.cf("-X", "-j1", "-s", "20000", "--no-summary", cfhelp.PY, "count.py", "::::",
                    "items")
        counts = [tuple(map(int, line.split())) for line in r.out.splitlines()]
        self.assertGreater(len(counts), 15)
        self.assertEqual(sum(n for n, _ in counts), 3000)
        self.assertTrue(all(size < 20000 for _, size in counts), counts)
        r = self.cf("-X", "-j4", "--no-summary", "echo", ":::", *map(str, range(10)))
        self.assertEqual(sorted(len(line.split()) for line in r.out.splitlines()), [1, 3, 3, 3])

    def test_every_replacement_string_counts_towards_s(self):
        values = "".join("dir%d/file%d.tar.gz\n" % (i, i) for i in range(400)).encode()
        for flag in ("-X", "-m"):
            for template in (["echo", "a{}b{.}c{/.}"], ["echo", "{}", "{}", "x{//}"]):
                r = self.cf(flag, "-j3", "-s", "300", "--dry-run", *template, input=values)
                self.assertEqual(r.returncode, 0, r)
                lines = r.out.splitlines()
                self.assertGreater(len(lines), 10)
                self.assertTrue(all(len(line) < 300 for line in lines), (flag, template))

    def test_batch_sizes_from_a_pipe_depend_on_the_inputs_alone(self):
        numbers = "".join("%d\n" % i for i in range(1, 60001))
        self.write("numbers", numbers)
        sizes = []
        for source in (["::::", "numbers"], ["::::", "-"], []):
            r = self.cf("-X", "-j2", "-k", "--no-summary", "echo", *source, input=numbers.encode())
            self.assertEqual(r.returncode, 0, r)
            sizes.append([len(line.split()) for line in r.out.splitlines()])
        self.assertEqual(sizes[0], sizes[1])
        self.assertEqual(sizes[0], sizes[2])
        self.assertEqual(sum(sizes[0]), 60000)
        self.assertEqual(len(sizes[0]), 4)  # two full commands, then the rest over both slots
        self.assertLessEqual(abs(sizes[0][2] - sizes[0][3]), 1)

    def test_batching_flags_are_checked(self):
        for flags in (["-N2", "-X"], ["-X", "-m"], ["--split-failed-batches"], ["-N", "0"],
                      ["-s", "100"], ["-N2", "-s", "100"], ["-X", "-s", "0"]):
            r = self.cf(*flags, "touch", "ran", ":::", "a")
            self.assertUsageError(r)
            self.assertFalse(os.path.exists(self.path("ran")))


if __name__ == "__main__":
    import unittest
    unittest.main()
