"""Kill torture: SIGKILL coreflow at seeded random moments, resume until done, and prove that
nothing was lost or done twice. COREFLOW_TORTURE_KILLS sets the number of kill points (20 here,
100 in `make torture`); COREFLOW_TORTURE_SEED the seed (printed on failure)."""

import collections
import os
import random
import signal
import subprocess
import time
import unittest

import cfhelp
from cfhelp import CoreflowTestCase

KILLS = int(os.environ.get("COREFLOW_TORTURE_KILLS", "20"))
SEED = int(os.environ.get("COREFLOW_TORTURE_SEED", "20261123"))
ITEMS = ["item%03d" % i for i in range(48)]
# Writes its output in two steps with a pause between, so a kill can leave half a file; the
# pause varies by item so kills land at all stages.
TASK = ("echo begin {} > out/{}.txt; sleep 0.0{#}; echo end {} >> out/{}.txt")


class KillTortureTest(CoreflowTestCase):
    def run_once(self, kill_after):
        argv = [cfhelp.BIN, "run", "-j4", "--joblog", "log", "--resume", "--retries", "2",
                "--outputs", "out/{}.txt", TASK, ":::", *ITEMS]
        p = subprocess.Popen(argv, cwd=self.tmp, env=cfhelp.base_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(cfhelp._reap, p)
        if kill_after is None:
            _, err = p.communicate(timeout=120)
            return p.returncode, err.decode()
        time.sleep(kill_after)
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=30)
        return None, ""

    def check_journal(self, context):
        text = self.read("log").decode() if os.path.exists(self.path("log")) else ""
        if not text:
            return None
        try:
            return cfhelp.Journal(text)
        except ValueError as e:
            self.fail("%s: the journal does not parse: %s" % (context, e))

    def test_kill_resume_until_done(self):
        rng = random.Random(SEED)
        os.mkdir(self.path("out"))
        kills = 0
        while kills < KILLS:
            self.run_once(rng.uniform(0.0, 0.35))
            kills += 1
            self.check_journal("seed %d, after kill %d" % (SEED, kills))
        status, err = self.run_once(None)
        context = "seed %d after %d kills" % (SEED, kills)
        self.assertEqual(status, 0, "%s: %s" % (context, err))
        j = self.check_journal(context)
        # Every item completed, with a complete output.
        for item in ITEMS:
            self.assertEqual(self.read("out/%s.txt" % item),
                             ("begin %s\nend %s\n" % (item, item)).encode(),
                             "%s: output of %s" % (context, item))
        # Every item recorded as finished exactly once.
        finished = collections.Counter(r[9] for r in j.final() if r[15] in ("ok", "skipped"))
        self.assertEqual(len(finished), len(ITEMS), context)
        twice = [key for key, n in finished.items() if n > 1]
        self.assertEqual(twice, [], "%s: recorded as finished twice" % context)
        self.assertEqual(j.final("failed"), [], context)
        self.assertFalse(j.torn, context)
        # A further resume finds nothing to do.
        status, err = self.run_once(None)
        self.assertEqual(status, 0, err)
        self.assertIn("resumed: skipped %d tasks" % len(ITEMS), err)


if __name__ == "__main__":
    unittest.main()
