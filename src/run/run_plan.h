#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/environment.h"
#include "engine/engine.h"
#include "engine/resources.h"
#include "engine/thread_env.h"
#include "exec/worker_runner.h"
#include "report/run_data.h"
#include "run/machine_probe.h"
#include "run/run_flags.h"
#include "sys/cpu.h"

namespace coreflow {

// Everything `coreflow run` decided before the first task: what to run and with what.
struct RunPlan {
  RunConfig config;
  CpuBudget cpus;
  ResourcePlan resources;
  WorkerOptions worker;  // with --worker
  std::string pinning;   // with --bind: what the slots' CPUs were carved from
  std::optional<ThreadVariable> exported_threads;  // what tasks run instead of -t's default
  bool show_progress = false;                      // a progress display on stderr
  bool progress_on_terminal = false;               // it redraws one line in place
  bool slot_cgroups = false;  // --mem-per-task through per-slot cgroups where possible
  std::string gpu_source;     // where config.gpu_ids came from, for messages
  // To print before anything else, even when planning failed after them.
  std::vector<std::string> warnings;
};

// GNU parallel's --joblog +FILE: append to FILE. Returns the flags with the '+' taken off
// and joblog_append set.
RunFlags ResolveJoblogAppend(RunFlags flags);

// Turns the flags and the words after them (`rest`, from the command template on) into a
// plan. Every usage error is found here, before anything runs: false with *err naming the
// problem. Pure: the machine is seen only through `probe`, the environment only through `env`.
bool BuildRunPlan(const RunFlags& flags, const std::vector<std::string>& rest,
                  const Environment& env, const MachineProbe& probe, RunPlan* plan,
                  std::string* err);

// What the run uses and why, for the journal's '#config' note and the reports.
RunSettings DescribeSettings(const RunPlan& plan);

}  // namespace coreflow
