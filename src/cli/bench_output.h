#pragma once

#include <string>
#include <vector>

#include "cli/bench_command.h"
#include "cli/bench_runner.h"
#include "compare/bench_session.h"

namespace coreflow {

// The table `coreflow bench` prints, and its JSON report (--report).
std::string BenchTable(const std::vector<BenchConfig>& configs, const BenchResult& result);
std::string BenchJson(const std::vector<BenchConfig>& configs, const BenchResult& result);

// Prints the table (or the error), writes the report; returns the exit status: 0, 1 when
// outputs differ, 255 when the bench could not run.
int PrintBench(const BenchFlags& flags, const std::vector<BenchConfig>& configs,
               const BenchResult& result);

}  // namespace coreflow
