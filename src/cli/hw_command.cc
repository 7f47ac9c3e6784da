#include "cli/hw_command.h"

#include <fmt/format.h>

#include "cli/hw_output.h"
#include "run/hw_info.h"
#include "sys/process.h"

namespace coreflow {

CLI::App* AddHwCommand(CLI::App& app, HwFlags* f) {
  CLI::App* hw = app.add_subcommand(
      "hw",
      "Show what this allocation really has: usable cores and memory and what limited them "
      "(affinity, cgroup, Slurm, COREFLOW_CORES), the topology, GPUs, BLAS and the hardware "
      "signature");
  hw->add_flag("--json", f->json, "Print it as one JSON object (docs/hw.md)");
  return hw;
}

int HwMain(const HwFlags& f) {
  Environment env = ProcessEnvironment();
  // Hidden, for tests: a directory standing in for / when reading cgroup and meminfo files.
  const std::string* root = env.Get("COREFLOW_SYS_ROOT");
  HwInfo info = GatherHwInfo(env, root == nullptr ? "" : *root);
  if (f.json) {
    fmt::print("{}\n", HwJson(info).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    fmt::print("{}", HwText(info));
  }
  return 0;
}

}  // namespace coreflow
