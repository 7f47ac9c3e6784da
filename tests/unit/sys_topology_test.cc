#include "sys/topology.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "sys/cpu.h"

namespace coreflow {
namespace {

Topology Load(const std::string& synthetic) {
  Topology t;
  std::string err;
  EXPECT_TRUE(LoadTopology(&t, &err, synthetic)) << synthetic << ": " << err;
  return t;
}

bool Sorted(const Topology& t) {
  return std::is_sorted(t.pus.begin(), t.pus.end(), [](const auto& a, const auto& b) {
    return std::tie(a.numa, a.l3, a.core, a.os_index) < std::tie(b.numa, b.l3, b.core, b.os_index);
  });
}

// Every id in 0..n-1 is used, and none beyond.
template <typename Field>
void ExpectDense(const Topology& t, Field field, int n, const char* what) {
  std::set<int> ids;
  for (const ProcessingUnit& p : t.pus) ids.insert(p.*field);
  EXPECT_EQ(static_cast<int>(ids.size()), n) << what;
  EXPECT_EQ(*ids.begin(), 0) << what;
  EXPECT_EQ(*ids.rbegin(), n - 1) << what;
}

TEST(TopologyTest, TwoPackagesTwoL3sFourCoresTwoThreads) {
  Topology t = Load("pack:2 l3:2 core:4 pu:2");
  EXPECT_TRUE(t.from_hwloc);
  ASSERT_EQ(t.pus.size(), 32u);
  EXPECT_EQ(t.cores, 16);
  EXPECT_EQ(t.l3_groups, 4);
  EXPECT_EQ(t.packages, 2);
  EXPECT_EQ(t.numa_nodes, 1);
  EXPECT_TRUE(Sorted(t));
  ExpectDense(t, &ProcessingUnit::core, 16, "core");
  ExpectDense(t, &ProcessingUnit::l3, 4, "l3");
  ExpectDense(t, &ProcessingUnit::package, 2, "package");
  std::set<int> os;
  for (const ProcessingUnit& p : t.pus) {
    os.insert(p.os_index);
    EXPECT_EQ(p.numa, 0);
    EXPECT_EQ(p.l3, p.core / 4) << "four cores share each L3";
    EXPECT_EQ(p.package, p.l3 / 2) << "two L3s in each package";
  }
  EXPECT_EQ(os.size(), 32u) << "each PU once";
  // SMT siblings sit next to each other, in the kernel's order.
  EXPECT_EQ(t.pus[0].core, t.pus[1].core);
  EXPECT_LT(t.pus[0].os_index, t.pus[1].os_index);
  EXPECT_NE(t.pus[1].core, t.pus[2].core);
  EXPECT_EQ(t.cpu_model, "") << "a synthetic machine is not this one";
}

TEST(TopologyTest, CachesAreCountedPerLevel) {
  Topology t = Load("pack:2 l3:2(size=33554432) l2:4(size=1048576) l1d:1(size=49152) core:1 pu:2");
  ASSERT_EQ(t.caches.size(), 3u);
  EXPECT_EQ(t.caches[0].depth, 1);
  EXPECT_EQ(t.caches[0].count, 16);
  EXPECT_EQ(t.caches[0].bytes, 48u * 1024);
  EXPECT_EQ(t.caches[1].depth, 2);
  EXPECT_EQ(t.caches[1].count, 16);
  EXPECT_EQ(t.caches[1].bytes, 1u << 20);
  EXPECT_EQ(t.caches[2].depth, 3);
  EXPECT_EQ(t.caches[2].count, 4);
  EXPECT_EQ(t.caches[2].bytes, 32u << 20);
}

TEST(TopologyTest, OnePackageTwoCoresNoSmt) {
  Topology t = Load("pack:1 core:2 pu:1");
  ASSERT_EQ(t.pus.size(), 2u);
  EXPECT_EQ(t.cores, 2);
  EXPECT_EQ(t.packages, 1);
  EXPECT_EQ(t.l3_groups, 1) << "no L3: the package is the group";
  EXPECT_EQ(t.numa_nodes, 1);
  EXPECT_EQ(t.pus[0].core, 0);
  EXPECT_EQ(t.pus[1].core, 1);
  EXPECT_TRUE(t.caches.empty());
}

TEST(TopologyTest, NumaNodesComeFirstInTheOrder) {
  Topology t = Load("pack:2 numa:2 core:2 pu:2");
  ASSERT_EQ(t.pus.size(), 16u);
  EXPECT_EQ(t.numa_nodes, 4);
  EXPECT_EQ(t.l3_groups, 2) << "no L3: one group per package";
  EXPECT_TRUE(Sorted(t));
  ExpectDense(t, &ProcessingUnit::numa, 4, "numa");
  for (const ProcessingUnit& p : t.pus) EXPECT_EQ(p.numa, p.core / 2);
}

TEST(TopologyTest, NoCoreLevelMakesEachPuACore) {
  Topology t = Load("pack:1 pu:4");
  EXPECT_EQ(t.pus.size(), 4u);
  EXPECT_EQ(t.cores, 4);
}

TEST(TopologyTest, BadSyntheticDescriptionFails) {
  Topology t;
  std::string err;
  EXPECT_FALSE(LoadTopology(&t, &err, "pack:two core:banana"));
  EXPECT_NE(err.find("pack:two core:banana"), std::string::npos) << err;
}

TEST(TopologyTest, ThisMachineMatchesTheAffinityMask) {
  Topology t;
  std::string err;
  ASSERT_TRUE(LoadTopology(&t, &err)) << err;
  EXPECT_TRUE(t.from_hwloc);
  EXPECT_EQ(static_cast<int>(t.pus.size()), AffinityCpuCount());
  std::vector<int> os;
  for (const ProcessingUnit& p : t.pus) os.push_back(p.os_index);
  std::sort(os.begin(), os.end());
  EXPECT_EQ(os, AffinityOsIndexes());
  EXPECT_GE(t.cores, 1);
  EXPECT_LE(t.cores, static_cast<int>(t.pus.size()));
  EXPECT_TRUE(Sorted(t));
}

TEST(TopologyTest, FollowsANarrowedMask) {
  // A thread of our own, so that narrowing its mask leaves the test runner alone.
  Topology t;
  bool loaded = false;
  int first = -1;
  std::thread worker([&] {
    std::vector<int> cpus = AffinityOsIndexes();
    if (cpus.empty()) return;
    first = cpus.back();
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(first, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) return;
    std::string err;
    loaded = LoadTopology(&t, &err);
  });
  worker.join();
  ASSERT_TRUE(loaded);
  ASSERT_EQ(t.pus.size(), 1u);
  EXPECT_EQ(t.pus[0].os_index, first);
  EXPECT_EQ(t.pus[0].core, 0) << "ids are dense among what is usable";
  EXPECT_EQ(t.pus[0].l3, 0);
  EXPECT_EQ(t.pus[0].numa, 0);
  EXPECT_EQ(t.pus[0].package, 0);
  EXPECT_EQ(t.cores, 1);
  EXPECT_EQ(t.packages, 1);
  for (const CacheLevel& c : t.caches) EXPECT_EQ(c.count, 1) << "L" << c.depth;
}

TEST(TopologyFlatTest, OnePuPerCoreSortedAndDeduplicated) {
  Topology t = FlatTopology({5, 2, 3, 2});
  EXPECT_FALSE(t.from_hwloc);
  ASSERT_EQ(t.pus.size(), 3u);
  EXPECT_EQ(t.pus[0].os_index, 2);
  EXPECT_EQ(t.pus[1].os_index, 3);
  EXPECT_EQ(t.pus[2].os_index, 5);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(t.pus[i].core, i);
    EXPECT_EQ(t.pus[i].l3, 0);
    EXPECT_EQ(t.pus[i].numa, 0);
    EXPECT_EQ(t.pus[i].package, 0);
  }
  EXPECT_EQ(t.cores, 3);
  EXPECT_EQ(t.l3_groups, 1);
  EXPECT_EQ(t.numa_nodes, 1);
  EXPECT_EQ(t.packages, 1);
  EXPECT_TRUE(t.caches.empty());
}

TEST(TopologyFlatTest, Empty) {
  Topology t = FlatTopology({});
  EXPECT_TRUE(t.pus.empty());
  EXPECT_EQ(t.cores, 0);
}

}  // namespace
}  // namespace coreflow
