#pragma once

#include <optional>

#include "run/run_plan.h"
#include "tune/space.h"

namespace coreflow {

// --tune-param without --param-changes-output: tuning trials run real inputs, each once, with
// whatever values the trial has, so those values must not change what a task prints. Before
// the run, the first input is run once per value of each parameter (the others at their first
// value), one at a time, and its stdout and exit status compared. Prints what it found; returns
// the exit status to stop with (a difference, an interrupt), or nothing to go on.
std::optional<int> CheckParamsKeepOutput(const RunPlan& plan, const TuneSpace& space);

}  // namespace coreflow
