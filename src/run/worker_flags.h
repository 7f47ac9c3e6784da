#pragma once

#include <string>

#include "base/time.h"
#include "coreflow/run_options.h"
#include "exec/worker_runner.h"

namespace coreflow {

// --worker and its limits, as given (coreflow/run_options.h).
using WorkerFlags = WorkerSettings;

// Checks the flags and fills *out. False with *err naming the flag.
bool ResolveWorkerFlags(const WorkerFlags& f, Nanos term_grace, WorkerOptions* out,
                        std::string* err);

}  // namespace coreflow
