#pragma once

#include <string>

#include "report/run_data.h"
#include "report/stats.h"

namespace coreflow {

// Where a run's or a journal's reports go; empty paths are not written.
struct ReportPaths {
  std::string json;
  std::string html;
};

// Usage check before any task runs: each file can be created. False with *err naming it.
bool CheckReportPaths(const ReportPaths& paths, std::string* err);

// Writes the JSON report and the HTML page, each atomically. False with *err naming the file.
bool WriteReports(const ReportPaths& paths, const RunData& data, const RunStats& stats,
                  std::string* err);

}  // namespace coreflow
