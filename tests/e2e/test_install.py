"""cmake --install: the stripped binary, man pages and completions from --help, the docs; and
--version / -V on every command."""

import glob
import os
import re
import shutil
import subprocess
import sys

import cfhelp
from cfhelp import CoreflowTestCase

BUILD_DIR = os.path.dirname(cfhelp.BIN)
COMMANDS = ["run", "tune", "bench", "report", "hw", "stage", "journal"]
VERSION = re.compile(r"^coreflow \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)\n$")


class VersionTest(CoreflowTestCase):
    def test_every_command_prints_the_version_and_the_commit(self):
        for words in [[]] + [[c] for c in COMMANDS]:
            for flag in ("--version", "-V"):
                r = cfhelp.run([cfhelp.BIN, *words, flag])
                self.assertEqual(r.returncode, 0, (words, flag, r))
                self.assertRegex(r.out, VERSION, (words, flag))


# Stages its input with --stage-to and cats the copy; argv: DIR FILE JOURNAL [COREFLOW_PROGRAM].
STAGING_PROGRAM = r"""
#include <coreflow/coreflow.h>
#include <cstdio>
int main(int argc, char** argv) {
  coreflow::RunOptions o;
  o.stage_to = argv[1];
  o.command = {"cat", "{}"};
  o.inputs = {argv[2]};
  o.joblog = argv[3];
  if (argc > 4) o.coreflow_program = argv[4];
  o.no_summary = true;
  coreflow::RunResult r = coreflow::Run(o);
  if (!r.error.empty()) std::fprintf(stderr, "error=%s\n", r.error.c_str());
  return r.exit_status;
}
"""


class InstallTest(CoreflowTestCase):
    def setUp(self):
        super().setUp()
        if not os.path.isdir(os.path.join(BUILD_DIR, "completions")):
            self.skipTest("this build writes no man pages or completions "
                          "(COREFLOW_BUILD_DOCS=OFF, as in the sanitizer presets)")
        if shutil.which("cmake") is None:
            self.skipTest("no cmake")

    def test_install_puts_everything_under_the_prefix(self):
        prefix = self.path("prefix")
        r = cfhelp.run(["cmake", "--install", BUILD_DIR, "--prefix", prefix], timeout=120)
        self.assertEqual(r.returncode, 0, r)
        installed = os.path.join(prefix, "bin", "coreflow")
        v = cfhelp.run([installed, "--version"])
        self.assertRegex(v.out, VERSION)
        sections = subprocess.run(["readelf", "-S", installed], capture_output=True,
                                  text=True).stdout
        self.assertIn(".text", sections)
        self.assertNotIn(".symtab", sections, "the installed binary is stripped")
        self.assertNotIn(".debug_info", sections)
        man = os.path.join(prefix, "share", "man", "man1")
        self.assertEqual(sorted(os.listdir(man)),
                         sorted(["coreflow.1"] + ["coreflow-%s.1" % c for c in COMMANDS]))
        with open(os.path.join(man, "coreflow-run.1")) as f:
            page = f.read()
        self.assertIn("\\-\\-keep\\-order", page, "the page is the command's --help")
        self.assertIn("run a command once per input", page)
        self.assertTrue(os.path.exists(os.path.join(prefix, "share", "doc", "coreflow",
                                                    "tuning.md")))
        packages = glob.glob(os.path.join(prefix, "lib", "python3*", "dist-packages"))
        self.assertEqual(len(packages), 1, packages)
        r = subprocess.run([sys.executable, "-S", "-c",
                            "import coreflow, coreflow.worker; print(coreflow.__file__)"],
                           env={"PYTHONPATH": packages[0]}, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(packages[0]), r.stdout)
        self.check_the_library(prefix)
        share = os.path.join(prefix, "share")
        for path in ("bash-completion/completions/coreflow", "zsh/vendor-completions/_coreflow",
                     "fish/vendor_completions.d/coreflow.fish"):
            self.assertTrue(os.path.exists(os.path.join(share, path)), path)
        # bash completion, as a user's shell would run it.
        script = os.path.join(share, "bash-completion", "completions", "coreflow")
        for line, want in (("coreflow ru", "run"), ("coreflow run --keep", "--keep-order"),
                           ("coreflow bench --pre", "--precision")):
            words = line.split(" ")
            shell = ("source %s; COMP_WORDS=(%s); COMP_CWORD=%d; _coreflow; "
                     "printf '%%s\\n' \"${COMPREPLY[@]}\"" %
                     (script, " ".join(words), len(words) - 1))
            out = subprocess.run(["bash", "-c", shell], capture_output=True, text=True)
            self.assertIn(want, out.stdout.split(), (line, out))
        for shell, path in (("zsh", "zsh/vendor-completions/_coreflow"),
                            ("fish", "fish/vendor_completions.d/coreflow.fish")):
            if shutil.which(shell):  # a syntax check where the shell is there
                out = subprocess.run([shell, "-n", os.path.join(share, path)],
                                     capture_output=True, text=True)
                self.assertEqual(out.returncode, 0, (shell, out.stderr))

    def check_the_library(self, prefix):
        """examples/embed built out of the tree against the install: CMake and pkg-config."""
        lib = os.path.join(prefix, "lib")
        exported = subprocess.run(["nm", "-D", "--defined-only", "-C",
                                   os.path.join(lib, "libcoreflow.so")],
                                  capture_output=True, text=True).stdout
        self.assertIn("coreflow::Run(", exported)
        self.assertNotIn("coreflow::Engine", exported, "only the API is exported")
        example = os.path.join(cfhelp.HERE, "..", "..", "examples", "embed")
        build = self.path("embed-build")
        for argv in (["cmake", "-S", example, "-B", build, "-DCMAKE_PREFIX_PATH=" + prefix],
                     ["cmake", "--build", build]):
            r = cfhelp.run(argv, timeout=300)
            self.assertEqual(r.returncode, 0, r)
        self.check_embed(os.path.join(build, "embed"), lib)
        if shutil.which("pkg-config"):
            env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(lib, "pkgconfig"))
            flags = subprocess.run(["pkg-config", "--cflags", "--libs", "coreflow"], env=env,
                                   capture_output=True, text=True)
            self.assertEqual(flags.returncode, 0, flags.stderr)
            binary = self.path("embed-pc")
            r = subprocess.run(["c++", "-std=c++17", os.path.join(example, "main.cc"), "-o",
                                binary, *flags.stdout.split()], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.check_embed(binary, lib)
            self.check_staging_finds_the_installed_coreflow(flags.stdout.split(), lib)

    def check_staging_finds_the_installed_coreflow(self, flags, lib):
        """A program's own run copies with PREFIX/bin/coreflow, found beside the library."""
        source = self.path("stage.cc")
        with open(source, "w") as f:
            f.write(STAGING_PROGRAM)
        binary = self.path("stage")
        r = subprocess.run(["c++", "-std=c++17", source, "-o", binary, *flags],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        data = self.path("data.txt")
        with open(data, "w") as f:
            f.write("payload\n")
        env = dict(cfhelp.base_env(), LD_LIBRARY_PATH=lib, PATH="/usr/bin:/bin")
        journal = self.path("stage.cfj")
        r = cfhelp.run([binary, self.path("scratch"), data, journal], env=env)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "payload\n")
        with open(journal) as f:  # the copy task's command names the program it ran
            self.assertIn(os.path.join(os.path.dirname(lib), "bin", "coreflow") + " __copy",
                          f.read())
        r = cfhelp.run([binary, self.path("scratch2"), data, self.path("stage2.cfj"),
                        "nonexistent-coreflow"], env=env)
        self.assertEqual(r.returncode, 255, r)
        self.assertIn("error=", r.err)

    def check_embed(self, binary, lib):
        env = dict(cfhelp.base_env(), LD_LIBRARY_PATH=lib)
        r = cfhelp.run([binary, "x", "fail", "y"], env=env)
        self.assertEqual(r.returncode, 1, r)  # one task failed
        self.assertEqual(r.out, "item x\nitem fail\nitem y\n")
        self.assertRegex(r.err, r"task 2 on slot \d: failed \(exit 1\)")
        self.assertIn("2 ok, 1 failed, exit status 1", r.err)


if __name__ == "__main__":
    import unittest
    unittest.main()
