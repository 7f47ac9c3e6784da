#pragma once

namespace coreflow {

// The fixed parts of the report page (report/html.cc adds the data): the style sheet, and the
// script in two parts, helpers first, run together in one function scope. Their text is in
// src/report/assets/, embedded at build time.
extern const char* const kReportStyle;
extern const char* const kReportScriptSetup;
extern const char* const kReportScriptCharts;

}  // namespace coreflow
