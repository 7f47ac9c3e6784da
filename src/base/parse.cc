#include "base/parse.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace coreflow {
namespace {

// Splits "2.5ms" into number "2.5" and unit "ms".
void SplitNumberUnit(std::string_view text, std::string_view* number, std::string_view* unit) {
  size_t i = 0;
  while (i < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.' || text[i] == 'e' ||
          text[i] == 'E' || text[i] == '+' || text[i] == '-')) {
    // 'e' only counts as an exponent when a digit follows it.
    if ((text[i] == 'e' || text[i] == 'E') &&
        (i + 1 >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i + 1])))) {
      break;
    }
    ++i;
  }
  *number = text.substr(0, i);
  *unit = text.substr(i);
}

}  // namespace

bool ParseInt(std::string_view text, int64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  size_t i = 0;
  bool negative = false;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    i = 1;
  }
  if (i == text.size()) return false;
  // Accumulate unsigned so that INT64_MIN, one beyond INT64_MAX in magnitude, still parses.
  uint64_t limit = negative ? uint64_t{1} << 63 : static_cast<uint64_t>(INT64_MAX);
  uint64_t value = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return false;
    auto digit = static_cast<uint64_t>(c - '0');
    if (value > (limit - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *out = static_cast<int64_t>(negative ? 0 - value : value);
  return true;
}

bool ParseDouble(std::string_view text, double* out) {
  if (text.empty() || text.size() > 64) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != 'e' && c != 'E' &&
        c != '+' && c != '-') {
      return false;
    }
  }
  std::string copy(text);
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(copy.c_str(), &end);
  if (errno != 0 || end != copy.c_str() + copy.size() || !std::isfinite(value) || value < 0) {
    return false;
  }
  *out = value;
  return true;
}

bool ParseDuration(std::string_view text, Nanos* out, std::string* err) {
  std::string_view number, unit;
  SplitNumberUnit(text, &number, &unit);
  double value = 0;
  if (!ParseDouble(number, &value)) {
    *err = fmt::format("'{}' is not a duration (use e.g. 30, 2.5s, 500ms, 10m, 1h)", text);
    return false;
  }
  double scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1e9;
  } else if (unit == "ms") {
    scale = 1e6;
  } else if (unit == "us") {
    scale = 1e3;
  } else if (unit == "m") {
    scale = 60e9;
  } else if (unit == "h") {
    scale = 3600e9;
  } else if (unit == "d") {
    scale = 86400e9;
  } else {
    *err = fmt::format("'{}' has an unknown time unit '{}' (use s, ms, us, m, h or d)", text, unit);
    return false;
  }
  double nanos = value * scale;
  if (nanos > 9.2e18) {
    *err = fmt::format("'{}' is too long a duration", text);
    return false;
  }
  // Round: 1.005 * 1e9 is 1004999999.99... in binary floating point.
  *out = static_cast<Nanos>(std::llround(nanos));
  return true;
}

bool ParseSize(std::string_view text, int64_t* out, std::string* err) {
  std::string_view number, unit;
  SplitNumberUnit(text, &number, &unit);
  double value = 0;
  if (!ParseDouble(number, &value)) {
    *err = fmt::format("'{}' is not a size (use e.g. 512M, 2G, 1.5GiB)", text);
    return false;
  }
  std::string u(unit);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (u.size() > 1 && u.back() == 'B') u.pop_back();
  if (u.size() > 1 && u.back() == 'I') u.pop_back();
  double scale = 0;
  if (u.empty() || u == "B") {
    scale = 1;
  } else if (u == "K") {
    scale = 1024.0;
  } else if (u == "M") {
    scale = 1024.0 * 1024;
  } else if (u == "G") {
    scale = 1024.0 * 1024 * 1024;
  } else if (u == "T") {
    scale = 1024.0 * 1024 * 1024 * 1024;
  } else {
    *err = fmt::format("'{}' has an unknown size unit '{}' (use K, M, G or T)", text, unit);
    return false;
  }
  double bytes = value * scale;
  if (bytes > 9.2e18) {
    *err = fmt::format("'{}' is too large a size", text);
    return false;
  }
  *out = static_cast<int64_t>(bytes);
  return true;
}

bool ParseCount(std::string_view text, int64_t* out, std::string* err) {
  std::string_view number, unit;
  SplitNumberUnit(text, &number, &unit);
  double value = 0;
  if (!ParseDouble(number, &value)) {
    *err = fmt::format("'{}' is not a number (use e.g. 1000, 1k or 4K)", text);
    return false;
  }
  double scale = 1;
  if (!unit.empty()) {
    static constexpr std::string_view kPrefixes = "kmgtp";
    size_t power =
        kPrefixes.find(static_cast<char>(std::tolower(static_cast<unsigned char>(unit[0]))));
    bool binary = unit.size() == 2 && (unit[1] == 'i' || unit[1] == 'I');
    if (power == std::string_view::npos || unit.size() > 2 || (unit.size() == 2 && !binary)) {
      *err = fmt::format("'{}' has an unknown multiplier '{}' (use k=1000, K=1024, m, M, g, G)",
                         text, unit);
      return false;
    }
    binary = binary || std::isupper(static_cast<unsigned char>(unit[0]));
    for (size_t i = 0; i <= power; ++i) scale *= binary ? 1024.0 : 1000.0;
  }
  double n = value * scale;
  if (n > 9.2e18 || n != static_cast<double>(static_cast<int64_t>(n))) {
    *err = fmt::format("'{}' is not a whole number in range", text);
    return false;
  }
  *out = static_cast<int64_t>(n);
  return true;
}

std::string FormatDuration(Nanos n) {
  if (n >= 100 * kNanosPerSecond) return fmt::format("{:.0f} s", ToSeconds(n));
  if (n >= kNanosPerSecond) return fmt::format("{:.2f} s", ToSeconds(n));
  if (n >= kNanosPerMilli) return fmt::format("{:.1f} ms", static_cast<double>(n) / kNanosPerMilli);
  return fmt::format("{:.0f} us", static_cast<double>(n) / 1000);
}

}  // namespace coreflow
