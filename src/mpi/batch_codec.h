#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace coreflow {

using Tuple = std::vector<std::string>;

// How a batch of input tuples travels between ranks as one message: counts and lengths as
// 32-bit little-endian numbers, then the bytes, so that any value (tabs, newlines, NULs) goes
// through unchanged.
std::string EncodeBatch(const std::vector<Tuple>& tuples);
// False on a body that is not what EncodeBatch makes (cut short, a length past the end).
bool DecodeBatch(std::string_view body, std::vector<Tuple>* out);

}  // namespace coreflow
