"""--autotune and `coreflow tune`: trials on real inputs, nothing lost, a cache per machine."""

import glob
import json
import os
import re

import cfhelp
from cfhelp import CoreflowTestCase

ITEMS = [str(i) for i in range(1, 161)]
HELPER_DIR = os.path.join(cfhelp.HERE, "..", "..", "contrib", "python")

# A warm worker that notes, per task, which process served it with which threads and CPUs.
WORKER = r"""
import os
import coreflow_worker

def work(task):
    i = 0
    while i < 100000:
        i += 1
    with open("/proc/self/status") as f:
        cpus = f.read().split("Cpus_allowed_list:")[1].split()[0]
    with open("served", "a") as f:
        f.write("%d %d %s %s\n" % (task.id, os.getpid(), os.environ.get("OMP_NUM_THREADS"), cpus))
    print("item", task.args[-1])
    return 0

coreflow_worker.serve(work)
"""


class AutotuneTest(CoreflowTestCase):
    def setUp(self):
        super().setUp()
        self.cache = self.path("cache")
        self.env = cfhelp.base_env({"COREFLOW_CACHE_DIR": self.cache})
        # A little CPU, a little waiting, and the environment the task got: outputs must not
        # depend on the configuration, so only the item is printed.
        self.write("job.sh", "#!/bin/sh\ni=0\nwhile [ $i -lt 2000 ]; do i=$((i+1)); done\n"
                             "sleep 0.01\necho \"item $1\"\n", 0o755)

    def tune(self, *flags, items=ITEMS):
        return self.cf(*flags, "./job.sh", "{}", ":::", *items, env=self.env, timeout=120)

    def cached(self):
        return glob.glob(os.path.join(self.cache, "tune", "*.json"))

    def test_tunes_once_then_starts_from_the_cache(self):
        r = self.tune("--autotune", "--joblog", "log")
        self.assertEqual(r.returncode, 0, r)
        self.assertRegex(r.err, r"coreflow: autotune: chose -j \d+ -t \d+.*; \d+ trials over "
                                r"\d+ inputs")
        self.assertEqual(sorted(r.out.splitlines()), sorted("item " + i for i in ITEMS))
        done = cfhelp.Journal(self.read("log").decode()).final("ok")
        self.assertEqual(sorted(rec[8] for rec in done), sorted("./job.sh " + i for i in ITEMS))
        self.assertEqual(len(self.cached()), 1)
        chose = [line for line in r.err.splitlines() if "autotune: chose" in line][0]
        shape = chose.split("chose ")[1].split(" (")[0]  # "-j 2 -t 1" or with --bind
        report = cfhelp.run([cfhelp.BIN, "report", "log"], cwd=self.tmp)
        ran = [line for line in report.out.splitlines() if line.startswith("coreflow: ran with")]
        self.assertEqual(len(ran), 1, report.out)
        self.assertIn("-j %s (autotune), -t %s (autotune)" % (shape.split()[1], shape.split()[3]),
                      ran[0])
        again = self.tune("--autotune")
        self.assertEqual(again.returncode, 0, again)
        self.assertIn("from the cache", again.err)
        self.assertNotIn("chose", again.err)
        self.assertEqual(sorted(again.out.splitlines()), sorted(r.out.splitlines()))
        retune = self.tune("--autotune", "--retune", "--tune-mode", "quick")
        self.assertIn("chose", retune.err)
        self.assertEqual(len(self.cached()), 1)  # the same key: replaced
        # A quick answer does not stand for a default-mode one; a default one for a quick one.
        harder = self.tune("--autotune")
        self.assertIn("the cached answer was tuned in quick mode; tuning again in default mode",
                      harder.err)
        self.assertIn("chose", harder.err)
        easier = self.tune("--autotune", "--tune-mode", "quick")
        self.assertIn("from the cache", easier.err)

    def test_outputs_are_the_same_whatever_the_configuration(self):
        plain = self.tune("-j1", "-t1")
        for flags in (["--autotune", "--no-tune-cache"], ["-j2", "-t1", "--bind"],
                      ["--autotune", "--tune-mode", "exhaustive", "--no-tune-cache"]):
            r = self.tune(*flags)
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(sorted(r.out.splitlines()), sorted(plain.out.splitlines()), flags)
        self.assertEqual(self.cached(), [])  # --no-tune-cache wrote nothing

    def test_the_tune_command_runs_a_sample_and_manages_the_cache(self):
        r = cfhelp.run([cfhelp.BIN, "tune", "--sample", "80", "./job.sh", "{}", ":::", *ITEMS],
                       env=self.env, cwd=self.tmp, timeout=120)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(len(r.out.splitlines()), 80)  # the sample, and nothing more
        self.assertIn("chose", r.err)
        listed = cfhelp.run([cfhelp.BIN, "tune", "--list"], env=self.env, cwd=self.tmp)
        self.assertEqual(listed.returncode, 0, listed)
        self.assertIn("template=./job.sh {}", listed.out)
        run = self.tune("--autotune")
        self.assertIn("from the cache", run.err)  # what tune found, run uses
        cleared = cfhelp.run([cfhelp.BIN, "tune", "--clear"], env=self.env, cwd=self.tmp)
        self.assertIn("removed 1 tuned configuration", cleared.out)
        self.assertEqual(self.cached(), [])

    def test_warm_workers_are_tuned_and_replaced_for_each_shape(self):
        self.write("w.py", WORKER)
        env = dict(self.env, PYTHONPATH=os.path.abspath(HELPER_DIR), COREFLOW_CORES="2")
        items = [str(i) for i in range(1, 301)]
        r = self.cf("--autotune", "--no-tune-cache", "--joblog", "log", "--worker",
                    "%s w.py %s" % (cfhelp.PY, self.marker), "w", "{}", ":::", *items, env=env,
                    timeout=120)
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("autotune: chose", r.err)
        self.assertRegex(r.err, r"ran with -j \d \(autotune\), -t \d \(autotune\).*--worker")
        self.assertEqual(sorted(r.out.splitlines()), sorted("item " + i for i in items))
        # Which shape each task started under: the #reshape note before its #start mark.
        shape_of, shape = {}, None
        for line in self.read("log").decode().splitlines():
            if line.startswith("#reshape\t"):
                shape = json.loads(line.split("\t")[1])
            elif line.startswith("#start\t"):
                shape_of[int(line.split("\t")[3])] = shape
        with open("/proc/self/status") as f:
            own = re.search(r"Cpus_allowed_list:\s*(\S+)", f.read()).group(1)
        served = [line.split() for line in self.read("served").decode().splitlines()]
        self.assertEqual(len(served), len(items))
        shapes_of_pid = {}
        for seq, pid, threads, cpus in served:
            s = shape_of[int(seq)]
            self.assertEqual(threads, str(s["threads"]), (seq, s))  # not a worker of an old shape
            if not s["bind"]:
                self.assertEqual(cpus, own, (seq, s))
            shapes_of_pid.setdefault(pid, set()).add(json.dumps(s, sort_keys=True))
        self.assertTrue(all(len(v) == 1 for v in shapes_of_pid.values()), shapes_of_pid)
        self.assertGreater(len({t for _, _, t, _ in served}), 1)  # -t 1 and -t 2 were tried

    def test_a_parameter_of_the_program_is_searched_and_cached_with_the_rest(self):
        # The program's own batch size reaches it as {param:b}; the output must not depend on it.
        self.write("param.sh", "#!/bin/sh\ni=0\nwhile [ $i -lt 2000 ]; do i=$((i+1)); done\n"
                               "echo \"$1 $COREFLOW_PARAM_b\" >> seen\necho \"item $2\"\n", 0o755)
        args = ["--autotune", "--tune-mode", "exhaustive", "--tune-param", "b=1,2",
                "--joblog", "log", "./param.sh", "{param:b}", "{}", ":::", *ITEMS]
        r = self.cf(*args, env=self.env, timeout=120)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(sorted(r.out.splitlines()), sorted("item " + i for i in ITEMS))
        self.assertRegex(r.err, r"coreflow: autotune: chose -j \d+ -t \d+.* b=[12] \(")
        commands = [rec[8] for rec in cfhelp.Journal(self.read("log").decode()).final("ok")]
        self.assertEqual(len(commands), len(ITEMS))
        used = {c.split()[1] for c in commands}
        self.assertEqual(used, {"1", "2"}, "both values were tried")
        # Before the run, the first input ran once with each value, and printed the same.
        self.assertIn("checking that the --tune-param values print the same: the first input, "
                      "2 runs", r.err)
        self.assertIn("the same output with each value", r.err)
        seen = self.read("seen").decode().splitlines()
        self.assertEqual(len(seen), len(ITEMS) + 2)
        self.assertTrue(all(line.split()[0] == line.split()[1] for line in seen),
                        "$COREFLOW_PARAM_b is the value {param:b} gave")
        self.assertEqual(len(self.cached()), 1)
        with open(self.cached()[0]) as f:
            self.assertIn(json.load(f)["config"]["params"][0], ["1", "2"])
        again = self.cf(*args, env=self.env, timeout=120)
        self.assertIn("from the cache", again.err)
        self.assertRegex(again.err, r"autotune: -j \d+ -t \d+.* b=[12] from the cache")
        # Other values are another workload: not the cached answer.
        other = self.cf(*[a if a != "b=1,2" else "b=1,4" for a in args], env=self.env,
                        timeout=120)
        self.assertIn("chose", other.err)
        dry = self.cf("--autotune", "--tune-param", "b=7,8", "--dry-run", "./param.sh",
                      "{param:b}", "{}", ":::", "x", env=self.env)
        self.assertEqual(dry.out, "./param.sh 7 x\n", "the first value until tuned")

    def test_a_parameter_that_changes_the_output_stops_the_run_before_it_starts(self):
        self.write("items", "".join(i + "\n" for i in ITEMS))
        r = self.cf("--autotune", "--tune-param", "b=1,2,4", "--joblog", "log",
                    "echo {} {param:b}; touch ran.{}", "::::", "items", env=self.env,
                    timeout=120)
        self.assertEqual(r.returncode, 255, r)
        self.assertIn("--tune-param b: the first input's output with b=2 differs from that "
                      "with b=1 (line 1 of stdout: '1 2' against '1 1')", r.err)
        self.assertIn("--param-changes-output", r.err)
        self.assertEqual(r.out, "")
        self.assertFalse(os.path.exists(self.path("log")), "no task of the run started")
        self.assertFalse(os.path.exists(self.path("ran.2")))
        # An exit status that changes with the value counts as a difference too.
        r = self.cf("--autotune", "--tune-param", "b=1,2,4", "echo {}; exit $(({param:b} / 4))",
                    "::::", "items", env=self.env, timeout=120)
        self.assertEqual(r.returncode, 255, r)
        self.assertIn("with b=4 differs from that with b=1 (exit status 1 against 0)", r.err)
        # Inputs from stdin cannot be read twice: no check, and a warning that says so.
        r = self.cf("--autotune", "--tune-param", "b=1,2", "echo {}; : {param:b}", env=self.env,
                    input="".join(i + "\n" for i in ITEMS).encode(), timeout=120)
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("the inputs come from stdin or a pipe", r.err)
        self.assertEqual(sorted(r.out.splitlines()), sorted(ITEMS))

    def test_with_param_changes_output_each_values_results_are_kept_apart(self):
        args = ["--autotune", "--tune-mode", "exhaustive", "--tune-param", "b=1,2",
                "--param-changes-output", "./job.sh", "{}.{param:b}", ":::", *ITEMS]
        r = self.cf(*args, env=self.env, timeout=120)
        self.assertUsageError(r)
        self.assertIn("give --results DIR", r.err)
        r = self.cf("--results", "res", *args, env=self.env, timeout=120)
        self.assertEqual(r.returncode, 0, r)
        self.assertNotIn("checking", r.err)
        self.assertEqual(sorted(os.listdir(self.path("res"))), ["b=1", "b=2"], "both were tried")
        ran = []
        for value in ("1", "2"):
            for item in os.listdir(self.path("res", "b=" + value, "1")):
                out = self.read(os.path.join("res", "b=" + value, "1", item, "stdout")).decode()
                self.assertEqual(out, "item %s.%s\n" % (item, value))
                ran.append(item)
        self.assertEqual(sorted(ran), sorted(ITEMS), "each input once, under its own value")

    def test_warm_workers_get_the_values_of_their_trial(self):
        self.write("w.py", r"""
import os
import coreflow_worker

def work(task):
    with open("served", "a") as f:
        f.write("%s %s\n" % (task.args[0], os.environ["COREFLOW_PARAM_b"]))
    print("item", task.args[-1])

coreflow_worker.serve(work)
""")
        env = dict(self.env, PYTHONPATH=os.path.abspath(HELPER_DIR), COREFLOW_CORES="2")
        r = self.cf("--autotune", "--no-tune-cache", "--tune-mode", "exhaustive", "--tune-param",
                    "b=1,2", "--worker", "%s w.py %s" % (cfhelp.PY, self.marker), "{param:b}",
                    "{}", ":::", *ITEMS, env=env, timeout=120)
        self.assertEqual(r.returncode, 0, r)
        served = [line.split() for line in self.read("served").decode().splitlines()]
        self.assertEqual({a for a, _ in served}, {"1", "2"}, "both values were tried")
        for arg, env_value in served:
            self.assertEqual(arg, env_value, "a worker started under the other value served it")

    def test_bad_flags_are_usage_errors(self):
        for flags in (["--autotune", "-j2"], ["--autotune", "-t", "2"], ["--retune"],
                      ["--autotune", "--tune-mode", "best"], ["--tune-param", "b=1,2"],
                      ["--autotune", "--tune-param", "b=1"],
                      ["--autotune", "--tune-param", "b=1,2", "--tune-param", "b=3,4"],
                      ["--autotune", "--param-changes-output", "--results", "r"],
                      ["--param-changes-output", "--tune-param", "b=1,2", "--results", "r"]):
            r = self.cf(*flags, "touch", "ran", ":::", "a", env=self.env)
            self.assertUsageError(r)
            self.assertFalse(os.path.exists(self.path("ran")))
        r = self.cf("--autotune", "touch", "ran{param:b}", ":::", "a", env=self.env)
        self.assertUsageError(r)
        self.assertIn("uses {param:b}, but no --tune-param names 'b'", r.err)


if __name__ == "__main__":
    import unittest
    unittest.main()
