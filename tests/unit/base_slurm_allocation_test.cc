#include "base/slurm_allocation.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coreflow {
namespace {

using Names = std::vector<std::string>;

Names Expand(std::string_view text) {
  Names out;
  std::string err;
  EXPECT_TRUE(ExpandHostlist(text, &out, &err)) << text << ": " << err;
  return out;
}

TEST(HostlistTest, ExpandsRangesListsAndPlainNames) {
  EXPECT_EQ(Expand("node7"), Names{"node7"});
  EXPECT_EQ(Expand("a,b"), (Names{"a", "b"}));
  EXPECT_EQ(Expand("node[01-03,7],gpu1"), (Names{"node01", "node02", "node03", "node7", "gpu1"}));
  EXPECT_EQ(Expand("n[8-11]"), (Names{"n8", "n9", "n10", "n11"})) << "no padding asked";
  EXPECT_EQ(Expand("n[098-101]"), (Names{"n098", "n099", "n100", "n101"}));
  EXPECT_EQ(Expand("r[1-2]-n[1-2]-ib"), (Names{"r1-n1-ib", "r1-n2-ib", "r2-n1-ib", "r2-n2-ib"}));
  EXPECT_EQ(Expand("nid[001234]"), Names{"nid001234"});
}

TEST(HostlistTest, MalformedTextIsAnErrorNamingThePiece) {
  for (std::string_view bad :
       {"", "a,,b", "n[1-", "n[a-b]", "n[3-1]", "n]1[", "n[1-2,]", "n[-2]", "n[1234567890]"}) {
    Names out;
    std::string err;
    EXPECT_FALSE(ExpandHostlist(bad, &out, &err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
}

TEST(HostlistTest, AHugeListIsRefusedNotExpanded) {
  Names out;
  std::string err;
  EXPECT_FALSE(ExpandHostlist("n[0-99999]-c[0-99]", &out, &err));
  EXPECT_NE(err.find("more than"), std::string::npos) << err;
}

TEST(CountsPerNodeTest, ExpandsRepeats) {
  std::vector<int> out;
  ASSERT_TRUE(ExpandCountsPerNode("64(x2),32", &out));
  EXPECT_EQ(out, (std::vector<int>{64, 64, 32}));
  ASSERT_TRUE(ExpandCountsPerNode("16", &out));
  EXPECT_EQ(out, std::vector<int>{16});
  for (std::string_view bad : {"", "x", "4(x)", "4(x0)", "4(x2", "-1", "4(y2)"}) {
    EXPECT_FALSE(ExpandCountsPerNode(bad, &out)) << bad;
  }
}

TEST(GpuCountTest, TakesTheLastField) {
  int n = 0;
  ASSERT_TRUE(ParseGpuCount("4", &n));
  EXPECT_EQ(n, 4);
  ASSERT_TRUE(ParseGpuCount("gpu:a100:2", &n));
  EXPECT_EQ(n, 2);
  EXPECT_FALSE(ParseGpuCount("a100", &n));
  EXPECT_FALSE(ParseGpuCount("", &n));
}

TEST(SlurmAllocationTest, OutsideAJobThereIsNone) {
  Environment env({"SLURM_JOB_NODELIST=a"});
  EXPECT_TRUE(ReadSlurmAllocation(env).job_id.empty());
}

TEST(SlurmAllocationTest, EachNodeWithItsCpusAndGpus) {
  Environment env({"SLURM_JOB_ID=77", "SLURM_JOB_NODELIST=c[1-3]", "SLURMD_NODENAME=c2",
                   "SLURM_JOB_CPUS_PER_NODE=16(x2),8", "SLURM_GPUS_PER_NODE=a100:2"});
  SlurmAllocation a = ReadSlurmAllocation(env);
  EXPECT_EQ(a.job_id, "77");
  ASSERT_EQ(a.nodes.size(), 3u);
  EXPECT_EQ(a.problem, "");
  EXPECT_EQ(a.nodes[0].name, "c1");
  EXPECT_EQ(a.nodes[2].cpus, 8);
  EXPECT_EQ(a.nodes[1].cpus, 16);
  EXPECT_TRUE(a.nodes[1].this_node);
  EXPECT_FALSE(a.nodes[0].this_node);
  for (const SlurmNode& n : a.nodes) EXPECT_EQ(n.gpus, 2);
}

TEST(SlurmAllocationTest, OnlyThisNodesGpusWhenThePerNodeCountIsNotSet) {
  Environment env(
      {"SLURM_JOB_ID=77", "SLURM_NODELIST=c[1-2]", "SLURMD_NODENAME=c1", "SLURM_GPUS_ON_NODE=4"});
  SlurmAllocation a = ReadSlurmAllocation(env);
  ASSERT_EQ(a.nodes.size(), 2u);
  EXPECT_EQ(a.nodes[0].gpus, 4);
  EXPECT_EQ(a.nodes[1].gpus, -1);
  EXPECT_EQ(a.nodes[0].cpus, 0) << "not said";
}

TEST(SlurmAllocationTest, WhatCannotBeReadIsSaid) {
  SlurmAllocation a = ReadSlurmAllocation(Environment({"SLURM_JOB_ID=5"}));
  EXPECT_NE(a.problem.find("SLURM_JOB_NODELIST is not set"), std::string::npos) << a.problem;
  a = ReadSlurmAllocation(Environment({"SLURM_JOB_ID=5", "SLURM_JOB_NODELIST=n[1-"}));
  EXPECT_NE(a.problem.find("'n[1-'"), std::string::npos) << a.problem;
  a = ReadSlurmAllocation(Environment(
      {"SLURM_JOB_ID=5", "SLURM_JOB_NODELIST=n[1-3]", "SLURM_JOB_CPUS_PER_NODE=4(x2)"}));
  EXPECT_EQ(a.nodes.size(), 3u);
  EXPECT_NE(a.problem.find("each of the 3 nodes"), std::string::npos) << a.problem;
  EXPECT_EQ(a.nodes[0].cpus, 0);
}

}  // namespace
}  // namespace coreflow
