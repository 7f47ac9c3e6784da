"""--find: inputs from a parallel directory walk (docs/run.md, "Finding inputs"), in a fixed
order, streamed so that the first task starts while the walk goes on, and sharing its directory
reads with the check of which declared outputs exist."""

import fnmatch
import os
import shutil
import subprocess
import tempfile
import unittest

import cfhelp
from cfhelp import CoreflowTestCase

HERE = os.path.dirname(os.path.abspath(__file__))
LATENCYFS = os.path.join(HERE, "..", "latencyfs", "latencyfs.c")


def globstar(parts, path):
    """What a shell's globstar matches, component by component (independent of coreflow)."""
    if not parts:
        return not path
    if parts[0] == "**":
        if len(parts) > 1 and globstar(parts[1:], path):
            return True
        if not path or path[0].startswith("."):
            return False
        return (len(parts) == 1 and len(path) == 1) or globstar(parts, path[1:])
    if not path:
        return False
    hidden_ok = parts[0].startswith(".") or not path[0].startswith(".")
    return hidden_ok and fnmatch.fnmatchcase(path[0], parts[0]) and globstar(parts[1:], path[1:])


class FindTest(CoreflowTestCase):
    def setUp(self):
        super().setUp()
        names = ["d/x.pdb", "d/a/y.pdb", "d/a/b/z.pdb", "d/a.b.pdb", "d/c/w.pdb", "d/c/w.txt",
                 "d/.h/h.pdb", "d/c/e/f/g/v.pdb", "d/B/u.pdb"]
        for i in range(30):
            names.append("d/m%02d/n%d/%d.pdb" % (i % 7, i % 3, i))
        for n in names:
            os.makedirs(self.path(os.path.dirname(n)), exist_ok=True)
            self.write(n, n)

    def expected(self, pattern):
        """The paths under d/ that `pattern` matches, sorted component by component."""
        parts = pattern.rstrip("/").split("/")
        dirs = pattern.endswith("/")
        found = []
        for root, subdirs, files in os.walk(self.path("d")):
            rel = os.path.relpath(root, self.tmp).split(os.sep)
            for name in (subdirs if dirs else files):
                if globstar(parts, rel + [name]):
                    found.append(rel + [name])
        return ["/".join(p) for p in sorted(found)]

    def test_inputs_are_the_matches_in_sorted_depth_first_order(self):
        for pattern in ("d/**/*.pdb", "d/*/*.pdb", "d/**", "d/**/", "d/m0?/**/1*.pdb",
                        "d/.h/*"):
            want = self.expected(pattern)
            self.assertTrue(want, pattern)
            for threads in ("1", "16"):
                with self.subTest(pattern=pattern, threads=threads):
                    r = self.cf("-k", "--find", pattern, "--find-threads", threads, "echo", "{}")
                    self.assertEqual(r.returncode, 0, r)
                    self.assertEqual(r.out.splitlines(), want)

    def test_a_found_path_takes_replacement_strings_like_any_input(self):
        r = self.cf("-k", "--find", "d/c/**/*.pdb", "echo", "{1/.}", "{1//}", "{2}", ":::", "1",
                    "2")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out.splitlines(), ["v d/c/e/f/g 1", "v d/c/e/f/g 2", "w d/c 1",
                                              "w d/c 2"])

    def test_a_pattern_that_matches_nothing_fails_and_says_so(self):
        r = self.cf("--find", "d/**/*.nope", "echo", "{}")
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("--find 'd/**/*.nope' matches nothing", r.err)
        self.assertEqual(r.stdout, b"")

    def test_a_start_that_cannot_be_read_is_a_usage_error(self):
        r = self.cf("--find", "nowhere/**/*.pdb", "echo", "{}")
        self.assertUsageError(r)
        self.assertIn("cannot read directory 'nowhere': No such file or directory", r.err)

    def test_a_pattern_that_cannot_match_is_a_usage_error(self):
        self.assertUsageError(self.cf("--find", "d/*/../x", "echo", "{}"))
        self.assertUsageError(self.cf("--find", "d/*", "--find-threads", "0", "echo", "{}"))

    def test_tasks_whose_outputs_exist_are_skipped_from_the_walks_listing(self):
        self.write("d/a/y.out", "done before")
        r = self.cf("-k", "--find", "d/a/**/*.pdb", "--outputs", "{.}.out",
                    "echo {}; echo new > {.}.out")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out.splitlines(), ["d/a/b/z.pdb"])
        self.assertEqual(self.read("d/a/y.out"), b"done before")
        self.assertEqual(self.read("d/a/b/z.out"), b"new\n")

    def test_a_pipeline_glob_walks_with_globstar(self):
        self.write("p.toml", '[[input]]\nglob = "d/**/*.pdb"\n\n[[stage]]\nname = "one"\n'
                             'command = "echo {}"\n')
        r = self.cf("-k", "-f", "p.toml")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out.splitlines(), self.expected("d/**/*.pdb"))


def fuse_unavailable():
    if not os.path.exists("/dev/fuse"):
        return "no /dev/fuse"
    for tool in ("cc", "pkg-config", "fusermount3"):
        if shutil.which(tool) is None:
            return "no %s (scripts/install-deps.sh installs it)" % tool
    if subprocess.run(["pkg-config", "--exists", "fuse3"]).returncode != 0:
        return "no libfuse3-dev"
    return None


class SlowDirectoryTest(CoreflowTestCase):
    """A directory that a FUSE file system keeps unreadable until the first task has run."""

    def setUp(self):
        super().setUp()
        why = fuse_unavailable()
        if why:
            self.skipTest("needs FUSE: " + why)
        build = tempfile.mkdtemp(prefix="coreflow-latencyfs-")
        self.addCleanup(shutil.rmtree, build, ignore_errors=True)
        fs = os.path.join(build, "latencyfs")
        flags = subprocess.run(["pkg-config", "fuse3", "--cflags", "--libs"], check=True,
                               capture_output=True, text=True).stdout.split()
        subprocess.run(["cc", "-O2", "-o", fs, LATENCYFS] + flags, check=True)
        for n in ("src/a/1.pdb", "src/a/2.pdb", "src/z/3.pdb"):
            os.makedirs(self.path(os.path.dirname(n)), exist_ok=True)
            self.write(n, n)
        os.mkdir(self.path("mnt"))
        env = dict(os.environ, LATENCYFS_GATE="/z=/started")
        self.server = subprocess.Popen([fs, self.path("src"), self.path("mnt"), "0", "-f"],
                                       env=env, stderr=subprocess.PIPE)
        self.addCleanup(self.unmount)
        mounted = cfhelp.wait_until(lambda: os.path.ismount(self.path("mnt")), 20)
        if not mounted:
            self.skipTest("needs FUSE: latencyfs could not mount here")

    def unmount(self):
        subprocess.run(["fusermount3", "-u", self.path("mnt")], check=False,
                       stderr=subprocess.DEVNULL)
        try:
            self.server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.communicate()

    def test_the_first_task_starts_while_the_walk_is_still_reading(self):
        # mnt/z cannot be read until src/started exists, which only a task makes: a run that
        # waited for the walk to end before starting tasks would never end.
        r = self.cf("-k", "-j1", "--find", "mnt/**/*.pdb", "echo {}; touch src/started",
                    timeout=120)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out.splitlines(), ["mnt/a/1.pdb", "mnt/a/2.pdb", "mnt/z/3.pdb"])


if __name__ == "__main__":
    unittest.main()
