#include "engine/pinning.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace coreflow {
namespace {

// A machine of `numa` nodes x `l3` groups x `cores` cores x `smt` PUs, numbered as Linux often
// does: first PU of every core, then the second ones.
Topology Machine(int numa, int l3, int cores, int smt) {
  Topology t;
  int total_cores = numa * l3 * cores;
  int core = 0;
  for (int n = 0; n < numa; ++n) {
    for (int g = 0; g < l3; ++g) {
      for (int c = 0; c < cores; ++c, ++core) {
        for (int s = 0; s < smt; ++s) {
          t.pus.push_back({core + s * total_cores, core, n * l3 + g, n, n});
        }
      }
    }
  }
  t.cores = total_cores;
  t.l3_groups = numa * l3;
  t.numa_nodes = numa;
  t.packages = numa;
  return t;
}

void ExpectDisjoint(const std::vector<std::vector<int>>& slots) {
  std::set<int> seen;
  for (const auto& s : slots) {
    for (int cpu : s) EXPECT_TRUE(seen.insert(cpu).second) << "CPU " << cpu << " twice";
  }
}

// The L3 group (by the test machine's numbering) of each CPU in a slot.
std::set<int> GroupsOf(const Topology& t, const std::vector<int>& cpus) {
  std::set<int> groups;
  for (int cpu : cpus) {
    for (const auto& pu : t.pus) {
      if (pu.os_index == cpu) groups.insert(pu.l3);
    }
  }
  return groups;
}

TEST(CarveSlots, WholeCoresWithTheirSiblings) {
  Topology t = Machine(1, 1, 4, 2);  // PUs 0-3 and their siblings 4-7
  auto slots = CarveSlots(t, 2);
  ASSERT_EQ(slots.size(), 2u);
  EXPECT_EQ(FormatCpuList(slots[0]), "0-1,4-5");
  EXPECT_EQ(FormatCpuList(slots[1]), "2-3,6-7");
}

TEST(CarveSlots, SlotsStayInsideAnL3GroupWhenTheyFit) {
  Topology t = Machine(2, 2, 6, 1);  // 4 L3 groups of 6 cores
  for (int slots : {4, 8, 12, 24}) {
    auto carved = CarveSlots(t, slots);
    ASSERT_EQ(carved.size(), static_cast<size_t>(slots));
    ExpectDisjoint(carved);
    for (const auto& s : carved) {
      EXPECT_EQ(s.size(), static_cast<size_t>(24 / slots));
      EXPECT_EQ(GroupsOf(t, s).size(), 1u) << slots << " slots: " << FormatCpuList(s);
    }
  }
}

TEST(CarveSlots, LeftoversFormSlotsWithinTheNumaNodeFirst) {
  Topology t = Machine(2, 2, 6, 1);  // 4 cores per slot: each L3 group has 2 left over
  auto carved = CarveSlots(t, 6);
  ASSERT_EQ(carved.size(), 6u);
  ExpectDisjoint(carved);
  int straddling = 0;
  for (const auto& s : carved) {
    EXPECT_EQ(s.size(), 4u);
    std::set<int> groups = GroupsOf(t, s);
    if (groups.size() > 1) {
      ++straddling;
      // Two groups of the same NUMA node: 0-1 or 2-3.
      EXPECT_EQ(*groups.begin() / 2, *groups.rbegin() / 2) << FormatCpuList(s);
    }
  }
  EXPECT_EQ(straddling, 2);
}

TEST(CarveSlots, UnevenCoresLeaveTheRestUnused) {
  Topology t = Machine(1, 1, 7, 1);
  auto carved = CarveSlots(t, 3);
  ASSERT_EQ(carved.size(), 3u);
  for (const auto& s : carved) EXPECT_EQ(s.size(), 2u);
}

TEST(CarveSlots, MoreSlotsThanCoresGetSinglePus) {
  Topology t = Machine(1, 1, 2, 2);  // 4 PUs
  auto carved = CarveSlots(t, 4);
  ASSERT_EQ(carved.size(), 4u);
  ExpectDisjoint(carved);
  auto shared = CarveSlots(t, 6);  // more slots than PUs: shared round-robin
  ASSERT_EQ(shared.size(), 6u);
  EXPECT_EQ(shared[4], shared[0]);
}

TEST(CarveSlots, NothingToCarve) {
  EXPECT_TRUE(CarveSlots(Topology{}, 2).empty());
  EXPECT_TRUE(CarveSlots(Machine(1, 1, 2, 1), 0).empty());
}

TEST(FormatCpuList, RangesAsLinuxWritesThem) {
  EXPECT_EQ(FormatCpuList({}), "");
  EXPECT_EQ(FormatCpuList({3}), "3");
  EXPECT_EQ(FormatCpuList({10, 8, 0, 1, 2, 3, 11}), "0-3,8,10-11");
}

}  // namespace
}  // namespace coreflow
