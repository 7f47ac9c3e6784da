#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "report/run_data.h"

namespace coreflow {

// How coreflow was called: what reports show of a run, and what a resume hint is made of.
struct Invocation {
  std::vector<std::string> argv;     // the whole command line, argv[0] included
  size_t subcommand = 0;             // where the subcommand ("run") is in argv; 0: none
  size_t options_end = 0;            // where its options end: the command template begins
  std::vector<GivenOption> options;  // the subcommand's options in the order given
};

// The command line `argv` as `sub` (a parsed subcommand, whose options end where its
// remaining words begin) understood it.
Invocation DescribeInvocation(const CLI::App& sub, int argc, const char* const* argv);

// The same command line with --resume-failed (and without --resume), shell-quoted: it
// continues the run from its journal, running only the failed and unfinished tasks. "" when
// there is no journal to continue from (no --joblog, or --joblog -).
std::string ResumeCommand(const Invocation& invocation, const std::string& joblog);

// Fills what `settings` says of the command line: argv, options and the resume command.
void AddInvocation(const Invocation& invocation, const std::string& joblog, RunSettings* settings);

}  // namespace coreflow
