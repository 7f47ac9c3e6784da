"""Across a throw-away Slurm cluster of two emulated nodes on this machine
(scripts/slurm-cluster.sh): a job array of shards, one srun step with --shard auto, coreflow-mpi
under srun --mpi=pmi2 (MPICH) and --mpi=pmix (Open MPI), and a node's work killed mid-run then
resumed. Each test also counts, from slurmctld's log, the job steps it made: one per node at
most, never one per task. Skipped, saying why, where the cluster cannot run here (not root, no
Slurm, no namespaces)."""

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import unittest

import cfhelp

SCRIPT = os.path.normpath(os.path.join(cfhelp.HERE, "..", "..", "scripts", "slurm-cluster.sh"))
MPI_BIN = os.environ.get("COREFLOW_MPI_BIN", "")
OPENMPI_BIN = os.environ.get("COREFLOW_MPI_OPENMPI_BIN", "")
INPUTS = [str(i) for i in range(1, 61)]
JOB_TIMEOUT = 240  # seconds for a whole job, on a loaded machine under ASan

# Prints "input node", once both shards of the array run: each holds a node of its own.
ARRAY_TASK = """#!/bin/sh
touch "started.$SLURM_ARRAY_TASK_ID"
i=0
while [ ! -e started.0 ] || [ ! -e started.1 ]; do
  i=$((i + 1)); [ $i -lt 2400 ] || exit 9
  sleep 0.05
done
echo "$1 $(hostname)"
"""

# Each task of a shard takes a ticket (mkdir is atomic): from the sixth on, it waits for the
# file 'release'. The tickets count the tasks each shard started.
BLOCKING_TASK = """#!/bin/sh
d="tickets.$SLURM_ARRAY_TASK_ID"; mkdir -p "$d"
n=1; until mkdir "$d/$n" 2>/dev/null; do n=$((n + 1)); done
echo "$1" > "$d/$n/input"
if [ "$n" -gt 5 ]; then
  while [ ! -e release ]; do sleep 0.05; done
fi
echo "$1"
"""


def slurm_env(conf, extra=None):
    # The tests may themselves run inside a Slurm job: none of its variables leak in.
    env = cfhelp.base_env(extra, drop=[k for k in os.environ if k.startswith("SLURM_")])
    env["SLURM_CONF"] = conf
    return env


class SlurmClusterTest(unittest.TestCase):
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="coreflow-slurm-")
        r = subprocess.run([SCRIPT, "up", cls.root], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=180)
        if r.returncode != 0:
            subprocess.run([SCRIPT, "down", cls.root], capture_output=True, timeout=120)
            shutil.rmtree(cls.root, ignore_errors=True)
            if r.returncode == 3:
                raise unittest.SkipTest(r.stderr.strip())
            raise AssertionError("the Slurm cluster did not come up: %s%s" % (r.stdout, r.stderr))
        cls.conf = os.path.join(cls.root, "slurm.conf")
        cls.log = os.path.join(cls.root, "log", "slurmctld.log")

    @classmethod
    def tearDownClass(cls):
        subprocess.run([SCRIPT, "down", cls.root], capture_output=True, timeout=120)
        shutil.rmtree(cls.root, ignore_errors=True)

    def setUp(self):
        self.work = tempfile.mkdtemp(dir=self.root, prefix="work-")  # seen by both nodes
        self.env = slurm_env(self.conf)
        with open(self.log, "rb") as f:
            self.log_start = len(f.read())

    def tearDown(self):
        # A failed test leaves no job to hold the nodes from the next.
        self.slurm("scancel", "--full", "--signal=KILL", "--partition=debug")
        cfhelp.wait_until(lambda: self.slurm("squeue", "-h").out.strip() == "", JOB_TIMEOUT, 0.1)

    def path(self, name):
        return os.path.join(self.work, name)

    def write(self, name, text, mode=0o755):
        with open(self.path(name), "w") as f:
            f.write(text)
        os.chmod(self.path(name), mode)

    def read(self, name):
        with open(self.path(name)) as f:
            return f.read()

    def slurm(self, *argv, env=None, timeout=JOB_TIMEOUT):
        return cfhelp.run(list(argv), env=env or self.env, cwd=self.work, timeout=timeout)

    def sbatch(self, *args, command):
        r = self.slurm("sbatch", "--parsable", *args, "-e", "err-%a.txt", "--wrap",
                       "exec " + shlex.join(command))
        self.assertEqual(r.returncode, 0, r)
        return r.out.strip().split(";")[0]

    def wait_job(self, job):
        """Waits until no part of the job is pending or running; returns each part's state."""
        gone = cfhelp.wait_until(lambda: self.slurm("squeue", "-h", "-j", job).out.strip() == "",
                                 JOB_TIMEOUT, 0.2)
        self.assertTrue(gone, self.slurm("squeue", "-j", job))
        r = self.slurm("scontrol", "-o", "show", "job", job)
        return re.findall(r"JobState=(\S+)", r.out)

    def steps_per_node(self):
        """{node: job steps laid out on it} from slurmctld's log since the test began."""
        with open(self.log, "rb") as f:
            text = f.read()[self.log_start:].decode("utf-8", "replace")
        count = {}
        for hostlist in re.findall(r"laying out the \d+ tasks on \d+ hosts (\S+)", text):
            names = self.slurm("scontrol", "show", "hostnames", hostlist).out.split()
            for name in names:
                count[name] = count.get(name, 0) + 1
        return count

    def assertEveryInputOnceOverBothNodes(self, lines):
        rows = [line.split() for line in lines if line]
        self.assertEqual(sorted((row[0] for row in rows), key=int), INPUTS)
        self.assertEqual({row[1] for row in rows}, {"n1", "n2"}, "work ran on both nodes")

    def records(self, name):
        _, rows = cfhelp.read_joblog(self.read(name))
        return rows

    def test_a_job_array_of_shards_runs_every_input_once_and_merges(self):
        self.write("task.sh", ARRAY_TASK)
        job = self.sbatch("--array=0-1", "-c", "2", "-o", "out-%a.txt", command=[
            cfhelp.BIN, "run", "--shard", "auto", "--joblog", "run-{shard}.log", "./task.sh",
            ":::", *INPUTS])
        self.assertEqual(self.wait_job(job), ["COMPLETED", "COMPLETED"])
        outputs = [self.read("out-%d.txt" % i).split("\n") for i in (0, 1)]
        self.assertEveryInputOnceOverBothNodes(outputs[0] + outputs[1])
        for lines in outputs:  # a shard runs on one node
            self.assertEqual(len({line.split()[1] for line in lines if line}), 1, lines)
        r = cfhelp.run([cfhelp.BIN, "journal", "merge", "-o", "all.log", "run-1.log",
                        "run-2.log"], env=self.env, cwd=self.work)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(len(self.records("all.log")), len(INPUTS))
        # Off the cluster, the merged journal finishes the run: nothing is left to do.
        r = cfhelp.run([cfhelp.BIN, "run", "--joblog", "all.log", "--resume", "./task.sh",
                        ":::", *INPUTS], env=self.env, cwd=self.work)
        self.assertEqual((r.returncode, r.out), (0, ""), r)
        self.assertEqual(self.steps_per_node(), {}, "a batch job with no srun makes no step")

    def test_one_srun_step_with_shard_auto_spreads_over_the_nodes(self):
        self.write("task.sh", '#!/bin/sh\necho "$1 $(hostname) $SLURM_PROCID"\n')
        r = self.slurm("srun", "-N2", "-n2", cfhelp.BIN, "run", "--shard",
                       "auto", "--joblog", "run-{shard}.log", "./task.sh", ":::", *INPUTS)
        self.assertEqual(r.returncode, 0, r)
        lines = r.out.splitlines()
        self.assertEveryInputOnceOverBothNodes(lines)
        by_rank = {(line.split()[2], line.split()[1]) for line in lines}
        self.assertEqual(len(by_rank), 2, "each srun task is one shard on one node")
        self.assertEqual(len(self.records("run-1.log")) + len(self.records("run-2.log")),
                         len(INPUTS))
        self.assertEqual(self.steps_per_node(), {"n1": 1, "n2": 1})

    def run_mpi_across_the_nodes(self, binary, plugin, extra_env):
        self.write("task.sh", '#!/bin/sh\necho "$1 $(hostname)"\n')
        env = slurm_env(self.conf, {"ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1",
                                    **extra_env})
        r = self.slurm("srun", "-N2", "-n2", "--mpi=" + plugin, binary, "run", "--joblog",
                       "run.log", "./task.sh", ":::", *INPUTS, env=env)
        self.assertEqual(r.returncode, 0, r)
        self.assertEveryInputOnceOverBothNodes(r.out.splitlines())
        self.assertIn("merged the journals of 2 ranks into 'run.log' (60 records)", r.err)
        rows = self.records("run.log")
        self.assertEqual(sorted((row[8].split()[1] for row in rows), key=int), INPUTS)
        self.assertEqual({row[1] for row in rows}, {"n1/0", "n2/1"})
        self.assertEqual(sorted(os.listdir(self.work)), ["run.log", "task.sh"])
        self.assertEqual(self.steps_per_node(), {"n1": 1, "n2": 1})

    @unittest.skipIf(not MPI_BIN, "coreflow-mpi was not built (no MPICH at configure time)")
    def test_coreflow_mpi_under_srun_writes_one_journal_naming_each_node(self):
        self.run_mpi_across_the_nodes(MPI_BIN, "pmi2", {})

    @unittest.skipIf(not OPENMPI_BIN, "coreflow-mpi-openmpi was not built (no Open MPI)")
    def test_coreflow_mpi_built_with_open_mpi_under_srun_pmix(self):
        self.run_mpi_across_the_nodes(OPENMPI_BIN, "pmix", {})

    def test_a_nodes_work_killed_mid_run_resumes_losing_and_repeating_nothing(self):
        self.write("task.sh", BLOCKING_TASK)
        command = [cfhelp.BIN, "run", "--shard", "auto", "--joblog", "run-{shard}.log",
                   "./task.sh", ":::", *INPUTS]
        job = self.sbatch("--array=0-1", "-c", "2", "-o", "out-%a.txt", command=command)

        def tickets(shard):
            try:
                return os.listdir(self.path("tickets.%d" % shard))
            except OSError:
                return []
        # Each shard holds 2 slots: 5 inputs done, then 2 waiting on 'release'.
        started = cfhelp.wait_until(lambda: len(tickets(0)) == 7 and len(tickets(1)) == 7,
                                    JOB_TIMEOUT, 0.1)
        self.assertTrue(started, (tickets(0), tickets(1)))
        # Shard 2's coreflow dies at once (SIGKILL: the OOM killer, a node lost) on its node.
        run = [line for line in self.read("run-2.log").splitlines() if line.startswith("#run")]
        os.kill(json.loads(run[0].split("\t")[1])["pid"], signal.SIGKILL)
        cfhelp.wait_until(lambda: self.slurm("squeue", "-h", "-j", job + "_1").out.strip() == "",
                          JOB_TIMEOUT, 0.1)
        self.assertEqual(len(self.records("run-2.log")), 5, self.read("run-2.log"))
        self.write("release", "", 0o644)
        self.assertEqual(sorted(self.wait_job(job)), ["COMPLETED", "FAILED"])

        # The same array again, with --resume: each shard runs only what it left.
        again = self.sbatch("--array=0-1", "-c", "2", "-o", "again-%a.txt",
                            command=command[:2] + ["--resume"] + command[2:])
        self.assertEqual(self.wait_job(again), ["COMPLETED", "COMPLETED"])
        self.assertEqual(self.read("again-0.txt"), "", "shard 1 had finished")
        done = [self.read("tickets.%d/%s/input" % (shard, t)).strip()
                for shard in (0, 1) for t in tickets(shard)]
        self.assertEqual(sorted(set(done), key=int), INPUTS)
        self.assertEqual(len(done), len(INPUTS) + 2, "only the 2 cut-short inputs ran twice")
        r = cfhelp.run([cfhelp.BIN, "journal", "merge", "-o", "all.log", "run-1.log",
                        "run-2.log"], env=self.env, cwd=self.work)
        self.assertEqual(r.returncode, 0, r)
        rows = self.records("all.log")
        self.assertEqual(sorted((row[8].split()[1] for row in rows), key=int), INPUTS)
        self.assertEqual({row[6] for row in rows}, {"0"})
        self.assertEqual(self.steps_per_node(), {})


if __name__ == "__main__":
    unittest.main()
