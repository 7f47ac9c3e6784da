#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "run/staging_copy.h"

namespace coreflow {

// `coreflow stage SRC... DEST`: a run of copy tasks (docs/staging.md).
struct StageFlags {
  std::vector<std::string> paths;  // the sources, then the destination
  std::string jobs;                // copies at once (default kDefaultCopies)
  std::string joblog;
  bool resume = false;
  bool no_progress = false;
};
CLI::App* AddStageCommand(CLI::App& app, StageFlags* flags);
int StageMain(const StageFlags& flags);

}  // namespace coreflow
