#pragma once

#include <string>

#include "coreflow/run_options.h"
#include "report/run_data.h"

namespace coreflow {

// The same command line with --resume-failed (and without --resume), shell-quoted: it
// continues the run from its journal, running only the failed and unfinished tasks. "" when
// there is no journal to continue from (no --joblog, or --joblog -).
std::string ResumeCommand(const CommandLine& command_line, const std::string& joblog);

// Fills what `settings` says of the command line: argv, options and the resume command.
void AddCommandLine(const CommandLine& command_line, const std::string& joblog,
                    RunSettings* settings);

}  // namespace coreflow
