#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace coreflow {

// Edits between a and b, a swap of two neighbours counting as one (rnu: run).
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate nearest to `given`, when close enough to be a slip rather than another word
// (at most a third of its letters, 1 to 3 edits); "" otherwise.
std::string NearestWord(std::string_view given, const std::vector<std::string>& candidates);

}  // namespace coreflow
