"""Threads per task: the thread variables every task sees, PARALLEL_SEQ/JOBSLOT, warnings.

COREFLOW_CORES fixes the number of usable cores, whatever this machine has.
"""

import unittest

import cfhelp
from cfhelp import CoreflowTestCase

COUNT_VARIABLES = [v for v in cfhelp.THREAD_VARIABLES if v != "MKL_DYNAMIC"]


class ThreadVariablesTest(CoreflowTestCase):
    def task_envs(self, *args, env=None, inputs=("a", "b")):
        """Runs `env > env.VALUE` per input; returns (result, {value: {name: value}})."""
        r = self.cf(*args, "env > env.{}", ":::", *inputs, env=env)
        self.assertEqual(r.returncode, 0, r)
        envs = {}
        for value in inputs:
            lines = self.read("env." + value).decode().splitlines()
            envs[value] = dict(l.split("=", 1) for l in lines if "=" in l)
        return r, envs

    def assertThreads(self, env, count, omp=None):
        for name in COUNT_VARIABLES:
            want = omp if (omp is not None and name == "OMP_NUM_THREADS") else str(count)
            self.assertEqual(env.get(name), want, name)
        self.assertEqual(env.get("MKL_DYNAMIC"), "FALSE")

    def test_defaults_split_the_cores_between_slots(self):
        r, envs = self.task_envs("-j2", env=cfhelp.base_env({"COREFLOW_CORES": "4"}))
        for e in envs.values():
            self.assertThreads(e, 2)
        self.assertNotIn("warning", r.err)

    def test_one_thread_per_task_by_default(self):
        _, envs = self.task_envs(env=cfhelp.base_env({"COREFLOW_CORES": "4"}))
        for e in envs.values():
            self.assertThreads(e, 1)

    def test_threads_flag_sets_every_variable(self):
        r, envs = self.task_envs("-t", "3", env=cfhelp.base_env({"COREFLOW_CORES": "6"}))
        for e in envs.values():
            self.assertThreads(e, 3)
        self.assertNotIn("warning", r.err)

    def test_exported_value_wins_without_threads_flag(self):
        env = cfhelp.base_env({"COREFLOW_CORES": "4", "OMP_NUM_THREADS": "5"})
        _, envs = self.task_envs("-j2", env=env)
        for e in envs.values():
            self.assertThreads(e, 2, omp="5")

    def test_exported_value_loses_with_threads_flag(self):
        env = cfhelp.base_env({"COREFLOW_CORES": "4", "OMP_NUM_THREADS": "5",
                               "MKL_DYNAMIC": "TRUE"})
        _, envs = self.task_envs("-t", "2", env=env)
        for e in envs.values():
            self.assertThreads(e, 2)

    def test_other_variables_pass_through(self):
        env = cfhelp.base_env({"COREFLOW_CORES": "2", "MY_SETTING": "x y=z"})
        _, envs = self.task_envs(env=env)
        for e in envs.values():
            self.assertEqual(e.get("MY_SETTING"), "x y=z")


class ParallelVariablesTest(CoreflowTestCase):
    def test_seq_and_jobslot(self):
        env = cfhelp.base_env({"COREFLOW_CORES": "2", "PARALLEL_SEQ": "999",
                               "PARALLEL_JOBSLOT": "999"})
        r = self.cf("-k", "-j2", "echo {#} $PARALLEL_SEQ {%} $PARALLEL_JOBSLOT {}",
                    ":::", *"abcdef", env=env)
        self.assertEqual(r.returncode, 0, r)
        lines = [l.split() for l in r.out.splitlines()]
        self.assertEqual([l[4] for l in lines], list("abcdef"))
        for i, (seq, env_seq, slot, env_slot, _) in enumerate(lines):
            self.assertEqual(seq, str(i + 1))
            self.assertEqual(env_seq, seq)
            self.assertEqual(env_slot, slot)
            self.assertIn(slot, ("1", "2"))

    def test_running_tasks_have_different_slots(self):
        # Both tasks wait for each other, so they run at the same time: slots must differ.
        template = ("touch here.{}; while [ ! -e here.a ] || [ ! -e here.b ]; do sleep 0.02; "
                    "done; echo $PARALLEL_JOBSLOT")
        r = self.cf("-j2", template, ":::", "a", "b",
                    env=cfhelp.base_env({"COREFLOW_CORES": "2"}), timeout=60)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(sorted(r.out.split()), ["1", "2"])


class OversubscriptionTest(CoreflowTestCase):
    def test_warning_when_threads_exceed_cores(self):
        r = self.cf("--no-summary", "-j2", "-t", "2", "true", ":::", "a",
                    env=cfhelp.base_env({"COREFLOW_CORES": "2"}))
        self.assertEqual(r.returncode, 0, r)  # a warning, not a failure
        lines = r.err.splitlines()
        self.assertEqual(len(lines), 1, r)
        self.assertTrue(lines[0].startswith("coreflow: warning: "), r)
        self.assertIn("2 slots x 2 threads", lines[0])
        self.assertIn("COREFLOW_CORES", lines[0])

    def test_warning_for_too_many_slots(self):
        r = self.cf("-j3", "true", ":::", "a", env=cfhelp.base_env({"COREFLOW_CORES": "2"}))
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("coreflow: warning: ", r.err)

    def test_no_warning_when_it_fits(self):
        r = self.cf("--no-summary", "-j2", "-t", "2", "true", ":::", "a",
                    env=cfhelp.base_env({"COREFLOW_CORES": "4"}))
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stderr, b"")

    def test_threads_flag_alone_picks_the_slots(self):
        # 4 cores / 2 threads = 2 slots; --dry-run numbers the slots round-robin.
        r = self.cf("-t", "2", "--dry-run", "echo {%} {}", ":::", "a", "b", "c",
                    env=cfhelp.base_env({"COREFLOW_CORES": "4"}))
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "echo 1 a\necho 2 b\necho 1 c\n")
        self.assertEqual(r.stderr, b"")

    def test_no_warning_for_jobs_zero(self):
        r = self.cf("--no-summary", "-j0", "true", ":::", "a",
                    env=cfhelp.base_env({"COREFLOW_CORES": "2"}))
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stderr, b"")


if __name__ == "__main__":
    unittest.main()
