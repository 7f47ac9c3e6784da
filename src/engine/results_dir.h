#pragma once

#include <string>
#include <utility>
#include <vector>

#include "exec/runner.h"
#include "plan/task.h"
#include "schedule/events.h"

namespace coreflow {

// --results DIR, laid out as GNU parallel does: DIR/1/<value of source 1>/2/<value 2>/ holding
// `seq`, `stdout` and `stderr`; we add `exit` (the exit status, or 128+signal).
// A value becomes one safe directory name: '/' is written '\_' and '\' is written '\\' as GNU
// does, and unlike GNU, "", "." and ".." are written '\e', '\.' and '\..', and names over 200
// bytes are shortened with a hash, so no input can escape DIR or fail on a long name.
std::string ResultsDirName(const std::string& value);
std::string ResultsTaskDir(const std::string& dir, const std::vector<std::string>& values);

// --param-changes-output: DIR/NAME=VALUE,NAME2=VALUE2, one directory per --tune-param values.
std::string ResultsParamsDir(const std::string& dir,
                             const std::vector<std::pair<std::string, std::string>>& params);

// Writes one task's files. Returns 0 or errno; *where names the file that failed.
int WriteTaskResults(const std::string& dir, const TaskInput& input, const CapturedOutput* output,
                     const std::string& extra_stderr, const Outcome& outcome, std::string* where);

}  // namespace coreflow
