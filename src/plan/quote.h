#pragma once

#include <string>
#include <string_view>

namespace coreflow {

// Quotes `value` for /bin/sh so it is one literal word whatever it holds (spaces, quotes, $( ),
// backticks, newlines, a leading '-'). Plain words stay unquoted, as GNU parallel prints them.
std::string ShellQuote(std::string_view value);
void AppendShellQuoted(std::string_view value, std::string* out);

}  // namespace coreflow
