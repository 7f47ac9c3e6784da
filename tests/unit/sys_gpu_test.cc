#include "sys/gpu.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <vector>

#include "base/parse.h"
#include "test_util.h"

namespace coreflow {
namespace {

constexpr const char* kList =
    "GPU 0: NVIDIA H200 (UUID: GPU-3f2a1b4c-0000-1111-2222-333344445555)\n"
    "GPU 1: NVIDIA A100-SXM4-80GB (UUID: GPU-8e7d6c5b-aaaa-bbbb-cccc-ddddeeeeffff)\n"
    "  MIG 3g.40gb     Device  0: (UUID: MIG-11111111-2222-3333-4444-555555555555)\n"
    "  MIG 3g.40gb     Device  1: (UUID: MIG-66666666-7777-8888-9999-000000000000)\n"
    "GPU 2: Tesla V100-PCIE-16GB (rev a1) (UUID: GPU-3f2a9999-aaaa-bbbb-cccc-ddddeeeeffff)\n";

std::vector<int> Indexes(const std::vector<Gpu>& gpus) {
  std::vector<int> out;
  for (const Gpu& g : gpus) out.push_back(g.index);
  return out;
}

std::vector<int> Visible(const char* value) {
  std::string v = value;
  return Indexes(FilterVisibleGpus(ParseNvidiaSmiList(kList), &v));
}

TEST(HwGpuTest, ParsesNvidiaSmiList) {
  std::vector<Gpu> gpus = ParseNvidiaSmiList(kList);
  ASSERT_EQ(gpus.size(), 3u);
  EXPECT_EQ(gpus[0].index, 0);
  EXPECT_EQ(gpus[0].name, "NVIDIA H200");
  EXPECT_EQ(gpus[0].uuid, "GPU-3f2a1b4c-0000-1111-2222-333344445555");
  EXPECT_TRUE(gpus[0].mig_uuids.empty());
  EXPECT_EQ(gpus[1].name, "NVIDIA A100-SXM4-80GB");
  ASSERT_EQ(gpus[1].mig_uuids.size(), 2u);
  EXPECT_EQ(gpus[1].mig_uuids[1], "MIG-66666666-7777-8888-9999-000000000000");
  EXPECT_EQ(gpus[2].name, "Tesla V100-PCIE-16GB (rev a1)") << "parentheses in the name";
}

TEST(HwGpuTest, SkipsWhatIsNotAGpuLine) {
  EXPECT_TRUE(ParseNvidiaSmiList("").empty());
  EXPECT_TRUE(ParseNvidiaSmiList("No devices were found\n").empty());
  EXPECT_TRUE(ParseNvidiaSmiList("NVIDIA-SMI has failed because it couldn't communicate with "
                                 "the NVIDIA driver.\n")
                  .empty());
  std::vector<Gpu> gpus = ParseNvidiaSmiList(
      "  MIG 1g.10gb Device 0: (UUID: MIG-aaaa)\n"  // no GPU before it
      "GPU x: Broken (UUID: GPU-1)\nGPU 3: No uuid\nGPU 4: Fine (UUID: GPU-44)\r\n");
  ASSERT_EQ(gpus.size(), 1u);
  EXPECT_EQ(gpus[0].index, 4);
  EXPECT_EQ(gpus[0].uuid, "GPU-44");
  EXPECT_TRUE(gpus[0].mig_uuids.empty());
}

TEST(HwGpuTest, CudaVisibleDevicesUnsetKeepsAll) {
  EXPECT_EQ(Indexes(FilterVisibleGpus(ParseNvidiaSmiList(kList), nullptr)),
            (std::vector<int>{0, 1, 2}));
}

TEST(HwGpuTest, CudaVisibleDevicesByIndexInItsOrder) {
  EXPECT_EQ(Visible("2,0"), (std::vector<int>{2, 0}));
  EXPECT_EQ(Visible(" 1 , 2 "), (std::vector<int>{1, 2}));
  EXPECT_EQ(Visible("1,1,0"), (std::vector<int>{1, 0})) << "duplicates count once";
}

TEST(HwGpuTest, CudaVisibleDevicesEmptyOrInvalidHidesTheRest) {
  EXPECT_TRUE(Visible("").empty());
  EXPECT_TRUE(Visible("-1").empty());
  EXPECT_TRUE(Visible("none").empty());
  EXPECT_EQ(Visible("1,7,0"), (std::vector<int>{1})) << "CUDA stops at the first bad entry";
  EXPECT_EQ(Visible("0,-1,2"), (std::vector<int>{0}));
}

TEST(HwGpuTest, CudaVisibleDevicesByUuidOrUniquePrefix) {
  EXPECT_EQ(Visible("GPU-8e7d6c5b-aaaa-bbbb-cccc-ddddeeeeffff"), (std::vector<int>{1}));
  EXPECT_EQ(Visible("GPU-8e7d,GPU-3f2a1"), (std::vector<int>{1, 0}));
  EXPECT_TRUE(Visible("GPU-3f2a").empty()) << "a prefix of two GPUs names neither";
  EXPECT_TRUE(Visible("GPU-").empty());
  EXPECT_EQ(Visible("MIG-11111111-2222-3333-4444-555555555555"), (std::vector<int>{1}))
      << "a MIG device names its GPU";
}

// ---- DetectGpus, with a stand-in nvidia-smi on PATH ----

class FakeSmi : public testutil::ScratchDir {
 public:
  FakeSmi() : ScratchDir("gpu_test") {}
  void Script(const std::string& body) { Write("nvidia-smi", "#!/bin/sh\n" + body, 0755); }
  Environment Env(std::vector<std::string> extra = {}) {
    extra.push_back("PATH=/nonexistent:" + path());
    return Environment(extra);
  }
};

TEST(HwGpuTest, NoNvidiaSmiRunsNothing) {
  FakeSmi dir;
  GpuList list = DetectGpus(dir.Env());
  EXPECT_FALSE(list.ran);
  EXPECT_TRUE(list.gpus.empty());
  EXPECT_EQ(list.note, "no nvidia-smi on PATH");
  EXPECT_EQ(DetectGpus(Environment()).note, "no nvidia-smi on PATH") << "no PATH at all";
}

TEST(HwGpuTest, RunsNvidiaSmiAndFilters) {
  FakeSmi dir;
  dir.Script(std::string("[ \"$1\" = -L ] || exit 3\ncat <<'END'\n") + kList + "END\n");
  GpuList list = DetectGpus(dir.Env());
  EXPECT_TRUE(list.ran) << list.note;
  EXPECT_EQ(list.listed, 3);
  EXPECT_EQ(Indexes(list.gpus), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(list.note, "");
  list = DetectGpus(dir.Env({"CUDA_VISIBLE_DEVICES=2"}));
  EXPECT_EQ(list.listed, 3);
  EXPECT_EQ(Indexes(list.gpus), (std::vector<int>{2}));
  list = DetectGpus(dir.Env({"CUDA_VISIBLE_DEVICES="}));
  EXPECT_TRUE(list.gpus.empty());
  EXPECT_EQ(list.note, "CUDA_VISIBLE_DEVICES hides every GPU");
}

TEST(HwGpuTest, FailureMeansNoGpus) {
  FakeSmi dir;
  dir.Script("echo 'GPU 0: X (UUID: GPU-1)'\nexit 9\n");
  GpuList list = DetectGpus(dir.Env());
  EXPECT_FALSE(list.ran);
  EXPECT_TRUE(list.gpus.empty());
  EXPECT_EQ(list.note, "nvidia-smi -L failed");
}

TEST(HwGpuTest, AHungNvidiaSmiIsKilledInTime) {
  FakeSmi dir;
  std::string pid_file = dir.path() + "/pid";
  dir.Script("echo $$ >" + pid_file + "\necho 'GPU 0: X (UUID: GPU-1)'\nexec sleep 30\n");
  auto start = std::chrono::steady_clock::now();
  GpuList list = DetectGpus(dir.Env(), 200);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5.0);
  EXPECT_FALSE(list.ran);
  EXPECT_TRUE(list.gpus.empty());
  EXPECT_EQ(list.note, "nvidia-smi did not answer within 200 ms");
  // Killed and reaped: not even a zombie is left.
  int64_t pid = 0;
  std::string text = testutil::ReadFile(pid_file);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  ASSERT_TRUE(ParseInt(text, &pid)) << text;
  EXPECT_EQ(kill(static_cast<pid_t>(pid), 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

}  // namespace
}  // namespace coreflow
