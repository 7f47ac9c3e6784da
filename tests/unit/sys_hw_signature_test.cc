#include "sys/hw_signature.h"

#include <gtest/gtest.h>

#include <string>

#include "sys/cpuinfo.h"
#include "test_util.h"

namespace coreflow {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

HwSignatureInputs Sample() {
  HwSignatureInputs in;
  in.cpu_model = "Intel(R) Xeon(R) Platinum 8480+";
  in.cpu_flags = {"sse2", "avx2", "avx512f", "fma"};
  in.packages = 2;
  in.numa_nodes = 2;
  in.l3_groups = 2;
  in.cores = 112;
  in.pus = 224;
  in.caches = {{1, 49152, 112}, {2, 2u << 20, 112}, {3, 105u << 20, 2}};
  in.usable_cores = 224;
  in.memory_bytes = 512 * kGiB;
  return in;
}

TEST(HwSignatureTest, SameInputsSameHash) {
  HwSignature a = MakeHwSignature(Sample());
  HwSignature b = MakeHwSignature(Sample());
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_EQ(a.hash.size(), 64u);
  EXPECT_EQ(a.hash.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(HwSignatureTest, TheCanonicalTextIsFixed) {
  // The tuning cache is keyed on this text: changing it invalidates every cached result.
  EXPECT_EQ(MakeHwSignature(Sample()).text,
            "coreflow-hw-signature 1\n"
            "cpu_model=Intel(R) Xeon(R) Platinum 8480+\n"
            "cpu_flags=avx2 avx512f fma sse2\n"
            "packages=2\nnuma_nodes=2\nl3_groups=2\ncores=112\npus=224\n"
            "cache_l1=49152x112\ncache_l2=2097152x112\ncache_l3=110100480x2\n"
            "usable_cores=224\nmemory_bytes=549755813888\n");
}

TEST(HwSignatureTest, FlagAndCacheOrderDoNotMatter) {
  HwSignatureInputs shuffled = Sample();
  shuffled.cpu_flags = {"fma", "avx512f", "sse2", "avx2", "fma"};
  std::swap(shuffled.caches[0], shuffled.caches[2]);
  EXPECT_EQ(MakeHwSignature(shuffled).hash, MakeHwSignature(Sample()).hash);
}

TEST(HwSignatureTest, EveryInputChangesTheHash) {
  const std::string base = MakeHwSignature(Sample()).hash;
  auto changed = [&base](auto edit) {
    HwSignatureInputs in = Sample();
    edit(in);
    return MakeHwSignature(in).hash != base;
  };
  EXPECT_TRUE(changed([](HwSignatureInputs& in) { in.usable_cores = 8; }));
  EXPECT_TRUE(changed([](HwSignatureInputs& in) { in.cores = 56; }));
  EXPECT_TRUE(changed([](HwSignatureInputs& in) { in.pus = 112; }));
  EXPECT_TRUE(changed([](HwSignatureInputs& in) { in.packages = 1; }));
  EXPECT_TRUE(changed([](HwSignatureInputs& in) { in.numa_nodes = 8; }));
  EXPECT_TRUE(changed([](HwSignatureInputs& in) { in.l3_groups = 16; }));
  EXPECT_TRUE(changed([](HwSignatureInputs& in) { in.caches[2].bytes = 32u << 20; }));
  EXPECT_TRUE(changed([](HwSignatureInputs& in) { in.cpu_flags.pop_back(); }));
  EXPECT_TRUE(changed([](HwSignatureInputs& in) { in.cpu_model = "AMD EPYC 9654"; }));
  EXPECT_TRUE(changed([](HwSignatureInputs& in) { in.memory_bytes = 64 * kGiB; }));
}

TEST(HwSignatureTest, ANewlineCannotForgeAKey) {
  HwSignatureInputs in = Sample();
  in.cpu_model = "X\nusable_cores=1";
  EXPECT_EQ(MakeHwSignature(in).text.find("\nusable_cores=1\n"), std::string::npos);
}

TEST(HwSignatureTest, InputsFromTheTopologyAndBudget) {
  Topology topo;
  topo.pus.resize(8);
  topo.cores = 4;
  topo.l3_groups = 1;
  topo.numa_nodes = 1;
  topo.packages = 1;
  topo.caches = {{3, 8u << 20, 1}};
  topo.cpu_model = "Some CPU";
  CpuBudget cpu;
  cpu.usable = 3;
  HwSignatureInputs in = SignatureInputsFrom(
      topo, cpu, 16 * kGiB, "processor\t: 0\nflags\t\t: fpu sse2 avx\n\nprocessor\t: 1\n");
  EXPECT_EQ(in.cpu_model, "Some CPU");
  EXPECT_EQ(in.cpu_flags, (std::vector<std::string>{"fpu", "sse2", "avx"}));
  EXPECT_EQ(in.pus, 8);
  EXPECT_EQ(in.cores, 4);
  EXPECT_EQ(in.usable_cores, 3);
  EXPECT_EQ(in.memory_bytes, 16 * kGiB);
  EXPECT_EQ(in.caches.size(), 1u);
  // arm64 calls them Features.
  in = SignatureInputsFrom(topo, cpu, 0, "processor\t: 0\nFeatures\t: fp asimd sve\n");
  EXPECT_EQ(in.cpu_flags, (std::vector<std::string>{"fp", "asimd", "sve"}));
}

// ---- GrantedMemoryBytes ----

TEST(HwSignatureTest, GrantedMemoryIsMemTotalInWholeGiB) {
  testutil::ScratchDir root("signature_test");
  root.Write("/proc/meminfo", "MemTotal:       65839320 kB\nMemAvailable:   1000 kB\n");
  EXPECT_EQ(GrantedMemoryBytes(MemoryBudget(), root.path()), 62 * kGiB);
}

TEST(HwSignatureTest, GrantedMemoryTakesTheSmallestLimit) {
  testutil::ScratchDir root("signature_test");
  root.Write("/proc/meminfo", "MemTotal:       65839320 kB\n");
  root.Write("/proc/self/mountinfo",
             "25 24 0:24 / /sys/fs/cgroup rw shared:3 - cgroup2 cgroup2 rw,nsdelegate\n");
  root.Write("/proc/self/cgroup", "0::/job/task\n");
  root.Write("/sys/fs/cgroup/job/memory.max", std::to_string(8 * kGiB) + "\n");
  root.Write("/sys/fs/cgroup/job/memory.current", std::to_string(7 * kGiB) + "\n");
  root.Write("/sys/fs/cgroup/job/task/memory.max", "max\n");
  MemoryBudget budget;
  EXPECT_EQ(GrantedMemoryBytes(budget, root.path()), 8 * kGiB) << "the limit, not the headroom";
  budget.slurm_limit = 4 * kGiB;
  EXPECT_EQ(GrantedMemoryBytes(budget, root.path()), 4 * kGiB);
}

TEST(HwSignatureTest, GrantedMemoryUnknownIsZero) {
  testutil::ScratchDir root("signature_test");
  EXPECT_EQ(GrantedMemoryBytes(MemoryBudget(), root.path()), 0u);
}

// ---- CpuinfoField ----

TEST(HwCpuinfoTest, FirstProcessorsField) {
  const char* text =
      "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold 6338 "
      "CPU @ 2.00GHz\nflags\t\t: fpu vme\n\nprocessor\t: 1\nmodel name\t: other\n";
  EXPECT_EQ(CpuinfoField(text, "model name"), "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz");
  EXPECT_EQ(CpuinfoField(text, "flags"), "fpu vme");
  EXPECT_EQ(CpuinfoField(text, "processor"), "0");
  EXPECT_EQ(CpuinfoField(text, "model"), "") << "whole keys only";
  EXPECT_EQ(CpuinfoField("", "flags"), "");
  EXPECT_EQ(CpuinfoField("flags\t:\n", "flags"), "");
}

TEST(HwCpuinfoTest, ReadsUnderRoot) {
  testutil::ScratchDir root("cpuinfo_test");
  EXPECT_EQ(ReadCpuinfo(root.path()), "");
  root.Write("/proc/cpuinfo", "model name\t: Fake\n");
  EXPECT_EQ(CpuinfoField(ReadCpuinfo(root.path()), "model name"), "Fake");
}

}  // namespace
}  // namespace coreflow
