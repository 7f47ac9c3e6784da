"""`make demo`'s pipeline, small: it must keep working as coreflow changes."""

import os
import subprocess
import unittest

import cfhelp
from cfhelp import CoreflowTestCase

DEMO = os.path.join(cfhelp.HERE, "..", "..", "examples", "demo", "run.sh")
ANTIBODY = os.path.join(cfhelp.HERE, "..", "..", "examples", "pipelines", "antibody", "run.sh")


class DemoTest(CoreflowTestCase):
    def test_the_demo_pipeline_passes(self):
        env = cfhelp.base_env({"DEMO_FILES": "4", "DEMO_THREADS": "1", "DEMO_WORK": self.tmp,
                               "PYTHON": "/usr/bin/python3"})
        r = subprocess.run(["sh", DEMO, cfhelp.BIN], capture_output=True, env=env, timeout=300)
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 0, out + r.stderr.decode())
        self.assertIn("periods recovered: 4/4", out)
        self.assertIn("== demo passed", out)
        self.assertTrue(os.path.exists(self.path("report.html")))

    def test_the_pipeline_example_passes(self):
        # Its structures and Voronota come from Debian packages that scripts/install-deps.sh
        # installs; the short version is six structures in two sets.
        r = subprocess.run([ANTIBODY, cfhelp.BIN, "--short", self.path("ab")],
                           capture_output=True, env=cfhelp.base_env(), timeout=300)
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 0, out + r.stderr.decode())
        self.assertIn("coreflow: 14 tasks of 3 stages", r.stderr.decode())
        self.assertIn("complexes      2", out)
        self.assertIn("cytochromes    4", out)


if __name__ == "__main__":
    unittest.main()
