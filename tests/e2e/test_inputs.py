"""Input sources: stdin, -0, -d, :::, ::::, :::+, -a, and input that arrives slowly."""

import os
import subprocess
import unittest

import cfhelp
from cfhelp import CoreflowTestCase


class StdinTest(CoreflowTestCase):
    def test_lines_from_stdin(self):
        r = self.cf("-k", "echo", "[{}]", input=b"a\nb c\n\nlast")
        self.assertEqual(r.returncode, 0, r)
        # An empty line is an empty value; a last line without newline still counts.
        self.assertEqual(r.out, "[a]\n[b c]\n[]\n[last]\n")

    def test_carriage_return_is_kept(self):
        r = self.cf("-k", "printf", "[%s]", input=b"a\r\nb\n")
        self.assertEqual(r.stdout, b"[a\r][b]")

    def test_null_separated(self):
        r = self.cf("-0", "-k", "printf", "[%s]", input=b"a\nb\0c d\0\0e")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, b"[a\nb][c d][][e]")

    def test_delimiter(self):
        r = self.cf("-d", ",", "-k", "echo", input=b"a,b c,d\ne")
        self.assertEqual(r.out, "a\nb c\nd\ne\n")
        r = self.cf("-d", "\\t", "-k", "echo", input=b"a\tb")
        self.assertEqual(r.out, "a\nb\n")

    def test_explicit_sources_ignore_stdin(self):
        r = self.cf("-k", "echo", ":::", "a", input=b"from stdin\n")
        self.assertEqual(r.out, "a\n")

    def test_stdin_as_a_file_source(self):
        r = self.cf("-k", "echo", "::::", "-", ":::", "1", "2", input=b"x\ny\n")
        self.assertEqual(r.out, "x 1\nx 2\ny 1\ny 2\n")

    def test_many_lines(self):
        values = [str(i) for i in range(120)]
        r = self.cf("-k", "-j4", "echo", input="\n".join(values).encode() + b"\n")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out.split(), values)

    def test_tasks_start_before_the_input_ends(self):
        # The first line's task must run while stdin is still open: we only send the second
        # line once the first task has left its file.
        proc = self.start("touch", "started.{}", stdin=subprocess.PIPE)
        proc.stdin.write(b"1\n")
        proc.stdin.flush()
        self.wait_files(["started.1"])
        self.assertIsNone(proc.poll(), "coreflow must wait for more input")
        proc.stdin.write(b"2\n")
        proc.stdin.flush()
        self.wait_files(["started.2"])
        proc.stdin.close()
        proc.wait(timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stderr.read())
        self.assertEqual(sorted(f for f in os.listdir(self.tmp) if f.startswith("started")),
                         ["started.1", "started.2"])

    def test_partial_line_waits_for_its_end(self):
        # A value split across two writes is one value.
        proc = self.start("-k", "echo", "[{}]", stdin=subprocess.PIPE)
        proc.stdin.write(b"ab")
        proc.stdin.flush()
        cfhelp.wait_until(lambda: False, 0.2)
        out, err = proc.communicate(input=b"cd\nef\n", timeout=30)
        self.assertEqual(out, b"[abcd]\n[ef]\n")


class SourceTest(CoreflowTestCase):
    def setUp(self):
        super().setUp()
        self.write("f1", "1\n2\n")
        self.write("f2", "x\ny\n")
        self.write("f3", "P\n")

    def test_args(self):
        r = self.cf("-k", "echo", ":::", "a", "b")
        self.assertEqual(r.out, "a\nb\n")

    def test_args_product(self):
        r = self.cf("-k", "echo", ":::", "a", "b", ":::", "1", "2", "3")
        self.assertEqual(r.out.splitlines(), ["a 1", "a 2", "a 3", "b 1", "b 2", "b 3"])

    def test_file(self):
        r = self.cf("-k", "echo", "::::", "f1")
        self.assertEqual(r.out, "1\n2\n")

    def test_several_files_make_a_product(self):
        r = self.cf("-k", "echo", "::::", "f1", "f2", "f3")
        self.assertEqual(r.out.splitlines(), ["1 x P", "1 y P", "2 x P", "2 y P"])

    def test_linked_sources(self):
        r = self.cf("-k", "echo", "{2}{1}", ":::", "a", "b", ":::+", "1", "2")
        self.assertEqual(r.out, "1a\n2b\n")
        r = self.cf("-k", "echo", ":::", "a", "b", ":::+", "1", "2", ":::", "X", "Y")
        self.assertEqual(r.out.splitlines(), ["a 1 X", "a 1 Y", "b 2 X", "b 2 Y"])
        r = self.cf("-k", "echo", "::::", "f1", "::::+", "f2")
        self.assertEqual(r.out, "1 x\n2 y\n")

    def test_files_mixed_with_args(self):
        r = self.cf("-k", "echo", "{2}-{1}", "::::", "f1", ":::", "q")
        self.assertEqual(r.out, "q-1\nq-2\n")

    def test_arg_file_option(self):
        r = self.cf("-k", "-a", "f1", "echo")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "1\n2\n")
        r = self.cf("-k", "-a", "f1", "--arg-file", "f2", "echo", "{2}{1}")
        self.assertEqual(r.out.splitlines(), ["x1", "y1", "x2", "y2"])

    def test_empty_file(self):
        self.write("empty", "")
        r = self.cf("touch", "ran", "::::", "empty")
        self.assertEqual(r.returncode, 0, r)
        self.assertFalse(os.path.exists(self.path("ran")))

    def test_empty_value(self):
        r = self.cf("-k", "printf", "[%s]", ":::", "", "a")
        self.assertEqual(r.out, "[][a]")


class ColumnsTest(CoreflowTestCase):
    """--colsep, --header and --link; their errors come before any task."""

    def setUp(self):
        super().setUp()
        self.write("sweep.csv", "alpha,beta\n1,2\n3,4\n")

    def usage_error(self, *args, input=None):
        r = self.cf(*args, input=input)
        self.assertUsageError(r)
        self.assertEqual([f for f in os.listdir(self.tmp) if f.startswith("ran")], [],
                         "a task ran despite the error")
        return r

    def test_parameter_sweep_from_a_tsv_file(self):
        self.write("params.tsv", "0.1\t10\tx y\n0.2\t20\tz\n")
        r = self.cf("-k", "--colsep", "\\t", "printf", "%s,", "--a", "{1}", "--b", "{2}",
                    "{3}", "::::", "params.tsv")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "--a,0.1,--b,10,x y,--a,0.2,--b,20,z,")

    def test_header_names_columns(self):
        r = self.cf("-k", "--header", ":", "--colsep", ",", "echo", "{alpha}", "{beta}",
                    "::::", "sweep.csv")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "1 2\n3 4\n")
        r = self.cf("-k", "--header", ":", "echo", "{x}-{y}", ":::", "x", "1", "2", ":::", "y",
                    "a", "b")
        self.assertEqual(r.out.splitlines(), ["1-a", "1-b", "2-a", "2-b"])

    def test_header_from_stdin(self):
        r = self.cf("-k", "--header", ":", "-C", ",", "echo", "{b}{a}", input=b"a,b\n1,2\n")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "21\n")

    def test_header_names_in_outputs_and_journal(self):
        r = self.cf("--header", ":", "-C", ",", "--outputs", "out/{alpha}.txt", "--joblog",
                    "log", "mkdir -p out && echo {beta} > out/{alpha}.txt",
                    "::::", "sweep.csv")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.read("out/1.txt"), b"2\n")
        self.assertEqual(self.read("out/3.txt"), b"4\n")
        r = self.cf("--header", ":", "-C", ",", "--outputs", "out/{alpha}.txt", "--joblog",
                    "log", "--resume", "touch", "ran{alpha}", "::::", "sweep.csv")
        self.assertEqual(r.returncode, 0, r)
        self.assertFalse(os.path.exists(self.path("ran1")))

    def test_unknown_column_name(self):
        r = self.usage_error("--header", ":", "--colsep", ",", "touch", "ran", "{nme}",
                             "::::", "sweep.csv")
        self.assertIn("no column 'nme' in the header of sweep.csv (columns: alpha, beta)", r.err)
        r = self.usage_error("--header", ":", "touch", "ran{x}", "{z.}", ":::", "x", "1",
                             ":::", "y", "2")
        self.assertIn("no column 'z' in the headers of ::: x ..., ::: y ... (columns: x, y)",
                      r.err)
        r = self.usage_error("--header", ":", "-C", ",", "--outputs", "{gamma}.txt", "touch",
                             "ran", "::::", "sweep.csv")
        self.assertIn("--outputs: no column 'gamma'", r.err)

    def test_braces_that_are_no_name_stay_literal(self):
        r = self.cf("-k", "--header", ":", "-C", ",", "echo {alpha} | awk '{ print $1 }'",
                    "::::", "sweep.csv")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "1\n3\n")

    def test_invalid_colsep_regex(self):
        r = self.usage_error("--colsep", "(", "touch", "ran{}", ":::", "a")
        self.assertIn("--colsep '(' is not a valid regular expression", r.err)
        self.usage_error("--colsep", "", "touch", "ran{}", ":::", "a")

    def test_header_zero_is_not_supported(self):
        r = self.usage_error("--header", "0", "touch", "ran{}", "::::", "sweep.csv")
        self.assertIn("--header 0", r.err)

    def test_empty_delimiter(self):
        r = self.usage_error("-d", "", "touch", "ran{}", input=b"a\n")
        self.assertIn("--delimiter", r.err)

    def test_crlf_delimiter(self):
        r = self.cf("-k", "-d", "\\r\\n", "printf", "[%s]", input=b"a\r\nb c\r\n\r\nd")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, b"[a][b c][][d]")

    def test_link_recycles_the_shorter_sources(self):
        self.write("f", "1\n2\n3\n")
        r = self.cf("-k", "--link", "echo", "::::", "f", ":::", "a", "b")
        self.assertEqual(r.out, "1 a\n2 b\n3 a\n")
        # :::+ stops at the shortest instead.
        r = self.cf("-k", "echo", "::::", "f", ":::+", "a", "b")
        self.assertEqual(r.out, "1 a\n2 b\n")
        r = self.cf("-k", "--xapply", "echo", ":::", "a", "b", "c", "::::", "-", input=b"1\n")
        self.assertEqual(r.out, "a 1\nb 1\nc 1\n")

    def test_link_counts_the_longest_for_batches(self):
        # -X spreads 4 inputs over 2 slots only when it knows there are 4.
        self.write("f", "1\n2\n3\n4\n")
        r = self.cf("-k", "-j2", "-X", "--link", "echo", "::::", "f", ":::", "a")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "1 a 2 a\n3 a 4 a\n")  # as GNU parallel


if __name__ == "__main__":
    unittest.main()
