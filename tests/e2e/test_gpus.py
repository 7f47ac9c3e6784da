"""GPU slots (docs/gpus.md) with fake devices named by --gpus: each task sees exactly its own
devices, no device is ever over-committed, a warm worker keeps its device, and what cannot
run is a usage error before anything starts."""

import collections
import os
import unittest

import cfhelp
from cfhelp import CoreflowTestCase

CONTRIB = os.path.join(cfhelp.HERE, "..", "..", "contrib", "python")

# A task that holds its share of each device it was given for a moment: lock/DEVICE.N for
# N < SHARES is a share; finding none free means the device was over-committed (exit 8).
# Exit 9: the three device variables or {gpu} disagree.
HOLD = r"""#!/bin/sh
item=$1 gpu=$2 shares=$3
[ "$CUDA_VISIBLE_DEVICES" = "$gpu" ] && [ "$ROCR_VISIBLE_DEVICES" = "$gpu" ] &&
  [ "$HIP_VISIBLE_DEVICES" = "$gpu" ] || exit 9
held=""
for d in $(echo "$gpu" | tr , ' '); do
  n=0
  while ! mkdir "lock/$d.$n" 2>/dev/null; do
    n=$((n + 1))
    [ "$n" -lt "$shares" ] || exit 8
  done
  held="$held lock/$d.$n"
done
echo "$gpu" > "seen/$item"
sleep 0.02
rmdir $held
"""

WORKER = r"""import os, sys
sys.path.insert(0, os.environ["COREFLOW_PYTHON"])
import coreflow_worker


def handle(task):
    (item,) = task.args
    with open("seen/" + item, "w") as f:
        f.write("%d %s\n" % (os.getpid(), os.environ["CUDA_VISIBLE_DEVICES"]))


coreflow_worker.serve(handle)
"""


class GpuSlotTest(CoreflowTestCase):
    def setUp(self):
        super().setUp()
        self.write("hold.sh", HOLD, mode=0o755)
        os.mkdir(self.path("lock"))
        os.mkdir(self.path("seen"))

    def seen(self):
        return {name: self.read("seen/" + name).decode().strip()
                for name in os.listdir(self.path("seen"))}

    def test_shares_of_a_device_are_never_over_committed(self):
        items = [str(i) for i in range(40)]
        r = self.cf("-j8", "--gpus", "g0,g1,g2", "--gpus-per-task", "0.5",
                    "./hold.sh", "{}", "{gpu}", "2", ":::", *items)
        self.assertEqual(r.returncode, 0, r)
        seen = self.seen()
        self.assertEqual(sorted(seen), sorted(items))
        self.assertTrue(set(seen.values()) <= {"g0", "g1", "g2"}, seen)
        self.assertEqual(os.listdir(self.path("lock")), [])

    def test_whole_devices_each_task_its_own(self):
        items = [str(i) for i in range(20)]
        r = self.cf("-j4", "--gpus", "a,b,c,d,e", "--gpus-per-task", "2",
                    "./hold.sh", "{}", "{gpu}", "1", ":::", *items)
        self.assertEqual(r.returncode, 0, r)
        for item, gpus in self.seen().items():
            ids = gpus.split(",")
            self.assertEqual(len(ids), 2, (item, gpus))
            self.assertEqual(len(set(ids)), 2, (item, gpus))

    def test_only_gpus_gives_each_task_one_device_from_the_jobs_visible_ones(self):
        env = cfhelp.base_env({"CUDA_VISIBLE_DEVICES": "5,7"})
        r = self.cf("-j4", "--gpus-per-task", "1", "./hold.sh", "{}", "{gpu}", "1",
                    ":::", "a", "b", "c", "d", env=env)
        self.assertEqual(r.returncode, 0, r)
        self.assertTrue(set(self.seen().values()) <= {"5", "7"}, self.seen())

    def test_a_warm_worker_keeps_its_device_for_life(self):
        self.write("w.py", WORKER)
        items = [str(i) for i in range(12)]
        env = cfhelp.base_env({"COREFLOW_PYTHON": CONTRIB})
        r = self.cf("-j4", "--gpus", "x,y", "--worker", "python3 w.py", ":::", *items, env=env)
        self.assertEqual(r.returncode, 0, r)
        device_of = collections.defaultdict(set)
        for text in self.seen().values():
            pid, gpu = text.split()
            device_of[pid].add(gpu)
        # Two devices, one whole each: two workers, each always on the same one.
        self.assertLessEqual(len(device_of), 2, device_of)
        for pid, gpus in device_of.items():
            self.assertEqual(len(gpus), 1, device_of)
        self.assertTrue(set().union(*device_of.values()) <= {"x", "y"}, device_of)
        self.assertEqual(len(self.seen()), 12)
        self.assertNoLeftovers()

    def test_a_pipeline_stage_asks_for_gpus_and_the_others_see_none(self):
        self.write("p.toml", """
[[stage]]
name = "prep"
command = "sh -c 'echo \\"[$CUDA_VISIBLE_DEVICES]\\" > seen/prep-$1' _ {}"

[[stage]]
name = "fold"
gpus = 0.5
command = "./hold.sh {} {gpu} 2"
""")
        items = ["i%d" % n for n in range(10)]
        r = self.cf("-j4", "--gpus", "g0,g1", "-f", "p.toml", ":::", *items)
        self.assertEqual(r.returncode, 0, r)
        seen = self.seen()
        for item in items:
            self.assertEqual(seen["prep-" + item], "[]")  # a CPU stage is given no device
            self.assertIn(seen[item], {"g0", "g1"})
        self.assertIn("stage 'fold': 10 tasks, 10 ok", r.err)

    def test_what_cannot_run_is_a_usage_error_before_anything_starts(self):
        hidden = cfhelp.base_env({"CUDA_VISIBLE_DEVICES": "-1"})
        r = self.cf("--gpus-per-task", "1", "./hold.sh", ":::", "a", env=hidden)
        self.assertUsageError(r)
        self.assertIn("CUDA_VISIBLE_DEVICES hides every device", r.err)
        r = self.cf("echo", "{gpu}", ":::", "a")
        self.assertUsageError(r)
        self.assertIn("uses {gpu}, but its tasks ask for no GPU", r.err)
        r = self.cf("--gpus", "a", "--gpus-per-task", "2", "echo", ":::", "a")
        self.assertUsageError(r)
        self.assertIn("asks for 2 GPUs, and --gpus gives 1", r.err)
        self.write("p.toml", """
[[stage]]
name = "a"
command = "echo {}"

[[stage]]
name = "b"
gpus = 3
command = "echo {}"
""")
        r = self.cf("--gpus", "a,b", "-f", "p.toml", ":::", "x")
        self.assertUsageError(r)
        self.assertIn("stage 'b': gpus asks for 3 GPUs, and --gpus gives 2", r.err)
        self.assertEqual(os.listdir(self.path("seen")), [])


if __name__ == "__main__":
    unittest.main()
