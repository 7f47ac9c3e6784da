#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace coreflow {

// Fixed-size little-endian numbers, for the bodies of coreflow-mpi's messages. Get consumes
// `bytes` from the front of `in`; false when fewer are left.
void PutLittleEndian(uint64_t n, size_t bytes, std::string* out);
bool GetLittleEndian(std::string_view* in, size_t bytes, uint64_t* n);

using Tuple = std::vector<std::string>;

// How a batch of input tuples travels between ranks as one message: counts and lengths as
// 32-bit little-endian numbers, then the bytes, so that any value (tabs, newlines, NULs) goes
// through unchanged.
std::string EncodeBatch(const std::vector<Tuple>& tuples);
// False on a body that is not what EncodeBatch makes (cut short, a length past the end).
bool DecodeBatch(std::string_view body, std::vector<Tuple>* out);

}  // namespace coreflow
