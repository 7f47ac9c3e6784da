#include "sys/cpu.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <string>
#include <thread>
#include <vector>

#include "sys/affinity.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::ScratchDir;

constexpr const char* kQuotaFile = "/sys/fs/cgroup/job/cpu.max";

CpuBudget Combine(int affinity, double quota, std::vector<std::string> env = {}) {
  return CombineCpuLimits(affinity, quota, quota > 0 ? kQuotaFile : "", Environment(env));
}

// ---- CombineCpuLimits ----

TEST(CombineCpuLimitsTest, AffinityAlone) {
  CpuBudget b = Combine(8, 0);
  EXPECT_EQ(b.usable, 8);
  EXPECT_EQ(b.affinity_pus, 8);
  EXPECT_EQ(b.limited_by, "CPU affinity");
  EXPECT_EQ(b.cgroup_quota, 0);
  EXPECT_EQ(b.slurm_cpus, 0);
  EXPECT_EQ(b.override_cpus, 0);
}

TEST(CombineCpuLimitsTest, NoAffinityStillGivesOneCore) {
  EXPECT_EQ(Combine(0, 0).usable, 1);
  EXPECT_EQ(Combine(0, 0).affinity_pus, 1);
  EXPECT_EQ(Combine(-3, 0).usable, 1);
}

TEST(CombineCpuLimitsTest, QuotaIsRoundedDownButNeverToZero) {
  CpuBudget b = Combine(8, 2.5);
  EXPECT_EQ(b.usable, 2);
  EXPECT_EQ(b.cgroup_quota, 2.5);
  EXPECT_EQ(b.cgroup_file, kQuotaFile);
  EXPECT_EQ(b.limited_by, std::string("cgroup CPU quota (") + kQuotaFile + ")");
  EXPECT_EQ(Combine(8, 0.5).usable, 1);
  EXPECT_EQ(Combine(8, 0.01).usable, 1);
  EXPECT_EQ(Combine(8, 3.0).usable, 3);
  EXPECT_EQ(Combine(8, 3.9999).usable, 3);
  // A quota computed as 300000 / 100000 must not come out as 2.
  EXPECT_EQ(Combine(8, 0.3 / 0.1).usable, 3);
}

TEST(CombineCpuLimitsTest, QuotaAboveAffinityDoesNotRaiseIt) {
  CpuBudget b = Combine(4, 16);
  EXPECT_EQ(b.usable, 4);
  EXPECT_EQ(b.limited_by, "CPU affinity");
  EXPECT_EQ(b.cgroup_quota, 16) << "still reported";
  EXPECT_EQ(Combine(4, 4.5).usable, 4);
  EXPECT_EQ(Combine(4, 4.5).limited_by, "CPU affinity") << "equal is not a limit";
}

TEST(CombineCpuLimitsTest, SlurmCpusOnNodeLimits) {
  CpuBudget b = Combine(16, 0, {"SLURM_CPUS_ON_NODE=4"});
  EXPECT_EQ(b.usable, 4);
  EXPECT_EQ(b.slurm_cpus, 4);
  EXPECT_EQ(b.limited_by, "SLURM_CPUS_ON_NODE");
}

TEST(CombineCpuLimitsTest, SlurmAboveTheOtherLimitsIsOnlyReported) {
  CpuBudget b = Combine(4, 0, {"SLURM_CPUS_ON_NODE=32"});
  EXPECT_EQ(b.usable, 4);
  EXPECT_EQ(b.slurm_cpus, 32);
  EXPECT_EQ(b.limited_by, "CPU affinity");
  b = Combine(16, 2.5, {"SLURM_CPUS_ON_NODE=8"});
  EXPECT_EQ(b.usable, 2);
  EXPECT_EQ(b.limited_by, std::string("cgroup CPU quota (") + kQuotaFile + ")");
}

TEST(CombineCpuLimitsTest, BadSlurmValuesAreIgnored) {
  for (const char* v : {"", "0", "-2", "abc", "4(x2)", "2.5", " 4", "99999999999"}) {
    CpuBudget b = Combine(8, 0, {std::string("SLURM_CPUS_ON_NODE=") + v});
    EXPECT_EQ(b.slurm_cpus, 0) << v;
    EXPECT_EQ(b.usable, 8) << v;
  }
}

TEST(CombineCpuLimitsTest, CoreflowCoresOverridesEveryLimit) {
  // The user's word is final, above or below what was measured.
  CpuBudget b = Combine(8, 2.5, {"COREFLOW_CORES=3", "SLURM_CPUS_ON_NODE=2"});
  EXPECT_EQ(b.usable, 3);
  EXPECT_EQ(b.override_cpus, 3);
  EXPECT_EQ(b.limited_by, "COREFLOW_CORES");
  b = Combine(2, 0, {"COREFLOW_CORES=6"});
  EXPECT_EQ(b.usable, 6);
  EXPECT_EQ(b.limited_by, "COREFLOW_CORES");
}

TEST(CombineCpuLimitsTest, BadCoreflowCoresIsIgnored) {
  for (const char* v : {"", "0", "-1", "many", "1e3", "2000000"}) {
    CpuBudget b = Combine(8, 0, {std::string("COREFLOW_CORES=") + v});
    EXPECT_EQ(b.override_cpus, 0) << v;
    EXPECT_EQ(b.usable, 8) << v;
    EXPECT_EQ(b.limited_by, "CPU affinity") << v;
  }
}

// ---- AffinityCpuCount ----

TEST(CpuMaskTest, EqualWhenTheSameCpusAreSet) {
  EXPECT_TRUE(CpuMask({0, 3}) == CpuMask({3, 0}));
  EXPECT_FALSE(CpuMask({0, 3}) == CpuMask({0}));
  EXPECT_FALSE(CpuMask({5000}) == CpuMask());
  EXPECT_EQ(CpuMask({2, 7}).cpus(), (std::vector<int>{2, 7}));
}

TEST(AffinityCpuCountTest, MatchesSchedGetaffinity) {
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  EXPECT_EQ(AffinityCpuCount(), CPU_COUNT(&set));
  EXPECT_GE(AffinityCpuCount(), 1);
}

TEST(AffinityCpuCountTest, FollowsANarrowedMask) {
  // Run on a thread of our own so that narrowing its mask leaves the test runner alone.
  int seen = 0;
  std::thread t([&seen] {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return;
    int first = 0;
    while (!CPU_ISSET(first, &set)) ++first;
    CPU_ZERO(&set);
    CPU_SET(first, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) return;
    seen = AffinityCpuCount();
  });
  t.join();
  EXPECT_EQ(seen, 1);
}

// ---- DetectCpuBudget ----

TEST(DetectCpuBudgetTest, ReadsTheQuotaUnderRoot) {
  ScratchDir root("cpu_test");
  ASSERT_FALSE(root.path().empty());
  root.Write("/proc/self/mountinfo",
             "25 24 0:24 / /sys/fs/cgroup rw shared:3 - cgroup2 cgroup2 rw,nsdelegate\n");
  root.Write("/proc/self/cgroup", "0::/job\n");
  root.Write("/sys/fs/cgroup/job/cpu.max", "50000 100000\n");
  CpuBudget b = DetectCpuBudget(Environment(), root.path());
  EXPECT_EQ(b.cgroup_quota, 0.5);
  EXPECT_EQ(b.cgroup_file, root.path() + "/sys/fs/cgroup/job/cpu.max");
  EXPECT_EQ(b.affinity_pus, AffinityCpuCount());
  EXPECT_EQ(b.usable, 1);
}

TEST(DetectCpuBudgetTest, NoCgroupMeansAffinity) {
  ScratchDir root("cpu_test");
  ASSERT_FALSE(root.path().empty());
  CpuBudget b = DetectCpuBudget(Environment({"COREFLOW_CORES=5"}), root.path());
  EXPECT_EQ(b.cgroup_quota, 0);
  EXPECT_EQ(b.usable, 5);
  b = DetectCpuBudget(Environment(), root.path());
  EXPECT_EQ(b.usable, AffinityCpuCount());
  EXPECT_EQ(b.limited_by, "CPU affinity");
}

}  // namespace
}  // namespace coreflow
