"""The summary at the end of a run, --report, --html and `coreflow report JOURNAL`."""

import datetime
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import unittest

import cfhelp
from cfhelp import CoreflowTestCase

CHROMIUM = shutil.which("chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking"]

# Twelve tasks on two slots: two fail (exit 3), one is retried once and then succeeds.
TASK = "sleep 0.1; [ {} != 5 ] && [ {} != 10 ] || exit 3; [ {} != 7 ] || [ -e seen ] || { touch seen; exit 1; }"
ITEMS = [str(i) for i in range(1, 13)]
ENV = {"COREFLOW_CORES": "2"}

# Fails for inputs that start with "bad": four lines and a long one on stderr, then exit 3;
# "huge" writes half a megabyte of stderr first. Once the file "fixed" exists, every input works.
FAILING = r"""
import os, sys
v = sys.argv[1]
if v.startswith("bad") and not os.path.exists("fixed"):
    for i in range(1, 5):
        print("error line %d for %s" % (i, v), file=sys.stderr)
    print("\x1b[31m" + "y" * 300 + "\x1b[0m", file=sys.stderr)
    sys.exit(3)
if v == "huge" and not os.path.exists("fixed"):
    sys.stderr.write("noise\n" * 90000 + "the last words\n")
    sys.exit(4)
print("ok", v)
"""

# A warm worker that takes START_SECONDS to get ready, then 0.2 s per task.
SLOW_START_WORKER = r"""
import os, time
import coreflow_worker
time.sleep(float(os.environ["START_SECONDS"]))
def work(task):
    time.sleep(0.2)
    return 0
coreflow_worker.serve(work)
"""
HELPER_DIR = os.path.join(cfhelp.HERE, "..", "..", "contrib", "python")


def summary_lines(text):
    return [line for line in text.splitlines() if line.startswith("coreflow: ")]


class ReportTest(CoreflowTestCase):
    def run_twelve(self, *extra):
        return self.cf("-j2", "--retries", "2", "--joblog", "log", *extra, TASK, ":::", *ITEMS,
                       env=cfhelp.base_env(ENV))

    def test_every_run_ends_with_a_summary(self):
        r = self.run_twelve()
        self.assertEqual(r.returncode, 2, r)
        lines = summary_lines(r.err)
        self.assertEqual(len(lines), 6, r.err)
        self.assertRegex(lines[0], r"^coreflow: 12 tasks in [0-9.]+ s: 10 ok, 2 failed; "
                                   r"3 attempts retried$")
        self.assertRegex(lines[1], r"^coreflow: [0-9.]+x faster than one at a time, CPUs "
                                   r"[0-9]+% busy; runtime p50 ")
        self.assertEqual(lines[2:4], ["coreflow: failed: input 5 (task 5, exit 3)",
                                      "coreflow: failed: input 10 (task 10, exit 3)"])
        self.assertEqual(lines[4], "coreflow: ran with -j 2 (-j), -t 1 (2 cores / 2 slots)")
        self.assertEqual(lines[5], "coreflow: to run the failed and unfinished tasks: " +
                         shlex.join([cfhelp.BIN, "run", "--resume-failed", "-j2", "--retries", "2",
                                     "--joblog", "log", TASK, ":::", *ITEMS]))
        r = self.run_twelve("--no-summary")
        self.assertEqual(r.stderr, b"")

    def test_json_report(self):
        r = self.run_twelve("--report", "report.json")
        self.assertEqual(r.returncode, 2, r)
        rep = json.loads(self.read("report.json"))
        self.assertEqual(rep["coreflow_report"], 1)
        self.assertTrue(rep["complete"])
        self.assertEqual(rep["exit_status"], 2)
        c = rep["counts"]
        self.assertEqual((c["tasks"], c["succeeded"], c["failed"], c["attempts"], c["retried"]),
                         (12, 10, 2, 15, 3))
        self.assertEqual(c["by_outcome"], {"ok": 10, "failed": 2})
        t = rep["time"]
        self.assertGreater(t["speedup"], 1.2)  # two slots of sleeping tasks
        self.assertGreaterEqual(t["task_wall_s"], 1.3)
        self.assertAlmostEqual(t["cpu_available_s"], 2 * t["makespan_s"], places=3)
        for dist in ("runtime_s", "peak_rss_kib"):
            d = rep[dist]
            self.assertEqual(d["count"], 12)
            self.assertTrue(d["p50"] <= d["p90"] <= d["p99"] <= d["max"], d)
        self.assertGreaterEqual(rep["runtime_s"]["p50"], 0.1)
        self.assertEqual([f["seq"] for f in rep["failures"]], [5, 10])
        self.assertEqual(rep["failures"][0]["exit_code"], 3)
        self.assertIn("sleep 0.1; [ 5 != 5 ]", rep["failures"][0]["command"])
        self.assertEqual(len(rep["slowest"]), 10)
        cfg = rep["configuration"]
        self.assertEqual(cfg["slots"], {"value": 2, "source": "-j"})
        self.assertEqual(cfg["threads_per_task"]["value"], 1)
        self.assertEqual(cfg["inputs_per_invocation"], {"value": 1, "source": "default"})
        self.assertEqual(cfg["usable_cpus"]["value"], 2)
        self.assertEqual(rep["command_template"], TASK)

    def test_report_from_the_journal_matches_the_run(self):
        r = self.run_twelve("--report", "live.json")
        report = cfhelp.run([cfhelp.BIN, "report", "log", "--json", "again.json"], cwd=self.tmp)
        self.assertEqual(report.returncode, 0, report)
        self.assertEqual(summary_lines(report.out)[0], summary_lines(r.err)[0].replace(
            summary_lines(r.err)[0].split(" in ")[1].split(":")[0],
            summary_lines(report.out)[0].split(" in ")[1].split(":")[0]))
        # A journal keeps no inputs: the failures are named by their command.
        self.assertEqual(summary_lines(report.out)[2],
                         "coreflow: failed: task 5 (exit 3): sleep 0.1; [ 5 != 5 ] && [ 5 != 10 ] "
                         "|| exit 3; [ 5 != 7 ...")
        self.assertEqual(summary_lines(report.out)[-1], summary_lines(r.err)[-1])  # the hint
        live, again = json.loads(self.read("live.json")), json.loads(self.read("again.json"))
        live["counts"].pop("total")
        self.assertEqual(live["counts"], again["counts"])
        self.assertEqual(live["configuration"], again["configuration"])
        self.assertEqual([f["seq"] for f in again["failures"]], [5, 10])

    def test_report_of_a_run_that_was_killed(self):
        p = self.start("-j2", "--joblog", "log", "sleep {}; : " + self.marker,
                       ":::", "0", "0.01", "30", "31", env=cfhelp.base_env(ENV))
        ok = cfhelp.wait_until(
            lambda: os.path.exists(self.path("log")) and
            self.read("log").count(b"\tok\t") == 2 and self.read("log").count(b"#start") == 4)
        self.assertTrue(ok, "tasks did not start")
        p.send_signal(signal.SIGKILL)
        p.wait()
        cfhelp.kill_processes_with(self.marker)
        r = cfhelp.run([cfhelp.BIN, "report", "log", "--json", "r.json"], cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r)
        self.assertRegex(r.out, r"^coreflow: 2 tasks in [0-9.]+ s: 2 ok; 2 cut short "
                                r"\(the run did not finish\)\n")
        rep = json.loads(self.read("r.json"))
        self.assertFalse(rep["complete"])
        self.assertIsNone(rep["exit_status"])
        self.assertEqual(rep["counts"]["cut_short"], 2)

    def run_failing(self, *extra, inputs=("a", "bad one", "c")):
        self.write("fail.py", FAILING)
        return self.cf("-j2", *extra, cfhelp.PY, "fail.py", "{}", ":::", *inputs,
                       env=cfhelp.base_env(ENV))

    def test_failures_are_named_by_input_with_the_end_of_their_stderr(self):
        r = self.run_failing("--joblog", "log", "--report", "r.json", "--html", "r.html",
                             inputs=("a", "bad one", "huge", "c"))
        self.assertEqual(r.returncode, 2, r)
        lines = summary_lines(r.err)
        at = lines.index("coreflow: failed: input 'bad one' (task 2, exit 3)")
        self.assertEqual(lines[at + 1:at + 4], [
            "coreflow:   | error line 3 for bad one",
            "coreflow:   | error line 4 for bad one",
            "coreflow:   | " + "y" * 97 + "..."])  # escape sequences gone, cut to 100
        # Half a megabyte went to a spill file: its last lines are there all the same.
        at = lines.index("coreflow: failed: input huge (task 3, exit 4)")
        self.assertEqual(lines[at + 1:at + 4], ["coreflow:   | noise", "coreflow:   | noise",
                                                "coreflow:   | the last words"])
        rep = json.loads(self.read("r.json"))
        failures = {f["input"]: f for f in rep["failures"]}
        self.assertEqual(sorted(failures), ["'bad one'", "huge"])
        self.assertTrue(failures["huge"]["stderr_tail"].endswith("noise\nthe last words\n"))
        self.assertLessEqual(len(failures["huge"]["stderr_tail"]), 1024)
        self.assertIn("error line 4 for bad one", failures["'bad one'"]["stderr_tail"])
        page = self.read("r.html").decode()
        self.assertRegex(page, r'<pre class="stderr">[^<]*error line 4 for bad one')
        self.assertIn("<code>&#39;bad one&#39;</code>", page)  # the input column

    def test_the_resume_command_runs_the_failed_tasks_again(self):
        r = self.run_failing("--joblog", "log", "-k")
        self.assertEqual(r.returncode, 1, r)
        hint = [line for line in summary_lines(r.err) if "--resume-failed" in line]
        self.assertEqual(len(hint), 1, r.err)
        prefix = "coreflow: to run the failed and unfinished tasks: "
        self.assertTrue(hint[0].startswith(prefix), hint)
        argv = shlex.split(hint[0][len(prefix):])
        self.assertEqual(argv, [cfhelp.BIN, "run", "--resume-failed", "-j2", "--joblog", "log",
                                "-k", cfhelp.PY, "fail.py", "{}", ":::", "a", "bad one", "c"])
        self.write("fixed", "")
        again = cfhelp.run(argv, cwd=self.tmp, env=cfhelp.base_env(ENV))
        self.assertEqual(again.returncode, 0, again)
        self.assertEqual(again.out, "ok bad one\n")  # only the failed task ran again
        self.assertNotIn("--resume-failed", again.err)  # nothing is left to do

    def test_without_a_joblog_the_summary_says_to_add_one(self):
        r = self.run_failing()
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(summary_lines(r.err)[-1],
                         "coreflow: add --joblog FILE next time: then the same command with "
                         "--resume-failed runs only the failed and unfinished tasks")
        ok = self.run_failing(inputs=("a", "b"))
        self.assertNotIn("--joblog", ok.err)  # nothing to resume after a run that did it all

    def test_ctrl_c_counts_stopped_tasks_as_interrupted_not_failed(self):
        p = self.start("-j2", "--joblog", "log", "--report", "r.json", "sleep {}; : " + self.marker,
                       ":::", "0", "0.01", "30", "31", "32", env=cfhelp.base_env(ENV))
        ok = cfhelp.wait_until(
            lambda: os.path.exists(self.path("log")) and
            self.read("log").count(b"\tok\t") == 2 and self.read("log").count(b"#start") == 4)
        self.assertTrue(ok, "tasks did not start")
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 130)
        lines = summary_lines(err.decode())
        self.assertIn("coreflow: Interrupt: terminating 2 running tasks", lines[0])
        self.assertRegex(lines[1], r"^coreflow: 4 tasks in [0-9.]+ s: 2 ok, 2 interrupted; "
                                   r"1 not run$")
        self.assertFalse([line for line in lines if "failed:" in line], lines)
        self.assertTrue(lines[-1].startswith("coreflow: to run the failed and unfinished tasks: "),
                        lines)
        c = json.loads(self.read("r.json"))["counts"]
        self.assertEqual((c["succeeded"], c["failed"], c["interrupted"]), (2, 0, 2))
        self.assertEqual(json.loads(self.read("r.json"))["failures"], [])
        again = cfhelp.run([cfhelp.BIN, "report", "log"], cwd=self.tmp)
        self.assertRegex(again.out, r"^coreflow: 4 tasks in [0-9.]+ s: 2 ok, 2 interrupted\n")
        self.assertNoLeftovers()

    def test_warm_worker_start_up_is_counted_apart_from_the_speed_up(self):
        self.write("w.py", SLOW_START_WORKER)
        env = cfhelp.base_env(dict(ENV, START_SECONDS="1.0",
                                   PYTHONPATH=os.path.abspath(HELPER_DIR)))
        r = self.cf("-j2", "--worker", "%s w.py %s" % (cfhelp.PY, self.marker), "--report",
                    "r.json", "{}", ":::", *map(str, range(8)), env=env)
        self.assertEqual(r.returncode, 0, r)
        m = re.search(r"^coreflow: ([0-9.]+)x faster than one at a time after ([0-9.]+) s of "
                      r"worker start-up, CPUs", r.err, re.M)
        self.assertTrue(m, r.err)
        self.assertGreaterEqual(float(m.group(2)), 0.95)
        # Eight tasks of 0.2 s on two slots: about twice as fast, once the workers are up.
        self.assertGreater(float(m.group(1)), 1.3)
        t = json.loads(self.read("r.json"))["time"]
        self.assertGreaterEqual(t["startup_s"], 0.95)
        self.assertGreater(t["speedup_after_startup"], t["speedup"])

    def test_counts_of_one_read_right(self):
        env = cfhelp.base_env({"COREFLOW_CORES": "1"})
        r = self.cf("true", ":::", "x", env=env)
        self.assertEqual(r.returncode, 0, r)
        lines = summary_lines(r.err)
        self.assertRegex(lines[0], r"^coreflow: 1 task in [0-9.]+ s: 1 ok$")
        self.assertEqual(lines[-1], "coreflow: ran with -j 1 (1 usable core (COREFLOW_CORES)), "
                                    "-t 1 (1 core / 1 slot)")
        r = self.cf("-t", "2", "-j", "+0", "true", ":::", "x", env=env)
        self.assertIn("coreflow: warning: 1 slot x 2 threads per task = 2 threads on 1 usable "
                      "core (limited by COREFLOW_CORES)", r.err)

    def test_reports_say_when_where_and_how_the_run_was_started(self):
        r = self.run_twelve("--report", "report.json", "--html", "run.html")
        self.assertEqual(r.returncode, 2, r)
        rep = json.loads(self.read("report.json"))
        argv = [cfhelp.BIN, "run", "-j2", "--retries", "2", "--joblog", "log", "--report",
                "report.json", "--html", "run.html", TASK, ":::", *ITEMS]
        self.assertEqual(rep["argv"], argv)
        self.assertEqual(shlex.split(rep["command_line"]), argv)
        self.assertEqual(rep["options"], {"--jobs": "2", "--retries": "2", "--joblog": "log",
                                          "--report": "report.json", "--html": "run.html"})
        self.assertEqual(rep["host"], socket.gethostname())
        started = datetime.datetime.fromisoformat(rep["started_at"])
        age = datetime.datetime.now(datetime.timezone.utc) - started
        self.assertLess(abs(age.total_seconds()), 600)
        self.assertEqual([(f["seq"], f["input"]) for f in rep["failures"]], [(5, "5"), (10, "10")])
        self.assertIn("--resume-failed", rep["resume_command"])
        page = self.read("run.html").decode()
        self.assertIn("<dt>Host</dt><dd>%s</dd>" % socket.gethostname(), page)
        self.assertIn("<dt>Started</dt><dd>%s</dd>" % rep["started_at"], page)
        self.assertIn("--report report.json --html run.html", page)
        # The journal keeps all of it for `coreflow report`.
        again = cfhelp.run([cfhelp.BIN, "report", "log", "--json", "again.json"], cwd=self.tmp)
        self.assertEqual(again.returncode, 0, again)
        back = json.loads(self.read("again.json"))
        for key in ("argv", "options", "host", "started_at", "resume_command"):
            self.assertEqual(back[key], rep[key], key)

    def test_bad_report_paths_are_usage_errors(self):
        for flag in ("--report", "--html"):
            r = self.cf(flag, "no/such/dir/r.out", "touch", "ran", ":::", "a")
            self.assertUsageError(r)
            self.assertIn(flag, r.err)
            self.assertFalse(os.path.exists(self.path("ran")))
        r = cfhelp.run([cfhelp.BIN, "report", "missing.log"], cwd=self.tmp)
        self.assertEqual(r.returncode, 255)
        self.assertIn("missing.log", r.err)
        self.write("gnu.log", "Seq\tHost\tStarttime\n")
        r = cfhelp.run([cfhelp.BIN, "report", "gnu.log"], cwd=self.tmp)
        self.assertEqual(r.returncode, 255)
        self.assertIn("not a coreflow journal", r.err)

    @unittest.skipUnless(CHROMIUM, "chromium is not installed (scripts/install-deps.sh)")
    def test_html_page_renders_in_a_browser(self):
        r = self.run_twelve("--html", "run.html")
        self.assertEqual(r.returncode, 2, r)
        page = self.read("run.html").decode()
        self.assertNotRegex(page, r"(src|href)\s*=\s*[\"']?https?:", "the page must be offline")
        rr = cfhelp.run([cfhelp.BIN, "report", "log", "--html", "journal.html"], cwd=self.tmp)
        self.assertEqual(rr.returncode, 0, rr)
        for name in ("run.html", "journal.html"):
            url = "file://" + self.path(name)
            dom = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, "--dump-dom", url],
                                 capture_output=True, timeout=120).stdout.decode()
            self.assertIn('data-ready="1"', dom, name)
            self.assertIn('data-tasks="15"', dom, name)  # every attempt has its bar
            self.assertRegex(dom, r'id="attempt-count"[^>]*>15<', name)
            self.assertNotRegex(dom, r'id="script-error"[^>]*>[^<]', name)
        shot = self.path("shot.png")
        subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, "--hide-scrollbars", "--window-size=1200,900",
                        "--screenshot=" + shot, "file://" + self.path("run.html")],
                       capture_output=True, timeout=120)
        with open(shot, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        self.assertGreater(os.path.getsize(shot), 10000)  # something was drawn

    @unittest.skipUnless(CHROMIUM, "chromium is not installed (scripts/install-deps.sh)")
    def test_a_page_of_100000_attempts_is_drawn(self):
        # A journal of 100,000 attempts on 16 slots, written here rather than run.
        cols = "Seq Host Starttime JobRuntime Send Receive Exitval Signal Command Key Attempt " \
               "UserCPU SysCPU MaxRSSKiB Slot Outcome Final"
        lines = ["#coreflow-journal\t1\t00000000000000aa\t./score {}", "\t".join(cols.split())]
        clock = [1.7e9] * 16
        for i in range(1, 100001):
            slot, runtime = i % 16, 0.5 + (i * 7919 % 1000) / 400
            ok = i % 97 != 0
            lines.append("\t".join(str(v) for v in (
                i, ":", "%.3f" % clock[slot], "%.3f" % runtime, 0, 0, 0 if ok else 1, 0,
                "./score sample_%06d.fastq" % i, "%016x" % i, 1, "%.3f" % (runtime * 0.9),
                "0.010", 100000 + i % 5000, slot + 1, "ok" if ok else "failed", 1)))
            clock[slot] += runtime + 0.001
        lines.append("#end\t1")
        self.write("big.log", "\n".join(lines) + "\n")
        r = cfhelp.run([cfhelp.BIN, "report", "big.log", "--html", "big.html"], cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("coreflow: 100000 tasks in", r.out)
        dom = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, "--dump-dom",
                              "file://" + self.path("big.html")],
                             capture_output=True, timeout=120).stdout.decode()
        self.assertIn('data-ready="1"', dom)
        self.assertIn('data-tasks="100000"', dom)
        self.assertNotRegex(dom, r'id="script-error"[^>]*>[^<]')


if __name__ == "__main__":
    unittest.main()
