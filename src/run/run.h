#pragma once

#include <string>
#include <vector>

#include "run/run_flags.h"

namespace coreflow {

// Plans the run `flags` describes, runs it to its end and reports on it: what coreflow::Run()
// and coreflow-mpi do. `words` is the command template and any input groups after it. Returns
// the exit status, as `coreflow run`'s.
int RunToEnd(const RunFlags& flags, const std::vector<std::string>& words);

}  // namespace coreflow
