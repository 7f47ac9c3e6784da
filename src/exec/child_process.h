#pragma once

#include <string>
#include <vector>

namespace coreflow {

// Runs `argv` (argv[0] looked up in PATH unless it has a '/') with coreflow's environment, its
// stdin on /dev/null and its stdout and stderr on the descriptors given, and waits for it:
// `coreflow bench` runs each block as a `coreflow run` of its own. Returns 0 with *status the
// exit status (128 + signal number for a killed child), or errno when it could not start
// (ENOENT, EACCES, EAGAIN, ...) or be waited for. When `stop_fd` (a signalfd: Ctrl-C) becomes
// readable first, the child's process group gets SIGTERM, is waited for, and ECANCELED is
// returned.
int RunToEnd(const std::vector<std::string>& argv, int stdout_fd, int stderr_fd, int* status,
             int stop_fd = -1);

}  // namespace coreflow
