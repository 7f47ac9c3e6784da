#include "engine/task_env.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace coreflow {
namespace {

std::vector<std::string> Strings(char* const* envp) {
  std::vector<std::string> out;
  for (char* const* e = envp; *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

size_t CountPrefix(const std::vector<std::string>& entries, const std::string& prefix) {
  return static_cast<size_t>(std::count_if(entries.begin(), entries.end(),
                                           [&](const auto& e) { return e.rfind(prefix, 0) == 0; }));
}

TEST(TaskEnvironment, HoldsTheBaseEntriesThenSeqAndSlot) {
  Environment base({"B=2", "A=1", "EMPTY="});
  TaskEnvironment env(base);
  EXPECT_EQ(Strings(env.envp()), (std::vector<std::string>{"A=1", "B=2", "EMPTY=", "PARALLEL_SEQ=0",
                                                           "PARALLEL_JOBSLOT=0"}));
}

TEST(TaskEnvironment, SetTaskRewritesOnlyTheTwoEntriesInPlace) {
  Environment base({"HOME=/home/u", "PATH=/bin"});
  TaskEnvironment env(base);
  char* const* envp = env.envp();
  char* home = envp[0];
  env.SetTask(17, 3);
  EXPECT_EQ(env.envp(), envp);  // the same array: nothing is rebuilt per task
  EXPECT_EQ(env.envp()[0], home);
  EXPECT_EQ(Strings(env.envp()),
            (std::vector<std::string>{"HOME=/home/u", "PATH=/bin", "PARALLEL_SEQ=17",
                                      "PARALLEL_JOBSLOT=3"}));
  env.SetTask(18446744073709551615ull, 2147483647);
  EXPECT_EQ(Strings(env.envp()), (std::vector<std::string>{"HOME=/home/u", "PATH=/bin",
                                                           "PARALLEL_SEQ=18446744073709551615",
                                                           "PARALLEL_JOBSLOT=2147483647"}));
  env.SetTask(1, 1);
  EXPECT_EQ(Strings(env.envp()),
            (std::vector<std::string>{"HOME=/home/u", "PATH=/bin", "PARALLEL_SEQ=1",
                                      "PARALLEL_JOBSLOT=1"}));
}

TEST(TaskEnvironment, InheritedParallelVariablesAreReplacedNotDuplicated) {
  // coreflow run from inside a GNU parallel (or coreflow) task inherits both variables.
  Environment base({"PARALLEL_SEQ=99", "PARALLEL_JOBSLOT=7", "X=y"});
  TaskEnvironment env(base);
  env.SetTask(4, 2);
  std::vector<std::string> entries = Strings(env.envp());
  EXPECT_EQ(CountPrefix(entries, "PARALLEL_SEQ="), 1u);
  EXPECT_EQ(CountPrefix(entries, "PARALLEL_JOBSLOT="), 1u);
  EXPECT_EQ(entries, (std::vector<std::string>{"X=y", "PARALLEL_SEQ=4", "PARALLEL_JOBSLOT=2"}));
  // The base environment itself is untouched.
  ASSERT_NE(base.Get("PARALLEL_SEQ"), nullptr);
  EXPECT_EQ(*base.Get("PARALLEL_SEQ"), "99");
}

TEST(TaskEnvironment, EmptyBaseStillGetsTheTaskVariables) {
  TaskEnvironment env{Environment()};
  env.SetTask(5, 1);
  EXPECT_EQ(Strings(env.envp()),
            (std::vector<std::string>{"PARALLEL_SEQ=5", "PARALLEL_JOBSLOT=1"}));
}

TEST(TaskEnvironment, ValuesWithEqualsSignsAndNewlinesSurvive) {
  Environment base({"A=b=c", "M=line1\nline2"});
  TaskEnvironment env(base);
  std::vector<std::string> entries = Strings(env.envp());
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0], "A=b=c");
  EXPECT_EQ(entries[1], "M=line1\nline2");
}

TEST(TaskEnvironment, ARunThatSharesOutGpusTellsEachTaskItsOwnDevices) {
  Environment base({"CUDA_VISIBLE_DEVICES=0,1", "HIP_VISIBLE_DEVICES=0,1", "PATH=/bin"});
  TaskEnvironment env(base, /*gpus=*/true);
  // What coreflow was given is not what a task holds: every task gets its own, or none.
  EXPECT_EQ(Strings(env.envp()),
            (std::vector<std::string>{
                "PATH=/bin", "PARALLEL_SEQ=0", "PARALLEL_JOBSLOT=0",
                "CUDA_VISIBLE_DEVICES=", "ROCR_VISIBLE_DEVICES=", "HIP_VISIBLE_DEVICES="}));
  env.SetTask(4, 2);
  env.SetDevices("GPU-a,MIG-b");
  std::vector<std::string> entries = Strings(env.envp());
  EXPECT_EQ(CountPrefix(entries, "CUDA_VISIBLE_DEVICES=GPU-a,MIG-b"), 1u);
  EXPECT_EQ(CountPrefix(entries, "ROCR_VISIBLE_DEVICES=GPU-a,MIG-b"), 1u);
  EXPECT_EQ(CountPrefix(entries, "HIP_VISIBLE_DEVICES=GPU-a,MIG-b"), 1u);
  EXPECT_EQ(CountPrefix(entries, "PARALLEL_SEQ=4"), 1u);
  EXPECT_EQ(entries.size(), 6u);
}

TEST(TaskEnvironment, ARunWithoutGpusLeavesTheDeviceVariablesAlone) {
  TaskEnvironment env(Environment({"CUDA_VISIBLE_DEVICES=3"}));
  EXPECT_EQ(CountPrefix(Strings(env.envp()), "CUDA_VISIBLE_DEVICES=3"), 1u);
}

}  // namespace
}  // namespace coreflow
