#pragma once

#include <string>
#include <vector>

#include "compare/bench_session.h"

namespace coreflow {

// `coreflow bench --html FILE`: one self-contained page (the run report's style, no script):
// the configurations, their throughputs and time ratios with 95 % intervals, each ratio
// drawn against 1, and what the output comparison found. Everything taken from the bench is
// escaped.
std::string RenderBenchHtml(const std::vector<BenchConfig>& configs, const BenchResult& result);

}  // namespace coreflow
