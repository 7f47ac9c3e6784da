#include "cli/report_command.h"

#include <fmt/format.h>

#include "report/journal_data.h"
#include "report/stats.h"
#include "report/summary.h"
#include "run/report_output.h"

namespace coreflow {

CLI::App* AddReportCommand(CLI::App& app, ReportFlags* f) {
  CLI::App* report = app.add_subcommand(
      "report",
      "Summarize a run from its journal (--joblog), also of a run that crashed or is still "
      "going; write a JSON report or an HTML page of it");
  report->add_option("journal", f->journal, "The journal a run wrote with --joblog")->required();
  report->add_option("--json", f->json, "Write the JSON report (as run --report) to FILE");
  report->add_option("--html", f->html,
                     "Write a self-contained HTML page to FILE: a timeline of every task, "
                     "utilization over time, runtime and memory histograms");
  return report;
}

int ReportMain(const ReportFlags& f) {
  std::string err;
  ReportPaths paths{f.json, f.html};
  RunData data;
  if (!CheckReportPaths(paths, &err) || !LoadJournalRunData(f.journal, &data, &err)) {
    fmt::print(stderr, "coreflow: error: {}\n", err);
    return 255;
  }
  RunStats stats = ComputeStats(data);
  fmt::print("{}", FormatSummary(data, stats));
  if (!WriteReports(paths, data, stats, &err)) {
    fmt::print(stderr, "coreflow: error: {}\n", err);
    return 255;
  }
  return 0;
}

}  // namespace coreflow
