#pragma once

#include <CLI/CLI.hpp>

#include "coreflow/run_options.h"

namespace coreflow {

// The command line `argv` as `sub` (a parsed subcommand, whose options end where its
// remaining words begin) understood it.
CommandLine DescribeInvocation(const CLI::App& sub, int argc, const char* const* argv);

}  // namespace coreflow
