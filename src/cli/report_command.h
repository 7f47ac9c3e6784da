#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace coreflow {

struct ReportFlags {
  std::string journal;
  std::string json;
  std::string html;
};

// Declares `coreflow report JOURNAL [--json FILE] [--html FILE]` on `app`.
CLI::App* AddReportCommand(CLI::App& app, ReportFlags* flags);

// Prints the summary of the run a journal records (finished, crashed or still going) and
// writes the reports asked for. Returns the exit status: 0, or 255 on an error.
int ReportMain(const ReportFlags& flags);

}  // namespace coreflow
