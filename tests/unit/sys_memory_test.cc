#include "sys/memory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "test_util.h"

namespace coreflow {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kGiB = uint64_t{1} << 30;

// A fake machine: /proc/meminfo, /proc/self/{mountinfo,cgroup} and cgroup files under a
// scratch directory that the functions under test take as their root.
class FakeRoot : public testutil::ScratchDir {
 public:
  FakeRoot() : ScratchDir("memory_test") {}

  // A meminfo as the kernel writes it, with MemAvailable when `available_kib` is set.
  void WriteMeminfo(std::optional<uint64_t> available_kib, uint64_t free_kib = 1000,
                    uint64_t buffers_kib = 200, uint64_t cached_kib = 300) {
    std::string text = "MemTotal:       65536000 kB\n";
    text += "MemFree:        " + std::to_string(free_kib) + " kB\n";
    if (available_kib) text += "MemAvailable:   " + std::to_string(*available_kib) + " kB\n";
    text += "Buffers:        " + std::to_string(buffers_kib) + " kB\n";
    text += "Cached:         " + std::to_string(cached_kib) + " kB\n";
    text += "SwapCached:     999999 kB\nHugePages_Total:       0\nHugepagesize:       2048 kB\n";
    Write("/proc/meminfo", text);
  }
};

constexpr const char* kOtherMounts =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro\n"
    "23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n";

// Pure cgroup v2, the process in /user.slice/job.scope/task.
constexpr const char* kTask = "/sys/fs/cgroup/user.slice/job.scope/task";
constexpr const char* kScope = "/sys/fs/cgroup/user.slice/job.scope";
constexpr const char* kSlice = "/sys/fs/cgroup/user.slice";

void SetUpV2(FakeRoot* root) {
  root->Write("/proc/self/mountinfo",
              std::string(kOtherMounts) +
                  "25 24 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:3 - "
                  "cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n");
  root->Write("/proc/self/cgroup", "0::/user.slice/job.scope/task\n");
}

void SetV2(FakeRoot* root, const std::string& dir, const std::string& max,
           std::optional<uint64_t> current) {
  root->Write(dir + "/memory.max", max + "\n");
  if (current) root->Write(dir + "/memory.current", std::to_string(*current) + "\n");
}

// cgroup v1 as on older Slurm nodes, the process in a job step.
constexpr const char* kV1Step = "/sys/fs/cgroup/memory/slurm/uid_1000/job_42/step_0";
constexpr const char* kV1Job = "/sys/fs/cgroup/memory/slurm/uid_1000/job_42";
constexpr const char* kV1Root = "/sys/fs/cgroup/memory";
constexpr const char* kV1NoLimit = "9223372036854771712";  // what v1 shows without a limit

void SetUpV1(FakeRoot* root) {
  root->Write("/proc/self/mountinfo",
              std::string(kOtherMounts) +
                  "26 25 0:25 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:4 "
                  "- cgroup2 cgroup2 rw,nsdelegate\n"
                  "30 25 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:8 - "
                  "cgroup cgroup rw,memory\n");
  root->Write("/proc/self/cgroup",
              "9:memory:/slurm/uid_1000/job_42/step_0\n0::/user.slice/session-3.scope\n");
}

void SetV1(FakeRoot* root, const std::string& dir, const std::string& limit,
           std::optional<uint64_t> usage) {
  root->Write(dir + "/memory.limit_in_bytes", limit + "\n");
  if (usage) root->Write(dir + "/memory.usage_in_bytes", std::to_string(*usage) + "\n");
}

// What DetectMemoryBudget leaves of a bound: 5 % held back, at most 512 MiB.
uint64_t AfterReserve(uint64_t bound) { return bound - std::min(bound / 20, 512 * kMiB); }

// ---- ReadMemAvailable ----

TEST(MemoryAvailableTest, ReadsMemAvailableInBytes) {
  FakeRoot root;
  root.WriteMeminfo(12'345'678);
  uint64_t bytes = 0;
  ASSERT_TRUE(ReadMemAvailable(root.path(), &bytes));
  EXPECT_EQ(bytes, uint64_t{12'345'678} * 1024);
}

TEST(MemoryAvailableTest, FallsBackToFreePlusBuffersPlusCached) {
  FakeRoot root;
  root.WriteMeminfo(std::nullopt, 1000, 200, 300);
  uint64_t bytes = 0;
  ASSERT_TRUE(ReadMemAvailable(root.path(), &bytes));
  EXPECT_EQ(bytes, uint64_t{1500} * 1024) << "SwapCached must not be taken for Cached";
}

TEST(MemoryAvailableTest, FalseWithoutTheFileOrTheFields) {
  FakeRoot root;
  uint64_t bytes = 77;
  EXPECT_FALSE(ReadMemAvailable(root.path(), &bytes));
  root.Write("/proc/meminfo", "MemTotal:       65536000 kB\nMemFree:   1000 kB\nBuffers: 2 kB\n");
  EXPECT_FALSE(ReadMemAvailable(root.path(), &bytes)) << "Cached is missing";
  root.Write("/proc/meminfo", "MemAvailable:   lots kB\nMemAvailableX:   5 kB\n");
  EXPECT_FALSE(ReadMemAvailable(root.path(), &bytes)) << "garbage and near-miss keys";
  EXPECT_EQ(bytes, 77u);
}

// ---- DetectMemoryBudget: /proc/meminfo ----

TEST(MemoryBudgetTest, MemAvailableAloneMinusFivePercent) {
  FakeRoot root;
  root.WriteMeminfo(4 * kGiB / 1024);
  MemoryBudget b = DetectMemoryBudget(Environment(), root.path());
  EXPECT_EQ(b.mem_available, 4 * kGiB);
  EXPECT_EQ(b.usable_bytes, 4 * kGiB - 4 * kGiB / 20);
  EXPECT_EQ(b.source, "MemAvailable");
  EXPECT_FALSE(b.cgroup_limit.has_value());
  EXPECT_FALSE(b.slurm_limit.has_value());
}

TEST(MemoryBudgetTest, ReserveIsAtMost512MiB) {
  FakeRoot root;
  root.WriteMeminfo(64 * kGiB / 1024);
  EXPECT_EQ(DetectMemoryBudget(Environment(), root.path()).usable_bytes, 64 * kGiB - 512 * kMiB);
  root.WriteMeminfo(10 * kGiB / 1024);  // 5 % is exactly 512 MiB here
  EXPECT_EQ(DetectMemoryBudget(Environment(), root.path()).usable_bytes, 10 * kGiB - 512 * kMiB);
  root.WriteMeminfo(20 * 1024);  // 20 MiB keeps 19 MiB
  EXPECT_EQ(DetectMemoryBudget(Environment(), root.path()).usable_bytes, 19 * kMiB);
}

TEST(MemoryBudgetTest, FallbackIsNamedAsSuch) {
  FakeRoot root;
  root.WriteMeminfo(std::nullopt, 3 * 1024 * 1024, 512 * 1024, 512 * 1024);  // 4 GiB in kB
  MemoryBudget b = DetectMemoryBudget(Environment(), root.path());
  EXPECT_EQ(b.mem_available, 4 * kGiB);
  EXPECT_EQ(b.usable_bytes, AfterReserve(4 * kGiB));
  EXPECT_EQ(b.source, "MemFree+Buffers+Cached");
}

TEST(MemoryBudgetTest, NothingKnownIsZero) {
  FakeRoot root;
  MemoryBudget b = DetectMemoryBudget(Environment(), root.path());
  EXPECT_EQ(b.usable_bytes, 0u);
  EXPECT_EQ(b.mem_available, 0u);
  EXPECT_EQ(b.source, "");
  EXPECT_FALSE(b.cgroup_limit.has_value());
  EXPECT_FALSE(b.slurm_limit.has_value());
}

// ---- DetectMemoryBudget: cgroup v2 ----

TEST(MemoryBudgetTest, V2MaxIsNoLimit) {
  FakeRoot root;
  SetUpV2(&root);
  root.WriteMeminfo(8 * kGiB / 1024);
  SetV2(&root, kTask, "max", 3 * kGiB);
  SetV2(&root, kScope, "max", 3 * kGiB);
  MemoryBudget b = DetectMemoryBudget(Environment(), root.path());
  EXPECT_FALSE(b.cgroup_limit.has_value());
  EXPECT_EQ(b.source, "MemAvailable");
  EXPECT_EQ(b.usable_bytes, AfterReserve(8 * kGiB));
}

TEST(MemoryBudgetTest, V2LimitMinusCurrentUsage) {
  FakeRoot root;
  SetUpV2(&root);
  root.WriteMeminfo(64 * kGiB / 1024);
  SetV2(&root, kTask, std::to_string(2 * kGiB), 512 * kMiB);
  MemoryBudget b = DetectMemoryBudget(Environment(), root.path());
  ASSERT_TRUE(b.cgroup_limit.has_value());
  EXPECT_EQ(*b.cgroup_limit, 1536 * kMiB);
  EXPECT_EQ(b.source, "cgroup memory.max");
  EXPECT_EQ(b.usable_bytes, 1536 * kMiB - 1536 * kMiB / 20);
  EXPECT_EQ(b.mem_available, 64 * kGiB) << "still reported";
}

TEST(MemoryBudgetTest, V2LimitWithoutUsageFileCountsWhole) {
  FakeRoot root;
  SetUpV2(&root);
  root.WriteMeminfo(64 * kGiB / 1024);
  SetV2(&root, kTask, std::to_string(2 * kGiB), std::nullopt);
  MemoryBudget b = DetectMemoryBudget(Environment(), root.path());
  EXPECT_EQ(b.cgroup_limit, 2 * kGiB);
  EXPECT_EQ(b.usable_bytes, AfterReserve(2 * kGiB));
}

TEST(MemoryBudgetTest, V2UsageAtTheLimitLeavesNothing) {
  FakeRoot root;
  SetUpV2(&root);
  root.WriteMeminfo(64 * kGiB / 1024);
  SetV2(&root, kTask, std::to_string(kGiB), kGiB + 4096);
  MemoryBudget b = DetectMemoryBudget(Environment(), root.path());
  EXPECT_EQ(b.cgroup_limit, 0u);
  EXPECT_EQ(b.usable_bytes, 0u);
  EXPECT_EQ(b.source, "cgroup memory.max");
}

TEST(MemoryBudgetTest, V2NestedLimitsTheSmallestWins) {
  FakeRoot root;
  SetUpV2(&root);
  root.WriteMeminfo(64 * kGiB / 1024);
  SetV2(&root, kTask, "max", kGiB);
  SetV2(&root, kScope, std::to_string(2 * kGiB), 512 * kMiB);
  SetV2(&root, kSlice, std::to_string(16 * kGiB), kGiB);
  MemoryBudget b = DetectMemoryBudget(Environment(), root.path());
  EXPECT_EQ(b.cgroup_limit, 1536 * kMiB);
  EXPECT_EQ(b.source, "cgroup memory.max");
  EXPECT_EQ(b.usable_bytes, AfterReserve(1536 * kMiB));
}

TEST(MemoryBudgetTest, V2FullParentBindsBeforeARoomyChild) {
  // The child has 3 GiB left under its own limit, but siblings fill the parent to 1 GiB short.
  FakeRoot root;
  SetUpV2(&root);
  root.WriteMeminfo(64 * kGiB / 1024);
  SetV2(&root, kTask, std::to_string(4 * kGiB), kGiB);
  SetV2(&root, kScope, std::to_string(8 * kGiB), 7 * kGiB);
  MemoryBudget b = DetectMemoryBudget(Environment(), root.path());
  EXPECT_EQ(b.cgroup_limit, kGiB);
  EXPECT_EQ(b.usable_bytes, AfterReserve(kGiB));
}

TEST(MemoryBudgetTest, TieGoesToTheCgroup) {
  FakeRoot root;
  SetUpV2(&root);
  root.WriteMeminfo(2 * kGiB / 1024);
  SetV2(&root, kTask, std::to_string(2 * kGiB), std::nullopt);
  EXPECT_EQ(DetectMemoryBudget(Environment(), root.path()).source, "cgroup memory.max");
}

TEST(MemoryBudgetTest, MemAvailableBelowTheCgroupWins) {
  FakeRoot root;
  SetUpV2(&root);
  root.WriteMeminfo(kGiB / 1024);
  SetV2(&root, kTask, std::to_string(8 * kGiB), kGiB);
  MemoryBudget b = DetectMemoryBudget(Environment(), root.path());
  EXPECT_EQ(b.cgroup_limit, 7 * kGiB);
  EXPECT_EQ(b.source, "MemAvailable");
  EXPECT_EQ(b.usable_bytes, AfterReserve(kGiB));
}

// ---- DetectMemoryBudget: cgroup v1 ----

TEST(MemoryBudgetTest, V1UnlimitedIsNoLimit) {
  FakeRoot root;
  SetUpV1(&root);
  root.WriteMeminfo(8 * kGiB / 1024);
  SetV1(&root, kV1Step, kV1NoLimit, 5 * kGiB);
  SetV1(&root, kV1Job, kV1NoLimit, 5 * kGiB);
  SetV1(&root, kV1Root, kV1NoLimit, 30 * kGiB);
  MemoryBudget b = DetectMemoryBudget(Environment(), root.path());
  EXPECT_FALSE(b.cgroup_limit.has_value());
  EXPECT_EQ(b.source, "MemAvailable");
  EXPECT_EQ(b.usable_bytes, AfterReserve(8 * kGiB));
}

TEST(MemoryBudgetTest, V1LimitMinusUsageUnderAnUnlimitedRoot) {
  FakeRoot root;
  SetUpV1(&root);
  root.WriteMeminfo(64 * kGiB / 1024);
  SetV1(&root, kV1Step, std::to_string(6 * kGiB), 2 * kGiB);
  SetV1(&root, kV1Job, std::to_string(8 * kGiB), 5 * kGiB);
  SetV1(&root, kV1Root, kV1NoLimit, 40 * kGiB);
  MemoryBudget b = DetectMemoryBudget(Environment(), root.path());
  EXPECT_EQ(b.cgroup_limit, 3 * kGiB) << "the job has 3 GiB left, the step 4 GiB";
  EXPECT_EQ(b.source, "cgroup memory.limit_in_bytes");
  EXPECT_EQ(b.usable_bytes, AfterReserve(3 * kGiB));
}

// ---- DetectMemoryBudget: Slurm ----

TEST(MemoryBudgetTest, SlurmMemPerNodeInMiB) {
  FakeRoot root;
  root.WriteMeminfo(64 * kGiB / 1024);
  MemoryBudget b = DetectMemoryBudget(Environment({"SLURM_MEM_PER_NODE=2048"}), root.path());
  EXPECT_EQ(b.slurm_limit, 2 * kGiB);
  EXPECT_EQ(b.source, "SLURM_MEM_PER_NODE");
  EXPECT_EQ(b.usable_bytes, AfterReserve(2 * kGiB));
}

TEST(MemoryBudgetTest, SlurmMemPerCpuTimesCpusOnNode) {
  FakeRoot root;
  root.WriteMeminfo(64 * kGiB / 1024);
  MemoryBudget b = DetectMemoryBudget(
      Environment({"SLURM_MEM_PER_CPU=1000", "SLURM_CPUS_ON_NODE=3"}), root.path());
  EXPECT_EQ(b.slurm_limit, 3000 * kMiB);
  EXPECT_EQ(b.source, "SLURM_MEM_PER_CPU");
  EXPECT_EQ(b.usable_bytes, AfterReserve(3000 * kMiB));
}

TEST(MemoryBudgetTest, SlurmPerNodeIsPreferredOverPerCpu) {
  FakeRoot root;
  MemoryBudget b = DetectMemoryBudget(
      Environment({"SLURM_MEM_PER_NODE=4096", "SLURM_MEM_PER_CPU=100", "SLURM_CPUS_ON_NODE=2"}),
      root.path());
  EXPECT_EQ(b.slurm_limit, 4 * kGiB);
  EXPECT_EQ(b.source, "SLURM_MEM_PER_NODE");
  EXPECT_EQ(b.usable_bytes, AfterReserve(4 * kGiB)) << "Slurm alone, without /proc";
}

TEST(MemoryBudgetTest, SlurmWithoutAUsableValueIsNoLimit) {
  FakeRoot root;
  root.WriteMeminfo(kGiB / 1024);
  for (const std::vector<std::string>& env : std::vector<std::vector<std::string>>{
           {"SLURM_MEM_PER_CPU=1000"},  // no CPU count to multiply by
           {"SLURM_MEM_PER_NODE=0"},    // --mem=0: the whole node
           {"SLURM_MEM_PER_NODE=2G"},
           {"SLURM_MEM_PER_NODE=-5"},
           {"SLURM_MEM_PER_NODE=99999999999999999"},
           {"SLURM_MEM_PER_CPU=10", "SLURM_CPUS_ON_NODE=zero"},
       }) {
    MemoryBudget b = DetectMemoryBudget(Environment(env), root.path());
    EXPECT_FALSE(b.slurm_limit.has_value()) << env[0];
    EXPECT_EQ(b.source, "MemAvailable") << env[0];
    EXPECT_EQ(b.usable_bytes, AfterReserve(kGiB)) << env[0];
  }
}

TEST(MemoryBudgetTest, LargerSlurmLimitIsReportedButNotUsed) {
  FakeRoot root;
  SetUpV2(&root);
  root.WriteMeminfo(64 * kGiB / 1024);
  SetV2(&root, kTask, std::to_string(4 * kGiB), kGiB);
  MemoryBudget b = DetectMemoryBudget(Environment({"SLURM_MEM_PER_NODE=16384"}), root.path());
  EXPECT_EQ(b.slurm_limit, 16 * kGiB);
  EXPECT_EQ(b.cgroup_limit, 3 * kGiB);
  EXPECT_EQ(b.source, "cgroup memory.max");
  EXPECT_EQ(b.usable_bytes, AfterReserve(3 * kGiB));
}

// ---- The real machine ----

TEST(MemoryBudgetTest, RealMachineHasABudgetWithinItsBounds) {
  MemoryBudget b = DetectMemoryBudget(Environment(), "");
  uint64_t available = 0;
  ASSERT_TRUE(ReadMemAvailable("", &available));
  EXPECT_GT(b.mem_available, 0u);
  EXPECT_GT(b.usable_bytes, 0u);
  EXPECT_FALSE(b.source.empty());
  EXPECT_FALSE(b.slurm_limit.has_value()) << "an empty Environment has no Slurm variables";
  // MemAvailable moves between reads; allow it to have grown by 1 GiB since.
  EXPECT_LE(b.usable_bytes, b.mem_available);
  EXPECT_LE(b.usable_bytes, available + kGiB);
  if (b.cgroup_limit) {
    EXPECT_LE(b.usable_bytes, *b.cgroup_limit);
  }
}

}  // namespace
}  // namespace coreflow
