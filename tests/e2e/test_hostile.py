"""Hostile input values reach the program byte for byte and never run as shell code."""

import json
import os
import unittest

import cfhelp
from cfhelp import PY, CoreflowTestCase

# Values that break naive quoting. The PWNED ones create a file if they are ever executed.
HOSTILE = [
    "a b", "  two  spaces  ", "it's", "'", '"', 'say "hi"', "$(touch PWNED)", "`touch PWNED`",
    ";touch PWNED", "&& touch PWNED", "| touch PWNED", "> PWNED", "$(touch${IFS}PWNED)",
    "x\ny", "\n", "t\tt", "\t", "é€😀", "-n", "--help", "-", "*", "?", "[a]", "~", "~root",
    "a\\b", "\\", "\\n", "", " ", "$HOME", "${HOME}", "!", "!!", "#x", "{}", "{.}", "a=b",
    "%s%n", "\x01\x7f", "()", "{ a; }", "\"'\"'",
]

# Only stdin can carry these: source separators, and bytes that are not UTF-8.
STDIN_ONLY = [b":::", b"::::", b":::+", b"\xff\xfe", b"caf\xe9"]

# printf prints each argument followed by this; no value above contains it.
END = b"@@END@@"
PRINTF = "printf %s" + END.decode()


def json_line(*values):
    return json.dumps([v.hex() for v in values]) + "\n"


def printf_output(values, wrap=lambda v: [v]):
    return b"".join(b"".join(a + END for a in wrap(v)) for v in values)


class HostileNamesTest(CoreflowTestCase):
    def setUp(self):
        super().setUp()
        self.write("prog.py", cfhelp.ARGV_PROGRAM)
        self.addCleanup(self.assertNoPwned)

    def assertNoPwned(self):
        self.assertFalse(os.path.exists(self.path("PWNED")), "a value was executed as code")

    def assertOutput(self, result, want):
        self.assertEqual(result.returncode, 0, result)
        self.assertEqual(result.stdout, want)

    def test_direct_exec(self):
        # /usr/bin/printf started without a shell: argv exactly as given.
        values = [v.encode() for v in HOSTILE]
        self.assertOutput(self.cf("-k", PRINTF, "{}", ":::", *HOSTILE), printf_output(values))

    def test_through_shell(self):
        # The shell's printf builtin, and the printf program started by the shell.
        values = [v.encode() for v in HOSTILE]
        self.assertOutput(self.cf("-k", PRINTF + " {} | cat", ":::", *HOSTILE),
                          printf_output(values))
        self.assertOutput(self.cf("-k", "env " + PRINTF + " {} | cat", ":::", *HOSTILE),
                          printf_output(values))

    def test_python_program(self):
        # A program that reports its argv as JSON, directly and behind a pipe.
        values = ["it's", "$(touch PWNED)", "`touch PWNED`", ";touch PWNED", "x\ny", "",
                  "é€😀", "-n", "*", "a\\b"]
        want = "".join(json_line(v.encode()) for v in values).encode()
        self.assertOutput(self.cf("-k", "-j4", PY, "prog.py", "{}", ":::", *values), want)
        self.assertOutput(self.cf("-k", "-j4", PY + " prog.py {} | cat", ":::", *values), want)

    def test_value_inside_a_word(self):
        values = [v.encode() for v in HOSTILE]
        wrap = lambda v: [b"x" + v + b"y"]  # noqa: E731
        self.assertOutput(self.cf("-k", PRINTF, "x{}y", ":::", *HOSTILE),
                          printf_output(values, wrap))
        self.assertOutput(self.cf("-k", PRINTF + " x{}y | cat", ":::", *HOSTILE),
                          printf_output(values, wrap))

    def test_appended_input(self):
        # Without {} the value is appended as one argument, in both modes.
        values = [v.encode() for v in HOSTILE]
        self.assertOutput(self.cf("-k", PRINTF, ":::", *HOSTILE), printf_output(values))
        self.assertOutput(self.cf("-k", PRINTF + " >&1", ":::", *HOSTILE), printf_output(values))

    def test_null_separated_stdin(self):
        values = [v.encode() for v in HOSTILE] + STDIN_ONLY
        data = b"".join(v + b"\0" for v in values)
        self.assertOutput(self.cf("-0", "-k", PRINTF, "{}", input=data), printf_output(values))
        self.assertOutput(self.cf("-0", "-k", PRINTF + " {} | cat", input=data),
                          printf_output(values))
        # And the newline-free ones one per line.
        lines = [v for v in values if b"\n" not in v][::3]
        self.assertOutput(self.cf("-k", PRINTF, "{}", input=b"".join(v + b"\n" for v in lines)),
                          printf_output(lines))

    def test_a_nul_byte_in_a_line_is_refused_not_cut(self):
        # Cut at the NUL, 'keep.txt\0junk' would become 'keep.txt' and remove the wrong file.
        self.write("keep.txt", "precious")
        self.write("items", b"keep.txt\0junk\nother\n")
        for args, stdin in ((["::::", "items"], None), ([], b"keep.txt\0junk\n")):
            with self.subTest(args=args):
                r = self.cf("rm", "{}", *args, input=stdin)
                self.assertEqual(r.returncode, 255, r)
                self.assertIn("input 1 holds a NUL byte", r.err)
                self.assertIn("no new tasks were started", r.err)
                self.assertTrue(os.path.exists(self.path("keep.txt")))
        # With -0 the NUL is the separator, and no value holds one.
        r = self.cf("-0", "-k", "echo", "[{}]", "::::", "items")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "[keep.txt]\n[junk\nother\n]\n")

    def test_two_sources(self):
        left = ["it's", "$(touch PWNED)", "a b", "x\ny"]
        right = ["`touch PWNED`", "", "x\ny", "'"]
        pairs = list(zip([v.encode() for v in left], [v.encode() for v in right]))
        swap = lambda p: [p[1], p[0]]  # noqa: E731
        self.assertOutput(self.cf("-k", PRINTF + " {2} {1} | cat", ":::", *left, ":::+", *right),
                          printf_output(pairs, swap))
        self.assertOutput(self.cf("-k", PRINTF, "{2}", "{1}", ":::", *left, ":::+", *right),
                          printf_output(pairs, swap))

    def test_dry_run_output_is_a_safe_script(self):
        # What --dry-run prints, run by sh, gives the program the very same bytes.
        values = [v.encode() for v in HOSTILE]
        r = self.cf("--dry-run", "-k", PRINTF, "{}", ":::", *HOSTILE)
        self.assertEqual(r.returncode, 0, r)
        self.assertFalse(os.path.exists(self.path("PWNED")))
        script = cfhelp.run(["/bin/sh"], input=r.stdout, cwd=self.tmp)
        self.assertOutput(script, printf_output(values))

    def test_hostile_file_names_with_replacement_strings(self):
        # Real files with hostile names: {/}, {.}, {//}, {/.} keep working on them.
        os.mkdir(self.path("d $(touch PWNED)"))
        names = ["d $(touch PWNED)/it's a.txt", "d $(touch PWNED)/`touch PWNED`.tar.gz"]
        for n in names:
            self.write(n, "content of " + n)
        r = self.cf("-k", "cat {} && " + PRINTF + " {/} {.} {//} {/.}", ":::", *names)
        want = b""
        for n in names:
            d, b = os.path.split(n)
            parts = [b, os.path.splitext(n)[0], d, os.path.splitext(b)[0]]
            want += ("content of " + n).encode() + printf_output([p.encode() for p in parts])
        self.assertOutput(r, want)

    def test_value_starting_with_dash_is_not_an_option(self):
        r = self.cf("-k", "echo", "X", ":::", "--version", "-j", "--bogus")
        self.assertOutput(r, b"X --version\nX -j\nX --bogus\n")


if __name__ == "__main__":
    unittest.main()
