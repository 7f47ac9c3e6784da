#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/time.h"

namespace coreflow {

// Strict decimal integer: optional sign, digits only, no overflow.
bool ParseInt(std::string_view text, int64_t* out);

// Strict non-negative decimal number such as "2", "0.5" or "1e3".
bool ParseDouble(std::string_view text, double* out);

// A duration such as "30", "2.5s", "500ms", "10m", "1h" or "1d" (bare numbers are seconds).
bool ParseDuration(std::string_view text, Nanos* out, std::string* err);

// A byte size such as "512", "100k", "1.5G", "2GiB" (k/M/G/T are powers of 1024).
bool ParseSize(std::string_view text, int64_t* out, std::string* err);

// A count with GNU parallel's multipliers, as -s 1k or -N 2K take it: k m g t p are powers
// of 1000, K M G T P (and Ki, ki, ...) powers of 1024. Whole numbers only once multiplied.
bool ParseCount(std::string_view text, int64_t* out, std::string* err);

// "1.5 s", "230 ms", "12 us": for humans, never parsed back.
std::string FormatDuration(Nanos n);

}  // namespace coreflow
