#pragma once

#include <string>

#include "report/run_data.h"
#include "report/stats.h"

namespace coreflow {

// One self-contained page (no network, no CDN): timeline, utilization curve, histograms.
// The run's attempts travel as column arrays in a JSON block that the page's own script
// draws onto canvases; the summary and the tables are plain HTML, readable without script.
// Everything taken from the run is escaped, and invalid UTF-8 becomes U+FFFD.
std::string RenderHtml(const RunData& data, const RunStats& stats);

}  // namespace coreflow
