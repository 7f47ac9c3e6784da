#include "sys/slot_cgroups.h"

#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "test_util.h"

namespace coreflow {
namespace {

// The kernel's side (control files appearing in a new cgroup, the OOM killer) is checked end
// to end in tests/e2e/test_memory.py; here, the decisions and the clean-up on failure.
class FakeMachine : public testutil::ScratchDir {
 public:
  FakeMachine() : ScratchDir("slot_cgroups_test") {}

  void V1(const std::string& own) {
    Write("/proc/self/mountinfo",
          "30 25 0:29 / /sys/fs/cgroup/memory rw,relatime shared:8 - cgroup cgroup rw,memory\n");
    Write("/proc/self/cgroup", "4:memory:" + own + "\n");
    Mkdir("/sys/fs/cgroup/memory" + own);
  }
  void V2(const std::string& own, const std::string& controllers, const std::string& procs) {
    Write("/proc/self/mountinfo",
          "25 24 0:24 / /sys/fs/cgroup rw,relatime shared:3 - cgroup2 cgroup2 rw\n");
    Write("/proc/self/cgroup", "0::" + own + "\n");
    Write("/sys/fs/cgroup" + own + "/cgroup.controllers", controllers);
    Write("/sys/fs/cgroup" + own + "/cgroup.procs", procs);
  }
  bool Exists(const std::string& p) const { return std::filesystem::exists(path() + p); }
};

TEST(SlotCgroupsTest, NoMemoryControllerMeansNoCgroups) {
  FakeMachine m;
  m.Write("/proc/self/mountinfo", "22 1 8:1 / / rw - ext4 /dev/vda1 rw\n");
  m.Write("/proc/self/cgroup", "0::/\n");
  std::string why;
  EXPECT_EQ(SlotCgroups::Create(m.path(), 2, 1 << 30, &why), nullptr);
  EXPECT_EQ(why, "no cgroup memory controller is mounted");
}

TEST(SlotCgroupsTest, V2NeedsTheMemoryControllerDelegated) {
  FakeMachine m;
  m.V2("/user.slice/job.scope", "cpu io pids\n", fmt::format("{}\n", getpid()));
  std::string why;
  EXPECT_EQ(SlotCgroups::Create(m.path(), 2, 1 << 30, &why), nullptr);
  EXPECT_NE(why.find("memory controller is not delegated"), std::string::npos) << why;
}

TEST(SlotCgroupsTest, V2NeedsACgroupOfItsOwn) {
  // v2 forbids processes beside child cgroups with limits: coreflow would have to move the
  // others, which are not its to move.
  FakeMachine m;
  m.V2("/user.slice/job.scope", "cpu memory pids\n", fmt::format("1\n{}\n", getpid()));
  std::string why;
  EXPECT_EQ(SlotCgroups::Create(m.path(), 2, 1 << 30, &why), nullptr);
  EXPECT_NE(why.find("holds other processes too"), std::string::npos) << why;
  EXPECT_NE(why.find("Delegate=yes"), std::string::npos) << why;
  EXPECT_FALSE(m.Exists(fmt::format("/sys/fs/cgroup/user.slice/job.scope/coreflow.{}", getpid())));
}

TEST(SlotCgroupsTest, AFailedSetUpLeavesNothingBehind) {
  // A plain directory is not a cgroup: no control files appear in what mkdir makes.
  FakeMachine m;
  m.V1("/batch/job7");
  std::string why;
  EXPECT_EQ(SlotCgroups::Create(m.path(), 3, 1 << 30, &why), nullptr);
  EXPECT_NE(why.find("cannot set up cgroup"), std::string::npos) << why;
  EXPECT_NE(why.find("slot-1"), std::string::npos) << why;
  EXPECT_FALSE(m.Exists(fmt::format("/sys/fs/cgroup/memory/batch/job7/coreflow.{}", getpid())));
}

TEST(SlotCgroupsTest, V2FailureMovesNothingAndCleansUp) {
  FakeMachine m;
  m.V2("/job.scope", "memory\n", fmt::format("{}\n", getpid()));
  std::string why;
  EXPECT_EQ(SlotCgroups::Create(m.path(), 1, 1 << 30, &why), nullptr);
  EXPECT_NE(why.find("cannot enable memory limits below"), std::string::npos) << why;
  EXPECT_FALSE(m.Exists(fmt::format("/sys/fs/cgroup/job.scope/coreflow.{}", getpid())));
}

TEST(SlotCgroupsTest, CgroupsOfADeadRunAreRemoved) {
  FakeMachine m;
  m.V1("/batch");
  // pid_max is at most 2^22, so this process cannot exist.
  m.Mkdir("/sys/fs/cgroup/memory/batch/coreflow.2000000000/slot-1");
  m.Mkdir("/sys/fs/cgroup/memory/batch/coreflow.2000000000/slot-2");
  m.Mkdir("/sys/fs/cgroup/memory/batch/coreflow.1/slot-1");  // alive (init): kept
  m.Mkdir("/sys/fs/cgroup/memory/batch/other/slot-1");       // not ours: kept
  std::string why;
  SlotCgroups::Create(m.path(), 1, 1 << 30, &why);
  EXPECT_FALSE(m.Exists("/sys/fs/cgroup/memory/batch/coreflow.2000000000"));
  EXPECT_TRUE(m.Exists("/sys/fs/cgroup/memory/batch/coreflow.1/slot-1"));
  EXPECT_TRUE(m.Exists("/sys/fs/cgroup/memory/batch/other/slot-1"));
}

TEST(ReadKeyedCounterTest, FindsTheKey) {
  FakeMachine m;
  std::string v1 = m.Write("oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
  std::string v2 =
      m.Write("events", "low 0\nhigh 0\nmax 12\noom 2\noom_kill 2\noom_group_kill 1\n");
  EXPECT_EQ(ReadKeyedCounter(v1, "oom_kill"), 3u);
  EXPECT_EQ(ReadKeyedCounter(v2, "oom_kill"), 2u);
  EXPECT_EQ(ReadKeyedCounter(v2, "oom_kill_disable"), 0u);
  EXPECT_EQ(ReadKeyedCounter(m.path() + "/missing", "oom_kill"), 0u);
}

}  // namespace
}  // namespace coreflow
