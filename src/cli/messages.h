#pragma once

#include <string>

#include <fmt/format.h>

namespace coreflow {

// The exit status of a usage error: nothing ran.
inline constexpr int kUsageError = 255;

inline int UsageError(const std::string& message) {
  fmt::print(stderr, "coreflow: error: {}\n", message);
  return kUsageError;
}

inline void Warn(const std::string& message) {
  fmt::print(stderr, "coreflow: warning: {}\n", message);
}

}  // namespace coreflow
