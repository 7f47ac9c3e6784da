#include "run/worker_flags.h"

#include "base/parse.h"
#include "plan/expand.h"
#include "plan/template.h"

namespace coreflow {

bool ResolveWorkerFlags(const WorkerFlags& f, Nanos term_grace, WorkerOptions* out,
                        std::string* err) {
  if (!f.enabled()) {
    if (!f.start_timeout.empty() || f.max_tasks > 0 || !f.max_rss.empty()) {
      *err = "--worker-start-timeout, --worker-max-tasks and --worker-max-rss need --worker CMD";
      return false;
    }
    return true;
  }
  if (f.command.find_first_not_of(" \t\n") == std::string::npos) {
    *err = "--worker needs a command, e.g. --worker 'python3 score.py'";
    return false;
  }
  WorkerOptions o;
  // Started directly where it needs no shell: a shell in between would hold the worker's
  // descriptors, so coreflow could not see it close its result descriptor or exit.
  if (!SplitPlainCommand(f.command, &o.argv)) o.argv = {kShellPath, "-c", f.command};
  o.display = f.command;
  o.term_grace = term_grace;
  o.max_tasks = f.max_tasks;
  if (!f.start_timeout.empty()) {
    if (!ParseDuration(f.start_timeout, &o.start_timeout, err) || o.start_timeout <= 0) {
      *err = "--worker-start-timeout: " + (err->empty() ? "must be more than 0" : *err);
      return false;
    }
  }
  if (!f.max_rss.empty()) {
    int64_t bytes = 0;
    if (!ParseSize(f.max_rss, &bytes, err) || bytes <= 0) {
      *err = "--worker-max-rss: " + (err->empty() ? "must be more than 0" : *err);
      return false;
    }
    o.max_rss = static_cast<uint64_t>(bytes);
  }
  *out = std::move(o);
  return true;
}

}  // namespace coreflow
