"""The worker protocol from the worker's side, without coreflow: the Python helper
(contrib/python/coreflow_worker.py) and the C++ example worker, driven over real pipes.

Each worker is started the way coreflow starts one: stdin, stdout and stderr are pipes, fd 3
is the result pipe and COREFLOW_RESULT_FD=3. Every read has a time limit.
"""

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import cfhelp
from cfhelp import CoreflowTestCase

ROOT = os.path.normpath(os.path.join(cfhelp.HERE, "..", ".."))
HELPER_DIR = os.path.join(ROOT, "contrib", "python")
CPP_EXAMPLE = os.path.join(ROOT, "examples", "workers", "cpp", "example_worker.cc")
TIMEOUT = 10.0

# Runs argv with fd N (argv[1]) moved to fd 3, as coreflow starts a worker.
ON_FD_3 = ("import os, sys\n"
           "fd = int(sys.argv[1])\n"
           "if fd != 3:\n"
           "    os.dup2(fd, 3)\n"
           "    os.close(fd)\n"
           "os.execv(sys.argv[2], sys.argv[2:])\n")

# A worker script: serve() with a handler given as Python source for `handle`.
SCRIPT = """# {marker}
import json, os, subprocess, sys
import coreflow_worker
{handler}
coreflow_worker.serve(handle)
"""

ECHO_HANDLER = """
def handle(task):
    print(json.dumps([task.id, task.attempt, task.slot, task.args, task.inputs, task.input]))
    sys.stderr.write("err of %d\\n" % task.id)
"""

STATUS_HANDLER = """
CASES = {"none": None, "true": True, "zero": 0, "seven": 7, "false": False, "big": 300,
         "word": "ok"}
def handle(task):
    name = task.input
    if name == "raise":
        raise ValueError("bad value " + task.args[1])
    if name == "failed":
        raise coreflow_worker.TaskFailed(4, "chosen failure")
    if name == "exit":
        sys.exit(5)
    return CASES[name]
"""


class Worker:
    """A running worker process with its three output pipes."""

    def __init__(self, argv, env):
        read_end, write_end = os.pipe()
        self.proc = subprocess.Popen([sys.executable, "-S", "-c", ON_FD_3, str(write_end), *argv],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, pass_fds=(write_end,), env=env)
        os.close(write_end)
        self.result = read_end
        self.pending = {}

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=TIMEOUT)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
        os.close(self.result)

    def line(self, fd=None):
        """The next line on the result pipe (or fd), or None at end of file."""
        fd = self.result if fd is None else fd
        buf = self.pending.get(fd, b"")
        deadline = time.monotonic() + TIMEOUT
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise AssertionError("no line within %ss; have %r" % (TIMEOUT, buf))
            chunk = os.read(fd, 65536)
            if not chunk:
                self.pending[fd] = b""
                return buf or None
            buf += chunk
        line, self.pending[fd] = buf.split(b"\n", 1)
        return line + b"\n"

    def available(self, stream):
        """What the pipe already holds, without waiting."""
        fd = stream.fileno()
        data = b""
        while select.select([fd], [], [], 0)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
        return data

    def send(self, request):
        data = request if isinstance(request, bytes) else (json.dumps(request) + "\n").encode()
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def ask(self, id, args, inputs=None, attempt=1, slot=1):
        """Sends one task; returns the answer as a dict."""
        self.send({"id": id, "attempt": attempt, "slot": slot, "args": args,
                   "inputs": inputs if inputs is not None else [[a] for a in args]})
        return json.loads(self.line())

    def finish(self):
        """Closes stdin; returns (exit status, rest of stdout, rest of stderr)."""
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError("worker did not exit within %ss of end of file" % TIMEOUT)
        return self.proc.returncode, self.proc.stdout.read(), self.proc.stderr.read()


class WorkerTestCase(CoreflowTestCase):
    def start(self, argv, result_fd=True):
        env = cfhelp.base_env({"PYTHONPATH": HELPER_DIR, "COREFLOW_WORKER": "1",
                               "COREFLOW_SLOT": "1"})
        if result_fd:
            env["COREFLOW_RESULT_FD"] = "3"
        worker = Worker(argv, env)
        self.addCleanup(worker.close)
        return worker

    def start_python(self, handler, result_fd=True):
        script = SCRIPT.format(marker=self.marker, handler=handler)
        return self.start([sys.executable, "-S", "-c", script], result_fd)

    def assertReady(self, worker):
        self.assertEqual(worker.line(), b'{"ready": true}\n')


class PythonHelperTest(WorkerTestCase):
    def test_ready_line_comes_first_and_eof_exits_zero(self):
        w = self.start_python(ECHO_HANDLER)
        self.assertReady(w)
        rc, out, err = w.finish()
        self.assertEqual((rc, out), (0, b""), err)
        self.assertIsNone(w.line())

    def test_answer_names_the_request_and_output_is_flushed_before_it(self):
        w = self.start_python(ECHO_HANDLER)
        self.assertReady(w)
        for id in (12, 13, 7):
            self.assertEqual(w.ask(id, ["in-%d" % id], slot=2), {"id": id, "status": 0})
            out = w.available(w.proc.stdout)
            self.assertEqual(json.loads(out), [id, 1, 2, ["in-%d" % id], [["in-%d" % id]],
                                               "in-%d" % id])
            self.assertEqual(w.available(w.proc.stderr), b"err of %d\n" % id)
        self.assertEqual(w.finish()[0], 0)

    def test_return_values_map_to_statuses(self):
        w = self.start_python(STATUS_HANDLER)
        self.assertReady(w)
        want = {"none": 0, "true": 0, "zero": 0, "seven": 7, "false": 1, "big": 1, "word": 1,
                "raise": 1, "failed": 4, "exit": 5}
        for id, (name, status) in enumerate(want.items(), start=1):
            answer = w.ask(id, [name, "x%d" % id])
            self.assertEqual((answer["id"], answer["status"]), (id, status), name)
            if name in ("none", "true", "zero", "seven", "false", "exit"):
                self.assertNotIn("message", answer, name)
        errors = w.available(w.proc.stderr).decode()
        self.assertIn("Traceback", errors)
        self.assertIn("ValueError: bad value", errors)
        answers = [w.ask(20, ["raise", "x"]), w.ask(21, ["failed"]), w.ask(22, ["big"])]
        self.assertEqual(answers[0]["message"], "ValueError: bad value x")
        self.assertEqual(answers[1]["message"], "chosen failure")
        self.assertIn("300", answers[2]["message"])
        self.assertEqual(w.finish()[0], 0)

    def test_awkward_values_round_trip(self):
        w = self.start_python(ECHO_HANDLER)
        self.assertReady(w)
        values = ["two\nlines", "it's \"quoted\"", "tab\there", "back\\slash", "",
                  "é漢字😀", " -n ", "{}", "\x01\x7f"]
        inputs = [[v, "second source"] for v in values]
        self.assertEqual(w.ask(3, values, inputs=inputs), {"id": 3, "status": 0})
        got = json.loads(w.available(w.proc.stdout))
        self.assertEqual(got, [3, 1, 1, values, inputs, values[0]])
        self.assertEqual(w.finish()[0], 0)

    def test_many_tasks_keep_their_ids(self):
        w = self.start_python("def handle(task):\n    print(task.input)\n")
        self.assertReady(w)
        for id in range(1, 201):
            self.assertEqual(w.ask(id, [str(id * 3)]), {"id": id, "status": 0})
        rc, out, _ = w.finish()
        self.assertEqual(rc, 0)
        self.assertEqual(out.split(), [str(id * 3).encode() for id in range(1, 201)])

    def test_handler_cannot_swallow_requests(self):
        w = self.start_python("""
def handle(task):
    print(repr(sys.stdin.read()))
    print(subprocess.run(["cat"], stdout=subprocess.PIPE).stdout)
    print(subprocess.run(["sh", "-c", "echo x >&3 && echo leaked"], close_fds=False,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout)
""")
        self.assertReady(w)
        self.assertEqual(w.ask(1, ["a"]), {"id": 1, "status": 0})
        self.assertEqual(w.available(w.proc.stdout), b"''\nb''\nb''\n")
        self.assertEqual(w.ask(2, ["b"]), {"id": 2, "status": 0})
        self.assertEqual(w.finish()[0], 0)

    def test_malformed_request_exits_2_with_a_message(self):
        for line in (b"this is not json\n", b"[1, 2]\n", b'{"args": []}\n',
                     b'{"id": "7", "args": []}\n', b'{"id": 1, "args": [1]}\n', b"\n"):
            with self.subTest(line=line):
                w = self.start_python(ECHO_HANDLER)
                self.assertReady(w)
                w.send(line)
                try:
                    w.proc.wait(timeout=TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.fail("worker did not exit on %r" % line)
                self.assertEqual(w.proc.returncode, 2)
                err = w.proc.stderr.read().decode()
                self.assertIn("coreflow_worker: malformed request", err)
                self.assertEqual(w.line(), None)  # no answer

    def test_without_result_fd_it_says_how_to_run_it(self):
        w = self.start_python(ECHO_HANDLER, result_fd=False)
        rc, out, err = w.finish()
        self.assertNotEqual(rc, 0)
        self.assertIn(b"COREFLOW_RESULT_FD is not set", err)
        self.assertIn(b"coreflow run --worker", err)
        self.assertEqual(w.line(), None)


@unittest.skipUnless(shutil.which("g++") and os.path.exists("/usr/include/nlohmann/json.hpp"),
                     "needs g++ and nlohmann-json3-dev")
class CppExampleTest(WorkerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.build = tempfile.mkdtemp(prefix="coreflow-e2e-worker-")
        cls.binary = os.path.join(cls.build, "example_worker")
        r = cfhelp.run(["g++", "-std=c++20", "-Wall", "-Wextra", "-Werror", "-O2", CPP_EXAMPLE,
                        "-o", cls.binary], timeout=240)
        if r.returncode != 0:
            raise AssertionError("the C++ example does not compile cleanly:\n" + r.err)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.build, ignore_errors=True)

    def worker(self):
        w = self.start([self.binary, self.marker])
        self.assertReady(w)
        return w

    def test_scores_every_argument(self):
        w = self.worker()
        data = self.write("data.txt", "some content\n")
        values = ["alpha", "b c", "é漢字", data]
        self.assertEqual(w.ask(5, values), {"id": 5, "status": 0})
        lines = w.available(w.proc.stdout).decode().splitlines()
        self.assertEqual([l.rsplit("\t", 1)[0] for l in lines], values)
        scores = [l.rsplit("\t", 1)[1] for l in lines]
        self.assertTrue(all(s.isalnum() for s in scores), lines)
        # Deterministic: the same values score the same in the next task.
        self.assertEqual(w.ask(6, values), {"id": 6, "status": 0})
        self.assertEqual(w.available(w.proc.stdout).decode().splitlines(), lines)
        self.assertEqual(w.finish()[0], 0)

    def test_fail_answers_status_3_and_goes_on(self):
        w = self.worker()
        answer = w.ask(8, ["ok", "fail"])
        self.assertEqual((answer["id"], answer["status"]), (8, 3))
        self.assertIn("fail", answer["message"])
        self.assertEqual(w.ask(9, ["ok"]), {"id": 9, "status": 0})
        self.assertEqual(w.finish()[0], 0)

    def test_malformed_request_exits_2(self):
        w = self.worker()
        w.send(b"{not json\n")
        w.proc.wait(timeout=TIMEOUT)
        self.assertEqual(w.proc.returncode, 2)
        self.assertIn(b"malformed request", w.proc.stderr.read())

    def test_without_result_fd_it_says_how_to_run_it(self):
        w = self.start([self.binary], result_fd=False)
        rc, _, err = w.finish()
        self.assertNotEqual(rc, 0)
        self.assertIn(b"coreflow run --worker", err)


if __name__ == "__main__":
    unittest.main()
