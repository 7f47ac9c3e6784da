#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/run_data.h"
#include "report/stats.h"

namespace coreflow {

// A few lines for stderr at the end of a run (or from a journal): counts, time, speed-up,
// utilization, runtime and memory spread, the first failures by input with the last lines of
// their stderr, and, when work was left undone, the command that does just that work. Each
// line starts with "coreflow: " and ends with a newline.
std::string FormatSummary(const RunData& data, const RunStats& stats);

// The words of a command line, each quoted for /bin/sh where it needs it, side by side.
std::string QuoteCommandLine(const std::vector<std::string>& argv);

// "-j 4 (8 usable cores (CPU affinity) / 2 threads per task), -t 2 (-t)": the configuration a
// run used and where each value came from; "" when not known.
std::string DescribeConfiguration(const RunSettings& settings);

// The --report document; its layout is specified in docs/reports.md.
nlohmann::json ReportJson(const RunData& data, const RunStats& stats);

}  // namespace coreflow
