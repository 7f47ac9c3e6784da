"""Kill torture: SIGKILL coreflow at seeded moments spread over the run, resume until done, and
prove that nothing was lost, done twice or left running. Five shapes of task: one that writes
its output itself, one whose child writes it, one whose writer escaped with setsid, -N batches,
and warm workers whose children write. Every output is written in two steps with a pause
between, so a kill or a survivor shows as a torn or doubled file.

COREFLOW_TORTURE_KILLS sets the kills per shape (20 here, 100 in `make torture`),
COREFLOW_TORTURE_ITEMS the items per shape (40 here, 200 in `make torture`),
COREFLOW_TORTURE_SEED the seed (printed on failure). Each shape prints its figures."""

import collections
import os
import random
import signal
import subprocess
import sys
import time
import unittest

import cfhelp
from cfhelp import CoreflowTestCase

KILLS = int(os.environ.get("COREFLOW_TORTURE_KILLS", "20"))
ITEMS = int(os.environ.get("COREFLOW_TORTURE_ITEMS", "40"))
SEED = int(os.environ.get("COREFLOW_TORTURE_SEED", "20261123"))

# Writes out/ITEM.txt in two steps around a pause of PAUSE hundredths of a second.
WRITER = """#!/bin/sh
echo "begin $1" > "out/$1.txt"
sleep "0.0$2"
echo "end $1" >> "out/$1.txt"
"""
# The writer as a child (and wait for it), or escaped from the task's process group.
SPAWN = """#!/bin/sh
mode=$1; shift
case $mode in
  child) ./writer.sh "$@" & wait ;;
  setsid) setsid ./writer.sh "$@" & wait ;;
  batch) for item in "$@"; do ./writer.sh "$item" 3; done ;;
esac
"""
# A warm worker whose child does each task's writing.
WORKER = """
import json, os, subprocess, sys
out = os.fdopen(3, "w")
out.write(json.dumps({"ready": True}) + "\\n"); out.flush()
for line in sys.stdin:
    req = json.loads(line)
    status = subprocess.call(["./writer.sh"] + req["args"])
    out.write(json.dumps({"id": req["id"], "status": status}) + "\\n"); out.flush()
"""


def working_in(directory):
    """Live processes whose working directory is `directory`: every process of a run there,
    whatever it did to its environment or its process group. One that has let go of its
    memory (an empty command line: it is exiting) can run no more code and does not count."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            if os.readlink("/proc/%s/cwd" % name) == directory:
                with open("/proc/%s/stat" % name) as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
                if state != "Z" and cfhelp.cmdline(int(name)):
                    found.append(int(name))
        except OSError:
            continue
    return found


class KillTortureTest(CoreflowTestCase):
    def setUp(self):
        super().setUp()
        self.write("writer.sh", WRITER, 0o755)
        self.write("spawn.sh", SPAWN, 0o755)
        self.write("worker.py", WORKER)
        os.mkdir(self.path("out"))
        self.items = ["item%03d" % i for i in range(ITEMS)]

    def args(self, shape):
        common = ["-j4", "--joblog", "log", "--retries", "2", "--outputs", "out/{}.txt"]
        templates = {
            "self": ["./writer.sh {} 5"],
            "child": ["./spawn.sh child {} 5"],
            "setsid": ["./spawn.sh setsid {} 5"],
            "batch": ["-N", "3", "./spawn.sh batch {}"],
            "worker": ["--worker", "%s worker.py %s" % (cfhelp.PY, self.marker), "{} 5"],
        }
        return common + templates[shape] + [":::", *self.items]

    def finished(self):
        text = self.read("log").decode() if os.path.exists(self.path("log")) else ""
        if not text:
            return 0
        return len({r[9] for r in cfhelp.Journal(text).final()})

    def one_kill(self, rng, args, kills_left, context):
        """Starts a resume, kills it at a point spread over what is left (the kills to come
        share it), and returns (whether it was killed mid-run, how many processes of it were
        left running after the guard had its moment)."""
        before = self.finished()
        target = rng.randint(0, max(0, 2 * (ITEMS - before) // kills_left - 1))
        p = subprocess.Popen([cfhelp.BIN, "run", "--resume", "--no-summary", *args],
                             cwd=self.tmp, env=cfhelp.base_env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        self.addCleanup(cfhelp._reap, p)
        # Wait for `target` more finished items (or the end), then a moment more at random, so
        # kills land before, during and after writes of every stage of the run.
        cfhelp.wait_until(lambda: p.poll() is not None or self.finished() >= before + target, 60)
        time.sleep(rng.uniform(0, 0.05))
        mid_run = p.poll() is None
        guards = [c for c in cfhelp.children_of(p.pid) if "__crash-guard" in cfhelp.cmdline(c)]
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=30)
        text = self.read("log").decode() if os.path.exists(self.path("log")) else ""
        try:
            if text:
                cfhelp.Journal(text)
        except ValueError as e:
            self.fail("%s: the journal does not parse: %s" % (context, e))
        # The guard ends what the kill left and exits; then nothing may be left. (Without a
        # guard, what is left is counted at once, and races the next resume as it would.)
        here = os.path.realpath(self.tmp)
        for guard in guards:
            cfhelp.wait_until(lambda: cfhelp.cmdline(guard) == "", 30)
        # A run that ended by itself before the kill has a guard that is still finishing; one
        # killed as it started its guard leaves the guard between clone and exec, with
        # coreflow's own command line until it becomes the guard, finds nothing and exits.
        def coreflows_own(pid):
            line = cfhelp.cmdline(pid)
            return "__crash-guard" in line or line.startswith(cfhelp.BIN + " run ")
        cfhelp.wait_until(lambda: not [pid for pid in working_in(here) if coreflows_own(pid)],
                          30)
        left = working_in(here)
        if left:
            print("%s: left running: %r" % (context, [(p, cfhelp.cmdline(p)) for p in left]),
                  file=sys.stderr)
        return mid_run, len(left)

    def torture(self, shape):
        rng = random.Random("%d-%s" % (SEED, shape))
        args = self.args(shape)
        left, mid_run = [], 0
        for kill in range(1, KILLS + 1):
            killed_mid_run, n = self.one_kill(rng, args, KILLS - kill + 1,
                                              "seed %d, %s, kill %d" % (SEED, shape, kill))
            left.append(n)
            mid_run += killed_mid_run
        r = cfhelp.run([cfhelp.BIN, "run", "--resume", *args], cwd=self.tmp, timeout=300)
        context = "seed %d, %s, after %d kills" % (SEED, shape, KILLS)
        self.assertEqual(r.returncode, 0, "%s: %s" % (context, r))
        complete = corrupted = 0
        for item in self.items:
            data = self.read("out/%s.txt" % item)
            if data == ("begin %s\nend %s\n" % (item, item)).encode():
                complete += 1
            else:
                corrupted += 1
        print("torture %s: items=%d kills=%d (%d mid-run) complete=%d corrupted=%d "
              "processes_left_after_kills=%d" % (shape, ITEMS, KILLS, mid_run, complete,
                                                 corrupted, sum(left)), file=sys.stderr)
        self.assertEqual(left, [0] * KILLS, "%s: processes outlived a killed coreflow" % context)
        self.assertEqual((complete, corrupted), (ITEMS, 0), context)
        j = cfhelp.Journal(self.read("log").decode())
        finished = collections.Counter(r[9] for r in j.final() if r[15] in ("ok", "skipped"))
        self.assertEqual(len(finished), ITEMS, context)
        self.assertEqual([k for k, n in finished.items() if n > 1], [], "%s: twice" % context)
        self.assertEqual(j.final("failed"), [], context)
        self.assertFalse(j.torn, context)
        # A further resume finds nothing to do.
        r = cfhelp.run([cfhelp.BIN, "run", "--resume", *args], cwd=self.tmp, timeout=120)
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("resumed: skipped %d task" % ITEMS, r.err)

    def test_a_task_that_writes_itself(self):
        self.torture("self")

    def test_a_task_whose_child_writes(self):
        self.torture("child")

    def test_a_task_whose_writer_escaped_with_setsid(self):
        self.torture("setsid")

    def test_batches(self):
        self.torture("batch")

    def test_warm_workers_whose_children_write(self):
        self.torture("worker")


if __name__ == "__main__":
    unittest.main()
