"""--mem-per-task and --memfree."""

import os
import signal
import unittest

import cfhelp
from cfhelp import CoreflowTestCase, PY

# Holds N MiB resident (b'x' * n writes every page), then sleeps.
HOG = "import sys, time\nb = b'x' * (int(sys.argv[1]) << 20)\ntime.sleep(float(sys.argv[2]))\n"


def mem_available():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no MemAvailable")


class MemoryTest(CoreflowTestCase):
    def test_a_task_over_its_limit_is_killed_and_the_run_goes_on(self):
        self.write("hog.py", HOG)
        r = self.cf("-k", "--joblog", "log", "--mem-per-task", "64M",
                    "%s hog.py {1} {2} && echo done {1}" % PY, ":::", "300", "1", ":::+", "5", "0.1")
        self.assertEqual(r.returncode, 1, r)
        self.assertLess(r.elapsed, 5)  # killed, not left to finish
        self.assertEqual(r.out, "done 1\n")  # the other task ran to its end
        self.assertIn("coreflow: task 1 was killed: over memory limit", r.err)
        j = cfhelp.Journal(self.read("log").decode())
        outcomes = sorted((rec[0], rec[15]) for rec in j.final())
        self.assertEqual(outcomes, [("1", "over-memory"), ("2", "ok")])
        self.assertNoLeftovers()

    def test_the_watchdog_enforces_the_limit_without_cgroups(self):
        self.write("hog.py", HOG)
        env = cfhelp.base_env({"COREFLOW_MEM_CGROUP": "0"})
        r = self.cf("--mem-per-task", "64M", "%s hog.py 300 5" % PY, ":::", "a", env=env)
        self.assertEqual(r.returncode, 1, r)
        self.assertRegex(r.err, r"task 1 was killed: over memory limit \([0-9.]+ GiB resident")

    def test_the_watchdog_counts_what_escaped_the_process_group(self):
        # Without cgroups, a setsid child (out of the task's process group) that goes over the
        # limit is counted as the task's, and the task is killed with everything it started.
        self.write("hog.py", HOG)
        env = cfhelp.base_env({"COREFLOW_MEM_CGROUP": "0"})
        r = self.cf("--joblog", "log", "--mem-per-task", "64M",
                    "setsid %s hog.py 300 30 %s & wait; echo finished" % (PY, self.marker),
                    ":::", "a", env=env, timeout=60)
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(r.out, "")
        self.assertRegex(r.err, r"task 1 was killed: over memory limit \([0-9.]+ GiB resident")
        j = cfhelp.Journal(self.read("log").decode())
        self.assertEqual([rec[15] for rec in j.final()], ["over-memory"])
        self.assertNoLeftovers()

    def test_the_kernel_enforces_the_limit_where_cgroups_allow(self):
        # A task that starts a child which goes over: the kernel ends it at once, and the task
        # counts as over memory however its shell exits.
        self.write("hog.py", HOG)
        r = self.cf("--joblog", "log", "--mem-per-task", "64M",
                    "%s hog.py 300 30; echo after" % PY, ":::", "a")
        if "enforced by the kernel" not in r.err:
            self.skipTest("no memory cgroup can be created here: " + r.err.strip())
        self.assertEqual(r.returncode, 1, r)
        self.assertLess(r.elapsed, 10)
        self.assertIn("coreflow: task 1 was killed: over memory limit (--mem-per-task 0.06 GiB",
                      r.err)
        j = cfhelp.Journal(self.read("log").decode())
        self.assertEqual([rec[15] for rec in j.final()], ["over-memory"])
        cgroup = r.err.split("in cgroup ")[1].split("/slot-")[0]
        self.assertFalse(os.path.exists(cgroup), "coreflow left its cgroup behind")

    def test_tasks_at_once_are_cut_to_what_fits(self):
        per_task = mem_available() // 5 * 2  # two fit, three do not
        r = self.cf("-j8", "--mem-per-task", str(per_task), "echo {%}; : {}",
                    ":::", *[str(i) for i in range(8)])
        self.assertEqual(r.returncode, 0, r)
        self.assertTrue(set(r.out.split()) <= {"1", "2"}, r.out)

    def test_a_task_that_cannot_fit_is_a_usage_error(self):
        r = self.cf("--mem-per-task", "100T", "touch", "ran", ":::", "a")
        self.assertUsageError(r)
        self.assertIn("--mem-per-task", r.err)
        self.assertFalse(os.path.exists(self.path("ran")))

    def test_bad_sizes_are_usage_errors(self):
        self.assertUsageError(self.cf("--mem-per-task", "lots", "true", ":::", "a"))
        self.assertUsageError(self.cf("--memfree", "0", "true", ":::", "a"))

    def set_available(self, gib):
        """Free memory as coreflow sees it: a meminfo file the test controls."""
        os.makedirs(self.path("proc"), exist_ok=True)
        self.write("proc/meminfo.new", "MemTotal: 99999999 kB\nMemAvailable: %d kB\n"
                   % (gib * 1024 * 1024))
        os.rename(self.path("proc/meminfo.new"), self.path("proc/meminfo"))
        return cfhelp.base_env({"COREFLOW_MEMINFO_ROOT": self.tmp})

    def test_memfree_holds_tasks_back(self):
        env = self.set_available(1)
        p = self.start("--memfree", "4G", "touch", "ran", ":::", "a", env=env)
        # The message comes before any task could start.
        self.assertIn(b"coreflow: waiting to start tasks", p.stderr.readline())
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 143, err)
        self.assertFalse(os.path.exists(self.path("ran")))

    def test_memfree_beyond_the_machine_is_a_usage_error(self):
        env = self.set_available(1)  # MemTotal 95 GiB
        r = self.cf("--memfree", "99999T", "touch", "ran", ":::", "a", env=env)
        self.assertUsageError(r)
        self.assertIn("--memfree 99999T is more than all of this machine's memory", r.err)
        r = self.cf("--memfree", "99999T", "touch", "ran", ":::", "a")  # the real machine
        self.assertUsageError(r)
        self.assertFalse(os.path.exists(self.path("ran")))

    def test_memfree_stops_the_youngest_task_when_memory_runs_short(self):
        # Free memory comes from a meminfo file the test controls: plenty, then below half of
        # --memfree (the youngest task is stopped and queued again), then below --memfree
        # (nothing starts), then plenty again (it runs, as another attempt that is not
        # held against --retries).
        env = self.set_available(10)
        task = ("echo x >> started.{}; while [ ! -e go.{} ]; do sleep 0.02; done; echo done {}; "
                ": %s" % self.marker)
        p = self.start("-j3", "--retries", "1", "--joblog", "log", "--memfree", "4G", task,
                       ":::", "a", "b", "c", env=env)
        self.wait_files(["started.a", "started.b", "started.c"])
        # Youngest by coreflow's start order (the input order at -j3), not by which shell wrote
        # its file last: three shells race, and mtimes can tie.
        youngest = "c"
        self.set_available(1)
        self.assertTrue(cfhelp.wait_until(
            lambda: not any("started.%s;" % youngest in cmd
                            for _, cmd in cfhelp.processes_with(self.marker)), 10),
            "the youngest task was not stopped")
        # Low, not critical: when task a ends, its slot stays empty.
        self.set_available(3)
        self.write("go.a", "")
        self.assertTrue(cfhelp.wait_until(lambda: any(
            rec[8].endswith("echo done a; : %s" % self.marker)
            for rec in cfhelp.Journal(self.read("log").decode()).final()), 10))
        self.assertEqual(self.read("started." + youngest), b"x\n")
        self.set_available(10)
        self.assertTrue(cfhelp.wait_until(
            lambda: self.read("started." + youngest) == b"x\nx\n", 10), "it did not run again")
        self.write("go.b", "")
        self.write("go.c", "")
        out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(sorted(out.decode().splitlines()), ["done a", "done b", "done c"])
        self.assertIn(b"was stopped to free memory (--memfree) and will run again", err)
        j = cfhelp.Journal(self.read("log").decode())
        mine = [(rec[10], rec[15], rec[16]) for rec in j.records if rec[8].endswith(
            "started.%s; while [ ! -e go.%s ]; do sleep 0.02; done; echo done %s; : %s"
            % (youngest, youngest, youngest, self.marker))]
        self.assertEqual(mine, [("1", "interrupted", "0"), ("2", "ok", "1")])
        self.assertEqual(len(j.final("ok")), 3)


if __name__ == "__main__":
    unittest.main()
