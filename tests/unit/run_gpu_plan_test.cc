// GPU slots as the run plan sees them (docs/gpus.md): where the devices come from and what a
// task asks.
#include <gtest/gtest.h>

#include "run/gpu_plan.h"
#include "run/run_plan.h"
#include "schedule/gpu_pool.h"

namespace coreflow {
namespace {

const std::vector<std::string> kEcho = {"echo", ":::", "a"};

MachineProbe EightCores() {
  MachineProbe probe;
  probe.cpus = CombineCpuLimits(8, 0, "", Environment());
  return probe;
}

TEST(GpuPlan, AsksAreSharesOfOneDeviceOrWholeDevices) {
  int shares = 0;
  std::string err;
  ASSERT_TRUE(ParseGpuAsk("0.5", "--gpus-per-task", &shares, &err)) << err;
  EXPECT_EQ(shares, kGpuWhole / 2);
  ASSERT_TRUE(ParseGpuAsk("0.25", "--gpus-per-task", &shares, &err)) << err;
  EXPECT_EQ(shares, kGpuWhole / 4);
  ASSERT_TRUE(ParseGpuAsk("2", "--gpus-per-task", &shares, &err)) << err;
  EXPECT_EQ(shares, 2 * kGpuWhole);
  EXPECT_FALSE(ParseGpuAsk("0", "--gpus-per-task", &shares, &err));
  EXPECT_EQ(err, "--gpus-per-task must be a number of GPUs such as 1, 2 or 0.5 (a share of one)");
  EXPECT_FALSE(ParseGpuAsk("-1", "--gpus-per-task", &shares, &err));
  EXPECT_FALSE(ParseGpuAsk("0.0001", "--gpus-per-task", &shares, &err));
  EXPECT_EQ(err, "--gpus-per-task 0.0001 is less than a thousandth of a GPU");
}

TEST(GpuPlan, TheJobsVisibleDevicesAreTheOnesToShare) {
  std::vector<std::string> ids;
  std::string which;
  EXPECT_FALSE(VisibleDevicesFromEnvironment(Environment(), &ids, &which));
  ASSERT_TRUE(
      VisibleDevicesFromEnvironment(Environment({"CUDA_VISIBLE_DEVICES=2,3"}), &ids, &which));
  EXPECT_EQ(ids, (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(which, "CUDA_VISIBLE_DEVICES");
  ASSERT_TRUE(VisibleDevicesFromEnvironment(Environment({"ROCR_VISIBLE_DEVICES=1"}), &ids, &which));
  EXPECT_EQ(ids, (std::vector<std::string>{"1"}));
  EXPECT_EQ(which, "ROCR_VISIBLE_DEVICES");
  // CUDA stops at an entry that names nothing: "-1" hides the rest.
  ASSERT_TRUE(
      VisibleDevicesFromEnvironment(Environment({"CUDA_VISIBLE_DEVICES=0,-1,1"}), &ids, &which));
  EXPECT_EQ(ids, (std::vector<std::string>{"0"}));
  ASSERT_TRUE(VisibleDevicesFromEnvironment(Environment({"CUDA_VISIBLE_DEVICES="}), &ids, &which));
  EXPECT_TRUE(ids.empty());
}

TEST(GpuPlan, NvidiaSmisGpusAreNamedByUuidAndPartitionedOnesByTheirMigDevices) {
  GpuList found;
  found.gpus = ParseNvidiaSmiList(
      "GPU 0: NVIDIA H100 (UUID: GPU-aaaa)\n"
      "GPU 1: NVIDIA A100 (UUID: GPU-bbbb)\n"
      "  MIG 3g.40gb Device 0: (UUID: MIG-b0)\n"
      "  MIG 3g.40gb Device 1: (UUID: MIG-b1)\n");
  EXPECT_EQ(DeviceIds(found), (std::vector<std::string>{"GPU-aaaa", "MIG-b0", "MIG-b1"}));
}

TEST(GpuPlan, GpusAloneGiveEachTaskOneDevice) {
  RunFlags flags;
  flags.gpus = "a,b,c";
  RunPlan plan;
  std::string err;
  ASSERT_TRUE(BuildRunPlan(flags, kEcho, Environment(), EightCores(), &plan, &err)) << err;
  EXPECT_EQ(plan.config.gpu_ids, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(plan.config.schedule.gpu_devices, 3);
  ASSERT_EQ(plan.config.schedule.stages.size(), 1u);
  EXPECT_EQ(plan.config.schedule.stages[0].gpus, kGpuWhole);
  EXPECT_FALSE(plan.config.schedule.stages[0].gpus_per_slot);
  EXPECT_EQ(plan.config.schedule.slots, 8);  // the cores still set how many may run at once
}

TEST(GpuPlan, AWarmWorkerKeepsItsDevicesAndTheEnvironmentNamesThem) {
  RunFlags flags;
  flags.gpus_per_task = "0.5";
  flags.worker.command = "python3 serve.py";
  RunPlan plan;
  std::string err;
  Environment env({"CUDA_VISIBLE_DEVICES=GPU-x,GPU-y"});
  ASSERT_TRUE(BuildRunPlan(flags, kEcho, env, EightCores(), &plan, &err)) << err;
  EXPECT_EQ(plan.config.gpu_ids, (std::vector<std::string>{"GPU-x", "GPU-y"}));
  EXPECT_EQ(plan.gpu_source, "CUDA_VISIBLE_DEVICES");
  ASSERT_EQ(plan.config.schedule.stages.size(), 1u);
  EXPECT_EQ(plan.config.schedule.stages[0].gpus, kGpuWhole / 2);
  EXPECT_TRUE(plan.config.schedule.stages[0].gpus_per_slot);
}

TEST(GpuPlan, AJobWhoseDevicesAreHiddenCannotAskForOne) {
  RunFlags flags;
  flags.gpus_per_task = "1";
  RunPlan plan;
  std::string err;
  EXPECT_FALSE(BuildRunPlan(flags, kEcho, Environment({"CUDA_VISIBLE_DEVICES=-1"}), EightCores(),
                            &plan, &err));
  EXPECT_EQ(err,
            "--gpus-per-task asks for GPUs, but CUDA_VISIBLE_DEVICES hides every device; name the "
            "devices with --gpus LIST");
}

}  // namespace
}  // namespace coreflow
