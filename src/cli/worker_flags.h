#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "base/time.h"
#include "exec/worker_runner.h"

namespace coreflow {

// --worker and its limits, as given on the command line.
struct WorkerFlags {
  std::string command;        // --worker CMD
  std::string start_timeout;  // --worker-start-timeout
  uint64_t max_tasks = 0;     // --worker-max-tasks
  std::string max_rss;        // --worker-max-rss
  bool enabled() const { return !command.empty(); }
};

void AddWorkerFlags(CLI::App* run, WorkerFlags* f);

// Checks the flags and fills *out. False with *err naming the flag.
bool ResolveWorkerFlags(const WorkerFlags& f, Nanos term_grace, WorkerOptions* out,
                        std::string* err);

}  // namespace coreflow
