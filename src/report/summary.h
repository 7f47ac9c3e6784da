#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "report/run_data.h"
#include "report/stats.h"

namespace coreflow {

// A few lines for stderr at the end of a run (or from a journal): counts, time, speed-up,
// utilization, runtime and memory spread, and the first failures. Each line starts with
// "coreflow: " and ends with a newline.
std::string FormatSummary(const RunData& data, const RunStats& stats);

// "-j 4 (8 usable cores (CPU affinity) / 2 threads per task), -t 2 (-t)": the configuration a
// run used and where each value came from; "" when not known.
std::string DescribeConfiguration(const RunSettings& settings);

// The --report document; its layout is specified in docs/reports.md.
nlohmann::json ReportJson(const RunData& data, const RunStats& stats);

}  // namespace coreflow
