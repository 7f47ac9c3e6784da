"""The progress display: on a real terminal (a detached tmux pane of a fixed size) and in logs."""

import os
import re
import shlex
import shutil
import signal
import subprocess
import unittest

import cfhelp
from cfhelp import CoreflowTestCase

TMUX = shutil.which("tmux")

# The progress line, wherever it is: "N/T done" or (total unknown) "N done".
PROGRESS = re.compile(r"\b\d+(/\d+)? done\b")
# A task's output line, whole.
OUTPUT = re.compile(r"^output line \w+$")
# A warning coreflow may print before the run (more slots than cores, say).
WARNING = re.compile(r"^coreflow: warning: ")
# What the pane's script prints once coreflow has exited: everything coreflow wrote is before it.
END = re.compile(r"^end-of-run rc=(\d+)$")


@unittest.skipIf(TMUX is None, "tmux is not installed")
class TerminalProgressTest(CoreflowTestCase):
    """Runs coreflow in a tmux pane and reads the screen as a user would see it."""

    def tmux(self, *args):
        r = subprocess.run([TMUX, "-S", self.socket, "-f", "/dev/null", *args],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10,
                           env=cfhelp.base_env(drop=("TMUX", "TMUX_PANE")))
        self.assertEqual(r.returncode, 0, "tmux %s: %s" % (" ".join(args), r.stderr))
        return r.stdout

    def assertNoTasksLeft(self):
        """No task outlived coreflow (the pane's holder `sleep` and tmux carry the marker too)."""
        left = cfhelp.wait_until(lambda: not [
            cmd for _, cmd in cfhelp.processes_with(self.marker) if "output line" in cmd], 5.0)
        self.assertTrue(left, "tasks outlived coreflow: %r" % cfhelp.processes_with(self.marker))

    def kill_server(self):
        subprocess.run([TMUX, "-S", self.socket, "kill-server"], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=10)

    def start_pane(self, command, width=100, height=20):
        """Runs the shell `command` in a new pane WIDTH x HEIGHT; the pane lives on after it."""
        self.width = width
        self.socket = self.path("tmux.socket")  # a server of its own, gone with the directory
        self.addCleanup(self.kill_server)
        # The holder `sleep` carries the marker, so the test's cleanup ends it at the latest.
        self.write("pane.sh", "%s\necho \"end-of-run rc=$?\"\nexec sleep %s\n"
                   % (command, self.marker))
        # One tmux command line, so the status line is off before anything is drawn.
        self.tmux("new-session", "-d", "-x", str(width), "-y", str(height), "-c", self.tmp,
                  "sh pane.sh", ";", "set-option", "-g", "status", "off")
        self.assertEqual(self.tmux("display-message", "-p", "#{pane_width}").strip(), str(width))

    def coreflow(self, *args):
        """`coreflow run ARGS` as a shell command, without the summary at the end: the screen
        holds the progress line and the tasks' output only."""
        return " ".join(shlex.quote(a) for a in [cfhelp.BIN, "run", "--no-summary", *args])

    def task(self, seconds):
        return "sleep %s; echo output line {}; : %s" % (seconds, self.marker)

    def screen(self):
        """The pane's lines, history included, wrapped lines joined, trailing blanks dropped."""
        text = self.tmux("capture-pane", "-p", "-J", "-S", "-", "-E", "-")
        lines = [line.rstrip() for line in text.split("\n")]
        while lines and not lines[-1]:
            lines.pop()
        return lines

    def check_screen(self, lines):
        """Asserts what must hold at every moment; returns (progress line or None, output lines,
        rc once coreflow ended or None)."""
        progress, output, rc = [], [], None
        for line in lines:
            end = END.match(line)
            if end:
                rc = int(end.group(1))
            elif OUTPUT.match(line):
                output.append(line)
            elif line and not WARNING.match(line):
                self.assertRegex(line, PROGRESS, "neither output nor progress: %r" % lines)
                self.assertIsNone(rc, "written after coreflow ended: %r" % lines)
                progress.append(line)
        self.assertLessEqual(len(progress), 1, "more than one progress line: %r" % lines)
        if progress:
            # A line as wide as the pane would wrap, or leave the cursor past its last column.
            self.assertLess(len(progress[0]), self.width, progress[0])
            last = [line for line in lines if line and not END.match(line)][-1]
            self.assertEqual(last, progress[0], "the progress line is not the last: %r" % lines)
        return (progress[0] if progress else None), output, rc

    def watch(self, seen=None, timeout=10.0):
        """Reads the screen until coreflow has ended, checking every capture on the way; returns
        the last (progress line, output lines, rc). `seen` collects the progress lines."""
        last = None

        def ended():
            nonlocal last
            last = self.check_screen(self.screen())
            if seen is not None and last[0] is not None:
                seen.append(last[0])
            return last[2] is not None

        self.assertTrue(cfhelp.wait_until(ended, timeout, 0.01),
                        "coreflow did not end in time: %r" % self.screen())
        return last

    def test_progress_is_on_by_default_and_redrawn_below_whole_output_lines(self):
        inputs = [str(i) for i in range(1, 21)]
        self.start_pane(self.coreflow("-j2", self.task("0.15"), ":::", *inputs))
        seen = []
        progress, output, rc = self.watch(seen)
        self.assertEqual(rc, 0)
        self.assertEqual(sorted(output), sorted("output line %s" % i for i in inputs))
        self.assertRegex(progress, r"^coreflow: \[#+\] 20/20 done \(100%\), 0 running, "
                                   r"[0-9.]+/s, elapsed 0:0\d$")
        # On the way: a bar that fills, a rate, an ETA and the memory of the running tasks.
        mid = [p for p in seen if re.search(r" ([1-9]|1[0-9])/20 done", p)]
        self.assertTrue(mid, "no line was caught mid-run: %r" % seen)
        self.assertTrue(any(re.match(r"^coreflow: \[#+\.+\] \d+/20 done \(\d+%\), \d running, "
                                     r"[0-9.]+/s, ETA 0:0\d, mem [0-9.]+ [KMG]iB$", p)
                            for p in mid), mid)
        self.assertNoTasksLeft()

    def test_a_narrow_terminal_gets_a_shorter_line_that_never_wraps(self):
        self.start_pane(self.coreflow("-j2", self.task("0.1"), ":::", *"abcdef"), width=40)
        seen = []
        progress, output, rc = self.watch(seen)
        self.assertEqual(rc, 0)
        self.assertEqual(len(output), 6)
        self.assertRegex(progress, r"^6/6 done \(100%\), elapsed 0:0\d$")
        self.assertTrue(all(len(p) < 40 for p in seen), seen)

    def test_an_unknown_total_shows_a_spinner(self):
        # Inputs keep coming from a pipe until the test has seen the spinner turn.
        feed = "i=0; while [ ! -e enough ]; do i=$((i+1)); echo $i; sleep 0.05; done"
        self.start_pane("%s | %s" % (feed, self.coreflow("-j2", self.task("0.05"))))
        seen = []

        def spinners():
            progress = self.check_screen(self.screen())[0]
            if progress is not None:
                seen.append(progress)
            return {m.group(1) for m in (re.match(r"^coreflow: ([-|/\\]) \d+ done, \d running", p)
                                         for p in seen) if m}

        self.assertTrue(cfhelp.wait_until(lambda: len(spinners()) >= 2, 30, 0.01),
                        "the spinner did not turn: %r" % seen)
        self.write("enough", "")
        progress, output, rc = self.watch(seen)
        self.assertEqual(rc, 0)
        n = len(output)
        self.assertRegex(progress, r"^coreflow: \[#+\] %d/%d done \(100%%\)" % (n, n))
        # A percentage only once the total is known: after the last input came.
        self.assertFalse([p for p in seen if "%" in p and "/%d done" % n not in p], seen)

    def test_no_progress_silences_it_on_a_terminal(self):
        self.start_pane(self.coreflow("--no-progress", "-j2", self.task("0.01"), ":::", "1", "2"))
        progress, output, rc = self.watch()
        self.assertEqual(rc, 0)
        self.assertIsNone(progress)
        self.assertEqual(sorted(output), ["output line 1", "output line 2"])


class LogProgressTest(CoreflowTestCase):
    """With stderr in a file, progress is off unless asked for, and then plain lines."""

    def run_to_file(self, *args):
        """Runs `coreflow run ARGS` with stderr in a file, without the summary at the end;
        returns (rc, stdout, stderr)."""
        with open(self.path("stderr"), "wb") as err:
            r = subprocess.run([cfhelp.BIN, "run", "--no-summary", *args], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=err, cwd=self.tmp,
                               env=cfhelp.base_env(), timeout=60)
        return r.returncode, r.stdout.decode(), self.read("stderr").decode()

    def test_off_by_default(self):
        rc, out, err = self.run_to_file("-j2", "echo output line {}", ":::", "1", "2", "3")
        self.assertEqual(rc, 0)
        self.assertEqual(sorted(out.splitlines()), ["output line %d" % i for i in (1, 2, 3)])
        self.assertEqual([line for line in err.splitlines() if not WARNING.match(line)], [])

    def test_bar_prints_plain_lines(self):
        inputs = [str(i) for i in range(1, 21)]
        rc, out, err = self.run_to_file("--bar", "-j4", "sleep 0.02; echo output line {}; : %s"
                                        % self.marker, ":::", *inputs)
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(out.splitlines()), 20)
        self.assertNotRegex(err, r"[\r\x1b]")
        self.assertTrue(err.endswith("\n"), err)
        lines = [line for line in err.splitlines() if not WARNING.match(line)]
        self.assertTrue(all(PROGRESS.search(line) for line in lines), lines)
        self.assertTrue(all(line.startswith("coreflow: ") for line in lines), lines)
        # A run this short gets its first line and its last.
        self.assertLessEqual(len(lines), 2, lines)
        self.assertRegex(lines[-1], r"^coreflow: 20/20 done \(100%\), 0 running, [0-9.]+/s, "
                                    r"elapsed 0:0\d$")
        self.assertNoLeftovers()

    def test_batches_are_counted_by_input_in_progress_and_summary(self):
        # Nine inputs, three to a command; the command holding 5 fails.
        with open(self.path("stderr"), "wb") as err:
            r = subprocess.run([cfhelp.BIN, "run", "--bar", "-j1", "-N3", "echo {} | grep -qvw 5",
                                ":::", *map(str, range(1, 10))], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=err, cwd=self.tmp,
                               env=cfhelp.base_env(), timeout=60)
        self.assertEqual(r.returncode, 1)
        lines = self.read("stderr").decode().splitlines()
        progress = [line for line in lines if PROGRESS.search(line)]
        self.assertRegex(progress[-1], r"^coreflow: 9/9 done \(100%\), 0 running, 3 failed, ")
        self.assertRegex(lines[len(progress)], r"^coreflow: 9 inputs \(in 3 commands\) in "
                                               r"[0-9.]+ s: 6 ok, 3 failed$")
        self.assertIn("coreflow: failed: inputs 4 5 6 (task 2, exit 1)", lines)

    def test_tasks_stopped_by_ctrl_c_are_interrupted_not_failed(self):
        with open(self.path("stderr"), "wb") as err:
            p = subprocess.Popen([cfhelp.BIN, "run", "--bar", "--no-summary", "-j2", "--joblog",
                                  "log", "sleep {}; : %s" % self.marker, ":::", "0", "30", "31"],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                 cwd=self.tmp, env=cfhelp.base_env({"COREFLOW_CORES": "2"}))
            self.addCleanup(p.kill)
            started = cfhelp.wait_until(
                lambda: os.path.exists(self.path("log")) and
                self.read("log").count(b"\tok\t") == 1 and self.read("log").count(b"#start") == 3)
            self.assertTrue(started, "tasks did not start")
            p.send_signal(signal.SIGINT)
            self.assertEqual(p.wait(timeout=60), 130)
        progress = [line for line in self.read("stderr").decode().splitlines()
                    if PROGRESS.search(line)]
        self.assertRegex(progress[-1], r"^coreflow: 1/3 done \(33%\), 0 running, 2 interrupted, ")
        self.assertNoLeftovers()


if __name__ == "__main__":
    unittest.main()
