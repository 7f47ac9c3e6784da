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

    def test_mistakes_are_usage_errors(self):
        self.assertUsageError(self.cf("--shard", "5/4", "echo", ":::", "a"))
        env = cfhelp.base_env(drop=SLURM)
        r = self.cf("--shard", "auto", "echo", ":::", "a", env=env)
        self.assertUsageError(r)
        self.assertIn("give --shard i/n", r.err)
        r = self.cf("--joblog", "j-{shard}.log", "echo", ":::", "a")
        self.assertUsageError(r)
        self.assertFalse(os.path.exists(self.path("j-{shard}.log")))


if __name__ == "__main__":
    unittest.main()
