"""coreflow run -f FILE: a pipeline file (docs/pipelines.md)."""

import os
import unittest

from cfhelp import CoreflowTestCase

ONE_STAGE = """
[[input]]
values = ["a", "b c", "d"]

[[stage]]
name = "shout"
command = "printf '%s!\\\\n' {} > out/{#}.txt"
outputs = ["out/{#}.txt"]
retries = 1
"""

THREE_STAGES = """
jobs = 4
[[input]]
file = "items.txt"

[[stage]]
name = "contacts"
command = "sort {} > {/.}.sorted"
threads = 2
outputs = ["{/.}.sorted"]

[[stage]]
name = "graph"
command = "wc -l {contacts.output} > {/.}.count"
outputs = ["{/.}.count"]

[[stage]]
name = "summary"
gather = "{//}"
command = "cat {graph.outputs}"
"""


class PipelineFileTest(CoreflowTestCase):
    def test_a_one_stage_file_runs_as_the_same_command_line_would(self):
        self.write("p.toml", ONE_STAGE)
        os.mkdir(self.path("out"))
        r = self.cf("-k", "-f", "p.toml")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual([self.read("out/%d.txt" % i) for i in (1, 2, 3)],
                         [b"a!\n", b"b c!\n", b"d!\n"])
        # The declared outputs make a second run skip the items that have them, as --outputs
        # does: only the one whose output is gone runs again.
        self.write("out/1.txt", "kept\n")
        os.remove(self.path("out/3.txt"))
        r = self.cf("-f", "p.toml")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual([self.read("out/%d.txt" % i) for i in (1, 2, 3)],
                         [b"kept\n", b"b c!\n", b"d!\n"])

    def test_inputs_may_come_from_the_command_line_and_flags_win(self):
        self.write("p.toml", '[[stage]]\nname = "e"\ncommand = "echo {}"\ntimeout = 60\n')
        r = self.cf("-k", "-j1", "-f", "p.toml", ":::", "x", "y")
        self.assertEqual((r.returncode, r.stdout), (0, b"x\ny\n"), r)

    def test_dry_run_prints_the_plan_of_several_stages(self):
        self.write("p.toml", THREE_STAGES)
        r = self.cf("--dry-run", "-f", "p.toml")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out.splitlines()[:4], [
            "pipeline p.toml: 3 stages, 4 cores",
            "inputs: :::: items.txt",
            "stage 1 'contacts': threads 2",
            "  command: sort {} > {/.}.sorted",
        ])
        self.assertIn("stage 3 'summary' (once per group {//}): threads 1", r.out)

    def test_a_mistake_names_the_file_and_line(self):
        self.write("p.toml", '[[stage]]\nname = "s"\ncommand = "true"\nthread = 2\n')
        r = self.cf("-f", "p.toml")
        self.assertUsageError(r)
        self.assertIn("p.toml:4: stage 1: unknown key 'thread' (did you mean 'threads'?)", r.err)
        r = self.cf("-f", "missing.toml")
        self.assertUsageError(r)
        self.assertIn("cannot read pipeline file 'missing.toml'", r.err)
        self.write("p.toml", '[[stage]]\nname = "s"\ncommand = "true"\n')
        r = self.cf("-f", "p.toml", "echo", ":::", "a")
        self.assertUsageError(r)
        self.assertIn("'echo' follows -f p.toml: the file gives the command", r.err)


if __name__ == "__main__":
    unittest.main()
