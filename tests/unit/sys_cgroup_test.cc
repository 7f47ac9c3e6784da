#include "sys/cgroup.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_util.h"

namespace coreflow {
namespace {

// A fake machine: /proc/self/mountinfo, /proc/self/cgroup and cgroup files under a scratch
// directory that the functions under test take as their root.
class FakeRoot : public testutil::ScratchDir {
 public:
  FakeRoot() : ScratchDir("cgroup_test") {}
};

// The lines of a real mountinfo that are not cgroups: they must be skipped.
constexpr const char* kOtherMounts =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro\n"
    "23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
    "24 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw\n";

// cgroup v1 as on older Slurm nodes: one hierarchy per controller, plus an empty v2 one.
constexpr const char* kHybridMountinfo =
    "25 24 0:24 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:3 - tmpfs tmpfs ro,mode=755\n"
    "26 25 0:25 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 "
    "cgroup2 rw,nsdelegate\n"
    "27 25 0:26 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:5 - cgroup "
    "cgroup rw,xattr,name=systemd\n"
    "28 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:6 - cgroup "
    "cgroup rw,cpu,cpuacct\n"
    "29 25 0:28 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:7 - cgroup "
    "cgroup rw,cpuset\n"
    "30 25 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:8 - cgroup "
    "cgroup rw,memory\n";

constexpr const char* kHybridCgroup =
    "12:memory:/slurm/uid_1000/job_42/step_0\n"
    "5:cpuset:/slurm/uid_1000/job_42/step_0\n"
    "4:cpu,cpuacct:/slurm/uid_1000/job_42/step_0\n"
    "1:name=systemd:/user.slice/user-1000.slice/session-3.scope\n"
    "0::/user.slice/user-1000.slice/session-3.scope\n";

constexpr const char* kV1Cpu = "/sys/fs/cgroup/cpu,cpuacct";
constexpr const char* kV1Memory = "/sys/fs/cgroup/memory";
constexpr const char* kJob = "/slurm/uid_1000/job_42";
constexpr const char* kStep = "/slurm/uid_1000/job_42/step_0";

void SetUpHybrid(FakeRoot* root) {
  root->Write("/proc/self/mountinfo", std::string(kOtherMounts) + kHybridMountinfo);
  root->Write("/proc/self/cgroup", kHybridCgroup);
}

// Pure cgroup v2, the process in /user.slice/job.scope/task.
constexpr const char* kV2Mountinfo =
    "25 24 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:3 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";
constexpr const char* kV2 = "/sys/fs/cgroup";

void SetUpV2(FakeRoot* root) {
  root->Write("/proc/self/mountinfo", std::string(kOtherMounts) + kV2Mountinfo);
  root->Write("/proc/self/cgroup", "0::/user.slice/job.scope/task\n");
}

void SetV1Quota(FakeRoot* root, const std::string& dir, const std::string& quota,
                const std::string& period = "100000") {
  root->Write(std::string(kV1Cpu) + dir + "/cpu.cfs_quota_us", quota + "\n");
  root->Write(std::string(kV1Cpu) + dir + "/cpu.cfs_period_us", period + "\n");
}

// ---- CgroupDirsFor ----

TEST(CgroupDirsForTest, V1ControllerAndV2HierarchyInnermostFirst) {
  FakeRoot root;
  SetUpHybrid(&root);
  const std::string r = root.path();
  std::vector<CgroupDir> dirs = CgroupDirsFor(r, "cpu");
  std::vector<std::string> paths;
  for (const CgroupDir& d : dirs) paths.push_back((d.v2 ? "v2 " : "v1 ") + d.path);
  EXPECT_EQ(paths,
            (std::vector<std::string>{
                "v2 " + r + "/sys/fs/cgroup/unified/user.slice/user-1000.slice/session-3.scope",
                "v2 " + r + "/sys/fs/cgroup/unified/user.slice/user-1000.slice",
                "v2 " + r + "/sys/fs/cgroup/unified/user.slice",
                "v2 " + r + "/sys/fs/cgroup/unified",
                "v1 " + r + kV1Cpu + kStep,
                "v1 " + r + kV1Cpu + kJob,
                "v1 " + r + kV1Cpu + "/slurm/uid_1000",
                "v1 " + r + kV1Cpu + "/slurm",
                "v1 " + r + kV1Cpu,
            }));
}

TEST(CgroupDirsForTest, ControllerNamesMatchWholeWords) {
  // "cpu" must not pick up the cpuset hierarchy, nor "memory" anything else.
  FakeRoot root;
  SetUpHybrid(&root);
  for (const CgroupDir& d : CgroupDirsFor(root.path(), "cpu")) {
    EXPECT_EQ(d.path.find("cpuset"), std::string::npos) << d.path;
  }
  std::vector<CgroupDir> mem = CgroupDirsFor(root.path(), "memory");
  ASSERT_FALSE(mem.empty());
  EXPECT_EQ(mem.back().path, root.path() + kV1Memory);
  EXPECT_TRUE(CgroupDirsFor(root.path(), "pids").size() == 4u) << "only the v2 hierarchy";
}

TEST(CgroupDirsForTest, NothingWithoutProc) {
  FakeRoot root;
  EXPECT_TRUE(CgroupDirsFor(root.path(), "cpu").empty());
  root.Write("/proc/self/mountinfo", kOtherMounts);
  root.Write("/proc/self/cgroup", "0::/\n");
  EXPECT_TRUE(CgroupDirsFor(root.path(), "cpu").empty()) << "no cgroup mounted";
}

TEST(CgroupDirsForTest, RootCgroupIsJustTheMount) {
  FakeRoot root;
  root.Write("/proc/self/mountinfo", kV2Mountinfo);
  root.Write("/proc/self/cgroup", "0::/\n");
  std::vector<CgroupDir> dirs = CgroupDirsFor(root.path(), "cpu");
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_EQ(dirs[0].path, root.path() + kV2);
  EXPECT_TRUE(dirs[0].v2);
}

TEST(CgroupDirsForTest, NamespacedMountRootIsStripped) {
  // A container sees the hierarchy from /kubepods/pod1 on, mounted at /sys/fs/cgroup.
  FakeRoot root;
  root.Write("/proc/self/mountinfo",
             "40 30 0:25 /kubepods/pod1 /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n");
  root.Write("/proc/self/cgroup", "0::/kubepods/pod1/ctr/\n");
  std::vector<CgroupDir> dirs = CgroupDirsFor(root.path(), "cpu");
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(dirs[0].path, root.path() + "/sys/fs/cgroup/ctr");
  EXPECT_EQ(dirs[1].path, root.path() + "/sys/fs/cgroup");
}

TEST(CgroupDirsForTest, PathOutsideTheMountRootFallsBackToTheMount) {
  FakeRoot root;
  root.Write("/proc/self/mountinfo",
             "40 30 0:25 /kubepods/pod1 /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n");
  // A sibling whose name merely starts like the mount root is not below it.
  for (const char* own : {"0::/elsewhere\n", "0::/kubepods/pod12/ctr\n"}) {
    root.Write("/proc/self/cgroup", own);
    std::vector<CgroupDir> dirs = CgroupDirsFor(root.path(), "cpu");
    ASSERT_EQ(dirs.size(), 1u) << own;
    EXPECT_EQ(dirs[0].path, root.path() + "/sys/fs/cgroup") << own;
  }
}

TEST(CgroupDirsForTest, OctalEscapesInMountPoints) {
  FakeRoot root;
  root.Write("/proc/self/mountinfo",
             "40 30 0:25 / /mnt/my\\040cgroups rw shared:9 - cgroup2 cgroup2 rw\n");
  root.Write("/proc/self/cgroup", "0::/a\n");
  std::vector<CgroupDir> dirs = CgroupDirsFor(root.path(), "cpu");
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(dirs[0].path, root.path() + "/mnt/my cgroups/a");
}

TEST(CgroupDirsForTest, MountinfoWithoutOptionalFields) {
  // The optional "shared:N" fields may be absent; the separator '-' still finds the type.
  FakeRoot root;
  root.Write("/proc/self/mountinfo",
             "28 25 0:27 / /cg/cpu rw - cgroup cgroup rw,cpu,cpuacct\n"
             "29 25 0:28 / /cg/broken rw - cgroup\n");
  root.Write("/proc/self/cgroup", "4:cpu,cpuacct:/x\n");
  std::vector<CgroupDir> dirs = CgroupDirsFor(root.path(), "cpu");
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(dirs[0].path, root.path() + "/cg/cpu/x");
  EXPECT_FALSE(dirs[0].v2);
}

// ---- CgroupCpuQuota, v1 ----

TEST(CgroupCpuQuotaTest, NoCgroupsNoQuota) {
  FakeRoot root;
  std::string where = "untouched";
  EXPECT_EQ(CgroupCpuQuota(root.path(), &where), 0);
  EXPECT_EQ(where, "untouched");
}

TEST(CgroupCpuQuotaTest, V1MinusOneIsUnlimited) {
  FakeRoot root;
  SetUpHybrid(&root);
  SetV1Quota(&root, kStep, "-1");
  SetV1Quota(&root, kJob, "-1");
  SetV1Quota(&root, "", "-1");
  std::string where;
  EXPECT_EQ(CgroupCpuQuota(root.path(), &where), 0);
  EXPECT_EQ(where, "");
}

TEST(CgroupCpuQuotaTest, V1QuotaOverPeriod) {
  FakeRoot root;
  SetUpHybrid(&root);
  SetV1Quota(&root, kStep, "150000");
  std::string where;
  EXPECT_DOUBLE_EQ(CgroupCpuQuota(root.path(), &where), 1.5);
  EXPECT_EQ(where, root.path() + kV1Cpu + kStep + "/cpu.cfs_quota_us");
}

TEST(CgroupCpuQuotaTest, V1ParentWithTheSmallerQuotaWins) {
  FakeRoot root;
  SetUpHybrid(&root);
  SetV1Quota(&root, kStep, "400000");
  SetV1Quota(&root, kJob, "100000", "50000");  // 2 CPUs with a different period
  SetV1Quota(&root, "/slurm", "-1");
  std::string where;
  EXPECT_DOUBLE_EQ(CgroupCpuQuota(root.path(), &where), 2.0);
  EXPECT_EQ(where, root.path() + kV1Cpu + kJob + "/cpu.cfs_quota_us");
}

TEST(CgroupCpuQuotaTest, V1UnreadableOrBrokenFilesAreSkipped) {
  FakeRoot root;
  SetUpHybrid(&root);
  root.Write(std::string(kV1Cpu) + kStep + "/cpu.cfs_quota_us", "300000\n");  // no period
  SetV1Quota(&root, kJob, "garbage");
  SetV1Quota(&root, "/slurm/uid_1000", "200000", "0");
  SetV1Quota(&root, "/slurm", "500000");
  std::string where;
  EXPECT_DOUBLE_EQ(CgroupCpuQuota(root.path(), &where), 5.0);
  EXPECT_EQ(where, root.path() + kV1Cpu + "/slurm/cpu.cfs_quota_us");
}

TEST(CgroupCpuQuotaTest, HybridReadsV1BesideAnEmptyV2) {
  FakeRoot root;
  SetUpHybrid(&root);
  root.Mkdir("/sys/fs/cgroup/unified/user.slice/user-1000.slice/session-3.scope");
  SetV1Quota(&root, kStep, "250000");
  std::string where;
  EXPECT_DOUBLE_EQ(CgroupCpuQuota(root.path(), &where), 2.5);
  EXPECT_EQ(where, root.path() + kV1Cpu + kStep + "/cpu.cfs_quota_us");
}

// ---- CgroupCpuQuota, v2 ----

TEST(CgroupCpuQuotaTest, V2MaxIsUnlimited) {
  FakeRoot root;
  SetUpV2(&root);
  root.Write("/sys/fs/cgroup/user.slice/job.scope/task/cpu.max", "max 100000\n");
  root.Write("/sys/fs/cgroup/user.slice/job.scope/cpu.max", "max 100000\n");
  std::string where;
  EXPECT_EQ(CgroupCpuQuota(root.path(), &where), 0);
}

TEST(CgroupCpuQuotaTest, V2QuotaOverPeriod) {
  FakeRoot root;
  SetUpV2(&root);
  root.Write("/sys/fs/cgroup/user.slice/job.scope/task/cpu.max", "250000 100000\n");
  std::string where;
  EXPECT_DOUBLE_EQ(CgroupCpuQuota(root.path(), &where), 2.5);
  EXPECT_EQ(where, root.path() + "/sys/fs/cgroup/user.slice/job.scope/task/cpu.max");
}

TEST(CgroupCpuQuotaTest, V2ParentWithTheSmallerQuotaWins) {
  FakeRoot root;
  SetUpV2(&root);
  root.Write("/sys/fs/cgroup/user.slice/job.scope/task/cpu.max", "max 100000\n");
  root.Write("/sys/fs/cgroup/user.slice/job.scope/cpu.max", "150000 100000\n");
  root.Write("/sys/fs/cgroup/user.slice/cpu.max", "800000 100000\n");
  std::string where;
  EXPECT_DOUBLE_EQ(CgroupCpuQuota(root.path(), &where), 1.5);
  EXPECT_EQ(where, root.path() + "/sys/fs/cgroup/user.slice/job.scope/cpu.max");
}

TEST(CgroupCpuQuotaTest, V2GrandparentLimitsAGenerousChild) {
  FakeRoot root;
  SetUpV2(&root);
  root.Write("/sys/fs/cgroup/user.slice/job.scope/task/cpu.max", "300000 100000\n");
  root.Write("/sys/fs/cgroup/user.slice/cpu.max", "100000 50000\n");
  std::string where;
  EXPECT_DOUBLE_EQ(CgroupCpuQuota(root.path(), &where), 2.0);
  EXPECT_EQ(where, root.path() + "/sys/fs/cgroup/user.slice/cpu.max");
}

TEST(CgroupCpuQuotaTest, V2MalformedFilesAreSkipped) {
  FakeRoot root;
  SetUpV2(&root);
  root.Write("/sys/fs/cgroup/user.slice/job.scope/task/cpu.max", "lots 100000\n");
  root.Write("/sys/fs/cgroup/user.slice/job.scope/cpu.max", "100000 zero\n");
  root.Write("/sys/fs/cgroup/user.slice/cpu.max", "0 100000\n");
  std::string where;
  EXPECT_EQ(CgroupCpuQuota(root.path(), &where), 0);
}

TEST(CgroupCpuQuotaTest, NamespacedV2Quota) {
  FakeRoot root;
  root.Write("/proc/self/mountinfo",
             "40 30 0:25 /kubepods/pod1 /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n");
  root.Write("/proc/self/cgroup", "0::/kubepods/pod1/ctr\n");
  root.Write("/sys/fs/cgroup/ctr/cpu.max", "max 100000\n");
  root.Write("/sys/fs/cgroup/cpu.max", "350000 100000\n");
  std::string where;
  EXPECT_DOUBLE_EQ(CgroupCpuQuota(root.path(), &where), 3.5);
  EXPECT_EQ(where, root.path() + "/sys/fs/cgroup/cpu.max");
}

// ---- CgroupMemoryLimit ----

constexpr int64_t kGiB = int64_t{1} << 30;
constexpr const char* kV1NoLimit = "9223372036854771712";  // what v1 shows without a limit

void SetV1MemoryLimit(FakeRoot* root, const std::string& dir, const std::string& limit) {
  root->Write(std::string(kV1Memory) + dir + "/memory.limit_in_bytes", limit + "\n");
}

TEST(CgroupMemoryLimitTest, V1UnlimitedIsNoLimit) {
  FakeRoot root;
  SetUpHybrid(&root);
  SetV1MemoryLimit(&root, kStep, kV1NoLimit);
  SetV1MemoryLimit(&root, "", kV1NoLimit);
  std::string where = "untouched";
  EXPECT_EQ(CgroupMemoryLimit(root.path(), &where), 0);
  EXPECT_EQ(where, "untouched");
}

TEST(CgroupMemoryLimitTest, V1NestedLimitsTakeTheSmallest) {
  FakeRoot root;
  SetUpHybrid(&root);
  SetV1MemoryLimit(&root, kStep, std::to_string(8 * kGiB));
  SetV1MemoryLimit(&root, kJob, std::to_string(4 * kGiB));
  SetV1MemoryLimit(&root, "", kV1NoLimit);
  std::string where;
  EXPECT_EQ(CgroupMemoryLimit(root.path(), &where), 4 * kGiB);
  EXPECT_EQ(where, root.path() + kV1Memory + kJob + "/memory.limit_in_bytes");
}

TEST(CgroupMemoryLimitTest, V2MaxIsNoLimit) {
  FakeRoot root;
  SetUpV2(&root);
  root.Write("/sys/fs/cgroup/user.slice/job.scope/task/memory.max", "max\n");
  std::string where;
  EXPECT_EQ(CgroupMemoryLimit(root.path(), &where), 0);
}

TEST(CgroupMemoryLimitTest, V2NestedLimitsTakeTheSmallest) {
  FakeRoot root;
  SetUpV2(&root);
  root.Write("/sys/fs/cgroup/user.slice/job.scope/task/memory.max", "max\n");
  root.Write("/sys/fs/cgroup/user.slice/job.scope/memory.max", std::to_string(2 * kGiB) + "\n");
  root.Write("/sys/fs/cgroup/user.slice/memory.max", std::to_string(16 * kGiB) + "\n");
  std::string where;
  EXPECT_EQ(CgroupMemoryLimit(root.path(), &where), 2 * kGiB);
  EXPECT_EQ(where, root.path() + "/sys/fs/cgroup/user.slice/job.scope/memory.max");
}

TEST(CgroupMemoryLimitTest, HybridReadsV1Memory) {
  FakeRoot root;
  SetUpHybrid(&root);
  root.Mkdir("/sys/fs/cgroup/unified/user.slice");
  root.Write(std::string(kV1Memory) + kStep + "/memory.limit_in_bytes", "536870912");
  std::string where;
  EXPECT_EQ(CgroupMemoryLimit(root.path(), &where), 512 << 20);
  EXPECT_EQ(where, root.path() + kV1Memory + kStep + "/memory.limit_in_bytes");
}

TEST(CgroupMemoryLimitTest, GarbageIsNoLimit) {
  FakeRoot root;
  SetUpV2(&root);
  root.Write("/sys/fs/cgroup/user.slice/job.scope/task/memory.max", "12G\n");
  root.Write("/sys/fs/cgroup/user.slice/job.scope/memory.max", "0\n");
  root.Write("/sys/fs/cgroup/user.slice/memory.max", "-5\n");
  std::string where;
  EXPECT_EQ(CgroupMemoryLimit(root.path(), &where), 0);
}

}  // namespace
}  // namespace coreflow
