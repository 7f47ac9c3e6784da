#include "cli/hw_output.h"

#include <gtest/gtest.h>

#include <string>

#include "base/cpu_list.h"

namespace coreflow {
namespace {

HwInfo Sample() {
  HwInfo info;
  info.cpu = CombineCpuLimits(4, 2.5, "/sys/fs/cgroup/job/cpu.max", Environment());
  info.affinity_cpus = {0, 1, 2, 3};
  info.memory.usable_bytes = uint64_t{3} << 30;
  info.memory.mem_available = 60ull << 30;
  info.memory.cgroup_limit = uint64_t{3} << 30;
  info.memory.source = "cgroup memory.max";
  info.granted_memory = uint64_t{4} << 30;
  info.topology = FlatTopology({0, 1, 2, 3});
  info.topology.from_hwloc = true;
  info.topology.cores = 2;
  info.topology.caches = {{3, 32u << 20, 1}};
  info.topology.cpu_model = "Some CPU";
  info.gpus.gpus = {{0, "NVIDIA H200", "GPU-1", {}}};
  info.gpus.listed = 2;
  info.gpus.ran = true;
  info.cuda_visible_devices = "0";
  info.blas = {"openblas-pthread", "/lib/libopenblasp.so", "", "the system libblas.so.3"};
  info.signature = {"text\n", std::string(64, 'a')};
  return info;
}

TEST(HwOutputTest, FormatsCpuLists) {
  EXPECT_EQ(FormatCpuList({}), "");
  EXPECT_EQ(FormatCpuList({3}), "3");
  EXPECT_EQ(FormatCpuList({0, 1, 2, 3}), "0-3");
  EXPECT_EQ(FormatCpuList({0, 1, 4, 6, 7, 8}), "0-1,4,6-8");
}

TEST(HwOutputTest, JsonHoldsEverySection) {
  nlohmann::json j = HwJson(Sample());
  EXPECT_EQ(j["coreflow_hw"], 1);
  EXPECT_EQ(j["cpu"]["usable_cores"], 2);
  EXPECT_EQ(j["cpu"]["affinity_pus"], 4);
  EXPECT_EQ(j["cpu"]["affinity_cpus"], nlohmann::json({0, 1, 2, 3}));
  EXPECT_EQ(j["cpu"]["physical_cores"], 2);
  EXPECT_EQ(j["cpu"]["cgroup_quota_cpus"], 2.5);
  EXPECT_EQ(j["cpu"]["limited_by"], "cgroup CPU quota (/sys/fs/cgroup/job/cpu.max)");
  EXPECT_TRUE(j["cpu"]["slurm_cpus_on_node"].is_null());
  EXPECT_TRUE(j["cpu"]["coreflow_cores"].is_null());
  EXPECT_EQ(j["memory"]["usable_bytes"], 3ull << 30);
  EXPECT_EQ(j["memory"]["cgroup_headroom_bytes"], 3ull << 30);
  EXPECT_TRUE(j["memory"]["slurm_bytes"].is_null());
  EXPECT_EQ(j["memory"]["granted_bytes"], 4ull << 30);
  EXPECT_EQ(j["topology"]["source"], "hwloc");
  EXPECT_TRUE(j["topology"]["error"].is_null());
  EXPECT_EQ(j["topology"]["pus"], 4);
  EXPECT_EQ(j["topology"]["pu_list"].size(), 4u);
  EXPECT_EQ(j["topology"]["pu_list"][3]["os_index"], 3);
  EXPECT_EQ(j["topology"]["caches"][0]["level"], 3);
  EXPECT_EQ(j["gpus"]["visible"][0]["name"], "NVIDIA H200");
  EXPECT_EQ(j["gpus"]["listed"], 2);
  EXPECT_EQ(j["gpus"]["cuda_visible_devices"], "0");
  EXPECT_EQ(j["blas"]["name"], "openblas-pthread");
  EXPECT_TRUE(j["blas"]["numpy"].is_null());
  EXPECT_EQ(j["signature"]["hash"], std::string(64, 'a'));
}

TEST(HwOutputTest, TextListsWhatLimitedTheCores) {
  std::string text = HwText(Sample());
  EXPECT_NE(text.find("  usable cores        2 (limited by cgroup CPU quota"), std::string::npos)
      << text;
  EXPECT_NE(text.find("  usable PUs          4 (CPU affinity: 0-3)"), std::string::npos) << text;
  EXPECT_NE(text.find("Topology (hwloc)"), std::string::npos) << text;
  EXPECT_NE(text.find("L3 32 MiB x1"), std::string::npos) << text;
  EXPECT_NE(text.find("0: NVIDIA H200 (1 of 2, CUDA_VISIBLE_DEVICES=0)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("signature             " + std::string(64, 'a')), std::string::npos);
}

TEST(HwOutputTest, TextSaysWhenTheTopologyIsAGuess) {
  HwInfo info = Sample();
  info.topology = FlatTopology({0, 1, 2, 3});
  info.topology_error = "hwloc: cannot load the topology";
  info.gpus = GpuList();
  info.gpus.note = "no nvidia-smi on PATH";
  std::string text = HwText(info);
  EXPECT_NE(text.find("Topology (a flat guess from the CPU affinity: hwloc: cannot load"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  physical cores      4 (a guess: one PU per core)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("GPUs                  none (no nvidia-smi on PATH)"), std::string::npos)
      << text;
  EXPECT_EQ(HwJson(info)["topology"]["source"], "flat");
  EXPECT_EQ(HwJson(info)["topology"]["error"], "hwloc: cannot load the topology");
}

}  // namespace
}  // namespace coreflow
