"""coreflow-mpi: one run over the ranks of an MPI job (docs/mpi.md), on this machine with
Debian's MPICH, and again with Open MPI. Skipped, saying why, where a binary was not built or
its mpirun is missing."""

import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import unittest

import cfhelp
from cfhelp import CoreflowTestCase


def why_not(binary, mpirun, mpi):
    if not binary:
        return "coreflow-mpi was not built with %s (not found at configure time)" % mpi
    return "no %s on PATH" % mpirun if shutil.which(mpirun) is None else None


# A task's first lines: it waits until a task of every rank in $RANKS has started
# (COREFLOW_RANK is the number of the rank that runs it), so that no rank runs all the work
# alone before the others are up, however loaded the machine.
BARRIER = """#!/bin/sh
rank=$COREFLOW_RANK
touch "started.$rank"
i=0
for r in $RANKS; do
  while [ ! -e "started.$r" ]; do
    i=$((i + 1)); [ $i -lt 3000 ] || exit 9
    sleep 0.02
  done
done
"""


def mpi_env(ranks="0"):
    # MPI's own allocations outlive MPI_Finalize: not coreflow's leaks.
    return cfhelp.base_env({"ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1", "RANKS": ranks})


class MpiTest(CoreflowTestCase):
    """With MPICH: the MPI that coreflow-mpi is built with."""
    BIN = os.environ.get("COREFLOW_MPI_BIN", "")
    MPIRUN = ["mpirun.mpich"]
    ENV = {}
    SKIP = why_not(BIN, "mpirun.mpich", "MPICH")

    def setUp(self):
        if self.SKIP:
            self.skipTest(self.SKIP)
        super().setUp()

    def launch(self, n):
        return [*self.MPIRUN, "-n", str(n), self.BIN, "run"]

    def env(self, ranks="0", extra=None):
        return mpi_env(ranks) | self.ENV | (extra or {})

    def mpi(self, n, *args, timeout=120, ranks="0", extra=None):
        return cfhelp.run([*self.launch(n), *args], env=self.env(ranks, extra), cwd=self.tmp,
                          timeout=timeout)

    def records(self, name):
        _, rows = cfhelp.read_joblog(self.read(name).decode())
        return rows

    def test_every_input_runs_once_across_the_ranks_and_one_journal_remains(self):
        inputs = [str(i) for i in range(1, 401)]
        script = self.write("task.sh", BARRIER + 'echo "$1"\n', 0o755)
        r = self.mpi(3, "--joblog", "run.log", script, ":::", *inputs, ranks="0 1 2")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(sorted(r.out.split(), key=int), inputs)
        self.assertIn("coreflow-mpi: merged the journals of 3 ranks into 'run.log' (400 records)",
                      r.err)
        rows = self.records("run.log")
        self.assertEqual(sorted((row[8].split()[1] for row in rows), key=int), inputs)
        hosts = {row[1] for row in rows}
        self.assertTrue(all(re.fullmatch(r".+/[0-2]", h) for h in hosts), hosts)
        self.assertEqual(len(hosts), 3, "every rank ran tasks")
        self.assertEqual([n for n in os.listdir(self.tmp) if n.startswith("run.log")],
                         ["run.log"], "no rank journal is left")
        r = cfhelp.run([cfhelp.BIN, "report", "run.log", "--json", "r.json"], cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r)
        self.assertRegex(r.out, r"\ncoreflow: on 3 ranks: .+/\d \d+ tasks, .+/\d \d+, .+/\d \d+\n")
        with open(self.path("r.json")) as f:
            report = json.load(f)
        self.assertEqual({h["host"] for h in report["hosts"]}, hosts)
        self.assertEqual(sum(h["tasks"] for h in report["hosts"]), 400)
        os.unlink(self.path("r.json"))
        # A resume with another number of ranks runs nothing again.
        r = self.mpi(2, "--joblog", "run.log", "--resume", script, ":::", *inputs)
        self.assertEqual((r.returncode, r.out), (0, ""), r)
        self.assertEqual(len(self.records("run.log")), 400)

    def test_each_tasks_output_comes_out_whole_through_rank_0(self):
        # 200 KB a task: far more than a launcher forwards at once, so that the ranks' own
        # streams, merged by mpirun, would cut tasks' outputs into interleaved pieces.
        script = self.write("task.sh", BARRIER + 'i=0\nline=$(printf "%099d" 0 | tr 0 "$1")\n'
                            'yes "$line" | head -n 2000\necho "$1 done" >&2\n', 0o755)
        letters = list("abcdefgh")
        r = self.mpi(2, "--no-summary", script, ":::", *letters, ranks="0 1")
        self.assertEqual(r.returncode, 0, r)
        runs = [(k, len(list(g))) for k, g in itertools.groupby(
            line[0] for line in r.out.splitlines())]
        self.assertEqual(sorted(runs), [(c, 2000) for c in letters], runs)
        self.assertEqual(sorted(line for line in r.err.splitlines() if line.endswith(" done")),
                         ["%s done" % c for c in letters])

    def test_keep_order_prints_in_input_order_across_the_ranks(self):
        # Input 1's task ends only after input 40's has (on whichever ranks they run), and
        # every rank's tasks end in their own time: -k still prints 1, 2, ... in input order.
        script = self.write("task.sh", BARRIER + 'case " $* " in *" 1 "*)\n'
                            '  while [ ! -e late ]; do sleep 0.01; done;;\nesac\n'
                            'for v in "$@"; do echo "$v"; done\n'
                            'case " $* " in *" 40 "*) touch late;; esac\n', 0o755)
        inputs = [str(i) for i in range(1, 121)]
        for batch in ([], ["-N3"]):
            with self.subTest(batch=batch):
                for name in os.listdir(self.tmp):
                    if name.startswith("started.") or name == "late":
                        os.unlink(self.path(name))
                r = self.mpi(3, "-k", *batch, "--joblog", "run.log", script, ":::", *inputs,
                             ranks="0 1 2")
                self.assertEqual(r.returncode, 0, r)
                self.assertEqual(r.out.split(), inputs)
                hosts = {row[1] for row in self.records("run.log")}
                self.assertEqual(len(hosts), 3, "every rank ran tasks")

    def test_a_killed_job_resumes_losing_nothing_and_repeating_nothing_done(self):
        # Each rank's tasks take tickets (mkdir is atomic); from its sixth on, a task blocks.
        script = self.write("work.sh", BARRIER + 'echo "$1" >> done.txt\n'
                            'd="tickets.$rank"; mkdir -p "$d"; n=1\n'
                            'until mkdir "$d/$n" 2>/dev/null; do n=$((n + 1)); done\n'
                            '[ "$n" -gt 5 ] && exec sleep %s\nexit 0\n' % self.marker, 0o755)
        inputs = [str(i) for i in range(1, 61)]
        proc = subprocess.Popen([*self.launch(2), "-j", "2", "--joblog", "run.log",
                                 "--no-summary", script, ":::", *inputs],
                                cwd=self.tmp, env=self.env("0 1"), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        self.addCleanup(lambda: proc.poll() is None and os.killpg(proc.pid, signal.SIGKILL))

        def done():
            try:
                return self.read("done.txt").decode().split()
            except OSError:
                return []
        def tickets(rank):
            try:
                return len(os.listdir(self.path("tickets.%d" % rank)))
            except OSError:
                return 0
        # Kill the whole job once every slot of both ranks holds a blocked task.
        self.assertTrue(cfhelp.wait_until(lambda: tickets(0) == 7 and tickets(1) == 7, 60),
                        (tickets(0), tickets(1), done()))
        # The whole job at once, as a scheduler ends it: Open MPI's ranks are in process
        # groups of their own, so each rank (its command line names the script) is killed too.
        os.killpg(proc.pid, signal.SIGKILL)
        ranks = [pid for pid, cmd in cfhelp.processes_with(script) if self.BIN in cmd]
        for pid in ranks:
            os.kill(pid, signal.SIGKILL)
        proc.wait()
        self.assertTrue(cfhelp.wait_until(lambda: not any(
            os.path.exists("/proc/%d" % pid) and cfhelp.cmdline(pid) for pid in ranks), 30))
        cfhelp.kill_processes_with(self.marker)
        ranks = sorted(n for n in os.listdir(self.tmp) if n.startswith("run.log.rank-"))
        self.assertEqual(ranks, ["run.log.rank-0", "run.log.rank-1"], "nothing was merged")
        finished = set()
        for name in ranks:
            finished |= {row[8].split()[1] for row in self.records(name) if row[15] == "ok"}
        before = len(done())
        self.write("work.sh", "#!/bin/sh\necho \"$1\" >> done.txt\n", 0o755)
        r = self.mpi(3, "--joblog", "run.log", "--resume", "--no-summary", script, ":::", *inputs)
        self.assertEqual(r.returncode, 0, r)
        again = self.read("done.txt").decode().split()[before:]
        self.assertFalse(finished & set(again), "tasks recorded done ran again")
        self.assertEqual(sorted(set(done()), key=int), inputs, "every input ran")
        ok = [row for row in self.records("run.log") if row[15] == "ok"]
        self.assertEqual(sorted((row[8].split()[1] for row in ok), key=int), inputs,
                         "the merged journal holds each input done once")

    def test_a_task_that_is_an_mpi_program_runs_alone_and_is_told_its_rank(self):
        # Were the launcher's variables and descriptors passed on, the inner one would join
        # the outer job's PMI connection and break the rank that ran it.
        script = self.write("task.sh", '#!/bin/sh\n'
                            'echo "$1 rank=$COREFLOW_RANK/$COREFLOW_RANKS launcher=$(env | '
                            'grep -c -E \'^(PMI_|PMIX_|HYDI_|OMPI_COMM_WORLD_)\')"\n'
                            'exec "$MPI" run --no-summary echo inner ::: "$1"\n', 0o755)
        r = self.mpi(2, "--no-summary", script, ":::", "a", "b", "c", "d",
                     extra={"MPI": self.BIN})
        self.assertEqual(r.returncode, 0, r)
        lines = sorted(r.out.splitlines())
        self.assertEqual(lines[4:], ["inner a", "inner b", "inner c", "inner d"], r)
        self.assertEqual([line.split()[0] for line in lines[:4]], ["a", "b", "c", "d"])
        for line in lines[:4]:
            self.assertRegex(line, r"^\w rank=[01]/2 launcher=0$")

    def test_what_the_ranks_cannot_do_is_said_once(self):
        for args, words in ((["-k", "--line-buffer"], "-k with --line-buffer"),
                            (["--shard", "1/2"], "--shard"),
                            # mpiexec takes a lone ':' for its own separator of programs.
                            (["--header=:"], "--header")):
            r = self.mpi(2, *args, "echo", ":::", "a")
            self.assertEqual(r.returncode, 255, r)
            self.assertEqual(r.err.count("coreflow: error: "), 1, r)
            self.assertIn(words, r.err)
        r = self.mpi(2, "--bogus", "echo", ":::", "a")
        self.assertEqual((r.returncode, r.err.count("unknown option '--bogus'")), (255, 1), r)

    def test_a_rank_that_alone_cannot_start_says_why_and_nothing_hangs(self):
        # Two programs in one job (MPMD): rank 1's command line is wrong, rank 0's is not.
        r = cfhelp.run([*self.MPIRUN, "-n", "1", self.BIN, "run", "touch", "{}", ":::", "a",
                        ":", "-n", "1", self.BIN, "run", "--bogus", "touch", "{}", ":::", "a"],
                       env=self.env(), cwd=self.tmp, timeout=120)
        self.assertEqual(r.returncode, 255, r)
        self.assertRegex(r.err, r"coreflow-mpi: rank 1 on \S+: coreflow: error: unknown option "
                                r"'--bogus'")
        self.assertIn("another rank could not start its run (see its message); nothing ran",
                      r.err)
        self.assertEqual(os.listdir(self.tmp), [], "nothing ran")

    def test_a_read_error_on_rank_0_ends_every_rank(self):
        self.write("items.txt", "a\nb\n")
        r = self.mpi(2, "echo", "::::", "missing.txt")
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("missing.txt", r.err)


class OpenMpiTest(MpiTest):
    """The same program built with Open MPI (coreflow-mpi-openmpi), under its own mpirun."""
    BIN = os.environ.get("COREFLOW_MPI_OPENMPI_BIN", "")
    # Root in CI, and more ranks than the machine's 2 cores.
    MPIRUN = ["mpirun.openmpi", "--oversubscribe"]
    ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    SKIP = why_not(BIN, "mpirun.openmpi", "Open MPI")


class WrongLauncherTest(CoreflowTestCase):
    def test_another_mpis_mpirun_is_refused_before_anything_runs(self):
        binary = MpiTest.BIN
        if MpiTest.SKIP or shutil.which("mpirun.openmpi") is None:
            self.skipTest(MpiTest.SKIP or "no mpirun.openmpi on PATH")
        r = cfhelp.run(["mpirun.openmpi", "--oversubscribe", "-n", "2", binary, "run",
                        "--joblog", "run.log", "touch", "{}", ":::", "a", "b"],
                       env=mpi_env() | OpenMpiTest.ENV, cwd=self.tmp)
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("coreflow-mpi: error: Open MPI's mpirun started 2 processes", r.err)
        self.assertEqual(os.listdir(self.tmp), [], "nothing ran, no journal")


if __name__ == "__main__":
    unittest.main()
