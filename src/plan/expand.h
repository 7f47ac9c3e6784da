#pragma once

#include <string>

#include "plan/task.h"
#include "plan/template.h"

namespace coreflow {

// Fills `out` with the argv of one task in slot `slot` (1-based): the program itself when the
// template needs no shell, else /bin/sh -c with every substituted value quoted.
void ExpandCommand(const CommandTemplate& t, const TaskInput& in, int slot, Command* out);

// The command as a shell command line, with substituted values quoted: what --dry-run prints,
// the joblog records and, for shell templates, what /bin/sh runs.
std::string ExpandCommandLine(const CommandTemplate& t, const TaskInput& in, int slot);

// The path of the shell used for templates that need one.
inline constexpr const char* kShellPath = "/bin/sh";

}  // namespace coreflow
