#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace coreflow {

// Splits `text` into words as a POSIX shell would, without expanding anything: blanks
// separate words; '…' keeps everything; "…" keeps everything but \" \\ \$ \` ; a backslash
// outside quotes keeps the next character. False with *err on an unclosed quote or a trailing
// backslash. `coreflow bench --config NAME='-j4 python f.py {}'` takes a configuration so.
bool SplitShellWords(std::string_view text, std::vector<std::string>* words, std::string* err);

}  // namespace coreflow
