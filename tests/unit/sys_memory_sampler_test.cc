#include "sys/memory_sampler.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <unordered_map>

#include "test_util.h"

namespace coreflow {
namespace {

TEST(SystemMemorySamplerTest, ReadsMemAvailableBelowItsRoot) {
  testutil::ScratchDir root("memory_sampler_test");
  root.Write("/proc/meminfo", "MemTotal: 8000000 kB\nMemAvailable: 3000 kB\n");
  SystemMemorySampler sampler(root.path(), nullptr);
  uint64_t bytes = 0;
  ASSERT_TRUE(sampler.MemAvailable(&bytes));
  EXPECT_EQ(bytes, 3000u * 1024);
  SystemMemorySampler missing(root.path() + "/nowhere", nullptr);
  EXPECT_FALSE(missing.MemAvailable(&bytes));
}

TEST(SystemMemorySamplerTest, NothingWatchedReadsNothing) {
  SystemMemorySampler sampler("", nullptr);
  std::unordered_map<int, uint64_t> rss = {{1, 1}};
  EXPECT_TRUE(sampler.SampleGroups(&rss));
  EXPECT_TRUE(rss.empty());
}

TEST(SystemMemorySamplerTest, SamplesAWatchedGroup) {
  SystemMemorySampler sampler("", nullptr);
  int own = static_cast<int>(getpgrp());
  sampler.Watch(own);
  std::unordered_map<int, uint64_t> rss;
  ASSERT_TRUE(sampler.SampleGroups(&rss));
  ASSERT_EQ(rss.count(own), 1u);
  EXPECT_GT(rss[own], 0u);  // this test process is resident
  sampler.Unwatch(own);
  ASSERT_TRUE(sampler.SampleGroups(&rss));
  EXPECT_TRUE(rss.empty());
}

TEST(SystemMemorySamplerTest, NoSlotCgroupsMeansNoOomKills) {
  SystemMemorySampler sampler("", nullptr);
  EXPECT_EQ(sampler.OomKills(SlotId{1}), 0u);
}

}  // namespace
}  // namespace coreflow
