#pragma once

#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace coreflow {

struct RunOptions;

// GNU parallel options that everyday scripts carry over, with GNU's meaning: -v, -q, -I,
// --tag, --tagstring, --dryrun, --will-cite.
void AddGnuHabitFlags(CLI::App* run, RunOptions* f);

// Turns "1k" into "1000" and "1K" into "1024" (GNU's multipliers) before a count is checked.
CLI::Validator CountWithMultiplier();

// -t N is threads per task here; GNU's -t (print each command) is a common slip: say so.
CLI::Validator ThreadsValue();

// What to use instead of a GNU parallel option coreflow does not have, or "" if `option` is
// not one of them.
std::string GnuOptionHint(std::string_view option);

// The option of `app` nearest to `given` by edit distance (e.g. --keeporder: --keep-order), or
// "" when none is close.
std::string NearestOption(const CLI::App& app, std::string_view given);

// The subcommand of `app` nearest to `given`, or "".
std::string NearestCommand(const CLI::App& app, std::string_view given);

}  // namespace coreflow
