#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace coreflow {

// 64-bit FNV-1a: a fast, stable hash for names and keys that must not change between releases.
inline uint64_t Fnv1a64(std::string_view data, uint64_t seed = 14695981039346656037ull) {
  uint64_t h = seed;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string HexDigits(uint64_t value);  // 16 lowercase hex digits
// Reads 1 to 16 lowercase hex digits back; false on anything else.
bool ParseHexDigits(std::string_view text, uint64_t* out);

}  // namespace coreflow
