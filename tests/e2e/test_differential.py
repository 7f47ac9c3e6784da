"""Differential test: the same invocations through GNU parallel and coreflow.

Each case compares standard output and the exit status. GNU parallel runs with
PARALLEL_SHELL=/bin/sh (coreflow's shell) and a throw-away HOME (it writes ~/.parallel).

Known, documented differences, left out on purpose:
  * a replacement string naming a source that does not exist ({3} with two sources, without
    -m or -X): GNU substitutes '', coreflow stops with a usage error;
  * -s with a {n} in a word that -X repeats: GNU counts {n} once per input and may exceed -s,
    coreflow counts the line as written;
  * an unclosed replacement string ('echo {1'): GNU takes it literally, coreflow stops with a
    usage error;
  * --results: GNU escapes the directory names '', '.' and '..' differently;
  * GNU runs commands with $SHELL or PARALLEL_SHELL, coreflow always with /bin/sh;
  * --dry-run shows {%} as 1 for every job in GNU, coreflow numbers the slots round-robin;
  * GNU splits a ::: argument that holds a newline into two inputs, coreflow keeps it whole
    (values with newlines are compared through -0 instead);
  * a template without shell syntax runs without a shell in coreflow, so `echo -e` is
    /bin/echo's, not the shell builtin's.
  * --header: a {name} that no column has is literal text in GNU, a usage error in coreflow;
    column names are trimmed with --colsep in coreflow only;
  * --link with an empty source: GNU exits 255, coreflow runs no task;
  * -d '': Perl's paragraph mode in GNU, a usage error in coreflow.
Cases for differences that are bugs still to fix are listed with skip=REASON.
"""

import concurrent.futures
import os
import shutil
import subprocess
import tempfile
import unittest

import cfhelp

PARALLEL = shutil.which("parallel")


def _is_gnu_parallel():
    if PARALLEL is None:
        return False
    try:
        out = subprocess.run([PARALLEL, "--version"], capture_output=True, timeout=60,
                             env=_env("/nonexistent")).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return b"GNU parallel" in out


def _env(home):
    return cfhelp.base_env({"HOME": home, "PARALLEL_SHELL": "/bin/sh"},
                           drop=("PARALLEL", "PARALLEL_HOME", "SHELL"))


HOSTILE = ["a b", "it's", "$(touch PWNED)", "`touch PWNED`", ";touch PWNED", "é€", "-n", "*",
           "~", "a\\b", "", "plain", "a=b", "{}", "\t", "!", "#", "a  b"]

FILES = {
    "f1": "a/b.c\nx y/z.tar.gz\n",
    "f2": "1\n2\n3\n",
    "params.tsv": "a\tb\tc\n1\t2\n x y \t\tz\n",
    "ragged.csv": "a,b,c\nd\ne,f\ng,h,i\n",
    "sweep.csv": "alpha,beta\n1,2\n3.x,dir/4.y\n",
    "paths.csv": "f,d\na/b.c,x/y.z\n",
}

GIFS = b"".join(b"%d.gif\n" % i for i in range(1, 16))


def _numbers(n):
    return b"".join(b"%d\n" % i for i in range(1, n + 1))


# (name, arguments after the program name, stdin or None, skip reason or None)
CASES = [
    ("replacement_strings", ["echo", "{}", "{.}", "{/}", "{//}", "{/.}", "{#}", ":::", "a/b.c",
                             "/x/y.tar.gz", "nodir", ".hidden", "sp ace/f.x", "a/", "/", "a.b/c",
                             "../up.x", "./rel/x.y"], None, None),
    ("path_edges", ["echo", "[{.}]", "[{//}]", "[{/}]", "[{/.}]", ":::", "a.b.c", "a.", "a..b",
                    ".a.", "", "..", ".", "a//b", "//a", "a/b/", "a//", "d.x/", "a/.b"],
     None, None),
    ("product", ["echo", "{2}-{1}", "[{}]", ":::", "a", "b c", ":::", "1", "2"], None, None),
    ("appended_product", ["echo", ":::", "a", "b", ":::", "1", "2"], None, None),
    ("positional_transforms", ["echo", "{1/}", "{2.}", "{1//}", "{2/.}", ":::", "d/a.x", "e/b.y",
                               ":::+", "p/q.r", "s/t.u"], None, None),
    ("linked_then_product", ["echo", ":::", "a", "b", ":::+", "1", "2", ":::", "X", "Y"],
     None, None),
    ("file_source", ["echo", "{1//}", "{1/.}", "::::", "f1"], None, None),
    ("file_product", ["echo", "::::", "f1", "f2"], None, None),
    ("file_linked", ["echo", "{1}{2}", "::::", "f2", ":::+", "p", "q", "r"], None, None),
    ("arg_files", ["-a", "f2", "-a", "f1", "echo", "{2}:{1}"], None, None),
    ("stdin_lines", ["echo", "{#}", "[{}]"], b"l1\nl2\n\nl 4\nlast", None),
    ("stdin_null", ["-0", "echo", "[{}]"], b"a\nb\0c d\0\0", None),
    ("delimiter", ["-d", ",", "echo", "[{}]"], b"a,b c,d", None),
    ("exit_codes", ["exit {}", ":::", "0", "1", "2", "0", "3"], None, None),
    ("dry_run_hostile", ["--dry-run", "echo", "{}", ":::", *HOSTILE], None, None),
    ("dry_run_shell_template", ["--dry-run", "echo {} | cat", ":::", "a b", "it's"], None, None),
    ("dry_run_stdin_null", ["--dry-run", "-0", "echo"], b"x\ny\0$z\0", None),
    ("dry_run_in_words", ["--dry-run", "cp", "{1}", "{1.}.bak", "x{1}y", "{2}", "{}",
                          ":::", "a b.txt", "c", ":::", "c'd"], None, None),
    ("hostile_through_printf", ["printf", "[%s]", "{}", ":::", *HOSTILE], None, None),
    ("hostile_through_shell", ["printf '[%s]\\n' {} | cat", ":::", *HOSTILE], None, None),
    ("spaces_kept", ["echo", "[{}]", ":::", " lead", "trail ", "mid  two"], None, None),
    ("shell_expansion_in_template", ["printf", "%s\\n", "$HOME", "{}", ":::", "`id`", "a'b"],
     None, None),
    ("fields_in_words", ["echo x{}y{}z pre{}post {.}", ":::", "1", "a.b"], None, None),
    ("braces_as_values", ["echo", "{}", ":::", "{}", "{.}", "{1}"], None, None),
    ("literal_braces", ["echo {} | awk '{print $2}'", ":::", "a b", "c d"], None, None),
    ("slot_seq_and_variables", ["-j1", "echo", "{%}", "{#}", "$PARALLEL_SEQ", "{}",
                                ":::", "a", "b"], None, None),
    ("shell_builtin", ["cd {} && pwd", ":::", "/", "/tmp"], None, None),
    ("assignment", ["X={} sh -c 'echo $X'", ":::", "5", "a b"], None, None),
    ("halt_now_fail", ["-j1", "--halt", "now,fail=1", "echo {}; exit {}", ":::", "0", "3", "0"],
     None, None),
    ("halt_soon_fail_percent", ["-j1", "--halt", "soon,fail=50%", "echo {}; exit {}",
                                ":::", "1", "1", "0", "0"], None, None),
    ("line_buffer_keep_order", ["--lb", "-j3", "echo start {}; sleep 0.{}; echo end {}",
                                ":::", "3", "1", "2"], None, None),
    ("no_values", ["echo", "x"], b"", None),
    ("seq_only_field", ["echo", "{#}", ":::", "a", "b"], None, None),
    ("slot_only_field", ["-j1", "echo", "{%}", ":::", "a", "b"], None, None),
    ("batch_count", ["-N3", "echo", "[{}]", "{#}", ":::", *"abcdefg"], None, None),
    ("batch_positions", ["-N2", "echo", "{1}-{2}", "{2.}", ":::", "a.x", "b.y", "c.z"],
     None, None),
    ("batch_hostile", ["-N4", "printf", "[%s]", "{}", ":::", *HOSTILE], None, None),
    ("batch_hostile_shell", ["-N5", "printf '[%s]\\n' {} | cat", ":::", *HOSTILE], None, None),
    ("batch_context_spread", ["-X", "-j2", "echo", "pre{}post", "{#}", ":::", *"1234567"],
     None, None),
    ("batch_multiple_spread", ["-m", "-j3", "echo", "pre{}post", ":::", *"12345"], None, None),
    ("batch_context_dry_run", ["--dry-run", "-X", "-j1", "cp", "{}", "{.}.bak", "dir/",
                               ":::", "a b.txt", "c'd"], None, None),
    ("batch_stdin", ["-N2", "echo", "[{}]"], b"l1\nl2\nl3\n", None),
    ("batch_context_max_chars", ["-X", "-j1", "-s", "20", "echo", "{}", ":::", *"abcdefghijklmnop"],
     None, None),
    ("batch_multiple_max_chars_quoted", ["-m", "-j1", "-s", "24", "echo", "x{}", ":::",
                                         "a b", "it's", "c", "$HOME", "dd", "e"], None, None),
    # --colsep: columns become {1} {2} ...; {} is every column, each a word of its own; columns
    # are trimmed; a missing column stands for nothing; numbering continues across sources.
    ("colsep_tab_file", ["--colsep", "\\t", "printf", "[%s]", "{}", "{1}.{2}.{3}",
                         "::::", "params.tsv"], None, None),
    ("colsep_appended", ["--colsep", ",", "echo", ":::", "a,b", "c,d", ":::", "x,y"], None, None),
    ("colsep_sources_continue", ["-C", "-", "echo", "{4}", "{3}", "{2}", "{1}", ":::", "A-B",
                                 "C-D", ":::", "e-f", "g-h"], None, None),
    ("colsep_missing_column", ["-C", ",", "printf", "[%s]", "x{3}y", "{3}", "z", ":::",
                               "a,b,c", "1,2"], None, None),
    ("colsep_missing_column_shell", ["-C", ",", "printf '[%s]' {3} z | cat", ":::", "a,b,c",
                                     "1,2"], None, None),
    ("colsep_trim_and_empty", ["-C", ",", "printf", "[%s]", "{}", "/", ":::", " a , b ", "",
                               "a,,b", ",a,", "\t"], None, None),
    ("colsep_regex", ["--colsep", "[,;]+", "echo", "{2}", "{1}", ":::", "a,;b", "c;d"],
     None, None),
    ("colsep_regex_blanks", ["--colsep", "\\s+", "printf", "[%s]", "{}", "/", ":::",
                             " a  b ", "c\td"], None, None),
    ("colsep_regex_group", ["--colsep", "(,)", "printf", "[%s]", "{}", "/", ":::", "a,b"],
     None, None),
    ("colsep_regex_empty_match", ["--colsep", "x*", "printf", "[%s]", "{}", "/", ":::", "ab",
                                  "axxb"], None, None),
    ("colsep_escaped_bar", ["-C", "\\|", "echo", "{2}", ":::", "a|b"], None, None),
    ("colsep_string", ["-C", "::", "echo", "{2}", "{1}", ":::", "a::b", "c:d::e"], None, None),
    ("colsep_stdin", ["--colsep", "\\t", "echo", "{2}-{1}"], b"a\tb\nc\td\n", None),
    ("colsep_transforms", ["-C", ",", "echo", "{1.}", "{2/}", "{2//}", ":::", "a/b.c,x/y.z"],
     None, None),
    ("colsep_batch_positions", ["-N2", "-C", ",", "echo", "{1}", "{2}", "{3}", "{4}", "{5}",
                                "{6}", "::::", "ragged.csv"], None, None),
    ("colsep_batch_context", ["-N2", "-C", ",", "echo", "x{}y", "[{}]", "::::", "ragged.csv"],
     None, None),
    ("batch_context_per_value_several_sources", ["-N2", "echo", "x{}y", ":::", "a", "c", ":::",
                                                 "b"], None, None),
    ("colsep_dry_run_hostile", ["--dry-run", "-C", ",", "echo", "{2}", "{1}", ":::",
                                "it's,$(touch PWNED)", "a b,`id`"], None, None),
    ("colsep_linked", ["-C", ",", "echo", "{3}{1}", ":::", "a,b", "c,d", ":::+", "1", "2"],
     None, None),
    # --header: each source's first value names its columns.
    ("header_csv", ["--header", ":", "--colsep", ",", "echo", "{alpha}", "{beta}", "{1}", "{}",
                    "::::", "sweep.csv"], None, None),
    ("header_args", ["--header", ":", "echo", "{x}-{y}", ":::", "x", "1", "2", ":::", "y", "a",
                     "b"], None, None),
    ("header_transforms", ["--header", ":", "--colsep", ",", "echo", "{f.}", "{f/}", "{f//}",
                           "{f/.}", "{d}", "{2.}", "::::", "paths.csv"], None, None),
    ("header_without_colsep_splits_on_tab", ["--header", ":", "printf", "[%s]", "{x}", "{2}",
                                             "/", ":::", "x", "a\tb", " c "], None, None),
    ("header_stdin_crlf", ["--header", ":", "-C", ",", "printf", "[%s]", "{b}", "{a}", "/"],
     b"a,b\r\n1,2\r\n3,4\r\n", None),
    ("header_several_sources", ["--header", ":", "-C", ",", "echo", "{c}", "{b}", "{a}", ":::",
                                "a,b", "1,2", ":::", "c", "3", "4"], None, None),
    ("header_regex_means_first_line", ["--header", ".*\\n", "echo", "{x}", ":::", "x", "1", "2"],
     None, None),
    ("header_batch", ["-N2", "--header", ":", "-C", ",", "echo", "{alpha}", "{3}",
                      "::::", "sweep.csv"], None, None),
    ("header_dry_run", ["--dry-run", "--header", ":", "-C", ",", "cp", "{alpha}", "out/{beta/.}",
                        "::::", "sweep.csv"], None, None),
    # -d: a string, with GNU parallel's escapes: \n \t \r and octal; no \x, and \\ stays two.
    ("delimiter_crlf", ["-d", "\\r\\n", "printf '[%s]\\n'"], b"a\r\nb\r\n\r\nc", None),
    ("delimiter_string", ["-d", "ab", "printf '[%s]\\n'"], b"1ab2aab3ab", None),
    ("delimiter_octal", ["-d", "\\101", "printf '[%s]\\n'"], b"aAbBc", None),
    ("delimiter_octal_nul", ["-d", "\\000", "printf '[%s]\\n'"], b"a\0b c\0", None),
    ("delimiter_backslashes", ["-d", "\\\\", "printf '[%s]\\n'"], b"a\\b\\\\c", None),
    ("delimiter_no_hex", ["-d", "\\x41", "printf '[%s]\\n'"], b"aAb\\x41c", None),
    # --link: every source linked; shorter ones start over until the longest ends.
    ("link_recycles", ["--link", "echo", ":::", "1", "2", ":::", "I", "II", "III", ":::", "a",
                       "b", "c", "d", "e", "f", "g"], None, None),
    ("xapply", ["--xapply", "echo", ":::", "a", "b", ":::", "1", "2", "3"], None, None),
    ("link_file_and_args", ["--link", "echo", "::::", "f2", ":::", "p", "q"], None, None),
    ("link_with_plus", ["--link", "echo", ":::", "1", "2", ":::", "I", "II", "III", ":::+", "a",
                        "b", "c", "d", "e"], None, None),
    ("link_colsep", ["--link", "-C", ",", "echo", "{1}", "{2}", "{3}", ":::", "a,b", "c,d",
                     "e,f", ":::", "1", "2"], None, None),
    ("link_stdin", ["--link", "echo", "::::", "-", ":::", "p", "q", "r"], b"1\n2\n", None),
    ("plus_stops_at_shortest", ["echo", ":::", "1", "2", ":::+", "I", "II", "III"], None, None),
    # Every replacement string counts towards -s, each with its own transform and quoting.
    ("batch_multiple_every_field", ["-m", "-j1", "-s", "80", "--dry-run", "echo", "a{}b{.}c{.}"],
     GIFS, None),
    ("batch_context_every_field", ["-X", "-j1", "-s", "80", "--dry-run", "echo", "a{}b{.}c{.}"],
     GIFS, None),
    ("batch_context_word_twice", ["-X", "-j1", "-s", "40", "echo", "{}", "{}"], _numbers(15),
     None),
    ("batch_quoted_fields", ["-X", "-j1", "-s", "60", "--dry-run", "echo", "{}", "x{.}"],
     "\n".join(HOSTILE[:12]).encode() + b"\n", None),
    # Commands are filled to -s; the inputs left when the input ends are divided among the slots.
    *[("batch_%s_tail_j%d_n%d" % ("context" if flag == "-X" else "multiple", jobs, n),
       [flag, "-j%d" % jobs, "-s", "100", "echo"], _numbers(n), None)
      for flag in ("-X", "-m") for jobs, n in ((1, 92), (2, 92), (3, 92), (2, 120), (4, 35),
                                                (5, 3), (3, 200))],
    ("batch_tail_in_words", ["-X", "-j3", "-s", "60", "echo", "pre{}post", "{#}"],
     _numbers(40), None),
    ("batch_from_a_pipe", ["-X", "-j2", "-s", "4000", "echo"], _numbers(5000), None),
    # GNU counts {n} and {#} once per input, with the input's own value.
    ("batch_multiple_position_count", ["-m", "-j1", "-s", "100", "echo", "{1}", "{}"],
     _numbers(92), None),
    ("batch_context_position_count", ["-X", "-j2", "-s", "100", "echo", "x{1}y{}", "{#}"],
     _numbers(92), None),
    # Several sources: -X and -m see one list of values; {} is each value, {n} the n-th.
    ("batch_context_sources", ["-X", "-j1", "echo", "{}-{.}", ":::", "a", ":::", "b"],
     None, None),
    ("batch_context_positions", ["-X", "-j1", "echo", "{1}-{2}", ":::", "a", "b", ":::", "c",
                                 "d"], None, None),
    ("batch_context_sources_words", ["-X", "-j1", "printf", "[%s]", "{1}{}", "{.}", "x{2}y",
                                     ":::", "a.x", "b.y", ":::", "c", "d.z"], None, None),
    ("batch_multiple_sources", ["-m", "-j1", "printf", "[%s]", "x{1}y", "{2}", "{}", ":::", "a",
                                "b", ":::", "c", "d"], None, None),
    ("batch_multiple_positions", ["-m", "-j1", "echo", "{1}-{2}", ":::", "a", "b", ":::", "c",
                                  "d"], None, None),
    ("batch_sources_spread", ["-X", "-j2", "echo", "{}-{1}", ":::", "a", "b", "c", ":::", "d",
                              "e"], None, None),
    ("batch_positions_past_the_end", ["-X", "-j1", "printf", "[%s]", "x{1}y", "{2}", "{3}",
                                      "z{3}", ":::", "a", "b"], None, None),
    ("batch_sources_quoted", ["-m", "-j1", "--dry-run", "echo", "{1}", "{}", ":::", "a b",
                              "it's", ":::", "$x", "c.d"], None, None),
]


class DifferentialBase(unittest.TestCase):
    """Runs cls.CASES through GNU parallel once, then each test compares one through coreflow."""
    maxDiff = 4000
    CASES = []

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="coreflow-diff-")
        cls.home = os.path.join(cls.tmp, "home")
        os.mkdir(cls.home)
        cls.work = os.path.join(cls.tmp, "work")
        os.mkdir(cls.work)
        for name, text in FILES.items():
            with open(os.path.join(cls.work, name), "w") as f:
                f.write(text)
        # GNU parallel starts slowly (Perl); run every case at once, a few at a time.
        cls.gnu = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            futures = {name: pool.submit(cls.run_gnu, args, stdin)
                       for name, args, stdin, skip in cls.CASES if skip is None}
            for name, future in futures.items():
                cls.gnu[name] = future.result()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def run_gnu(cls, args, stdin):
        return cfhelp.run([PARALLEL, "--will-cite", "-k", *args],
                          input=stdin if stdin is not None else b"",
                          env=_env(cls.home), cwd=cls.work, timeout=120)

    def run_coreflow(self, args, stdin):
        return cfhelp.run([cfhelp.BIN, "run", "-k", *args],
                          input=stdin if stdin is not None else b"",
                          env=_env(self.home), cwd=self.work, timeout=120)

    def compare(self, name, args, stdin):
        gnu = self.gnu[name]
        ours = self.run_coreflow(args, stdin)
        self.assertEqual(ours.returncode, gnu.returncode,
                         "exit status differs\nGNU: %r\ncoreflow: %r" % (gnu, ours))
        self.assertEqual(ours.stdout, gnu.stdout,
                         "stdout differs\nGNU: %r\ncoreflow: %r" % (gnu, ours))
        self.assertFalse(os.path.exists(os.path.join(self.work, "PWNED")))


def _make_test(name, args, stdin, skip):
    def test(self):
        if skip:
            self.skipTest(skip)
        self.compare(name, args, stdin)
    test.__name__ = "test_" + name
    return test


def add_cases(cls, cases):
    """Makes one test method per case on a DifferentialBase subclass."""
    cls.CASES = cases
    for name, args, stdin, skip in cases:
        setattr(cls, "test_" + name, _make_test(name, args, stdin, skip))
    return cls


@unittest.skipUnless(_is_gnu_parallel(), "GNU parallel is not installed")
class DifferentialTest(DifferentialBase):
    pass


add_cases(DifferentialTest, CASES)


if __name__ == "__main__":
    unittest.main()
