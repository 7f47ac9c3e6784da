"""Output handling: grouping, order, --line-buffer, --ungroup, --results, large output."""

import hashlib
import os
import random
import re
import subprocess
import unittest

import cfhelp
from cfhelp import PY, CoreflowTestCase

# Prints COUNT lines "NAME i" to stdout and "NAME err i" to stderr, sleeping a little between
# lines so that tasks running side by side really do overlap.
LINES_PROGRAM = """\
import sys, time
name, count, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
for i in range(count):
    sys.stdout.write("%s %d\\n" % (name, i)); sys.stdout.flush()
    sys.stderr.write("%s err %d\\n" % (name, i)); sys.stderr.flush()
    time.sleep(delay)
"""

# Writes each line in two pieces with a pause between them, then a last line without newline.
HALVES_PROGRAM = """\
import sys, time
name, count = sys.argv[1], int(sys.argv[2])
for i in range(count):
    sys.stdout.write("L%s:%d:" % (name, i)); sys.stdout.flush()
    time.sleep(0.005)
    sys.stdout.write("x" * 50 + "\\n"); sys.stdout.flush()
sys.stdout.write("partial%s" % name); sys.stdout.flush()
"""

# Prints "first", waits for the file named by argv[1], prints "second" (or "gave up" after
# 20 s without the file).
WAIT_PROGRAM = """\
import os, sys, time
print("first", flush=True)
for _ in range(2000):
    if os.path.exists(sys.argv[1]):
        print("second", flush=True)
        break
    time.sleep(0.01)
else:
    print("gave up", flush=True)
"""

# Writes SIZE pseudo-random bytes (seeded by argv[1]) to stdout, or to both streams.
BIG_PROGRAM = """\
import random, sys
data = random.Random(int(sys.argv[1])).randbytes(int(sys.argv[2]))
if len(sys.argv) > 3:  # both streams, in turns, so neither pipe may be left unread
    for i in range(0, len(data), 65536):
        sys.stdout.buffer.write(data[i:i + 65536]); sys.stdout.flush()
        sys.stderr.buffer.write(data[i:i + 65536][::-1]); sys.stderr.flush()
else:
    sys.stdout.buffer.write(data)
"""


# Task 'a' ends only after coreflow has recorded task 'c' (input 3) in the journal 'order.jl'.
# Every task prints "NAME start" at once and "NAME end", without newline, at its end.
ORDER_PROGRAM = """\
import os, sys, time
name = sys.argv[1]
def c_recorded():
    # c's journal record and the release of its output happen in one engine step, before
    # coreflow looks at the next exit: once the record is there, c's output is out too.
    try:
        with open("order.jl") as f:
            return any(line.startswith("3\\t") for line in f)
    except FileNotFoundError:
        return False
print(name, "start", flush=True)
if name == "a":
    while not c_recorded():
        time.sleep(0.01)
sys.stdout.write(name + " end"); sys.stdout.flush()
"""


def big_data(seed, size):
    return random.Random(seed).randbytes(size)


class GroupingTest(CoreflowTestCase):
    def test_grouped_output_never_interleaves(self):
        self.write("lines.py", LINES_PROGRAM)
        names = ["t%d" % i for i in range(1, 5)]
        r = self.cf("-j4", PY, "lines.py", "{}", "15", "0.01", ":::", *names)
        self.assertEqual(r.returncode, 0, r)
        for stream, fmt in ((r.out, "%s %d"), (r.err, "%s err %d")):
            lines = [l for l in stream.splitlines() if not l.startswith("coreflow:")]
            self.assertEqual(len(lines), 60, stream)
            # Each task's lines form one contiguous block, in the order it wrote them.
            blocks = [lines[i:i + 15] for i in range(0, 60, 15)]
            seen = set()
            for block in blocks:
                name = block[0].split()[0]
                seen.add(name)
                self.assertEqual(block, [fmt % (name, i) for i in range(15)], stream)
            self.assertEqual(seen, set(names))

    def test_keep_order_follows_input_order(self):
        # 'a' finishes after 'c', yet -k prints a, b, c.
        self.write("order.py", ORDER_PROGRAM)
        r = self.cf("-k", "-j3", "--joblog", "order.jl", PY, "order.py", "{}",
                    ":::", "a", "b", "c")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "a start\na endb start\nb endc start\nc end")
        os.unlink(self.path("order.jl"))
        r = self.cf("-j3", "--joblog", "order.jl", PY, "order.py", "{}", ":::", "a", "b", "c")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(sorted(re.findall(r"[abc] start\n[abc] end", r.out)),
                         ["a start\na end", "b start\nb end", "c start\nc end"])
        self.assertLess(r.out.index("c start"), r.out.index("a start"),
                        "without -k output follows completion")

    def test_keep_order_with_many_tasks(self):
        r = self.cf("-k", "-j4", "echo", ":::", *[str(i) for i in range(40)])
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out.split(), [str(i) for i in range(40)])


class LineBufferTest(CoreflowTestCase):
    def test_lines_are_never_torn(self):
        self.write("halves.py", HALVES_PROGRAM)
        r = self.cf("--line-buffer", "-j3", PY, "halves.py", "{}", "12",
                    ":::", "1", "2", "3")
        self.assertEqual(r.returncode, 0, r)
        # The stream must be a sequence of whole tokens: full lines and the final partials.
        token = re.compile(rb"L([123]):(\d+):x{50}\n|partial([123])")
        pos, lines, partials = 0, {"1": [], "2": [], "3": []}, []
        while pos < len(r.stdout):
            m = token.match(r.stdout, pos)
            self.assertIsNotNone(m, "torn output at byte %d: %r" % (pos, r.stdout[pos:pos + 80]))
            if m.group(1):
                lines[m.group(1).decode()].append(int(m.group(2)))
            else:
                partials.append(m.group(3).decode())
            pos = m.end()
        for name in "123":
            self.assertEqual(lines[name], list(range(12)), "task %s lines" % name)
        self.assertEqual(sorted(partials), ["1", "2", "3"], "each unfinished last line flushed")

    def test_lines_pass_while_the_task_runs(self):
        self.write("wait.py", WAIT_PROGRAM)
        self._check_streaming("--line-buffer")

    def test_ungroup_passes_output_while_the_task_runs(self):
        self.write("wait.py", WAIT_PROGRAM)
        self._check_streaming("-u")

    def test_keep_order_with_line_buffer_streams_the_first_task(self):
        self.write("wait.py", WAIT_PROGRAM)
        self._check_streaming("-k", "--line-buffer")

    def test_keep_order_with_line_buffer(self):
        # As in GroupingTest: 'a' finishes last, yet its lines come first with -k.
        self.write("order.py", ORDER_PROGRAM)
        r = self.cf("-k", "--line-buffer", "-j3", "--joblog", "order.jl", PY, "order.py", "{}",
                    ":::", "a", "b", "c", env=cfhelp.base_env({"COREFLOW_CORES": "3"}))
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "a start\na endb start\nb endc start\nc end")

    def _check_streaming(self, *flags):
        proc = self.start(*flags, PY, "wait.py", ":::", self.path("go"))
        # The task prints "first" and then waits for us: if coreflow held the line back until
        # the task ends, this read would only return once the task gave up waiting.
        first = proc.stdout.readline()
        self.assertEqual(first, b"first\n")
        open(self.path("go"), "w").close()
        out, err = proc.communicate(timeout=30)
        self.assertEqual(out, b"second\n")
        self.assertEqual(proc.returncode, 0, err)

    def test_ungroup_output_is_complete(self):
        self.write("lines.py", LINES_PROGRAM)
        r = self.cf("-u", "-j2", PY, "lines.py", "{}", "5", "0", ":::", "u1", "u2")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(sorted(r.out.splitlines()),
                         sorted("%s %d" % (n, i) for n in ("u1", "u2") for i in range(5)))
        self.assertEqual(sorted(l for l in r.err.splitlines() if not l.startswith("coreflow")),
                         sorted("%s err %d" % (n, i) for n in ("u1", "u2") for i in range(5)))

    def test_only_one_output_mode(self):
        r = self.cf("--line-buffer", "-u", "echo", ":::", "a")
        self.assertUsageError(r)


class ResultsTest(CoreflowTestCase):
    def test_results_layout(self):
        r = self.cf("--results", "res", "echo out {}; echo err {} >&2; exit {#}",
                    ":::", "a", "b c", "x/y")
        self.assertEqual(r.returncode, 3, r)  # three tasks failed (exit 1, 2, 3)
        self.assertEqual(r.stdout, b"", "with --results nothing goes to stdout")
        expected = {"a": ("1", "a"), "b c": ("2", "b c"), "x\\_y": ("3", "x/y")}
        self.assertEqual(sorted(os.listdir(self.path("res"))), ["1"])
        self.assertEqual(sorted(os.listdir(self.path("res", "1"))), sorted(expected))
        for name, (seq, value) in expected.items():
            d = self.path("res", "1", name)
            self.assertEqual(sorted(os.listdir(d)), ["exit", "seq", "stderr", "stdout"])
            with open(os.path.join(d, "seq")) as f:
                self.assertEqual(f.read(), seq + "\n")
            with open(os.path.join(d, "stdout")) as f:
                self.assertEqual(f.read(), "out %s\n" % value)
            with open(os.path.join(d, "stderr")) as f:
                self.assertEqual(f.read(), "err %s\n" % value)
            with open(os.path.join(d, "exit")) as f:
                self.assertEqual(f.read(), seq + "\n")

    def test_results_with_two_sources(self):
        r = self.cf("--results", "res", "-j1", "echo", ":::", "a", "b", ":::", "1", "2")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, b"")
        for a in ("a", "b"):
            for n in ("1", "2"):
                with open(self.path("res", "1", a, "2", n, "stdout")) as f:
                    self.assertEqual(f.read(), "%s %s\n" % (a, n))

    def test_results_needs_grouped_output(self):
        self.assertUsageError(self.cf("--results", "res", "-u", "echo", ":::", "a"))
        self.assertFalse(os.path.exists(self.path("res")))


class LargeOutputTest(CoreflowTestCase):
    def test_twenty_megabytes_arrive_intact(self):
        self.write("big.py", BIG_PROGRAM)
        size = 20 * 1024 * 1024
        r = self.cf(PY, "big.py", "{}", str(size), ":::", "7", timeout=120)
        self.assertEqual(r.returncode, 0, r.err)
        self.assertEqual(len(r.stdout), size)
        self.assertEqual(hashlib.sha256(r.stdout).hexdigest(),
                         hashlib.sha256(big_data(7, size)).hexdigest())

    def test_large_output_on_both_streams_in_order(self):
        self.write("big.py", BIG_PROGRAM)
        size = 4 * 1024 * 1024
        r = self.cf("--no-summary", "-k", "-j2", PY, "big.py", "{}", str(size), "both",
                    ":::", "1", "2", timeout=120)
        self.assertEqual(r.returncode, 0, r.err[:500])
        one, two = big_data(1, size), big_data(2, size)
        self.assertTrue(r.stdout == one + two, "stdout differs (len %d)" % len(r.stdout))

        def reversed_chunks(data):
            return b"".join(data[i:i + 65536][::-1] for i in range(0, len(data), 65536))
        err = r.stderr
        # A warning line may precede the output on a machine with fewer than two cores.
        while err.startswith(b"coreflow: warning"):
            err = err[err.index(b"\n") + 1:]
        self.assertTrue(err == reversed_chunks(one) + reversed_chunks(two), "stderr differs")

    def test_spill_files_are_removed(self):
        # Output past the memory limit goes to unlinked files in a private directory under
        # TMPDIR; nothing of it is left afterwards.
        self.write("big.py", BIG_PROGRAM)
        os.mkdir(self.path("tmp"))
        env = cfhelp.base_env({"TMPDIR": self.path("tmp"), "COREFLOW_CORES": "2"})
        size = 2 * 1024 * 1024
        r = self.cf("-k", "-j2", PY, "big.py", "{}", str(size), ":::", "3", "4", env=env)
        self.assertEqual(r.returncode, 0, r.err)
        self.assertTrue(r.stdout == big_data(3, size) + big_data(4, size))
        self.assertEqual(os.listdir(self.path("tmp")), [])

    def test_unusable_tmpdir_keeps_output_in_memory_and_stops(self):
        # Like a full disk: the output is kept whole, nothing new starts, the run fails.
        self.write("big.py", BIG_PROGRAM)
        env = cfhelp.base_env({"TMPDIR": self.path("missing"), "COREFLOW_CORES": "1"})
        size = 1024 * 1024
        r = self.cf("-j1", PY, "big.py", "{}", str(size), ":::", "5", "6", env=env)
        self.assertEqual(r.returncode, 255, r.err)
        self.assertTrue(r.stdout == big_data(5, size), "output lost")
        self.assertIn("coreflow: error: cannot spill task output to a temporary file", r.err)

    def test_output_to_a_closed_pipe_stops_quietly(self):
        # `coreflow run ... | head -1`: the reader goes away; coreflow must stop, not hang.
        p1 = subprocess.Popen([cfhelp.BIN, "run", "--line-buffer", "-j2", "yes", "{}", ":::",
                               "a", "b"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=self.tmp,
                              env=cfhelp.base_env({"COREFLOW_CORES": "2"}))
        self.addCleanup(cfhelp._reap, p1)
        first = p1.stdout.read(100)
        self.assertTrue(first.startswith(b"a\n") or first.startswith(b"b\n"), first)
        p1.stdout.close()
        try:
            p1.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.fail("coreflow kept running after its reader went away")
        self.assertEqual(p1.returncode, 128 + 13)  # as if killed by SIGPIPE, like `yes`


if __name__ == "__main__":
    unittest.main()
