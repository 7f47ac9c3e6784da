"""What a crash of coreflow, or a failed attempt, leaves running must never race what comes
after it: the crash guard ends a killed coreflow's task trees at once, a resume ends what is
left of earlier runs before it runs anything, and an attempt's escaped descendants are killed
before its retry starts. Also: one coreflow per journal, and no journal that is an input."""

import json
import os
import signal
import subprocess
import unittest

import cfhelp
from cfhelp import CoreflowTestCase

# The task's child writes its output in two steps and waits for the file $GO between them;
# a file says when the first step is done, so a test can kill coreflow between the two. The
# second argument (the test's marker) names the processes.
WRAP = """#!/bin/sh
sh -c 'echo begin >> "out/$1.txt"; touch "began.$1"
while [ ! -e "$GO" ]; do sleep 0.01; done; echo end >> "out/$1.txt"' x "$1" "$2"
"""


def run_ids(journal_text):
    """The run ids of the '#run' notes of a journal."""
    return [json.loads(cols[1])["id"] for cols in cfhelp.journal_marks(journal_text, "run")]


def tagged_with(run_id):
    """Live processes whose environment carries COREFLOW_RUN=<run_id>.N."""
    needle = b"COREFLOW_RUN=" + run_id.encode() + b"."
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % name, "rb") as f:
                env = f.read()
        except OSError:
            continue
        if (b"\0" + env).find(b"\0" + needle) >= 0:
            found.append(int(name))
    return found


class CrashTest(CoreflowTestCase):
    def setUp(self):
        super().setUp()
        self.write("wrap.sh", WRAP, 0o755)
        os.mkdir(self.path("out"))

    def start_and_wait(self, args, began):
        p = self.start(*args, env=cfhelp.base_env({"GO": "go.first"}))
        self.wait_files(began)
        return p

    def resume(self, args):
        """The same run resumed; its tasks need not wait."""
        self.write("go.resumed", "")
        return self.cf("--resume", *args, env=cfhelp.base_env({"GO": "go.resumed"}))

    def test_a_killed_coreflow_leaves_no_task_process_running(self):
        args = ["-j2", "--joblog", "log", "--outputs", "out/{}.txt",
                "./wrap.sh {} %s" % self.marker, ":::", "A", "B"]
        p = self.start_and_wait(args, ["began.A", "began.B"])
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=30)
        # The guard ends every process of the run; nothing is left to append "end".
        self.assertNoLeftovers(grace=20)
        [run_id] = run_ids(self.read("log").decode())
        # Processes without the marker (the script's own children) may still be dying as the
        # guard's last scan ends them: wait for that, never for a fixed time.
        self.assertTrue(cfhelp.wait_until(lambda: tagged_with(run_id) == [], 20),
                        tagged_with(run_id))
        self.assertEqual(self.read("out/A.txt"), b"begin\n")
        # The resume removes the half-written outputs and does the work once, whole.
        r = self.resume(args)
        self.assertEqual(r.returncode, 0, r)
        for item in "AB":
            self.assertEqual(self.read("out/%s.txt" % item), b"begin\nend\n")

    def test_a_resume_ends_what_a_crash_left_when_the_guard_is_gone_too(self):
        args = ["--joblog", "log", "--outputs", "out/{}.txt", "./wrap.sh {} %s" % self.marker,
                ":::", "A"]
        p = self.start_and_wait(args, ["began.A"])
        guards = [c for c in cfhelp.children_of(p.pid) if "__crash-guard" in cfhelp.cmdline(c)]
        self.assertEqual(len(guards), 1, [cfhelp.cmdline(c) for c in cfhelp.children_of(p.pid)])
        os.kill(guards[0], signal.SIGKILL)
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=30)
        # With its guard killed too, the task's child lives on (PDEATHSIG took only the leader):
        # it waits for go.first, which never comes, and would then append to the output.
        self.assertTrue(cfhelp.processes_with(self.marker))
        r = self.resume(args)
        self.assertEqual(r.returncode, 0, r)
        self.assertRegex(r.err, "coreflow: ended [0-9]+ process(es)? that an earlier run of 'log' "
                                "left running")
        self.assertEqual(cfhelp.processes_with(self.marker), [])
        self.assertEqual(self.read("out/A.txt"), b"begin\nend\n")

    def test_a_killed_coreflow_takes_its_warm_workers_and_their_children(self):
        worker = self.write("worker.py", (
            "import json, os, subprocess, sys\n"
            "helper = subprocess.Popen(['sleep', %r])\n"
            "out = os.fdopen(3, 'w')\n"
            "out.write(json.dumps({'ready': True}) + '\\n'); out.flush()\n"
            "for line in sys.stdin:\n"
            "    req = json.loads(line)\n"
            "    open('began.' + req['args'][0], 'w').close()\n"
            "    subprocess.call(['sleep', %r])\n"
            "    out.write(json.dumps({'id': req['id'], 'status': 0}) + '\\n'); out.flush()\n"
        ) % (self.marker, self.marker))
        p = self.start("-j2", "--worker", "%s %s" % (cfhelp.PY, worker), "{}", ":::", "a", "b")
        self.wait_files(["began.a", "began.b"])
        self.assertTrue(cfhelp.wait_until(  # two helpers, two tasks' sleeps
            lambda: len(cfhelp.processes_with(self.marker)) == 4, 20),
            cfhelp.processes_with(self.marker))
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=30)
        self.assertNoLeftovers(grace=20)


class ResumeOutputsTest(CoreflowTestCase):
    """After a crash, a resume removes only what the cut attempt created or changed."""

    def crash(self, args, began):
        p = self.start(*args)
        self.wait_files(began)
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=30)
        self.assertNoLeftovers(grace=20)

    def test_an_output_the_cut_attempt_never_touched_is_kept(self):
        os.mkdir(self.path("out"))
        self.write("out/old.txt", "from an earlier run\n")
        # The cut attempt of 'old' never writes; that of 'new' writes half its output.
        template = ("test -e out/{}.txt && echo {} kept; test {} = old || echo half > out/{}.txt;"
                    " touch began.{}; test -e go || sleep %s; echo {} whole > out/{}.txt"
                    % self.marker)
        args = ["-j2", "--clobber", "--joblog", "log", "--outputs", "out/{}.txt", template,
                ":::", "old", "new"]
        self.crash(args, ["began.old", "began.new"])
        self.write("go", "")
        r = self.cf("--resume", *args)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(sorted(r.out.splitlines()), ["old kept"])
        self.assertEqual(self.read("out/old.txt"), b"old whole\n")
        self.assertEqual(self.read("out/new.txt"), b"new whole\n")

    def test_an_output_path_that_leaves_its_directory_is_refused_not_removed(self):
        os.mkdir(self.path("out"))
        os.mkdir(self.path("outside"))
        self.write("outside/victim.txt", "precious\n")
        r = self.cf("--joblog", "log", "--outputs", "out/{}.txt",
                    "echo {} > out/{}.txt", ":::", "../outside/victim", "fine")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("coreflow: input '../outside/victim' was not run: its output "
                      "'out/../outside/victim.txt' (--outputs 'out/{}.txt') is outside 'out/'",
                      r.err)
        self.assertEqual(self.read("outside/victim.txt"), b"precious\n")
        self.assertEqual(self.read("out/fine.txt"), b"fine\n")
        j = cfhelp.Journal(self.read("log").decode())
        self.assertEqual(sorted(rec[15] for rec in j.final()), ["noexec", "ok"])


class FailedAttemptTest(CoreflowTestCase):
    def test_an_escaped_descendant_of_a_failed_attempt_is_gone_before_the_retry(self):
        # Attempt 1 leaves a setsid child behind and fails; attempt 2 checks whether that child
        # still lives and would let it append to its output.
        script = (
            "if [ ! -e tried ]; then touch tried;"
            " setsid sh -c 'echo $$ > escapee.pid; while [ ! -e retry ]; do sleep 0.01; done;"
            " echo LATE >> out/{}.txt' &"
            " while [ ! -s escapee.pid ]; do sleep 0.01; done; exit 1;"
            " fi; echo good > out/{}.txt;"
            " if kill -0 $(cat escapee.pid) 2>/dev/null; then echo escapee-alive >> out/{}.txt; fi;"
            " touch retry")
        os.mkdir(self.path("out"))
        r = self.cf("--retries", "2", "--outputs", "out/{}.txt", "--joblog", "log", script,
                    ":::", "x")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.read("out/x.txt"), b"good\n")
        j = cfhelp.Journal(self.read("log").decode())
        self.assertEqual([(r[10], r[15]) for r in j.records], [("1", "failed"), ("2", "ok")])

    def test_a_timed_out_attempt_is_gone_before_its_exit_is_recorded(self):
        # The escapee ignores SIGTERM and is out of the process group.
        r = self.cf("--timeout", "0.3", "--term-grace", "0.2", "--joblog", "log",
                    "setsid sh -c 'trap \"\" TERM; sleep %s' & sleep %s; : {}" % (
                        self.marker, self.marker), ":::", "x")
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(cfhelp.processes_with(self.marker), [])


class JournalLockTest(CoreflowTestCase):
    def test_a_second_coreflow_on_the_same_journal_is_refused(self):
        template = "touch began.{}; while [ ! -e go ]; do sleep 0.01; done; echo {}"
        p = self.start("--joblog", "log", template, ":::", "a")
        self.wait_files(["began.a"])
        before = self.read("log")
        for extra in ([], ["--resume"], ["--resume-failed"]):
            with self.subTest(extra=extra):
                r = self.cf("--joblog", "log", *extra, "echo", ":::", "b")
                self.assertUsageError(r)
                self.assertIn("journal 'log' is in use by another coreflow (pid %d" % p.pid, r.err)
        self.assertEqual(self.read("log"), before)  # not cut, nothing added
        self.write("go", "")
        out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, err)
        j = cfhelp.Journal(self.read("log").decode())
        self.assertEqual([r[15] for r in j.final()], ["ok"])
        # Once the first one is gone, the journal is free again.
        r = self.cf("--joblog", "log", "--resume", template, ":::", "a")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("skipped 1 task", r.err)

    def test_an_empty_journal_is_a_fresh_start_for_resume(self):
        self.write("log", "")  # as `mktemp` leaves it
        r = self.cf("--joblog", "log", "--resume", "echo", ":::", "a")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.out, "a\n")
        self.assertEqual(len(cfhelp.Journal(self.read("log").decode()).final("ok")), 1)


class JournalIsInputTest(CoreflowTestCase):
    def test_a_journal_that_is_an_input_is_refused(self):
        self.write("items.txt", "a\nb\n")
        for before, after in (([], ["::::", "items.txt"]), (["-a", "items.txt"], []),
                              ([], ["::::", "./items.txt"])):
            with self.subTest(args=before + after):
                r = self.cf("--joblog", "items.txt", *before, "echo", *after)
                self.assertUsageError(r)
                self.assertIn("--joblog 'items.txt' is also an input", r.err)
        with open(self.path("items.txt"), "rb") as f:
            p = subprocess.run([cfhelp.BIN, "run", "--joblog", "items.txt", "echo"], stdin=f,
                               capture_output=True, cwd=self.tmp, env=cfhelp.base_env(),
                               timeout=30)
        self.assertEqual(p.returncode, 255, p)
        self.assertIn(b"is also an input (standard input)", p.stderr)
        self.assertEqual(self.read("items.txt"), b"a\nb\n")


if __name__ == "__main__":
    unittest.main()
