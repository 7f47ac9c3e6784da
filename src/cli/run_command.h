#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "run/run_flags.h"

namespace coreflow {

// Declares `coreflow run` and its options on `app`.
CLI::App* AddRunCommand(CLI::App& app, RunFlags* flags);
// Declares `coreflow tune`: run's options, plus --sample, --list and --clear.
CLI::App* AddTuneCommand(CLI::App& app, RunFlags* flags);

}  // namespace coreflow
