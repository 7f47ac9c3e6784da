#include "run/report_output.h"

#include <fmt/format.h>

#include "report/html.h"
#include "report/summary.h"
#include "sys/fd.h"
#include "sys/fs.h"

namespace coreflow {

bool CheckReportPaths(const ReportPaths& paths, std::string* err) {
  for (const auto& [flag, path] : {std::pair{"--report", &paths.json}, {"--html", &paths.html}}) {
    if (path->empty()) continue;
    if (int e = CheckCanCreate(*path)) {
      *err = fmt::format("{}: cannot create '{}': {}", flag, *path, ErrnoText(e));
      return false;
    }
  }
  return true;
}

bool WriteReports(const ReportPaths& paths, const RunData& data, const RunStats& stats,
                  std::string* err) {
  if (!paths.json.empty()) {
    std::string text =
        ReportJson(data, stats).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    text.push_back('\n');
    if (int e = WriteFileAtomically(paths.json, text)) {
      *err = fmt::format("cannot write report '{}': {}", paths.json, ErrnoText(e));
      return false;
    }
  }
  if (!paths.html.empty()) {
    if (int e = WriteFileAtomically(paths.html, RenderHtml(data, stats))) {
      *err = fmt::format("cannot write '{}': {}", paths.html, ErrnoText(e));
      return false;
    }
  }
  return true;
}

}  // namespace coreflow
