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

// The --report document; its layout is specified in docs/reports.md.
nlohmann::json ReportJson(const RunData& data, const RunStats& stats);

}  // namespace coreflow
