#include "run/shard_flag.h"

#include <gtest/gtest.h>

#include <string>

namespace coreflow {
namespace {

ShardChoice Parse(const std::string& text, const Environment& env = Environment{}) {
  ShardChoice s;
  std::string err;
  EXPECT_TRUE(ParseShard(text, env, &s, &err)) << err;
  return s;
}

std::string Refused(const std::string& text, const Environment& env = Environment{}) {
  ShardChoice s;
  std::string err;
  EXPECT_FALSE(ParseShard(text, env, &s, &err)) << text;
  return err;
}

TEST(ShardFlagTest, ReadsIOfN) {
  ShardChoice s = Parse("2/8");
  EXPECT_EQ(s.index, 1u);
  EXPECT_EQ(s.count, 8u);
  s = Parse("1/1");
  EXPECT_EQ(s.index, 0u);
  EXPECT_EQ(s.count, 1u);
  for (const char* bad : {"0/3", "4/3", "3", "a/b", "1/0", "/", "-1/3", "1/2000000"}) {
    EXPECT_NE(Refused(bad).find("give i/n"), std::string::npos) << bad;
  }
}

TEST(ShardFlagTest, AutoTakesAJobArrayTaskFirstThenAnSrunTask) {
  Environment array({"SLURM_ARRAY_TASK_ID=7", "SLURM_ARRAY_TASK_MIN=1", "SLURM_ARRAY_TASK_STEP=2",
                     "SLURM_ARRAY_TASK_COUNT=5", "SLURM_PROCID=0", "SLURM_NTASKS=1"});
  ShardChoice s = Parse("auto", array);
  EXPECT_EQ(s.index, 3u);  // 1, 3, 5, 7, 9: the fourth
  EXPECT_EQ(s.count, 5u);
  Environment plain_array({"SLURM_ARRAY_TASK_ID=0", "SLURM_ARRAY_TASK_COUNT=4"});
  EXPECT_EQ(Parse("auto", plain_array).index, 0u);
  Environment step({"SLURM_PROCID=3", "SLURM_NTASKS=4"});
  s = Parse("auto", step);
  EXPECT_EQ(s.index, 3u);
  EXPECT_EQ(s.count, 4u);
  EXPECT_EQ(s.from, "SLURM_PROCID/SLURM_NTASKS");
}

TEST(ShardFlagTest, AutoRefusesWhatItCannotSplit) {
  EXPECT_NE(Refused("auto").find("neither SLURM_ARRAY_TASK_ID"), std::string::npos);
  Environment gaps({"SLURM_ARRAY_TASK_ID=5", "SLURM_ARRAY_TASK_COUNT=3"});
  EXPECT_NE(Refused("auto", gaps).find("cannot be split"), std::string::npos);
  Environment junk({"SLURM_PROCID=x", "SLURM_NTASKS=4"});
  EXPECT_NE(Refused("auto", junk).find("SLURM_PROCID=x is not a number"), std::string::npos);
  Environment beyond({"SLURM_PROCID=4", "SLURM_NTASKS=4"});
  EXPECT_NE(Refused("auto", beyond).find("not below"), std::string::npos);
}

TEST(ShardFlagTest, AJournalNameGetsTheShardNumber) {
  ShardChoice s = Parse("3/4");
  std::string out, err;
  ASSERT_TRUE(ShardPath("run-{shard}.log", s, true, &out, &err));
  EXPECT_EQ(out, "run-3.log");
  ASSERT_TRUE(ShardPath("{shard}/{shard}.log", s, true, &out, &err));
  EXPECT_EQ(out, "3/3.log");
  ASSERT_TRUE(ShardPath("plain.log", ShardChoice{}, false, &out, &err));
  EXPECT_EQ(out, "plain.log");
  EXPECT_FALSE(ShardPath("run-{shard}.log", ShardChoice{}, false, &out, &err));
  EXPECT_NE(err.find("not sharded"), std::string::npos) << err;
}

}  // namespace
}  // namespace coreflow
