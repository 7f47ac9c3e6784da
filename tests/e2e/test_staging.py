"""Staging stages (docs/staging.md): each input is copied to scratch by a stage of its own,
whole or not at all, at most `prefetch` ahead of the next stage, and removed when the item's
last stage ends; a resume after SIGKILL goes on without any task seeing a partial copy."""

import os
import shutil
import signal
import unittest

import cfhelp
from cfhelp import CoreflowTestCase

# The compute stage: checks that its staged copy is whole (cmp against the source), counts the
# files on scratch while it runs, blocks while block-ITEM exists, then writes its output.
COUNT = r"""#!/bin/sh
src=$1 copy=$2 out=$3 item=$(basename "$1")
cmp -s "$src" "$copy" || exit 9
echo "$(find scratch -type f | wc -l)" > "counts/$item"
if [ -e "block-$item" ]; then
  touch "at-$item"
  while [ -e "block-$item" ]; do sleep 0.05; done
fi
wc -c < "$copy" > "$out"
"""

PIPELINE = """
[[input]]
file = "items.txt"

[[stage]]
name = "fetch"
stage = { to = "scratch", prefetch = 2 }

[[stage]]
name = "count"
command = "./count.sh {} {fetch.output} out/{/}.txt"
outputs = ["out/{/}.txt"]
"""


class StagingTest(CoreflowTestCase):
    def setUp(self):
        super().setUp()
        self.write("count.sh", COUNT, mode=0o755)
        for d in ("src", "out", "counts"):
            os.mkdir(self.path(d))
        self.items = []
        for n in range(16):
            name = "src/i%02d.dat" % n
            self.write(name, "x" * (1000 + 37 * n))
            self.items.append(name)
        self.write("items.txt", "".join(i + "\n" for i in self.items))
        self.write("p.toml", PIPELINE)

    def staged_files(self):
        found = []
        for root, _, files in os.walk(self.path("scratch")):
            found += [os.path.join(root, f) for f in files]
        return found

    def check_outputs(self):
        for n, item in enumerate(self.items):
            out = self.read("out/%s.txt" % os.path.basename(item)).decode().strip()
            self.assertEqual(out, str(1000 + 37 * n))

    def test_copies_stay_within_prefetch_and_go_when_their_item_is_done(self):
        r = self.cf("-j2", "-f", "p.toml")
        self.assertEqual(r.returncode, 0, r)
        self.check_outputs()
        self.assertIn("stage 'fetch': 16 tasks, 16 ok", r.err)
        # Copying or copied and waiting: at most prefetch (2); plus the 2 tasks computing.
        counts = [int(self.read("counts/" + c)) for c in os.listdir(self.path("counts"))]
        self.assertEqual(len(counts), 16)
        self.assertLessEqual(max(counts), 4, counts)
        self.assertEqual(self.staged_files(), [])

    def test_a_resume_after_sigkill_goes_on_with_whole_copies(self):
        for wipe in (False, True):
            with self.subTest(scratch_wiped=wipe):
                shutil.rmtree(self.path("out"))
                os.mkdir(self.path("out"))
                self.write("block-i05.dat", "")
                proc = self.start("-j2", "--joblog", "j.log", "-f", "p.toml")
                self.wait_files(["at-i05.dat"])
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=20)
                self.assertNoLeftovers()
                os.remove(self.path("block-i05.dat"))
                os.remove(self.path("at-i05.dat"))
                if wipe:  # resumed on another node: the journal's copies are not there
                    shutil.rmtree(self.path("scratch"))
                r = self.cf("-j2", "--joblog", "j.log", "--resume", "-f", "p.toml")
                # exit 9 would be a task that saw a partial or missing copy
                self.assertEqual(r.returncode, 0, r)
                self.check_outputs()
                self.assertEqual(self.staged_files(), [])

    def test_a_file_of_one_staging_stage_only_copies(self):
        self.write("p.toml", '[[stage]]\nname = "fetch"\nstage = { to = "scratch" }\n')
        r = self.cf("-f", "p.toml", "::::", "items.txt")
        self.assertEqual(r.returncode, 0, r)
        for item in self.items:
            self.assertEqual(self.read("scratch/" + item), self.read(item))
        self.assertEqual(sorted(os.listdir(self.path("scratch/src"))),
                         sorted(os.path.basename(i) for i in self.items))  # no partial left
        # Copies that are there already are not made again.
        r = self.cf("-f", "p.toml", "::::", "items.txt")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("16 skipped", r.err)

    def test_the_bytes_on_scratch_never_exceed_stage_max(self):
        # Each compute task sums the bytes on scratch while it runs; files are 1000-1555 bytes.
        self.write("count.sh", COUNT.replace(
            'echo "$(find scratch -type f | wc -l)"',
            "find scratch -type f -printf '%s\\n' | awk '{s += $1} END {print s + 0}'"),
            mode=0o755)
        self.write("src/huge.dat", "x" * 5000)
        self.write("items.txt", "".join(i + "\n" for i in self.items) + "src/huge.dat\n")
        r = self.cf("-j2", "--stage-max", "3200", "-f", "p.toml")
        self.assertEqual(r.returncode, 1, r)  # the one input larger than the cap
        self.assertIn("'src/huge.dat' is 0.0 MiB, more than the 0.0 MiB that may be staged", r.err)
        self.check_outputs()
        sums = [int(self.read("counts/" + c)) for c in os.listdir(self.path("counts"))]
        self.assertEqual(len(sums), 16)
        self.assertLessEqual(max(sums), 3200, sums)
        self.assertEqual(self.staged_files(), [])
        r = self.cf("--stage-max", "1G", "echo", ":::", "a")
        self.assertUsageError(r)
        self.assertIn("--stage-max caps the copies of a staging stage", r.err)

    def test_stage_to_runs_one_command_on_copies_within_prefetch(self):
        # The same as the pipeline above, written as one command: {} is the copy, {/} and the
        # rest still name the input; --outputs goes to the command's stage.
        r = self.cf("-j2", "--stage-to", "scratch", "--prefetch", "2", "--outputs",
                    "out/{/}.txt", "./count.sh src/{/} {} out/{/}.txt", "::::", "items.txt")
        self.assertEqual(r.returncode, 0, r)
        self.check_outputs()
        self.assertIn("stage 'stage': 16 tasks, 16 ok", r.err)
        counts = [int(self.read("counts/" + c)) for c in os.listdir(self.path("counts"))]
        self.assertEqual(len(counts), 16)
        self.assertLessEqual(max(counts), 4, counts)
        self.assertEqual(self.staged_files(), [])
        # Items whose outputs exist are skipped, and their inputs are not copied for nothing.
        os.mkdir(self.path("scratch/src/i00.dat"))  # a copy would fail: it is not made
        r = self.cf("-j2", "--stage-to", "scratch", "--outputs", "out/{/}.txt",
                    "./count.sh src/{/} {} out/{/}.txt", "::::", "items.txt")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("0 tasks of 2 stages", r.err)
        self.assertIn("16 skipped", r.err)

    def test_stage_to_mistakes_are_usage_errors(self):
        r = self.cf("--prefetch", "2", "echo", ":::", "a")
        self.assertUsageError(r)
        self.assertIn("give --stage-to DIR too", r.err)
        r = self.cf("--stage-to", "scratch", "echo", ":::", "a", ":::", "b")
        self.assertUsageError(r)
        self.assertIn("give one input source", r.err)
        r = self.cf("--stage-to", "scratch", "-k", "echo", ":::", "a")
        self.assertUsageError(r)
        self.assertIn("-k is for a run of one command", r.err)
        self.assertFalse(os.path.exists(self.path("scratch")))

    def test_a_staging_directory_that_cannot_be_named_is_a_usage_error(self):
        self.write("p.toml", PIPELINE.replace('to = "scratch"', 'to = "$NO_SUCH_DIR/x"'))
        r = self.cf("-f", "p.toml")
        self.assertUsageError(r)
        self.assertIn("names $NO_SUCH_DIR, which is not set", r.err)


class StageCommandTest(CoreflowTestCase):
    def stage(self, *args):
        return cfhelp.run([cfhelp.BIN, "stage", *args], cwd=self.tmp, env=cfhelp.base_env())

    def test_copies_files_into_a_directory_and_leaves_identical_ones(self):
        os.mkdir(self.path("src"))
        names = ["a.pdb", "b.pdb", "c.pdb"]
        for n, name in enumerate(names):
            self.write("src/" + name, name * (100 + n))
        r = self.stage("-j", "2", *["src/" + n for n in names], "local/pdbs/")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("3 tasks", r.err)
        for name in names:
            self.assertEqual(self.read("local/pdbs/" + name), self.read("src/" + name))
        self.assertEqual(sorted(os.listdir(self.path("local/pdbs"))), names)  # no partial
        inode = os.stat(self.path("local/pdbs/a.pdb")).st_ino
        self.write("src/b.pdb", "changed")
        r = self.stage(*["src/" + n for n in names], "local/pdbs")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(os.stat(self.path("local/pdbs/a.pdb")).st_ino, inode)  # left as it was
        self.assertEqual(self.read("local/pdbs/b.pdb"), b"changed")
        # One file to a new name.
        r = self.stage("src/c.pdb", "c-copy.pdb")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.read("c-copy.pdb"), self.read("src/c.pdb"))

    def test_what_cannot_be_staged_is_a_usage_error_before_any_copy(self):
        os.makedirs(self.path("src/sub"))
        self.write("src/a", "a")
        os.makedirs(self.path("other"))
        self.write("other/a", "b")
        for args, text in ((["src/a", "missing", "d"], "cannot stage 'missing': No such file"),
                           (["src/sub", "d"], "'src/sub': not a regular file"),
                           (["src/a", "other/a", "d"], "two sources are called 'a'"),
                           (["src/a", "my dir/"], "holds characters coreflow does not put")):
            r = self.stage(*args)
            self.assertUsageError(r)
            self.assertIn(text, r.err)
        self.assertFalse(os.path.exists(self.path("d")))


if __name__ == "__main__":
    unittest.main()
