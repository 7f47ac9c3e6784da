#pragma once

#include <CLI/CLI.hpp>

#include "coreflow/run_options.h"

namespace coreflow {

// `coreflow tune --list` / `--clear`: the tuning cache, not a run.
struct TuneCacheFlags {
  bool list = false;
  bool clear = false;
};

// Declares `coreflow run` and its options on `app`: they fill the C++ API's RunOptions.
CLI::App* AddRunCommand(CLI::App& app, RunOptions* options);
// Declares `coreflow tune`: run's options, plus --sample, --list and --clear.
CLI::App* AddTuneCommand(CLI::App& app, RunOptions* options, TuneCacheFlags* cache);

}  // namespace coreflow
