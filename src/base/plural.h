#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

namespace coreflow {

// "1 core", "2 cores", "0 cores": a count and its noun, singular for exactly one, so that no
// message says "1 cores". `plural` is for nouns that do not just take an s ("process").
template <typename N>
requires std::is_integral_v<N> std::string Plural(N n, std::string_view noun,
                                                  std::string_view plural = {}) {
  if (n == 1) return fmt::format("1 {}", noun);
  if (!plural.empty()) return fmt::format("{} {}", n, plural);
  return fmt::format("{} {}s", n, noun);
}

}  // namespace coreflow
