"""`coreflow hw`: what this allocation really has, as text and as JSON (docs/hw.md)."""

import hashlib
import json
import os
import re
import shutil
import unittest

import cfhelp
from cfhelp import CoreflowTestCase

GiB = 1 << 30
MiB = 1 << 20
SLURM = ["SLURM_CPUS_ON_NODE", "SLURM_MEM_PER_NODE", "SLURM_MEM_PER_CPU", "CUDA_VISIBLE_DEVICES",
         "SLURM_JOB_ID", "SLURM_JOBID", "SLURM_JOB_NODELIST", "SLURM_NODELIST", "SLURMD_NODENAME",
         "SLURM_JOB_CPUS_PER_NODE", "SLURM_GPUS_PER_NODE", "SLURM_GPUS_ON_NODE"]
AFFINITY = sorted(os.sched_getaffinity(0))

# /proc/meminfo of a 64 GiB machine with 32 GiB available.
MEMINFO = "MemTotal:       67108864 kB\nMemFree:        1000 kB\nMemAvailable:   33554432 kB\n"

NVIDIA_SMI = """#!/bin/sh
[ "$1" = -L ] || exit 3
echo 'GPU 0: NVIDIA H200 (UUID: GPU-00000000-1111-2222-3333-444444444444)'
echo 'GPU 1: NVIDIA H200 (UUID: GPU-55555555-6666-7777-8888-999999999999)'
"""


def usable_line(text):
    return next(line for line in text.splitlines() if line.strip().startswith("usable cores"))


class HwTest(CoreflowTestCase):
    def hw(self, *args, env=None, prefix=()):
        r = cfhelp.run([*prefix, cfhelp.BIN, "hw", *args],
                       env=cfhelp.base_env(env, drop=SLURM), cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r)
        return r

    def hw_json(self, env=None, prefix=()):
        return json.loads(self.hw("--json", env=env, prefix=prefix).out)

    def fake_root(self, files):
        root = self.path("root")
        for name, text in files.items():
            path = os.path.join(root, name.lstrip("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        return root

    def test_text_shows_the_usable_pus(self):
        r = self.hw()
        self.assertRegex(r.out, r"\n  usable PUs +%d \(CPU affinity: [0-9,-]+\)\n" % len(AFFINITY))
        self.assertRegex(usable_line(r.out), r"usable cores +\d+ \(limited by .+\)$")
        self.assertRegex(r.out, r"\nsignature +[0-9a-f]{64}\n")
        self.assertTrue(r.out.startswith("CPU\n"), r)
        for heading in ("\nMemory\n", "\nTopology (", "\nGPUs ", "\nBLAS "):
            self.assertIn(heading, r.out)
        self.assertEqual(r.err, "")

    def test_json_agrees_with_sched_getaffinity(self):
        j = self.hw_json()
        self.assertEqual(j["coreflow_hw"], 1)
        cpu, topo = j["cpu"], j["topology"]
        self.assertEqual(cpu["affinity_pus"], len(AFFINITY))
        self.assertEqual(cpu["affinity_cpus"], AFFINITY)
        self.assertEqual(topo["pus"], len(AFFINITY))
        self.assertEqual(sorted(p["os_index"] for p in topo["pu_list"]), AFFINITY)
        self.assertGreaterEqual(cpu["usable_cores"], 1)
        self.assertLessEqual(cpu["usable_cores"], len(AFFINITY))
        self.assertTrue(1 <= topo["cores"] <= topo["pus"], topo)
        self.assertEqual(cpu["physical_cores"], topo["cores"])
        keys = [(p["numa"], p["l3"], p["core"], p["os_index"]) for p in topo["pu_list"]]
        self.assertEqual(keys, sorted(keys))
        self.assertEqual(len({p["core"] for p in topo["pu_list"]}), topo["cores"])
        self.assertGreater(j["memory"]["usable_bytes"], 0)
        sig = j["signature"]
        self.assertEqual(hashlib.sha256(sig["text"].encode()).hexdigest(), sig["hash"])
        self.assertIn("usable_cores=%d\n" % cpu["usable_cores"], sig["text"])
        # Only these keys, so no hostname: identical nodes share their tuning.
        keys = [line.split("=")[0] for line in sig["text"].splitlines()[1:]]
        self.assertEqual(keys[:7], ["cpu_model", "cpu_flags", "packages", "numa_nodes",
                                    "l3_groups", "cores", "pus"])
        self.assertTrue(all(k.startswith("cache_l") for k in keys[7:-2]), keys)
        self.assertEqual(keys[-2:], ["usable_cores", "memory_bytes"])

    @unittest.skipUnless(shutil.which("taskset"), "no taskset")
    def test_taskset_one_cpu(self):
        j = self.hw_json(prefix=["taskset", "-c", str(AFFINITY[-1])])
        self.assertEqual(j["cpu"]["affinity_pus"], 1)
        self.assertEqual(j["cpu"]["affinity_cpus"], [AFFINITY[-1]])
        self.assertEqual(j["cpu"]["usable_cores"], 1)
        self.assertEqual(j["topology"]["pus"], 1)
        self.assertEqual(j["topology"]["cores"], 1)
        self.assertEqual(j["topology"]["pu_list"][0]["os_index"], AFFINITY[-1])

    def test_coreflow_cores_says_why(self):
        j = self.hw_json(env={"COREFLOW_CORES": "1"})
        self.assertEqual(j["cpu"]["usable_cores"], 1)
        self.assertEqual(j["cpu"]["coreflow_cores"], 1)
        self.assertEqual(j["cpu"]["limited_by"], "COREFLOW_CORES")
        line = usable_line(self.hw(env={"COREFLOW_CORES": "1"}).out)
        self.assertRegex(line, r"usable cores +1 \(limited by COREFLOW_CORES\)$")

    def test_the_signature_is_stable_and_follows_the_cores(self):
        one = self.hw_json(env={"COREFLOW_CORES": "1"})["signature"]
        again = self.hw_json(env={"COREFLOW_CORES": "1"})["signature"]
        two = self.hw_json(env={"COREFLOW_CORES": "2"})["signature"]
        self.assertEqual(one, again)
        self.assertNotEqual(one["hash"], two["hash"])

    def test_cgroup_v2_quota_and_nested_memory_max(self):
        root = self.fake_root({
            "/proc/self/mountinfo":
                "25 24 0:24 / /sys/fs/cgroup rw,nosuid shared:3 - cgroup2 cgroup2 rw,nsdelegate\n",
            "/proc/self/cgroup": "0::/job.slice/task\n",
            "/proc/meminfo": MEMINFO,
            "/sys/fs/cgroup/job.slice/cpu.max": "150000 100000\n",
            "/sys/fs/cgroup/job.slice/memory.max": "%d\n" % (2 * GiB),
            "/sys/fs/cgroup/job.slice/memory.current": "%d\n" % (512 * MiB),
            "/sys/fs/cgroup/job.slice/task/cpu.max": "max 100000\n",
            "/sys/fs/cgroup/job.slice/task/memory.max": "max\n",
        })
        j = self.hw_json(env={"COREFLOW_SYS_ROOT": root})
        cpu, mem = j["cpu"], j["memory"]
        self.assertEqual(cpu["cgroup_quota_cpus"], 1.5)
        self.assertEqual(cpu["cgroup_quota_file"], root + "/sys/fs/cgroup/job.slice/cpu.max")
        self.assertEqual(cpu["usable_cores"], 1)
        if len(AFFINITY) > 1:
            self.assertEqual(cpu["limited_by"], "cgroup CPU quota (%s)" % cpu["cgroup_quota_file"])
        self.assertEqual(mem["cgroup_headroom_bytes"], 1536 * MiB)
        self.assertEqual(mem["source"], "cgroup memory.max")
        self.assertEqual(mem["usable_bytes"], 1536 * MiB - 1536 * MiB // 20)
        self.assertEqual(mem["mem_available_bytes"], 32 * GiB)
        self.assertEqual(mem["granted_bytes"], 2 * GiB)
        self.assertIn("usable_cores=1\nmemory_bytes=%d\n" % (2 * GiB), j["signature"]["text"])
        r = self.hw(env={"COREFLOW_SYS_ROOT": root})
        self.assertRegex(usable_line(r.out), r"usable cores +1 \(limited by ")
        self.assertRegex(r.out, r"\n  usable +1\.4 GiB \(cgroup memory\.max less a reserve\)\n")

    def test_cgroup_v1_hybrid(self):
        # As on this project's development machine: cpu and memory on v1, an empty v2 beside.
        root = self.fake_root({
            "/proc/self/mountinfo":
                "26 25 0:25 / /sys/fs/cgroup/unified rw shared:4 - cgroup2 cgroup2 rw\n"
                "30 25 0:29 / /sys/fs/cgroup/memory rw shared:8 - cgroup cgroup rw,memory\n"
                "31 25 0:30 / /sys/fs/cgroup/cpu,cpuacct rw shared:9 - cgroup cgroup "
                "rw,cpu,cpuacct\n",
            "/proc/self/cgroup": "9:memory:/slurm/job_42/step_0\n"
                                 "8:cpu,cpuacct:/slurm/job_42/step_0\n0::/\n",
            "/proc/meminfo": MEMINFO,
            "/sys/fs/cgroup/cpu,cpuacct/slurm/job_42/cpu.cfs_quota_us": "50000\n",
            "/sys/fs/cgroup/cpu,cpuacct/slurm/job_42/cpu.cfs_period_us": "100000\n",
            "/sys/fs/cgroup/memory/slurm/job_42/memory.limit_in_bytes": "%d\n" % (4 * GiB),
            "/sys/fs/cgroup/memory/slurm/job_42/memory.usage_in_bytes": "%d\n" % GiB,
            "/sys/fs/cgroup/memory/slurm/job_42/step_0/memory.limit_in_bytes":
                "9223372036854771712\n",
        })
        j = self.hw_json(env={"COREFLOW_SYS_ROOT": root})
        self.assertEqual(j["cpu"]["cgroup_quota_cpus"], 0.5)
        self.assertEqual(j["cpu"]["usable_cores"], 1)
        self.assertEqual(j["memory"]["cgroup_headroom_bytes"], 3 * GiB)
        self.assertEqual(j["memory"]["source"], "cgroup memory.limit_in_bytes")
        self.assertEqual(j["memory"]["granted_bytes"], 4 * GiB)

    def test_gpus_follow_cuda_visible_devices(self):
        bindir = self.path("bin")
        os.makedirs(bindir)
        with open(os.path.join(bindir, "nvidia-smi"), "w") as f:
            f.write(NVIDIA_SMI)
        os.chmod(os.path.join(bindir, "nvidia-smi"), 0o755)
        path = bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin")
        g = self.hw_json(env={"PATH": path})["gpus"]
        self.assertTrue(g["nvidia_smi_ran"])
        self.assertEqual([d["index"] for d in g["visible"]], [0, 1])
        g = self.hw_json(env={"PATH": path, "CUDA_VISIBLE_DEVICES": "GPU-5555"})["gpus"]
        self.assertEqual([d["index"] for d in g["visible"]], [1])
        self.assertEqual(g["listed"], 2)
        self.assertEqual(g["cuda_visible_devices"], "GPU-5555")
        r = self.hw(env={"PATH": path, "CUDA_VISIBLE_DEVICES": ""})
        self.assertRegex(r.out, r"\nGPUs +none \(CUDA_VISIBLE_DEVICES hides every GPU\)\n")

    def test_no_nvidia_smi_means_no_gpus(self):
        empty = self.path("empty")
        os.makedirs(empty)
        j = self.hw_json(env={"PATH": empty})
        self.assertEqual(j["gpus"]["visible"], [])
        self.assertEqual(j["gpus"]["note"], "no nvidia-smi on PATH")

    def test_without_hwloc_a_flat_guess_says_so(self):
        # hwloc reads the machine from this file instead, and cannot. With libxml2 (Debian's
        # libhwloc-plugins, which Open MPI brings) it would quietly read the machine instead:
        # HWLOC_LIBXML=0 keeps hwloc's own parser, which fails.
        bad = self.write("bad.xml", "<not xml")
        j = self.hw_json(env={"HWLOC_XMLFILE": bad, "HWLOC_LIBXML": "0"})
        topo = j["topology"]
        self.assertEqual(topo["source"], "flat")
        self.assertTrue(topo["error"], topo)
        self.assertEqual(topo["pus"], len(AFFINITY))
        self.assertEqual(topo["cores"], len(AFFINITY))
        self.assertEqual(sorted(p["os_index"] for p in topo["pu_list"]), AFFINITY)
        r = self.hw(env={"HWLOC_XMLFILE": bad, "HWLOC_LIBXML": "0"})
        self.assertIn("\nTopology (a flat guess from the CPU affinity: hwloc", r.out)
        self.assertRegex(r.out, r"physical cores +%d \(a guess: one PU per core\)" % len(AFFINITY))

    def test_the_nodes_of_a_slurm_job(self):
        env = {"SLURM_JOB_ID": "4242", "SLURM_JOB_NODELIST": "cn[07-09],gpu1",
               "SLURMD_NODENAME": "cn08", "SLURM_JOB_CPUS_PER_NODE": "64(x3),32",
               "SLURM_GPUS_PER_NODE": "h100:4"}
        r = self.hw(env=env)
        self.assertIn("\nSlurm job 4242\n", r.out)
        self.assertRegex(r.out, r"\n  nodes +4 nodes, 224 CPUs, 16 GPUs\n")
        self.assertRegex(r.out, r"\n  cn08 \(here\) +64 CPUs, 4 GPUs\n")
        self.assertRegex(r.out, r"\n  gpu1 +32 CPUs, 4 GPUs\n")
        s = self.hw_json(env=env)["slurm"]
        self.assertEqual([n["name"] for n in s["nodes"]], ["cn07", "cn08", "cn09", "gpu1"])
        self.assertEqual([n["cpus"] for n in s["nodes"]], [64, 64, 64, 32])
        self.assertEqual([n["this_node"] for n in s["nodes"]], [False, True, False, False])
        self.assertIsNone(s["problem"])
        self.assertIsNone(self.hw_json()["slurm"], "outside a job")

    def test_a_nodelist_it_cannot_read_is_said_not_fatal(self):
        r = self.hw(env={"SLURM_JOB_ID": "1", "SLURM_JOB_NODELIST": "cn[07-"})
        self.assertRegex(r.out, r"\n  note +SLURM_JOB_NODELIST='cn\[07-' cannot be read")

    def test_bad_flag_is_a_usage_error(self):
        r = cfhelp.run([cfhelp.BIN, "hw", "--bogus"], cwd=self.tmp)
        self.assertUsageError(r)

    def test_help_lists_hw(self):
        r = cfhelp.run([cfhelp.BIN, "--help"], cwd=self.tmp)
        self.assertRegex(r.out, re.compile(r"^\s+hw\s", re.M))


if __name__ == "__main__":
    unittest.main()
