"""Pipelines of several stages in one run (docs/pipelines.md): streaming, stage outputs,
fan-in, failures that stop one item, and resume after SIGKILL at every stage."""

import collections
import os
import signal
import unittest

import cfhelp
from cfhelp import CoreflowTestCase, wait_until

CONTRIB = os.path.join(cfhelp.HERE, "..", "..", "contrib", "python")

# One script for every stage: logs its start, blocks while block-NAME-ID exists (so a test can
# kill coreflow there), fails while fail-NAME-ID exists, then writes OUT from its inputs.
STAGE = r"""#!/bin/sh
name=$1 id=$(echo "$2" | tr / _) out=$3
shift 3
echo "start $name $id" >> log
if [ -e "block-$name-$id" ]; then
  touch "at-$name-$id"
  while [ -e "block-$name-$id" ]; do sleep 0.05; done
fi
[ -e "fail-$name-$id" ] && exit 3
{ echo "$name($id)"; for f in "$@"; do sed 's/^/  /' "$f"; done; } > "$out.tmp"
mv "$out.tmp" "$out"
echo "done $name $id" >> log
"""

# A warm worker for stage b: writes OUT from IN, prefixed by its pid and "warm".
WORKER = r"""import os, sys
sys.path.insert(0, os.environ["COREFLOW_PYTHON"])
import coreflow_worker


def handle(task):
    item, out, src = task.args
    with open(src) as f:
        text = "%d warm(%s)\n" % (os.getpid(), item.replace("/", "_")) + f.read()
    with open(out + ".tmp", "w") as f:
        f.write(text)
    os.rename(out + ".tmp", out)


coreflow_worker.serve(handle)
"""

PIPELINE = """
[[input]]
file = "items.txt"

[[stage]]
name = "a"
command = "./stage.sh a {} out/{/}.a"
outputs = ["out/{/}.a"]

[[stage]]
name = "b"
command = "./stage.sh b {} out/{/}.b {a.output}"
outputs = ["out/{/}.b"]

[[stage]]
name = "g"
gather = "{//}"
command = "./stage.sh g {group} out/{group/}.g {b.outputs}"
outputs = ["out/{group/}.g"]
"""

ITEMS = ["d1/i1", "d1/i2", "d1/i3", "d2/i4", "d2/i5", "d2/i6"]


class PipelineRunTest(CoreflowTestCase):
    def setUp(self):
        super().setUp()
        self.write("stage.sh", STAGE, mode=0o755)
        os.mkdir(self.path("out"))

    def items(self, items):
        self.write("items.txt", "".join(i + "\n" for i in items))

    def log(self):
        if not os.path.exists(self.path("log")):
            return []
        return self.read("log").decode().splitlines()

    def counts(self, what):
        return collections.Counter(l for l in self.log() if l.startswith(what + " "))

    def expected_group(self, d, members):
        text = "g(%s)\n" % d
        for m in members:
            i = m.replace("/", "_")
            text += "  b(%s)\n    a(%s)\n" % (i, i)
        return text.encode()

    def test_items_stream_through_the_stages_and_groups_gather_in_input_order(self):
        self.write("p.toml", PIPELINE)
        items = ["d1/i%d" % n for n in range(1, 11)] + ["d2/j%d" % n for n in range(1, 11)]
        self.items(items)
        r = self.cf("-j2", "--joblog", "j.log", "-f", "p.toml")
        self.assertEqual(r.returncode, 0, r)
        log = self.log()
        # Streaming: the first item is in stage b before the last one has entered stage a.
        self.assertLess(log.index("start b d1_i1"), log.index("start a d2_j10"), log)
        self.assertEqual(self.read("out/d1.g"), self.expected_group("d1", items[:10]))
        self.assertEqual(self.read("out/d2.g"), self.expected_group("d2", items[10:]))
        for name, n in (("a", 20), ("b", 20), ("g", 2)):
            self.assertEqual(sum(c for l, c in self.counts("done").items()
                                 if l.split()[1] == name), n)
        self.assertIn("coreflow: 42 tasks of 3 stages", r.err)
        self.assertIn("coreflow: stage 'b': 20 tasks, 20 ok;", r.err)
        # The journal alone tells the stages apart: a report of it has the same stage lines.
        rep = cfhelp.run([cfhelp.BIN, "report", "j.log"], cwd=self.tmp)
        self.assertEqual(rep.returncode, 0, rep)
        self.assertIn("coreflow: 42 tasks of 3 stages", rep.out)
        for name, n in (("a", 20), ("b", 20), ("g", 2)):
            self.assertIn("coreflow: stage '%s': %d tasks, %d ok;" % (name, n, n), rep.out)
        self.assertNotIn("waited", rep.out)  # a journal does not know when a task was ready

    def test_a_failure_stops_its_item_and_its_group_only(self):
        self.write("p.toml", PIPELINE)
        self.items(ITEMS)
        self.write("fail-a-d1_i2", "")
        r = self.cf("-j2", "-f", "p.toml")
        self.assertEqual(r.returncode, 1, r)
        done = self.counts("done")
        self.assertNotIn("done b d1_i2", done)  # it went no further
        self.assertIn("done b d1_i3", done)     # the others did
        self.assertFalse(os.path.exists(self.path("out/d1.g")))
        self.assertEqual(self.read("out/d2.g"), self.expected_group("d2", ITEMS[3:]))
        self.assertIn("stage 'g': group 'd1' was not run: 1 of its 3 items failed (2)", r.err)
        # --resume-failed runs the failed item from the stage it failed at, then its group.
        os.remove(self.path("fail-a-d1_i2"))
        os.remove(self.path("log"))
        r = self.cf("-j2", "-f", "p.toml")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(sorted(self.counts("start")),
                         ["start a d1_i2", "start b d1_i2", "start g d1"])
        self.assertEqual(self.read("out/d1.g"), self.expected_group("d1", ITEMS[:3]))

    def test_resume_after_sigkill_at_every_stage_finishes_each_item_once(self):
        self.write("p.toml", PIPELINE)
        self.items(ITEMS)
        for stage, item in (("a", "d1_i2"), ("b", "d2_i5"), ("g", "d1")):
            with self.subTest(stage=stage):
                for name in os.listdir(self.path("out")):
                    os.remove(self.path("out", name))
                for name in ("log", "j.log"):
                    if os.path.exists(self.path(name)):
                        os.remove(self.path(name))
                block = "block-%s-%s" % (stage, item)
                self.write(block, "")
                proc = self.start("-j2", "--joblog", "j.log", "-f", "p.toml")
                self.wait_files(["at-%s-%s" % (stage, item)])
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=20)
                # The crash guard ends the cut task; the resumed run does it again.
                self.assertNoLeftovers()
                os.remove(self.path(block))
                os.remove(self.path("at-%s-%s" % (stage, item)))
                before = self.counts("done")
                journalled = [l for l in self.read("j.log").decode().splitlines()
                              if not l.startswith("#")]
                r = self.cf("-j2", "--joblog", "j.log", "--resume", "-f", "p.toml")
                self.assertEqual(r.returncode, 0, r)
                # Every task finished over both runs, and the resumed run ran none that the
                # journal records as finished (a task that ended as coreflow was killed, not
                # yet journalled, runs again).
                done = self.counts("done")
                self.assertEqual(len(done), 2 * len(ITEMS) + 2)
                for line, n in done.items():
                    if n == 1:
                        continue
                    _, name, ident = line.split()
                    command = "./stage.sh %s %s " % (name, ident.replace("_", "/"))
                    self.assertFalse([l for l in journalled if command in l], (line, journalled))
                self.assertIn("done %s %s" % (stage, item), set(done) - set(before))
                self.assertEqual(self.read("out/d1.g"), self.expected_group("d1", ITEMS[:3]))
                self.assertEqual(self.read("out/d2.g"), self.expected_group("d2", ITEMS[3:]))

    def test_each_stage_has_its_own_retries_and_memory_limit(self):
        self.write("p.toml", """
[[input]]
values = ["x"]

[[stage]]
name = "flaky"
command = "sh -c 'test -e tried && exit 0; touch tried; exit 1'"
retries = 1

[[stage]]
name = "hungry"
command = "python3 -c 'b = bytearray(300 << 20); import signal; signal.pause()'"
mem = "64M"
""")
        r = self.cf("-f", "p.toml", timeout=60)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("stage 'flaky': 1 task, 1 ok", r.err)  # its second attempt
        self.assertIn("stage 'hungry': 1 task, 0 ok, 1 failed", r.err)
        self.assertIn("over memory limit", r.err)

    def test_inputs_may_be_the_files_a_glob_matches(self):
        for name in ITEMS:
            os.makedirs(self.path(os.path.dirname(name)), exist_ok=True)
            self.write(name, "")
        self.write("p.toml", PIPELINE.replace('file = "items.txt"', 'glob = "d*/i*"'))
        r = self.cf("-j2", "-f", "p.toml")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.read("out/d2.g"), self.expected_group("d2", ITEMS[3:]))
        self.write("p.toml", PIPELINE.replace('file = "items.txt"', 'glob = "none/*.pdb"'))
        r = self.cf("-f", "p.toml")
        self.assertUsageError(r)
        self.assertIn("--find 'none/*.pdb': cannot read directory 'none'", r.err)

    def test_a_stage_may_run_on_warm_workers_between_stages_of_processes(self):
        self.write("w.py", WORKER)
        self.write("p.toml", PIPELINE.replace(
            'command = "./stage.sh b {} out/{/}.b {a.output}"',
            'worker = "python3 w.py"\ncommand = "{} out/{/}.b {a.output}"'))
        self.items(ITEMS)
        r = self.cf("-j2", "-f", "p.toml", env=cfhelp.base_env({"COREFLOW_PYTHON": CONTRIB}))
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("stage 'b': 6 tasks, 6 ok", r.err)
        self.assertIn("2 workers started", r.err)  # one per slot of stage b, kept warm
        pids = set()
        for item in ITEMS:
            text = self.read("out/%s.b" % item.split("/")[1]).decode()
            pids.add(text.split()[0])
            self.assertIn("a(%s)" % item.replace("/", "_"), text)
        self.assertLessEqual(len(pids), 2)
        self.assertEqual(self.read("out/d2.g").decode().count("warm"), 3)
        self.assertNoLeftovers()

    def test_what_a_pipeline_cannot_run_with_is_a_usage_error_before_anything_runs(self):
        self.write("p.toml", PIPELINE)
        self.items(ITEMS)
        for flags, text in ((["-k"], "-k is for a run of one command"),
                            (["-t", "2"], "-t (give each stage's threads in the file)"),
                            (["-N", "2"], "-N, -m and -X")):
            r = self.cf(*flags, "-f", "p.toml")
            self.assertUsageError(r)
            self.assertIn(text, r.err)
        r = self.cf("--worker", "cat", "-f", "p.toml")
        self.assertUsageError(r)
        self.assertIn("--worker is for a run of one command", r.err)
        self.write("g.toml", PIPELINE.replace('gather = "{//}"', 'gather = "{b.output}"'))
        r = self.cf("-f", "g.toml")
        self.assertUsageError(r)
        self.assertIn("names a stage's outputs", r.err)
        self.assertEqual(self.log(), [])


if __name__ == "__main__":
    unittest.main()
