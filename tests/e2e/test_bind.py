"""--bind: each slot's tasks run on CPUs of their own, as /proc/self/status shows them."""

import os
import shutil

import cfhelp
from cfhelp import CoreflowTestCase

# Prints the slot, the CPUs the task may run on, and the OpenMP placement variables.
SHOW = ("import os, sys\n"
        "cpus = [l.split(':')[1].strip() for l in open('/proc/self/status')\n"
        "        if l.startswith('Cpus_allowed_list')][0]\n"
        "print(sys.argv[1], cpus, os.environ.get('OMP_PLACES'), os.environ.get('OMP_PROC_BIND'))\n")


def parse_list(text):
    cpus = set()
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


class BindTest(CoreflowTestCase):
    def setUp(self):
        super().setUp()
        self.write("show.py", SHOW)
        self.mine = set(os.sched_getaffinity(0))

    def slots_seen(self, result):
        seen = {}
        for line in result.out.splitlines():
            slot, cpus, places, bind = line.split()
            self.assertEqual((places, bind), ("cores", "close"))
            seen.setdefault(slot, set()).add(frozenset(parse_list(cpus)))
        return seen

    def test_slots_get_disjoint_cpus_of_their_own(self):
        slots = min(len(self.mine), 4)
        r = self.cf("-j%d" % slots, "--bind", cfhelp.PY, "show.py", "{%}", ":::",
                    *map(str, range(3 * slots)))
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("coreflow: --bind: %d slot%s on CPUs" % (slots, "" if slots == 1 else "s"),
                      r.err)
        seen = self.slots_seen(r)
        self.assertEqual(len(seen), slots)
        sets = []
        for slot, masks in seen.items():
            self.assertEqual(len(masks), 1, "slot %s ran on different CPUs: %r" % (slot, masks))
            sets.append(next(iter(masks)))
        for i, a in enumerate(sets):
            self.assertTrue(a <= self.mine)
            self.assertEqual(len(a), len(sets[0]))
            for b in sets[i + 1:]:
                self.assertFalse(a & b, "slots share CPUs: %r %r" % (a, b))

    def test_without_bind_tasks_keep_the_whole_mask(self):
        r = self.cf("-j2", cfhelp.PY, "show.py", "{%}", ":::", "a", "b")
        self.assertEqual(r.returncode, 0, r)
        for line in r.out.splitlines():
            self.assertEqual(parse_list(line.split()[1]), self.mine)

    def test_bind_follows_a_narrowed_affinity(self):
        taskset = shutil.which("taskset")
        if taskset is None or len(self.mine) < 2:
            self.skipTest("needs taskset and two CPUs")
        first = min(self.mine)
        r = cfhelp.run([taskset, "-c", str(first), cfhelp.BIN, "run", "-j1", "--bind",
                        cfhelp.PY, "show.py", "{%}", ":::", "a"], cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(parse_list(r.out.split()[1]), {first})

    def test_workers_are_pinned_too(self):
        helper = os.path.join(cfhelp.HERE, "..", "..", "contrib", "python")
        self.write("w.py", "import coreflow_worker\n"
                           "def show(task):\n"
                           "    cpus = [l.split(':')[1].strip() for l in open('/proc/self/status')\n"
                           "            if l.startswith('Cpus_allowed_list')][0]\n"
                           "    print(task.slot, cpus, 'cores', 'close')\n"
                           "coreflow_worker.serve(show)\n")
        env = cfhelp.base_env({"PYTHONPATH": os.path.abspath(helper)})
        slots = min(len(self.mine), 2)
        r = self.cf("-j%d" % slots, "--bind", "--worker", "%s w.py" % cfhelp.PY, ":::",
                    *map(str, range(6)), env=env)
        self.assertEqual(r.returncode, 0, r)
        seen = self.slots_seen(r)
        self.assertEqual(len(seen), slots)
        masks = [next(iter(m)) for m in seen.values()]
        self.assertTrue(all(len(m) == 1 for m in seen.values()))
        if slots == 2:
            self.assertFalse(masks[0] & masks[1])


if __name__ == "__main__":
    import unittest
    unittest.main()
