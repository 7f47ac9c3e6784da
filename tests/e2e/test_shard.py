"""--shard: disjoint parts of the inputs for the tasks of a Slurm job array or srun step
(docs/run.md, "Shards"), each with its own journal."""

import os
import unittest

import cfhelp
from cfhelp import CoreflowTestCase

INPUTS = [str(i) for i in range(1, 301)]
SLURM = ("SLURM_PROCID", "SLURM_NTASKS", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN",
         "SLURM_ARRAY_TASK_STEP", "SLURM_ARRAY_TASK_COUNT")


class ShardTest(CoreflowTestCase):
    def run_shard(self, spec, inputs=INPUTS, env=None, journal=None):
        args = ["--shard", spec, "--no-summary"]
        if journal:
            args += ["--joblog", journal]
        r = self.cf(*args, "echo", ":::", *inputs, env=env)
        self.assertEqual(r.returncode, 0, r)
        return sorted(r.out.split(), key=int)

    def test_the_shards_together_run_every_input_once(self):
        parts = [self.run_shard("%d/4" % i, journal="j-{shard}.log") for i in range(1, 5)]
        joined = sorted(sum(parts, []), key=int)
        self.assertEqual(joined, INPUTS)
        for part in parts:
            self.assertGreater(len(part), 40, parts)  # 75 each, give or take
        # Each shard wrote its own journal, naming only its own inputs.
        for i, part in enumerate(parts, 1):
            _, rows = cfhelp.read_joblog(self.read("j-%d.log" % i).decode())
            self.assertEqual(sorted(row[8].split()[-1] for row in rows), sorted(part))

    def test_an_inputs_shard_does_not_depend_on_its_place(self):
        forward = self.run_shard("2/3")
        backward = self.run_shard("2/3", inputs=list(reversed(INPUTS)))
        self.assertEqual(forward, backward)

    def test_auto_takes_the_slurm_task(self):
        by_hand = self.run_shard("2/3")
        env = cfhelp.base_env({"SLURM_PROCID": "1", "SLURM_NTASKS": "3"}, drop=SLURM)
        self.assertEqual(self.run_shard("auto", env=env), by_hand)
        env = cfhelp.base_env({"SLURM_ARRAY_TASK_ID": "11", "SLURM_ARRAY_TASK_MIN": "10",
                               "SLURM_ARRAY_TASK_COUNT": "3"}, drop=SLURM)
        self.assertEqual(self.run_shard("auto", env=env), by_hand)

    def test_a_resume_of_a_shard_runs_only_its_unfinished_inputs(self):
        first = self.run_shard("1/2", journal="j-{shard}.log")
        r = self.cf("--shard", "1/2", "--joblog", "j-{shard}.log", "--resume", "echo", ":::",
                    *INPUTS)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "")
        self.assertTrue(first)

    def test_a_resubmitted_part_of_an_array_does_not_resume_another_shards_journal(self):
        # `sbatch --array=1` after an array of 2: Slurm says task 1 of 1, not shard 2 of 2.
        self.run_shard("2/2", journal="j-{shard}.log")
        with open(self.path("j-2.log"), "rb") as f:
            before = f.read()
        os.rename(self.path("j-2.log"), self.path("j-1.log"))
        env = cfhelp.base_env({"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "1",
                               "SLURM_ARRAY_TASK_COUNT": "1"}, drop=SLURM)
        r = self.cf("--shard", "auto", "--joblog", "j-{shard}.log", "--resume", "echo", ":::",
                    *INPUTS, env=env)
        self.assertUsageError(r)
        self.assertIn("'j-1.log' is the journal of shard 2/2, but this run is shard 1/1", r.err)
        self.assertEqual(self.read("j-1.log"), before, "the journal is left as it was")
        # The same shard, and one run finishing a merged journal, resume as before.
        os.rename(self.path("j-1.log"), self.path("j-2.log"))
        r = self.cf("--shard", "2/2", "--joblog", "j-{shard}.log", "--resume", "echo", ":::",
                    *INPUTS)
        self.assertEqual((r.returncode, r.out), (0, ""), r)
        r = self.cf("--joblog", "j-2.log", "--resume", "--no-summary", "echo", ":::", *INPUTS)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(len(r.out.split()) + len(self.run_shard("2/2")), len(INPUTS))

    def test_mistakes_are_usage_errors(self):
        self.assertUsageError(self.cf("--shard", "5/4", "echo", ":::", "a"))
        env = cfhelp.base_env(drop=SLURM)
        r = self.cf("--shard", "auto", "echo", ":::", "a", env=env)
        self.assertUsageError(r)
        self.assertIn("give --shard i/n", r.err)
        r = self.cf("--joblog", "j-{shard}.log", "echo", ":::", "a")
        self.assertUsageError(r)
        self.assertFalse(os.path.exists(self.path("j-{shard}.log")))


class MergeTest(CoreflowTestCase):
    """`coreflow journal merge` and --resume-from: the shards' journals as one."""

    def journal(self, *args):
        return cfhelp.run([cfhelp.BIN, "journal", *args], env=cfhelp.base_env(), cwd=self.tmp)

    def shard(self, spec, *extra):
        r = self.cf("--shard", spec, "--joblog", "j-{shard}.log", "--no-summary", *extra,
                    "echo", ":::", *INPUTS)
        self.assertEqual(r.returncode, 0, r)
        return r.out.split()

    def test_a_merged_journal_resumes_what_no_shard_finished(self):
        one, two = self.shard("1/3"), self.shard("2/3")  # shard 3 never ran
        r = self.journal("merge", "-o", "all.log", "j-1.log", "j-2.log")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("merged 2 journals into 'all.log': %d records" % len(one + two), r.err)
        r = self.cf("--joblog", "all.log", "--resume", "--no-summary", "echo", ":::", *INPUTS)
        self.assertEqual(r.returncode, 0, r)
        rest = r.out.split()
        self.assertEqual(sorted(one + two + rest, key=int), INPUTS, "each input once")
        self.assertEqual(sorted(rest, key=int), sorted(self.shard("3/3"), key=int))

    def test_merging_again_changes_nothing(self):
        self.shard("1/2")
        self.shard("2/2")
        self.assertEqual(self.journal("merge", "-o", "all.log", "j-1.log", "j-2.log").returncode, 0)
        once = self.read("all.log")
        r = self.journal("merge", "-o", "all.log", "all.log", "j-2.log", "j-1.log")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("merged 3 journals into 'all.log': 300 records, ", r.err)
        self.assertEqual(self.read("all.log"), once)

    def test_a_torn_last_line_is_left_out_with_a_warning(self):
        self.shard("1/2")
        self.shard("2/2")
        with open(self.path("j-2.log"), "a") as f:
            f.write("7\t:\t17000")  # a crash in the middle of a write
        r = self.journal("merge", "-o", "all.log", "j-1.log", "j-2.log")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("warning: 'j-2.log' ends in a line cut short", r.err)
        journal = cfhelp.Journal(self.read("all.log").decode())
        self.assertFalse(journal.torn)
        r = self.cf("--joblog", "all.log", "--resume", "echo", ":::", *INPUTS)
        self.assertEqual((r.returncode, r.out), (0, ""), r)

    def test_mistakes_leave_the_output_alone(self):
        self.shard("1/2")
        self.write("all.log", "before\n")
        self.write("parallel.log", "Seq\tHost\tStarttime\n")
        for args in (["j-1.log", "missing.log"], ["j-1.log", "parallel.log"]):
            r = self.journal("merge", "-o", "all.log", *args)
            self.assertEqual(r.returncode, 255, r)
            self.assertIn(args[1], r.err)
            self.assertEqual(self.read("all.log"), b"before\n")
        self.assertEqual(self.journal("merge", "j-1.log").returncode, 255)

    def test_resume_from_skips_what_other_shards_finished(self):
        one = self.shard("1/2")
        r = self.cf("--joblog", "rest.log", "--resume-from", "j-1.log", "echo", ":::", *INPUTS)
        self.assertEqual(r.returncode, 0, r)
        rest = r.out.split()
        self.assertEqual(sorted(one + rest, key=int), INPUTS)
        self.assertIn("skipped %d tasks that 'rest.log' or 1 other journal record as finished"
                      % len(one), r.err)
        self.assertEqual(self.cf("--joblog", "rest.log", "--resume-from", "j-1.log", "echo",
                                 ":::", *INPUTS).out, "", "both journals now cover everything")
        self.assertUsageError(self.cf("--joblog", "x.log", "--resume-from", "none.log", "echo",
                                      ":::", "a"))
        self.assertFalse(os.path.exists(self.path("x.log")))
        self.assertUsageError(self.cf("--resume-from", "j-1.log", "echo", ":::", "a"))

    def test_a_shard_killed_mid_run_resumes_with_nothing_lost_or_repeated(self):
        script = self.write("slow.sh", "#!/bin/sh\necho \"$1\" >> done.txt\n"
                            "[ \"$1\" -gt 20 ] && exec sleep 60\nexit 0\n", 0o755)
        inputs = [str(i) for i in range(1, 41)]
        proc = self.start("--shard", "1/1", "--joblog", "k-{shard}.log", "-j", "2",
                          "--no-summary", script, ":::", *inputs)
        # Inputs past 20 block: kill once both slots hold one, as a node failure would.
        self.assertTrue(cfhelp.wait_until(
            lambda: len(self.read("done.txt").split()) >= 22 if os.path.exists(
                self.path("done.txt")) else False, 30))
        proc.kill()
        proc.communicate()
        cfhelp.kill_processes_with("slow.sh")
        r = self.journal("merge", "-o", "all.log", "k-1.log")
        self.assertEqual(r.returncode, 0, r)
        self.write("slow.sh", "#!/bin/sh\necho \"$1\" >> done.txt\n", 0o755)
        r = self.cf("--joblog", "all.log", "--resume", "--no-summary", script, ":::", *inputs)
        self.assertEqual(r.returncode, 0, r)
        done = self.read("done.txt").decode().split()
        # The two cut short ran twice (their first attempts never finished); nothing else did.
        self.assertEqual(sorted(set(done), key=int), inputs)
        self.assertEqual(len(done), len(inputs) + 2, done)


if __name__ == "__main__":
    unittest.main()
