"""The summary at the end of a run, --report, --html and `coreflow report JOURNAL`."""

import json
import os
import shutil
import signal
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
        self.assertEqual(len(lines), 4, r.err)
        self.assertRegex(lines[0], r"^coreflow: 12 tasks in [0-9.]+ s: 10 ok, 2 failed; "
                                   r"3 attempts retried$")
        self.assertRegex(lines[1], r"^coreflow: [0-9.]+x faster than one at a time, CPUs "
                                   r"[0-9]+% busy; runtime p50 ")
        self.assertEqual(lines[2], "coreflow: failed: task 5 (exit 3), task 10 (exit 3)")
        self.assertEqual(lines[3], "coreflow: ran with -j 2 (-j), -t 1 (2 cores / 2 slots)")
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
        self.assertEqual(summary_lines(report.out)[2], summary_lines(r.err)[2])
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
