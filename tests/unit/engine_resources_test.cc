#include "engine/resources.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace coreflow {
namespace {

JobsSpec Jobs(std::string_view text) {
  JobsSpec spec;
  std::string err;
  EXPECT_TRUE(ParseJobs(text, &spec, &err)) << text << ": " << err;
  return spec;
}

CpuBudget Cores(int usable, std::string limited_by = "CPU affinity") {
  CpuBudget b;
  b.affinity_pus = usable;
  b.usable = usable;
  b.limited_by = std::move(limited_by);
  return b;
}

ResourcePlan Plan(std::optional<std::string_view> jobs, int threads, int cores) {
  std::optional<JobsSpec> spec;
  if (jobs) spec = Jobs(*jobs);
  return PlanResources(spec, threads, Cores(cores));
}

// ---- ParseJobs ----

TEST(ParseJobsTest, AbsoluteCount) {
  JobsSpec s = Jobs("4");
  EXPECT_EQ(s.kind, JobsSpec::Kind::kAbsolute);
  EXPECT_EQ(s.value, 4);
  EXPECT_EQ(Jobs("1").value, 1);
  EXPECT_EQ(Jobs("1000").value, 1000);
}

TEST(ParseJobsTest, ZeroMeansAsManyAsPossible) {
  EXPECT_EQ(Jobs("0").kind, JobsSpec::Kind::kMax);
  EXPECT_EQ(Jobs("00").kind, JobsSpec::Kind::kMax);
}

TEST(ParseJobsTest, PercentOfCores) {
  JobsSpec s = Jobs("50%");
  EXPECT_EQ(s.kind, JobsSpec::Kind::kPercent);
  EXPECT_EQ(s.value, 50);
  EXPECT_EQ(Jobs("200%").value, 200);
  EXPECT_EQ(Jobs("12.5%").value, 12.5);
}

TEST(ParseJobsTest, RelativeToCores) {
  JobsSpec plus = Jobs("+2");
  EXPECT_EQ(plus.kind, JobsSpec::Kind::kRelative);
  EXPECT_EQ(plus.value, 2);
  JobsSpec minus = Jobs("-1");
  EXPECT_EQ(minus.kind, JobsSpec::Kind::kRelative);
  EXPECT_EQ(minus.value, -1);
  EXPECT_EQ(Jobs("-0").kind, JobsSpec::Kind::kRelative);
  EXPECT_EQ(Jobs("-0").value, 0);
}

TEST(ParseJobsTest, RejectsGarbage) {
  for (const char* bad :
       {"",    "abc", "1.5", "%",   "0%",   "-50%", "4x",  " 4",  "4 ",  "+",   "-",
        "--1", "+-1", "-+1", "++1", "+50%", "inf",  "nan", "1,5", "%50", "4%%", "0x4"}) {
    JobsSpec s;
    s.value = 99;
    std::string err;
    EXPECT_FALSE(ParseJobs(bad, &s, &err)) << "'" << bad << "'";
    EXPECT_EQ(err, "-j '" + std::string(bad) + "' is not a slot count; use N, N%, +N, -N or 0");
    EXPECT_EQ(s.value, 99) << "a rejected -j leaves the output alone";
  }
}

// ---- PlanResources ----

TEST(PlanResourcesTest, NeitherFlagGivesOneSlotPerCoreAndOneThread) {
  ResourcePlan p = PlanResources(std::nullopt, 0, Cores(8));
  EXPECT_EQ(p.slots, 8);
  EXPECT_EQ(p.threads, 1);
  EXPECT_FALSE(p.oversubscribed);
  EXPECT_EQ(p.slots_source, "8 usable cores (CPU affinity)");
  EXPECT_EQ(p.threads_source, "8 cores / 8 slots");
}

TEST(PlanResourcesTest, ThreadsAloneDivideTheCores) {
  ResourcePlan p = Plan(std::nullopt, 3, 8);
  EXPECT_EQ(p.slots, 2) << "floor(8 / 3)";
  EXPECT_EQ(p.threads, 3);
  EXPECT_FALSE(p.oversubscribed);
  EXPECT_EQ(p.slots_source, "8 usable cores (CPU affinity) / 3 threads per task");
  EXPECT_EQ(p.threads_source, "-t");
  p = Plan(std::nullopt, 4, 8);
  EXPECT_EQ(p.slots, 2);
  EXPECT_EQ(p.threads, 4);
  EXPECT_FALSE(p.oversubscribed);
}

TEST(PlanResourcesTest, MoreThreadsThanCoresStillGetsOneSlot) {
  ResourcePlan p = Plan(std::nullopt, 16, 8);
  EXPECT_EQ(p.slots, 1);
  EXPECT_EQ(p.threads, 16);
  EXPECT_TRUE(p.oversubscribed);
}

TEST(PlanResourcesTest, JobsAloneShareTheCoresAsThreads) {
  ResourcePlan p = Plan("4", 0, 8);
  EXPECT_EQ(p.slots, 4);
  EXPECT_EQ(p.threads, 2);
  EXPECT_FALSE(p.oversubscribed);
  EXPECT_EQ(p.slots_source, "-j");
  EXPECT_EQ(p.threads_source, "8 cores / 4 slots");
  p = Plan("3", 0, 8);
  EXPECT_EQ(p.slots, 3);
  EXPECT_EQ(p.threads, 2) << "8 / 3 rounded down";
  EXPECT_FALSE(p.oversubscribed);
  p = Plan("16", 0, 8);
  EXPECT_EQ(p.slots, 16);
  EXPECT_EQ(p.threads, 1) << "never below one thread";
  EXPECT_TRUE(p.oversubscribed);
}

TEST(PlanResourcesTest, PercentAndRelativeJobs) {
  EXPECT_EQ(Plan("50%", 0, 8).slots, 4);
  EXPECT_EQ(Plan("50%", 0, 8).slots_source, "-j of 8 usable cores (CPU affinity)");
  EXPECT_EQ(Plan("33%", 0, 8).slots, 2) << "floor(2.64)";
  EXPECT_EQ(Plan("10%", 0, 8).slots, 1) << "never below one slot";
  EXPECT_EQ(Plan("200%", 0, 8).slots, 16);
  EXPECT_TRUE(Plan("200%", 0, 8).oversubscribed);
  EXPECT_EQ(Plan("+2", 0, 8).slots, 10);
  EXPECT_TRUE(Plan("+2", 0, 8).oversubscribed);
  EXPECT_EQ(Plan("-2", 0, 8).slots, 6);
  EXPECT_EQ(Plan("-2", 0, 8).threads, 1);
  EXPECT_EQ(Plan("-0", 0, 8).slots, 8);
  EXPECT_EQ(Plan("-20", 0, 8).slots, 1);
  EXPECT_EQ(Plan("-20", 0, 8).threads, 8);
}

TEST(PlanResourcesTest, JobsZeroIsManySlotsWithoutAWarning) {
  ResourcePlan p = Plan("0", 0, 8);
  EXPECT_EQ(p.slots, kMaxSlotsForJobsZero);
  EXPECT_EQ(p.threads, 1);
  EXPECT_FALSE(p.oversubscribed) << "-j 0 oversubscribes on purpose";
  p = Plan("0", 4, 8);
  EXPECT_EQ(p.threads, 4);
  EXPECT_FALSE(p.oversubscribed);
}

TEST(PlanResourcesTest, BothFlagsAreTakenAsGiven) {
  ResourcePlan p = Plan("2", 4, 8);
  EXPECT_EQ(p.slots, 2);
  EXPECT_EQ(p.threads, 4);
  EXPECT_FALSE(p.oversubscribed) << "2 x 4 = 8 fits";
  p = Plan("4", 4, 8);
  EXPECT_EQ(p.slots, 4);
  EXPECT_EQ(p.threads, 4);
  EXPECT_TRUE(p.oversubscribed) << "4 x 4 = 16 > 8";
}

TEST(PlanResourcesTest, HugeJobCountsAreCapped) { EXPECT_EQ(Plan("1e9", 0, 8).slots, 1'000'000); }

TEST(PlanResourcesTest, ZeroUsableCoresCountsAsOne) {
  ResourcePlan p = PlanResources(std::nullopt, 0, Cores(0));
  EXPECT_EQ(p.slots, 1);
  EXPECT_EQ(p.threads, 1);
  EXPECT_FALSE(p.oversubscribed);
}

TEST(PlanResourcesTest, SourcesNameTheLimit) {
  ResourcePlan p = PlanResources(std::nullopt, 0, Cores(3, "SLURM_CPUS_ON_NODE"));
  EXPECT_EQ(p.slots, 3);
  EXPECT_EQ(p.slots_source, "3 usable cores (SLURM_CPUS_ON_NODE)");
}

// ---- OversubscriptionWarning ----

TEST(OversubscriptionWarningTest, EmptyWhenTheCoresSuffice) {
  CpuBudget cpus = Cores(8);
  EXPECT_EQ(OversubscriptionWarning(PlanResources(std::nullopt, 0, cpus), cpus), "");
  EXPECT_EQ(OversubscriptionWarning(PlanResources(Jobs("0"), 0, cpus), cpus), "");
}

TEST(OversubscriptionWarningTest, SaysWhatCompetes) {
  CpuBudget cpus = Cores(8, "cgroup CPU quota (/sys/fs/cgroup/cpu.max)");
  ResourcePlan p = PlanResources(Jobs("4"), 4, cpus);
  EXPECT_EQ(OversubscriptionWarning(p, cpus),
            "4 slots x 4 threads per task = 16 threads on 8 usable cores (limited by cgroup CPU "
            "quota (/sys/fs/cgroup/cpu.max)); tasks will compete for cores");
}

TEST(OversubscriptionWarningTest, CountsOfOneAreSingular) {
  CpuBudget cpus = Cores(1, "COREFLOW_CORES");
  ResourcePlan p = PlanResources(std::nullopt, 0, cpus);
  EXPECT_EQ(p.slots_source, "1 usable core (COREFLOW_CORES)");
  EXPECT_EQ(p.threads_source, "1 core / 1 slot");
  p = PlanResources(std::nullopt, 1, cpus);
  EXPECT_EQ(p.slots_source, "1 usable core (COREFLOW_CORES) / 1 thread per task");
  p = PlanResources(Jobs("1"), 2, cpus);
  EXPECT_EQ(OversubscriptionWarning(p, cpus),
            "1 slot x 2 threads per task = 2 threads on 1 usable core (limited by "
            "COREFLOW_CORES); tasks will compete for cores");
}

}  // namespace
}  // namespace coreflow
