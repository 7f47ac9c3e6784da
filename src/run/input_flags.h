#pragma once

#include <string>
#include <string_view>

#include "inputs/combine.h"
#include "run/run_flags.h"

namespace coreflow {

// Turns -0, -d, --colsep, --header and --link into the options the inputs are read with.
// False with *err naming the option for a value that cannot work (an invalid --colsep regex).
bool ResolveInputFlags(const RunFlags& f, InputOptions* out, std::string* err);

// -d's text as GNU parallel reads it (its unquote_printf): \t, \n and \r, then octal escapes
// \ddd and \d (\000 and \0 are NUL); there is no \x, and \\ stays two backslashes.
std::string UnescapeDelimiter(std::string_view text);

}  // namespace coreflow
